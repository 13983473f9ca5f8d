package browser

import (
	"net/url"
	"testing"

	"github.com/tokenbench/tokenbench/internal/secrettest"
)

// TestSecretHoldersMask: the values typed, cookies, the masked secrets and
// the code in a redirect never show when these types are printed.
func TestSecretHoldersMask(t *testing.T) {
	t.Parallel()
	const (
		otp    = "OTP-424242-secret"
		cookie = "session-cookie-value-42"
		state  = "STATE-value-abcdef"
		code   = "CODE-value-123456"
	)
	fill := Step{Kind: Fill, Fields: []Field{{Selector: "#otp", Value: otp}}}
	stop, _ := url.Parse("http://127.0.0.1:9/callback?code=" + code + "&state=" + state)
	secrettest.Run(t, []secrettest.Case{
		{Name: "Field", V: fill.Fields[0], Secrets: []string{otp}, Keep: []string{"#otp"}},
		{Name: "Step", V: fill, Secrets: []string{otp}, Keep: []string{"fill", "#otp"}},
		{Name: "Cookie", V: Cookie{URL: "https://idp.example/authorize", Name: "sid", Value: cookie}, Secrets: []string{cookie}, Keep: []string{"sid", "idp.example"}},
		{Name: "Walk", V: Walk{URL: "https://idp.example/authorize?state=" + state, Stop: stop, Steps: []Step{fill}, Secrets: []string{otp, state}},
			Secrets: []string{otp, state, code}, Keep: []string{"idp.example/authorize", "127.0.0.1:9/callback", "fill", "#otp"}},
		{Name: "Stopped", V: Stopped{Method: "POST", URL: stop, Body: []byte("code=" + code)}, Secrets: []string{code, state}, Keep: []string{"POST", "/callback"}},
	})
}

package codes

import (
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/internal/browser"
	"github.com/tokenbench/tokenbench/internal/secrettest"
)

// TestSecretHoldersMask: every type of this package that holds a secret
// masks it in fmt, Gomega and slog, and still says what it is.
func TestSecretHoldersMask(t *testing.T) {
	t.Parallel()
	const (
		code     = "CODE-abcdef-123456"
		verifier = "VERIFIER-0123456789"
		cookie   = "session-cookie-value-42"
		password = "P4ssw0rd-of-the-user"
		header   = "Bearer header-secret-7"
		arg      = "--token=argument-secret-9"
	)
	c := Code{Value: code, CodeVerifier: verifier, ClientID: "my-client", RedirectURI: "https://client.example/cb", Seq: 7, ObtainedAt: time.Unix(0, 0)}
	form := FormConfig{Fields: map[string]string{"username": "frode", "password": password}}
	cfg := Config{Source: SourceForm, Command: []string{"harvest", arg}, Headers: map[string]string{"X-Auth": header},
		Cookies: map[string]string{"session": cookie}, Form: &form}
	otp := "OTP-424242-literal"
	bc := BrowserConfig{Parallel: 2, Steps: []browser.Step{
		{Kind: browser.Fill, Fields: []browser.Field{{Selector: "#user", Value: "frode"}, {Selector: "#otp", Value: otp}}},
		{Kind: browser.Click, Selector: "#go"},
	}}
	bcfg := Config{Source: SourceBrowser, Cookies: map[string]string{"session": cookie}, Browser: &bc}
	secrettest.Run(t, []secrettest.Case{
		{Name: "BrowserConfig", V: bc, Secrets: []string{otp, "frode"}, Keep: []string{"#user", "#otp", "#go", "2 tabs"}},
		{Name: "Config with a browser", V: bcfg, Secrets: []string{otp, "frode", cookie}, Keep: []string{"source browser", "session", "#otp"}},
		{Name: "Code", V: c, Secrets: []string{code, verifier}, Keep: []string{"my-client"}},
		{Name: "Config", V: cfg, Secrets: []string{cookie, password, header, arg}, Keep: []string{"source form", "session", "X-Auth", "password", "harvest"}},
		{Name: "FormConfig", V: form, Secrets: []string{password, "frode"}, Keep: []string{"username", "password"}},
	})
}

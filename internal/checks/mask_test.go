package checks

import (
	"context"
	"encoding/base64"
	"net/http"
	"testing"

	"github.com/tokenbench/tokenbench/internal/exchange"
	"github.com/tokenbench/tokenbench/internal/secrettest"
)

// TestSecretHoldersMask: every type of this package that holds a secret
// masks it in fmt, Gomega and slog, and still says what it is.
func TestSecretHoldersMask(t *testing.T) {
	t.Parallel()
	const (
		secret = "S3cr3t-client-value"
		nonce  = "nonce-value-4711"
		at     = "AT-very-secret-token"
		name   = "Frode-Beckmann"
	)
	b64 := base64.RawURLEncoding.EncodeToString
	header, payload := b64([]byte(`{"alg":"RS256","kid":"k1"}`)), b64([]byte(`{"sub":"u1","name":"`+name+`","nonce":"`+nonce+`"}`))
	idt := header + "." + payload + "." + b64([]byte("signature-bytes"))
	tok, err := parseIDToken([]byte(idt))
	if err != nil {
		t.Fatal(err)
	}
	x := &exchange.Exchange{Probe: "valid", Request: exchange.Request{Method: "POST", URL: "https://op.example/token"},
		Response: &exchange.Response{Status: 200, Header: http.Header{"Content-Type": {"application/json"}},
			Body: []byte(`{"access_token":"` + at + `","id_token":"` + idt + `"}`)}}
	ev := NewEvidence(context.Background(), x, nil)
	secrettest.Run(t, []secrettest.Case{
		{Name: "Context", V: Context{Issuer: "https://op.example", ClientID: "my-client", ClientSecret: secret, Nonce: nonce}, Secrets: []string{secret, nonce}, Keep: []string{"my-client", "https://op.example"}},
		{Name: "IDToken", V: tok, Secrets: []string{idt, header, payload, name, nonce}, Keep: []string{"RS256", "name"}},
		{Name: "Evidence", V: ev, Secrets: []string{at, idt, payload, name, nonce}, Keep: []string{"access_token", "RS256", "op.example/token"}},
	})
}

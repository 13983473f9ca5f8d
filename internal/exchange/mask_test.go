package exchange

import (
	"errors"
	"net/http"
	"net/url"
	"testing"

	"github.com/tokenbench/tokenbench/internal/secrettest"
)

// TestSecretHoldersMask: every type of this package that holds a secret
// masks it in fmt, Gomega and slog, and still says what it is.
func TestSecretHoldersMask(t *testing.T) {
	t.Parallel()
	const (
		secret   = "S3cr3t-client-value"
		code     = "CODE-abcdef-123456"
		verifier = "VERIFIER-0123456789"
		token    = "AT-very-secret-token"
	)
	creds := Credentials{ID: "my-client", Secret: secret}
	spec := TokenRequest("https://op.example/token", Basic{creds}, code, "https://client.example/cb", verifier).With(CredentialsInQuery())
	x := &Exchange{
		Probe: "valid",
		Request: Request{Method: "POST", URL: "https://op.example/token?client_id=my-client&client_secret=" + secret,
			Header: http.Header{"Authorization": {"Basic " + secret}, "Content-Type": {"application/x-www-form-urlencoded"}},
			Body:   []byte("grant_type=authorization_code&code=" + code + "&code_verifier=" + verifier)},
		Response: &Response{Status: 200, Proto: "HTTP/1.1", Header: http.Header{"Content-Type": {"application/json"}},
			RawHeader: []HeaderLine{{"Set-Cookie", "session=" + token}}, Body: []byte(`{"access_token":"` + token + `"}`)},
	}
	failed := &Exchange{Probe: "secret in query", Request: Request{Method: "POST", URL: "https://op.example/token?client_secret=" + secret},
		Err: &url.Error{Op: "Post", URL: "https://op.example/token?client_secret=" + secret, Err: errors.New("connection refused")}}
	secrettest.Run(t, []secrettest.Case{
		{Name: "Credentials", V: creds, Secrets: []string{secret}, Keep: []string{"my-client"}},
		{Name: "Credentials without a secret", V: Credentials{ID: "public"}, Keep: []string{"public"}},
		{Name: "Spec", V: spec, Secrets: []string{secret, code, verifier}, Keep: []string{"op.example/token", "grant_type"}},
		{Name: "Exchange", V: x, Secrets: []string{secret, code, verifier, token}, Keep: []string{"op.example/token", "200"}},
		{Name: "Exchange without a response", V: failed, Secrets: []string{secret}, Keep: []string{"connection refused"}},
	})
}

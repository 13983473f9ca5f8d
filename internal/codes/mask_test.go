package codes

import (
	"testing"
	"time"

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
	tests := []struct {
		name    string
		v       any
		secrets []string
		keep    []string
	}{
		{"Code", c, []string{code, verifier}, []string{"my-client"}},
		{"Config", cfg, []string{cookie, password, header, arg}, []string{"source form", "session", "X-Auth", "password", "harvest"}},
		{"FormConfig", form, []string{password, "frode"}, []string{"username", "password"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			secrettest.Masked(t, tt.v, tt.secrets, tt.keep...)
		})
	}
}

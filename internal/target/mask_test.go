package target

import (
	"context"
	"testing"

	"github.com/tokenbench/tokenbench/internal/codes"
	"github.com/tokenbench/tokenbench/internal/provider"
	"github.com/tokenbench/tokenbench/internal/secrettest"
)

// TestSecretHoldersMask: every type of this package that holds a secret
// masks it in fmt, Gomega and slog, and still says what it is.
func TestSecretHoldersMask(t *testing.T) {
	t.Parallel()
	const (
		literal = "literal-secret-in-file"
		cookie  = "session-cookie-value-42"
	)
	f := File{Issuer: "https://op.example", Client: Client{ID: "my-client", Secret: literal},
		SecondClient: &Client{ID: "second", SecretEnv: "SECOND_SECRET"}, RedirectURI: "https://client.example/cb",
		Codes: codes.Config{Cookies: map[string]string{"session": cookie}}}
	tg, err := Open(context.Background(), "", provider.Config{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer tg.Close()
	var secrets []string
	for _, c := range provider.DefaultClients() {
		secrets = append(secrets, c.Secret)
	}
	tests := []struct {
		name    string
		v       any
		secrets []string
		keep    []string
	}{
		{"Client with a literal secret", f.Client, []string{literal}, []string{"my-client"}},
		{"Client with a secret variable", *f.SecondClient, nil, []string{"second", "SECOND_SECRET"}},
		{"File", f, []string{literal, cookie}, []string{"https://op.example", "my-client", "SECOND_SECRET", "session"}},
		{"Target", tg, secrets, []string{tg.TokenEndpoint, "tokenbench", "bankid"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			secrettest.Masked(t, tt.v, tt.secrets, tt.keep...)
		})
	}
}

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
	secrettest.Run(t, []secrettest.Case{
		{Name: "Client with a literal secret", V: f.Client, Secrets: []string{literal}, Keep: []string{"my-client"}},
		{Name: "Client with a secret variable", V: *f.SecondClient, Keep: []string{"second", "SECOND_SECRET"}},
		{Name: "File", V: f, Secrets: []string{literal, cookie}, Keep: []string{"https://op.example", "my-client", "SECOND_SECRET", "session"}},
		{Name: "Target", V: tg, Secrets: secrets, Keep: []string{tg.TokenEndpoint, "tokenbench", "bankid"}},
	})
}

package provider

import (
	"crypto/rand"
	"crypto/rsa"
	"testing"

	"github.com/tokenbench/tokenbench/internal/secrettest"
)

// TestSecretHoldersMask: every type of this package that holds a secret
// masks it in fmt, Gomega and slog, and still says what it is.
func TestSecretHoldersMask(t *testing.T) {
	t.Parallel()
	key, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	clients := DefaultClients()
	var secrets []string
	for _, c := range clients {
		secrets = append(secrets, c.Secret)
	}
	// the key's private exponent and primes, as fmt and Gomega print big.Ints
	keyParts := []string{key.D.String(), key.Primes[0].String(), key.Primes[1].String()}
	cfg := Config{Clients: clients, Key: key, Defects: map[string]float64{"no-kid": 1}}
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p.SetIssuer("http://127.0.0.1:9999")
	secrettest.Run(t, []secrettest.Case{
		{Name: "Client", V: clients[2], Secrets: []string{clients[2].Secret}, Keep: []string{clients[2].ID}},
		{Name: "Config", V: cfg, Secrets: append(secrets, keyParts...), Keep: []string{clients[0].ID, clients[1].ID, "no-kid@1"}},
		{Name: "Provider", V: p, Secrets: append(secrets, keyParts...), Keep: []string{"http://127.0.0.1:9999", clients[0].ID}},
	})
}

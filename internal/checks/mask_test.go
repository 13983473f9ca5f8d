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
	tests := []struct {
		name    string
		v       any
		secrets []string
		keep    []string
	}{
		{"Context", Context{Issuer: "https://op.example", ClientID: "my-client", ClientSecret: secret, Nonce: nonce}, []string{secret, nonce}, []string{"my-client", "https://op.example"}},
		{"IDToken", tok, []string{idt, header, payload, name, nonce}, []string{"RS256", "name"}},
		{"Evidence", ev, []string{at, idt, payload, name, nonce}, []string{"access_token", "RS256", "op.example/token"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			secrettest.Masked(t, tt.v, tt.secrets, tt.keep...)
		})
	}
}

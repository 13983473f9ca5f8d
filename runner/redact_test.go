package runner

import (
	"net/http"
	"testing"

	"github.com/tokenbench/tokenbench/internal/codes"
	"github.com/tokenbench/tokenbench/internal/exchange"
	"github.com/tokenbench/tokenbench/internal/redact"
)

// echoed is an exchange whose provider answered with the code it was sent
// as its error code, and the token it had issued in the description.
func echoed(code string) *exchange.Exchange {
	return &exchange.Exchange{
		Request: exchange.Request{Method: "POST", URL: "https://op/token", Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
			Body: []byte("grant_type=authorization_code&code=" + code)},
		Response: &exchange.Response{Status: 400, Body: []byte(`{"error":"` + code + `"}`)},
	}
}

func TestOutcomeKey(t *testing.T) {
	t.Parallel()
	red := redact.New()
	red.AddClient("cli", "client-secret-1")
	c := &codes.Code{Value: "code-value-0123456789", CodeVerifier: "verifier-0123456789"}
	tests := []struct {
		name    string
		red     *redact.Redactor
		x       *exchange.Exchange
		outcome string
		want    string
	}{
		{"ok", red, echoed(c.Value), "ok", "ok"},
		{"a registered error code", red, echoed(c.Value), "invalid_grant", "invalid_grant"},
		{"a status class", red, echoed(c.Value), "http_4xx", "http_4xx"},
		{"the exchange's code", red, echoed(c.Value), c.Value, redact.Mask},
		{"the verifier, base64url", red, echoed(c.Value), "e" + "dmVyaWZpZXItMDEyMzQ1Njc4OQ", "e" + redact.Mask},
		{"the client secret", red, echoed(c.Value), "bad client-secret-1", "bad " + redact.Mask},
		{"a code in the response only", red, echoed("other-code-98765"), "other-code-98765", redact.Mask},
		{"--reveal", nil, echoed(c.Value), c.Value, c.Value},
	}
	for _, tt := range tests {
		if got := outcomeKey(tt.red, tt.x, c, tt.outcome); got != tt.want {
			t.Errorf("%s: outcomeKey = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// BenchmarkOutcomeKey: what recording an outcome costs the load path: an
// ok or a registered error code nothing; a key the provider chose a
// per-exchange redaction against the exchange's own secrets.
func BenchmarkOutcomeKey(b *testing.B) {
	red := redact.New()
	red.AddClient("cli", "client-secret-1")
	c := &codes.Code{Value: exchange.Random(""), CodeVerifier: exchange.Random("")}
	x := echoed(c.Value)
	for _, bb := range []struct{ name, outcome string }{{"ok", "ok"}, {"registered", "invalid_grant"}, {"provider-chosen", "weird_error"}} {
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				outcomeKey(red, x, c, bb.outcome)
			}
		})
	}
}

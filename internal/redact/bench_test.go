package redact

import (
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"
)

func token() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// conformRedactor is a Redactor with what a conformance run registers:
// two clients and about 1,000 codes, tokens and verifiers.
func conformRedactor(b *testing.B) *Redactor {
	r := New("name", "birthdate")
	r.AddClient("tokenbench", "tokenbench-secret")
	r.AddClient("tokenbench-enc", "s3cret:with/reserved+chars&=%")
	for range 1000 {
		r.AddSecret(token())
	}
	r.String("index everything")
	return r
}

// evidence is a token response exchange as printed, about 2 KB.
var evidence = "POST /oauth/token HTTP/1.1\nHost: 127.0.0.1:9\nAuthorization: Basic [REDACTED]\n" +
	"Content-Type: application/x-www-form-urlencoded\n\ngrant_type=authorization_code&code=%5BREDACTED%5D&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcallback\n\n" +
	"HTTP/1.1 200 OK\nCache-Control: no-store\nContent-Type: application/json;charset=utf-8\nPragma: no-cache\n\n" +
	`{"access_token":"[REDACTED] (43 chars)","expires_in":3600,"id_token":"[REDACTED] (812 chars)","scope":"openid","token_type":"Bearer"}` +
	strings.Repeat(" ", 1400)

// BenchmarkString: masking a 2 KB text against a conformance run's
// registry, nothing to mask (the common case): one pass, no allocation.
func BenchmarkString(b *testing.B) {
	r := conformRedactor(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(evidence)))
	for b.Loop() {
		if r.String(evidence) != evidence {
			b.Fatal("masked")
		}
	}
}

// BenchmarkStringMasked: the same text with two tokens in it.
func BenchmarkStringMasked(b *testing.B) {
	r := New()
	a, c := token(), token()
	r.AddSecret(a, c)
	for range 1000 {
		r.AddSecret(token())
	}
	text := evidence[:500] + a + evidence[500:1000] + c
	r.String(text) // index the forms first
	b.ReportAllocs()
	for b.Loop() {
		r.String(text)
	}
}

// BenchmarkAddSecret: registering one value (what a code source does for
// every code): a map insert; the forms are computed when a text is next
// masked.
func BenchmarkAddSecret(b *testing.B) {
	r := New()
	vs := make([]string, 4096)
	for i := range vs {
		vs[i] = token()
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		r.AddSecret(vs[i%len(vs)] + "x")
		i++
	}
}

// BenchmarkWithOutcome: the load path's per-exchange redaction of a
// provider-chosen outcome key against the exchange's own code, verifier and
// tokens (only for error answers; an ok outcome never gets here).
func BenchmarkWithOutcome(b *testing.B) {
	r := conformRedactor(b)
	code, verifier, at := token(), token(), token()
	b.ReportAllocs()
	for b.Loop() {
		if r.With(code, verifier, at).String("invalid_grant") != "invalid_grant" {
			b.Fatal("masked")
		}
	}
}

// BenchmarkForms: the forms of one token.
func BenchmarkForms(b *testing.B) {
	t := token()
	b.ReportAllocs()
	for b.Loop() {
		Forms(t)
	}
}

package redact

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tokenbench/tokenbench/internal/secretscan"
)

// FuzzRedactorHidesEveryForm registers a secret, embeds each encoding that
// internal/secretscan knows (written independently of Forms) between
// arbitrary text, and requires that the redacted text holds none of them.
// Secrets are printable UTF-8 (client secrets come from environment
// variables and files, tokens are ASCII); control characters have several
// valid JSON escapes and no secret has them.
func FuzzRedactorHidesEveryForm(f *testing.F) {
	for _, seed := range []struct{ secret, before, after string }{
		{"tokenbench-secret", "Basic ", "\n"},
		{"s3cret:with/reserved+chars&=%", `{"echo":"`, `"}`},
		{"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln", "<td>", "</td>"},
		{"Frode Nilsen", "name=", "&x=y"},
		{"\u00e9t\u00e9-\u2028-secret", "", ""},
	} {
		f.Add(seed.secret, seed.before, seed.after)
	}
	f.Fuzz(func(t *testing.T, secret, before, after string) {
		// The mask's own characters could rebuild a form next to it.
		if len(secret) < MinLen || strings.ContainsAny(secret, "[]") || len(secret) > 200 || !printable(secret) {
			return
		}
		r := New()
		r.AddSecret(secret)
		for name, form := range secretscan.Encodings(secret) {
			got := r.String(before + form + after)
			if strings.Contains(got, form) {
				t.Fatalf("secret %q, form %s %q survived in %q", secret, name, form, got)
			}
		}
		// Text with no form of the secret comes back unchanged.
		if plain := before + after; !containsAnyForm(plain, secret) && r.String(plain) != plain {
			t.Fatalf("text without the secret changed: %q -> %q", plain, r.String(plain))
		}
	})
}

func printable(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f })
}

func containsAnyForm(s, secret string) bool {
	for _, f := range Forms(secret) {
		if strings.Contains(s, f) {
			return true
		}
	}
	return false
}

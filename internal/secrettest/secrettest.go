// Package secrettest checks, for tests, that a value holding secrets masks
// itself wherever it may be printed: fmt's verbs, Gomega's failure messages
// (format.Object) and slog's text and JSON handlers.
package secrettest

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/onsi/gomega/format"
)

// Gomega truncates long output, which could hide a secret past the cut.
func init() { format.MaxLength = 0 }

// Printed returns v as each printer shows it, by printer name: v itself,
// and v inside a struct field and a slice (fmt and Gomega print nested
// values through their own methods too). slog shows v as an attribute's
// value: the handlers resolve a LogValuer there, not deeper.
func Printed(v any) map[string]string {
	nested := struct{ V any }{v}
	out := map[string]string{
		"%v": fmt.Sprintf("%v", v), "%+v": fmt.Sprintf("%+v", v), "%#v": fmt.Sprintf("%#v", v), "%s": fmt.Sprintf("%s", v),
		"Sprint": fmt.Sprint(v), "Println": fmt.Sprintln(v),
		"nested %+v": fmt.Sprintf("%+v", nested), "nested %#v": fmt.Sprintf("%#v", nested),
		"slice %v": fmt.Sprintf("%v", []any{v}),
		"gomega":   format.Object(v, 0), "gomega nested": format.Object(nested, 0),
	}
	for name, h := range map[string]func(*bytes.Buffer) slog.Handler{
		"slog text": func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
		"slog json": func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
	} {
		var b bytes.Buffer
		slog.New(h(&b)).Info("value", "v", v)
		out[name] = b.String()
	}
	return out
}

// Masked fails t for every printer that shows any of secrets, and for
// every printer that does not show each of keep (what the value still
// tells, such as a client id, so that a printer left blank does not pass).
func Masked(t testing.TB, v any, secrets []string, keep ...string) {
	t.Helper()
	for printer, s := range Printed(v) {
		for _, secret := range secrets {
			if secret != "" && strings.Contains(s, secret) {
				t.Errorf("%T printed with %s shows the secret %q:\n%s", v, printer, secret, s)
			}
		}
		for _, k := range keep {
			if !strings.Contains(s, k) {
				t.Errorf("%T printed with %s lacks %q:\n%s", v, printer, k, s)
			}
		}
	}
}

// Case is one value to check with Masked: the secrets it holds and what its
// printed forms must still show.
type Case struct {
	Name    string
	V       any
	Secrets []string
	Keep    []string
}

// Run checks each case with Masked in a parallel subtest.
func Run(t *testing.T, cases []Case) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			Masked(t, c.V, c.Secrets, c.Keep...)
		})
	}
}

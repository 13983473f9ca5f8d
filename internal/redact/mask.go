package redact

import (
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
)

// A Redactor holds every secret it masks. Printed with any fmt verb (it is
// a fmt.Formatter, as its String method redacts text), with GoString,
// GomegaString or LogValue, it says how many, never which.

// describe says how many secrets r masks and which claims it hides.
func (r *Redactor) describe() string {
	if r == nil {
		return "redact.Redactor(nil: nothing is redacted)"
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	return fmt.Sprintf("redact.Redactor{%d secret values %s, personal claims %v}", len(r.state), Mask, slices.Sorted(maps.Keys(r.claims)))
}

// Format implements fmt.Formatter: every verb prints the description.
func (r *Redactor) Format(f fmt.State, _ rune) { io.WriteString(f, r.describe()) }

// GoString describes r, so that %#v shows no secret either.
func (r *Redactor) GoString() string { return r.describe() }

// GomegaString describes r, for Gomega's failure messages.
func (r *Redactor) GomegaString() string { return r.describe() }

// LogValue implements slog.LogValuer without the secrets.
func (r *Redactor) LogValue() slog.Value { return slog.StringValue(r.describe()) }

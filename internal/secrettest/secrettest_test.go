package secrettest

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// recorder is a testing.TB that keeps the errors instead of failing.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

type leaky struct{ ID, Secret string }

type stringerOnly struct{ ID, Secret string }

func (s stringerOnly) String() string { return "id " + s.ID }

type masked struct{ ID, Secret string }

func (m masked) String() string       { return "id " + m.ID }
func (m masked) GoString() string     { return m.String() }
func (m masked) GomegaString() string { return m.String() }
func (m masked) LogValue() slog.Value { return slog.StringValue(m.String()) }

// TestMasked: Masked passes a value masked everywhere and names every
// printer that shows the secret or drops what must stay.
func TestMasked(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		v     any
		leaks []string // printers that must be reported
	}{
		{"masked everywhere", masked{"c", "s3cret"}, nil},
		{"no methods", leaky{"c", "s3cret"}, []string{"%v", "%#v", "gomega", "slog text", "slog json"}},
		{"a String method only", stringerOnly{"c", "s3cret"}, []string{"%#v", "gomega", "gomega nested", "slog json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := &recorder{TB: t}
			Masked(r, tt.v, []string{"s3cret"}, "c")
			all := strings.Join(r.errs, "\n")
			if len(tt.leaks) == 0 && len(r.errs) > 0 {
				t.Errorf("errors for a masked value:\n%s", all)
			}
			for _, p := range tt.leaks {
				if !strings.Contains(all, " printed with "+p+" shows the secret") {
					t.Errorf("no error for %s:\n%s", p, all)
				}
			}
		})
	}
}

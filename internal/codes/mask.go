package codes

import (
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
)

// A Config may hold session cookies, header values and form field values
// (a password) written in the target file, and a command's arguments. Its
// String, GoString, GomegaString and LogValue show their names only.

// String shows the source and the names of what the config sets.
func (c Config) String() string {
	parts := []string{"source " + c.kind()}
	if len(c.Command) > 0 {
		parts = append(parts, fmt.Sprintf("command %q and %d arguments", c.Command[0], len(c.Command)-1))
	}
	if c.Path != "" {
		parts = append(parts, "path "+c.Path)
	}
	for _, m := range []struct {
		what string
		m    map[string]string
	}{{"params", c.Params}, {"headers", c.Headers}, {"cookies", c.Cookies}} {
		if len(m.m) > 0 {
			parts = append(parts, m.what+" "+names(m.m))
		}
	}
	if c.Form != nil {
		parts = append(parts, c.Form.String())
	}
	if c.Hydra != nil {
		parts = append(parts, "hydra admin "+c.Hydra.AdminURL)
	}
	return "codes{" + strings.Join(parts, "; ") + "}"
}

// GoString is String, so that %#v shows no value either.
func (c Config) GoString() string { return c.String() }

// GomegaString is String, for Gomega's failure messages.
func (c Config) GomegaString() string { return c.String() }

// LogValue implements slog.LogValuer with names only.
func (c Config) LogValue() slog.Value { return slog.StringValue(c.String()) }

// String shows the names of the fields the form source fills.
func (fc FormConfig) String() string { return "form fields " + names(fc.Fields) }

// GoString is String, so that %#v shows no value either.
func (fc FormConfig) GoString() string { return fc.String() }

// GomegaString is String, for Gomega's failure messages.
func (fc FormConfig) GomegaString() string { return fc.String() }

// LogValue implements slog.LogValuer with the field names only.
func (fc FormConfig) LogValue() slog.Value { return slog.StringValue(fc.String()) }

// names lists a map's keys, sorted, values left out.
func names(m map[string]string) string {
	return "[" + strings.Join(slices.Sorted(maps.Keys(m)), " ") + "]"
}

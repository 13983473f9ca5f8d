package codes

import (
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
)

// A Config may hold session cookies, header values, form field values and
// browser fill values (a password) written in the target file, and a
// command's arguments. Its String, GoString, GomegaString and LogValue show
// their names only.

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
	if c.Browser != nil {
		parts = append(parts, c.Browser.String())
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

// String shows the browser source's Chromium and steps, never a value the
// steps type.
func (bc BrowserConfig) String() string {
	steps := make([]string, len(bc.Steps))
	for i, s := range bc.Steps {
		steps[i] = s.String()
	}
	exe := bc.Executable
	if exe == "" {
		exe = "chromium on PATH"
	}
	return fmt.Sprintf("browser %s, %d tabs, steps [%s]", exe, max(bc.Parallel, DefaultBrowserParallel), strings.Join(steps, "; "))
}

// GoString is String, so that %#v shows no value either.
func (bc BrowserConfig) GoString() string { return bc.String() }

// GomegaString is String, for Gomega's failure messages.
func (bc BrowserConfig) GomegaString() string { return bc.String() }

// LogValue implements slog.LogValuer without the values.
func (bc BrowserConfig) LogValue() slog.Value { return slog.StringValue(bc.String()) }

// String describes the browser source without the values it types.
func (s *Browser) String() string {
	return fmt.Sprintf("browser source (%s, %d steps, client %q)", s.chromium.Path(), len(s.steps), s.defaults.ClientID)
}

// GoString is String, so that %#v shows no value either.
func (s *Browser) GoString() string { return s.String() }

// GomegaString is String, for Gomega's failure messages.
func (s *Browser) GomegaString() string { return s.String() }

// LogValue implements slog.LogValuer without the values.
func (s *Browser) LogValue() slog.Value { return slog.StringValue(s.String()) }

// names lists a map's keys, sorted, values left out.
func names(m map[string]string) string {
	return "[" + strings.Join(slices.Sorted(maps.Keys(m)), " ") + "]"
}

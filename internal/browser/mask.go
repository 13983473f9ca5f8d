package browser

import (
	"fmt"
	"log/slog"
	"net/url"
	"strings"
)

// A Field holds a value to type (a password, a one-time code); a Cookie a
// session; a Walk the values it masks and an authorization request; a
// Stopped the redirect with its code. Their String, GoString, GomegaString
// and LogValue show what they are, never those values.

// String names the field, not its value.
func (f Field) String() string { return fmt.Sprintf("field %q", f.Selector) }

// GoString is String, so that %#v shows no value either.
func (f Field) GoString() string { return f.String() }

// GomegaString is String, for Gomega's failure messages.
func (f Field) GomegaString() string { return f.String() }

// LogValue implements slog.LogValuer without the value.
func (f Field) LogValue() slog.Value { return slog.StringValue(f.String()) }

// GoString is String: the step without the values it types.
func (s Step) GoString() string { return s.String() }

// GomegaString is String, for Gomega's failure messages.
func (s Step) GomegaString() string { return s.String() }

// LogValue implements slog.LogValuer without the values.
func (s Step) LogValue() slog.Value { return slog.StringValue(s.String()) }

// String names the cookie and its scope, not its value.
func (c Cookie) String() string { return fmt.Sprintf("cookie %q for %s", c.Name, c.URL) }

// GoString is String, so that %#v shows no value either.
func (c Cookie) GoString() string { return c.String() }

// GomegaString is String, for Gomega's failure messages.
func (c Cookie) GomegaString() string { return c.String() }

// LogValue implements slog.LogValuer without the value.
func (c Cookie) LogValue() slog.Value { return slog.StringValue(c.String()) }

// String shows where the walk starts (without the query) and ends, and its
// steps.
func (w Walk) String() string {
	steps := make([]string, len(w.Steps))
	for i, s := range w.Steps {
		steps[i] = s.String()
	}
	return fmt.Sprintf("walk from %s to %s: %s", bare(w.URL), bare(urlString(w.Stop)), strings.Join(steps, "; "))
}

// GoString is String, so that %#v shows no value either.
func (w Walk) GoString() string { return w.String() }

// GomegaString is String, for Gomega's failure messages.
func (w Walk) GomegaString() string { return w.String() }

// LogValue implements slog.LogValuer without the values.
func (w Walk) LogValue() slog.Value { return slog.StringValue(w.String()) }

// String shows the request without its query, fragment or body.
func (s Stopped) String() string {
	return fmt.Sprintf("stopped at %s %s", s.Method, bare(urlString(s.URL)))
}

// GoString is String, so that %#v shows no code either.
func (s Stopped) GoString() string { return s.String() }

// GomegaString is String, for Gomega's failure messages.
func (s Stopped) GomegaString() string { return s.String() }

// LogValue implements slog.LogValuer without the code.
func (s Stopped) LogValue() slog.Value { return slog.StringValue(s.String()) }

func urlString(u *url.URL) string {
	if u == nil {
		return ""
	}
	return u.String()
}

// bare is a URL without user info, query or fragment.
func bare(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(not a URL)"
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}

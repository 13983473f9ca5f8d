package checks

import (
	"strings"
)

// hasDirective reports whether any of the header field values (each a
// comma-separated list as in Cache-Control or Pragma) holds the directive
// name, compared case-insensitively, with or without an argument. Commas
// inside quoted arguments do not split.
//
// https://www.rfc-editor.org/rfc/rfc9111#section-5.2
func hasDirective(values []string, name string) bool {
	for _, v := range values {
		for len(v) > 0 {
			var item string
			item, v = nextListItem(v)
			tok := item
			if i := strings.IndexByte(tok, '='); i >= 0 {
				tok = tok[:i]
			}
			if strings.EqualFold(strings.TrimSpace(tok), name) {
				return true
			}
		}
	}
	return false
}

// nextListItem splits the first element off a comma-separated header list,
// skipping commas inside quoted strings.
func nextListItem(s string) (item, rest string) {
	inQuote := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && inQuote:
			i++
		case c == '"':
			inQuote = !inQuote
		case c == ',' && !inQuote:
			return s[:i], s[i+1:]
		}
	}
	return s, ""
}

// showHeader renders a header's raw values for a failure: `"a", "b"` or
// "none".
func showHeader(values []string) string {
	if len(values) == 0 {
		return "no header line"
	}
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = quote(v)
	}
	return strings.Join(parts, ", ")
}

package secretscan

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// escapes are the text encodings a secret can pass through on its way into
// an output: written out here by hand, from the specifications, rather than
// by calling the encoders tokenbench uses.
var escapes = []struct {
	name string
	fn   func(string) string
}{
	{"query", func(s string) string { return escapeQuery(s, true) }},
	{"query-lower", func(s string) string { return escapeQuery(s, false) }},
	{"path", func(s string) string { return escapePath(s, true) }},
	{"path-lower", func(s string) string { return escapePath(s, false) }},
	{"path-go", func(s string) string { return escapePathGo(s) }},
	{"json", func(s string) string { return escapeJSON(s, "&<>", false) }},
	{"json-nohtml", func(s string) string { return escapeJSON(s, "", false) }},
	{"json-hex", func(s string) string { return escapeJSON(s, `&<>"'`, false) }},
	{"json-hex-upper", func(s string) string { return escapeJSON(s, `&<>"'`, true) }},
	{"json-slash", func(s string) string { return strings.ReplaceAll(escapeJSON(s, "&<>", false), "/", `\/`) }},
	{"html", func(s string) string { return escapeEntities(s, map[byte]string{'"': "&#34;", '\'': "&#39;"}) }},
	{"html-template", func(s string) string {
		return escapeEntities(s, map[byte]string{'"': "&#34;", '\'': "&#39;", '+': "&#43;", '=': "&#61;", '`': "&#96;"})
	}},
	{"html-named", func(s string) string { return escapeEntities(s, map[byte]string{'"': "&quot;", '\'': "&apos;"}) }},
	{"html-attr", func(s string) string { return escapeEntities(s, map[byte]string{'"': "&#34;"}) }},
	{"html-attr-named", func(s string) string { return escapeEntities(s, map[byte]string{'"': "&quot;"}) }},
	{"xml", func(s string) string {
		return escapeEntities(s, map[byte]string{'"': "&#34;", '\'': "&#39;", '\t': "&#x9;", '\n': "&#xA;", '\r': "&#xD;"})
	}},
	{"markdown", func(s string) string { return strings.ReplaceAll(escapeEntities(s, nil), "|", `\|`) }},
}

// escapeQuery is application/x-www-form-urlencoded: space as '+', every
// byte but the RFC 3986 unreserved characters percent-encoded.
func escapeQuery(s string, upper bool) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case unreserved(c):
			b.WriteByte(c)
		case c == ' ':
			b.WriteByte('+')
		default:
			b.WriteString(pct(c, upper))
		}
	}
	return b.String()
}

// escapePath is RFC 3986 path-segment percent-encoding: unreserved,
// sub-delims other than those Go escapes, ':' and '@' stay.
func escapePath(s string, upper bool) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || strings.IndexByte("!$&'()*+,;=:@", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteString(pct(c, upper))
	}
	return b.String()
}

// escapePathGo is the path-segment escaping Go's net/url applies: only
// "$&+:=@" of the delimiters stay.
func escapePathGo(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || strings.IndexByte("$&+:=@", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteString(pct(c, true))
	}
	return b.String()
}

func unreserved(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}

func pct(c byte, upper bool) string {
	if upper {
		return fmt.Sprintf("%%%02X", c)
	}
	return fmt.Sprintf("%%%02x", c)
}

// escapeJSON is RFC 8259 string escaping: '"' and '\' escaped, control
// characters as \n \r \t or \u00XX; the runes in hex also as \u00XX.
func escapeJSON(s, hex string, upper bool) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case strings.ContainsRune(hex, r):
			if upper {
				fmt.Fprintf(&b, `\u%04X`, r)
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x2028 || r == 0x2029:
			fmt.Fprintf(&b, `\u%04x`, r)
		case r == utf8.RuneError:
			b.WriteString(`\ufffd`)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// escapeEntities replaces & < > with their named references and the bytes
// in more with the given ones; other bytes are kept as they are.
func escapeEntities(s string, more map[byte]string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		default:
			if e, ok := more[c]; ok {
				b.WriteString(e)
			} else {
				b.WriteByte(c)
			}
		}
	}
	return b.String()
}

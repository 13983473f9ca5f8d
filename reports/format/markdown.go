package format

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MDCellMax bounds a Markdown table cell, to keep a summary short.
const MDCellMax = 200

// zwsp, a zero-width space, breaks the patterns Markdown renderers turn
// into links on their own (https://, www., user@host, @mention) without
// changing what a reader sees.
const zwsp = "\u200b"

// MDCell makes s safe in a Markdown table cell and in running text: one
// line of at most MDCellMax characters in which nothing can act. Line
// breaks and other spaces become one space; other control and invisible
// characters are shown escaped (\x1b); HTML is not interpreted; the
// characters that make links, images, code spans, emphasis and table cells
// are backslash-escaped, bare URLs and addresses cannot become links, and
// the text cannot start a heading, a list or a CI log command.
func MDCell(s string) string {
	s = oneLine(s)
	if len([]rune(s)) > MDCellMax {
		s = string([]rune(s)[:MDCellMax-1]) + "…"
	}
	return mdEscape(s)
}

// MDInline is MDCell without the length bound: for a report's own
// sentences, which are long but never run away.
func MDInline(s string) string { return mdEscape(oneLine(s)) }

// MDCode makes s safe inside a `code span` in a table: no backquote, pipe
// or line break, control characters shown escaped.
func MDCode(s string) string {
	s = strings.NewReplacer("`", "'", "|", `\|`, "\n", " ", "\r", " ", "\t", " ").Replace(s)
	if safeText(s) {
		return s
	}
	var b strings.Builder
	writeEscaped(&b, s)
	return b.String()
}

// oneLine joins s's lines and runs of spaces (any Unicode space) into
// single spaces.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// mdEscape writes one line of text as Markdown that shows it as it is.
func mdEscape(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		rest := s[i+n:]
		switch {
		case r == utf8.RuneError && n == 1, r < 0x20, r == 0x7f, r != ' ' && !unicode.IsPrint(r):
			// shown as \x1b: the backslash escaped for Markdown
			var e strings.Builder
			writeEscaped(&e, s[i:i+n])
			b.WriteString(`\` + e.String())
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case strings.ContainsRune("\\`*[]|~", r), i == 0 && strings.ContainsRune("#-+:=", r):
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '_' && !(i > 0 && isWordByte(s[i-1]) && rest != "" && isWordByte(rest[0])):
			b.WriteString(`\_`)
		case r == ':' && strings.HasPrefix(rest, "//"):
			b.WriteString(":" + zwsp)
		case r == '@' && linkAt(s[:i], rest):
			b.WriteString("@" + zwsp)
		case (r == '.') && i >= 3 && strings.EqualFold(s[i-3:i], "www") && (i == 3 || !isWordByte(s[i-4])):
			b.WriteString(zwsp + ".")
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// linkAt reports whether an @ between before and rest could become a
// link: a mention (@name after a non-word character) or an e-mail address
// (a domain with a dot after it).
func linkAt(before, rest string) bool {
	if rest == "" || !isWordByte(rest[0]) {
		return false
	}
	if before == "" || !isWordByte(before[len(before)-1]) {
		return true
	}
	domain := rest[:len(rest)-len(strings.TrimLeft(rest, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_"))]
	return strings.Contains(strings.Trim(domain, "."), ".")
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

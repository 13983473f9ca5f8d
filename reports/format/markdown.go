package format

import "strings"

// MDCellMax bounds a Markdown table cell, to keep a summary short.
const MDCellMax = 200

var mdEscape = strings.NewReplacer("|", `\|`, "<", "&lt;", ">", "&gt;", "&", "&amp;")

// MDCell makes s safe in a Markdown table cell and in running text: one
// line of at most MDCellMax characters, pipes escaped, HTML not
// interpreted.
func MDCell(s string) string {
	s = strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
	if len([]rune(s)) > MDCellMax {
		s = string([]rune(s)[:MDCellMax-1]) + "…"
	}
	return mdEscape.Replace(s)
}

// MDInline is MDCell without the length bound: for a report's own
// sentences, which are long but never run away.
func MDInline(s string) string {
	return mdEscape.Replace(strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " "))
}

// MDCode makes s safe inside a `code span` in a table.
func MDCode(s string) string {
	return strings.NewReplacer("`", "'", "|", `\|`, "\n", " ").Replace(s)
}

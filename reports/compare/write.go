package compare

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/tokenbench/tokenbench/reports/format"
	"github.com/tokenbench/tokenbench/runner/results"
)

// part is what a comparison of one kind writes beyond what every
// comparison does: its header lines, its table and its verdict.
type part interface {
	header(c *Result) [][2]string // label and text
	verdict(c *Result) string
	writeText(w io.Writer) error
	writeMarkdown(b *strings.Builder)
}

// Summary is the verdict in words: "REGRESSION: 1 figure beyond
// --max-regression ...", "OK: no row newly fails (...)".
func (c *Result) Summary() string { return c.part().verdict(c) }

func (c *Result) part() part {
	if c.Conformance != nil {
		return c.Conformance
	}
	return c.Load
}

// WriteText writes the comparison as plain text tables, escaped for a
// terminal and a CI log (format.Lines): rows carry providers' messages.
func (c *Result) WriteText(w io.Writer) error {
	return format.WriteLines(w, c.writeText)
}

func (c *Result) writeText(w io.Writer) error {
	p := c.part()
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "compare\t%s results\n", c.Kind)
	fmt.Fprintf(tw, "base\t%s\n", sideText(c.Base))
	fmt.Fprintf(tw, "new\t%s\n", sideText(c.New))
	for _, h := range p.header(c) {
		fmt.Fprintf(tw, "%s\t%s\n", h[0], h[1])
	}
	for _, n := range c.Notes {
		fmt.Fprintf(tw, "note\t%s\n", n)
	}
	for _, n := range c.notices() {
		fmt.Fprintf(tw, "NOTICE\t%s\n", n)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	if err := p.writeText(w); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "verdict  %s\n", p.verdict(c))
	return err
}

// notices are both sides' notices, each said once: "base: ...", "new: ...",
// "both: ...".
func (c *Result) notices() []string {
	var out []string
	for _, n := range results.MergeNotices(c.Base.Notices, c.New.Notices) {
		side := "both"
		switch inBase, inNew := slices.Contains(c.Base.Notices, n), slices.Contains(c.New.Notices, n); {
		case !inNew:
			side = "base"
		case !inBase:
			side = "new"
		}
		out = append(out, side+": "+n.Text)
	}
	return out
}

// WriteMarkdown writes the comparison for a CI job page (GitHub's step
// summary, GitLab's).
func (c *Result) WriteMarkdown(w io.Writer) error {
	p := c.part()
	icon := "✅"
	if c.Regressions > 0 {
		icon = "❌"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "### %s tokenbench compare: %s\n\n", icon, c.Kind)
	fmt.Fprintf(&b, "**%s**\n\n", format.MDCell(p.verdict(c)))
	fmt.Fprintf(&b, "- base: %s\n- new: %s\n", format.MDCell(sideText(c.Base)), format.MDCell(sideText(c.New)))
	for _, h := range p.header(c) {
		fmt.Fprintf(&b, "- %s: %s\n", h[0], format.MDCell(h[1]))
	}
	for _, n := range c.Notes {
		fmt.Fprintf(&b, "- note: %s\n", format.MDCell(n))
	}
	for _, n := range c.notices() {
		fmt.Fprintf(&b, "- **notice**: %s\n", format.MDInline(n))
	}
	b.WriteString("\n")
	p.writeMarkdown(&b)
	_, err := io.WriteString(w, b.String())
	return err
}

func sideText(s Side) string {
	out := ""
	if s.Source != "" {
		out = s.Source + ": "
	}
	if !s.Start.IsZero() {
		out += s.Start.UTC().Format("2006-01-02 15:04:05 UTC") + ", "
	}
	out += s.Summary
	if s.Version != "" {
		out += ", tokenbench " + s.Version
	}
	return out
}

package compare

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/tokenbench/tokenbench/reports/format"
)

func (*ConformanceChanges) header(*Result) [][2]string { return nil }

// verdict is the closing verdict in words.
func (ch *ConformanceChanges) verdict(c *Result) string {
	if c.Regressions > 0 {
		suites := ""
		if n := len(ch.NewSuiteFailures); n > 0 {
			suites = ", " + format.Plural(n, "new suite failure", "new suite failures")
		}
		rows := format.Plural(len(ch.NewFailures), "row newly fails", "rows newly fail")
		return fmt.Sprintf("REGRESSION: %s%s", rows, suites)
	}
	return fmt.Sprintf("OK: no row newly fails (%d fixed, %d other changes)", len(ch.Fixed), len(ch.Other))
}

// groups are the changed rows under their headings, in the order written.
func (ch *ConformanceChanges) groups() []rowGroup {
	return []rowGroup{{"New failures", ch.NewFailures}, {"Fixed", ch.Fixed}, {"Other changes", ch.Other}}
}

type rowGroup struct {
	title string
	rows  []RowChange
}

func (ch *ConformanceChanges) writeText(w io.Writer) error {
	for _, g := range ch.groups() {
		if len(g.rows) == 0 {
			continue
		}
		fmt.Fprintf(w, "%s (%d)\n", strings.ToUpper(g.title), len(g.rows))
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, r := range g.rows {
			fmt.Fprintf(tw, "  %s\t%s\t%s → %s\t%s\n", r.name(), r.Level, format.OrDash(r.Base), format.OrDash(r.New), format.Trim(r.Message, 160))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintln(w)
	}
	for _, f := range ch.NewSuiteFailures {
		fmt.Fprintf(w, "NEW SUITE FAILURE  %s: %s\n", f.Node, format.Trim(f.Message, 200))
	}
	_, err := fmt.Fprintf(w, "unchanged  %s (%d of them still failing)\n", format.Plural(ch.Unchanged, "row", "rows"), ch.StillFailing)
	return err
}

func (ch *ConformanceChanges) writeMarkdown(b *strings.Builder) {
	for _, g := range ch.groups() {
		if len(g.rows) == 0 {
			continue
		}
		fmt.Fprintf(b, "#### %s (%d)\n\n| row | level | base | new | message |\n|---|---|---|---|---|\n", g.title, len(g.rows))
		for _, r := range g.rows {
			fmt.Fprintf(b, "| `%s` | %s | %s | %s | %s |\n", format.MDCode(r.name()), r.Level, format.OrDash(r.Base), format.OrDash(r.New), format.MDCell(format.FirstLine(r.Message)))
		}
		b.WriteString("\n")
	}
	for _, f := range ch.NewSuiteFailures {
		fmt.Fprintf(b, "- **new suite failure** %s: %s\n", f.Node, format.MDCell(format.FirstLine(f.Message)))
	}
	fmt.Fprintf(b, "Unchanged: %s (%d still failing).\n", format.Plural(ch.Unchanged, "row", "rows"), ch.StillFailing)
}

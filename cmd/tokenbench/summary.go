package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/tokenbench/tokenbench/reports"
	"github.com/tokenbench/tokenbench/reports/format"
)

// printConformSummary prints a conform run's verdict, its counts, the root
// causes with the rows each explains, every other failing, warning and
// known row on a line of its own, and the report paths.
func (a *app) printConformSummary(c *reports.Conformance, paths []string) {
	// rows quote the provider: escaped
	w := format.NewLinesWriter(a.stdout)
	defer w.Flush()
	s := c.Summary
	fmt.Fprintf(w, "\nverdict    %s", strings.ToUpper(c.Verdict))
	if c.Interrupted {
		fmt.Fprintf(w, " (interrupted: %s)", c.InterruptReason)
	}
	fmt.Fprintln(w)
	for _, n := range c.Target.Notices {
		fmt.Fprintf(w, "NOTICE     %s\n", n.Text)
	}
	fmt.Fprintf(w, "rows       %d: %d passed, %d failed, %d warnings, %d known deviations, %d info, %d skipped\n",
		s.Total, s.Pass, s.Fail, s.Warning, s.Known, s.Info, s.Skipped)
	for _, f := range c.SuiteFailures {
		fmt.Fprintf(w, "  FAILED  %s: %s\n", f.Node, firstLine(f.Message))
	}
	printCauses(w, c.Causes)
	for _, r := range c.Rows {
		switch r.Status {
		case "fail", "warning", "known":
			if r.Cause != "" {
				continue // listed under its cause
			}
			name := r.ID
			if r.Entry != "" {
				name += " [" + r.Entry + "]"
			}
			fmt.Fprintf(w, "  %-7s %-6s %s: %s\n", strings.ToUpper(r.Status), r.Level, name, firstLine(r.Message))
		}
	}
	for _, p := range paths {
		fmt.Fprintf(w, "report     %s\n", p)
	}
}

// printCauses prints each root cause and the rows it explains, wrapped.
func printCauses(w io.Writer, causes []reports.Cause) {
	const width = 100
	for _, cs := range causes {
		fmt.Fprintf(w, "cause      %s\n", cs.Text)
		line := "          "
		for i, k := range cs.Rows {
			item := " " + k
			if i < len(cs.Rows)-1 {
				item += ","
			}
			if len(line)+len(item) > width {
				fmt.Fprintln(w, line)
				line = "          "
			}
			line += item
		}
		fmt.Fprintln(w, line)
	}
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 160 {
		s = s[:160] + "..."
	}
	return s
}

package reports

import (
	"io"
	"strings"

	"github.com/tokenbench/tokenbench/reports/format"
)

// openExchanges is how many exchanges of a failing, warning or known row
// the page shows open; later ones (the racers of a race, say) are closed.
const openExchanges = 4

// htmlView is what the HTML template renders.
type htmlView struct {
	*Conformance
	OpenExchanges int
	Headline      string
	Profile       string
	StartText     string
	Duration      string
	Statuses      []statusCount
	Groups        []htmlGroup
	Failures      []indexedRow
	Warnings      []indexedRow
	Known         []indexedRow
	Unexpected    []indexedRow
	SkipReasons   []reasonCount
	Causes        []htmlCause
}

type htmlGroup struct {
	areaGroup
	Anchor string
	Counts Counts
}

type statusCount struct {
	Status, Label, Icon string
	Count               int
}

// WriteHTML writes the report as one self-contained HTML page (see
// layout.go): the verdict, the run
// metadata, quick links to the failures, then every row grouped by area in
// catalogue order with its requirement, sources and evidence. The exchanges
// of failing, warning and known rows are open (the first openExchanges of
// them), those of other rows closed.
func (c *Conformance) WriteHTML(w io.Writer) error {
	v := htmlView{
		Conformance:   c,
		OpenExchanges: openExchanges,
		Headline:      c.headline(),
		Profile:       c.chain(),
		Duration:      format.Seconds(c.DurationSeconds),
		Failures:      c.ordered(StatusFail),
		Warnings:      c.ordered(StatusWarning),
		Known:         c.ordered(StatusKnown),
		SkipReasons:   c.skipReasons(),
		Causes:        c.htmlCauses(),
	}
	if !c.Start.IsZero() {
		v.StartText = c.Start.Format("2006-01-02 15:04:05 MST")
	}
	for _, r := range c.ordered(StatusPass) {
		if r.KnownReason != "" {
			v.Unexpected = append(v.Unexpected, r)
		}
	}
	s := c.Summary
	for _, sc := range []statusCount{
		{Status: StatusFail, Count: s.Fail}, {Status: StatusWarning, Count: s.Warning},
		{Status: StatusKnown, Count: s.Known}, {Status: StatusPass, Count: s.Pass},
		{Status: StatusInfo, Count: s.Info}, {Status: StatusSkipped, Count: s.Skipped},
	} {
		sc.Label, sc.Icon = statusLabel(sc.Status), statusIcon(sc.Status)
		v.Statuses = append(v.Statuses, sc)
	}
	for _, g := range c.groups() {
		hg := htmlGroup{areaGroup: g, Anchor: "area-" + anchorName(g.Area)}
		for _, r := range g.Rows {
			hg.Counts.add(r.Row)
		}
		v.Groups = append(v.Groups, hg)
	}
	return render(w, conformanceTmpl, "html", v)
}

func statusLabel(status string) string {
	switch status {
	case StatusKnown:
		return "KNOWN"
	case StatusWarning:
		return "WARN"
	}
	return strings.ToUpper(status)
}

// statusIcon is a shape per status, so that status never rests on colour
// alone.
func statusIcon(status string) string {
	switch status {
	case StatusPass:
		return "✓"
	case StatusFail:
		return "✗"
	case StatusWarning:
		return "!"
	case StatusKnown:
		return "≈"
	case StatusSkipped:
		return "–"
	case StatusInfo:
		return "i"
	}
	return "?"
}

func anchorName(s string) string {
	if s == "" {
		return "other"
	}
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '-'
	}, s)
}

// showMessage says whether the row's message adds to its findings (a
// message taken from the findings is not shown twice).
func showMessage(r Row) bool {
	if r.Message == "" {
		return false
	}
	for _, kind := range []string{FindingFailure, FindingWarning, FindingObservation} {
		if r.Message == joinFindings(r.Findings, kind) {
			return false
		}
	}
	return true
}

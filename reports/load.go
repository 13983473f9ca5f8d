package reports

import (
	"errors"
	"fmt"
	"html/template"
	"io"
	"strings"

	"github.com/tokenbench/tokenbench/reports/format"
	"github.com/tokenbench/tokenbench/runner/results"
)

// Load report file names, as WriteLoad writes them.
const (
	LoadJSONFile     = "load.json"
	LoadHlogFile     = "load.hlog"
	LoadHTMLFile     = "load.html"
	LoadMarkdownFile = "load.md"
)

// errNoResult is returned for a nil result.
var errNoResult = errors.New("no result to report")

// WriteLoadHTML writes the load report as one self-contained HTML page
// (see layout.go): the verdict with every SLO, the headline figures, what
// limited the run, then the charts (latency percentiles per second,
// achieved vs target rate and errors, the HDR percentile distribution, the
// code supply), the per-stage, outcome and check failure tables and the
// run's metadata. Every figure names what it is measured from.
//
// It reads r only. A result without histograms, intervals or requests
// gives a report that says so rather than an error.
func WriteLoadHTML(w io.Writer, r *results.Load) error {
	if r == nil {
		return fmt.Errorf("reports: load html: %w", errNoResult)
	}
	return render(w, loadTmpl, "load html", newLoadView(r))
}

// WriteLoad writes load.json, load.hlog (the per-second histograms as an
// HdrHistogram interval log), load.html and load.md into dir, creating it
// when needed, and returns the paths written. It writes every file it can
// and returns the errors of those it could not write, joined.
func WriteLoad(dir string, r *results.Load) (paths []string, err error) {
	if r == nil {
		return nil, fmt.Errorf("reports: load: %w", errNoResult)
	}
	return writeFiles(dir, []namedWriter{
		{LoadJSONFile, r.WriteJSON},
		{LoadHlogFile, r.WriteHlog},
		{LoadHTMLFile, func(w io.Writer) error { return WriteLoadHTML(w, r) }},
		{LoadMarkdownFile, func(w io.Writer) error { return WriteLoadMarkdown(w, r) }},
	})
}

// Verdict classes of a load run, as the page styles them.
const (
	loadPass = "pass" // every SLO met
	loadFail = "fail" // an SLO breached, the run aborted or interrupted, or nothing completed
	loadDone = "done" // completed with no SLO to judge
)

// loadView is what the load template renders.
type loadView struct {
	R            *results.Load
	Closed       bool
	Verdict      string // loadPass, loadFail or loadDone
	Word         string // PASS, FAIL, ABORTED, INTERRUPTED, NO DATA, DONE
	Headline     string
	Sub          string
	SLOs         []sloRow
	Breached     int
	Tiles        []tile
	Limits       []limitRow
	LimitFacts   string
	NotLimited   string
	Charts       []chartFigure
	Stages       []stageRow
	Total        stageRow
	Outcomes     []countRow
	Checks       []countRow
	ChecksNote   string
	Distribution []distRow
	Codes        []fact
	Schedule     []fact
	Meta         []fact
	Shards       []shardRow // the parts of a merged result, and the missing shards
	StartAt      string     // when the run was to start (--start-at) and how late it began
	Notes        []string   // data the report could not use, said plainly
	Footer       string
}

// sloRow is one SLO as the verdict shows it.
type sloRow struct {
	Expr, What, From, Observed, Threshold, Margin, Note string
	Pass                                                bool
}

// tile is one headline figure.
type tile struct {
	Label, Value, Detail, From string
	Bad                        bool
}

// limitRow is one thing that held the run back.
type limitRow struct{ Kind, Text string }

// chartFigure is a chart with how to read it.
type chartFigure struct {
	ID      string
	Heading string
	SVGs    []template.HTML
	Read    string // how to read it, in one or two sentences
}

// stageRow is one row of the per-stage table.
type stageRow struct {
	Name, Target, Achieved, Share, P50, P90, P99, Max, Errors, ErrorRate, Late, ErrorKinds string
	Short, Bad                                                                             bool
}

// countRow is a count with its share and meaning.
type countRow struct {
	Key, Count, Share, Meaning string
	Bad                        bool
}

// distRow is one line of the percentile table.
type distRow struct {
	What, From                          string
	Min, Mean, P50, P90, P99, P999, Max string
}

// fact is a labelled figure.
type fact struct{ Label, Value string }

// newLoadView is the whole HTML view: the text view, the charts and the
// detail tables.
func newLoadView(r *results.Load) loadView {
	s := r.Summary
	v := newLoadTextView(r)
	v.Sub = runLine(r)
	v.Tiles = tiles(r)
	v.Charts, v.Notes = loadCharts(r)
	v.Total = newStageRow("whole run", totalTarget(r), s, s.TargetRPS, r.Model)
	v.Outcomes = outcomeRows(s)
	v.Checks, v.ChecksNote = checkRows(r)
	v.Distribution = distRows(r)
	v.Codes = append(grantFacts(r), codeFacts(r)...)
	v.Schedule = scheduleFacts(r)
	v.Meta = metaFacts(r)
	v.Shards, v.StartAt = shardRows(r), startText(r)
	v.Footer = fmt.Sprintf("tokenbench %s · %s requests · schema %s", format.OrDash(r.Tool.Version), format.Int(s.Requests), format.OrDash(r.Schema))
	return v
}

// newLoadTextView is what the HTML and Markdown forms share: the verdict,
// the SLOs, the limits and the stages.
func newLoadTextView(r *results.Load) loadView {
	v := loadView{R: r, Closed: r.Model == results.Closed}
	v.SLOs, v.Breached = sloRows(r)
	v.Verdict, v.Word, v.Headline = loadVerdict(r, v.SLOs, v.Breached)
	for _, l := range r.Limits {
		v.Limits = append(v.Limits, newLimitRow(l))
	}
	v.LimitFacts = limitFacts(r)
	v.NotLimited = notLimited(r)
	for _, st := range r.Stages {
		v.Stages = append(v.Stages, newStageRow(st.Name, targetText(st), st.Summary, st.TargetRate, r.Model))
	}
	return v
}

// loadVerdict is the page's verdict: the run's exit status in a word.
func loadVerdict(r *results.Load, slos []sloRow, breached int) (class, word, headline string) {
	s := r.Summary
	figures := headlineFigures(r)
	sloText := ""
	switch {
	case len(slos) == 0:
		sloText = "no SLO was set"
	case breached == 0:
		sloText = fmt.Sprintf("all %s met", format.Plural(len(slos), "SLO", "SLOs"))
		if len(slos) == 1 {
			sloText = "the SLO was met"
		}
	default:
		var names []string
		for _, x := range slos {
			if !x.Pass {
				names = append(names, x.Expr+" (observed "+x.Observed+")")
			}
		}
		sloText = fmt.Sprintf("%d of %s breached: %s", breached, format.Plural(len(slos), "SLO", "SLOs"), strings.Join(names, ", "))
	}
	switch {
	case r.Aborted != "":
		return loadFail, "ABORTED", "Aborted: " + r.Aborted + "; " + sloText + "."
	case r.Interrupted:
		return loadFail, "INTERRUPTED", "Interrupted before the plan's end; " + sloText + " over the part that ran."
	case len(r.MissingShards) > 0:
		return loadFail, "INCOMPLETE", format.Capitalize(results.MissingText(r.MissingShards, len(r.MergedFrom))) + ", so the run cannot pass; " + sloText + " over those."
	case s.Requests == 0:
		return loadFail, "NO DATA", "No request completed: there is nothing to judge, so every SLO fails."
	case breached > 0:
		return loadFail, "FAIL", format.Capitalize(sloText) + "."
	case len(slos) > 0:
		return loadPass, "PASS", format.Capitalize(sloText) + ": " + figures + "."
	}
	return loadDone, "DONE", "Completed; no SLO was set, so nothing was judged: " + figures + "."
}

// headlineFigures is the run in one phrase.
func headlineFigures(r *results.Load) string {
	s := r.Summary
	rate := format.Rate(s.ThroughputRPS)
	if s.TargetRPS > 0 {
		rate += fmt.Sprintf(" (%s of the %s target)", format.Percent(s.ThroughputRPS/s.TargetRPS), format.Rate(s.TargetRPS))
	}
	return fmt.Sprintf("%s requests at %s, %s errors, p99 %s %s", format.Int(s.Requests), rate, format.Percent(s.ErrorRate), format.MS(s.LatencyMS.P99), latencyFrom(r.Model))
}

// runLine describes the run under the headline.
func runLine(r *results.Load) string {
	parts := []string{r.Model + " model"}
	if plan := planText(r); plan != "" {
		parts = append(parts, plan)
	}
	parts = append(parts, format.Seconds(r.DurationS)+" measured")
	if r.Profile != "" {
		parts = append(parts, "profile "+r.Profile)
	}
	if r.Target.TokenEndpoint != "" {
		parts = append(parts, r.Target.TokenEndpoint)
	}
	return strings.Join(parts, " · ")
}

func planText(r *results.Load) string {
	c := r.Config
	switch {
	case c.Stages != "":
		return "stages " + c.Stages
	case c.Concurrency > 0:
		return fmt.Sprintf("%d workers", c.Concurrency)
	case c.Rate > 0:
		return "target " + format.Rate(c.Rate)
	case r.Summary.TargetRPS > 0:
		return "target " + format.Rate(r.Summary.TargetRPS)
	}
	return ""
}

// latencyFrom says what "latency" is measured from in model.
func latencyFrom(model string) string {
	if model == results.Closed {
		return "(service time: closed model)"
	}
	return "from the intended send time"
}

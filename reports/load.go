package reports

import (
	_ "embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/tokenbench/tokenbench/runner"
)

// Load report file names, as WriteLoad writes them.
const (
	LoadHTMLFile     = "load.html"
	LoadMarkdownFile = "load.md"
)

//go:embed load.html.tmpl
var loadHTML string

var loadTmpl = template.Must(template.New("load").Parse(loadHTML))

// errNoResult is returned for a nil result.
var errNoResult = errors.New("no result to report")

// WriteLoadHTML writes the load report as one self-contained HTML page
// (inline CSS and SVG charts, no script, font or image from elsewhere):
// the verdict with every SLO, the headline figures, what limited the run,
// then the charts (latency percentiles per second, achieved vs target rate
// and errors, the HDR percentile distribution, the code supply), the
// per-stage, outcome and check failure tables and the run's metadata.
// Every figure names what it is measured from.
//
// It reads r only. A result without histograms, intervals or requests
// gives a report that says so rather than an error.
func WriteLoadHTML(w io.Writer, r *runner.Result) error {
	if r == nil {
		return fmt.Errorf("reports: load html: %w", errNoResult)
	}
	if err := loadTmpl.Execute(w, newLoadView(r)); err != nil {
		return fmt.Errorf("reports: load html: %w", err)
	}
	return nil
}

// WriteLoad writes load.html and load.md into dir, creating it when
// needed, and returns the paths written. It writes every report it can and
// returns the errors of those it could not write, joined.
func WriteLoad(dir string, r *runner.Result) (paths []string, err error) {
	if r == nil {
		return nil, fmt.Errorf("reports: load: %w", errNoResult)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("reports: output directory: %w", err)
	}
	var errs []error
	for _, wr := range []struct {
		name  string
		write func(io.Writer) error
	}{
		{LoadHTMLFile, func(w io.Writer) error { return WriteLoadHTML(w, r) }},
		{LoadMarkdownFile, func(w io.Writer) error { return WriteLoadMarkdown(w, r) }},
	} {
		p := filepath.Join(dir, wr.name)
		if err := writeFile(p, wr.write); err != nil {
			errs = append(errs, err)
			continue
		}
		paths = append(paths, p)
	}
	return paths, errors.Join(errs...)
}

// Verdict classes of a load run, as the page styles them.
const (
	loadPass = "pass" // every SLO met
	loadFail = "fail" // an SLO breached, the run aborted or interrupted, or nothing completed
	loadDone = "done" // completed with no SLO to judge
)

// loadView is what the load template renders.
type loadView struct {
	R            *runner.Result
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
	Notes        []string // data the report could not use, said plainly
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
func newLoadView(r *runner.Result) loadView {
	s := r.Summary
	v := newLoadTextView(r)
	v.Sub = runLine(r)
	v.Tiles = tiles(r)
	v.Charts, v.Notes = loadCharts(r)
	v.Total = newStageRow("whole run", totalTarget(r), s, s.TargetRPS, r.Model)
	v.Outcomes = outcomeRows(s)
	v.Checks, v.ChecksNote = checkRows(r)
	v.Distribution = distRows(r)
	v.Codes = codeFacts(r)
	v.Schedule = scheduleFacts(r)
	v.Meta = metaFacts(r)
	v.Footer = fmt.Sprintf("tokenbench %s · %s requests · schema %s", orDash(r.Tool.Version), intText(s.Requests), orDash(r.Schema))
	return v
}

// newLoadTextView is what the HTML and Markdown forms share: the verdict,
// the SLOs, the limits and the stages.
func newLoadTextView(r *runner.Result) loadView {
	v := loadView{R: r, Closed: r.Model == runner.Closed}
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
func loadVerdict(r *runner.Result, slos []sloRow, breached int) (class, word, headline string) {
	s := r.Summary
	figures := headlineFigures(r)
	sloText := ""
	switch {
	case len(slos) == 0:
		sloText = "no SLO was set"
	case breached == 0:
		sloText = fmt.Sprintf("all %s met", plural(len(slos), "SLO", "SLOs"))
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
		sloText = fmt.Sprintf("%d of %s breached: %s", breached, plural(len(slos), "SLO", "SLOs"), strings.Join(names, ", "))
	}
	switch {
	case r.Aborted != "":
		return loadFail, "ABORTED", "Aborted: " + r.Aborted + "; " + sloText + "."
	case r.Interrupted:
		return loadFail, "INTERRUPTED", "Interrupted before the plan's end; " + sloText + " over the part that ran."
	case s.Requests == 0:
		return loadFail, "NO DATA", "No request completed: there is nothing to judge, so every SLO fails."
	case breached > 0:
		return loadFail, "FAIL", capitalize(sloText) + "."
	case len(slos) > 0:
		return loadPass, "PASS", capitalize(sloText) + ": " + figures + "."
	}
	return loadDone, "DONE", "Completed; no SLO was set, so nothing was judged: " + figures + "."
}

// headlineFigures is the run in one phrase.
func headlineFigures(r *runner.Result) string {
	s := r.Summary
	rate := rateText(s.ThroughputRPS)
	if s.TargetRPS > 0 {
		rate += fmt.Sprintf(" (%s of the %s target)", pctText(s.ThroughputRPS/s.TargetRPS), rateText(s.TargetRPS))
	}
	return fmt.Sprintf("%s requests at %s, %s errors, p99 %s %s", intText(s.Requests), rate, pctText(s.ErrorRate), msText(s.LatencyMS.P99), latencyFrom(r.Model))
}

// runLine describes the run under the headline.
func runLine(r *runner.Result) string {
	parts := []string{r.Model + " model"}
	if plan := planText(r); plan != "" {
		parts = append(parts, plan)
	}
	parts = append(parts, runTime(r.DurationS)+" measured")
	if r.Profile != "" {
		parts = append(parts, "profile "+r.Profile)
	}
	if r.Target.TokenEndpoint != "" {
		parts = append(parts, r.Target.TokenEndpoint)
	}
	return strings.Join(parts, " · ")
}

func planText(r *runner.Result) string {
	c := r.Config
	switch {
	case c.Stages != "":
		return "stages " + c.Stages
	case c.Concurrency > 0:
		return fmt.Sprintf("%d workers", c.Concurrency)
	case c.Rate > 0:
		return "target " + rateText(c.Rate)
	case r.Summary.TargetRPS > 0:
		return "target " + rateText(r.Summary.TargetRPS)
	}
	return ""
}

// latencyFrom says what "latency" is measured from in model.
func latencyFrom(model string) string {
	if model == runner.Closed {
		return "(service time: closed model)"
	}
	return "from the intended send time"
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// sloRows explains each evaluated SLO, with its threshold parsed back from
// the expression (the result carries the expression and the observation).
func sloRows(r *runner.Result) (rows []sloRow, breached int) {
	for _, x := range r.SLO {
		row := sloRow{Expr: x.Expr, Pass: x.Pass, Note: x.Note}
		var slo *runner.SLO
		if ss, err := runner.ParseSLOs(x.Expr); err == nil && len(ss) == 1 {
			slo = &ss[0]
		}
		row.What, row.From = sloMetric(slo, r.Model)
		if x.Note != "" {
			row.Observed = "not evaluated"
		} else {
			row.Observed = sloValue(x.Observed, x.Unit, slo)
		}
		if slo != nil {
			row.Threshold = opText(slo.Op) + " " + thresholdText(slo)
			if x.Note == "" {
				d := math.Abs(slo.Threshold - x.Observed)
				switch {
				case x.Pass && d == 0:
					row.Margin = "at the limit"
				case x.Pass:
					row.Margin = sloDelta(d, slo) + " to spare"
				default:
					row.Margin = sloDelta(d, slo) + " past the limit"
				}
			}
		}
		if !x.Pass {
			breached++
		}
		rows = append(rows, row)
	}
	return rows, breached
}

// sloMetric names an SLO's metric and what it is measured from.
func sloMetric(s *runner.SLO, model string) (what, from string) {
	if s == nil {
		return "threshold", "as written"
	}
	m := s.Metric
	pct := func(name string) string {
		if name == "p999" {
			return "p99.9"
		}
		return name
	}
	switch {
	case strings.HasPrefix(m, "service_"):
		return pct(strings.TrimPrefix(m, "service_")) + " service time", "from the actual send"
	case m == "error_rate":
		return "error rate", "errors ÷ completed requests"
	case m == "throughput" && s.Unit == "%":
		return "throughput", "completed requests per second ÷ target rate"
	case m == "throughput":
		return "throughput", "completed requests per second"
	}
	if model == runner.Closed {
		return pct(m) + " latency", "service time (closed model)"
	}
	return pct(m) + " latency", "from the intended send time"
}

func opText(op string) string {
	switch op {
	case "<=":
		return "≤"
	case ">=":
		return "≥"
	}
	return op
}

// sloValue formats a value in an SLO's unit.
func sloValue(v float64, unit string, s *runner.SLO) string {
	switch unit {
	case "ms":
		return msText(v)
	case "rps":
		return rateText(v)
	case "%":
		if s != nil && s.Metric == "throughput" {
			return trimFloat(v, 1) + " % of target"
		}
		return pctText(v / 100)
	}
	return trimFloat(v, 3) + " " + unit
}

// thresholdText writes an SLO's threshold as given, without padding
// decimals: "300 ms", "0.1 %", "95 % of target".
func thresholdText(s *runner.SLO) string {
	v := s.Threshold
	switch s.Unit {
	case "ms":
		if v >= 1000 {
			return trimFloat(v/1000, 3) + " s"
		}
		return trimFloat(v, 3) + " ms"
	case "rps":
		return trimFloat(v, 2) + "/s"
	case "%":
		if s.Metric == "throughput" {
			return trimFloat(v, 2) + " % of target"
		}
		return trimFloat(v, 4) + " %"
	}
	return trimFloat(v, 4) + " " + s.Unit
}

// sloDelta formats a difference in an SLO's unit.
func sloDelta(d float64, s *runner.SLO) string {
	switch s.Unit {
	case "%":
		if s.Metric == "throughput" {
			return trimFloat(d, 1) + " points"
		}
		return pctNumber(d) + " points"
	}
	return sloValue(d, s.Unit, s)
}

// breachedMetrics are the metrics of the breached SLOs.
func breachedMetrics(r *runner.Result) map[string]bool {
	out := map[string]bool{}
	for _, x := range r.SLO {
		if ss, err := runner.ParseSLOs(x.Expr); err == nil && len(ss) == 1 && !x.Pass {
			out[ss[0].Metric] = true
		}
	}
	return out
}

// tiles are the headline figures. A figure is marked when an SLO on it
// was breached (or, with none on it, when it is plainly bad: under 95 % of
// the target rate, 1 % errors or more).
func tiles(r *runner.Result) []tile {
	s := r.Summary
	bad := breachedMetrics(r)
	hasSLO := map[string]bool{}
	for _, x := range r.SLO {
		if ss, err := runner.ParseSLOs(x.Expr); err == nil && len(ss) == 1 {
			hasSLO[ss[0].Metric] = true
		}
	}
	t := []tile{{
		Label: "Requests", Value: intText(s.Requests),
		Detail: fmt.Sprintf("%s ok · %s errors", intText(s.OK), intText(s.Errors)),
		From:   "completed, any outcome, in " + runTime(r.DurationS),
	}}
	tp := tile{Label: "Throughput", Value: rateText(s.ThroughputRPS), From: "completed requests per second"}
	switch {
	case s.TargetRPS > 0:
		share := s.ThroughputRPS / s.TargetRPS
		tp.Detail = fmt.Sprintf("%s of the %s target", pctText(share), rateText(s.TargetRPS))
		tp.Bad = bad["throughput"] || !hasSLO["throughput"] && share < 0.95
	case r.Model == runner.Closed:
		tp.Detail = fmt.Sprintf("closed model: %d workers, no target rate", r.Config.Concurrency)
	}
	t = append(t, tp)
	errRate := pctText(s.ErrorRate)
	if s.Requests == 0 {
		errRate = "—"
	}
	t = append(t, tile{
		Label: "Error rate", Value: errRate, Bad: bad["error_rate"] || !hasSLO["error_rate"] && s.ErrorRate >= 0.01,
		Detail: fmt.Sprintf("%s of %s", intText(s.Errors), intText(s.Requests)),
		From:   "anything but a valid 200: 4xx, 5xx, timeouts, invalid 200s",
	})
	if s.Requests == 0 {
		return append(t,
			tile{Label: "p50 latency", Value: "—", From: "no request completed"},
			tile{Label: "p99 latency", Value: "—", Bad: bad["p99"], From: "no request completed"},
			tile{Label: "p99 service time", Value: "—", From: "no request completed"})
	}
	if r.Model == runner.Closed {
		t = append(t,
			tile{Label: "p50 latency", Value: msText(s.ServiceTimeMS.P50), Bad: bad["p50"] || bad["service_p50"], From: "service time: the closed model sends when a worker is free"},
			tile{Label: "p99 latency", Value: msText(s.ServiceTimeMS.P99), Bad: bad["p99"] || bad["service_p99"], From: "service time, from the actual send"},
			tile{Label: "max latency", Value: msText(s.ServiceTimeMS.Max), Bad: bad["max"] || bad["service_max"], Detail: "p99.9 " + msText(s.ServiceTimeMS.P999), From: "service time, from the actual send"},
		)
		return t
	}
	return append(t,
		tile{Label: "p50 latency", Value: msText(s.LatencyMS.P50), Bad: bad["p50"], Detail: "service time " + msText(s.ServiceTimeMS.P50), From: "from the intended send time (queueing included)"},
		tile{Label: "p99 latency", Value: msText(s.LatencyMS.P99), Bad: bad["p99"], Detail: "service time " + msText(s.ServiceTimeMS.P99), From: "from the intended send time (queueing included)"},
		tile{Label: "p99 service time", Value: msText(s.ServiceTimeMS.P99), Bad: bad["service_p99"], Detail: "max " + msText(s.ServiceTimeMS.Max), From: "from the actual send: the endpoint's own time"},
	)
}

// newLimitRow names what a limit of runner's is about, in the words of
// the people reading the report: the endpoint, the code supply, the load
// generator.
func newLimitRow(l string) limitRow {
	kind, text, ok := strings.Cut(l, ": ")
	if !ok {
		return limitRow{Kind: "Limit", Text: l}
	}
	switch kind {
	case "code supply":
		kind = "Code supply"
	case "schedule":
		kind = "Load generator: sends late"
		if strings.Contains(text, "in-flight slots were busy") {
			kind = "The endpoint (every in-flight slot busy)"
		}
	case "load generator CPU":
		kind = "Load generator CPU"
	case "unsent":
		kind = "Requests never sent"
	default:
		kind = capitalize(kind)
	}
	return limitRow{Kind: kind, Text: capitalize(text)}
}

// limitFacts quotes the figures that decide what limited a run.
func limitFacts(r *runner.Result) string {
	s := r.Summary
	var parts []string
	parts = append(parts, fmt.Sprintf("%s of %s requests waited for an authorization code", intText(s.Codes.Waits), intText(s.Requests)))
	switch {
	case r.Model == runner.Closed:
		parts = append(parts, fmt.Sprintf("peak %s in flight with %d workers (the closed model's bound by design)", intText(int64(r.PeakInFlight)), r.Config.Concurrency))
	case r.Config.MaxInFlight > 0:
		parts = append(parts, fmt.Sprintf("peak %s in flight of %s allowed (--max-in-flight)", intText(int64(r.PeakInFlight)), intText(int64(r.Config.MaxInFlight))))
	default:
		parts = append(parts, fmt.Sprintf("peak %s in flight", intText(int64(r.PeakInFlight))))
	}
	parts = append(parts, cpuText(r.GeneratorCPU))
	if r.Model != runner.Closed {
		parts = append(parts, fmt.Sprintf("%s sent late (more than 1 ms after the intended time)", intText(s.Late)))
	}
	return strings.Join(parts, " · ")
}

func cpuText(f float64) string {
	if f <= 0 {
		return "load generator CPU not recorded"
	}
	return fmt.Sprintf("load generator CPU %s of the machine's cores", pctText(f))
}

// notLimited says that nothing held the run back, with the figures.
func notLimited(r *runner.Result) string {
	if r.Summary.Requests == 0 {
		return "No request completed, so nothing can be said about what limited the run."
	}
	return "The run was not limited by the code supply, the in-flight bound or the load generator's CPU: the figures measure the endpoint."
}

// targetText is a stage's target rate.
func targetText(st runner.StageResult) string {
	switch {
	case st.FromRate > 0 && st.ToRate > 0 && st.FromRate != st.ToRate:
		return fmt.Sprintf("%s → %s", trimFloat(st.FromRate, 1), rateText(st.ToRate))
	case st.TargetRate > 0:
		return rateText(st.TargetRate)
	}
	return "—"
}

func totalTarget(r *runner.Result) string {
	if r.Summary.TargetRPS > 0 {
		return rateText(r.Summary.TargetRPS) + " mean"
	}
	return "—"
}

func newStageRow(name, target string, s runner.Summary, targetRate float64, model string) stageRow {
	p := s.LatencyMS
	if model == runner.Closed {
		p = s.ServiceTimeMS
	}
	row := stageRow{
		Name: name, Target: target, Achieved: rateText(s.ThroughputRPS),
		P50: msText(p.P50), P90: msText(p.P90), P99: msText(p.P99), Max: msText(p.Max),
		Errors: intText(s.Errors), ErrorRate: pctText(s.ErrorRate), Late: intText(s.Late),
		ErrorKinds: errorKinds(s.Outcomes), Bad: s.Errors > 0,
	}
	if s.Requests == 0 {
		row.P50, row.P90, row.P99, row.Max = "—", "—", "—", "—"
	}
	if targetRate > 0 {
		share := s.ThroughputRPS / targetRate
		row.Share = pctText(share)
		row.Short = share < 0.95
	}
	return row
}

// outcomeMeaning explains an outcome key.
func outcomeMeaning(k string) string {
	switch k {
	case "ok":
		return "200 with a token response that passed validation (or was not sampled)"
	case "invalid_200":
		return "200 whose response failed a MUST check (see check failures)"
	case "http_4xx":
		return "4xx without an OAuth error code"
	case "http_5xx":
		return "5xx: the server failed"
	case "timeout":
		return "no response within --timeout"
	case "connection_error":
		return "the connection failed or was reset"
	}
	return "4xx with the OAuth error code " + strconv.Quote(k)
}

func outcomeRows(s runner.Summary) []countRow {
	keys := sortedByCount(s.Outcomes)
	rows := make([]countRow, 0, len(keys))
	for _, k := range keys {
		n := s.Outcomes[k]
		rows = append(rows, countRow{Key: k, Count: intText(n), Share: shareText(n, s.Requests), Meaning: outcomeMeaning(k), Bad: k != "ok"})
	}
	return rows
}

func checkRows(r *runner.Result) ([]countRow, string) {
	s := r.Summary
	keys := sortedByCount(s.CheckFailures)
	rows := make([]countRow, 0, len(keys))
	for _, k := range keys {
		n := s.CheckFailures[k]
		rows = append(rows, countRow{Key: k, Count: intText(n), Share: shareText(n, s.Validated), Bad: true})
	}
	validate := r.Config.Validate
	if validate == "" {
		validate = "as configured"
	}
	note := fmt.Sprintf("%s of %s responses validated (--validate %s) by the same checks as conform.", intText(s.Validated), intText(s.Requests), validate)
	if len(rows) == 0 {
		note += " No check failed."
	}
	return rows, note
}

// sortedByCount orders keys by count, largest first, then by name.
func sortedByCount(m map[string]int64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	return keys
}

// errorKinds counts the outcomes other than ok.
func errorKinds(m map[string]int64) string {
	bad := make(map[string]int64, len(m))
	for k, n := range m {
		if k != "ok" && n > 0 {
			bad[k] = n
		}
	}
	return countsText(bad)
}

func countsText(m map[string]int64) string {
	keys := sortedByCount(m)
	if len(keys) == 0 {
		return "—"
	}
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + " " + intText(m[k])
	}
	return strings.Join(parts, ", ")
}

func distRows(r *runner.Result) []distRow {
	s := r.Summary
	row := func(what, from string, p runner.Percentiles) distRow {
		return distRow{What: what, From: from, Min: msText(p.Min), Mean: msText(p.Mean), P50: msText(p.P50), P90: msText(p.P90),
			P99: msText(p.P99), P999: msText(p.P999), Max: msText(p.Max)}
	}
	var rows []distRow
	if r.Model == runner.Closed {
		rows = append(rows, row("Latency = service time", "from the actual send (closed model)", s.ServiceTimeMS))
	} else {
		rows = append(rows,
			row("Latency", "from the intended send time", s.LatencyMS),
			row("Service time", "from the actual send", s.ServiceTimeMS),
			row("Schedule lag", "actual send − intended send", s.ScheduleLagMS))
	}
	if s.Codes.Obtained > 0 {
		rows = append(rows, row("Obtaining a code", "the code source, apart from the exchange", s.Codes.ObtainMS))
	}
	if s.Codes.Waits > 0 {
		rows = append(rows, row("Waiting for a code", "requests whose code was not ready", s.Codes.WaitMS))
	}
	return rows
}

func codeFacts(r *runner.Result) []fact {
	c := r.Summary.Codes
	f := []fact{
		{"Codes obtained", intText(c.Obtained)},
		{"Dropped (expired before use)", intText(c.Dropped)},
		{"Time to obtain one, p50 / p99", msText(c.ObtainMS.P50) + " / " + msText(c.P99MS)},
		{"Requests that waited for a code", fmt.Sprintf("%s (%s of requests)", intText(c.Waits), shareText(c.Waits, r.Summary.Requests))},
	}
	if c.Waits > 0 {
		f = append(f, fact{"Wait for a code, p99 / max", msText(c.WaitMS.P99) + " / " + msText(c.WaitMS.Max)})
	}
	return f
}

func scheduleFacts(r *runner.Result) []fact {
	s := r.Summary
	var f []fact
	if r.Model != runner.Closed {
		f = append(f,
			fact{"Sent late (> 1 ms after the intended time)", fmt.Sprintf("%s (%s)", intText(s.Late), shareText(s.Late, s.Requests))},
			fact{"Schedule lag p99 / max", msText(s.ScheduleLagMS.P99) + " / " + msText(s.ScheduleLagMS.Max)},
			fact{"Scheduled but never sent", intText(s.Unsent)})
	}
	f = append(f, fact{"Peak in flight", intText(int64(r.PeakInFlight))})
	f = append(f, fact{"Load generator CPU", strings.TrimPrefix(cpuText(r.GeneratorCPU), "load generator CPU ")})
	if s.OutOfRange > 0 {
		f = append(f, fact{"Outside 1 µs – 60 s", intText(s.OutOfRange) + " (counted, not in the percentiles)"})
	}
	return f
}

func metaFacts(r *runner.Result) []fact {
	c := r.Config
	start := "—"
	if !r.Start.IsZero() {
		start = r.Start.Format("2006-01-02 15:04:05 MST")
	}
	var cfg []string
	if p := planText(r); p != "" {
		cfg = append(cfg, p)
	}
	if c.DurationS > 0 {
		cfg = append(cfg, "duration "+duration(c.DurationS))
	}
	if c.Requests > 0 {
		cfg = append(cfg, intText(c.Requests)+" requests")
	}
	if c.MaxInFlight > 0 {
		cfg = append(cfg, "max in flight "+intText(int64(c.MaxInFlight)))
	}
	if c.Validate != "" {
		cfg = append(cfg, "validate "+c.Validate)
	}
	if c.TimeoutS > 0 {
		cfg = append(cfg, "timeout "+duration(c.TimeoutS))
	}
	if c.WarmupS > 0 {
		cfg = append(cfg, "warm-up "+duration(c.WarmupS)+" (not measured)")
	}
	model := r.Model
	switch r.Model {
	case runner.Open:
		model = "open: requests scheduled at an arrival rate; latency counts from each request's intended send time"
	case runner.Closed:
		model = "closed: workers send back to back; latency is the service time"
	}
	slo := "none"
	if c.SLO != "" {
		slo = c.SLO
	}
	dur := runTime(r.DurationS) + " measured"
	if r.Interrupted {
		dur += " (interrupted)"
	}
	return []fact{
		{"Target", orDash(r.Target.Source)},
		{"Issuer", orDash(r.Target.Issuer)},
		{"Token endpoint", orDash(r.Target.TokenEndpoint)},
		{"Profile", orDash(r.Profile)},
		{"Model", orDash(model)},
		{"Configuration", orDash(strings.Join(cfg, " · "))},
		{"SLO", slo},
		{"tokenbench", orDash(r.Tool.Version)},
		{"Started", start},
		{"Duration", dur},
	}
}

// Number formatting for people.

// runTime is duration with a plain zero.
func runTime(s float64) string {
	if s <= 0 {
		return "0 s"
	}
	return duration(s)
}

// msText formats milliseconds with about three significant digits.
func msText(v float64) string {
	switch a := math.Abs(v); {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return "—"
	case a >= 1000:
		return trimFloat(v/1000, 2) + " s"
	case a >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64) + " ms"
	case a >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64) + " ms"
	case a == 0:
		return "0 ms"
	}
	return strconv.FormatFloat(v, 'f', 2, 64) + " ms"
}

// rateText formats a rate per second.
func rateText(v float64) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return "—"
	case v >= 1000:
		return intText(int64(math.Round(v))) + "/s"
	}
	return trimFloat(v, 1) + "/s"
}

// pctText formats a fraction as a percentage.
func pctText(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "—"
	}
	return pctNumber(100*f) + " %"
}

// pctNumber formats a percentage's number: more decimals when small.
func pctNumber(p float64) string {
	switch a := math.Abs(p); {
	case a == 0:
		return "0"
	case a < 0.1:
		return strconv.FormatFloat(p, 'f', 3, 64)
	case a < 10:
		return strconv.FormatFloat(p, 'f', 2, 64)
	}
	return strconv.FormatFloat(p, 'f', 1, 64)
}

// shareText is n of total as a percentage.
func shareText(n, total int64) string {
	if total <= 0 {
		return "—"
	}
	return pctText(float64(n) / float64(total))
}

// trimFloat formats v with at most decimals decimals, trailing zeros
// dropped.
func trimFloat(v float64, decimals int) string {
	s := strconv.FormatFloat(v, 'f', decimals, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// intText writes n with thousands separators.
func intText(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

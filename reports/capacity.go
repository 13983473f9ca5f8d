package reports

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"sort"
	"strings"

	"github.com/tokenbench/tokenbench/reports/charts"
	"github.com/tokenbench/tokenbench/reports/format"
	"github.com/tokenbench/tokenbench/runner/results"
)

// Capacity report file names, as WriteCapacity writes them.
const (
	CapacityJSONFile = "capacity.json"
	CapacityHTMLFile = "capacity.html"
)

// WriteCapacity writes capacity.json and capacity.html into dir, creating
// it when needed, and returns the paths written. It writes every file it
// can and returns the errors of those it could not write, joined.
func WriteCapacity(dir string, c *results.Capacity) (paths []string, err error) {
	if c == nil {
		return nil, fmt.Errorf("reports: capacity: %w", errNoResult)
	}
	return writeFiles(dir, []namedWriter{
		{CapacityJSONFile, c.WriteJSON},
		{CapacityHTMLFile, func(w io.Writer) error { return WriteCapacityHTML(w, c) }},
	})
}

// WriteCapacityHTML writes the capacity search's report as one
// self-contained HTML page (see layout.go): the verdict first (the maximum sustainable rate under
// the SLO, and why the search stopped), the capacity curve (achieved
// against offered rate) and latency against offered rate with the knee,
// the maximum and the SLO thresholds marked, the step table with the
// Little's law check, and the run's metadata.
//
// It reads c only; a result without steps gives a page that says so.
func WriteCapacityHTML(w io.Writer, c *results.Capacity) error {
	if c == nil {
		return fmt.Errorf("reports: capacity html: %w", errNoResult)
	}
	return render(w, capacityTmpl, "capacity html", newCapacityView(c))
}

// capacityView is what the capacity template renders.
type capacityView struct {
	C        *results.Capacity
	Verdict  string // loadPass, loadFail or loadDone
	Word     string // the maximum sustainable rate, or NONE
	Headline string
	SLO      string
	Stopped  string
	Bound    string // what kind of figure the maximum is
	Alerts   []string
	Notes    []string
	Knee     string
	Little   string
	Charts   []chartFigure
	Steps    []capacityRow
	Meta     []fact
	Footer   string
	// MinRatio and Tolerance are the knee's and Little's law's criteria.
	MinRatio, Tolerance string
}

// capacityRow is one row of the step table.
type capacityRow struct {
	Step, Offered, Achieved, Ratio, P50, P99, ErrorRate, InFlight, ServiceL, Little, LittleNote, SLOText string
	Marks                                                                                                []string
	Pass, Short, HiddenQueueing, Confirm, Max                                                            bool
}

func newCapacityView(c *results.Capacity) capacityView {
	v := capacityView{C: c, SLO: format.OrDash(c.Config.SLO), Stopped: format.OrDash(c.Stopped),
		MinRatio: format.Float(results.KneeMinRatio, 2), Tolerance: format.Percent(results.LittleTolerance)}
	switch {
	case c.MaxSustainableStep < 0 || c.MaxSustainableStep >= len(c.Steps):
		v.Verdict, v.Word = loadFail, "NONE"
		v.Headline = "No step met the SLO: there is no sustainable rate among those tried."
		if len(c.Steps) == 0 {
			v.Headline = "No step ran: there is nothing to judge."
		}
	case c.Bounded:
		v.Verdict, v.Word = loadPass, format.Rate(c.MaxSustainableRPS)
		v.Headline = fmt.Sprintf("Maximum sustainable rate: %s (step %d), the highest offered rate that met the SLO; a higher one broke it.",
			format.Rate(c.MaxSustainableRPS), c.MaxSustainableStep+1)
		v.Bound = "upper bound found"
	default:
		v.Verdict, v.Word = loadDone, "≥ "+format.Rate(c.MaxSustainableRPS)
		v.Headline = fmt.Sprintf("At least %s (step %d): no step above it broke the SLO, so the endpoint's limit is higher than this search reached.",
			format.Rate(c.MaxSustainableRPS), c.MaxSustainableStep+1)
		v.Bound = "lower bound only"
	}
	if c.CodeLimited {
		v.Alerts = append(v.Alerts, "The search stopped early at the code supply: authorization codes, not the endpoint, limited the last step. The maximum is a lower bound; supply codes faster to go on.")
	}
	if c.Interrupted {
		v.Alerts = append(v.Alerts, "The search was interrupted: the steps so far are shown, and the maximum is a lower bound.")
	}
	if k := c.Knee; k != nil {
		switch {
		case k.Reached && k.Step >= 0:
			v.Knee = fmt.Sprintf("%s (step %d), the highest offered rate that kept up: %s", format.Rate(k.OfferedRPS), k.Step+1, k.Reason)
		default:
			v.Knee = format.Capitalize(k.Reason)
		}
		v.Knee += fmt.Sprintf(" (keeping up: achieved ≥ %.0f %% of offered and p99 ≤ %.0f× the first steps' %s)", 100*results.KneeMinRatio, results.KneeMaxP99Growth, format.MS(k.BaselineP99MS))
	}
	if len(c.HiddenQueueing) == 0 {
		v.Little = fmt.Sprintf("At every step, the requests in flight match throughput × mean service time within %.0f %%: no hidden queueing in the load generator.", 100*results.LittleTolerance)
	} else {
		for _, i := range c.HiddenQueueing {
			if i >= 0 && i < len(c.Steps) {
				v.Notes = append(v.Notes, fmt.Sprintf("Little's law, step %d: %s", i+1, format.OrDash(c.Steps[i].Little.Note)))
			}
		}
		v.Little = "Some steps fail the Little's law check: their figures partly measure the load generator (see the notes above)."
	}
	v.Charts = capacityCharts(c)
	for _, st := range c.Steps {
		v.Steps = append(v.Steps, newCapacityRow(c, st))
	}
	v.Meta = capacityMeta(c)
	v.Footer = fmt.Sprintf("tokenbench %s · %d steps · schema %s", format.OrDash(c.Tool.Version), len(c.Steps), format.OrDash(c.Schema))
	return v
}

func newCapacityRow(c *results.Capacity, st results.CapacityStep) capacityRow {
	row := capacityRow{
		Step: fmt.Sprint(st.Index + 1), Offered: format.Rate(st.OfferedRPS), Achieved: format.Rate(st.ThroughputRPS),
		Ratio: format.Float(st.Ratio, 2), P50: format.MS(st.P50MS), P99: format.MS(st.P99MS), ErrorRate: format.Percent(st.ErrorRate),
		InFlight: format.Float(st.Little.MeanInFlight, 2), ServiceL: format.Float(st.Little.ServiceL, 2),
		Little: "✓ ok", LittleNote: st.Little.Note, Pass: st.Pass, Short: st.Ratio < results.KneeMinRatio,
		HiddenQueueing: st.Little.HiddenQueueing, Confirm: st.Confirm, Max: st.Index == c.MaxSustainableStep,
	}
	if st.Requests == 0 {
		row.P50, row.P99, row.ErrorRate = "—", "—", "—"
	}
	if st.Little.HiddenQueueing {
		row.Little = "✗ hidden queueing"
	} else if st.Little.ServiceL > 0 {
		row.Little += fmt.Sprintf(" (%s off)", format.Percent(st.Little.Mismatch))
	}
	var slo []string
	for _, x := range st.SLO {
		mark := "✓"
		if !x.Pass {
			mark = "✗"
		}
		slo = append(slo, mark+" "+x.Expr)
	}
	row.SLOText = strings.Join(slo, " · ")
	if st.Confirm {
		row.Marks = append(row.Marks, "confirming step")
	}
	if row.Max {
		row.Marks = append(row.Marks, "max sustainable")
	}
	if k := c.Knee; k != nil && k.Reached && k.Step == st.Index {
		row.Marks = append(row.Marks, "knee")
	}
	if st.CodeLimited {
		row.Marks = append(row.Marks, "code supply")
	}
	return row
}

// capacityCharts are the capacity curve and latency against offered rate.
func capacityCharts(c *results.Capacity) []chartFigure {
	steps := append([]results.CapacityStep(nil), c.Steps...)
	sort.SliceStable(steps, func(i, j int) bool { return steps[i].OfferedRPS < steps[j].OfferedRPS })
	var achieved, p50, p99 []charts.Point
	maxX := 0.0
	for _, st := range steps {
		maxX = math.Max(maxX, math.Max(st.OfferedRPS, st.ThroughputRPS))
		achieved = append(achieved, charts.Point{X: st.OfferedRPS, Y: st.ThroughputRPS})
		if st.Requests > 0 {
			p50 = append(p50, charts.Point{X: st.OfferedRPS, Y: st.P50MS})
			p99 = append(p99, charts.Point{X: st.OfferedRPS, Y: st.P99MS})
		}
	}
	var marks []charts.RefLine
	var maxPt, kneePt []charts.Point
	if c.MaxSustainableStep >= 0 && c.MaxSustainableStep < len(c.Steps) {
		st := c.Steps[c.MaxSustainableStep]
		marks = append(marks, charts.RefLine{Vertical: true, Value: st.OfferedRPS, Label: "max sustainable " + format.Rate(st.OfferedRPS), Color: "#067a57"})
		maxPt = []charts.Point{{X: st.OfferedRPS, Y: st.ThroughputRPS}}
	}
	if k := c.Knee; k != nil && k.Reached && k.Step >= 0 && k.Step < len(c.Steps) {
		st := c.Steps[k.Step]
		if len(marks) == 1 && marks[0].Value == k.OfferedRPS {
			// One line for both, so the labels do not write over each other.
			marks[0].Label = "max sustainable = knee " + format.Rate(k.OfferedRPS)
		} else {
			marks = append(marks, charts.RefLine{Vertical: true, Value: k.OfferedRPS, Label: "knee " + format.Rate(k.OfferedRPS), Color: charts.Palette.Orange, Dotted: true})
		}
		kneePt = []charts.Point{{X: st.OfferedRPS, Y: st.ThroughputRPS}}
	}
	xAxis := charts.Axis{Label: "offered rate (requests/s, constant per step)", IncludeZero: true, Unit: "/s"}
	const empty = "no step ran: nothing to plot"

	series := []charts.Series{}
	if maxX > 0 {
		series = append(series, charts.Series{Name: "y = x (achieved = offered)", Color: charts.Palette.Grey, Dashed: true, Width: 1, Points: []charts.Point{{X: 0, Y: 0}, {X: maxX, Y: maxX}}})
	}
	series = append(series, charts.Series{Name: "achieved throughput", Color: charts.Palette.Blue, Width: 2, Markers: true, Points: achieved})
	if len(maxPt) > 0 {
		series = append(series, charts.Series{Name: "max sustainable", Color: "#067a57", Markers: true, Points: maxPt})
	}
	if len(kneePt) > 0 {
		series = append(series, charts.Series{Name: "knee", Color: charts.Palette.Orange, Markers: true, Points: kneePt})
	}
	curve := charts.Chart{
		ID: "capacity-curve", Title: "Capacity curve: achieved throughput against offered rate",
		Subtitle: "one point per step (the confirming step included); achieved = completed requests ÷ time to the last completion",
		Width:    loadChartW, Height: loadChartH, X: xAxis,
		Y:      charts.Axis{Label: "achieved throughput (requests/s)", IncludeZero: true, Unit: "/s"},
		Series: series, Refs: marks, Empty: empty, MinLeft: timeChartLeft,
	}

	latRefs := append([]charts.RefLine(nil), marks...)
	if len(c.Steps) > 0 {
		for _, x := range c.Steps[0].SLO { // every step is judged by the same SLOs
			if m, ok := results.LookupMetric(x.Metric); ok && m.Unit == results.MS && !m.Service {
				latRefs = append(latRefs, charts.RefLine{Value: x.Threshold, Label: "SLO " + x.Expr, Color: "#b42318"})
			}
		}
	}
	lat := charts.Chart{
		ID: "capacity-latency", Title: "Latency against offered rate",
		Subtitle: "p99 and p50 of each step, from the intended send time (queueing included); logarithmic scale",
		Width:    loadChartW, Height: loadChartH, X: xAxis,
		Y: charts.Axis{Label: "latency (ms, log scale)", Log: true, Unit: "ms"},
		Series: []charts.Series{
			{Name: "p99", Color: charts.Palette.Vermillion, Width: 2, Markers: true, Points: p99},
			{Name: "p50", Color: charts.Palette.Blue, Markers: true, Dashed: true, Points: p50},
		},
		Refs: latRefs, Empty: empty, MinLeft: timeChartLeft,
	}
	return []chartFigure{
		{ID: "curve", Heading: "Capacity curve", SVGs: []template.HTML{curve.SVG()},
			Read: "While the endpoint keeps up, the points lie on the dashed y = x line; where they fall below it, requests arrive faster than they complete. The knee is the highest offered rate that still kept up; the maximum sustainable rate is the highest that met the SLO."},
		{ID: "latency", Heading: "Latency", SVGs: []template.HTML{lat.SVG()},
			Read: "Latency stays flat while the endpoint has spare capacity and climbs steeply once a queue builds. The red dashed line is the SLO threshold: a step whose p99 is above it broke the SLO."},
	}
}

func capacityMeta(c *results.Capacity) []fact {
	cf := c.Config
	start := "—"
	if !c.Start.IsZero() {
		start = c.Start.Format("2006-01-02 15:04:05 MST")
	}
	cfg := []string{fmt.Sprintf("from %s, ×%s per step", format.Rate(cf.StartRPS), format.Float(cf.Factor, 3))}
	if cf.MaxRPS > 0 {
		cfg = append(cfg, "max "+format.Rate(cf.MaxRPS))
	}
	if cf.StepDurationS > 0 {
		step := "steps " + format.Seconds(cf.StepDurationS)
		if cf.MinRequests > 0 {
			step += fmt.Sprintf(" or %s requests, at most %s", format.Int(int64(cf.MinRequests)), format.Seconds(cf.MaxStepDurationS))
		}
		cfg = append(cfg, step)
	}
	if cf.WarmupS > 0 {
		cfg = append(cfg, "warm-up "+format.Seconds(cf.WarmupS)+" per step (not measured)")
	}
	if cf.MaxInFlight > 0 {
		cfg = append(cfg, "max in flight "+format.Int(int64(cf.MaxInFlight)))
	}
	if cf.TimeoutS > 0 {
		cfg = append(cfg, "timeout "+format.Seconds(cf.TimeoutS))
	}
	total := 0.0
	for _, st := range c.Steps {
		total += st.DurationS
	}
	return []fact{
		{"Target", format.OrDash(c.Target.Source)},
		{"Issuer", format.OrDash(c.Target.Issuer)},
		{"Token endpoint", format.OrDash(c.Target.TokenEndpoint)},
		{"Profile", format.OrDash(c.Profile)},
		{"Model", "open: each step sends at a constant arrival rate; latency counts from each request's intended send time"},
		{"Search", strings.Join(cfg, " · ")},
		{"SLO", format.OrDash(cf.SLO)},
		{"tokenbench", format.OrDash(c.Tool.Version)},
		{"Started", start},
		{"Steps", fmt.Sprintf("%d, %s planned in all", len(c.Steps), format.Seconds(total))},
	}
}

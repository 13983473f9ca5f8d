package reports

import (
	"fmt"
	"html/template"
	"math"
	"strings"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/tokenbench/tokenbench/reports/charts"
	"github.com/tokenbench/tokenbench/reports/format"
	"github.com/tokenbench/tokenbench/runner/results"
)

// Chart sizes in the load report, in CSS pixels (the page is 1052 wide).
const (
	loadChartW     = 1052
	loadChartH     = 340
	loadChartShort = 190
	// timeChartLeft lines up the per-second charts' time axes.
	timeChartLeft = 76
)

// logRatio is the spread (largest ÷ smallest positive value) above which a
// latency axis turns logarithmic, so that a p50 of 1 ms stays readable
// beside a max of 2 s.
const logRatio = 30

// timeAxisLabel names the per-second charts' X axis.
const timeAxisLabel = "time since the start of the measured run (s); one point per second, by completion time"

// loadCharts builds the report's charts and says what data it could not
// use.
func loadCharts(r *results.Load) ([]chartFigure, []string) {
	var notes []string
	figs := []chartFigure{latencyOverTime(r), throughputOverTime(r)}
	dist, note := distributionChart(r)
	if note != "" {
		notes = append(notes, note)
	}
	figs = append(figs, dist, codeSupplyChart(r))
	return figs, notes
}

// timeAxis is the per-second charts' X axis: from the start of the
// measured run to the end of its last second, or of its plan when that is
// longer (an interrupted run shows the part that did not run), so that
// every per-second chart has the same axis.
func timeAxis(r *results.Load) charts.Axis {
	end := 0.0
	for _, iv := range r.Intervals {
		end = math.Max(end, iv.T+1)
	}
	planned := 0.0
	for _, st := range r.Stages {
		planned += st.DurationS
	}
	end = math.Max(end, planned)
	a := charts.Axis{Label: timeAxisLabel, IncludeZero: true, Integer: true, Unit: "s"}
	if end > 0 {
		a.Min, a.Max = 0, end
	}
	return a
}

// intervalX is where an interval's point goes: the middle of its second.
func intervalX(iv results.Interval) float64 { return iv.T + 0.5 }

// stageRefs marks where each stage starts when there is more than one and
// their lengths are known.
func stageRefs(r *results.Load) []charts.RefLine {
	if len(r.Stages) < 2 {
		return nil
	}
	var refs []charts.RefLine
	t := 0.0
	for _, st := range r.Stages {
		if st.DurationS <= 0 {
			return nil
		}
		refs = append(refs, charts.RefLine{Vertical: true, Value: t, Label: st.Name, Dotted: true, Color: "#57606a"})
		t += st.DurationS
	}
	return refs
}

// sloRefs are the latency thresholds of the SLOs as horizontal lines.
func sloRefs(r *results.Load) []charts.RefLine {
	var refs []charts.RefLine
	for _, x := range r.SLO {
		if x.Unit != results.MS {
			continue
		}
		col := charts.Palette.Green
		if !x.Pass {
			col = "#b42318"
		}
		what, _ := sloMeasures(x.SLO, r.Model)
		refs = append(refs, charts.RefLine{Value: x.Threshold, Label: fmt.Sprintf("SLO: %s %s %s", what, opText(x.Op), thresholdText(x.SLO)), Color: col})
	}
	return refs
}

// logScale says whether values spread wide enough for a log axis.
func logScale(values []float64) bool {
	lo, hi := math.Inf(1), 0.0
	for _, v := range values {
		if v > 0 && !math.IsInf(v, 0) && !math.IsNaN(v) {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	return hi > 0 && hi/lo > logRatio
}

// wantLog says whether a latency chart needs a log axis: the values
// spread wide, or a threshold sits far above them (on a linear axis it
// would flatten the data; on a log one the headroom shows).
func wantLog(values []float64, refs []charts.RefLine) bool {
	if logScale(values) {
		return true
	}
	hi := 0.0
	for _, v := range values {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			hi = math.Max(hi, v)
		}
	}
	for _, r := range refs {
		if !r.Vertical && hi > 0 && r.Value > 2*hi {
			return true
		}
	}
	return false
}

func latencyAxis(log bool) charts.Axis {
	if log {
		return charts.Axis{Label: "latency (ms, log scale)", Log: true, Unit: "ms"}
	}
	return charts.Axis{Label: "latency (ms)", IncludeZero: true, Unit: "ms"}
}

// percentile colours: one per percentile, the same in every chart.
var pctColors = []struct {
	name  string
	color string
	width float64
	pick  func(results.IntervalPercentiles) float64
}{
	{"max", charts.Palette.Purple, 1, func(p results.IntervalPercentiles) float64 { return p.Max }},
	{"p99", charts.Palette.Vermillion, 1.6, func(p results.IntervalPercentiles) float64 { return p.P99 }},
	{"p90", charts.Palette.Orange, 1.6, func(p results.IntervalPercentiles) float64 { return p.P90 }},
	{"p50", charts.Palette.Blue, 2, func(p results.IntervalPercentiles) float64 { return p.P50 }},
}

// latencyOverTime is chart (a): per-second percentiles of the latency from
// the intended send time (solid) and of the service time (dashed).
func latencyOverTime(r *results.Load) chartFigure {
	closed := r.Model == results.Closed
	measures := []struct {
		label  string
		dashed bool
		pick   func(results.Interval) results.IntervalPercentiles
	}{
		{"from the intended send time", false, func(iv results.Interval) results.IntervalPercentiles { return iv.LatencyMS }},
		{"service time (from the actual send)", true, func(iv results.Interval) results.IntervalPercentiles { return iv.ServiceMS }},
	}
	if closed {
		measures = measures[1:]
		measures[0].dashed = false
	}
	var series []charts.Series
	var values []float64
	// service time first: the latency from the intended time, which users
	// feel, is drawn over it
	for i := len(measures) - 1; i >= 0; i-- {
		m := measures[i]
		for _, pc := range pctColors {
			s := charts.Series{Name: pc.name + " " + m.label, Color: pc.color, Dashed: m.dashed, Width: pc.width, Markers: len(r.Intervals) <= 20}
			for _, iv := range r.Intervals {
				y := math.NaN()
				if iv.Requests > 0 {
					y = pc.pick(m.pick(iv))
					values = append(values, y)
				}
				s.Points = append(s.Points, charts.Point{X: intervalX(iv), Y: y})
			}
			series = append(series, s)
		}
	}
	var legend []charts.LegendEntry
	for i := len(pctColors) - 1; i >= 0; i-- {
		legend = append(legend, charts.LegendEntry{Label: pctColors[i].name, Color: pctColors[i].color})
	}
	subtitle := "Solid: latency from each request's intended send time (queueing included, coordinated-omission correct). Dashed: service time, from the actual send."
	if closed {
		subtitle = "Closed model: latency is the service time, from the actual send (workers wait for each other, so queueing does not show here)."
	} else {
		legend = append(legend,
			charts.LegendEntry{Label: "from the intended send time", Color: charts.Palette.Black},
			charts.LegendEntry{Label: "service time (from the actual send)", Color: charts.Palette.Black, Dashed: true})
	}
	slo := sloRefs(r)
	c := charts.Chart{
		ID: "chart-latency", Title: "Latency percentiles per second", Subtitle: subtitle,
		Width: loadChartW, Height: loadChartH + 20, MinLeft: timeChartLeft,
		X:      timeAxis(r),
		Y:      latencyAxis(wantLog(values, slo)),
		Series: series, Legend: legend, Refs: append(stageRefs(r), slo...),
		Empty: "no request completed: nothing to plot",
	}
	read := "Each second's p50, p90, p99 and max. Where the solid lines climb away from the dashed ones, requests waited to be sent: the endpoint (or the in-flight bound) fell behind the arrival rate, and users would feel the solid figure."
	if closed {
		read = "Each second's p50, p90, p99 and max of the service time. The closed model slows down with the endpoint, so compare throughput too."
	}
	return chartFigure{ID: c.ID, Heading: "Latency over time", SVGs: []template.HTML{c.SVG()}, Read: read}
}

// throughputOverTime is chart (b): achieved vs target rate, and errors,
// per second.
func throughputOverTime(r *results.Load) chartFigure {
	achieved := charts.Series{Name: "achieved: requests completed per second", Color: charts.Palette.Blue, Width: 2, Markers: len(r.Intervals) <= 20}
	target := charts.Series{Name: "target rate (the schedule)", Color: charts.Palette.Black, Dashed: true, Width: 1.2}
	errs := charts.Series{Name: "errors per second", Color: charts.Palette.Vermillion, Bars: true, BarWidth: 0.7}
	hasTarget := false
	var errTotal int64
	for _, iv := range r.Intervals {
		x := intervalX(iv)
		achieved.Points = append(achieved.Points, charts.Point{X: x, Y: float64(iv.Requests)})
		if iv.TargetRPS > 0 { // a step: the schedule's rate over the whole second
			hasTarget = true
			target.Points = append(target.Points, charts.Point{X: iv.T, Y: iv.TargetRPS}, charts.Point{X: iv.T + 1, Y: iv.TargetRPS})
		} else {
			target.Points = append(target.Points, charts.Point{X: x, Y: math.NaN()})
		}
		errs.Points = append(errs.Points, charts.Point{X: x, Y: float64(iv.Errors)})
		errTotal += iv.Errors
	}
	series := []charts.Series{achieved}
	sub := "Requests completed in each second against the rate the schedule asked for in that second."
	if hasTarget {
		series = []charts.Series{target, achieved}
	} else if r.Model == results.Closed {
		sub = fmt.Sprintf("Requests completed in each second; closed model with %d workers, so there is no target rate.", r.Config.Concurrency)
	}
	refs := stageRefs(r)
	rate := charts.Chart{
		ID: "chart-throughput", Title: "Throughput per second: achieved vs target", Subtitle: sub,
		Width: loadChartW, Height: loadChartH, MinLeft: timeChartLeft,
		X:      timeAxis(r),
		Y:      charts.Axis{Label: "requests per second", IncludeZero: true, Integer: true, Unit: "/s"},
		Series: series, Refs: refs, Empty: "no interval recorded: nothing to plot",
	}
	errSub := fmt.Sprintf("%s errors in the run: anything but a valid 200 (4xx, 5xx, timeouts, connection errors, invalid 200s), by completion second.", format.Int(errTotal))
	if errTotal == 0 {
		errSub = "No request failed: no 4xx, 5xx, timeout, connection error or invalid 200."
	}
	errc := charts.Chart{
		ID: "chart-errors", Title: "Errors per second", Subtitle: errSub,
		Width: loadChartW, Height: loadChartShort, MinLeft: timeChartLeft,
		X:      timeAxis(r),
		Y:      charts.Axis{Label: "errors/s", IncludeZero: true, Integer: true, Unit: "/s"},
		Series: []charts.Series{errs}, Refs: refs, Legend: []charts.LegendEntry{},
		Empty: "no interval recorded: nothing to plot",
	}
	read := "The blue line should sit on the dashed target. A blue line below the target means the endpoint or the load generator could not keep up (see what limited this run). The columns below count the errors of each second."
	if !hasTarget {
		read = "Requests completed per second; the columns below count the errors of each second."
	}
	return chartFigure{ID: rate.ID, Heading: "Throughput and errors over time", SVGs: []template.HTML{rate.SVG(), errc.SVG()}, Read: read}
}

// percentileTicks label the 1/(1-p) axis: x = log10(1/(1-p)).
var percentileTicks = []charts.Tick{
	{Value: 0, Label: "0%"}, {Value: 1, Label: "90%"}, {Value: 2, Label: "99%"}, {Value: 3, Label: "99.9%"}, {Value: 4, Label: "99.99%"}, {Value: 5, Label: "99.999%"}, {Value: 6, Label: "99.9999%"},
}

// percentileCurve samples h's value at percentiles spaced evenly on the
// 1/(1-p) axis, up to where the curve reaches the largest value, in ms.
// Runs of equal values keep only their ends: the line is the same.
func percentileCurve(h *hdr.Histogram) []charts.Point {
	n := h.TotalCount()
	if n == 0 {
		return nil
	}
	// the rank reaches n once (1-p)·n ≤ 0.5
	xmax := math.Ceil(math.Log10(2 * float64(n)))
	xmax = math.Max(2, math.Min(6, xmax))
	const step = 0.01
	var raw []charts.Point
	for i := 0; ; i++ {
		x := float64(i) * step
		if x > xmax+1e-9 {
			break
		}
		p := 100 * (1 - math.Pow(10, -x))
		raw = append(raw, charts.Point{X: x, Y: float64(h.ValueAtPercentile(p)) / 1000})
	}
	var out []charts.Point
	for i, p := range raw {
		if i == 0 || i == len(raw)-1 || p.Y != raw[i-1].Y || p.Y != raw[i+1].Y {
			out = append(out, p)
		}
	}
	return out
}

// distributionChart is chart (c): the HDR percentile distribution of the
// whole run, from the summary's histograms; from its percentiles when the
// result carries none.
func distributionChart(r *results.Load) (chartFigure, string) {
	s := r.Summary
	closed := r.Model == results.Closed
	latName, svcName := "latency from the intended send time", "service time (from the actual send)"
	if closed {
		latName = "latency = service time (closed model)"
	}
	var series []charts.Series
	note := ""
	sub := "The whole run's HDR histograms: each point is the latency that this share of requests stayed under."
	decode := func(enc string) (*hdr.Histogram, error) {
		if enc == "" {
			return nil, fmt.Errorf("empty")
		}
		return results.DecodeHistogram(enc)
	}
	var lat, svc *hdr.Histogram
	var err1, err2 error
	if s.HDR != nil {
		lat, err1 = decode(s.HDR.Latency)
		svc, err2 = decode(s.HDR.Service)
	}
	switch {
	case s.HDR != nil && err1 == nil && err2 == nil:
		if !closed {
			series = append(series, charts.Series{Name: latName, Color: charts.Palette.Blue, Width: 2, Points: percentileCurve(lat)})
		}
		svcSeries := charts.Series{Name: svcName, Color: charts.Palette.Orange, Dashed: !closed, Width: 2, Points: percentileCurve(svc)}
		if closed {
			svcSeries.Name = latName
		}
		series = append(series, svcSeries)
	default:
		switch {
		case s.Requests == 0: // nothing to draw, nothing missing
		case s.HDR == nil:
			note = "load.json carries no histograms (summary.hdr): the percentile distribution is drawn from the summary's percentiles only."
		default:
			note = fmt.Sprintf("load.json's summary histograms do not decode (%v): the percentile distribution is drawn from the summary's percentiles only.", firstErr(err1, err2))
		}
		sub = "From the summary's percentiles (the result carries no usable histograms): p0 (min), p50, p90, p99, p99.9 and max."
		pts := func(p results.Percentiles) []charts.Point {
			if s.Requests == 0 {
				return nil
			}
			return []charts.Point{{X: 0, Y: p.Min}, {X: math.Log10(2), Y: p.P50}, {X: 1, Y: p.P90}, {X: 2, Y: p.P99}, {X: 3, Y: p.P999}, {X: 4, Y: p.Max}}
		}
		if !closed {
			series = append(series, charts.Series{Name: latName, Color: charts.Palette.Blue, Width: 2, Markers: true, Points: pts(s.LatencyMS)})
		}
		series = append(series, charts.Series{Name: map[bool]string{true: latName, false: svcName}[closed], Color: charts.Palette.Orange, Dashed: !closed, Width: 2, Markers: true, Points: pts(s.ServiceTimeMS)})
	}
	var values []float64
	xmax := 2.0
	for _, se := range series {
		for _, p := range se.Points {
			values = append(values, p.Y)
			xmax = math.Max(xmax, p.X)
		}
	}
	c := charts.Chart{
		ID: "chart-distribution", Title: "Latency by percentile (HDR), whole run", Subtitle: sub,
		Width: loadChartW, Height: loadChartH,
		X:      charts.Axis{Label: "percentile of requests (log scale of 1/(1−p): 90 %, 99 %, 99.9 % … equally spaced)", Min: 0, Max: math.Ceil(xmax - 1e-9), Ticks: percentileTicks},
		Y:      latencyAxis(wantLog(values, sloRefs(r))),
		Series: series, Refs: sloRefs(r), Empty: "no request completed: nothing to plot",
	}
	read := "Read across to a percentile, up to the latency: the solid curve is what callers saw including queueing, the dashed one the endpoint's own time. A curve that bends up sharply on the right means a few requests were much slower than the rest."
	if closed {
		read = "Read across to a percentile, up to the latency. A curve that bends up sharply on the right means a few requests were much slower than the rest."
	}
	return chartFigure{ID: c.ID, Heading: "Latency distribution", SVGs: []template.HTML{c.SVG()}, Read: read}, note
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// codeSupplyChart is chart (d): requests per second against the requests
// that waited for an authorization code, with the mean rate codes were
// obtained at.
func codeSupplyChart(r *results.Load) chartFigure {
	s := r.Summary
	reqs := charts.Series{Name: "requests completed per second", Color: charts.Palette.Blue, Width: 1.6, Markers: len(r.Intervals) <= 20}
	waits := charts.Series{Name: "requests that waited for a code", Color: charts.Palette.Orange, Bars: true, BarWidth: 0.7}
	for _, iv := range r.Intervals {
		x := intervalX(iv)
		reqs.Points = append(reqs.Points, charts.Point{X: x, Y: float64(iv.Requests)})
		waits.Points = append(waits.Points, charts.Point{X: x, Y: float64(iv.CodeWaits)})
	}
	var refs []charts.RefLine
	if s.Codes.Obtained > 0 && r.DurationS > 0 {
		refs = append(refs, charts.RefLine{Value: float64(s.Codes.Obtained) / r.DurationS, Color: charts.Palette.Green,
			Label: fmt.Sprintf("codes obtained: %s on average", format.Rate(float64(s.Codes.Obtained)/r.DurationS))})
	}
	sub := fmt.Sprintf("%s codes obtained ahead of the schedule (p99 %s each), %s dropped unused; %s requests waited because no code was ready at their intended send time.",
		format.Int(s.Codes.Obtained), format.MS(s.Codes.P99MS), format.Int(s.Codes.Dropped), format.Int(s.Codes.Waits))
	c := charts.Chart{
		ID: "chart-codes", Title: "Code supply per second", Subtitle: sub,
		Width: loadChartW, Height: loadChartH - 40, MinLeft: timeChartLeft,
		X:      timeAxis(r),
		Y:      charts.Axis{Label: "requests per second", IncludeZero: true, Integer: true, Unit: "/s"},
		Series: []charts.Series{waits, reqs}, Refs: append(refs, stageRefs(r)...),
		Empty: "no interval recorded: nothing to plot",
	}
	read := "Every exchange needs a fresh authorization code, obtained apart and never counted in latency. Orange columns mean the code source, not the token endpoint, held requests back."
	if s.Codes.Waits == 0 {
		read = "Every exchange needs a fresh authorization code, obtained apart and never counted in latency. No request waited for one: the code supply kept up."
	}
	return chartFigure{ID: c.ID, Heading: "Code supply", SVGs: []template.HTML{c.SVG()}, Read: strings.TrimSpace(read)}
}

package reports

import (
	"fmt"
	"math"

	"github.com/tokenbench/tokenbench/reports/format"
	"github.com/tokenbench/tokenbench/runner/results"
)

// sloRows explains each evaluated SLO: what it measures, the observed
// value, the threshold and the margin, all from the SLO result.
func sloRows(r *results.Load) (rows []sloRow, breached int) {
	for _, x := range r.SLO {
		row := sloRow{Expr: x.Expr, Pass: x.Pass, Note: x.Note}
		row.What, row.From = sloMeasures(x.SLO, r.Model)
		if x.Note != "" {
			row.Observed = "not evaluated"
		} else {
			row.Observed = sloValue(x.Observed, x.SLO)
		}
		if x.Metric != "" {
			row.Threshold = opText(x.Op) + " " + thresholdText(x.SLO)
			if x.Note == "" {
				d := math.Abs(x.Threshold - x.Observed)
				switch {
				case x.Pass && d == 0:
					row.Margin = "at the limit"
				case x.Pass:
					row.Margin = sloDelta(d, x.SLO) + " to spare"
				default:
					row.Margin = sloDelta(d, x.SLO) + " past the limit"
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

// sloMeasures names an SLO's metric and what it is measured from, in a
// run of model.
func sloMeasures(s results.SLO, model string) (what, from string) {
	m, ok := results.LookupMetric(s.Metric)
	if !ok {
		return "threshold", "as written"
	}
	from = m.From(model)
	if s.OfTarget() {
		from += " ÷ target rate"
	}
	return m.Label, from
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
func sloValue(v float64, s results.SLO) string {
	switch {
	case s.Unit == results.MS:
		return format.MS(v)
	case s.Unit == results.PerSecond:
		return format.Rate(v)
	case s.OfTarget():
		return format.Float(v, 1) + " % of target"
	case s.Unit == results.Percent:
		return format.Percent(v / 100)
	}
	return format.Float(v, 3) + " " + string(s.Unit)
}

// thresholdText writes an SLO's threshold as given, without padding
// decimals: "300 ms", "0.1 %", "95 % of target".
func thresholdText(s results.SLO) string {
	v := s.Threshold
	switch {
	case s.Unit == results.MS && v >= 1000:
		return format.Float(v/1000, 3) + " s"
	case s.Unit == results.MS:
		return format.Float(v, 3) + " ms"
	case s.Unit == results.PerSecond:
		return format.Float(v, 2) + "/s"
	case s.OfTarget():
		return format.Float(v, 2) + " % of target"
	}
	return format.Float(v, 4) + " " + string(s.Unit)
}

// sloDelta formats a difference in an SLO's unit.
func sloDelta(d float64, s results.SLO) string {
	switch {
	case s.OfTarget():
		return format.Float(d, 1) + " points"
	case s.Unit == results.Percent:
		return format.PercentNumber(d) + " points"
	}
	return sloValue(d, s)
}

// sloMetrics are the metrics the SLOs judge, all or (breached) the
// breached ones'.
func sloMetrics(r *results.Load, breached bool) map[string]bool {
	out := map[string]bool{}
	for _, x := range r.SLO {
		if x.Metric != "" && (!breached || !x.Pass) {
			out[x.Metric] = true
		}
	}
	return out
}

// tiles are the headline figures. A figure is marked when an SLO on it
// was breached (or, with none on it, when it is plainly bad: under 95 % of
// the target rate, 1 % errors or more).
func tiles(r *results.Load) []tile {
	s := r.Summary
	bad, hasSLO := sloMetrics(r, true), sloMetrics(r, false)
	t := []tile{{
		Label: "Requests", Value: format.Int(s.Requests),
		Detail: fmt.Sprintf("%s ok · %s errors", format.Int(s.OK), format.Int(s.Errors)),
		From:   "completed, any outcome, in " + format.Seconds(r.DurationS),
	}}
	tp := tile{Label: "Throughput", Value: format.Rate(s.ThroughputRPS), From: "completed requests per second"}
	switch {
	case s.TargetRPS > 0:
		share := s.ThroughputRPS / s.TargetRPS
		tp.Detail = fmt.Sprintf("%s of the %s target", format.Percent(share), format.Rate(s.TargetRPS))
		tp.Bad = bad["throughput"] || !hasSLO["throughput"] && share < 0.95
	case r.Model == results.Closed:
		tp.Detail = fmt.Sprintf("closed model: %d workers, no target rate", r.Config.Concurrency)
	}
	t = append(t, tp)
	errRate := format.Percent(s.ErrorRate)
	if s.Requests == 0 {
		errRate = "—"
	}
	t = append(t, tile{
		Label: "Error rate", Value: errRate, Bad: bad["error_rate"] || !hasSLO["error_rate"] && s.ErrorRate >= 0.01,
		Detail: fmt.Sprintf("%s of %s", format.Int(s.Errors), format.Int(s.Requests)),
		From:   "anything but a valid 200: 4xx, 5xx, timeouts, invalid 200s",
	})
	if s.Requests == 0 {
		return append(t,
			tile{Label: "p50 latency", Value: "—", From: "no request completed"},
			tile{Label: "p99 latency", Value: "—", Bad: bad["p99"], From: "no request completed"},
			tile{Label: "p99 service time", Value: "—", From: "no request completed"})
	}
	if r.Model == results.Closed {
		t = append(t,
			tile{Label: "p50 latency", Value: format.MS(s.ServiceTimeMS.P50), Bad: bad["p50"] || bad["service_p50"], From: "service time: the closed model sends when a worker is free"},
			tile{Label: "p99 latency", Value: format.MS(s.ServiceTimeMS.P99), Bad: bad["p99"] || bad["service_p99"], From: "service time, from the actual send"},
			tile{Label: "max latency", Value: format.MS(s.ServiceTimeMS.Max), Bad: bad["max"] || bad["service_max"], Detail: "p99.9 " + format.MS(s.ServiceTimeMS.P999), From: "service time, from the actual send"},
		)
		return t
	}
	return append(t,
		tile{Label: "p50 latency", Value: format.MS(s.LatencyMS.P50), Bad: bad["p50"], Detail: "service time " + format.MS(s.ServiceTimeMS.P50), From: "from the intended send time (queueing included)"},
		tile{Label: "p99 latency", Value: format.MS(s.LatencyMS.P99), Bad: bad["p99"], Detail: "service time " + format.MS(s.ServiceTimeMS.P99), From: "from the intended send time (queueing included)"},
		tile{Label: "p99 service time", Value: format.MS(s.ServiceTimeMS.P99), Bad: bad["service_p99"], Detail: "max " + format.MS(s.ServiceTimeMS.Max), From: "from the actual send: the endpoint's own time"},
	)
}

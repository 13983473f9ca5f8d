package runner

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// SLO is one threshold of a --slo expression, e.g. "p99<300ms".
// Threshold is in Unit: "ms" for latencies, "%" for error_rate and for
// throughput relative to the target rate, "rps" for an absolute throughput.
type SLO struct {
	Expr      string // the item as written
	Metric    string // p99, service_p99, error_rate, throughput, ...
	Op        string // <, <=, > or >=
	Threshold float64
	Unit      string
}

type sloKind int

const (
	latencyMetric sloKind = iota + 1
	serviceMetric
	errorRateMetric
	throughputMetric
)

// sloMetrics lists the metrics in the order errors name them.
var sloMetrics = []struct {
	name string
	kind sloKind
	pick func(Percentiles) float64
}{
	{"p50", latencyMetric, func(p Percentiles) float64 { return p.P50 }},
	{"p90", latencyMetric, func(p Percentiles) float64 { return p.P90 }},
	{"p99", latencyMetric, func(p Percentiles) float64 { return p.P99 }},
	{"p999", latencyMetric, func(p Percentiles) float64 { return p.P999 }},
	{"min", latencyMetric, func(p Percentiles) float64 { return p.Min }},
	{"max", latencyMetric, func(p Percentiles) float64 { return p.Max }},
	{"mean", latencyMetric, func(p Percentiles) float64 { return p.Mean }},
	{"service_p50", serviceMetric, func(p Percentiles) float64 { return p.P50 }},
	{"service_p90", serviceMetric, func(p Percentiles) float64 { return p.P90 }},
	{"service_p99", serviceMetric, func(p Percentiles) float64 { return p.P99 }},
	{"service_p999", serviceMetric, func(p Percentiles) float64 { return p.P999 }},
	{"service_min", serviceMetric, func(p Percentiles) float64 { return p.Min }},
	{"service_max", serviceMetric, func(p Percentiles) float64 { return p.Max }},
	{"service_mean", serviceMetric, func(p Percentiles) float64 { return p.Mean }},
	{"error_rate", errorRateMetric, nil},
	{"throughput", throughputMetric, nil},
}

const sloWant = `METRIC OP VALUE (e.g. p99<300ms, error_rate<0.1%, throughput>=95%)`

// ParseSLOs parses a --slo expression: comma-separated thresholds
// METRIC OP VALUE, with OP one of <, <=, >, >=.
//
//   - p50 p90 p99 p999 min max mean: latency from the intended send time,
//     a duration with a unit us, µs, ms or s (300ms, 0.3s);
//   - service_p50 ... service_mean: the same for the service time (from
//     the actual send);
//   - error_rate: a percentage (0.1%) or a fraction (0.001);
//   - throughput: a percentage of the target rate (95%; open model only,
//     see ValidateSLOs) or an absolute rate (180/s or 180rps).
//
// Errors are *ParseError naming the item and its column. Turning a parse
// error into exit status 2 is the caller's job.
func ParseSLOs(expr string) ([]SLO, error) {
	if strings.TrimSpace(expr) == "" {
		return nil, &ParseError{What: "slo", Reason: "empty", Want: sloWant}
	}
	items, cols := splitItems(expr)
	out := make([]SLO, 0, len(items))
	for i, item := range items {
		s, reason := parseSLO(item)
		if reason != "" {
			return nil, &ParseError{What: "slo", Item: item, Index: i + 1, Column: cols[i], Reason: reason, Want: sloWant}
		}
		out = append(out, s)
	}
	return out, nil
}

func parseSLO(item string) (SLO, string) {
	if item == "" {
		return SLO{}, "empty item"
	}
	n := 0
	for n < len(item) && (item[n] == '_' || item[n] >= 'a' && item[n] <= 'z' || item[n] >= 'A' && item[n] <= 'Z' || item[n] >= '0' && item[n] <= '9') {
		n++
	}
	metric := strings.ToLower(item[:n])
	kind := sloKind(0)
	for _, m := range sloMetrics {
		if m.name == metric {
			kind = m.kind
		}
	}
	if kind == 0 {
		names := make([]string, len(sloMetrics))
		for i, m := range sloMetrics {
			names[i] = m.name
		}
		return SLO{}, fmt.Sprintf("unknown metric %q (known: %s)", metric, strings.Join(names, ", "))
	}
	rest := strings.TrimSpace(item[n:])
	var op string
	for _, o := range []string{"<=", ">=", "<", ">"} {
		if strings.HasPrefix(rest, o) {
			op = o
			break
		}
	}
	if op == "" {
		return SLO{}, "no comparison: want one of <, <=, >, >= after the metric"
	}
	value := strings.TrimSpace(rest[len(op):])
	s := SLO{Expr: item, Metric: metric, Op: op}
	var reason string
	switch kind {
	case latencyMetric, serviceMetric:
		s.Unit = "ms"
		s.Threshold, reason = parseLatencyMS(value)
	case errorRateMetric:
		s.Unit = "%"
		s.Threshold, reason = parseErrorRate(value)
	case throughputMetric:
		s.Threshold, s.Unit, reason = parseThroughput(value)
	}
	if reason != "" {
		return SLO{}, reason
	}
	return s, ""
}

// parseNumber parses a finite number ≥ 0.
func parseNumber(s string) (float64, bool) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
		return 0, false
	}
	return f, true
}

func parseLatencyMS(v string) (float64, string) {
	bad := fmt.Sprintf("value %q is not a duration with a unit us, µs, ms or s (e.g. 300ms)", v)
	for _, u := range []struct {
		suffix string
		ms     float64
	}{{"µs", 1e-3}, {"us", 1e-3}, {"ms", 1}, {"s", 1e3}} {
		if num, ok := strings.CutSuffix(v, u.suffix); ok {
			f, ok := parseNumber(strings.TrimSpace(num))
			if !ok {
				return 0, bad
			}
			return f * u.ms, ""
		}
	}
	if _, ok := parseNumber(v); ok {
		return 0, fmt.Sprintf("value %q has no unit: write us, µs, ms or s (e.g. %sms)", v, v)
	}
	return 0, bad
}

func parseErrorRate(v string) (float64, string) {
	if num, ok := strings.CutSuffix(v, "%"); ok {
		f, ok := parseNumber(strings.TrimSpace(num))
		if !ok || f > 100 {
			return 0, fmt.Sprintf("value %q is not a percentage from 0%% to 100%%", v)
		}
		return f, ""
	}
	f, ok := parseNumber(v)
	switch {
	case !ok:
		return 0, fmt.Sprintf("value %q is not a percentage (0.1%%) or a fraction (0.001)", v)
	case f > 1:
		return 0, fmt.Sprintf("value %q is more than 1 for a fraction: for a percentage write %s%%", v, v)
	}
	return f * 100, ""
}

func parseThroughput(v string) (float64, string, string) {
	if num, ok := strings.CutSuffix(v, "%"); ok {
		f, ok := parseNumber(strings.TrimSpace(num))
		if !ok {
			return 0, "", fmt.Sprintf("value %q is not a percentage of the target rate (e.g. 95%%)", v)
		}
		return f, "%", ""
	}
	for _, suffix := range []string{"/s", "rps"} {
		if num, ok := strings.CutSuffix(v, suffix); ok {
			f, ok := parseNumber(strings.TrimSpace(num))
			if !ok {
				return 0, "", fmt.Sprintf("value %q is not a rate (e.g. 180/s)", v)
			}
			return f, "rps", ""
		}
	}
	return 0, "", fmt.Sprintf("value %q is neither a percentage of the target rate (95%%) nor a rate (180/s or 180rps)", v)
}

// ValidateSLOs reports the thresholds that cannot be evaluated in model
// (Open or Closed): a throughput in percent of the target rate needs a
// target rate, which the closed model does not have. Call it before the
// run so that such an expression fails like a parse error (exit status 2).
func ValidateSLOs(slos []SLO, model string) error {
	if model != Closed {
		return nil
	}
	for _, s := range slos {
		if s.Metric == "throughput" && s.Unit == "%" {
			return fmt.Errorf("runner: slo %q: the closed model has no target rate to compare with; use an absolute rate (e.g. throughput>=180/s)", s.Expr)
		}
	}
	return nil
}

// Evaluate compares each threshold with the observed value in r.Summary,
// in the threshold's unit: latencies from LatencyMS (from the intended send
// time) or ServiceTimeMS, error_rate from ErrorRate (a fraction, reported
// in percent), throughput from ThroughputRPS, in percent of TargetRPS or
// absolute.
//
// A threshold that cannot be evaluated fails, with Observed 0: every
// threshold when r is nil or no request completed (nothing observed must
// not pass an SLO), a throughput in percent when TargetRPS is 0 (closed
// model; see ValidateSLOs), and any observed value that is not finite.
// Values within 1e-9 (relative) of the threshold count as equal to it.
func Evaluate(slos []SLO, r *Result) []SLOResult {
	out := make([]SLOResult, 0, len(slos))
	for _, s := range slos {
		obs, ok := observe(s, r)
		if !ok || math.IsNaN(obs) || math.IsInf(obs, 0) {
			out = append(out, SLOResult{Expr: s.Expr, Unit: s.Unit, Note: unevaluable(s, r)})
			continue
		}
		out = append(out, SLOResult{Expr: s.Expr, Observed: obs, Unit: s.Unit, Pass: holds(s.Op, obs, s.Threshold)})
	}
	return out
}

// unevaluable says why a threshold could not be evaluated.
func unevaluable(s SLO, r *Result) string {
	switch {
	case r == nil || r.Summary.Requests <= 0:
		return "no request completed: nothing to judge, so the threshold fails"
	case s.Metric == "throughput" && r.Summary.TargetRPS <= 0:
		return "no target rate (closed model): give throughput as an absolute rate, e.g. throughput>=180/s"
	}
	return "the observed value is not a finite number"
}

// observe returns the value s is about, in s.Unit; ok is false when it
// cannot be evaluated.
func observe(s SLO, r *Result) (float64, bool) {
	if r == nil || r.Summary.Requests <= 0 {
		return 0, false
	}
	sum := r.Summary
	switch s.Metric {
	case "error_rate":
		return sum.ErrorRate * 100, true
	case "throughput":
		if s.Unit == "rps" {
			return sum.ThroughputRPS, true
		}
		if sum.TargetRPS <= 0 {
			return 0, false
		}
		return sum.ThroughputRPS / sum.TargetRPS * 100, true
	}
	for _, m := range sloMetrics {
		if m.name != s.Metric {
			continue
		}
		switch m.kind {
		case latencyMetric:
			return m.pick(sum.LatencyMS), true
		case serviceMetric:
			return m.pick(sum.ServiceTimeMS), true
		}
	}
	return 0, false
}

// holds says whether observed op threshold, with a small tolerance so that
// 1 error in 1000 meets error_rate<=0.1% despite floating point.
func holds(op string, observed, threshold float64) bool {
	tol := 1e-9 * max(1, math.Abs(threshold))
	switch op {
	case "<":
		return observed < threshold-tol
	case "<=":
		return observed <= threshold+tol
	case ">":
		return observed > threshold+tol
	case ">=":
		return observed >= threshold-tol
	}
	return false
}

// Breached says whether any threshold failed.
func Breached(rs []SLOResult) bool {
	for _, r := range rs {
		if !r.Pass {
			return true
		}
	}
	return false
}

package results

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/tokenbench/tokenbench/internal/items"
)

// SLO is one threshold of an SLO expression, e.g. "p99<300ms": a metric
// (see Metrics), an operator and a threshold in Unit, the metric's unit,
// except for a throughput given in percent of the target rate (Unit
// Percent; see OfTarget).
type SLO struct {
	Expr      string  `json:"expr"` // the item as written
	Metric    string  `json:"metric"`
	Op        string  `json:"op"` // <, <=, > or >=
	Threshold float64 `json:"threshold"`
	Unit      Unit    `json:"unit"`
}

// OfTarget says whether s judges the throughput in percent of the target
// rate.
func (s SLO) OfTarget() bool { return s.Metric == "throughput" && s.Unit == Percent }

// SLOResult is one evaluated threshold: the SLO, what was observed in its
// unit, and the verdict.
type SLOResult struct {
	SLO
	Observed float64 `json:"observed"`
	Pass     bool    `json:"pass"`
	Note     string  `json:"note,omitempty"` // why it could not be evaluated
}

// UnmarshalJSON reads an SLO result; one written before the metric,
// operator and threshold were stored has them read from its expression.
func (r *SLOResult) UnmarshalJSON(b []byte) error {
	type plain SLOResult
	var v plain
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*r = SLOResult(v)
	if r.Metric == "" && r.Expr != "" {
		if s, reason := parseSLO(r.Expr); reason == "" {
			r.Metric, r.Op, r.Threshold = s.Metric, s.Op, s.Threshold
		}
	}
	return nil
}

const sloWant = `METRIC OP VALUE (e.g. p99<300ms, error_rate<0.1%, throughput>=95%)`

// ParseSLOs parses an SLO expression: comma-separated thresholds
// METRIC OP VALUE, with OP one of <, <=, >, >=, and VALUE in the metric's
// unit (see Metrics):
//
//   - latency and service time metrics (p99, service_p99, ...): a duration
//     with a unit us, µs, ms or s (300ms, 0.3s);
//   - error_rate and late: a percentage (0.1%) or a fraction (0.001);
//   - throughput: a percentage of the target rate (95%; open model only,
//     see ValidateSLOs) or an absolute rate (180/s or 180rps).
//
// Errors are *items.Error naming the item and its column.
func ParseSLOs(expr string) ([]SLO, error) {
	if strings.TrimSpace(expr) == "" {
		return nil, &items.Error{What: "slo", Reason: "empty", Want: sloWant}
	}
	its := items.Split(expr)
	out := make([]SLO, 0, len(its))
	for _, it := range its {
		s, reason := parseSLO(it.Text)
		if reason != "" {
			return nil, items.At("slo", it, reason, sloWant)
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
	m, ok := LookupMetric(strings.ToLower(item[:n]))
	if !ok {
		return SLO{}, fmt.Sprintf("unknown metric %q (known: %s)", strings.ToLower(item[:n]), MetricNames())
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
	s := SLO{Expr: item, Metric: m.Name, Op: op, Unit: m.Unit}
	var reason string
	switch m.Unit {
	case MS:
		s.Threshold, reason = parseLatencyMS(value)
	case Percent:
		s.Threshold, reason = parseShare(value)
	case PerSecond:
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

// parseShare parses a percentage or a fraction into percent.
func parseShare(v string) (float64, string) {
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

func parseThroughput(v string) (float64, Unit, string) {
	if num, ok := strings.CutSuffix(v, "%"); ok {
		f, ok := parseNumber(strings.TrimSpace(num))
		if !ok {
			return 0, "", fmt.Sprintf("value %q is not a percentage of the target rate (e.g. 95%%)", v)
		}
		return f, Percent, ""
	}
	for _, suffix := range []string{"/s", "rps"} {
		if num, ok := strings.CutSuffix(v, suffix); ok {
			f, ok := parseNumber(strings.TrimSpace(num))
			if !ok {
				return 0, "", fmt.Sprintf("value %q is not a rate (e.g. 180/s)", v)
			}
			return f, PerSecond, ""
		}
	}
	return 0, "", fmt.Sprintf("value %q is neither a percentage of the target rate (95%%) nor a rate (180/s or 180rps)", v)
}

// ValidateSLOs reports the thresholds that cannot be evaluated in model
// (Open or Closed): a throughput in percent of the target rate needs a
// target rate, which the closed model does not have. Call it before the
// run, so that such an expression fails like a parse error.
func ValidateSLOs(slos []SLO, model string) error {
	if model != Closed {
		return nil
	}
	for _, s := range slos {
		if s.OfTarget() {
			return fmt.Errorf("slo %q: the closed model has no target rate to compare with; use an absolute rate (e.g. throughput>=180/s)", s.Expr)
		}
	}
	return nil
}

// Evaluate compares each threshold with the observed value in r.Summary,
// in the threshold's unit (see Metric.Value); a throughput in percent is
// the achieved share of TargetRPS.
//
// A threshold that cannot be evaluated fails, with Observed 0: every
// threshold when r is nil or no request completed (nothing observed must
// not pass an SLO), a throughput in percent when TargetRPS is 0 (closed
// model; see ValidateSLOs), and any observed value that is not finite.
// Values within 1e-9 (relative) of the threshold count as equal to it.
func Evaluate(slos []SLO, r *Load) []SLOResult {
	out := make([]SLOResult, 0, len(slos))
	for _, s := range slos {
		obs, ok := observe(s, r)
		if !ok || math.IsNaN(obs) || math.IsInf(obs, 0) {
			out = append(out, SLOResult{SLO: s, Note: unevaluable(s, r)})
			continue
		}
		out = append(out, SLOResult{SLO: s, Observed: obs, Pass: holds(s.Op, obs, s.Threshold)})
	}
	return out
}

// unevaluable says why a threshold could not be evaluated.
func unevaluable(s SLO, r *Load) string {
	switch {
	case r == nil || r.Summary.Requests <= 0:
		return "no request completed: nothing to judge, so the threshold fails"
	case s.OfTarget() && r.Summary.TargetRPS <= 0:
		return "no target rate (closed model): give throughput as an absolute rate, e.g. throughput>=180/s"
	}
	return "the observed value is not a finite number"
}

// observe returns the value s is about, in s.Unit; ok is false when it
// cannot be evaluated.
func observe(s SLO, r *Load) (float64, bool) {
	m, known := LookupMetric(s.Metric)
	if r == nil || r.Summary.Requests <= 0 || !known {
		return 0, false
	}
	v := m.Value(r.Summary)
	if s.OfTarget() {
		if r.Summary.TargetRPS <= 0 {
			return 0, false
		}
		return v / r.Summary.TargetRPS * 100, true
	}
	return v, true
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

package compare

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/tokenbench/tokenbench/reports"
	"github.com/tokenbench/tokenbench/reports/format"
	"github.com/tokenbench/tokenbench/runner/results"
)

// MaxRegression is one item of --max-regression: how much worse Metric may
// get before the comparison fails. Latency figures and throughput are
// limited relatively, in percent (for throughput a drop is worse);
// error_rate and late, which are already percentages, in percentage
// points.
type MaxRegression struct {
	Expr   string  `json:"expr"` // as written, e.g. "p99=10%"
	Metric string  `json:"metric"`
	Limit  float64 `json:"limit"`
	Unit   string  `json:"unit"` // "%" or "pp"
}

// thresholdUnit is how a metric's threshold is given: percentage points
// for a metric in percent, else percent (relative).
func thresholdUnit(m results.Metric) string {
	if m.Unit == results.Percent {
		return "pp"
	}
	return "%"
}

const maxRegressionWant = `METRIC=LIMIT, comma-separated, e.g. "p99=10%,throughput=5%,error_rate=0.05pp"`

// ParseMaxRegression parses --max-regression: comma-separated METRIC=LIMIT
// items, METRIC one of results.Metrics. Latency figures (p99,
// service_p99, ...) and throughput take a relative limit in percent
// ("p99=10%": at most 10% slower; "throughput=5%": at most a 5% drop);
// error_rate and late (the share of requests sent late) take percentage
// points ("error_rate=0.05pp": from 0.10% to 0.15% is the limit). An
// empty string is no threshold. Errors name the item.
func ParseMaxRegression(s string) ([]MaxRegression, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []MaxRegression
	seen := map[string]bool{}
	for i, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		bad := func(format string, args ...any) error {
			return fmt.Errorf("compare: --max-regression item %d %q: %s; want %s", i+1, item, fmt.Sprintf(format, args...), maxRegressionWant)
		}
		name, limit, ok := strings.Cut(item, "=")
		if !ok {
			return nil, bad(`no "="`)
		}
		name, limit = strings.ToLower(strings.TrimSpace(name)), strings.TrimSpace(limit)
		m, known := results.LookupMetric(name)
		switch {
		case !known:
			return nil, bad("unknown figure %q (known: %s)", name, results.MetricNames())
		case seen[name]:
			return nil, bad("%s is given twice", name)
		}
		seen[name] = true
		unit := thresholdUnit(m)
		num, hasUnit := strings.CutSuffix(limit, unit)
		if !hasUnit {
			other := map[string]string{"%": "pp", "pp": "%"}[unit]
			if strings.HasSuffix(limit, other) {
				return nil, bad("%s is limited in %s, not %s", name, map[string]string{"%": "percent (relative)", "pp": "percentage points"}[unit], other)
			}
			return nil, bad("limit %q has no unit: write %s%s", limit, limit, unit)
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			return nil, bad("limit %q is not a number >= 0", limit)
		}
		out = append(out, MaxRegression{Expr: item, Metric: name, Limit: v, Unit: unit})
	}
	return out, nil
}

// FigureDelta is one figure of a load comparison.
type FigureDelta struct {
	Scope    string      `json:"scope"` // "summary" or "stage NAME"
	Metric   string      `json:"metric"`
	Unit     string      `json:"unit"` // of Base and New: ms, rps, %
	Base     float64     `json:"base"`
	New      float64     `json:"new"`
	Change   float64     `json:"change"`       // New − Base, in Unit (percentage points for %)
	Relative float64     `json:"relative_pct"` // (New − Base) / Base, in percent; 0 when Base is 0
	Noise    *NoiseCheck `json:"noise,omitempty"`
	// Threshold is the --max-regression item that applies, Verdict its
	// outcome: Regression, WithinNoise or OK ("" without a threshold).
	Threshold string `json:"threshold,omitempty"`
	Verdict   string `json:"verdict,omitempty"`
}

// Deltas are the figures of a load comparison, in display order.
type Deltas []FigureDelta

// Load compares two load results: every headline figure of the summary
// and of each stage found in both by name (p50, p90, p99 and max latency
// from the intended send time, throughput, error rate, the share of
// requests sent late), and any other figure a threshold names.
//
// A figure regresses when it got worse than its threshold allows and the
// difference is beyond noise, that is beyond what the two sample sizes can
// resolve:
//
//   - latency percentiles: from each side's HDR histogram, the values at
//     ranks n·q ± 2σ, σ = √(n·q·(1−q)) (the binomial spread of the number
//     of samples below the q-quantile); when the two ranges overlap, the
//     change is within noise. So a p99 from 200 samples (σ ≈ 1.4 ranks)
//     spans its 3 or 4 largest values, and one from 100 000 is tight;
//   - max and min: the same with q = 1 − 1/n and 1/n;
//   - mean: |Δ| < 2 standard errors of the difference;
//   - error rate and late share: a two-proportion z-test, |z| < 2;
//   - throughput: in the open model the arrivals are scheduled, so a
//     difference is never noise; in the closed model completions are
//     taken as Poisson counts, |z| < 2.
//
// It does not decide whether two runs are like for like: it notes
// different targets, models, plans and interrupted runs in Notes.
func Load(base, new *results.Load, th []MaxRegression) *Result {
	c := &Result{Schema: Schema, Kind: reports.KindLoad, Thresholds: th, Base: loadSide(base), New: loadSide(new), Notes: loadNotes(base, new)}
	limits := map[string]MaxRegression{}
	for _, t := range th {
		limits[t.Metric] = t
	}
	closed := base.Model == results.Closed && new.Model == results.Closed
	c.Load = deltas("summary", base.Summary, new.Summary, closed, limits)
	for _, sb := range base.Stages {
		for _, sn := range new.Stages {
			if sn.Name == sb.Name {
				c.Load = append(c.Load, deltas("stage "+sb.Name, sb.Summary, sn.Summary, closed, limits)...)
				break
			}
		}
	}
	for _, d := range c.Load {
		if d.Verdict == Regression {
			c.Regressions++
		}
	}
	c.judge()
	return c
}

// deltas compares the headline metrics and those a threshold names.
func deltas(scope string, b, n results.Summary, closed bool, limits map[string]MaxRegression) Deltas {
	var out Deltas
	for _, m := range results.Metrics {
		t, limited := limits[m.Name]
		if !m.Headline && !limited {
			continue
		}
		d := FigureDelta{Scope: scope, Metric: m.Name, Unit: string(m.Unit), Base: m.Value(b), New: m.Value(n), Noise: noise(m, b, n, closed)}
		d.Change = d.New - d.Base
		if d.Base != 0 {
			d.Relative = 100 * d.Change / d.Base
		}
		if limited {
			d.Threshold = t.Expr
			d.Verdict = OK
			if worse(m, d) > t.Limit*(1+1e-9)+1e-12 {
				d.Verdict = Regression
				if d.Noise != nil && d.Noise.Within {
					d.Verdict = WithinNoise
				}
			}
		}
		out = append(out, d)
	}
	return out
}

// worse is how much worse d is, in its threshold's unit (negative when
// better).
func worse(m results.Metric, d FigureDelta) float64 {
	if thresholdUnit(m) == "pp" {
		return m.Worse * d.Change
	}
	if d.Base == 0 {
		if m.Worse*d.Change > 0 {
			return math.Inf(1)
		}
		return 0
	}
	return m.Worse * d.Relative
}

func loadSide(r *results.Load) Side {
	s := r.Summary
	shape := r.Model + " model"
	if r.Config.Stages != "" {
		shape += ", stages " + r.Config.Stages
	} else if s.TargetRPS > 0 {
		shape += fmt.Sprintf(", %s/s", format.Float(s.TargetRPS, 1))
	} else if r.Config.Concurrency > 0 {
		shape += fmt.Sprintf(", %d workers", r.Config.Concurrency)
	}
	sum := fmt.Sprintf("%s, %.1f s, %d requests", shape, r.DurationS, s.Requests)
	switch {
	case r.Interrupted:
		sum += ", INTERRUPTED"
	case r.Aborted != "":
		sum += ", ABORTED"
	}
	return Side{Start: r.Start, Version: r.Tool.Version, TokenEndpoint: r.Target.TokenEndpoint, Profile: r.Profile, Summary: sum, Notices: r.Target.Notices}
}

func loadNotes(b, n *results.Load) []string {
	var notes []string
	if b.Target.TokenEndpoint != n.Target.TokenEndpoint {
		notes = append(notes, fmt.Sprintf("different token endpoints: %s and %s", b.Target.TokenEndpoint, n.Target.TokenEndpoint))
	}
	if b.Model != n.Model {
		notes = append(notes, fmt.Sprintf("different models: %s and %s; latency means something else in each", b.Model, n.Model))
	}
	if bt, nt := b.Summary.TargetRPS, n.Summary.TargetRPS; math.Abs(bt-nt) > 1e-6*max(bt, nt) {
		notes = append(notes, fmt.Sprintf("different target rates: %s/s and %s/s; the figures are not like for like", format.Float(bt, 1), format.Float(nt, 1)))
	}
	if b.Config.Stages != n.Config.Stages {
		notes = append(notes, "different stages: only stages of the same name are compared")
	}
	if b.Config.Validate != n.Config.Validate {
		notes = append(notes, fmt.Sprintf("different validation: %s and %s", format.OrDash(b.Config.Validate), format.OrDash(n.Config.Validate)))
	}
	for _, s := range []struct {
		side string
		r    *results.Load
	}{{"BASE", b}, {"NEW", n}} {
		if s.r.Interrupted {
			notes = append(notes, s.side+" was interrupted")
		}
		if s.r.Aborted != "" {
			notes = append(notes, s.side+" was aborted: "+s.r.Aborted)
		}
	}
	return notes
}

package reports

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/tokenbench/tokenbench/runner"
)

// ComparisonSchema names the version of the comparison JSON (--format json).
const ComparisonSchema = "tokenbench.comparison/v1"

// Kinds of result Compare compares.
const (
	KindLoad        = "load"
	KindConformance = "conformance"
)

// Verdicts of a comparison and of one figure.
const (
	CompareRegression  = "regression"   // worse beyond its threshold and beyond noise; a newly failing row
	CompareWithinNoise = "within noise" // worse beyond its threshold, but within what the samples can resolve
	CompareOK          = "ok"
)

// ErrNotComparable: the two files are not results of the same kind that
// this version reads (a load result and a conformance result, an unknown
// schema, not JSON).
var ErrNotComparable = errors.New("reports: results cannot be compared")

// MaxRegression is one item of --max-regression: how much worse Metric may get
// before the comparison fails. Latency figures and throughput are limited
// relatively, in percent (for throughput a drop is worse); error_rate and
// late, which are already percentages, in percentage points.
type MaxRegression struct {
	Expr   string  `json:"expr"` // as written, e.g. "p99=10%"
	Metric string  `json:"metric"`
	Limit  float64 `json:"limit"`
	Unit   string  `json:"unit"` // "%" or "pp"
}

// cmpFigure is one figure a load comparison shows.
type cmpFigure struct {
	name   string
	unit   string // of the value: ms, rps, %
	thUnit string // of its threshold: % or pp
	worse  float64
	always bool // shown even without a threshold on it
	value  func(runner.Summary) float64
	// noise judges whether base and new differ by more than their samples
	// resolve; nil: not judged.
	noise func(base, new runner.Summary, closed bool) *NoiseCheck
}

func cmpLatency(name string, service bool, q float64, always bool, pick func(runner.Percentiles) float64) cmpFigure {
	dist := func(s runner.Summary) runner.Percentiles {
		if service {
			return s.ServiceTimeMS
		}
		return s.LatencyMS
	}
	return cmpFigure{name: name, unit: "ms", thUnit: "%", worse: 1, always: always,
		value: func(s runner.Summary) float64 { return pick(dist(s)) },
		noise: func(b, n runner.Summary, _ bool) *NoiseCheck {
			if q < 0 {
				return cmpMeanNoise(b, n, service)
			}
			return cmpRankNoise(b, n, service, q)
		}}
}

// cmpFigures are the figures of a load comparison, in display order.
var cmpFigures = []cmpFigure{
	cmpLatency("p50", false, 0.50, true, func(p runner.Percentiles) float64 { return p.P50 }),
	cmpLatency("p90", false, 0.90, true, func(p runner.Percentiles) float64 { return p.P90 }),
	cmpLatency("p99", false, 0.99, true, func(p runner.Percentiles) float64 { return p.P99 }),
	cmpLatency("p999", false, 0.999, false, func(p runner.Percentiles) float64 { return p.P999 }),
	cmpLatency("max", false, 1, true, func(p runner.Percentiles) float64 { return p.Max }),
	cmpLatency("mean", false, -1, false, func(p runner.Percentiles) float64 { return p.Mean }),
	cmpLatency("service_p50", true, 0.50, false, func(p runner.Percentiles) float64 { return p.P50 }),
	cmpLatency("service_p90", true, 0.90, false, func(p runner.Percentiles) float64 { return p.P90 }),
	cmpLatency("service_p99", true, 0.99, false, func(p runner.Percentiles) float64 { return p.P99 }),
	cmpLatency("service_max", true, 1, false, func(p runner.Percentiles) float64 { return p.Max }),
	cmpLatency("service_mean", true, -1, false, func(p runner.Percentiles) float64 { return p.Mean }),
	{name: "throughput", unit: "rps", thUnit: "%", worse: -1, always: true,
		value: func(s runner.Summary) float64 { return s.ThroughputRPS }, noise: cmpThroughputNoise},
	{name: "error_rate", unit: "%", thUnit: "pp", worse: 1, always: true,
		value: func(s runner.Summary) float64 { return 100 * s.ErrorRate },
		noise: func(b, n runner.Summary, _ bool) *NoiseCheck {
			return cmpProportionNoise(b.Errors, b.Requests, n.Errors, n.Requests)
		}},
	{name: "late", unit: "%", thUnit: "pp", worse: 1, always: true,
		value: func(s runner.Summary) float64 { return cmpShare(s.Late, s.Requests) },
		noise: func(b, n runner.Summary, _ bool) *NoiseCheck {
			return cmpProportionNoise(b.Late, b.Requests, n.Late, n.Requests)
		}},
}

func cmpShare(part, whole int64) float64 {
	if whole <= 0 {
		return 0
	}
	return 100 * float64(part) / float64(whole)
}

const maxRegressionWant = `METRIC=LIMIT, comma-separated, e.g. "p99=10%,throughput=5%,error_rate=0.05pp"`

// ParseMaxRegression parses --max-regression: comma-separated METRIC=LIMIT
// items. Latency figures (p50 p90 p99 p999 max mean, service_p50
// service_p90 service_p99 service_max service_mean) and throughput take a
// relative limit in percent ("p99=10%": at most 10% slower; "throughput=5%":
// at most a 5% drop); error_rate and late (the share of requests sent late)
// take percentage points ("error_rate=0.05pp": from 0.10% to 0.15% is the
// limit). An empty string is no threshold. Errors name the item.
func ParseMaxRegression(s string) ([]MaxRegression, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []MaxRegression
	seen := map[string]bool{}
	for i, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		bad := func(format string, args ...any) error {
			return fmt.Errorf("reports: --max-regression item %d %q: %s; want %s", i+1, item, fmt.Sprintf(format, args...), maxRegressionWant)
		}
		name, limit, ok := strings.Cut(item, "=")
		if !ok {
			return nil, bad(`no "="`)
		}
		name, limit = strings.ToLower(strings.TrimSpace(name)), strings.TrimSpace(limit)
		var fig *cmpFigure
		for j := range cmpFigures {
			if cmpFigures[j].name == name {
				fig = &cmpFigures[j]
			}
		}
		if fig == nil {
			names := make([]string, len(cmpFigures))
			for j, f := range cmpFigures {
				names[j] = f.name
			}
			return nil, bad("unknown figure %q (known: %s)", name, strings.Join(names, ", "))
		}
		if seen[name] {
			return nil, bad("%s is given twice", name)
		}
		seen[name] = true
		num, hasUnit := strings.CutSuffix(limit, fig.thUnit)
		if !hasUnit {
			other := map[string]string{"%": "pp", "pp": "%"}[fig.thUnit]
			if strings.HasSuffix(limit, other) {
				return nil, bad("%s is limited in %s, not %s", name, map[string]string{"%": "percent (relative)", "pp": "percentage points"}[fig.thUnit], other)
			}
			return nil, bad("limit %q has no unit: write %s%s", limit, limit, fig.thUnit)
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			return nil, bad("limit %q is not a number >= 0", limit)
		}
		out = append(out, MaxRegression{Expr: item, Metric: name, Limit: v, Unit: fig.thUnit})
	}
	return out, nil
}

// NoiseCheck says whether a difference is within what the sample sizes can
// resolve, and how that was judged.
type NoiseCheck struct {
	// Method: "rank" (percentiles: the values at ranks ±2σ), "mean"
	// (standard errors), "two-proportion" (z-test), "poisson" (counts,
	// closed model) or "none" (not judged; Note says why).
	Method string `json:"method"`
	Within bool   `json:"within"`
	// For "rank": the range of values each side's percentile could take
	// given its sample size, in the figure's unit.
	BaseLow  float64 `json:"base_low,omitempty"`
	BaseHigh float64 `json:"base_high,omitempty"`
	NewLow   float64 `json:"new_low,omitempty"`
	NewHigh  float64 `json:"new_high,omitempty"`
	Z        float64 `json:"z,omitempty"` // for the z-tests
	Note     string  `json:"note,omitempty"`
}

// cmpHist decodes a summary's histogram; nil when there is none.
func cmpHist(s runner.Summary, service bool) *hdr.Histogram {
	if s.HDR == nil {
		return nil
	}
	enc := s.HDR.Latency
	if service {
		enc = s.HDR.Service
	}
	h, err := runner.DecodeHist(enc)
	if err != nil || h.TotalCount() == 0 {
		return nil
	}
	return h
}

// cmpRankRange is the range of values the q-quantile of h's population
// could take given h's sample size: the values at ranks n·q ± 2σ, with
// σ = √(n·q·(1−q)) the binomial standard deviation of the number of samples
// below the true quantile. The maximum (q = 1) is taken as the quantile
// 1 − 1/n: ranks n−3 .. n.
func cmpRankRange(h *hdr.Histogram, q float64) (lo, hi float64) {
	n := float64(h.TotalCount())
	if q >= 1 {
		q = 1 - 1/n
	}
	sigma := math.Sqrt(n * q * (1 - q))
	rlo := math.Max(1, math.Floor(n*q-2*sigma))
	rhi := math.Min(n, math.Max(1, math.Ceil(n*q+2*sigma)))
	at := func(rank float64) float64 { return float64(h.ValueAtPercentile(100*rank/n)) / 1000 }
	return at(rlo), at(rhi)
}

func cmpRankNoise(b, n runner.Summary, service bool, q float64) *NoiseCheck {
	hb, hn := cmpHist(b, service), cmpHist(n, service)
	if hb == nil || hn == nil {
		return &NoiseCheck{Method: "none", Note: "no histogram (hdr) on one side: not judged for noise"}
	}
	bl, bh := cmpRankRange(hb, q)
	nl, nh := cmpRankRange(hn, q)
	return &NoiseCheck{Method: "rank", Within: nl <= bh && bl <= nh, BaseLow: bl, BaseHigh: bh, NewLow: nl, NewHigh: nh}
}

func cmpMeanNoise(b, n runner.Summary, service bool) *NoiseCheck {
	hb, hn := cmpHist(b, service), cmpHist(n, service)
	if hb == nil || hn == nil {
		return &NoiseCheck{Method: "none", Note: "no histogram (hdr) on one side: not judged for noise"}
	}
	se := math.Sqrt(hb.StdDev()*hb.StdDev()/float64(hb.TotalCount()) + hn.StdDev()*hn.StdDev()/float64(hn.TotalCount()))
	diff := (hn.Mean() - hb.Mean()) / 1000
	if se == 0 {
		return &NoiseCheck{Method: "mean", Within: diff == 0}
	}
	z := diff / (se / 1000)
	return &NoiseCheck{Method: "mean", Within: math.Abs(z) < 2, Z: z}
}

// cmpProportionNoise is the two-proportion z-test of xb/nb against xn/nn.
func cmpProportionNoise(xb, nb, xn, nn int64) *NoiseCheck {
	if nb <= 0 || nn <= 0 {
		return &NoiseCheck{Method: "none", Note: "no requests on one side"}
	}
	pb, pn := float64(xb)/float64(nb), float64(xn)/float64(nn)
	p := float64(xb+xn) / float64(nb+nn)
	se := math.Sqrt(p * (1 - p) * (1/float64(nb) + 1/float64(nn)))
	if se == 0 {
		return &NoiseCheck{Method: "two-proportion", Within: pb == pn}
	}
	z := (pn - pb) / se
	return &NoiseCheck{Method: "two-proportion", Within: math.Abs(z) < 2, Z: z}
}

// cmpThroughputNoise: in the open model arrivals are scheduled, not
// sampled, so a throughput difference is not noise; in the closed model the
// completions are taken as Poisson counts.
func cmpThroughputNoise(b, n runner.Summary, closed bool) *NoiseCheck {
	if !closed {
		return &NoiseCheck{Method: "none", Note: "open model: arrivals are scheduled, not sampled; a difference is not noise"}
	}
	if b.Requests <= 0 || n.Requests <= 0 {
		return &NoiseCheck{Method: "none", Note: "no requests on one side"}
	}
	se := math.Sqrt(b.ThroughputRPS*b.ThroughputRPS/float64(b.Requests) + n.ThroughputRPS*n.ThroughputRPS/float64(n.Requests))
	if se == 0 {
		return &NoiseCheck{Method: "poisson", Within: b.ThroughputRPS == n.ThroughputRPS}
	}
	z := (n.ThroughputRPS - b.ThroughputRPS) / se
	return &NoiseCheck{Method: "poisson", Within: math.Abs(z) < 2, Z: z}
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
	// outcome: regression, within noise or ok ("" without a threshold).
	Threshold string `json:"threshold,omitempty"`
	Verdict   string `json:"verdict,omitempty"`
}

// ComparedResult describes one of the two results compared.
type ComparedResult struct {
	Source        string    `json:"source,omitempty"` // the file, when the caller says
	Start         time.Time `json:"start"`
	Version       string    `json:"version,omitempty"`
	TokenEndpoint string    `json:"token_endpoint,omitempty"`
	Profile       string    `json:"profile,omitempty"`
	Summary       string    `json:"summary"` // one line: the run's shape and size, or its verdict
}

// RowChange is a conformance row whose status differs between the results.
type RowChange struct {
	ID     string `json:"id"`
	Entry  string `json:"entry,omitempty"`
	Text   string `json:"text,omitempty"`
	Level  string `json:"level,omitempty"`
	Base   string `json:"base"` // the status; "" when BASE has no such row
	New    string `json:"new"`  // "" when NEW has no such row
	Change string `json:"change"`
	// Message is NEW's failure, warning or skip text (BASE's when the row
	// is gone).
	Message string `json:"message,omitempty"`
}

// Row changes.
const (
	ChangeNewFailure = "new failure" // NEW fails a row BASE did not fail (or did not have)
	ChangeFixed      = "fixed"       // BASE failed, NEW passes
	ChangeOther      = "changed"     // any other change of status
)

// ConformanceChanges are the rows whose verdict changed, new failures
// first, then fixed rows, then the other changes.
type ConformanceChanges struct {
	BaseVerdict      string         `json:"base_verdict"`
	NewVerdict       string         `json:"new_verdict"`
	NewFailures      []RowChange    `json:"new_failures"`
	Fixed            []RowChange    `json:"fixed"`
	Other            []RowChange    `json:"other"`
	NewSuiteFailures []SuiteFailure `json:"new_suite_failures,omitempty"`
	Unchanged        int            `json:"unchanged"`
	StillFailing     int            `json:"still_failing"` // of the unchanged rows
}

// Comparison is the outcome of comparing two results of one kind: BASE
// (e.g. last night's) and NEW. It is the --format json schema
// (ComparisonSchema).
type Comparison struct {
	Schema      string              `json:"schema"`
	Kind        string              `json:"kind"` // KindLoad or KindConformance
	Base        ComparedResult      `json:"base"`
	New         ComparedResult      `json:"new"`
	Thresholds  []MaxRegression     `json:"thresholds,omitempty"`
	Notes       []string            `json:"notes,omitempty"` // what makes the two less comparable
	Load        []FigureDelta       `json:"load,omitempty"`
	Conformance *ConformanceChanges `json:"conformance,omitempty"`
	// Regressions counts the figures that crossed their threshold beyond
	// noise, or the rows (and suite failures) that newly fail.
	Regressions int    `json:"regressions"`
	Verdict     string `json:"verdict"` // CompareRegression or CompareOK
}

// ExitCode is 1 for a regression, else 0. (2, bad input, is the caller's.)
func (c *Comparison) ExitCode() int {
	if c.Regressions > 0 {
		return 1
	}
	return 0
}

// Compare reads two JSON results of the same kind, load.json
// (runner.LoadSchema) or conformance.json (ConformanceSchema), and compares
// them: see CompareLoad and CompareConformance. Thresholds apply to load
// results only. Errors match ErrNotComparable.
func Compare(base, new []byte, th []MaxRegression) (*Comparison, error) {
	kb, err := cmpKind("BASE", base)
	if err != nil {
		return nil, err
	}
	kn, err := cmpKind("NEW", new)
	if err != nil {
		return nil, err
	}
	if kb != kn {
		return nil, fmt.Errorf("reports: %w: BASE is a %s result and NEW a %s result", ErrNotComparable, kb, kn)
	}
	if kb == KindConformance {
		var b, n Conformance
		if err := cmpDecode("BASE", base, &b); err != nil {
			return nil, err
		}
		if err := cmpDecode("NEW", new, &n); err != nil {
			return nil, err
		}
		c := CompareConformance(&b, &n)
		if len(th) > 0 {
			c.Notes = append(c.Notes, "--max-regression applies to load results; ignored for conformance results")
		}
		return c, nil
	}
	var b, n runner.Result
	if err := cmpDecode("BASE", base, &b); err != nil {
		return nil, err
	}
	if err := cmpDecode("NEW", new, &n); err != nil {
		return nil, err
	}
	return CompareLoad(&b, &n, th), nil
}

func cmpKind(side string, data []byte) (string, error) {
	var head struct {
		Schema string `json:"schema"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return "", fmt.Errorf("reports: %w: %s is not a JSON result: %v", ErrNotComparable, side, err)
	}
	switch head.Schema {
	case runner.LoadSchema:
		return KindLoad, nil
	case ConformanceSchema:
		return KindConformance, nil
	}
	return "", fmt.Errorf("reports: %w: %s has schema %q; want %q (load.json) or %q (conformance.json)", ErrNotComparable, side, head.Schema, runner.LoadSchema, ConformanceSchema)
}

func cmpDecode(side string, data []byte, v any) error {
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("reports: %w: %s: %v", ErrNotComparable, side, err)
	}
	return nil
}

// CompareLoad compares two load results: every headline figure of the
// summary and of each stage found in both by name (p50, p90, p99 and max
// latency from the intended send time, throughput, error rate, the share
// of requests sent late, and any other figure a threshold names).
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
//   - max: the same with q = 1 − 1/n (the 3 largest values);
//   - mean: |Δ| < 2 standard errors of the difference;
//   - error rate and late share: a two-proportion z-test, |z| < 2;
//   - throughput: in the open model the arrivals are scheduled, so a
//     difference is never noise; in the closed model completions are
//     taken as Poisson counts, |z| < 2.
//
// It does not decide whether two runs are like for like: it notes
// different targets, models, plans and interrupted runs in Notes.
func CompareLoad(base, new *runner.Result, th []MaxRegression) *Comparison {
	c := &Comparison{Schema: ComparisonSchema, Kind: KindLoad, Thresholds: th,
		Base: cmpLoadSide(base), New: cmpLoadSide(new)}
	c.Notes = cmpLoadNotes(base, new)
	limits := map[string]MaxRegression{}
	for _, t := range th {
		limits[t.Metric] = t
	}
	closed := base.Model == runner.Closed && new.Model == runner.Closed
	c.Load = cmpDeltas("summary", base.Summary, new.Summary, closed, limits)
	for _, sb := range base.Stages {
		for _, sn := range new.Stages {
			if sn.Name == sb.Name {
				c.Load = append(c.Load, cmpDeltas("stage "+sb.Name, sb.Summary, sn.Summary, closed, limits)...)
				break
			}
		}
	}
	for _, d := range c.Load {
		if d.Verdict == CompareRegression {
			c.Regressions++
		}
	}
	c.Verdict = CompareOK
	if c.Regressions > 0 {
		c.Verdict = CompareRegression
	}
	return c
}

func cmpDeltas(scope string, b, n runner.Summary, closed bool, limits map[string]MaxRegression) []FigureDelta {
	var out []FigureDelta
	for _, f := range cmpFigures {
		t, limited := limits[f.name]
		if !f.always && !limited {
			continue
		}
		d := FigureDelta{Scope: scope, Metric: f.name, Unit: f.unit, Base: f.value(b), New: f.value(n)}
		d.Change = d.New - d.Base
		if d.Base != 0 {
			d.Relative = 100 * d.Change / d.Base
		}
		if f.noise != nil {
			d.Noise = f.noise(b, n, closed)
		}
		if limited {
			d.Threshold = t.Expr
			d.Verdict = CompareOK
			if cmpWorse(f, d) > t.Limit*(1+1e-9)+1e-12 {
				d.Verdict = CompareRegression
				if d.Noise != nil && d.Noise.Within {
					d.Verdict = CompareWithinNoise
				}
			}
		}
		out = append(out, d)
	}
	return out
}

// cmpWorse is how much worse d is, in its threshold's unit (negative when
// better).
func cmpWorse(f cmpFigure, d FigureDelta) float64 {
	if f.thUnit == "pp" {
		return f.worse * d.Change
	}
	if d.Base == 0 {
		if f.worse*d.Change > 0 {
			return math.Inf(1)
		}
		return 0
	}
	return f.worse * d.Relative
}

func cmpLoadSide(r *runner.Result) ComparedResult {
	s := r.Summary
	shape := r.Model + " model"
	if r.Config.Stages != "" {
		shape += ", stages " + r.Config.Stages
	} else if s.TargetRPS > 0 {
		shape += fmt.Sprintf(", %s/s", cmpNum(s.TargetRPS, 1))
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
	return ComparedResult{Start: r.Start, Version: r.Tool.Version, TokenEndpoint: r.Target.TokenEndpoint, Profile: r.Profile, Summary: sum}
}

func cmpLoadNotes(b, n *runner.Result) []string {
	var notes []string
	if b.Target.TokenEndpoint != n.Target.TokenEndpoint {
		notes = append(notes, fmt.Sprintf("different token endpoints: %s and %s", b.Target.TokenEndpoint, n.Target.TokenEndpoint))
	}
	if b.Model != n.Model {
		notes = append(notes, fmt.Sprintf("different models: %s and %s; latency means something else in each", b.Model, n.Model))
	}
	if bt, nt := b.Summary.TargetRPS, n.Summary.TargetRPS; math.Abs(bt-nt) > 1e-6*max(bt, nt) {
		notes = append(notes, fmt.Sprintf("different target rates: %s/s and %s/s; the figures are not like for like", cmpNum(bt, 1), cmpNum(nt, 1)))
	}
	if b.Config.Stages != n.Config.Stages {
		notes = append(notes, "different stages: only stages of the same name are compared")
	}
	if b.Config.Validate != n.Config.Validate {
		notes = append(notes, fmt.Sprintf("different validation: %s and %s", orDash(b.Config.Validate), orDash(n.Config.Validate)))
	}
	for _, s := range []struct {
		side string
		r    *runner.Result
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

// CompareConformance compares two conformance results row by row (a row
// is its ID and table entry): rows whose status changed, new failures
// first (NEW fails a row BASE passed, skipped, or did not have), then
// fixed rows (BASE failed, NEW passes), then the other changes (a new
// warning, a row no longer run, a known deviation that now passes...). A
// newly failing row, or a suite failure BASE did not have, is a regression.
func CompareConformance(base, new *Conformance) *Comparison {
	c := &Comparison{Schema: ComparisonSchema, Kind: KindConformance,
		Base: cmpConfSide(base), New: cmpConfSide(new)}
	ch := &ConformanceChanges{BaseVerdict: base.Verdict, NewVerdict: new.Verdict,
		NewFailures: []RowChange{}, Fixed: []RowChange{}, Other: []RowChange{}}
	c.Conformance = ch
	if base.Target.TokenEndpoint != new.Target.TokenEndpoint {
		c.Notes = append(c.Notes, fmt.Sprintf("different token endpoints: %s and %s", base.Target.TokenEndpoint, new.Target.TokenEndpoint))
	}
	if base.Profile.Name != new.Profile.Name {
		c.Notes = append(c.Notes, fmt.Sprintf("different profiles: %s and %s", base.Profile.Name, new.Profile.Name))
	}
	if base.LabelFilter != new.LabelFilter {
		c.Notes = append(c.Notes, fmt.Sprintf("different label filters: %q and %q", base.LabelFilter, new.LabelFilter))
	}
	if new.Interrupted {
		c.Notes = append(c.Notes, "NEW was interrupted: "+new.InterruptReason)
	}

	key := func(r Row) string { return r.ID + "\x00" + r.Entry }
	baseRows := map[string]*Row{}
	for i := range base.Rows {
		if _, dup := baseRows[key(base.Rows[i])]; !dup {
			baseRows[key(base.Rows[i])] = &base.Rows[i]
		}
	}
	inNew := map[string]bool{}
	for i := range new.Rows {
		n := &new.Rows[i]
		k := key(*n)
		if inNew[k] {
			continue
		}
		inNew[k] = true
		b := baseRows[k]
		bs := ""
		if b != nil {
			bs = b.Status
		}
		rc := RowChange{ID: n.ID, Entry: n.Entry, Text: n.Text, Level: n.Level, Base: bs, New: n.Status, Message: n.Message}
		switch {
		case bs == n.Status:
			ch.Unchanged++
			if n.Status == StatusFail {
				ch.StillFailing++
			}
		case n.Status == StatusFail:
			rc.Change = ChangeNewFailure
			ch.NewFailures = append(ch.NewFailures, rc)
		case bs == StatusFail && n.Status == StatusPass:
			rc.Change = ChangeFixed
			ch.Fixed = append(ch.Fixed, rc)
		default:
			rc.Change = ChangeOther
			ch.Other = append(ch.Other, rc)
		}
	}
	for _, b := range base.Rows {
		if !inNew[key(b)] {
			inNew[key(b)] = true // once
			ch.Other = append(ch.Other, RowChange{ID: b.ID, Entry: b.Entry, Text: b.Text, Level: b.Level, Base: b.Status, Change: ChangeOther, Message: b.Message})
		}
	}
	had := map[string]bool{}
	for _, f := range base.SuiteFailures {
		had[f.Node+"\x00"+f.Message] = true
	}
	for _, f := range new.SuiteFailures {
		if !had[f.Node+"\x00"+f.Message] {
			ch.NewSuiteFailures = append(ch.NewSuiteFailures, f)
		}
	}
	c.Regressions = len(ch.NewFailures) + len(ch.NewSuiteFailures)
	c.Verdict = CompareOK
	if c.Regressions > 0 {
		c.Verdict = CompareRegression
	}
	return c
}

func cmpConfSide(r *Conformance) ComparedResult {
	s := r.Summary
	sum := fmt.Sprintf("verdict %s, %d rows: %d passed, %d failed, %d warnings, %d known, %d skipped",
		strings.ToUpper(r.Verdict), s.Total, s.Pass, s.Fail, s.Warning, s.Known, s.Skipped)
	return ComparedResult{Start: r.Start, Version: r.Tool.Version, TokenEndpoint: r.Target.TokenEndpoint, Profile: r.Profile.Name, Summary: sum}
}

// WriteJSON writes c as indented JSON.
func (c *Comparison) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(c)
}

// cmpNum formats f with up to prec decimals, no trailing zeros.
func cmpNum(f float64, prec int) string {
	s := strconv.FormatFloat(f, 'f', prec, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// cmpValue formats a figure's value with its unit.
func cmpValue(v float64, unit string) string {
	switch unit {
	case "ms":
		return fmt.Sprintf("%.2f ms", v)
	case "rps":
		return fmt.Sprintf("%.1f/s", v)
	case "%":
		return fmt.Sprintf("%.3f%%", v)
	}
	return cmpNum(v, 3)
}

// cmpChange formats a delta's change: "+1.20 ms (+6.0%)", "-0.050 pp".
func cmpChange(d FigureDelta) string {
	var s string
	switch d.Unit {
	case "ms":
		s = fmt.Sprintf("%+.2f ms", d.Change)
	case "rps":
		s = fmt.Sprintf("%+.1f/s", d.Change)
	case "%":
		return fmt.Sprintf("%+.3f pp", d.Change)
	}
	switch {
	case d.Base != 0:
		s += fmt.Sprintf(" (%+.1f%%)", d.Relative)
	case d.Change != 0:
		s += " (from 0)"
	}
	return s
}

// cmpNoiseText is a delta's noise column.
func cmpNoiseText(d FigureDelta) string {
	n := d.Noise
	switch {
	case n == nil || n.Method == "none":
		return "-"
	case d.Change == 0:
		return "same"
	case n.Within:
		return "within noise"
	}
	return "beyond noise"
}

// cmpNoiseDetail explains a rank judgement: "p99 could be 18.20..25.10 ms vs 19.00..26.30 ms".
func cmpNoiseDetail(d FigureDelta) string {
	n := d.Noise
	if n == nil {
		return ""
	}
	switch n.Method {
	case "rank":
		return fmt.Sprintf("±2σ ranks: %.2f..%.2f vs %.2f..%.2f ms", n.BaseLow, n.BaseHigh, n.NewLow, n.NewHigh)
	case "mean", "two-proportion", "poisson":
		return fmt.Sprintf("z = %.2f", n.Z)
	}
	return n.Note
}

func cmpVerdictText(d FigureDelta) string {
	switch d.Verdict {
	case CompareRegression:
		return "REGRESSION (" + d.Threshold + ")"
	case CompareWithinNoise:
		return "within noise (" + d.Threshold + ")"
	case CompareOK:
		return "ok (" + d.Threshold + ")"
	}
	return ""
}

func cmpThresholdsText(th []MaxRegression) string {
	if len(th) == 0 {
		return "none given (--max-regression): deltas only"
	}
	parts := make([]string, len(th))
	for i, t := range th {
		parts[i] = t.Expr
	}
	return strings.Join(parts, ", ")
}

func cmpSideText(s ComparedResult) string {
	out := ""
	if s.Source != "" {
		out = s.Source + ": "
	}
	if !s.Start.IsZero() {
		out += s.Start.UTC().Format("2006-01-02 15:04:05 UTC") + ", "
	}
	out += s.Summary
	if s.Version != "" {
		out += ", tokenbench " + s.Version
	}
	return out
}

// cmpVerdictLine is the closing verdict in words.
func (c *Comparison) cmpVerdictLine() string {
	if c.Kind == KindConformance {
		ch := c.Conformance
		if c.Regressions > 0 {
			return fmt.Sprintf("REGRESSION: %s newly fail%s", cmpPlural(len(ch.NewFailures), "row"), cmpSuiteText(len(ch.NewSuiteFailures)))
		}
		return fmt.Sprintf("OK: no row newly fails (%d fixed, %d other changes)", len(ch.Fixed), len(ch.Other))
	}
	var worse, noise []string
	for _, d := range c.Load {
		name := d.Scope + " " + d.Metric
		if d.Scope == "summary" {
			name = d.Metric
		}
		switch d.Verdict {
		case CompareRegression:
			worse = append(worse, fmt.Sprintf("%s %s", name, cmpChange(d)))
		case CompareWithinNoise:
			noise = append(noise, name)
		}
	}
	if len(worse) > 0 {
		return fmt.Sprintf("REGRESSION: %s beyond --max-regression and beyond noise: %s", cmpPlural(len(worse), "figure"), strings.Join(worse, "; "))
	}
	switch {
	case len(c.Thresholds) == 0:
		return "OK: no thresholds given"
	case len(noise) > 0:
		return fmt.Sprintf("OK: no regression beyond noise (%s crossed a threshold within noise: %s)", strings.Join(noise, ", "), "the sample sizes cannot resolve the difference")
	}
	return "OK: every figure within --max-regression"
}

func cmpSuiteText(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(", %s", cmpPlural(n, "new suite failure"))
}

func cmpPlural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// cmpMethodNote is the one-line method summary under a load table.
const cmpMethodNote = "noise: percentiles are within noise when the values at ranks n·q ± 2σ (σ = √(n·q·(1−q)), from the HDR histograms) overlap; error rate and late share by a two-proportion z-test (|z| < 2)"

// WriteText writes the comparison as a plain text table.
func (c *Comparison) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "compare\t%s results\n", c.Kind)
	fmt.Fprintf(tw, "base\t%s\n", cmpSideText(c.Base))
	fmt.Fprintf(tw, "new\t%s\n", cmpSideText(c.New))
	if c.Kind == KindLoad {
		fmt.Fprintf(tw, "thresholds\t%s\n", cmpThresholdsText(c.Thresholds))
	}
	for _, n := range c.Notes {
		fmt.Fprintf(tw, "note\t%s\n", n)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	if c.Kind == KindLoad {
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SCOPE\tFIGURE\tBASE\tNEW\tCHANGE\tNOISE\tVERDICT\t")
		for _, d := range c.Load {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", d.Scope, d.Metric, cmpValue(d.Base, d.Unit), cmpValue(d.New, d.Unit),
				cmpChange(d), cmpNoiseText(d), cmpVerdictText(d))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		for _, d := range c.Load {
			if d.Verdict == CompareRegression || d.Verdict == CompareWithinNoise {
				fmt.Fprintf(w, "  %s %s: %s (%s)\n", d.Scope, d.Metric, cmpNoiseText(d), cmpNoiseDetail(d))
			}
		}
		fmt.Fprintf(w, "\n%s\n", cmpMethodNote)
	} else {
		c.writeRowsText(w)
	}
	_, err := fmt.Fprintf(w, "verdict  %s\n", c.cmpVerdictLine())
	return err
}

func (c *Comparison) writeRowsText(w io.Writer) {
	ch := c.Conformance
	for _, g := range []struct {
		title string
		rows  []RowChange
	}{{"NEW FAILURES", ch.NewFailures}, {"FIXED", ch.Fixed}, {"OTHER CHANGES", ch.Other}} {
		if len(g.rows) == 0 {
			continue
		}
		fmt.Fprintf(w, "%s (%d)\n", g.title, len(g.rows))
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, r := range g.rows {
			fmt.Fprintf(tw, "  %s\t%s\t%s → %s\t%s\n", cmpRowName(r), r.Level, orDash(r.Base), orDash(r.New), cmpTrim(r.Message, 160))
		}
		tw.Flush()
		fmt.Fprintln(w)
	}
	for _, f := range ch.NewSuiteFailures {
		fmt.Fprintf(w, "NEW SUITE FAILURE  %s: %s\n", f.Node, cmpTrim(f.Message, 200))
	}
	fmt.Fprintf(w, "unchanged  %s (%d of them still failing)\n", cmpPlural(ch.Unchanged, "row"), ch.StillFailing)
}

func cmpRowName(r RowChange) string {
	if r.Entry != "" {
		return r.ID + " [" + r.Entry + "]"
	}
	return r.ID
}

// cmpTrim keeps the first line of s, at most n characters.
func cmpTrim(s string, n int) string {
	s = firstLine(s)
	if utf8.RuneCountInString(s) > n {
		s = string([]rune(s)[:n-1]) + "…"
	}
	return s
}

// WriteMarkdown writes the comparison for a CI job page (GitHub's step
// summary, GitLab's).
func (c *Comparison) WriteMarkdown(w io.Writer) error {
	icon := "✅"
	if c.Regressions > 0 {
		icon = "❌"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "### %s tokenbench compare: %s\n\n", icon, c.Kind)
	fmt.Fprintf(&b, "**%s**\n\n", mdCell(c.cmpVerdictLine()))
	fmt.Fprintf(&b, "- base: %s\n- new: %s\n", mdCell(cmpSideText(c.Base)), mdCell(cmpSideText(c.New)))
	if c.Kind == KindLoad {
		fmt.Fprintf(&b, "- thresholds: %s\n", mdCell(cmpThresholdsText(c.Thresholds)))
	}
	for _, n := range c.Notes {
		fmt.Fprintf(&b, "- note: %s\n", mdCell(n))
	}
	b.WriteString("\n")
	if c.Kind == KindLoad {
		b.WriteString("| scope | figure | base | new | change | noise | verdict |\n|---|---|---:|---:|---:|---|---|\n")
		for _, d := range c.Load {
			v := cmpVerdictText(d)
			if d.Verdict == CompareRegression {
				v = "**" + v + "**"
			}
			noise := cmpNoiseText(d)
			if d.Verdict != "" && d.Verdict != CompareOK {
				noise += " (" + cmpNoiseDetail(d) + ")"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n", mdCell(d.Scope), d.Metric, cmpValue(d.Base, d.Unit), cmpValue(d.New, d.Unit),
				cmpChange(d), mdCell(noise), v)
		}
		fmt.Fprintf(&b, "\n<sub>%s</sub>\n", mdCell(cmpMethodNote))
	} else {
		ch := c.Conformance
		for _, g := range []struct {
			title string
			rows  []RowChange
		}{{"New failures", ch.NewFailures}, {"Fixed", ch.Fixed}, {"Other changes", ch.Other}} {
			if len(g.rows) == 0 {
				continue
			}
			fmt.Fprintf(&b, "#### %s (%d)\n\n| row | level | base | new | message |\n|---|---|---|---|---|\n", g.title, len(g.rows))
			for _, r := range g.rows {
				fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", mdCode(cmpRowName(r)), r.Level, orDash(r.Base), orDash(r.New), mdCell(firstLine(r.Message)))
			}
			b.WriteString("\n")
		}
		for _, f := range ch.NewSuiteFailures {
			fmt.Fprintf(&b, "- **new suite failure** %s: %s\n", f.Node, mdCell(firstLine(f.Message)))
		}
		fmt.Fprintf(&b, "Unchanged: %s (%d still failing).\n", cmpPlural(ch.Unchanged, "row"), ch.StillFailing)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

package compare

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/tokenbench/tokenbench/reports"
	"github.com/tokenbench/tokenbench/runner/results"
)

// summaryOf builds a summary from latencies in ms, as the engine would
// (percentiles from the HDR histogram, which is kept encoded).
func summaryOf(t *testing.T, lat []float64, errs int64, seconds float64) results.Summary {
	t.Helper()
	h := hdr.New(1, 60_000_000, 3)
	for _, v := range lat {
		if err := h.RecordValue(int64(v * 1000)); err != nil {
			t.Fatal(err)
		}
	}
	enc, err := results.EncodeHistogram(h)
	if err != nil {
		t.Fatal(err)
	}
	ms := func(q float64) float64 { return float64(h.ValueAtPercentile(q)) / 1000 }
	n := int64(len(lat))
	p := results.Percentiles{Min: float64(h.Min()) / 1000, Mean: h.Mean() / 1000, P50: ms(50), P90: ms(90), P99: ms(99), P999: ms(99.9), Max: float64(h.Max()) / 1000}
	return results.Summary{
		Requests: n, OK: n - errs, Errors: errs, ErrorRate: float64(errs) / float64(n),
		ThroughputRPS: float64(n) / seconds, TargetRPS: float64(n) / seconds,
		LatencyMS: p, ServiceTimeMS: p, Outcomes: map[string]int64{"ok": n - errs},
		HDR: &results.Histograms{Latency: enc, Service: enc},
	}
}

// logNormal draws n latencies around median ms, scaled by factor.
func logNormal(seed uint64, n int, median, factor float64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 7))
	out := make([]float64, n)
	for i := range out {
		out[i] = median * math.Exp(rng.NormFloat64()*0.5) * factor
	}
	return out
}

func loadOf(t *testing.T, lat []float64, errs int64) *results.Load {
	t.Helper()
	s := summaryOf(t, lat, errs, 100)
	return &results.Load{
		Schema: results.LoadSchema, Model: results.Open, Tool: results.Tool{Name: "tokenbench", Version: "test"},
		Target: results.Target{TokenEndpoint: "https://idp.example/token"}, Config: results.RunConfig{Stages: "100s@50", Validate: "all"},
		Start: time.Date(2026, 5, 1, 2, 0, 0, 0, time.UTC), DurationS: 100, Summary: s,
		Stages: []results.Stage{{Name: "100s@50", TargetRate: s.TargetRPS, Summary: s}},
	}
}

func mustThresholds(t *testing.T, s string) []MaxRegression {
	t.Helper()
	th, err := ParseMaxRegression(s)
	if err != nil {
		t.Fatal(err)
	}
	return th
}

func deltaOf(t *testing.T, c *Result, scope, metric string) FigureDelta {
	t.Helper()
	for _, d := range c.Load {
		if d.Scope == scope && d.Metric == metric {
			return d
		}
	}
	t.Fatalf("no %s %s in %+v", scope, metric, c.Load)
	return FigureDelta{}
}

const ciThresholds = "p99=10%,throughput=5%,error_rate=0.05pp"

func TestCompareLoadCraftedRegression(t *testing.T) {
	t.Parallel()
	base := loadOf(t, logNormal(1, 5000, 20, 1), 5)
	slower := loadOf(t, logNormal(2, 5000, 20, 1.4), 5) // 40% slower throughout
	c := Load(base, slower, mustThresholds(t, ciThresholds))
	d := deltaOf(t, c, "summary", "p99")
	if d.Verdict != Regression || d.Noise.Within || d.Relative < 30 {
		t.Errorf("p99: %+v %+v", d, d.Noise)
	}
	if c.ExitCode() != 1 || c.Verdict != Regression || c.Regressions != 2 { // the summary's and the stage's p99
		t.Errorf("exit %d, verdict %s, %d regressions", c.ExitCode(), c.Verdict, c.Regressions)
	}
	if d := deltaOf(t, c, "stage 100s@50", "p99"); d.Verdict != Regression {
		t.Errorf("stage p99: %+v", d)
	}
	var out bytes.Buffer
	if err := c.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"REGRESSION (p99=10%)", "beyond noise", "verdict  REGRESSION: 2 figures beyond --max-regression", "±2σ ranks"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, out.String())
		}
	}
}

// TestCompareLoadRerun: two runs of the same build (the same distribution,
// different samples) do not regress.
func TestCompareLoadRerun(t *testing.T) {
	t.Parallel()
	for seed := range uint64(20) {
		base := loadOf(t, logNormal(10+seed, 2000, 20, 1), 2)
		rerun := loadOf(t, logNormal(100+seed, 2000, 20, 1), 3)
		c := Load(base, rerun, mustThresholds(t, ciThresholds))
		if c.ExitCode() != 0 {
			var out bytes.Buffer
			c.WriteText(&out)
			t.Fatalf("seed %d: a rerun regressed:\n%s", seed, out.String())
		}
	}
}

// TestCompareNoiseSmallSamples: the same relative p99 change is within
// noise with 40 samples a side and a regression with 40 000.
func TestCompareNoiseSmallSamples(t *testing.T) {
	t.Parallel()
	th := mustThresholds(t, "p99=10%,max=10%")
	// 40 samples: the p99 is the largest or second largest value; the
	// new run's single slowest request is 30% slower
	small := logNormal(3, 40, 20, 1)
	slowTail := append([]float64(nil), small...)
	i := 0
	for j, v := range slowTail {
		if v > slowTail[i] {
			i = j
		}
	}
	slowTail[i] *= 1.3
	c := Load(loadOf(t, small, 0), loadOf(t, slowTail, 0), th)
	for _, m := range []string{"p99", "max"} {
		d := deltaOf(t, c, "summary", m)
		if d.Relative < 10 || d.Verdict != WithinNoise || !d.Noise.Within || d.Noise.Method != "rank" {
			t.Errorf("40 samples, %s %+.1f%%: verdict %q noise %+v, want within noise", m, d.Relative, d.Verdict, d.Noise)
		}
	}
	if c.ExitCode() != 0 {
		t.Errorf("exit %d for a change within noise", c.ExitCode())
	}
	// 40 000 samples, all 30% slower: the p99 is resolved
	big := Load(loadOf(t, logNormal(4, 40000, 20, 1), 0), loadOf(t, logNormal(5, 40000, 20, 1.3), 0), th)
	if d := deltaOf(t, big, "summary", "p99"); d.Verdict != Regression || d.Noise.Within {
		t.Errorf("40000 samples: %+v %+v", d, d.Noise)
	}

	// error rates: 1 in 1000 against 3 in 1000 crosses 0.05pp but z ≈ 1
	e := Load(loadOf(t, logNormal(6, 1000, 20, 1), 1), loadOf(t, logNormal(6, 1000, 20, 1), 3), mustThresholds(t, "error_rate=0.05pp"))
	if d := deltaOf(t, e, "summary", "error_rate"); d.Verdict != WithinNoise || math.Abs(d.Noise.Z) >= 2 || math.Abs(d.Change-0.2) > 1e-9 {
		t.Errorf("error rate 0.1%% -> 0.3%% of 1000: %+v %+v", d, d.Noise)
	}
	// ... and 10 in 10 000 against 100 in 10 000 is a regression
	e = Load(loadOf(t, logNormal(6, 10000, 20, 1), 10), loadOf(t, logNormal(6, 10000, 20, 1), 100), mustThresholds(t, "error_rate=0.05pp"))
	if d := deltaOf(t, e, "summary", "error_rate"); d.Verdict != Regression || d.Noise.Z < 2 {
		t.Errorf("error rate 0.1%% -> 1%% of 10000: %+v %+v", d, d.Noise)
	}
}

func TestCompareThroughputDrop(t *testing.T) {
	t.Parallel()
	base := loadOf(t, logNormal(1, 5000, 20, 1), 0)
	lower := loadOf(t, logNormal(1, 5000, 20, 1), 0)
	lower.Summary.ThroughputRPS *= 0.9
	c := Load(base, lower, mustThresholds(t, "throughput=5%"))
	if d := deltaOf(t, c, "summary", "throughput"); d.Verdict != Regression || math.Abs(d.Relative+10) > 1e-9 || d.Noise.Method != "none" {
		t.Errorf("throughput -10%%: %+v %+v", d, d.Noise)
	}
	higher := loadOf(t, logNormal(1, 5000, 20, 1), 0)
	higher.Summary.ThroughputRPS *= 1.5
	if c := Load(base, higher, mustThresholds(t, "throughput=5%")); c.ExitCode() != 0 {
		t.Errorf("a throughput rise is not a regression: %+v", deltaOf(t, c, "summary", "throughput"))
	}
}

func TestParseMaxRegression(t *testing.T) {
	t.Parallel()
	th, err := ParseMaxRegression(" p99=10% , throughput=5%,error_rate=0.05pp,late=1pp")
	if err != nil {
		t.Fatal(err)
	}
	want := []MaxRegression{{"p99=10%", "p99", 10, "%"}, {"throughput=5%", "throughput", 5, "%"}, {"error_rate=0.05pp", "error_rate", 0.05, "pp"}, {"late=1pp", "late", 1, "pp"}}
	if len(th) != len(want) {
		t.Fatalf("%+v", th)
	}
	for i := range want {
		if th[i] != want[i] {
			t.Errorf("item %d: %+v, want %+v", i, th[i], want[i])
		}
	}
	for in, msg := range map[string]string{
		"p99":               `item 1 "p99": no "="`,
		"p98=10%":           `unknown figure "p98"`,
		"p99=10":            `has no unit: write 10%`,
		"error_rate=0.05%":  "error_rate is limited in percentage points, not %",
		"p99=10pp":          "p99 is limited in percent (relative), not pp",
		"p99=-1%":           "not a number >= 0",
		"p99=10%,p99=20%":   "item 2",
		"throughput=x%,a=b": "not a number",
	} {
		_, err := ParseMaxRegression(in)
		if err == nil || !strings.Contains(err.Error(), msg) || !strings.Contains(err.Error(), "--max-regression") {
			t.Errorf("%q: %v, want %q", in, err, msg)
		}
	}
	if th, err := ParseMaxRegression(""); th != nil || err != nil {
		t.Errorf("empty: %v %v", th, err)
	}
}

func confResult(statuses map[string]string, order ...string) *reports.Conformance {
	c := &reports.Conformance{Schema: reports.ConformanceSchema, Verdict: reports.VerdictPass, Target: reports.Target{TokenEndpoint: "https://idp.example/token"}, Profile: reports.Profile{Name: "bankid"}}
	for _, id := range order {
		st := statuses[id]
		if st == reports.StatusFail {
			c.Verdict = reports.VerdictFail
		}
		c.Rows = append(c.Rows, reports.Row{ID: id, Level: "MUST", Text: "requirement " + id, Status: st, Message: id + " says " + st})
	}
	return c
}

func TestConformance(t *testing.T) {
	t.Parallel()
	ids := []string{"A", "B", "C", "D", "E", "F"}
	base := confResult(map[string]string{"A": "pass", "B": "fail", "C": "pass", "D": "pass", "E": "fail", "F": "skipped"}, ids...)
	next := confResult(map[string]string{"A": "pass", "B": "pass", "C": "fail", "D": "warning", "E": "fail", "F": "fail", "G": "fail"}, append(ids, "G")...)
	c := Conformance(base, next)
	ch := c.Conformance
	names := func(rs []RowChange) string {
		var s []string
		for _, r := range rs {
			s = append(s, r.ID+":"+r.Base+">"+r.New)
		}
		return strings.Join(s, ",")
	}
	if got := names(ch.NewFailures); got != "C:pass>fail,F:skipped>fail,G:>fail" {
		t.Errorf("new failures %s", got)
	}
	if got := names(ch.Fixed); got != "B:fail>pass" {
		t.Errorf("fixed %s", got)
	}
	if got := names(ch.Other); got != "D:pass>warning" {
		t.Errorf("other %s", got)
	}
	if ch.Unchanged != 2 || ch.StillFailing != 1 || c.Regressions != 3 || c.ExitCode() != 1 {
		t.Errorf("unchanged %d still failing %d regressions %d", ch.Unchanged, ch.StillFailing, c.Regressions)
	}
	var out bytes.Buffer
	if err := c.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	nf, fx, ot := strings.Index(s, "NEW FAILURES (3)"), strings.Index(s, "FIXED (1)"), strings.Index(s, "OTHER CHANGES (1)")
	if nf < 0 || fx < nf || ot < fx || !strings.Contains(s, "C  MUST  pass → fail") || !strings.Contains(s, "verdict  REGRESSION: 3 rows newly fail") {
		t.Errorf("text:\n%s", s)
	}
	// the same results again: nothing changed
	if again := Conformance(base, base); again.ExitCode() != 0 || again.Conformance.Unchanged != 6 {
		t.Errorf("same results: %+v", again.Conformance)
	}
	// a row gone from NEW is a change, not a failure
	gone := Conformance(base, confResult(map[string]string{"A": "pass"}, "A"))
	if gone.ExitCode() != 0 || len(gone.Conformance.Other) != 5 {
		t.Errorf("rows gone: %+v", gone.Conformance)
	}
}

// TestFiles: two files of one kind compare; files of two kinds, or two
// capacity results, do not.
func TestFiles(t *testing.T) {
	t.Parallel()
	load := &reports.File{Load: loadOf(t, logNormal(1, 500, 20, 1), 0)}
	conf := &reports.File{Conformance: confResult(map[string]string{"A": "pass"}, "A")}
	capacity := &reports.File{Capacity: &results.Capacity{Schema: results.CapacitySchema}}
	if c, err := Files(load, load, nil); err != nil || c.Kind != reports.KindLoad || c.ExitCode() != 0 {
		t.Errorf("load: %v %+v", err, c)
	}
	if c, err := Files(conf, conf, mustThresholds(t, "p99=5%")); err != nil || c.Kind != reports.KindConformance || len(c.Notes) != 1 {
		t.Errorf("conformance: %v %+v", err, c)
	}
	for name, in := range map[string][2]*reports.File{"kinds": {load, conf}, "capacity": {capacity, capacity}} {
		if _, err := Files(in[0], in[1], nil); !errors.Is(err, ErrNotComparable) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestCompareMarkdownAndJSON(t *testing.T) {
	t.Parallel()
	c := Load(loadOf(t, logNormal(1, 5000, 20, 1), 0), loadOf(t, logNormal(2, 5000, 20, 1.4), 0), mustThresholds(t, ciThresholds))
	c.Base.Source, c.New.Source = "base/load.json", "new/load.json"
	var md, js bytes.Buffer
	if err := c.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"### ❌ tokenbench compare: load", "| summary | p99 |", "**REGRESSION (p99=10%)**", "- base: base/load.json: 2026-05-01 02:00:00 UTC"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, md.String())
		}
	}
	if err := c.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back Result
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || back.Schema != Schema || back.Regressions != 2 || back.Load[2].Noise == nil {
		t.Errorf("json: %v %+v", err, back)
	}
}

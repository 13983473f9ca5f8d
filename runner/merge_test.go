package runner

import (
	"context"
	"errors"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/tokenbench/tokenbench/internal/provider"
	"github.com/tokenbench/tokenbench/internal/target"
	"github.com/tokenbench/tokenbench/runner/results"
)

// fromSamples builds a result the way the engine does: samples recorded
// into a recorder started at start, intervals closed, every stage summed.
func fromSamples(t *testing.T, start time.Time, stages []string, samples []sample, shard *results.Shard) *results.Load {
	t.Helper()
	epoch := start.Truncate(time.Second)
	rec := newRecorder(epoch, len(stages), 3)
	for i, s := range samples {
		rec.Record(i, s)
	}
	rec.closeIntervals(time.Time{}, 0, true, nil)
	res := &results.Load{
		Schema: results.LoadSchema, Model: Open, Target: results.Target{Issuer: "https://idp.example", TokenEndpoint: "https://idp.example/token"},
		Profile: "bankid", Config: results.RunConfig{SLO: "p99<250ms,error_rate<5%"}, Start: start, IntervalEpoch: epoch.Unix(),
		DurationS: 6, Intervals: rec.Intervals(), Shard: shard,
	}
	all := newStageAgg()
	for i, name := range stages {
		agg := rec.stage(i)
		mergeAgg(all, agg)
		res.Stages = append(res.Stages, results.Stage{Name: name, TargetRate: 50, DurationS: 3, Summary: agg.summary(3*time.Second, "")})
	}
	res.Summary = all.summary(6*time.Second, "")
	return res
}

// randomSamples makes n samples over 6 s from start, in stages of equal
// length: log-normal latencies
// around 20 ms with a slow tail, a few beyond the histograms' 60 s range,
// 3% errors, some checks failing.
func randomSamples(rng *rand.Rand, start time.Time, n, stages int) []sample {
	out := make([]sample, 0, n)
	for i := range n {
		intended := start.Add(time.Duration(float64(i) / float64(n) * 6 * float64(time.Second)))
		lag := time.Duration(rng.ExpFloat64() * float64(200*time.Microsecond))
		svc := time.Duration(math.Exp(rng.NormFloat64()*0.6) * float64(20*time.Millisecond))
		if rng.IntN(50) == 0 {
			svc *= 20 // the tail
		}
		if rng.IntN(400) == 0 {
			svc = 61 * time.Second // out of range: counted, not in the histograms
		}
		s := sample{stage: i * stages / n, intended: intended, sent: intended.Add(lag), outcome: "ok", ok: true, validated: true}
		s.done = s.sent.Add(svc)
		switch rng.IntN(100) {
		case 0, 1:
			s.outcome, s.ok = "http_5xx", false
		case 2:
			s.outcome, s.ok, s.failed = "invalid_200", false, []string{"IDT-AT-HASH"}
		}
		if rng.IntN(30) == 0 {
			s.codeWait = 5 * time.Millisecond
		}
		out = append(out, s)
	}
	return out
}

func decode(t *testing.T, enc string) *hdr.Histogram {
	t.Helper()
	h, err := results.DecodeHistogram(enc)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// sameSummary compares a merged summary with the summary of all samples:
// histograms count for count, every count, every percentile.
func sameSummary(t *testing.T, what string, got, want results.Summary) {
	t.Helper()
	if got.HDR == nil || want.HDR == nil {
		t.Fatalf("%s: no histograms", what)
	}
	for _, p := range []struct{ name, got, want string }{{"latency", got.HDR.Latency, want.HDR.Latency}, {"service", got.HDR.Service, want.HDR.Service}} {
		g, w := decode(t, p.got), decode(t, p.want)
		if !g.Equals(w) {
			t.Errorf("%s: merged %s histogram (%d values) is not the histogram of all samples (%d values)", what, p.name, g.TotalCount(), w.TotalCount())
		}
	}
	type counts struct{ Requests, OK, Errors, Late, Unsent, OutOfRange, Validated int64 }
	if g, w := (counts{got.Requests, got.OK, got.Errors, got.Late, got.Unsent, got.OutOfRange, got.Validated}),
		(counts{want.Requests, want.OK, want.Errors, want.Late, want.Unsent, want.OutOfRange, want.Validated}); g != w {
		t.Errorf("%s: counts %+v, want %+v", what, g, w)
	}
	if !maps.Equal(got.Outcomes, want.Outcomes) || !maps.Equal(got.CheckFailures, want.CheckFailures) {
		t.Errorf("%s: outcomes %v failures %v, want %v %v", what, got.Outcomes, got.CheckFailures, want.Outcomes, want.CheckFailures)
	}
	if got.LatencyMS != want.LatencyMS || got.ServiceTimeMS != want.ServiceTimeMS {
		t.Errorf("%s: percentiles\n got %+v %+v\nwant %+v %+v", what, got.LatencyMS, got.ServiceTimeMS, want.LatencyMS, want.ServiceTimeMS)
	}
	if math.Abs(got.ErrorRate-want.ErrorRate) > 1e-15 || got.Codes.Waits != want.Codes.Waits {
		t.Errorf("%s: error rate %v code waits %d, want %v %d", what, got.ErrorRate, got.Codes.Waits, want.ErrorRate, want.Codes.Waits)
	}
}

// TestMergeEqualsOneHistogramOfAllSamples: two shards' results merge, count
// for count, into the result of one recorder that saw all their samples:
// summary, stages and wall-clock-aligned intervals.
func TestMergeEqualsOneHistogramOfAllSamples(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	startA := time.Date(2026, 5, 1, 10, 0, 0, 600_000_000, time.UTC)
	startB := startA.Add(700 * time.Millisecond) // a different whole second: the epochs differ
	stages := []string{"3s@50", "3s@100"}
	a, b := randomSamples(rng, startA, 3000, 2), randomSamples(rng, startB, 2500, 2)
	ra := fromSamples(t, startA, stages, a, &results.Shard{Index: 1, Count: 2})
	rb := fromSamples(t, startB, stages, b, &results.Shard{Index: 2, Count: 2})
	if ra.IntervalEpoch == rb.IntervalEpoch {
		t.Fatal("the test wants shards with different interval epochs")
	}
	want := fromSamples(t, startA, stages, append(append([]sample(nil), a...), b...), nil)

	got, err := results.Merge(ra, rb)
	if err != nil {
		t.Fatal(err)
	}
	sameSummary(t, "summary", got.Summary, want.Summary)
	for i := range stages {
		sameSummary(t, "stage "+stages[i], got.Stages[i].Summary, want.Stages[i].Summary)
	}
	if got.IntervalEpoch != want.IntervalEpoch || len(got.Intervals) != len(want.Intervals) {
		t.Fatalf("intervals: epoch %d, %d of them; want %d, %d", got.IntervalEpoch, len(got.Intervals), want.IntervalEpoch, len(want.Intervals))
	}
	for i, g := range got.Intervals {
		w := want.Intervals[i]
		if g.T != w.T || g.Requests != w.Requests || g.Errors != w.Errors || g.CodeWaits != w.CodeWaits || g.LatencyMS != w.LatencyMS || g.ServiceMS != w.ServiceMS {
			t.Errorf("interval %d: %+v, want %+v", i, g, w)
			continue
		}
		if g.HDR == nil && w.HDR == nil {
			continue // a second without completions
		}
		if g.HDR == nil || w.HDR == nil {
			t.Errorf("interval t=%v: histograms %v, want %v", g.T, g.HDR, w.HDR)
			continue
		}
		if !decode(t, g.HDR.Latency).Equals(decode(t, w.HDR.Latency)) || !decode(t, g.HDR.Service).Equals(decode(t, w.HDR.Service)) {
			t.Errorf("interval t=%v: histograms differ", g.T)
		}
	}
	if got.Summary.ThroughputRPS != ra.Summary.ThroughputRPS+rb.Summary.ThroughputRPS {
		t.Errorf("throughput %v, want the sum %v", got.Summary.ThroughputRPS, ra.Summary.ThroughputRPS+rb.Summary.ThroughputRPS)
	}
	if got.Start != startA || got.Stages[0].TargetRate != 100 || got.Shard != nil || len(got.MergedFrom) != 2 || got.MergedFrom[1].Shard.Index != 2 {
		t.Errorf("start %v, stage target %v, shard %v, merged from %+v", got.Start, got.Stages[0].TargetRate, got.Shard, got.MergedFrom)
	}
	// the SLOs are evaluated on the merged figures
	if len(got.SLO) != 2 || got.SLO[0].Observed != got.Summary.LatencyMS.P99 || got.SLO[1].Observed != 100*got.Summary.ErrorRate {
		t.Errorf("slo %+v", got.SLO)
	}
	// a merged percentile is not the mean of the shards' percentiles (the data are skewed)
	if avg := (ra.Summary.LatencyMS.P99 + rb.Summary.LatencyMS.P99) / 2; avg == got.Summary.LatencyMS.P99 {
		t.Logf("the shards' p99 mean happens to equal the merged p99 (%v)", avg)
	}
}

// TestMergeTwoShardRuns: two shards of one plan run at once against one
// provider; the merge has every request of the plan and the whole rate.
func TestMergeTwoShardRuns(t *testing.T) {
	t.Parallel()
	plan := mustPlan(ParseStages("1s@80,1s@160"))
	var wg sync.WaitGroup
	loads := make([]*results.Load, 2)
	errs := make([]error, 2)
	tg, _ := embedded(t, provider.Config{}, 0, nil)
	for i := range 2 {
		sh := results.Shard{Index: i + 1, Count: 2, Codes: ShardCodesOwn}
		p, err := plan.Shard(sh)
		if err != nil {
			t.Fatal(err)
		}
		src, err := tg.OpenCodes(target.CodeOptions{Prefetch: 16, Parallel: 2})
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			loads[i], errs[i] = Run(context.Background(), Config{Target: tg, Codes: src, Model: Open, Plan: p, Shard: &sh})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("shard %d: %v", i+1, err)
		}
		if loads[i].Shard == nil || loads[i].Shard.Index != i+1 || loads[i].Summary.Requests != 120 || loads[i].Stages[1].TargetRate != 80 {
			t.Fatalf("shard %d: %+v, %d requests, stages %+v", i+1, loads[i].Shard, loads[i].Summary.Requests, loads[i].Stages)
		}
	}
	m, err := results.Merge(loads...)
	if err != nil {
		t.Fatal(err)
	}
	var inIntervals int64
	for _, iv := range m.Intervals {
		inIntervals += iv.Requests
	}
	if m.Summary.Requests != 240 || inIntervals != 240 || m.Stages[1].Summary.Requests != 160 || m.Stages[1].TargetRate != 160 || math.Abs(m.Summary.TargetRPS-120) > 1e-9 {
		t.Errorf("merged: %d requests (%d in intervals), stage 2 %d at %v/s, target %v/s", m.Summary.Requests, inIntervals, m.Stages[1].Summary.Requests, m.Stages[1].TargetRate, m.Summary.TargetRPS)
	}
}

func TestMergeRefuses(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	start := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	mk := func(shard *results.Shard, edit func(*results.Load)) *results.Load {
		r := fromSamples(t, start, []string{"3s@50", "3s@100"}, randomSamples(rng, start, 200, 2), shard)
		if edit != nil {
			edit(r)
		}
		return r
	}
	s := func(i, n int) *results.Shard { return &results.Shard{Index: i, Count: n} }
	tests := []struct {
		name string
		in   []*results.Load
		err  error
		want string
	}{
		{"schema", []*results.Load{mk(s(1, 2), nil), mk(s(2, 2), func(r *results.Load) { r.Schema = "tokenbench.load/v2" })}, results.ErrIncompatible, `schema "tokenbench.load/v2"`},
		{"model", []*results.Load{mk(s(1, 2), nil), mk(s(2, 2), func(r *results.Load) { r.Model = Closed })}, results.ErrIncompatible, `model "closed"`},
		{"target", []*results.Load{mk(s(1, 2), nil), mk(s(2, 2), func(r *results.Load) { r.Target.TokenEndpoint = "https://other/token" })}, results.ErrIncompatible, "token_endpoint"},
		{"stages", []*results.Load{mk(s(1, 2), nil), mk(s(2, 2), func(r *results.Load) { r.Stages = r.Stages[:1] })}, results.ErrIncompatible, `stage layout "3s@50"`},
		{"stage names", []*results.Load{mk(s(1, 2), nil), mk(s(2, 2), func(r *results.Load) { r.Stages[1].Name = "3s@200" })}, results.ErrIncompatible, "stage layout"},
		{"twice", []*results.Load{mk(s(1, 2), nil), mk(s(1, 2), nil)}, results.ErrIncompatible, "shard 1/2 is given twice"},
		{"counts", []*results.Load{mk(s(1, 2), nil), mk(s(2, 3), nil)}, results.ErrIncompatible, "one of 3"},
		{"mixed", []*results.Load{mk(s(1, 2), nil), mk(nil, nil)}, results.ErrIncompatible, "mixed"},
		{"slo", []*results.Load{mk(nil, nil), mk(nil, func(r *results.Load) { r.Config.SLO = "p99<1s" })}, results.ErrIncompatible, "config slo"},
		{"unrelated", []*results.Load{mk(nil, nil), mk(nil, nil)}, results.ErrUnrelated, "hold the same result"},
		{"no hdr", []*results.Load{mk(s(1, 2), nil), mk(s(2, 2), func(r *results.Load) { r.Stages[0].Summary.HDR = nil })}, results.ErrNoHistograms, `shard 2/2: stage "3s@50"`},
		{"bad hdr", []*results.Load{mk(s(1, 2), nil), mk(s(2, 2), func(r *results.Load) { r.Intervals[1].HDR.Latency = "!!" })}, results.ErrNoHistograms, "hdr.latency"},
		{"none", nil, results.ErrIncompatible, "no results"},
	}
	for _, tt := range tests {
		_, err := results.Merge(tt.in...)
		if !errors.Is(err, tt.err) || !strings.Contains(fmtErr(err), tt.want) {
			t.Errorf("%s: %v, want %v with %q", tt.name, err, tt.err, tt.want)
		}
	}
}

func fmtErr(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestMergeIncompleteAndLimits(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 6))
	start := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	a := fromSamples(t, start, []string{"6s@50"}, randomSamples(rng, start, 300, 1), &results.Shard{Index: 1, Count: 3})
	c := fromSamples(t, start, []string{"6s@50"}, randomSamples(rng, start, 300, 1), &results.Shard{Index: 3, Count: 3})
	c.Limits = []results.Limit{{Kind: results.LimitCodeSupply, Text: "10 of 300 requests waited"}}
	c.Aborted = "error rate 60% over the last 10s exceeded 50%"
	m, err := results.Merge(a, c)
	if err != nil {
		t.Fatal(err)
	}
	want := []results.Limit{
		{Kind: results.LimitCodeSupply, Shard: "shard 3/3", Text: "10 of 300 requests waited"},
		{Kind: results.LimitIncomplete, Text: "shard 2/3 missing; the merged figures cover 2 of 3 shards"},
	}
	if !slices.Equal(m.Limits, want) || m.Aborted != "shard 3/3: "+c.Aborted {
		t.Errorf("limits %q aborted %q", m.Limits, m.Aborted)
	}
	// merging the merged result with the missing shard completes the run
	b := fromSamples(t, start, []string{"6s@50"}, randomSamples(rng, start, 300, 1), &results.Shard{Index: 2, Count: 3})
	all, err := results.Merge(m, b)
	if err != nil {
		t.Fatal(err)
	}
	if all.Summary.Requests != 900 || len(all.MergedFrom) != 3 {
		t.Errorf("requests %d, parts %+v", all.Summary.Requests, all.MergedFrom)
	}
	if want := want[:1]; !slices.Equal(all.Limits, want) {
		t.Errorf("limits %+v, want %+v: the shard's, named once, and no longer incomplete", all.Limits, want)
	}
	if _, err := results.Merge(m, a); !errors.Is(err, results.ErrIncompatible) {
		t.Errorf("merging shard 1/3 into a merge that has it: %v", err)
	}
}

package runner

import (
	"fmt"
	"runtime"
	"time"

	"github.com/tokenbench/tokenbench/runner/results"
)

// result assembles the result.
func (e *engine) result(end time.Time, interrupted bool) *results.Load {
	cfg := e.cfg
	tg := cfg.Target
	res := &results.Load{
		Schema: results.LoadSchema, Model: cfg.Model, Interrupted: interrupted,
		Target:  resultTarget(tg),
		Profile: tg.Profile.Name, Start: e.measured, IntervalEpoch: e.measured.Truncate(time.Second).Unix(),
		Intervals: e.rec.Intervals(), Grant: cfg.Grant,
	}
	if cfg.Grant == results.GrantRefreshToken {
		res.Chains = e.chains.stats()
	}
	if why, _ := e.stopWhy.Load().(string); why != "" && why != "interrupted" {
		res.Aborted = why
	}
	measuredEnd := end
	res.DurationS = measuredEnd.Sub(e.measured).Seconds()
	all := newStageAgg()
	for i, st := range cfg.Plan.Stages {
		agg := e.rec.stage(i)
		mergeAgg(all, agg)
		d := cfg.Plan.StageLength(i)
		if cfg.Model == Closed {
			d = st.Duration
		}
		if !agg.first.IsZero() && (d == 0 || cfg.Model == Closed || interrupted || res.Aborted != "") {
			d = agg.last.Sub(e.measured.Add(cfg.Plan.StageStart(i)))
		}
		sum := agg.summary(d, e.rec.method)
		if cfg.Model == Open {
			sum.TargetRPS = cfg.Plan.MeanRate(i)
		}
		res.Stages = append(res.Stages, results.Stage{
			Name: st.Name, TargetRate: sum.TargetRPS, FromRate: st.From, ToRate: st.To,
			DurationS: d.Seconds(), Summary: sum,
		})
	}
	// Throughput is over the plan's time or the time the run actually took,
	// whichever is longer.
	total := measuredEnd.Sub(e.measured)
	if planned := cfg.Plan.Duration(); cfg.Model == Open && planned > 0 && !interrupted && res.Aborted == "" && e.unsent.Load() == 0 {
		// The last arrival is due a fraction of an interval before the
		// plan's end; a backlog drained after it counts its real time.
		total = max(planned, total)
	}
	res.Summary = all.summary(total, e.rec.method)
	res.Summary.Unsent = e.unsent.Load()
	if cfg.Model == Open {
		var expected, dur float64
		for i := range cfg.Plan.Stages {
			expected += cfg.Plan.Expected(i)
			dur += cfg.Plan.StageLength(i).Seconds()
		}
		if dur > 0 {
			res.Summary.TargetRPS = expected / dur
		}
	}
	if cfg.CodeTimes != nil {
		res.Summary.Codes = cfg.CodeTimes.stats(res.Summary.Codes)
	}
	if cfg.Codes != nil {
		res.Summary.Codes.Dropped = cfg.Codes.Stats().Dropped
	}
	if wall := end.Sub(e.start); wall > 0 {
		res.GeneratorCPU = (processCPU() - e.cpu0).Seconds() / (wall.Seconds() * float64(runtime.NumCPU()))
	}
	res.PeakInFlight = int(e.peak.Load())
	if d := end.Sub(e.measured); d > 0 {
		res.MeanInFlight = float64(e.busy.Load()) / float64(d)
	}
	res.Shard = cfg.Shard
	res.Limits = e.limits(res)
	e.red.Walk(res)
	return res
}

// limits says what held the run back.
func (e *engine) limits(r *results.Load) []results.Limit {
	var out []results.Limit
	s := r.Summary
	// Waits are kept out of the latency: they held the run back when an
	// open-model run then fell short of its rate (a closed model's
	// workers lose the time they wait).
	short := e.cfg.Model != Open || s.Unsent > 0 || (s.TargetRPS > 0 && s.ThroughputRPS < 0.99*s.TargetRPS)
	if short && s.Codes.Waits > 0 && s.Requests > 0 && float64(s.Codes.Waits)/float64(s.Requests) > 0.01 {
		out = append(out, results.Limit{Kind: results.LimitCodeSupply, Text: fmt.Sprintf("%d of %d requests (%.1f%%) waited for an authorization code (p99 wait %.1f ms); the code source, not the token endpoint, limited the rate",
			s.Codes.Waits, s.Requests, 100*float64(s.Codes.Waits)/float64(s.Requests), s.Codes.WaitMS.P99)})
	}
	// A few requests a millisecond late hold nothing back: the schedule is
	// named a limit when many were late, or some very late.
	if e.cfg.Model == Open && s.Late > 0 && s.Requests > 0 && (float64(s.Late)/float64(s.Requests) > 0.05 || s.ScheduleLagMS.P99 > 50) {
		l := results.Limit{Kind: results.LimitGenerator, Text: fmt.Sprintf("%d requests (%.1f%%) were sent more than 1 ms after their intended time (p99 lag %.1f ms): ",
			s.Late, 100*float64(s.Late)/float64(s.Requests), s.ScheduleLagMS.P99)}
		if r.PeakInFlight >= e.cfg.MaxInFlight {
			l.Kind = results.LimitInFlight
			l.Text += fmt.Sprintf("all %d in-flight slots were busy: the endpoint answered slower than requests arrived", e.cfg.MaxInFlight)
		} else {
			l.Text += "the load generator itself was slow to send them"
		}
		out = append(out, l)
	}
	if r.GeneratorCPU > 0.85 {
		out = append(out, results.Limit{Kind: results.LimitGeneratorCPU, Text: fmt.Sprintf("tokenbench used %.0f%% of this machine's %d cores (the provider's share included when it is embedded); figures near this rate may measure the generator, not the endpoint",
			100*r.GeneratorCPU, runtime.NumCPU())})
	}
	if s.Unsent > 0 {
		out = append(out, results.Limit{Kind: results.LimitUnsent, Text: fmt.Sprintf("%d scheduled requests were never sent before the plan's time ran out", s.Unsent)})
	}
	return out
}

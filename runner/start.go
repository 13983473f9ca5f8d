package runner

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tokenbench/tokenbench/runner/results"
)

// ErrNotStarted is Run's error when it was stopped while waiting for its
// start time: nothing was sent, and there is no result.
var ErrNotStarted = errors.New("runner: stopped before the start time; nothing was sent")

// LateStart is how far after its start time a run may begin before its
// result names it a limit (LimitLateStart). Under it is the timer's
// lateness; over it, a shard that came up late.
const LateStart = time.Duration(results.LateStartS * float64(time.Second))

// waitStart waits until cfg.StartAt, on the wall clock, so that the shards
// of a run split across machines begin together and their per-second
// intervals line up. A start time already past returns at once: the run
// starts late, and its result says by how much (stampStart).
func (e *engine) waitStart(ctx context.Context) error {
	return waitUntil(ctx, e.cfg.StartAt, e.now)
}

// NotStarted is the result of a run stopped before its start time
// (ErrNotStarted): nothing was sent, and it is marked interrupted, so that
// a stopped shard leaves a result that says so (a merge of the run's
// shards names it) rather than no result at all.
func NotStarted(cfg Config) (*results.Load, error) {
	e, err := newEngine(cfg)
	if err != nil {
		return nil, err
	}
	e.cpu0 = processCPU()
	e.start = e.now()
	// Measured from the start time it waited for: a merge of the run's
	// shards spans the run, not the wait.
	e.measured = e.start
	if cfg.StartAt.After(e.start) {
		e.measured = cfg.StartAt
	}
	e.rec = newRecorder(e.measured.Truncate(time.Second), len(cfg.Plan.Stages), 1)
	if cfg.Target != nil && cfg.Target.Auth != nil {
		e.rec.method = cfg.Target.Auth.Method()
	}
	res := e.result(e.measured, true)
	e.stampStart(res)
	return res, nil
}

// CodeLead is how long before its start time a run opens its code source
// (see LoadJob.WaitStart): long enough to fill the pipeline, short of a
// code's lifetime.
const CodeLead = 5 * time.Second

// WaitStart waits until lead before the job's start time (none: returns
// at once). The caller opens what must be fresh at the start, the code
// source, after it; Run waits for the rest.
func (j *LoadJob) WaitStart(ctx context.Context, lead time.Duration) error {
	if j.Config.StartAt.IsZero() {
		return nil
	}
	now := j.Config.Now
	if now == nil {
		now = time.Now
	}
	return waitUntil(ctx, j.Config.StartAt.Add(-lead), now)
}

// waitUntil waits until the wall clock (now) reads at, or ctx ends
// (ErrNotStarted). It sleeps in steps of at most a minute, each until at
// as the clock says then, so that a clock stepped while waiting is
// followed.
func waitUntil(ctx context.Context, at time.Time, now func() time.Time) error {
	if at.IsZero() {
		return nil
	}
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for {
		d := at.Sub(now())
		if d <= 0 {
			return nil
		}
		t.Reset(min(d, time.Minute))
		select {
		case <-ctx.Done():
			return ErrNotStarted
		case <-t.C:
		}
	}
}

// stampStart records the start time in r and how long after it the
// schedule began, and names a late start a limit.
func (e *engine) stampStart(r *results.Load) {
	at := e.cfg.StartAt
	if r == nil || at.IsZero() {
		return
	}
	r.StartAt = &at
	skew := max(r.Start.Add(-e.cfg.Warmup).Sub(at), 0)
	r.StartSkewS = skew.Seconds()
	if skew > LateStart {
		r.Limits = append(r.Limits, results.Limit{Kind: results.LimitLateStart, Text: fmt.Sprintf(
			"started %s after the run's start time %s (--start-at): this shard's schedule ran that much behind the others'", skew.Round(time.Millisecond), at.UTC().Format(time.RFC3339))})
	}
}

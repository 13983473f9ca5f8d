package runner

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tokenbench/tokenbench/internal/catalog"
	"github.com/tokenbench/tokenbench/internal/checks"
	"github.com/tokenbench/tokenbench/internal/codes"
	"github.com/tokenbench/tokenbench/internal/exchange"
	"github.com/tokenbench/tokenbench/internal/redact"
	"github.com/tokenbench/tokenbench/internal/target"
	"github.com/tokenbench/tokenbench/runner/results"
)

// Models.
const (
	Open   = results.Open   // requests scheduled at an arrival rate
	Closed = results.Closed // a number of workers, back to back
)

// Config is one load run.
type Config struct {
	Target *target.Target
	Codes  codes.Source // fed by a pipeline that prefetches ahead of the schedule
	Model  string       // Open or Closed
	// Plan: the arrival schedule (open model), or the stop condition
	// (closed model: one stage with a duration and/or a request count).
	Plan        Plan
	Concurrency int // closed model: workers
	MaxInFlight int // open model: at most this many requests at once
	// ValidateFraction is the share of responses validated: 1 all, 0 none.
	ValidateFraction float64
	Timeout          time.Duration // per request
	Warmup           time.Duration // sent at the first stage's rate, not recorded
	// AbortErrorRate > 0 stops a run whose error rate over the last
	// AbortWindow exceeds it.
	AbortErrorRate float64
	AbortWindow    time.Duration
	Progress       Progress
	// Codes' obtain times, recorded by the caller's code source (see
	// CodeTimes).
	CodeTimes *CodeTimes
	Now       func() time.Time
	// Shard, when set, is recorded in the result: this run is one shard of
	// a run split across machines. The caller scales the plan and the
	// codes (Plan.Shard, ShardCodes); Run does not.
	Shard *results.Shard
	// NetHTTP sends with the conformance path's net/http client instead of
	// the load client (exchange.FastClient): slower, for comparison.
	NetHTTP bool
	// BusyWait > 0 (open model) spins, yielding, for this long before each
	// intended send time: sends precise to microseconds even when the
	// runtime is too busy to wake the scheduler on time, at the price of up
	// to a core. Off by default: the scheduler sleeps.
	BusyWait time.Duration
	// OnInterrupt, when set, is called once when ctx is done during the
	// run, with the result so far marked interrupted (the requests in
	// flight not in it), so that it is written at once; Run then waits for
	// those requests, up to Timeout, and returns the full result. It is
	// called from a goroutine of Run's, and returns before Run does.
	OnInterrupt func(*results.Load)
	// Grant is the grant driven: results.GrantAuthorizationCode ("" too),
	// GrantRefreshToken (chains, each started by one code from Codes) or
	// GrantClientCredentials (Codes unused: nil).
	Grant string
	// ReuseProbes is the share of refresh rotations whose rotated-away
	// token is presented again (see chains.go).
	ReuseProbes float64
	// StartAt, when set, is the wall-clock time the schedule starts at
	// (see Run): the shards of a run split across machines share it.
	StartAt time.Time
}

// lateThreshold: a request sent later than this after its intended time
// counts as late.
const lateThreshold = time.Millisecond

// ticket is one scheduled request.
type ticket struct {
	intended time.Time
	stage    int // measured-plan index; -1 during warm-up
}

// Run drives the load described by cfg and returns its result. With
// cfg.StartAt it first waits for that time (see waitStart). It stops
// scheduling when ctx is done (Ctrl-C), hands the result so far to
// cfg.OnInterrupt, lets requests in flight finish up to the timeout, and
// returns the result marked interrupted. The error is non-nil only when
// the code source failed for good, or when ctx ended before the start time
// (ErrNotStarted, with no result).
func Run(ctx context.Context, cfg Config) (*results.Load, error) {
	e, err := newEngine(cfg)
	if err != nil {
		return nil, err
	}
	if err := e.waitStart(ctx); err != nil {
		return nil, err
	}
	res, err := e.run(ctx)
	e.stampStart(res)
	return res, err
}

type engine struct {
	cfg      Config
	now      func() time.Time
	plan     Plan // warm-up stage first when there is one
	warm     int  // 1 with a warm-up stage, else 0
	start    time.Time
	measured time.Time // start of the measured phase
	rec      *recorder
	inFlight atomic.Int64
	peak     atomic.Int64 // most requests in flight at once
	busy     atomic.Int64 // ns that measured requests spent in flight, summed (Result.MeanInFlight)
	cpu0     time.Duration
	unsent   atomic.Int64
	closed   atomic.Int64 // closed model: requests started
	checks   []checks.Check
	// grantChecks are a refresh or client credentials response's checks:
	// [0] without an ID token, [1] with one. startChecks are those of the
	// code exchange that starts a refresh chain: the code grant's, but for
	// RESP-NO-REFRESH (a chain needs its refresh token whatever the
	// profile says; one missing is a failed start).
	grantChecks [2][]checks.Check
	startChecks []checks.Check
	red         *redact.Redactor // the run's; nil with --reveal

	client  sender        // registers nothing (redact.go)
	slots   chan struct{} // open model: requests in flight
	pending chan struct{} // open model: requests started, not finished
	work    chan ticket   // open model: to idle senders
	senders atomic.Int64  // open model: senders started

	chains chainPool // refresh_token runs
	prober *prober   // refresh_token runs with reuse probes
	// rotationRequired: the profile holds a refresh to RT-ROTATION.
	rotationRequired bool

	stopOnce sync.Once
	stopSend chan struct{} // closed to stop scheduling
	stopWhy  atomic.Value  // string: why scheduling stopped early
	codeErr  atomic.Value  // error: the code source failed for good
}

func newEngine(cfg Config) (*engine, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	switch cfg.Model {
	case Open:
		if cfg.MaxInFlight <= 0 {
			cfg.MaxInFlight = 1000
		}
	case Closed:
		if cfg.Concurrency <= 0 {
			return nil, fmt.Errorf("runner: the closed model needs a concurrency > 0")
		}
	default:
		return nil, fmt.Errorf("runner: model %q is not open or closed", cfg.Model)
	}
	if len(cfg.Plan.Stages) == 0 {
		return nil, fmt.Errorf("runner: the plan has no stages")
	}
	http := cfg.Target.HTTP.Registering(nil) // registers nothing (redact.go)
	e := &engine{cfg: cfg, now: cfg.Now, plan: cfg.Plan, stopSend: make(chan struct{}), red: cfg.Target.Redactor}
	if cfg.NetHTTP {
		e.client = http
	} else {
		e.client = http.Fast(cfg.Timeout)
	}
	if cfg.Warmup > 0 {
		first := cfg.Plan.Stages[0]
		w := Stage{Name: "warm-up", Duration: cfg.Warmup, From: first.From, To: first.From}
		e.plan = Plan{Stages: append([]Stage{w}, cfg.Plan.Stages...)}
		e.warm = 1
	}
	if cfg.ValidateFraction > 0 {
		e.checks = checks.Success()
		e.grantChecks = [2][]checks.Check{checks.GrantResponse(false), checks.GrantResponse(true)}
		for _, c := range e.checks {
			if c.ID != "RESP-NO-REFRESH" {
				e.startChecks = append(e.startChecks, c)
			}
		}
		lvl, _ := cfg.Target.Profile.Level("RT-ROTATION")
		e.rotationRequired = lvl == catalog.Must
	}
	return e, nil
}

// stop ends scheduling early, remembering the first reason.
func (e *engine) stop(why string) {
	e.stopOnce.Do(func() {
		e.stopWhy.Store(why)
		close(e.stopSend)
	})
}

func (e *engine) stopped() bool {
	select {
	case <-e.stopSend:
		return true
	default:
		return false
	}
}

func (e *engine) run(ctx context.Context) (*results.Load, error) {
	e.cpu0 = processCPU()
	e.start = e.now()
	e.measured = e.start.Add(e.plan.StageStart(e.warm))
	// Two shards a processor: two requests recording at once rarely meet
	// (a Record holds its shard for a tenth of a microsecond), and each
	// shard is about 1 MiB of histograms.
	shards := 2 * runtime.GOMAXPROCS(0)
	// Intervals are whole wall-clock seconds, so that the results of
	// several machines (shards) line up second by second.
	e.rec = newRecorder(e.measured.Truncate(time.Second), len(e.cfg.Plan.Stages), shards)
	e.rec.method = e.cfg.Target.Auth.Method()

	watched := e.watchInterrupt(ctx)

	var wg sync.WaitGroup
	tickDone := make(chan struct{})
	tickStopped := make(chan struct{})
	go e.ticker(tickDone, tickStopped)
	e.startProbers()
	if e.cfg.Model == Closed {
		for id := range e.cfg.Concurrency {
			wg.Add(1)
			go func() {
				defer wg.Done()
				e.closedWorker(id)
			}()
		}
	} else {
		e.slots = make(chan struct{}, e.cfg.MaxInFlight)
		e.pending = make(chan struct{}, maxPending(e.cfg.MaxInFlight))
		e.work = make(chan ticket)
		e.schedule(&wg)
	}
	wg.Wait()
	e.stopProbers()
	if f, ok := e.client.(*exchange.FastClient); ok {
		f.CloseIdle()
	}
	watched()
	close(tickDone)
	<-tickStopped
	end := e.now()
	e.rec.closeIntervals(end, 0, true, e.measuredRate)
	res := e.result(end, ctx.Err() != nil)
	if err, ok := e.codeErr.Load().(error); ok {
		return res, err
	}
	return res, nil
}

// measuredRate is the target rate at a moment of the measured phase.
// d counts from the whole second the intervals start at.
func (e *engine) measuredRate(d time.Duration) float64 {
	if e.cfg.Model == Closed {
		return 0
	}
	d -= e.measured.Sub(e.measured.Truncate(time.Second))
	if d < 0 {
		return 0
	}
	return e.cfg.Plan.RateAt(d)
}

// ticker feeds the progress view and the abort rule, off the request path.
func (e *engine) ticker(done <-chan struct{}, stopped chan<- struct{}) {
	defer close(stopped)
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	var lastReq int64
	lastAt := e.now()
	rate := 0.0
	for {
		select {
		case <-done:
			if e.cfg.Progress != nil {
				e.cfg.Progress.Done(e.snapshot(rate))
			}
			return
		case <-t.C:
		}
		now := e.now()
		e.rec.closeIntervals(now, 200*time.Millisecond, false, e.measuredRate)
		if dt := now.Sub(lastAt); dt >= time.Second {
			req, _, _ := e.rec.counts()
			rate = float64(req-lastReq) / dt.Seconds()
			lastReq, lastAt = req, now
		}
		if e.cfg.AbortErrorRate > 0 && !e.stopped() {
			req, errs := e.rec.recentErrorRate(e.cfg.AbortWindow)
			if req >= 10 && float64(errs)/float64(req) > e.cfg.AbortErrorRate {
				e.stop(fmt.Sprintf("error rate %.1f%% over the last %s exceeded %.1f%%",
					100*float64(errs)/float64(req), e.cfg.AbortWindow, 100*e.cfg.AbortErrorRate))
			}
		}
		if e.cfg.Progress != nil {
			e.cfg.Progress.Update(e.snapshot(rate))
		}
	}
}

package runner

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
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
	// OnInterrupt, when set, is called once when ctx is done during the
	// run, with the result so far marked interrupted (the requests in
	// flight not in it), so that it is written at once; Run then waits for
	// those requests, up to Timeout, and returns the full result. It is
	// called from a goroutine of Run's, and returns before Run does.
	OnInterrupt func(*results.Load)
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
	http     *exchange.Client // registers nothing (redact.go)
	red      *redact.Redactor // the run's; nil with --reveal

	timerLate time.Duration // the scheduler's estimate of how late timers fire
	slots     chan struct{} // open model: requests in flight
	pending   chan struct{} // open model: requests started, not finished
	scratch   sync.Pool     // *scratch
	seeds     atomic.Uint64

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
	e := &engine{cfg: cfg, now: cfg.Now, plan: cfg.Plan, stopSend: make(chan struct{}),
		http: cfg.Target.HTTP.Registering(nil), red: cfg.Target.Redactor}
	e.scratch.New = func() any {
		return &scratch{rng: rand.New(rand.NewPCG(e.seeds.Add(1), uint64(time.Now().UnixNano())))}
	}
	if cfg.Warmup > 0 {
		first := cfg.Plan.Stages[0]
		w := Stage{Name: "warm-up", Duration: cfg.Warmup, From: first.From, To: first.From}
		e.plan = Plan{Stages: append([]Stage{w}, cfg.Plan.Stages...)}
		e.warm = 1
	}
	if cfg.ValidateFraction > 0 {
		e.checks = checks.Success()
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
	shards := 4 * runtime.GOMAXPROCS(0)
	// Intervals are whole wall-clock seconds, so that the results of
	// several machines (shards) line up second by second.
	e.rec = newRecorder(e.measured.Truncate(time.Second), len(e.cfg.Plan.Stages), shards)
	e.rec.method = e.cfg.Target.Auth.Method()

	watched := e.watchInterrupt(ctx)

	var wg sync.WaitGroup
	tickDone := make(chan struct{})
	tickStopped := make(chan struct{})
	go e.ticker(tickDone, tickStopped)
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
		e.schedule(&wg)
	}
	wg.Wait()
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

// schedule starts each request at its intended time (open model). A
// request first waits for its code (the code supply's time, kept out of the
// latency), then for one of the MaxInFlight slots (queueing, which stays in
// the latency: it is measured from the intended time). When too many
// requests are pending the scheduler itself blocks; the requests it then
// starts late still count from their intended time.
func (e *engine) schedule(wg *sync.WaitGroup) {
	pc := e.plan.Pacer()
	deadline := e.plan.Duration()
	if e.plan.CountBounded() {
		// The user asked for a number of requests: they are all sent, late
		// ones counted late from their intended time, however long it takes.
		deadline = 0
	}
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	var n int
	for {
		off, stage, ok := pc.Next()
		if !ok {
			return
		}
		if deadline > 0 && e.now().Sub(e.start) > deadline+time.Second {
			// Hopelessly behind: the plan's time is over. What was not
			// sent is counted, not silently dropped.
			e.countUnsent(pc, stage)
			return
		}
		intended := e.start.Add(off)
		if !e.waitUntil(timer, intended) {
			e.countUnsent(pc, stage)
			return
		}
		select {
		case e.pending <- struct{}{}:
		case <-e.stopSend:
			e.countUnsent(pc, stage)
			return
		}
		n++
		wg.Add(1)
		go func(t ticket, id int) {
			defer wg.Done()
			defer func() { <-e.pending }()
			sc := e.scratch.Get().(*scratch)
			sc.dst = e.one(id, t, sc.rng, sc.dst)
			e.scratch.Put(sc)
		}(ticket{intended: intended, stage: stage - e.warm}, n)
	}
}

// waitUntil waits for the intended time; false when scheduling stopped.
//
// Timers wake up late, by up to a millisecond on an idle machine (the
// poller's resolution), and that lateness would be the generator's own in
// every latency. So the scheduler sleeps until a little before the intended
// time, by the lateness it has observed (a moving average plus a margin),
// and yields in a loop for the rest. On a busy machine timers are punctual
// and the loop is short.
func (e *engine) waitUntil(timer *time.Timer, intended time.Time) bool {
	early := e.timerLate + 50*time.Microsecond
	if wait := intended.Sub(e.now()) - early; wait > 0 {
		timer.Reset(wait)
		select {
		case <-timer.C:
		case <-e.stopSend:
			return false
		}
		late := e.now().Sub(intended.Add(-early))
		e.timerLate += (max(late, 0) - e.timerLate) / 8
	}
	for e.now().Before(intended) {
		runtime.Gosched()
	}
	return !e.stopped()
}

// maxPending bounds the requests started but not finished (waiting for a
// code, a slot, or a response).
func maxPending(inFlight int) int { return max(4*inFlight, 64) }

// scratch is per-goroutine reusable state.
type scratch struct {
	rng *rand.Rand
	dst []checks.Result
}

// countUnsent counts the measured requests the plan still had.
func (e *engine) countUnsent(pc *Pacer, stage int) {
	if e.stopWhy.Load() == "interrupted" {
		return // an interrupted run was not meant to send the rest
	}
	n := int64(0)
	if stage >= e.warm {
		n++
	}
	for {
		_, s, ok := pc.Next()
		if !ok || n > 1e8 {
			break
		}
		if s >= e.warm {
			n++
		}
	}
	e.unsent.Add(n)
}

// closedWorker sends back to back until the plan's duration or request
// count is reached.
func (e *engine) closedWorker(id int) {
	rng := rand.New(rand.NewPCG(uint64(id), uint64(e.start.UnixNano())))
	var dst []checks.Result
	st := e.cfg.Plan.Stages[0]
	for !e.stopped() {
		now := e.now()
		stage := e.warm // the measured stage, after a warm-up by time
		if now.Before(e.measured) {
			stage = 0
		}
		if st.Duration > 0 && now.Sub(e.measured) >= st.Duration {
			return
		}
		if st.Requests > 0 && stage >= e.warm && e.closed.Add(1) > st.Requests {
			return
		}
		dst = e.one(id, ticket{intended: now, stage: stage - e.warm}, rng, dst)
	}
}

// one obtains a code, sends one exchange, validates and records it.
func (e *engine) one(id int, t ticket, rng *rand.Rand, dst []checks.Result) []checks.Result {
	tg := e.cfg.Target
	fetch := e.now()
	cctx, ccancel := context.WithTimeout(context.Background(), e.cfg.Timeout)
	code, err := e.cfg.Codes.Next(cctx)
	ccancel()
	if err != nil {
		if codes.Permanent(err) {
			e.codeErr.CompareAndSwap(nil, err)
			e.stop("the code source failed: " + e.red.String(err.Error()))
		}
		if t.stage >= 0 {
			e.rec.Record(id, sample{stage: t.stage, intended: t.intended, sent: e.now(), done: e.now(), outcome: "code_error"})
		}
		return dst
	}
	ready := e.now()
	intended := t.intended
	var codeWait time.Duration
	if e.cfg.Model == Closed {
		codeWait = ready.Sub(fetch) // the worker sat idle this long
	} else {
		// The part of the wait for a code that falls after the request was
		// due is the code supply's: reported apart, and taken out of the
		// exchange latency by moving the intended time on by as much. A
		// wait for a free in-flight slot stays in (coordinated omission).
		codeWait = pastDue(intended, fetch, ready)
		intended = intended.Add(codeWait)
	}
	spec, authStart, authed := e.authenticate(code)
	if e.cfg.Model == Open {
		intended = intended.Add(pastDue(intended, authStart, authed))
	}
	if spec.Err != nil {
		if t.stage >= 0 {
			e.rec.Record(id, sample{stage: t.stage, intended: intended, sent: authed, done: authed, outcome: "auth_error"})
		}
		return dst
	}
	if e.slots != nil {
		e.slots <- struct{}{}
	}
	rctx, cancel := context.WithTimeout(context.Background(), e.cfg.Timeout)
	if n := e.inFlight.Add(1); n > e.peak.Load() {
		e.peak.Store(n) // racy max: close enough for a report
	}
	flight := e.now()
	x := e.http.DoScheduled(rctx, spec, intended)
	e.inFlight.Add(-1)
	if t.stage >= 0 {
		e.busy.Add(int64(e.now().Sub(flight)))
	}
	cancel()
	if e.slots != nil {
		<-e.slots
	}

	s := sample{stage: t.stage, intended: intended, sent: x.Timings.Sent, done: x.Timings.Done, codeWait: codeWait,
		auth: authed.Sub(authStart), authed: true}
	if e.cfg.Model == Closed {
		s.intended = x.Timings.Sent
	}
	s.outcome, s.ok = classify(x)
	s.outcome = outcomeKey(e.red, x, code, s.outcome)
	if s.ok && e.checks != nil && (e.cfg.ValidateFraction >= 1 || rng.Float64() < e.cfg.ValidateFraction) {
		s.validated = true
		cc := tg.CheckContext(code)
		dst = checks.Evaluate(checks.NewEvidence(context.Background(), x, cc), cc, e.checks, dst[:0])
		for _, r := range dst {
			if !r.Failed() {
				continue
			}
			s.failed = append(s.failed, r.ID)
			if lvl, _ := tg.Profile.Level(r.ID); lvl == catalog.Must && !r.Warning() {
				s.ok, s.outcome = false, "invalid_200"
			}
		}
	}
	e.rec.Record(id, s)
	return dst
}

// classify names an exchange's outcome and says whether it counts as ok
// (before validation).
func classify(x *exchange.Exchange) (string, bool) {
	switch {
	case x.Response == nil && x.IsTimeout():
		return "timeout", false
	case x.Response == nil:
		return "connection_error", false
	case x.Status() == http.StatusOK && bytes.Contains(x.Response.Body, accessTokenMember):
		// A cheap look: whether the body really is a valid token response
		// is validation's business (--validate), which parses it properly.
		return "ok", true
	case x.Status() >= 500:
		return "http_5xx", false
	case x.Status() >= 400:
		if code := x.OAuthError(); code != "" && len(code) <= MaxOutcomeKeyLen {
			return code, false
		}
		return "http_4xx", false
	}
	return fmt.Sprintf("http_%d", x.Status()), false
}

var accessTokenMember = []byte(`"access_token"`)

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
			req := e.rec.requests.Load()
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

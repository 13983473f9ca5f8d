package runner

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/tokenbench/tokenbench/internal/checks"
	"github.com/tokenbench/tokenbench/internal/codes"
	"github.com/tokenbench/tokenbench/internal/exchange"
	"github.com/tokenbench/tokenbench/runner/results"
)

// sender is the HTTP client of a run: exchange.FastClient, or the
// conformance path's exchange.Client (Config.NetHTTP).
type sender interface {
	DoScheduled(ctx context.Context, s exchange.Spec, scheduled time.Time) *exchange.Exchange
}

// worker is the state of one closed-model worker or open-model sender.
type worker struct {
	id   int // recorder shard hint
	rng  *rand.Rand
	dst  []checks.Result
	busy time.Duration // in flight, not yet added to engine.busy
	n    int
	// grant is the unauthenticated token request for grantFor (whose
	// value was grantValue), built again for another code; params is the
	// backing array of each request's parameters (the grant's and the
	// client authentication's), reused.
	grant      exchange.Spec
	grantFor   *codes.Code
	grantValue string
	params     []exchange.Param
}

func (e *engine) newWorker(id int) *worker {
	return &worker{id: id, rng: rand.New(rand.NewPCG(uint64(id), uint64(e.start.UnixNano())))}
}

// flush adds the worker's time in flight to the engine's total (a counter
// every worker shared would pass its cache line between processors on
// every request).
func (w *worker) flush(e *engine) {
	e.busy.Add(int64(w.busy))
	w.busy = 0
}

// closedWorker sends back to back until the plan's duration or request
// count is reached.
func (e *engine) closedWorker(id int) {
	w := e.newWorker(id)
	defer w.flush(e)
	st := e.cfg.Plan.Stages[0]
	now := e.now()
	for !e.stopped() {
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
		// The next request starts when this one is done: its end is the
		// clock reading for the next round.
		now = e.one(w, ticket{intended: now, stage: stage - e.warm})
	}
}

// one obtains a code, sends one exchange, validates and records it, and
// returns when it was done.
func (e *engine) one(w *worker, t ticket) time.Time {
	if e.cfg.Grant != "" && e.cfg.Grant != results.GrantAuthorizationCode {
		return e.oneGrant(w, t)
	}
	id := w.id
	tg := e.cfg.Target
	_, static := e.cfg.Codes.(*staticSource)
	fetch := t.intended // a static code never waits: no clock to read
	if !static {
		fetch = e.now()
	}
	code, err := e.code()
	if err != nil {
		if codes.Permanent(err) {
			e.codeErr.CompareAndSwap(nil, err)
			e.stop("the code source failed: " + e.red.String(err.Error()))
		}
		now := e.now()
		if t.stage >= 0 {
			e.rec.Record(id, sample{stage: t.stage, intended: t.intended, sent: now, done: now, outcome: "code_error"})
		}
		return now
	}
	ready := fetch // a static code never waits
	if !static {
		ready = e.now()
	}
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
	spec, authStart, authed := e.authenticate(w, code)
	if e.cfg.Model == Open {
		intended = intended.Add(pastDue(intended, authStart, authed))
	}
	if spec.Err != nil {
		if t.stage >= 0 {
			e.rec.Record(id, sample{stage: t.stage, intended: intended, sent: authed, done: authed, outcome: "auth_error"})
		}
		return authed
	}
	x := e.send(w, t, spec, intended)

	s := sample{stage: t.stage, intended: intended, sent: x.Timings.Sent, done: x.Timings.Done, codeWait: codeWait,
		auth: authed.Sub(authStart), authed: true}
	if e.cfg.Model == Closed {
		s.intended = x.Timings.Sent
	}
	s.outcome, s.ok = classify(x)
	s.outcome = outcomeKey(e.red, x, code, s.outcome)
	if s.ok && e.checks != nil && e.sampled(w) {
		e.validate(w, &s, x, tg.CheckContext(code), e.checks)
	}
	e.rec.Record(id, s)
	return x.Timings.Done
}

// send sends spec, due at intended, holding an in-flight slot in the open
// model, and adds its time in flight to w's when it is measured.
func (e *engine) send(w *worker, t ticket, spec exchange.Spec, intended time.Time) *exchange.Exchange {
	if e.slots != nil {
		e.slots <- struct{}{}
	}
	if n := e.inFlight.Add(1); n > e.peak.Load() {
		e.peak.Store(n) // racy max: close enough for a report
	}
	x := e.do(spec, intended)
	e.inFlight.Add(-1)
	if t.stage >= 0 {
		w.busy += x.Timings.Done.Sub(x.Timings.Sent)
		if w.n++; w.n%256 == 0 {
			w.flush(e)
		}
	}
	if e.slots != nil {
		<-e.slots
	}
	return x
}

// do sends spec, due at intended, bounded by the request timeout.
func (e *engine) do(spec exchange.Spec, intended time.Time) *exchange.Exchange {
	if !e.cfg.NetHTTP {
		return e.client.DoScheduled(context.Background(), spec, intended) // times out by itself
	}
	ctx, cancel := context.WithTimeout(context.Background(), e.cfg.Timeout)
	defer cancel()
	return e.client.DoScheduled(ctx, spec, intended)
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

// code returns the next code, waiting at most the request timeout.
func (e *engine) code() (*codes.Code, error) {
	if s, ok := e.cfg.Codes.(*staticSource); ok {
		return s.next(), nil // never waits: no deadline to arm
	}
	ctx, cancel := context.WithTimeout(context.Background(), e.cfg.Timeout)
	defer cancel()
	return e.cfg.Codes.Next(ctx)
}

package runner

import (
	"context"
	"maps"
	"sync"
	"sync/atomic"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/tokenbench/tokenbench/internal/catalog"
	"github.com/tokenbench/tokenbench/internal/checks"
	"github.com/tokenbench/tokenbench/internal/codes"
	"github.com/tokenbench/tokenbench/internal/exchange"
	"github.com/tokenbench/tokenbench/runner/results"
)

// The refresh_token and client_credentials grants under load.
//
// A refresh_token run keeps a pool of chains: a request takes a free chain
// (or starts one by redeeming one code: a chain start, measured apart like
// the wait for a code and never a sample of its own), refreshes with the
// chain's newest refresh token and keeps the rotated one. A chain broken by
// an error is dropped and started again at its next use, counted under the
// outcome that broke it. The code exchange that starts a chain is held to
// the code grant's rows, counted apart (results.Chains). Where the profile
// requires rotation, a refresh response that does not rotate fails
// RT-ROTATION. On a share of rotations (Config.ReuseProbes) the chain goes
// to a prober (probes.go), which presents the rotated-away token again.
//
// https://www.rfc-editor.org/rfc/rfc6749#section-6
// https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2

// chain is one refresh chain: the code that started it and its newest
// refresh token.
type chain struct {
	code  *codes.Code
	token string
}

// chainPool holds the free chains and the chain counters.
type chainPool struct {
	mu       sync.Mutex
	free     []*chain
	broken   []string // reasons of chains dropped, not yet started again
	restarts map[string]int64

	// start times, and the chain starts' validation, under mu
	startTime          *hdr.Histogram
	startNanos         int64
	startValidated     int64
	startInvalid       int64
	startCheckFailures map[string]int64

	started, startFailures       atomic.Int64
	probes, accepted             atomic.Int64
	familyProbes, familySurvived atomic.Int64
	probesSkipped                atomic.Int64
}

// take returns a free chain, or nil.
func (p *chainPool) take() *chain {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := len(p.free)
	if n == 0 {
		return nil
	}
	ch := p.free[n-1]
	p.free = p.free[:n-1]
	return ch
}

func (p *chainPool) put(ch *chain) {
	p.mu.Lock()
	p.free = append(p.free, ch)
	p.mu.Unlock()
}

// drop forgets a chain broken for reason: the next chain started counts
// as its restart.
func (p *chainPool) drop(reason string) {
	p.mu.Lock()
	p.broken = append(p.broken, reason)
	p.mu.Unlock()
}

// counted counts a chain start, as a restart when a chain was dropped.
func (p *chainPool) counted() {
	p.started.Add(1)
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := len(p.broken); n > 0 {
		if p.restarts == nil {
			p.restarts = map[string]int64{}
		}
		p.restarts[p.broken[n-1]]++
		p.broken = p.broken[:n-1]
	}
}

// timed records how long a chain start (or a failed one) took.
func (p *chainPool) timed(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.startTime == nil {
		p.startTime = results.NewHistogram()
	}
	p.startNanos += int64(d)
	_ = p.startTime.RecordValue(min(max(d.Microseconds(), results.HistogramMin), results.HistogramMax))
}

// validated records a chain start's validation: the rows it failed, and
// whether one of them was a MUST.
func (p *chainPool) validated(failed []string, invalid bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.startValidated++
	if invalid {
		p.startInvalid++
	}
	for _, id := range failed {
		if p.startCheckFailures == nil {
			p.startCheckFailures = map[string]int64{}
		}
		p.startCheckFailures[id]++
	}
}

// stats are the counters as a result holds them.
func (p *chainPool) stats() *results.Chains {
	c := &results.Chains{Started: p.started.Load(), StartFailures: p.startFailures.Load(),
		ReuseProbes: p.probes.Load(), ReuseAccepted: p.accepted.Load(),
		FamilyProbes: p.familyProbes.Load(), FamilySurvived: p.familySurvived.Load(),
		ProbesSkipped: p.probesSkipped.Load()}
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := c.Started + c.StartFailures; n > 0 {
		c.StartMS = float64(p.startNanos) / float64(n) / 1e6
	}
	c.StartTimeMS = results.PercentilesOf(p.startTime)
	c.StartValidated, c.StartInvalid = p.startValidated, p.startInvalid
	if len(p.startCheckFailures) > 0 {
		c.StartCheckFailures = maps.Clone(p.startCheckFailures)
	}
	if len(p.restarts) > 0 {
		c.Restarts = maps.Clone(p.restarts)
	}
	return c
}

// oneGrant sends one refresh or client credentials request, validates
// and records it, and returns when it was done.
func (e *engine) oneGrant(w *worker, t ticket) time.Time {
	tg := e.cfg.Target
	intended := t.intended
	var wait time.Duration
	var ch *chain
	var grant exchange.Spec
	if e.cfg.Grant == results.GrantRefreshToken {
		from := e.now()
		outcome := ""
		if ch = e.chains.take(); ch == nil {
			ch, outcome = e.startChain(w)
		}
		ready := e.now()
		if e.cfg.Model == Closed {
			wait = ready.Sub(from)
		} else {
			// as for a code: a chain start past the due time is the
			// harness's, kept out of the latency
			wait = pastDue(intended, from, ready)
			intended = intended.Add(wait)
		}
		if ch == nil {
			if t.stage >= 0 {
				e.rec.Record(w.id, sample{stage: t.stage, intended: intended, sent: ready, done: ready, codeWait: wait, outcome: outcome})
			}
			return ready
		}
		grant = exchange.RefreshGrant(tg.TokenEndpoint, ch.token, "")
	} else {
		grant = exchange.ClientCredentialsGrant(tg.TokenEndpoint, tg.Profile.ClientCredentials.Scope)
	}
	grant.Probe = "load"
	spec, authStart, authed := e.authorize(w, grant)
	if e.cfg.Model == Open {
		intended = intended.Add(pastDue(intended, authStart, authed))
	}
	if spec.Err != nil {
		if ch != nil {
			e.chains.put(ch)
		}
		if t.stage >= 0 {
			e.rec.Record(w.id, sample{stage: t.stage, intended: intended, sent: authed, done: authed, outcome: "auth_error"})
		}
		return authed
	}
	x := e.send(w, t, spec, intended)
	s := sample{stage: t.stage, intended: intended, sent: x.Timings.Sent, done: x.Timings.Done, codeWait: wait,
		auth: authed.Sub(authStart), authed: true}
	if e.cfg.Model == Closed {
		s.intended = x.Timings.Sent
	}
	s.outcome, s.ok = classify(x)
	issued := s.ok // before validation: an invalid 200 still rotated the chain
	s.outcome = outcomeKey(e.red, x, nil, s.outcome)
	if s.ok && e.checks != nil && e.sampled(w) {
		idToken := ch != nil && x.Has("id_token")
		var cc *checks.Context
		if ch != nil {
			cc = tg.CheckContext(ch.code)
		} else {
			cc = tg.CheckContext(nil)
		}
		e.validate(w, &s, x, cc, e.grantChecks[btoi(idToken)])
		if ch != nil && e.rotationRequired {
			// RFC 9700 §4.14.2: a new refresh token, not the one presented
			if rt, _ := x.StringMember("refresh_token"); rt == "" || rt == ch.token {
				e.fail(&s, "RT-ROTATION", false)
			}
		}
		if ch == nil {
			// RFC 6749 §4.4.3, OIDC Core §2: no refresh token, no ID token
			for _, m := range []struct{ member, row string }{{"refresh_token", "CC-NO-REFRESH"}, {"id_token", "CC-NO-ID-TOKEN"}} {
				if x.Has(m.member) {
					e.fail(&s, m.row, false)
				}
			}
		}
	}
	e.rec.Record(w.id, s)
	if ch == nil {
		if at, _ := x.StringMember("access_token"); at != "" {
			e.register(at)
		}
		return x.Timings.Done
	}
	if !issued {
		e.chains.drop(s.outcome)
		return x.Timings.Done
	}
	old := ch.token
	e.follow(ch, x)
	if ch.token != old && e.cfg.ReuseProbes > 0 && w.rng.Float64() < e.cfg.ReuseProbes {
		e.probeLater(ch, old)
		return x.Timings.Done
	}
	e.chains.put(ch)
	return x.Timings.Done
}

// follow takes the refresh token of success x, when it has one, as ch's
// newest, registered with the run's redactor.
func (e *engine) follow(ch *chain, x *exchange.Exchange) {
	if rt, _ := x.StringMember("refresh_token"); rt != "" && rt != ch.token {
		e.register(rt)
		ch.token = rt
	}
}

// register tells the run's redactor a token received (nil with --reveal).
func (e *engine) register(v string) {
	if e.red != nil {
		e.red.AddSecret(v)
	}
}

// startChain redeems a code for a chain's first refresh token, validating
// the response (when sampled) with engine.startChecks. It returns the outcome
// to record when it could not.
func (e *engine) startChain(w *worker) (*chain, string) {
	start := e.now()
	defer func() { e.chains.timed(e.now().Sub(start)) }()
	code, err := e.code()
	if err != nil {
		if codes.Permanent(err) {
			e.codeErr.CompareAndSwap(nil, err)
			e.stop("the code source failed: " + e.red.String(err.Error()))
		}
		e.chains.startFailures.Add(1)
		return nil, "code_error"
	}
	spec, _, _ := e.authenticate(w, code)
	if spec.Err != nil {
		e.chains.startFailures.Add(1)
		return nil, "auth_error"
	}
	x := e.send(w, ticket{stage: -1}, spec, e.now())
	_, ok := classify(x)
	rt, _ := x.StringMember("refresh_token")
	if ok && e.checks != nil && e.sampled(w) {
		s := sample{ok: true}
		e.validate(w, &s, x, e.cfg.Target.CheckContext(code), e.startChecks)
		e.chains.validated(s.failed, !s.ok)
	}
	if !ok || rt == "" {
		e.chains.startFailures.Add(1)
		return nil, "chain_start_error"
	}
	e.register(rt)
	e.chains.counted()
	return &chain{code: code, token: rt}, ""
}

// sampled says whether this response is validated (Config.ValidateFraction).
func (e *engine) sampled(w *worker) bool {
	return e.cfg.ValidateFraction >= 1 || w.rng.Float64() < e.cfg.ValidateFraction
}

// validate runs list over x into s. An INFO row's finding is an
// observation, as conform records it, not a check failure.
func (e *engine) validate(w *worker, s *sample, x *exchange.Exchange, cc *checks.Context, list []checks.Check) {
	s.validated = true
	w.dst = checks.Evaluate(checks.NewEvidence(context.Background(), x, cc), cc, list, w.dst[:0])
	for _, r := range w.dst {
		if r.Failed() && r.Level != catalog.Info {
			e.fail(s, r.ID, r.Warning())
		}
	}
}

// fail records row id as failed in s: a MUST row (not a warning) makes
// the response invalid.
func (e *engine) fail(s *sample, id string, warning bool) {
	s.failed = append(s.failed, id)
	if lvl, _ := e.cfg.Target.Profile.Level(id); lvl == catalog.Must && !warning {
		s.ok, s.outcome = false, "invalid_200"
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

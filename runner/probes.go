package runner

import (
	"sync"
	"time"

	"github.com/tokenbench/tokenbench/internal/exchange"
	"github.com/tokenbench/tokenbench/runner/results"
)

// Reuse probes (RFC 9700 §4.14.2). A rotation drawn for a probe hands its
// chain to one of a few probers, which present the rotated-away token
// again: refused is expected; accepted fails RT-REUSE-REJECTED. Where the
// profile requires family revocation the chain's newest token is then
// tried once: still working fails RT-REUSE-REVOKES-FAMILY; refused
// restarts the chain, no error. The probers send beside the schedule: no
// in-flight slot, no sample, no worker or sender waiting on them. When
// they are all busy and their queue is full, the rotation goes unprobed,
// counted (results.Chains.ProbesSkipped).
//
// https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2

// Probers and their queue.
const (
	probers    = 4
	probeQueue = 256
)

// probeJob is a chain to probe: old is the token it rotated away from.
type probeJob struct {
	ch  *chain
	old string
}

// prober is the run's reuse probers.
type prober struct {
	jobs chan probeJob
	wg   sync.WaitGroup
	// drainBy, once set (under mu), is when queued probes stop being sent
	// after the schedule ended.
	mu      sync.Mutex
	drainBy time.Time
}

// startProbers starts the probers of a refresh run with reuse probes.
func (e *engine) startProbers() {
	if e.cfg.Grant != results.GrantRefreshToken || e.cfg.ReuseProbes <= 0 {
		return
	}
	p := &prober{jobs: make(chan probeJob, probeQueue)}
	e.prober = p
	for i := range probers {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			w := e.newWorker(-1 - i)
			for j := range p.jobs {
				if e.stopped() || p.late(e.now()) {
					e.chains.probesSkipped.Add(1)
					e.chains.drop(results.RestartAfterProbe)
					continue
				}
				if e.reuseProbe(w, j.ch, j.old) {
					e.chains.put(j.ch)
				} else {
					e.chains.drop(results.RestartAfterProbe)
				}
			}
		}()
	}
}

// late reports whether the drain time after the schedule has passed.
func (p *prober) late(now time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return !p.drainBy.IsZero() && now.After(p.drainBy)
}

// stopProbers lets the probers send what is queued for up to the request
// timeout, skips the rest and waits for them.
func (e *engine) stopProbers() {
	p := e.prober
	if p == nil {
		return
	}
	p.mu.Lock()
	p.drainBy = e.now().Add(e.cfg.Timeout)
	p.mu.Unlock()
	close(p.jobs)
	p.wg.Wait()
}

// probeLater hands ch to the probers, or counts the probe skipped and
// keeps the chain when they are all busy.
func (e *engine) probeLater(ch *chain, old string) {
	if e.prober != nil {
		select {
		case e.prober.jobs <- probeJob{ch, old}:
			return
		default:
		}
	}
	e.chains.probesSkipped.Add(1)
	e.chains.put(ch)
}

// reuseProbe presents old, rotated away from ch, again and, where the
// profile requires family revocation, then ch's newest token. It reports
// whether ch is still usable.
func (e *engine) reuseProbe(w *worker, ch *chain, old string) bool {
	tg := e.cfg.Target
	x := e.probe(w, exchange.RefreshGrant(tg.TokenEndpoint, old, ""))
	if x.Response == nil {
		return false // no answer: nothing learnt, and the chain's state unknown
	}
	e.chains.probes.Add(1)
	if _, ok := classify(x); ok {
		e.chains.accepted.Add(1)
		if rt, _ := x.StringMember("refresh_token"); rt != "" {
			e.register(rt)
		}
	}
	if tg.Profile.Refresh.ReuseRevokesFamily != "required" {
		return false // the family may or may not be revoked: start afresh
	}
	y := e.probe(w, exchange.RefreshGrant(tg.TokenEndpoint, ch.token, ""))
	if y.Response == nil {
		return false
	}
	e.chains.familyProbes.Add(1)
	if _, ok := classify(y); !ok {
		return false // revoked, as required
	}
	e.chains.familySurvived.Add(1)
	e.follow(ch, y)
	return true
}

// probe authenticates and sends a reuse probe now: no slot, no sample.
func (e *engine) probe(w *worker, grant exchange.Spec) *exchange.Exchange {
	grant.Probe = "load reuse probe"
	spec, _, _ := e.authorize(w, grant)
	if spec.Err != nil {
		return &exchange.Exchange{}
	}
	return e.do(spec, e.now())
}

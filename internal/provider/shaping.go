package provider

import (
	"net/http"
	"time"
)

// shape wraps the token endpoint with the load-shaping knobs, in the order
// a request meets them: the periodic stall (decided by arrival time), the
// capacity queue, the added latency (spent holding a capacity slot, so it
// acts as service time), then the injected 503s. Fast mode replaces the
// endpoint itself.
func (p *Provider) shape(token http.Handler) http.Handler {
	if p.cfg.Fast {
		token = http.HandlerFunc(p.handleFastToken)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if d := stallDelay(p.now().Sub(p.epoch), p.cfg.StallHold, p.cfg.StallPeriod); d > 0 {
			if !sleep(ctx, d) {
				return
			}
		}
		if p.sem != nil {
			select {
			case p.sem <- struct{}{}:
				defer func() { <-p.sem }()
			case <-ctx.Done():
				return
			}
		}
		if !sleep(ctx, p.cfg.Latency) {
			return
		}
		if p.cfg.ErrorRate > 0 && (p.cfg.ErrorRate >= 1 || p.chance(p.cfg.ErrorRate)) {
			p.writeError(w, nil, &oauthError{status: http.StatusServiceUnavailable, code: errTemporarily, desc: "injected error"})
			return
		}
		token.ServeHTTP(w, r)
	})
}

// stallDelay returns how long to hold a request that arrives elapsed after
// the start of the stall periods: requests arriving in the first hold of a
// period wait until that hold has passed; others, and every request when
// hold or period is not positive, do not wait. A hold longer than the
// period is the whole period.
func stallDelay(elapsed, hold, period time.Duration) time.Duration {
	if hold <= 0 || period <= 0 || elapsed < 0 {
		return 0
	}
	hold = min(hold, period)
	if in := elapsed % period; in < hold {
		return hold - in
	}
	return 0
}

package runner

import (
	"time"

	"github.com/tokenbench/tokenbench/internal/codes"
	"github.com/tokenbench/tokenbench/internal/exchange"
)

// authenticate builds the token request for code and adds the target's
// client authentication (for the JWT methods a fresh client assertion with
// a unique jti, signed here) and DPoP proof, returning when the
// authentication started and ended: the authenticator's time, measured
// apart from the exchange.
//
// The grant is built again only for another code (a static code is the
// same *Code each time), and the request's parameters go in w's buffer:
// nothing holds a Spec's parameters once its exchange is recorded.
func (e *engine) authenticate(w *worker, code *codes.Code) (exchange.Spec, time.Time, time.Time) {
	tg := e.cfg.Target
	if w.grantFor != code || w.grantValue != code.Value {
		w.grant = exchange.CodeGrant(tg.TokenEndpoint, code.Value, code.RedirectURI, code.CodeVerifier)
		w.grant.Probe = "load"
		w.grantFor, w.grantValue = code, code.Value
	}
	return e.authorize(w, w.grant)
}

// authorize adds the target's client authentication and DPoP proof to
// grant (its parameters copied into w's buffer), returning when the
// authentication started and ended.
func (e *engine) authorize(w *worker, grant exchange.Spec) (exchange.Spec, time.Time, time.Time) {
	tg := e.cfg.Target
	spec := grant
	spec.Params = append(w.params[:0], grant.Params...)
	start := e.now()
	tg.Auth.Authenticate(&spec)
	if tg.DPoP != nil && spec.Err == nil {
		// RFC 9449 §4: a proof per request, signed here with the
		// assertion, so that its cost is measured apart too.
		proof, err := tg.DPoP.Proof(spec.Method, spec.URL, "", exchange.ProofChange{})
		spec.DPoP, spec.Err = &exchange.DPoPSpec{Key: tg.DPoP, Proof: proof}, err
	}
	end := e.now()
	w.params = spec.Params[:0] // keeps what Authenticate grew
	return spec, start, end
}

// pastDue is the part of a wait of the harness's own, from from to to (a
// code, a signature), that fell after the intended send time: the open
// model moves the intended time on by as much, so that it never counts in
// the exchange latency.
func pastDue(intended, from, to time.Time) time.Duration {
	if intended.After(from) {
		from = intended
	}
	if d := to.Sub(from); d > 0 {
		return d
	}
	return 0
}

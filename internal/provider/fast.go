package provider

import (
	"io"
	"net/http"
	"time"
)

// fastRefresh is how often the Fast response is re-signed, so that its iat
// stays within a checker's clock skew during long load runs.
const fastRefresh = 30 * time.Second

// fastResponse is the one pre-built token response of Fast mode.
type fastResponse struct {
	issuer string
	built  time.Time
	body   []byte
}

// fastResponse returns the pre-built response for issuer, building it
// when there is none, it is older than fastRefresh, or the issuer changed.
// Building takes a mutex; serving a fresh one does not.
func (p *Provider) fastResponse(issuer string) (*fastResponse, error) {
	fresh := func(f *fastResponse, now time.Time) bool {
		return f != nil && f.issuer == issuer && !now.Before(f.built) && now.Sub(f.built) < fastRefresh
	}
	now := p.now()
	if f := p.fast.Load(); fresh(f, now) {
		return f, nil
	}
	p.fastMu.Lock()
	defer p.fastMu.Unlock()
	if f := p.fast.Load(); fresh(f, now) {
		return f, nil
	}
	c := p.cfg.Clients[0]
	at, err := p.randomToken()
	if err != nil {
		return nil, err
	}
	idt, err := p.idToken(nil, idTokenInput{issuer: issuer, clientID: c.ID, clientSecret: c.Secret,
		authTime: now, now: now, accessToken: at})
	if err != nil {
		return nil, err
	}
	f := &fastResponse{issuer: issuer, built: now, body: p.successBody(nil, tokenResponse{
		accessToken: at, expiresIn: int64(p.cfg.TokenTTL / time.Second), idToken: idt, scope: "openid"})}
	p.fast.Store(f)
	return f, nil
}

// handleFastToken answers any POST with the pre-built response, without
// parsing the request or storing anything. The access token is not known to
// userinfo.
func (p *Provider) handleFastToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		p.writeError(w, nil, &oauthError{status: http.StatusMethodNotAllowed, code: errInvalidRequest, desc: "the token endpoint accepts only POST"})
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, maxTokenBody)) // keep the connection reusable
	f, err := p.fastResponse(p.issuerFor(r))
	if err != nil {
		p.writeError(w, nil, serverError("could not build the response"))
		return
	}
	p.writeSuccess(w, nil, f.body)
}

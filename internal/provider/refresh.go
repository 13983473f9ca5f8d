package provider

import (
	"encoding/json"
	"net/http"
	"net/url"
	"time"
)

// refreshToken is a refresh token issued under the refresh-undiscovered
// variant: for the client and code it came from, and the scope granted.
type refreshToken struct {
	clientID string
	code     string
	scope    string
	revoked  bool
}

// addRefresh records a refresh token issued from code. When the code has
// been revoked meanwhile (a concurrent reuse), the token is born revoked.
func (s *store) addRefresh(token string, rt refreshToken) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g := s.codes[rt.code]; g != nil {
		g.refresh = append(g.refresh, token)
		rt.revoked = rt.revoked || g.revoked
	}
	s.refresh[token] = &rt
}

// lookupRefresh returns a refresh token that is known and not revoked.
func (s *store) lookupRefresh(token string) (refreshToken, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rt := s.refresh[token]
	if rt == nil || rt.revoked {
		return refreshToken{}, false
	}
	return *rt, true
}

// refresh answers the refresh_token grant (refresh-undiscovered variant):
// a known, unrevoked refresh token of the authenticated client gets a new
// access token, without rotation and without an ID token (OIDC Core §12.2
// makes it optional).
//
// https://datatracker.ietf.org/doc/html/rfc6749#section-6
func (p *Provider) refresh(w http.ResponseWriter, act active, client Client, params url.Values) *oauthError {
	token := params.Get("refresh_token")
	if token == "" {
		return invalidRequest("refresh_token is required")
	}
	rt, ok := p.store.lookupRefresh(token)
	if !ok || rt.clientID != client.ID {
		return invalidGrant("the refresh token is unknown, revoked or issued to another client")
	}
	at, err := p.randomToken()
	if err != nil {
		return serverError("could not create a token")
	}
	now := p.now()
	p.store.addToken(at, accessToken{clientID: client.ID, code: rt.code, expires: now.Add(p.cfg.TokenTTL)},
		now, p.keepCodes(), p.keepUnusedCodes())
	p.writeSuccess(w, act, object([]member{
		{"access_token", at},
		{"expires_in", int64(p.cfg.TokenTTL / time.Second)},
		{"scope", rt.scope},
		{"token_type", "Bearer"},
	}))
	return nil
}

// handleIntrospect is the token introspection endpoint of the
// introspection variant (404 otherwise): POST with HTTP Basic client
// authentication and a token parameter; it answers {"active":true, ...}
// for an access or refresh token that is valid, {"active":false} for any
// other.
//
// https://datatracker.ietf.org/doc/html/rfc7662#section-2
func (p *Provider) handleIntrospect(w http.ResponseWriter, r *http.Request) {
	if !p.variants.on(vIntrospection) {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		p.writeError(w, nil, &oauthError{status: http.StatusMethodNotAllowed, code: errInvalidRequest, desc: "the introspection endpoint accepts only POST"})
		return
	}
	req, e := p.parseTokenRequest(w, r, nil)
	if e == nil {
		if _, ok := r.Header["Authorization"]; !ok {
			e = invalidClient("client authentication is required (HTTP Basic)")
		} else {
			_, _, e = p.authenticate(r, url.Values{}, nil)
		}
	}
	if e != nil {
		p.writeError(w, nil, e)
		return
	}
	token := req.params.Get("token")
	active := p.store.tokenValid(token, p.now())
	if !active {
		_, active = p.store.lookupRefresh(token)
	}
	body, _ := json.Marshal(map[string]any{"active": active})
	w.Header().Set("Cache-Control", cacheNoStore)
	w.Header().Set("Content-Type", p.jsonContentType())
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

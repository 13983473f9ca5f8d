package provider

import (
	"encoding/json"
	"net/http"
	"net/url"
	"time"
)

// refreshActive reports whether token is a refresh token that is known,
// not expired, not rotated away and of a family not revoked (what
// introspection calls active).
func (s *store) refreshActive(token string, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.refresh[token]
	return r != nil && !r.fam.revoked && !r.rotated && now.Before(r.expires)
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
		active = p.store.refreshActive(token, p.now())
	}
	body, _ := json.Marshal(map[string]any{"active": active})
	w.Header().Set("Cache-Control", cacheNoStore)
	w.Header().Set("Content-Type", p.jsonContentType())
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

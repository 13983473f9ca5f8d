package provider

import (
	"net/http"
	"strings"
)

// handleUserinfo is the UserInfo endpoint: GET or POST with
// "Authorization: Bearer <access token>" (RFC 6750 §2.1). It answers the
// test user's claims; a missing token gets a bare Bearer challenge and an
// unknown, revoked or expired one error="invalid_token" (RFC 6750 §3.1).
//
// https://openid.net/specs/openid-connect-core-1_0.html#UserInfo
func (p *Provider) handleUserinfo(w http.ResponseWriter, r *http.Request) {
	if p.variants.on(vNoUserinfo) {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	act := p.roll()
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	dpop := p.cfg.DPoP && strings.EqualFold(scheme, "DPoP")
	if !(strings.EqualFold(scheme, "Bearer") || dpop) || token == "" {
		// RFC 6750 §3.1: no error code when no credentials were sent.
		bearerChallenge(w, `Bearer realm="tokenbench"`)
		return
	}
	jkt, ok := p.store.tokenJKT(token, p.now())
	switch {
	case !ok:
		bearerChallenge(w, scheme+` realm="tokenbench", error="invalid_token"`)
		return
	case dpop:
		// RFC 9449 §7.1: the proof, with ath, by the key the token is bound to.
		got, e, nonce := p.checkProof(act, r, p.endpointURL(r, PathUserinfo), token)
		if e == nil && got != jkt {
			e = &oauthError{status: http.StatusUnauthorized, code: "invalid_token", desc: "the access token is not bound to the proof's key"}
		}
		if e != nil {
			dpopChallenge(w, e, nonce)
			return
		}
	case jkt != "" && !act.on(dDPoPBoundAsBearer):
		// RFC 9449 §7.1: a DPoP-bound token is not a bearer token.
		bearerChallenge(w, `Bearer realm="tokenbench", error="invalid_token"`)
		return
	}
	sub := userSub
	if act.on(dUserinfoOtherSub) {
		sub = otherUserSub
	}
	body := object([]member{
		{"sub", sub},
		{"name", userName},
		{"given_name", userGivenName},
		{"family_name", userFamilyName},
		{"preferred_username", userName},
		{"birthdate", userBirthdate},
	})
	w.Header().Set("Cache-Control", cacheNoStore)
	w.Header().Set("Content-Type", p.jsonContentType())
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

func bearerChallenge(w http.ResponseWriter, challenge string) {
	w.Header().Set("WWW-Authenticate", challenge)
	w.Header().Set("Cache-Control", cacheNoStore)
	w.WriteHeader(http.StatusUnauthorized)
}

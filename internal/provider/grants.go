package provider

import (
	"net/http"
	"slices"
	"strings"
	"time"
)

// Grant types the provider can serve besides authorization_code
// (Config.Grants).
const (
	GrantRefreshToken      = "refresh_token"
	GrantClientCredentials = "client_credentials"
)

// Grants returns the grant types Config.Grants may name.
func Grants() []string { return []string{GrantRefreshToken, GrantClientCredentials} }

// DefaultRefreshTTL is the refresh token lifetime when Config.RefreshTTL is 0.
const DefaultRefreshTTL = 8 * time.Hour

// ccScope is the scope of a client credentials token when none is asked.
const ccScope = "tokenbench.api"

// serves reports whether the provider serves grant (beyond the code).
func (p *Provider) serves(grant string) bool { return slices.Contains(p.cfg.Grants, grant) }

// grantTypes are the grant types discovery lists.
func (p *Provider) grantTypes(act active) []string {
	gs := []string{"authorization_code"}
	if act.on(dDiscGrantsCodeOnly) {
		return gs
	}
	return append(gs, p.cfg.Grants...)
}

// refreshGrant answers grant_type=refresh_token for an authenticated
// client: rotation, family revocation on reuse, client binding, no scope
// widening, and an ID token per OIDC Core §12.2.
//
// https://www.rfc-editor.org/rfc/rfc6749#section-6
// https://openid.net/specs/openid-connect-core-1_0.html#RefreshTokenResponse
func (p *Provider) refreshGrant(w http.ResponseWriter, act active, issuer string, client Client, params map[string][]string, jkt string) *oauthError {
	rt := first(params, "refresh_token")
	if rt == "" {
		if act.on(dRefreshMissingWrongError) {
			return invalidGrant("refresh_token is required")
		}
		return invalidRequest("refresh_token is required")
	}
	rotate := !p.variants.on(vRefreshNoRotation) && !act.on(dRefreshNotRotated)
	now := p.now()
	requested := first(params, "scope")
	if p.variants.on(vRefreshScopeKept) && !act.on(dRefreshScopeWidened) {
		requested = "" // RFC 6749 §3.3: ignored; the original grant is issued
	}
	f, fam, status := p.store.useRefresh(rt, client.ID, requested, now, refreshOptions{
		rotate: rotate, neverExpires: act.on(dRefreshNeverExpires), notBound: act.on(dRefreshNotBound),
		reuseAccepted: act.on(dRefreshReuseAccepted), keepFamily: act.on(dRefreshReuseKeepsFamily),
		widen: act.on(dRefreshScopeWidened),
	})
	switch status {
	case refreshUnknown:
		if act.on(dRefreshUnknownWrongError) {
			return invalidRequest("the refresh token is unknown")
		}
		return invalidGrant("the refresh token is unknown")
	case refreshRevoked:
		return invalidGrant("the refresh token is revoked")
	case refreshExpired:
		return invalidGrant("the refresh token has expired")
	case refreshOtherClient:
		return invalidGrant("the refresh token was issued to another client")
	case refreshReused:
		return invalidGrant("the refresh token was already used; its family is revoked")
	case refreshWiderScope:
		return &oauthError{status: http.StatusBadRequest, code: errInvalidScope, desc: "the requested scope exceeds the original grant"}
	}
	scope := fam.scope
	if requested != "" {
		scope = requested
	}
	at, err := p.newAccessToken(act, issuer, client, "", f, now, jkt)
	if err != nil {
		return serverError("could not create a token")
	}
	resp := tokenResponse{accessToken: at, expiresIn: int64(p.cfg.TokenTTL / time.Second), scope: scope, dpop: jkt != ""}
	switch {
	case act.on(dRefreshNotRotated):
		resp.refreshToken = rt
	case rotate:
		if resp.refreshToken, err = p.newRefresh(act, f, now); err != nil {
			return serverError("could not create a token")
		}
	}
	if slices.Contains(strings.Fields(scope), "openid") && !p.variants.on(vRefreshNoIDToken) {
		in := idTokenInput{issuer: issuer, clientID: client.ID, clientSecret: client.Secret, authTime: fam.authTime, now: now, accessToken: at, refreshed: true}
		if act.on(dRefreshIDTOtherSub) {
			in.sub = otherUserSub
		}
		if resp.idToken, err = p.idToken(act, in); err != nil {
			return serverError("could not sign the ID token")
		}
	}
	body := p.successBody(act, resp)
	if act.on(dRefreshNoStore) {
		act = withDefect(act, dNoCacheControl)
	}
	p.writeSuccess(w, act, body)
	return nil
}

// clientCredentials answers grant_type=client_credentials: an access token
// for the client itself, no refresh token (RFC 6749 §4.4.3), no ID token.
//
// https://www.rfc-editor.org/rfc/rfc6749#section-4.4
func (p *Provider) clientCredentials(w http.ResponseWriter, act active, issuer string, client Client, params map[string][]string, jkt string) *oauthError {
	now := p.now()
	at, err := p.newAccessToken(act, issuer, client, "", nil, now, jkt)
	if err != nil {
		return serverError("could not create a token")
	}
	scope := first(params, "scope")
	if scope == "" {
		scope = ccScope
	}
	resp := tokenResponse{accessToken: at, expiresIn: int64(p.cfg.TokenTTL / time.Second), scope: scope, dpop: jkt != ""}
	if p.variants.on(vCCNoScope) && first(params, "scope") != "" { // granted as requested
		resp.scope = ""
	}
	if act.on(dCCRefreshToken) {
		if resp.refreshToken, err = p.randomToken(); err != nil {
			return serverError("could not create a token")
		}
	}
	if act.on(dCCIDToken) {
		if resp.idToken, err = p.idToken(act, idTokenInput{issuer: issuer, clientID: client.ID, clientSecret: client.Secret, authTime: now, now: now, accessToken: at}); err != nil {
			return serverError("could not sign the ID token")
		}
	}
	body := p.successBody(act, resp)
	if act.on(dCCNoStore) {
		act = withDefect(act, dNoCacheControl)
	}
	p.writeSuccess(w, act, body)
	return nil
}

// newAccessToken creates and records an access token for client, issued
// from code or in family f, bound to the DPoP key with thumbprint jkt ("":
// Bearer): random, or a JWT under jwt-access-tokens.
func (p *Provider) newAccessToken(act active, issuer string, client Client, code string, f *family, now time.Time, jkt string) (string, error) {
	at, err := p.randomToken()
	if err == nil && p.jwtAccessTokens(act) {
		at, err = p.jwtAccessToken(act, issuer, client, at, now, jkt)
	}
	if err != nil {
		return "", err
	}
	if act.on(dAccessTokenBadChars) {
		at = at[:20] + " \u00e9" + at[20:]
	}
	p.store.addToken(at, accessToken{clientID: client.ID, code: code, expires: now.Add(p.cfg.TokenTTL), fam: f, jkt: jkt},
		now, p.keepCodes(), p.keepUnusedCodes())
	return at, nil
}

// newRefresh creates and records a refresh token of family f: 32 random
// bytes, or 8 hex characters under short-refresh-tokens.
func (p *Provider) newRefresh(act active, f *family, now time.Time) (string, error) {
	var (
		rt  string
		err error
	)
	if act.on(dShortRefreshTokens) {
		rt, err = p.randomHex(4)
	} else {
		rt, err = p.randomToken()
	}
	if err != nil {
		return "", err
	}
	p.store.addRefresh(rt, f, now.Add(p.cfg.RefreshTTL))
	return rt, nil
}

// withDefect returns act with one more defect on.
func withDefect(act active, name string) active {
	out := make(active, len(act)+1)
	for k, v := range act {
		out[k] = v
	}
	out[name] = true
	return out
}

func first(params map[string][]string, name string) string {
	if vs := params[name]; len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// unauthenticatedCC reports whether the cc-unauthenticated-accepted defect
// lets a client credentials request without any client authentication
// through, as the first client.
func (p *Provider) unauthenticatedCC(r *http.Request, params map[string][]string, act active) bool {
	if !act.on(dCCUnauthenticated) || first(params, "grant_type") != GrantClientCredentials || !p.serves(GrantClientCredentials) {
		return false
	}
	_, header := r.Header["Authorization"]
	return !header && r.TLS == nil && first(params, "client_secret") == "" && first(params, "client_assertion") == ""
}

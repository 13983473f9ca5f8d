package provider

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// supportedScopes are the scopes the provider grants; others are dropped
// from the granted scope (RFC 6749 §3.3).
func supportedScopes() []string { return []string{"openid", "profile"} }

// validChallenge reports whether s has the syntax of a code_challenge, or of
// a code_verifier: 43-128 unreserved characters (RFC 7636 §4.1; §4.2: an
// S256 challenge is the base64url of 32 bytes, 43 characters).
func validChallenge(s string) bool { return validVerifier(s, false, false) }

// validVerifier reports whether s has the syntax of a code_verifier; short
// accepts fewer than 43 characters, anyChar any character (the defects).
//
// https://www.rfc-editor.org/rfc/rfc7636#section-4.1
func validVerifier(s string, short, anyChar bool) bool {
	if (len(s) < 43 && !short) || len(s) > 128 {
		return false
	}
	if anyChar {
		return true
	}
	for _, c := range []byte(s) {
		ok := c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~'
		if !ok {
			return false
		}
	}
	return true
}

// handleAuthorize is the authorization endpoint (GET, or POST with a form
// body). It auto-approves the test user and redirects with a code, or, with
// a Login mode, has the user log in first (login.go).
//
// Errors about client_id or redirect_uri get a 400 text page and never a
// redirect (RFC 6749 §4.1.2.1); the others redirect with error and state.
//
// https://datatracker.ietf.org/doc/html/rfc6749#section-4.1.1
// https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
func (p *Provider) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	var q url.Values
	switch r.Method {
	case http.MethodGet:
		q = r.URL.Query()
	case http.MethodPost:
		r.Body = http.MaxBytesReader(w, r.Body, maxTokenBody)
		if err := r.ParseForm(); err != nil {
			authorizePage(w, http.StatusBadRequest, "the request body is not valid form data")
			return
		}
		q = r.PostForm
	default:
		w.Header().Set("Allow", "GET, POST")
		authorizePage(w, http.StatusMethodNotAllowed, "the authorization endpoint accepts GET and POST")
		return
	}
	act := p.roll()

	client, ok := p.clients[single(q, "client_id")]
	if !ok {
		authorizePage(w, http.StatusBadRequest, "client_id is missing, repeated or unknown")
		return
	}
	redirectURI := single(q, "redirect_uri")
	if !client.registered(redirectURI) {
		authorizePage(w, http.StatusBadRequest, fmt.Sprintf("redirect_uri is missing, repeated or not registered for client %s", client.ID))
		return
	}
	state := q.Get("state")
	fail := func(code, desc string) {
		redirect(w, redirectURI, url.Values{"error": {code}, "error_description": {desc}}, state)
	}

	for name, vs := range q {
		if len(vs) > 1 {
			fail("invalid_request", "parameter "+name+" is given more than once")
			return
		}
	}
	switch rt := q.Get("response_type"); {
	case rt == "":
		fail("invalid_request", "response_type is required")
		return
	case rt != "code":
		fail("unsupported_response_type", "response_type must be code")
		return
	}
	scopes := strings.Fields(q.Get("scope"))
	if !slices.Contains(scopes, "openid") {
		fail("invalid_scope", "scope must contain openid")
		return
	}
	var granted []string
	for _, s := range scopes {
		if slices.Contains(supportedScopes(), s) && !slices.Contains(granted, s) {
			granted = append(granted, s)
		}
	}
	if (p.cfg.RequireNonce || p.variants.on(vNonceRequired)) && q.Get("nonce") == "" {
		fail("invalid_request", "nonce is required")
		return
	}
	challenge, method := q.Get("code_challenge"), q.Get("code_challenge_method")
	plain := challenge != "" && (method == "" || method == "plain") && act.on(dPKCEPlainAccepted)
	switch {
	case challenge == "" && method != "":
		fail("invalid_request", "code_challenge_method without code_challenge")
		return
	case challenge == "" && p.cfg.RequirePKCE && !act.on(dPKCENotRequired):
		fail("invalid_request", "code_challenge is required (PKCE with S256)")
		return
	case challenge != "" && method != "S256" && !plain:
		// RFC 7636 §4.3: a missing method means plain, which is not supported.
		fail("invalid_request", "code_challenge_method must be S256")
		return
	case challenge != "" && !validChallenge(challenge):
		fail("invalid_request", "code_challenge is malformed")
		return
	}

	g := &grant{
		clientID:    client.ID,
		redirectURI: redirectURI,
		scope:       strings.Join(granted, " "),
		nonce:       q.Get("nonce"),
		hasNonce:    q.Has("nonce") && q.Get("nonce") != "",
		challenge:   challenge,
		plain:       plain,
	}
	if p.cfg.Login != "" {
		p.login(w, r, q, act, g, state)
		return
	}
	p.issueCode(w, act, g, time.Time{}, state)
}

// issueCode issues a code for g, the user having authenticated at authTime
// (zero: now), and redirects with it.
func (p *Provider) issueCode(w http.ResponseWriter, act active, g *grant, authTime time.Time, state string) {
	code, err := p.newCode(act)
	if err != nil {
		redirect(w, g.redirectURI, url.Values{"error": {"server_error"}, "error_description": {"could not create a code"}}, state)
		return
	}
	now := p.now()
	if authTime.IsZero() {
		authTime = now
	}
	g.authTime = authTime
	g.expires = now.Add(p.cfg.CodeTTL)
	p.store.addCode(code, g, now, p.keepCodes(), p.keepUnusedCodes())
	redirect(w, g.redirectURI, url.Values{"code": {code}}, state)
}

// newCode returns a fresh authorization code: 32 random bytes base64url, or
// 8 hex characters under short-codes.
func (p *Provider) newCode(act active) (string, error) {
	if act.on(dShortCodes) {
		return p.randomHex(4)
	}
	return p.randomToken()
}

// single returns the only value of a parameter, or "" when it is missing or
// repeated.
func single(q url.Values, name string) string {
	if vs := q[name]; len(vs) == 1 {
		return vs[0]
	}
	return ""
}

// redirect answers 302 to redirectURI with params (and state, when not
// empty) added to its query; the registered URI's own query is kept as it
// is (RFC 6749 §3.1.2).
func redirect(w http.ResponseWriter, redirectURI string, params url.Values, state string) {
	if state != "" {
		params.Set("state", state)
	}
	u, err := url.Parse(redirectURI)
	if err != nil { // registered URIs were validated by New
		authorizePage(w, http.StatusInternalServerError, "the registered redirect_uri cannot be parsed")
		return
	}
	if u.RawQuery != "" {
		u.RawQuery += "&" + params.Encode()
	} else {
		u.RawQuery = params.Encode()
	}
	w.Header().Set("Location", u.String())
	w.Header().Set("Cache-Control", cacheNoStore)
	w.WriteHeader(http.StatusFound)
}

// authorizePage answers an authorization request that cannot be redirected
// with a plain text page.
func authorizePage(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain;charset=utf-8")
	w.Header().Set("Cache-Control", cacheNoStore)
	w.WriteHeader(status)
	_, _ = fmt.Fprintf(w, "authorization request refused: %s\n", msg)
}

package provider

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// maxTokenBody bounds a token request body.
const maxTokenBody = 64 << 10

// raceWindow is the time between the check and the mark of a code under the
// code-race defect: long enough for concurrent redemptions to overlap.
// raceWindowNarrow is code-race-narrow's: only redemptions that complete
// within a few hundred microseconds of each other overlap.
const (
	raceWindow       = 20 * time.Millisecond
	raceWindowNarrow = 300 * time.Microsecond
)

// tokenParams are the known token request parameters (RFC 6749 §4.1.3,
// §2.3.1, RFC 7636 §4.5). The unknown-param-rejected defect rejects others.
func tokenParams() []string {
	return []string{"grant_type", "code", "redirect_uri", "client_id", "client_secret", "code_verifier", "client_assertion", "client_assertion_type"}
}

// tokenRequest is a parsed token request body.
type tokenRequest struct {
	params        url.Values // one value per name, empty values removed
	emptyRedirect bool       // redirect_uri was given with an empty value
}

// handleToken is the token endpoint (POST /oauth/token), authorization code
// grant only, as the seed describes it. The order of the checks is part of
// the contract: see the package tests.
//
// https://datatracker.ietf.org/doc/html/rfc6749#section-4.1.3
// https://openid.net/specs/openid-connect-core-1_0.html#TokenEndpoint
func (p *Provider) handleToken(w http.ResponseWriter, r *http.Request) {
	act := p.roll()
	if e := p.token(w, r, act); e != nil {
		p.writeError(w, act, e)
	}
}

// token runs the token endpoint's checks in order and writes the success
// response; it returns the error to write otherwise.
func (p *Provider) token(w http.ResponseWriter, r *http.Request, act active) *oauthError {
	req, e := p.parseTokenRequest(w, r, act)
	if e != nil {
		return e
	}
	params := req.params

	// The proof first: a nonce retry must find the code unspent.
	var jkt string
	if p.cfg.DPoP && len(r.Header.Values("DPoP")) > 0 {
		var nonce string
		if jkt, e, nonce = p.checkProof(act, r, p.endpointURL(r, PathToken), ""); e != nil {
			if nonce != "" {
				w.Header().Set("DPoP-Nonce", nonce)
			}
			return e
		}
	}

	client, method, e := p.authenticate(r, params, act)
	if e != nil && p.unauthenticatedCC(r, params, act) {
		client, method, e = p.cfg.Clients[0], authPost, nil
	}
	if e != nil {
		return e
	}
	bodyCredentials := act.on(dTwoMethodsAccepted) && params.Has("client_secret") // ignored, client_id with them
	if method == authBasic && params.Has("client_id") && !act.on(dClientIDAccepted) && !p.cfg.ClientIDWithBasic && !bodyCredentials {
		return invalidRequest("client_id parameter is not supported")
	}

	switch gt := params.Get("grant_type"); {
	case gt == "" && !act.on(dGrantMissingAccepted):
		return invalidRequest("grant_type is required")
	case gt == GrantRefreshToken && p.serves(gt):
		return p.refreshGrant(w, act, p.issuerFor(r), client, params, jkt)
	case gt == GrantClientCredentials && p.serves(gt):
		return p.clientCredentials(w, act, p.issuerFor(r), client, params, jkt)
	case gt != "" && gt != "authorization_code":
		if act.on(dWrongGrantError) {
			return invalidGrant("grant type is not supported")
		}
		return &oauthError{status: http.StatusBadRequest, code: errUnsupportedGrantType, desc: "grant_type must be authorization_code"}
	}

	code := params.Get("code")
	if code == "" {
		if act.on(dCodeMissingWrongError) {
			return invalidGrant("code is required")
		}
		return invalidRequest("code is required")
	}

	redirectURI := params.Get("redirect_uri")
	skipRedirect := redirectURI == "" &&
		(act.on(dRedirectMissingOK) || (req.emptyRedirect && act.on(dEmptyRedirectAccepted)))
	if redirectURI == "" && !skipRedirect {
		return invalidRequest("redirect_uri is required")
	}

	// From here on the code is burned: every failure below leaves it used.
	g, status := p.store.redeem(r.Context(), code, p.redeemOptions(act))
	switch status {
	case redeemUnknown:
		if act.on(dUnknownCode500) {
			return serverError("code lookup failed")
		}
		return invalidGrant("the code is unknown")
	case redeemReused:
		return invalidGrant("the code was already used; tokens issued from it are revoked")
	}
	now := p.now()
	if !now.Before(g.expires) && !act.on(dCodeNeverExpires) {
		return invalidGrant("the code has expired")
	}
	if g.clientID != client.ID && !act.on(dCodeNotBound) {
		return invalidGrant("the code was issued to another client")
	}
	if !skipRedirect && !redirectMatches(g.redirectURI, redirectURI, act.on(dRedirectPrefixMatch)) {
		return invalidGrant("redirect_uri does not match the authorization request")
	}
	if e := checkPKCE(g, params.Get("code_verifier"), act); e != nil {
		return e
	}
	return p.issue(w, act, p.issuerFor(r), client, code, g, now, jkt)
}

// parseTokenRequest checks the method and Content-Type and parses the body
// (RFC 6749 §3.2): POST only, application/x-www-form-urlencoded only, no
// parameter twice, an empty value is the same as an omitted parameter.
func (p *Provider) parseTokenRequest(w http.ResponseWriter, r *http.Request, act active) (tokenRequest, *oauthError) {
	var values url.Values
	switch {
	case r.Method == http.MethodGet && act.on(dGetAccepted):
		values = r.URL.Query()
	case r.Method != http.MethodPost:
		w.Header().Set("Allow", http.MethodPost)
		return tokenRequest{}, &oauthError{status: http.StatusMethodNotAllowed, code: errInvalidRequest, desc: "the token endpoint accepts only POST"}
	default:
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxTokenBody))
		if err != nil {
			return tokenRequest{}, invalidRequest("the request body could not be read")
		}
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		switch {
		case mt == "application/x-www-form-urlencoded":
			if values, err = url.ParseQuery(string(body)); err != nil {
				return tokenRequest{}, invalidRequest("the body is not valid application/x-www-form-urlencoded data")
			}
		case mt == "application/json" && act.on(dJSONBodyAccepted):
			if values, err = jsonParams(body); err != nil {
				return tokenRequest{}, invalidRequest("the body is not a JSON object")
			}
		default:
			return tokenRequest{}, invalidRequest("Content-Type must be application/x-www-form-urlencoded")
		}
	}

	req := tokenRequest{params: url.Values{}}
	names := make([]string, 0, len(values))
	for name := range values {
		names = append(names, name)
	}
	slices.Sort(names) // deterministic error descriptions
	for _, name := range names {
		vs := values[name]
		if len(vs) > 1 && !act.on(dDuplicatesAccepted) {
			return tokenRequest{}, invalidRequest(fmt.Sprintf("parameter %s is given more than once", paramName(name)))
		}
		if act.on(dUnknownParamRejected) && !slices.Contains(tokenParams(), name) {
			return tokenRequest{}, invalidRequest(fmt.Sprintf("unknown parameter %s", paramName(name)))
		}
		if vs[0] == "" {
			req.emptyRedirect = req.emptyRedirect || name == "redirect_uri"
			continue
		}
		req.params.Set(name, vs[0])
	}
	return req, nil
}

// paramName quotes a parameter name for an error description, only when it
// is one the provider knows (request data is not echoed).
func paramName(name string) string {
	if slices.Contains(tokenParams(), name) {
		return name
	}
	return "(unknown)"
}

// jsonParams reads a JSON object body as parameters (json-body-accepted).
func jsonParams(body []byte) (url.Values, error) {
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, errors.New("not an object")
	}
	v := url.Values{}
	for k, x := range m {
		switch x := x.(type) {
		case string:
			v.Set(k, x)
		case nil:
		default:
			v.Set(k, fmt.Sprint(x))
		}
	}
	return v, nil
}

// redeemOptions maps the active defects to the store's redemption options.
func (p *Provider) redeemOptions(act active) redeemOptions {
	o := redeemOptions{reusable: act.on(dCodeReusable), noRevoke: act.on(dReuseNoRevoke), keepFamilies: act.on(dRefreshSurvivesCodeReuse)}
	switch {
	case act.on(dCodeRace):
		o.window = raceWindow
	case act.on(dCodeRaceNarrow):
		o.window = raceWindowNarrow
	}
	return o
}

// redirectMatches compares the token request's redirect_uri with the
// authorization request's: byte for byte (RFC 6749 §4.1.3 "identical"), or
// with prefix set (the redirect-prefix-match defect) case-insensitively as a
// prefix, query ignored.
func redirectMatches(authorized, given string, prefix bool) bool {
	if !prefix {
		return authorized == given
	}
	strip := func(s string) string {
		s, _, _ = strings.Cut(s, "?")
		return strings.ToLower(s)
	}
	return strings.HasPrefix(strip(given), strip(authorized))
}

// checkPKCE verifies code_verifier against the challenge recorded at
// authorize (RFC 7636 §4.6; S256, or plain under pkce-plain-accepted), its
// syntax (§4.1: 43-128 unreserved characters), and rejects a verifier for a
// code issued without a challenge (RFC 9700 §2.1.1, downgrade).
//
// https://datatracker.ietf.org/doc/html/rfc7636#section-4.6
func checkPKCE(g grant, verifier string, act active) *oauthError {
	switch {
	case g.challenge == "" && verifier != "":
		if !act.on(dPKCEDowngradeAccepted) {
			return invalidGrant("code_verifier sent for a code issued without code_challenge")
		}
	case g.challenge != "" && verifier == "":
		if !act.on(dPKCEMissingVerifierOK) {
			return invalidGrant("code_verifier is required")
		}
	case g.challenge != "":
		if !validVerifier(verifier, act.on(dPKCEShortVerifierOK), act.on(dPKCEVerifierCharsOK)) {
			return invalidGrant("code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~")
		}
		matches := s256Matches(g.challenge, verifier)
		if g.plain {
			matches = subtle.ConstantTimeCompare([]byte(g.challenge), []byte(verifier)) == 1
		}
		if !matches && !act.on(dPKCEWrongVerifierOK) {
			return invalidGrant("code_verifier does not match code_challenge")
		}
	}
	return nil
}

// s256Matches reports whether BASE64URL(SHA256(verifier)) equals challenge.
func s256Matches(challenge, verifier string) bool {
	sum := sha256.Sum256([]byte(verifier))
	got := base64.RawURLEncoding.EncodeToString(sum[:])
	return subtle.ConstantTimeCompare([]byte(got), []byte(challenge)) == 1
}

// issue creates the access token and ID token for a redeemed code and
// writes the success response.
func (p *Provider) issue(w http.ResponseWriter, act active, issuer string, client Client, code string, g grant, now time.Time, jkt string) *oauthError {
	var f *family // the refresh token family the code starts
	if p.serves(GrantRefreshToken) && !act.on(dRefreshNotIssued) {
		f = &family{clientID: client.ID, code: code, scope: g.scope, authTime: g.authTime}
		p.store.addFamily(f)
	}
	at, err := p.newAccessToken(act, issuer, client, code, f, now, jkt)
	if err != nil {
		return serverError("could not create a token")
	}

	ttl := p.cfg.TokenTTL
	if act.on(dPilotLifetime) {
		ttl = pilotTokenTTL
	}
	resp := tokenResponse{accessToken: at, expiresIn: int64(ttl / time.Second), scope: g.scope, dpop: jkt != ""}
	switch {
	case f != nil:
		resp.refreshToken, err = p.newRefresh(act, f, now)
	case act.on(dRefreshToken):
		resp.refreshToken, err = p.randomToken()
	}
	if err != nil {
		return serverError("could not create a token")
	}
	resp.idToken, err = p.idToken(act, idTokenInput{
		issuer:       issuer,
		clientID:     client.ID,
		clientSecret: client.Secret,
		nonce:        g.nonce,
		hasNonce:     g.hasNonce,
		authTime:     g.authTime,
		now:          now,
		accessToken:  at,
	})
	if err != nil {
		return serverError("could not sign the ID token")
	}
	p.writeSuccess(w, act, p.successBody(act, resp))
	return nil
}

// keepCodes is how long codes are kept past their expiry: as long as a
// token issued from them may live, so that a late reuse still revokes it.
func (p *Provider) keepCodes() time.Duration { return p.cfg.TokenTTL }

// keepUnusedCodes reports whether unused codes must outlive their expiry.
func (p *Provider) keepUnusedCodes() bool { return p.defects[dCodeNeverExpires] > 0 }

package provider

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// member is one member of a JSON object whose member order matters (the
// seed's order, or a variant's).
type member struct {
	name  string
	value any
}

// object encodes members as a compact JSON object, in order, without HTML
// escaping. Values must be encodable; every value the provider builds is.
func object(ms []member) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	b.WriteByte('{')
	for i, m := range ms {
		if i > 0 {
			b.WriteByte(',')
		}
		_ = enc.Encode(m.name)
		b.Truncate(b.Len() - 1) // Encode appends a newline
		b.WriteByte(':')
		if err := enc.Encode(m.value); err != nil {
			panic("provider: encoding member " + m.name + ": " + err.Error())
		}
		b.Truncate(b.Len() - 1)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// without returns ms without the named members.
func without(ms []member, names ...string) []member {
	return slices.DeleteFunc(ms, func(m member) bool { return slices.Contains(names, m.name) })
}

// reversed returns ms in reverse order (the shuffled-members variant).
func reversed(ms []member) []member {
	out := slices.Clone(ms)
	slices.Reverse(out)
	return out
}

// Header values of the seed's token response.
const (
	contentTypeJSON  = "application/json;charset=utf-8"
	cacheNoStore     = "no-store"
	cacheNoStoreMore = "no-store, no-cache, max-age=0"
	pragmaNoCache    = "no-cache"
	basicChallenge   = `Basic realm="tokenbench"`
)

// jsonContentType is the Content-Type of JSON bodies under the variants.
func (p *Provider) jsonContentType() string {
	if p.variants.on(vPlainJSON) {
		return "application/json"
	}
	return contentTypeJSON
}

// cacheControl is the Cache-Control of token endpoint responses under the
// variants.
func (p *Provider) cacheControl() string {
	if p.variants.on(vCacheControlExtra) {
		return cacheNoStoreMore
	}
	return cacheNoStore
}

// oauthError is an RFC 6749 §5.2 error response before defects apply.
//
// https://datatracker.ietf.org/doc/html/rfc6749#section-5.2
type oauthError struct {
	status int
	code   string
	desc   string // plain ASCII, no double quote or backslash
	// wrongSecret marks the answer to a known client's wrong secret (the
	// only 401 that keeps its challenge under challenge-wrong-secret-only).
	wrongSecret bool
}

// Error codes of RFC 6749 §5.2 the provider uses, and the two non-§5.2 ones.
const (
	errInvalidRequest       = "invalid_request"
	errInvalidClient        = "invalid_client"
	errInvalidGrant         = "invalid_grant"
	errUnsupportedGrantType = "unsupported_grant_type"
	errInvalidScope         = "invalid_scope"
	errServerError          = "server_error"
	errTemporarily          = "temporarily_unavailable"
)

func invalidRequest(desc string) *oauthError {
	return &oauthError{status: http.StatusBadRequest, code: errInvalidRequest, desc: desc}
}

func invalidClient(desc string) *oauthError {
	return &oauthError{status: http.StatusUnauthorized, code: errInvalidClient, desc: desc}
}

func invalidGrant(desc string) *oauthError {
	return &oauthError{status: http.StatusBadRequest, code: errInvalidGrant, desc: desc}
}

func serverError(desc string) *oauthError {
	return &oauthError{status: http.StatusInternalServerError, code: errServerError, desc: desc}
}

// descriptionSafe replaces every character that RFC 6749 §5.2 does not
// allow in error_description (%x20-21 / %x23-5B / %x5D-7E) with '?', so that
// values echoed from a request cannot break the clean provider's charset.
func descriptionSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r == 0x20 || r == 0x21 || (r >= 0x23 && r <= 0x5B) || (r >= 0x5D && r <= 0x7E) {
			return r
		}
		return '?'
	}, s)
}

// writeError writes e as the token endpoint's JSON error response, with the
// active defects and the variants applied. A 401 carries the Basic
// challenge (RFC 6749 §5.2: invalid_client after an Authorization header).
func (p *Provider) writeError(w http.ResponseWriter, act active, e *oauthError) {
	status, code, desc := e.status, e.code, descriptionSafe(e.desc)
	if code == errInvalidGrant && act.on(dErrorStatus403) {
		status = http.StatusForbidden
	}
	if code == errInvalidGrant && act.on(dErrorBadCode) {
		code = "invalid grant!"
	}
	if act.on(dErrorDescBadChars) {
		desc += " (caf\u00e9 \"quoted\")"
	}

	h := w.Header()
	if !act.on(dErrorCacheable) {
		h.Set("Cache-Control", p.cacheControl())
	}
	h.Set("Pragma", pragmaNoCache)
	challenge := !act.on(dNoWWWAuthenticate) && (e.wrongSecret || !act.on(dChallengeWrongSecret))
	if status == http.StatusUnauthorized && challenge {
		h.Set("WWW-Authenticate", basicChallenge)
	}
	if act.on(dErrorTextPlain) {
		h.Set("Content-Type", "text/plain;charset=utf-8")
		w.WriteHeader(status)
		_, _ = w.Write([]byte("error=" + code))
		return
	}

	ms := []member{{"error", code}}
	if !p.variants.on(vNoErrorDesc) {
		ms = append(ms, member{"error_description", desc})
	}
	if act.on(dErrorURIBad) {
		ms = append(ms, member{"error_uri", "not a uri"})
	}
	if p.variants.on(vShuffledMembers) {
		ms = reversed(ms)
	}
	h.Set("Content-Type", p.jsonContentType())
	w.WriteHeader(status)
	_, _ = w.Write(object(ms))
}

// tokenResponse is a successful token response before defects apply.
type tokenResponse struct {
	dpop         bool // bound to a DPoP key: token_type DPoP
	accessToken  string
	expiresIn    int64 // seconds
	idToken      string
	scope        string
	refreshToken string // "" for none
}

// successBody encodes r in the seed's member order (access_token,
// expires_in, id_token, scope, token_type), with the active defects and the
// variants applied.
//
// https://datatracker.ietf.org/doc/html/rfc6749#section-5.1
func (p *Provider) successBody(act active, r tokenResponse) []byte {
	var expiresIn any = r.expiresIn
	if act.on(dExpiresInString) {
		expiresIn = strconv.FormatInt(r.expiresIn, 10)
	}
	tokenType := "Bearer"
	switch {
	case r.dpop && !act.on(dDPoPTokenTypeBearer):
		tokenType = "DPoP"
	case act.on(dTokenTypeMAC):
		tokenType = "mac"
	case p.variants.on(vLowercaseBearer):
		tokenType = "bearer"
	}
	ms := []member{
		{"access_token", r.accessToken},
		{"expires_in", expiresIn},
		{"id_token", r.idToken},
		{"scope", r.scope},
		{"token_type", tokenType},
	}
	if act.on(dNoIDToken) || r.idToken == "" {
		ms = without(ms, "id_token")
	}
	if act.on(dNoScope) || r.scope == "" {
		ms = without(ms, "scope")
	}
	if r.refreshToken != "" {
		ms = slices.Insert(ms, len(ms)-1, member{"refresh_token", r.refreshToken})
	}
	if p.variants.on(vExtraMembers) {
		ms = append(ms,
			member{"x_tokenbench_note", "unknown members must be ignored"},
			member{"not-before-policy", 0},
			member{"x_tokenbench_object", json.RawMessage(`{"nested":[1,true,null]}`)})
	}
	if p.variants.on(vShuffledMembers) {
		ms = reversed(ms)
	}
	return object(ms)
}

// writeSuccess writes a successful token response body with the seed's
// headers (Cache-Control: no-store, Pragma: no-cache,
// Content-Type: application/json;charset=utf-8), defects and variants
// applied.
func (p *Provider) writeSuccess(w http.ResponseWriter, act active, body []byte) {
	h := w.Header()
	if !act.on(dNoCacheControl) {
		h.Set("Cache-Control", p.cacheControl())
	}
	if !act.on(dNoPragma) {
		h.Set("Pragma", pragmaNoCache)
	}
	if act.on(dContentTypeText) {
		h.Set("Content-Type", "text/plain;charset=utf-8")
	} else {
		h.Set("Content-Type", p.jsonContentType())
	}
	status := http.StatusOK
	if act.on(dStatus201) {
		status = http.StatusCreated
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

package exchange

import (
	"crypto/tls"
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Param is one request parameter. A Spec keeps parameters as an ordered list
// so that a probe can send a parameter twice or in a chosen order.
type Param struct {
	Name, Value string
}

// Body encodings a Spec can use.
const (
	BodyForm = "form" // application/x-www-form-urlencoded (RFC 6749 §4.1.3)
	BodyJSON = "json" // the parameters as a JSON object
	BodyNone = "none" // no body; with GET the parameters go in the query
)

// Spec describes a request to send. A valid token request is built with
// TokenRequest; probes derive from it with Mutations, each a one-line change.
type Spec struct {
	Probe       string
	Method      string
	URL         string
	Params      []Param // body (or query, for BodyNone) parameters, in order
	Query       []Param // extra URL query parameters
	Body        string  // BodyForm, BodyJSON or BodyNone
	ContentType string  // "" = the default for Body
	Header      http.Header
	// Auth is the client authentication sent in the Authorization header as
	// HTTP Basic. The id and secret are form-urlencoded before base64
	// (RFC 6749 §2.3.1) unless RawBasic is set.
	Auth *Credentials
	// RawBasic sends Auth's id and secret without form-urlencoding them.
	RawBasic bool
	// Authorization, when set, is sent as the Authorization header verbatim
	// (Auth is then ignored). Use NoAuthorization for none at all.
	Authorization *string
	// Cert is the TLS client certificate to present (tls_client_auth,
	// self_signed_tls_client_auth); nil presents what the Client's TLS
	// configuration has, usually none.
	Cert *tls.Certificate
	// Authn is the authenticator whose parts the request carries, nil for
	// none; mutations of the client authentication ask it.
	Authn Authenticator
	// DPoP is the DPoP proof to send (RFC 9449 §4), nil for none.
	DPoP *DPoPSpec
	// Err is a failure building the request (a client assertion that
	// could not be signed): the Client sends nothing and records it.
	Err error

	// reauth signs the client assertion anew, as the authenticator built
	// assertion: a DPoP nonce retry is a new request, and an assertion's
	// jti is for one use (RFC 7523 §3). A probe that set another assertion
	// afterwards keeps its own.
	reauth    Mutation
	assertion string
}

// CodeGrant returns the authorization code grant's token request without
// client authentication: POST form with grant_type, code, redirect_uri
// and, when given, code_verifier.
//
// https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3
func CodeGrant(tokenURL, code, redirectURI, codeVerifier string) Spec {
	s := Spec{
		Probe:  "valid",
		Method: http.MethodPost,
		URL:    tokenURL,
		Body:   BodyForm,
		Params: make([]Param, 3, 7), // room for the verifier and client authentication
	}
	s.Params[0], s.Params[1], s.Params[2] = Param{"grant_type", "authorization_code"}, Param{"code", code}, Param{"redirect_uri", redirectURI}
	if codeVerifier != "" {
		s.Params = append(s.Params, Param{"code_verifier", codeVerifier})
	}
	return s
}

// TokenRequest returns the valid authorization code token request,
// authenticated by a.
func TokenRequest(tokenURL string, a Authenticator, code, redirectURI, codeVerifier string) Spec {
	s := CodeGrant(tokenURL, code, redirectURI, codeVerifier)
	a.Authenticate(&s)
	return s
}

// BearerRequest returns a GET with an RFC 6750 §2.1 Authorization header,
// as used at the userinfo endpoint.
func BearerRequest(u, token string) Spec {
	h := "Bearer " + token
	return Spec{Probe: "userinfo", Method: http.MethodGet, URL: u, Body: BodyNone, Authorization: &h}
}

// Get returns the value of the first parameter named name.
func (s *Spec) Get(name string) (string, bool) {
	for _, p := range s.Params {
		if p.Name == name {
			return p.Value, true
		}
	}
	return "", false
}

// Clone returns a deep copy of s.
func (s Spec) Clone() Spec {
	s.Params = append([]Param(nil), s.Params...)
	s.Query = append([]Param(nil), s.Query...)
	s.Header = s.Header.Clone()
	if s.Auth != nil {
		a := *s.Auth
		s.Auth = &a
	}
	if s.Authorization != nil {
		a := *s.Authorization
		s.Authorization = &a
	}
	if s.DPoP != nil {
		d := *s.DPoP
		s.DPoP = &d
	}
	return s
}

// With returns a copy of s with the mutations applied in order.
func (s Spec) With(ms ...Mutation) Spec {
	c := s.Clone()
	for _, m := range ms {
		m(&c)
	}
	return c
}

// BasicAuthorization returns the Authorization header value for HTTP Basic
// with id and secret form-urlencoded first, as RFC 6749 §2.3.1 requires.
func BasicAuthorization(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret)))
}

func rawBasicAuthorization(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret))
}

// authorization returns the Authorization header to send, or "" and false.
func (s *Spec) authorization() (string, bool) {
	if s.Authorization != nil {
		return *s.Authorization, *s.Authorization != noAuth
	}
	if s.Auth == nil {
		return "", false
	}
	if s.RawBasic {
		return rawBasicAuthorization(s.Auth.ID, s.Auth.Secret), true
	}
	return BasicAuthorization(s.Auth.ID, s.Auth.Secret), true
}

const noAuth = "\x00none"

func encodeParams(ps []Param) string {
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(p.Name))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(p.Value))
	}
	return b.String()
}

// resign replaces the client assertion with a fresh one like it when it is
// still the one its authenticator built (a retry of s is a new request:
// RFC 7523 §3, an assertion's jti is used once); the parameters are copied
// first, so the Spec s was copied from keeps its own.
func (s *Spec) resign() {
	if s.reauth == nil {
		return
	}
	if v, _ := s.Get(ParamClientAssertion); v != s.assertion {
		return
	}
	s.Params = slices.Clone(s.Params)
	s.reauth(s)
}

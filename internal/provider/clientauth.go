package provider

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
)

// authMethod is how a token request authenticated its client.
type authMethod int

const (
	authBasic         authMethod = iota + 1 // HTTP Basic: the only method the seed supports
	authSecretPost                          // secret-post-accepted defect: a Basic client's secret in the body
	authPublic                              // public-client-accepted defect
	authQuery                               // secret-in-query-accepted defect
	authPost                                // client_secret_post, for a client registered for it
	authSecretJWT                           // client_secret_jwt
	authPrivateKeyJWT                       // private_key_jwt
	authTLS                                 // tls_client_auth
	authSelfSignedTLS                       // self_signed_tls_client_auth
)

// authenticate authenticates the client of a token request. A client may
// use only the method it is registered for (Client.Method; the seed's
// clients: HTTP Basic with form-url-encoded credentials, RFC 6749 §2.3.1).
// The clean provider answers, in this order:
//
//   - no Authorization header: see authenticateWithoutHeader;
//   - a malformed header (not Basic, bad base64, no colon, bad
//     percent-encoding, empty, repeated): 401 invalid_client;
//   - Basic plus client_secret or client_assertion in the body: 400
//     invalid_request (RFC 6749 §2.3: one method per request);
//   - unknown client or wrong secret: 401 invalid_client;
//   - a client registered for another method: 401 invalid_client.
//
// Parameters in the URL query are never read. params has the body
// parameters, empty values removed.
//
// https://datatracker.ietf.org/doc/html/rfc6749#section-2.3.1
func (p *Provider) authenticate(r *http.Request, params url.Values, act active) (Client, authMethod, *oauthError) {
	values, present := r.Header["Authorization"]
	if !present {
		return p.authenticateWithoutHeader(r, params, act)
	}
	malformed := func(desc string) (Client, authMethod, *oauthError) {
		if act.on(dMalformedAuth500) {
			return Client{}, 0, serverError("internal error while reading the Authorization header")
		}
		return Client{}, 0, invalidClient(desc)
	}
	if len(values) != 1 {
		return malformed("more than one Authorization header")
	}
	scheme, creds, _ := strings.Cut(strings.TrimSpace(values[0]), " ")
	if !strings.EqualFold(scheme, "Basic") {
		return malformed("client authentication must use HTTP Basic")
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(creds))
	if err != nil {
		return malformed("the Basic credentials are not valid base64")
	}
	id, secret, ok := strings.Cut(string(raw), ":")
	if !ok {
		return malformed("the Basic credentials have no colon")
	}
	// RFC 6749 §2.3: one method per request. Under lone-secret-ignored, a
	// client_secret without client_id is no second method and is ignored.
	secondMethod := params.Has("client_secret") && (params.Has("client_id") || !p.variants.on(vLoneSecretIgnored))
	if secondMethod && !act.on(dTwoMethodsAccepted) {
		return Client{}, 0, invalidRequest("more than one client authentication method (Basic and client_secret)")
	}
	if params.Has("client_assertion") {
		if act.on(dTwoMethodsAssertion) {
			return p.authenticateAssertion(r, params, act)
		}
		return Client{}, 0, invalidRequest("more than one client authentication method (Basic and client_assertion)")
	}
	if !act.on(dBasicNotDecoded) {
		// RFC 6749 §2.3.1: id and secret are form-url-encoded before
		// Basic encoding; QueryUnescape also turns '+' into a space.
		if id, err = url.QueryUnescape(id); err != nil {
			return malformed("the Basic client id is not form-url-encoded")
		}
		if secret, err = url.QueryUnescape(secret); err != nil {
			return malformed("the Basic client secret is not form-url-encoded")
		}
	}
	c, oerr := p.verifyClient(id, secret, act)
	if oerr == nil && c.method() != MethodBasic && !act.on(dMethodNotBound) {
		return Client{}, 0, invalidClient("the client is registered for " + c.method() + ", not client_secret_basic")
	}
	return c, authBasic, oerr
}

// authenticateWithoutHeader handles a token request without an
// Authorization header: a client assertion (authenticateAssertion);
// client_secret in the body, for a client registered for
// client_secret_post (both a client_assertion and a client_secret: 400
// invalid_request); client_id alone, for a client registered for a TLS
// method (authenticateTLS). Anything else is 401 invalid_client for the
// clean provider: the seed's clients "must always authenticate", with
// Basic.
func (p *Provider) authenticateWithoutHeader(r *http.Request, params url.Values, act active) (Client, authMethod, *oauthError) {
	if act.on(dSecretInQueryAccepted) {
		q := r.URL.Query()
		if id, secret := q.Get("client_id"), q.Get("client_secret"); id != "" && secret != "" {
			c, oerr := p.verifyClient(id, secret, act)
			return c, authQuery, oerr
		}
	}
	id := params.Get("client_id")
	switch {
	case params.Has("client_assertion") && params.Has("client_secret"):
		return Client{}, 0, invalidRequest("more than one client authentication method (client_secret and client_assertion)")
	case params.Has("client_assertion") || params.Has("client_assertion_type"):
		return p.authenticateAssertion(r, params, act)
	case params.Has("client_secret"):
		return p.authenticatePost(id, params.Get("client_secret"), act)
	}
	if id != "" {
		c, ok := p.clients[id]
		switch {
		case ok && (c.method() == MethodTLS || c.method() == MethodSelfSignedTLS):
			return p.authenticateTLS(r, c, act)
		case ok && act.on(dPublicClientAccepted):
			return c, authPublic, nil
		}
		return Client{}, 0, p.missingAuth(act, "the client must authenticate with the method it is registered for")
	}
	return Client{}, 0, p.missingAuth(act, "client authentication is required")
}

// authenticatePost authenticates client_id and client_secret in the body:
// for a client registered for client_secret_post (RFC 6749 §2.3.1). A
// client registered for another method gets the answer of a request that
// did not authenticate.
func (p *Provider) authenticatePost(id, secret string, act active) (Client, authMethod, *oauthError) {
	c, ok := p.clients[id]
	switch {
	case ok && c.method() == MethodPost && act.on(dPostUnsupported):
		return Client{}, 0, invalidClient("client_secret_post is not supported")
	case ok && c.method() == MethodPost && act.on(dPostSecretUnchecked):
		return c, authPost, nil
	case ok && c.method() == MethodPost:
		c, oerr := p.verifyClient(id, secret, act)
		return c, authPost, oerr
	case ok && c.method() == MethodBasic && act.on(dSecretPostAccepted):
		c, oerr := p.verifyClient(id, secret, act)
		return c, authSecretPost, oerr
	case ok && act.on(dMethodNotBound):
		c, oerr := p.verifyClient(id, secret, act)
		return c, authPost, oerr
	}
	return Client{}, 0, p.missingAuth(act, "client_secret in the body is not accepted for this client; use the method it is registered for")
}

// missingAuth is the error for a request that did not authenticate.
func (p *Provider) missingAuth(act active, desc string) *oauthError {
	if act.on(dMissingAuth400) {
		return invalidRequest(desc)
	}
	return invalidClient(desc)
}

// verifyClient checks a client id and secret. Unknown client and wrong
// secret get the same answer, so that client ids cannot be probed.
func (p *Provider) verifyClient(id, secret string, act active) (Client, *oauthError) {
	c, ok := p.clients[id]
	if !ok {
		e := invalidClient("client authentication failed")
		if act.on(dUnknownClient400) {
			e.status = http.StatusBadRequest
		}
		return Client{}, e
	}
	if !c.secretMatches(secret) {
		e := invalidClient("client authentication failed")
		e.wrongSecret = true
		return Client{}, e
	}
	return c, nil
}

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
	authBasic      authMethod = iota + 1 // HTTP Basic: the only method the seed supports
	authSecretPost                       // secret-post-accepted defect
	authPublic                           // public-client-accepted defect
	authQuery                            // secret-in-query-accepted defect
)

// authenticate authenticates the client of a token request. The clean
// provider accepts only HTTP Basic with form-url-encoded credentials
// (RFC 6749 §2.3.1) and answers, in this order:
//
//   - no Authorization header: 401 invalid_client, whether or not the body
//     has client_id or client_secret (the seed: "clients must always
//     authenticate", Basic only);
//   - a malformed header (not Basic, bad base64, no colon, bad
//     percent-encoding, empty, repeated): 401 invalid_client;
//   - Basic plus client_secret in the body: 400 invalid_request (RFC 6749
//     §2.3: one method per request);
//   - unknown client or wrong secret: 401 invalid_client.
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
	return c, authBasic, oerr
}

// authenticateWithoutHeader handles a token request without an
// Authorization header: always 401 invalid_client for the clean provider.
func (p *Provider) authenticateWithoutHeader(r *http.Request, params url.Values, act active) (Client, authMethod, *oauthError) {
	if act.on(dSecretInQueryAccepted) {
		q := r.URL.Query()
		if id, secret := q.Get("client_id"), q.Get("client_secret"); id != "" && secret != "" {
			c, oerr := p.verifyClient(id, secret, act)
			return c, authQuery, oerr
		}
	}
	id := params.Get("client_id")
	if params.Has("client_secret") {
		if act.on(dSecretPostAccepted) {
			c, oerr := p.verifyClient(id, params.Get("client_secret"), act)
			return c, authSecretPost, oerr
		}
		return Client{}, 0, p.missingAuth(act, "client_secret in the body is not supported; use HTTP Basic")
	}
	if id != "" {
		if c, ok := p.clients[id]; ok && act.on(dPublicClientAccepted) {
			return c, authPublic, nil
		}
		return Client{}, 0, p.missingAuth(act, "the client must authenticate with HTTP Basic")
	}
	return Client{}, 0, p.missingAuth(act, "client authentication is required (HTTP Basic)")
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

package provider

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net/url"
	"slices"
)

// Client is a registered confidential client. RedirectURIs are compared
// byte for byte.
type Client struct {
	ID, Secret   string
	RedirectURIs []string
	// Method is the token_endpoint_auth_method the client is registered
	// for, the only one it may authenticate with (OpenID Connect
	// Registration §2); "" is client_secret_basic. For private_key_jwt and
	// the TLS methods the provider makes the client's key or certificate
	// (Credentials hands them out).
	Method string
}

// Client authentication methods (token_endpoint_auth_method).
const (
	MethodBasic         = "client_secret_basic"
	MethodPost          = "client_secret_post"
	MethodSecretJWT     = "client_secret_jwt"
	MethodPrivateKeyJWT = "private_key_jwt"
	MethodTLS           = "tls_client_auth"
	MethodSelfSignedTLS = "self_signed_tls_client_auth"
)

// Methods lists every client authentication method the provider serves.
func Methods() []string {
	return []string{MethodBasic, MethodPost, MethodSecretJWT, MethodPrivateKeyJWT, MethodTLS, MethodSelfSignedTLS}
}

// method is c's registered method, defaulted.
func (c Client) method() string {
	if c.Method == "" {
		return MethodBasic
	}
	return c.Method
}

// DefaultClients returns the clients a provider has when Config.Clients is
// empty: "tokenbench", a second client "tokenbench-b" for the
// CODE-BOUND-TO-CLIENT probe, and "tokenbench-enc", whose secret has
// characters that RFC 6749 §2.3.1 requires to be form-url-encoded before
// Basic encoding (the AUTH-BASIC-ENCODING probe), all registered for
// client_secret_basic; then one client registered for each other method
// (ClientFor finds it). All share two redirect URIs, the second of which
// extends the first (the redirect-prefix-match defect's blind spot).
func DefaultClients() []Client {
	uris := func() []string {
		return []string{"http://127.0.0.1:9/callback", "http://127.0.0.1:9/callback2"}
	}
	return []Client{
		{ID: "tokenbench", Secret: "tokenbench-secret", RedirectURIs: uris()},
		{ID: "tokenbench-b", Secret: "tokenbench-b-secret", RedirectURIs: uris()},
		{ID: "tokenbench-enc", Secret: "s3cret:with/reserved+chars&=%", RedirectURIs: uris()},
		{ID: "tokenbench-post", Secret: "tokenbench-post-secret", RedirectURIs: uris(), Method: MethodPost},
		{ID: "tokenbench-sjwt", Secret: "tokenbench-sjwt-secret-of-32-bytes-or-more", RedirectURIs: uris(), Method: MethodSecretJWT},
		{ID: "tokenbench-jwt", Secret: "tokenbench-jwt-secret", RedirectURIs: uris(), Method: MethodPrivateKeyJWT},
		{ID: "tokenbench-tls", Secret: "tokenbench-tls-secret", RedirectURIs: uris(), Method: MethodTLS},
		{ID: "tokenbench-sstls", Secret: "tokenbench-sstls-secret", RedirectURIs: uris(), Method: MethodSelfSignedTLS},
	}
}

// ClientFor returns the first of cs registered for method.
func ClientFor(cs []Client, method string) (Client, bool) {
	for _, c := range cs {
		if c.method() == method {
			return c, true
		}
	}
	return Client{}, false
}

// indexClients validates clients and indexes them by ID.
func indexClients(cs []Client) (map[string]Client, error) {
	m := make(map[string]Client, len(cs))
	for i, c := range cs {
		if c.ID == "" || c.Secret == "" {
			return nil, fmt.Errorf("provider: client %d: ID and Secret must not be empty", i)
		}
		if _, dup := m[c.ID]; dup {
			return nil, fmt.Errorf("provider: client %q registered twice", c.ID)
		}
		if !slices.Contains(Methods(), c.method()) {
			return nil, fmt.Errorf("provider: client %q: method %q is not one of %v", c.ID, c.Method, Methods())
		}
		if len(c.RedirectURIs) == 0 {
			return nil, fmt.Errorf("provider: client %q: no redirect URIs", c.ID)
		}
		for _, u := range c.RedirectURIs {
			pu, err := url.Parse(u)
			if err != nil || !pu.IsAbs() || pu.Fragment != "" {
				return nil, fmt.Errorf("provider: client %q: redirect URI %q is not an absolute URI without fragment", c.ID, u)
			}
		}
		c.RedirectURIs = slices.Clone(c.RedirectURIs)
		m[c.ID] = c
	}
	return m, nil
}

// registered reports whether uri is one of the client's redirect URIs,
// compared byte for byte (RFC 9700 §4.1.3).
func (c Client) registered(uri string) bool { return slices.Contains(c.RedirectURIs, uri) }

// secretMatches compares a presented secret with the client's in constant
// time (both are hashed first so that their lengths do not leak either).
func (c Client) secretMatches(secret string) bool {
	a, b := sha256.Sum256([]byte(secret)), sha256.Sum256([]byte(c.Secret))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

package provider

import (
	"net/http"
	"slices"
)

// discovery returns the OpenID Provider Metadata for issuer under the
// variants.
//
// https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderMetadata
func discovery(issuer string, v variants) []byte {
	ms := []member{
		{"issuer", issuer},
		{"authorization_endpoint", issuer + PathAuthorize},
		{"token_endpoint", issuer + PathToken},
		{"userinfo_endpoint", issuer + PathUserinfo},
		{"jwks_uri", issuer + PathJWKS},
		{"response_types_supported", []string{"code"}},
		{"subject_types_supported", []string{"public"}},
		{"id_token_signing_alg_values_supported", []string{"RS256"}},
		{"token_endpoint_auth_methods_supported", []string{"client_secret_basic"}},
		{"grant_types_supported", []string{"authorization_code"}},
		{"code_challenge_methods_supported", []string{"S256"}},
		{"scopes_supported", supportedScopes()},
		{"claims_supported", []string{"amr", "at_hash", "aud", "auth_time", "azp", "birthdate", "exp",
			"family_name", "given_name", "iat", "iss", "name", "nonce", "preferred_username", "sub"}},
	}
	if v.on(vNoUserinfo) {
		ms = without(ms, "userinfo_endpoint")
	}
	if v.on(vIntrospection) {
		ms = slices.Insert(ms, 5, member{"introspection_endpoint", issuer + PathIntrospect})
	}
	return object(ms)
}

// handleDiscovery serves /.well-known/openid-configuration.
func (p *Provider) handleDiscovery(w http.ResponseWriter, r *http.Request) {
	serveJSON(w, r, discovery(p.issuerFor(r), p.variants))
}

// handleJWKS serves the JSON Web Key Set with the signing key (RFC 7517 §5).
//
// https://datatracker.ietf.org/doc/html/rfc7517#section-5
func (p *Provider) handleJWKS(w http.ResponseWriter, r *http.Request) {
	serveJSON(w, r, p.keys.jwks)
}

// serveJSON answers GET and HEAD with a static JSON document.
func serveJSON(w http.ResponseWriter, r *http.Request, body []byte) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write(body)
	}
}

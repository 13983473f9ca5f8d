package provider

import (
	"net/http"
	"slices"
)

// discovery returns the OpenID Provider Metadata for issuer: the client
// authentication methods its clients are registered for, the token
// endpoint's mTLS alias when the HTTPS listener runs (RFC 8705 §5), and the
// endpoints the variants add or remove.
//
// https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderMetadata
func (p *Provider) discovery(issuer string, act active) []byte {
	methods := p.authMethods(act)
	ms := []member{
		{"issuer", issuer},
		{"authorization_endpoint", issuer + PathAuthorize},
		{"token_endpoint", issuer + PathToken},
		{"userinfo_endpoint", issuer + PathUserinfo},
		{"jwks_uri", issuer + PathJWKS},
		{"response_types_supported", []string{"code"}},
		{"subject_types_supported", []string{"public"}},
		{"id_token_signing_alg_values_supported", p.idTokenAlgs(act)},
		{"token_endpoint_auth_methods_supported", methods},
		{"grant_types_supported", p.grantTypes(act)},
		{"scopes_supported", supportedScopes()},
		{"claims_supported", []string{"amr", "at_hash", "aud", "auth_time", "azp", "birthdate", "exp",
			"family_name", "given_name", "iat", "iss", "name", "nonce", "preferred_username", "sub"}},
	}
	if !act.on(dDiscPKCEMethodsAbsent) {
		ms = append(ms, member{"code_challenge_methods_supported", []string{"S256"}})
	}
	if p.variants.on(vNoUserinfo) {
		ms = without(ms, "userinfo_endpoint")
	}
	if p.variants.on(vIntrospection) {
		ms = slices.Insert(ms, 5, member{"introspection_endpoint", issuer + PathIntrospect})
	}
	if slices.Contains(methods, MethodPrivateKeyJWT) || slices.Contains(methods, MethodSecretJWT) {
		ms = append(ms, member{"token_endpoint_auth_signing_alg_values_supported", []string{"RS256", "PS256", "ES256", "HS256", "HS384", "HS512"}})
	}
	if p.cfg.DPoP {
		ms = append(ms, member{"dpop_signing_alg_values_supported", []string{"ES256", "RS256", "PS256"}})
	}
	if m := p.MTLSBase(); m != "" {
		ms = append(ms, member{"mtls_endpoint_aliases", map[string]string{"token_endpoint": m + PathToken}})
	}
	return object(ms)
}

// idTokenAlgs is id_token_signing_alg_values_supported: the alg ID tokens
// are signed with (the other one under disc-id-token-algs-wrong).
func (p *Provider) idTokenAlgs(act active) []string {
	if act.on(dDiscIDTokenAlgsWrong) {
		return []string{map[string]string{AlgRS256: AlgES256, AlgES256: AlgRS256}[p.keys.alg]}
	}
	return []string{p.keys.alg}
}

// authMethods are the methods the provider's clients are registered for,
// in Methods order, less those a defect leaves unsupported.
func (p *Provider) authMethods(act active) []string {
	if act.on(dDiscAuthMethodsBasicOnly) {
		return []string{MethodBasic}
	}
	unsupported := map[string]bool{MethodPost: act.on(dPostUnsupported), MethodPrivateKeyJWT: act.on(dPrivateKeyJWTUnsupported),
		MethodSecretJWT: act.on(dSecretJWTUnsupported), MethodTLS: act.on(dTLSClientAuthUnsupported)}
	var out []string
	for _, m := range Methods() {
		if unsupported[m] {
			continue
		}
		for _, c := range p.clients {
			if c.method() == m {
				out = append(out, m)
				break
			}
		}
	}
	return out
}

// handleDiscovery serves /.well-known/openid-configuration.
func (p *Provider) handleDiscovery(w http.ResponseWriter, r *http.Request) {
	serveJSON(w, r, p.discovery(p.issuerFor(r), p.roll()))
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

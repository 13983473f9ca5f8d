package provider

import (
	"fmt"
	"slices"
	"strings"
)

// Variant is a behaviour that differs from the seed document but that the
// standards allow: a conformance checker must pass it. Variants apply to
// every response.
type Variant struct {
	Name, Summary string
	// Profile is the shipped profile under which the variant is a correct
	// provider, when the bankid document excludes it (refresh tokens, say);
	// "" is any profile.
	Profile string
}

// Variant names.
const (
	vLowercaseBearer   = "lowercase-bearer"
	vPlainJSON         = "plain-json"
	vCacheControlExtra = "cache-control-extra"
	vExtraMembers      = "extra-members"
	vAudArray          = "aud-array"
	vMultiKeyJWKS      = "multi-key-jwks"
	vNoErrorDesc       = "no-error-description"
	vShuffledMembers   = "shuffled-members"
	vNonceAbsent       = "nonce-absent"
	vDPoPNonce         = "dpop-nonce"
	vDPoPNonceClock    = "dpop-nonce-clock"
	vJWTAccessTokens   = "jwt-access-tokens"
	vLoneSecretIgnored = "lone-secret-ignored"
	vNoUserinfo        = "no-userinfo"
	vIntrospection     = "introspection"
	vNonceRequired     = "nonce-required"
	vSessionNeedsACR   = "session-needs-acr"

	// With the refresh_token and client_credentials grants served.
	vRefreshNoRotation = "refresh-no-rotation"
	vRefreshNoIDToken  = "refresh-no-id-token"
	vRefreshScopeKept  = "refresh-scope-kept"
	vCCNoScope         = "cc-no-scope"
)

// GrantVariant reports whether a variant changes only the refresh_token or
// client_credentials grants: it shows only when they are served, under a
// profile that allows it (refresh-no-rotation: refresh.rotation optional).
func GrantVariant(name string) bool {
	return slices.Contains([]string{vRefreshNoRotation, vRefreshNoIDToken, vRefreshScopeKept, vCCNoScope}, name)
}

// sessionACR is the acr_values under which the session-needs-acr variant
// honours a login session.
const sessionACR = "tokenbench-sso"

// Variants returns every variant the provider knows, sorted by name. The
// slice is new on every call.
func Variants() []Variant {
	vs := []Variant{
		{Name: vLowercaseBearer, Summary: `token_type is "bearer" (RFC 6749 §5.1: case-insensitive)`},
		{Name: vPlainJSON, Summary: "Content-Type is application/json without a charset parameter (RFC 8259 §11)"},
		{Name: vCacheControlExtra, Summary: `Cache-Control is "no-store, no-cache, max-age=0"`},
		{Name: vExtraMembers, Summary: "success responses carry unknown extra members (RFC 6749 §5.1: clients ignore them)"},
		{Name: vAudArray, Summary: `aud is ["<client>", "other-audience"], with azp = client (OIDC Core §2)`},
		{Name: vMultiKeyJWKS, Summary: "the JWKS has two more keys before the signing key: another RSA key and an EC P-256 key"},
		{Name: vNoErrorDesc, Summary: "error responses have no error_description (RFC 6749 §5.2: OPTIONAL)"},
		{Name: vShuffledMembers, Summary: "JSON members (response bodies and ID token claims) come in another order"},
		{Name: vNonceAbsent, Summary: "when no nonce was sent, the ID token has no nonce claim instead of null"},
		{Name: vLoneSecretIgnored, Summary: "a client_secret without client_id next to Basic is no second authentication method and is ignored; Basic plus client_id and client_secret is still refused (RFC 6749 §2.3)"},
		{Name: vNoUserinfo, Summary: "there is no userinfo endpoint: discovery lists none (OIDC Discovery §3: RECOMMENDED, not required) and /userinfo answers 404"},
		{Name: vIntrospection, Summary: "discovery lists an introspection_endpoint (RFC 8414 §2) that answers RFC 7662 token introspection for registered clients (HTTP Basic)"},
		{Name: vSessionNeedsACR, Summary: "in the js login mode, a login session is honoured only for an authorization request with acr_values=" + sessionACR + ", the parameter its login app adds (as some providers honour single sign-on only for the acr their own app asks for); without it the login page comes again (OIDC Core §3.1.2.1 acr_values)"},
		{Name: vNonceRequired, Summary: "an authorization request without a nonce is refused with invalid_request, as some providers do although nonce is OPTIONAL in the code flow (OIDC Core §3.1.2.1)"},
		{Name: vDPoPNonce, Summary: "with DPoP, every proof must carry the server's nonce: one without gets use_dpop_nonce and a DPoP-Nonce header (RFC 9449 §8, §9)"},
		{Name: vDPoPNonceClock, Summary: "with DPoP, every proof must carry the server's nonce, which stands in for its iat: iat is not checked (RFC 9449 §4.3 check 11: the creation time may be judged by a server-managed nonce; node oidc-provider does so)"},
		{Name: vJWTAccessTokens, Summary: "access tokens are JWTs (RFC 9068: typ at+jwt, signed with the ID token key); a DPoP-bound one carries cnf.jkt, the proof key's thumbprint (RFC 9449 §6.1)"},
		{Name: vRefreshNoRotation, Summary: "a refresh returns no new refresh token; the presented one stays valid (RFC 6749 §6: the server MAY issue a new one)"},
		{Name: vRefreshNoIDToken, Summary: "a refresh returns no ID token (OIDC Core §12.2: it might not)"},
		{Name: vRefreshScopeKept, Summary: "a refresh asking for a scope wider than the original grant is not refused: the requested scope is ignored, the original grant issued and named in the scope member (RFC 6749 §3.3: the server MAY ignore the requested scope; Ory Hydra does)"},
		{Name: vCCNoScope, Summary: "client credentials responses to a request with a scope have no scope member (RFC 6749 §5.1: OPTIONAL when granted as requested)"},
	}
	slices.SortFunc(vs, func(a, b Variant) int { return strings.Compare(a.Name, b.Name) })
	return vs
}

// VariantNames returns every variant name, sorted.
func VariantNames() []string {
	vs := Variants()
	names := make([]string, len(vs))
	for i, v := range vs {
		names[i] = v.Name
	}
	return names
}

// ParseVariants parses a comma-separated variant list as given on a command
// line. Spaces around items are ignored; an empty spec is no variants.
func ParseVariants(spec string) ([]string, error) {
	var out []string
	for item := range strings.SplitSeq(spec, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	if err := validateVariants(out); err != nil {
		return nil, err
	}
	return out, nil
}

func validateVariants(names []string) error {
	known := VariantNames()
	for _, n := range names {
		if !slices.Contains(known, n) {
			return fmt.Errorf("provider: unknown variant %q; known variants: %s", n, strings.Join(known, ", "))
		}
	}
	return nil
}

// variants is the set of variants a provider runs with.
type variants map[string]bool

func (v variants) on(name string) bool { return v[name] }

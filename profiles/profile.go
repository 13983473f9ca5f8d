// Package profiles holds what a provider's documentation promises about its
// token endpoint, as data: the shipped profiles (embedded YAML) and the code
// that loads, resolves (extends:) and validates them.
package profiles

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tokenbench/tokenbench/internal/catalog"
	"github.com/tokenbench/tokenbench/internal/yamlfile"
)

// Profile is one provider's documented token endpoint behaviour. The zero
// value of every field means "the standard applies"; see oidc.yaml.
type Profile struct {
	Name        string `yaml:"name"`
	Extends     string `yaml:"extends,omitempty"`
	Title       string `yaml:"title,omitempty"`
	Document    string `yaml:"document,omitempty"` // where the provider documents this
	Description string `yaml:"description,omitempty"`

	Auth      Auth      `yaml:"auth"`
	Request   Request   `yaml:"request"`
	Authorize Authorize `yaml:"authorize"`
	PKCE      PKCE      `yaml:"pkce"`
	DPoP      DPoP      `yaml:"dpop"`
	Code      Code      `yaml:"code"`
	Response  Response  `yaml:"response"`
	Errors    Errors    `yaml:"errors"`
	IDToken   IDToken   `yaml:"id_token"`

	Refresh           Refresh           `yaml:"refresh"`
	ClientCredentials ClientCredentials `yaml:"client_credentials"`

	// Rows changes the level of catalogue rows for this provider, or marks a
	// row as not applicable (level SKIP) with the reason.
	Rows map[string]RowRule `yaml:"rows,omitempty"`

	// Chain lists the profiles this one was resolved from, base first.
	Chain []string `yaml:"-"`
}

// RowRule overrides a catalogue row for a profile.
type RowRule struct {
	Level  catalog.Level `yaml:"level"`
	Reason string        `yaml:"reason,omitempty"`
}

// Auth is the documented client authentication at the token endpoint.
//
// https://www.rfc-editor.org/rfc/rfc6749#section-2.3
type Auth struct {
	// Methods are the only client authentication methods the endpoint
	// accepts (token_endpoint_auth_method values: client_secret_basic,
	// client_secret_post, client_secret_jwt, private_key_jwt,
	// tls_client_auth, self_signed_tls_client_auth, none). Empty means the
	// profile does not restrict them.
	Methods []string `yaml:"methods,flow,omitempty"`
	// Missing is what a request without any client authentication gets.
	Missing ErrorExpect `yaml:"missing"`
	// Binding says whether a client may authenticate only with the method
	// it is registered for (token_endpoint_auth_method, OpenID Connect
	// Registration §2): "registered", or "any" documented method it holds
	// credentials for; "" when the documentation does not say.
	Binding string `yaml:"binding,omitempty"`
	// Interchangeable are methods the provider accepts alike from a client
	// registered for any of them (for example Basic and post).
	Interchangeable []string `yaml:"interchangeable,flow,omitempty"`
	// Assertion is what the provider documents about client assertions
	// (client_secret_jwt, private_key_jwt).
	Assertion Assertion `yaml:"assertion"`
}

// Binding values.
const (
	BindingRegistered = "registered"
	BindingAny        = "any"
)

// Assertion is the documented handling of client assertions.
//
// https://www.rfc-editor.org/rfc/rfc7523#section-3
type Assertion struct {
	// Audiences are the aud values the provider accepts: token_endpoint
	// (OIDC Core §9) and issuer. Empty is [token_endpoint].
	Audiences []string `yaml:"audiences,flow,omitempty"`
	// Algs are the signing algorithms it accepts
	// (token_endpoint_auth_signing_alg_values_supported); empty is any.
	Algs []string `yaml:"algs,flow,omitempty"`
	// MaxLifetime bounds exp - iat of an assertion the provider accepts;
	// the harness signs its assertions for at most this long. 0 is
	// undocumented.
	MaxLifetime yamlfile.Duration `yaml:"max_lifetime,omitempty"`
}

// Assertion audiences.
const (
	AudienceTokenEndpoint = "token_endpoint"
	AudienceIssuer        = "issuer"
)

// AssertionAudiences returns the accepted assertion audiences, defaulted.
func (p *Profile) AssertionAudiences() []string {
	if len(p.Auth.Assertion.Audiences) == 0 {
		return []string{AudienceTokenEndpoint}
	}
	return p.Auth.Assertion.Audiences
}

// ErrorExpect is an acceptable error answer: any of the statuses with any of
// the OAuth error codes.
type ErrorExpect struct {
	Status []int    `yaml:"status,flow,omitempty"`
	Errors []string `yaml:"errors,flow,omitempty"`
}

// Request is the documented request format and parameters.
type Request struct {
	// ClientIDParam says what happens to a client_id body parameter sent
	// alongside valid Basic authentication: "reject" or "allow".
	ClientIDParam string `yaml:"client_id_param,omitempty"`
	// ClientIDError is the error code(s) for a rejected client_id parameter.
	ClientIDError []string `yaml:"client_id_error,flow,omitempty"`
	// GrantTypes is the complete list of supported grant types; empty means
	// "take grant_types_supported from discovery".
	GrantTypes []string `yaml:"grant_types,flow,omitempty"`
}

// DPoP is the documented support for sender-constrained tokens.
//
// https://www.rfc-editor.org/rfc/rfc9449
type DPoP struct {
	// Support is none, optional or required; "" is undocumented (the DPoP
	// rows are skipped). With optional or required the harness sends a
	// proof with every token request.
	Support string `yaml:"support,omitempty"`
}

// Documented reports whether the profile documents DPoP support.
func (d DPoP) Documented() bool { return d.Support == "optional" || d.Support == "required" }

// Authorize is what the provider documents about the authorization request
// that affects the codes the harness obtains.
type Authorize struct {
	// Nonce is "required" when an authorization request without nonce is
	// refused (the code sources always send one for the openid scope).
	Nonce string `yaml:"nonce,omitempty"`
}

// PKCE is the documented support for RFC 7636.
type PKCE struct {
	// Support is none, optional, required or auto (from discovery's
	// code_challenge_methods_supported).
	Support string `yaml:"support,omitempty"`
	// Methods are the code_challenge_method values the provider accepts;
	// [S256] alone makes PKCE-PLAIN-REFUSED a requirement. Empty is
	// undocumented.
	Methods []string `yaml:"methods,flow,omitempty"`
}

// S256Only reports whether the profile documents S256 as the only
// code_challenge_method.
//
// https://www.rfc-editor.org/rfc/rfc9700#section-2.1.1
func (p PKCE) S256Only() bool { return slices.Equal(p.Methods, []string{"S256"}) }

// Code is the documented authorization code behaviour.
type Code struct {
	// Lifetime is how long a code stays redeemable; 0 means undocumented,
	// which skips CODE-EXPIRES unless the target sets expect.code_lifetime.
	Lifetime yamlfile.Duration `yaml:"lifetime,omitempty"`
	// ExpiryMargin is added to Lifetime before a redemption must fail.
	ExpiryMargin yamlfile.Duration `yaml:"expiry_margin,omitempty"`
	// MinEntropyBits is the least estimated entropy of a code (CODE-ENTROPY).
	MinEntropyBits float64 `yaml:"min_entropy_bits,omitempty"`
	// RaceConcurrency is N for CODE-SINGLE-USE-RACE.
	RaceConcurrency int `yaml:"race_concurrency,omitempty"`
	// RaceRounds is how many codes CODE-SINGLE-USE-RACE races for, each
	// with RaceConcurrency redemptions: the rounds its detection rate is
	// stated from.
	RaceRounds int `yaml:"race_rounds,omitempty"`
}

// Response is the documented successful token response.
//
// https://www.rfc-editor.org/rfc/rfc6749#section-5.1
type Response struct {
	ContentType string `yaml:"content_type,omitempty"` // media type, parameters allowed
	// ExpiresIn fixes the value of expires_in in seconds; 0 accepts any
	// positive number.
	ExpiresIn int `yaml:"expires_in,omitempty"`
	// ExpiresTolerance bounds |expires_in - (exp - iat)| (RESP-EXPIRES-CONSISTENT).
	ExpiresTolerance yamlfile.Duration `yaml:"expires_tolerance,omitempty"`
	// Scope is "required" or "optional" (RFC 6749 §5.1: optional when
	// identical to the requested scope).
	Scope string `yaml:"scope,omitempty"`
	// RefreshToken is "forbidden", "optional" or "required".
	RefreshToken string `yaml:"refresh_token,omitempty"`
}

// Errors is the documented error response format.
//
// https://www.rfc-editor.org/rfc/rfc6749#section-5.2
type Errors struct {
	// Codes are the error codes a response may carry; empty means the
	// RFC 6749 §5.2 registry.
	Codes []string `yaml:"codes,flow,omitempty"`
}

// IDToken is the documented ID token.
//
// https://openid.net/specs/openid-connect-core-1_0.html#IDToken
type IDToken struct {
	Algs     []string          `yaml:"algs,flow,omitempty"`
	Skew     yamlfile.Duration `yaml:"skew,omitempty"`
	Lifetime Range             `yaml:"lifetime"`
	// Azp is "required" or "multi_aud" (required only with several audiences).
	Azp string `yaml:"azp,omitempty"`
	// AtHash is "required" or "optional" (checked when present).
	AtHash string `yaml:"at_hash,omitempty"`
	// AuthTime is "required" or "optional" (checked when present).
	AuthTime string `yaml:"auth_time,omitempty"`
	// MaxAuthAge is the longest a login may lie before the ID token's iat
	// (the provider's maximum session age): an older auth_time is
	// implausible for a code obtained moments ago. 0: 24 h.
	MaxAuthAge yamlfile.Duration `yaml:"max_auth_age,omitempty"`
	// NonceNull allows "nonce": null when the authorization request sent none.
	NonceNull bool `yaml:"nonce_null,omitempty"`
	// AMRContains are values the amr array must contain.
	AMRContains []string `yaml:"amr_contains,flow,omitempty"`
	// AMRValues are the only amr values the provider documents: every
	// element must be one of them, and there must be one.
	AMRValues []string `yaml:"amr_values,flow,omitempty"`
	// Claims are claims that must be present, with their JSON type: string,
	// number, boolean, array, object, date (YYYY-MM-DD), string_or_null,
	// string_or_array.
	Claims map[string]string `yaml:"claims,omitempty"`
	// PersonalClaims are redacted wherever a token's claims are shown.
	PersonalClaims []string `yaml:"personal_claims,flow,omitempty"`
}

// Range is a closed duration interval; a zero bound is open.
type Range struct {
	Min yamlfile.Duration `yaml:"min,omitempty"`
	Max yamlfile.Duration `yaml:"max,omitempty"`
}

// Contains reports whether d is within r.
func (r Range) Contains(d time.Duration) bool {
	return (r.Min == 0 || d >= r.Min.D()) && (r.Max == 0 || d <= r.Max.D())
}

// Level returns the level of a catalogue row under this profile, and the
// reason when the profile skips it.
func (p *Profile) Level(id string) (catalog.Level, string) {
	if r, ok := p.Rows[id]; ok {
		return r.Level, r.Reason
	}
	row, ok := catalog.Lookup(id)
	if !ok {
		return catalog.Skip, "not in the catalogue"
	}
	if reason := p.notApplicable(row.When); reason != "" {
		return catalog.Skip, reason
	}
	return p.grantLevel(row)
}

// notApplicable says why a row's condition does not hold under p, "" when
// it does.
func (p *Profile) notApplicable(w catalog.When) string {
	if len(w.Methods) > 0 && !slices.ContainsFunc(w.Methods, p.AcceptsAuthMethod) {
		return fmt.Sprintf("profile %s does not document %s (auth.methods: %s)", p.Name, strings.Join(w.Methods, " or "), strings.Join(p.Auth.Methods, ", "))
	}
	if w.NotMethod != "" && p.AcceptsAuthMethod(w.NotMethod) {
		return fmt.Sprintf("profile %s does not exclude %s (auth.methods: %s)", p.Name, w.NotMethod, methodsOrAny(p.Auth.Methods))
	}
	switch {
	case w.PKCE == catalog.PKCERequired && p.PKCE.Support != "required":
		return fmt.Sprintf("profile %s does not document PKCE as required (pkce.support: %s)", p.Name, orUnset(p.PKCE.Support))
	case w.PKCE == catalog.PKCES256Only && !p.PKCE.S256Only():
		return fmt.Sprintf("profile %s does not document S256 as the only code_challenge_method (pkce.methods: %s)", p.Name, orUnset(strings.Join(p.PKCE.Methods, ", ")))
	}
	if w.DPoP && !p.DPoP.Documented() {
		return fmt.Sprintf("profile %s does not document DPoP (dpop.support: %s)", p.Name, orUnset(p.DPoP.Support))
	}
	if w.Grant != "" {
		if reason := p.grantNotApplicable(w.Grant); reason != "" {
			return reason
		}
	}
	if w.Bound && p.Auth.Binding != BindingRegistered {
		why := "does not document whether a client may use another method than the one it is registered for"
		if p.Auth.Binding == BindingAny {
			why = "lets a client use any documented method it holds credentials for (auth.binding: any)"
		}
		return fmt.Sprintf("profile %s %s", p.Name, why)
	}
	return ""
}

func orUnset(s string) string {
	if s == "" {
		return "not set"
	}
	return s
}

func methodsOrAny(ms []string) string {
	if len(ms) == 0 {
		return "not restricted"
	}
	return strings.Join(ms, ", ")
}

// AcceptsAuthMethod reports whether the profile lets clients use method.
func (p *Profile) AcceptsAuthMethod(method string) bool {
	return len(p.Auth.Methods) == 0 || slices.Contains(p.Auth.Methods, method)
}

// Interchangeable reports whether a client registered for method a may use
// method b alike.
func (p *Profile) Interchangeable(a, b string) bool {
	return a == b || (slices.Contains(p.Auth.Interchangeable, a) && slices.Contains(p.Auth.Interchangeable, b))
}

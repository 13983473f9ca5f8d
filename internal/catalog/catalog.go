// Package catalog is the requirement catalogue: one Row per thing the
// conformance suites check against a token endpoint. Row IDs are the stable
// names that checks, specs, labels, profiles and reports use.
package catalog

import (
	"fmt"
	"strings"
)

// Level is the strength of a requirement.
type Level string

// Levels. A Must failure fails a run, a Should failure is a warning, an Info
// row records an observation. Skip marks a row that does not apply.
const (
	Must   Level = "MUST"
	Should Level = "SHOULD"
	Info   Level = "INFO"
	Skip   Level = "SKIP"
)

// ParseLevel parses a level name, case-insensitively.
func ParseLevel(s string) (Level, error) {
	switch l := Level(strings.ToUpper(strings.TrimSpace(s))); l {
	case Must, Should, Info, Skip:
		return l, nil
	}
	return "", fmt.Errorf("catalog: level %q is not one of MUST, SHOULD, INFO, SKIP", s)
}

// Area groups rows by the part of the protocol they are about.
type Area string

// Areas, in report order.
const (
	AreaRequest   Area = "request"
	AreaAuth      Area = "auth"
	AreaCode      Area = "code"
	AreaPkce      Area = "pkce"
	AreaResponse  Area = "response"
	AreaRefresh   Area = "refresh"
	AreaClientCC  Area = "client_credentials"
	AreaError     Area = "error"
	AreaIdToken   Area = "id_token"
	AreaDPoP      Area = "dpop"
	AreaDiscovery Area = "discovery"
	AreaLoad      Area = "load"
)

// Areas lists every area in report order.
var Areas = []Area{AreaRequest, AreaAuth, AreaCode, AreaPkce, AreaResponse, AreaRefresh, AreaClientCC, AreaError, AreaIdToken, AreaDPoP, AreaDiscovery, AreaLoad}

// Title is the human name of an area.
func (a Area) Title() string {
	switch a {
	case AreaRequest:
		return "Request: transport, method, format"
	case AreaAuth:
		return "Client authentication"
	case AreaCode:
		return "Authorization code"
	case AreaPkce:
		return "PKCE"
	case AreaResponse:
		return "Success response"
	case AreaRefresh:
		return "Refresh tokens"
	case AreaClientCC:
		return "Client credentials"
	case AreaError:
		return "Error responses"
	case AreaIdToken:
		return "ID token"
	case AreaDPoP:
		return "DPoP"
	case AreaDiscovery:
		return "Discovery against behaviour"
	case AreaLoad:
		return "Under load"
	}
	return string(a)
}

// Row is one requirement: what is probed and what is expected.
type Row struct {
	ID       string
	Area     Area
	Level    Level  // default level, before a profile changes it
	Source   string // where the requirement comes from, e.g. "6749 §5.2; seed"
	Strength string // the strength as the catalogue states it, e.g. "MUST (bankid)"
	Probe    string
	Expected string
	// When is the profile condition under which the row applies at all;
	// the zero value is always.
	When When
}

// When is what a profile must document for a row to apply ("MUST when
// documented"). A profile that does not is reported as skipping the row,
// with the reason.
type When struct {
	// Methods: the profile documents one of these client authentication
	// methods.
	Methods []string
	// NotMethod: the profile excludes this client authentication method.
	NotMethod string
	// Bound: the profile binds client authentication methods to the
	// client's registration.
	Bound bool
	// PKCE: the profile's PKCE promise the row needs: PKCERequired, or
	// PKCES256Only (code_challenge_method plain is not accepted).
	PKCE string
	// DPoP: the profile documents DPoP (RFC 9449).
	DPoP bool
	// Grant: the profile serves this grant type (refresh_token,
	// client_credentials) and, for refresh_token, issues refresh tokens.
	Grant string
}

// PKCE conditions of When.
const (
	PKCERequired = "required"
	PKCES256Only = "s256_only"
)

// Refs returns links for the row's sources (RFC sections and the OIDC spec).
func (r Row) Refs() []Ref { return parseRefs(r.Source) }

// Lookup returns the row with the given ID.
func Lookup(id string) (Row, bool) {
	i, ok := index[id]
	if !ok {
		return Row{}, false
	}
	return rows[i], true
}

// MustLookup returns the row with the given ID and panics when there is none;
// for IDs written in code, which tests cover.
func MustLookup(id string) Row {
	r, ok := Lookup(id)
	if !ok {
		panic("catalog: unknown row " + id)
	}
	return r
}

// All returns every row in catalogue order.
func All() []Row { return append([]Row(nil), rows...) }

var index = func() map[string]int {
	m := make(map[string]int, len(rows))
	for i, r := range rows {
		if _, dup := m[r.ID]; dup {
			panic("catalog: duplicate row " + r.ID)
		}
		m[r.ID] = i
	}
	return m
}()

// Client authentication methods rows apply under.
var (
	basic = []string{"client_secret_basic"}
	post  = []string{"client_secret_post"}
	pkjwt = []string{"private_key_jwt"}
	mtls  = []string{"tls_client_auth", "self_signed_tls_client_auth"}
	dpop  = When{DPoP: true}
)

// coreRows transcribes shared/REQUIREMENTS.md up to the refresh token and
// client credentials rows (grants.go).
var coreRows = []Row{
	{ID: "REQ-METHOD-POST", Area: AreaRequest, Level: Must, Source: "6749 §3.2; seed", Strength: "MUST",
		Probe:    "valid exchange sent as GET with query parameters",
		Expected: "4xx (405 or 400), no tokens"},
	{ID: "REQ-TLS", Area: AreaRequest, Level: Must, Source: "6749 §1.6, §3.2", Strength: "MUST",
		Probe:    "target is http:// (not loopback)",
		Expected: "refused by the harness unless explicitly allowed; reported"},
	{ID: "REQ-FORM-ONLY", Area: AreaRequest, Level: Must, Source: "6749 §4.1.3; seed", Strength: "MUST",
		Probe:    "valid parameters as a JSON body",
		Expected: "4xx, not 5xx, no tokens"},
	{ID: "REQ-EMPTY-AS-OMITTED", Area: AreaRequest, Level: Must, Source: "6749 §3.2", Strength: "MUST",
		Probe:    "redirect_uri= (empty)",
		Expected: "same error as omitted"},
	{ID: "REQ-UNKNOWN-IGNORED", Area: AreaRequest, Level: Must, Source: "6749 §3.2", Strength: "MUST",
		Probe:    "add foo=bar to a valid exchange",
		Expected: "200"},
	{ID: "REQ-NO-DUPLICATES", Area: AreaRequest, Level: Must, Source: "6749 §3.2", Strength: "MUST",
		Probe:    "code sent twice",
		Expected: "400 invalid_request"},
	{ID: "REQ-GRANT-MISSING", Area: AreaRequest, Level: Must, Source: "6749 §4.1.3", Strength: "MUST",
		Probe:    "no grant_type",
		Expected: "400 invalid_request"},
	{ID: "REQ-GRANT-ONLY-CODE", Area: AreaRequest, Level: Must, Source: "seed; 6749 §5.2", Strength: "MUST (bankid)",
		Probe:    "grant_type = refresh_token, client_credentials, password, urn:ietf:params:oauth:grant-type:device_code",
		Expected: "400 unsupported_grant_type"},
	{ID: "REQ-CODE-MISSING", Area: AreaRequest, Level: Must, Source: "6749 §4.1.3", Strength: "MUST",
		Probe:    "no code",
		Expected: "400 invalid_request"},
	{ID: "REQ-CODE-UNKNOWN", Area: AreaRequest, Level: Must, Source: "6749 §4.1.3, §5.2", Strength: "MUST",
		Probe:    "random code",
		Expected: "400 invalid_grant"},
	{ID: "REQ-REDIRECT-MISSING", Area: AreaRequest, Level: Must, Source: "6749 §4.1.3; seed", Strength: "MUST",
		Probe:    "valid code, no redirect_uri",
		Expected: "400 (invalid_request or invalid_grant)"},
	{ID: "REQ-REDIRECT-MISMATCH", Area: AreaRequest, Level: Must, Source: "6749 §4.1.3; seed", Strength: "MUST",
		Probe:    "trailing slash, extra query, changed case, other registered URI",
		Expected: "400 invalid_grant"},
	{ID: "REQ-CLIENT-ID-REJECTED", Area: AreaRequest, Level: Must, Source: "seed (\"client_id not supported\")", Strength: "MUST (bankid)",
		Probe:    "valid Basic auth plus client_id in the body",
		Expected: "400 invalid_request (profile names the code), no tokens"},
	{ID: "AUTH-BASIC-OK", Area: AreaAuth, Level: Must, Source: "6749 §2.3.1; seed", Strength: "MUST",
		Probe:    "valid exchange, Basic",
		Expected: "200", When: When{Methods: basic}},
	{ID: "AUTH-BASIC-ENCODING", Area: AreaAuth, Level: Must, Source: "6749 §2.3.1", Strength: "MUST",
		Probe:    "id and secret form-urlencoded before base64 (only when the target's credentials contain reserved characters)",
		Expected: "200", When: When{Methods: basic}},
	{ID: "AUTH-MISSING", Area: AreaAuth, Level: Must, Source: "6749 §3.2.1, §5.2; seed", Strength: "MUST",
		Probe:    "no Authorization header, valid code",
		Expected: "401 invalid_client (400 invalid_request allowed by profile)"},
	{ID: "AUTH-WRONG-SECRET", Area: AreaAuth, Level: Must, Source: "6749 §5.2", Strength: "MUST",
		Probe:    "wrong secret",
		Expected: "401 invalid_client with WWW-Authenticate: Basic", When: When{Methods: basic}},
	{ID: "AUTH-UNKNOWN-CLIENT", Area: AreaAuth, Level: Must, Source: "6749 §5.2; 7235 §3.1", Strength: "MUST",
		Probe:    "unknown client id",
		Expected: "401 invalid_client with WWW-Authenticate: Basic", When: When{Methods: basic}},
	{ID: "AUTH-PUBLIC-CLIENT", Area: AreaAuth, Level: Must, Source: "seed (\"clients must always authenticate\")", Strength: "MUST (bankid)",
		Probe:    "client_id in body, no Authorization",
		Expected: "401 invalid_client or 400, no tokens"},
	{ID: "AUTH-SECRET-POST", Area: AreaAuth, Level: Must, Source: "seed (Basic only)", Strength: "MUST (bankid)",
		Probe:    "client_id+client_secret in body, no Basic",
		Expected: "4xx, no tokens", When: When{NotMethod: "client_secret_post"}},
	{ID: "AUTH-TWO-METHODS", Area: AreaAuth, Level: Must, Source: "6749 §2.3", Strength: "MUST",
		Probe:    "Basic plus a complete second method: client_id and client_secret in the body, or Basic added to the client's own method (Basic plus a lone client_secret: recorded, INFO)",
		Expected: "400 invalid_request or 401 (with WWW-Authenticate: Basic)"},
	{ID: "AUTH-MALFORMED", Area: AreaAuth, Level: Must, Source: "robustness; 7235 §3.1", Strength: "MUST",
		Probe:    "Authorization: Basic !!!, Bearer x, empty",
		Expected: "400/401 (a 401 with a WWW-Authenticate challenge), never 5xx"},
	{ID: "AUTH-SECRET-IN-QUERY", Area: AreaAuth, Level: Must, Source: "6749 §2.3.1", Strength: "MUST NOT",
		Probe:    "secret in the URL query",
		Expected: "no tokens"},
	{ID: "AUTH-POST-OK", Area: AreaAuth, Level: Must, Source: "6749 §2.3.1", Strength: "MUST when documented",
		Probe:    "client_id + client_secret in the body",
		Expected: "200", When: When{Methods: post}},
	{ID: "AUTH-POST-WRONG-SECRET", Area: AreaAuth, Level: Must, Source: "6749 §5.2", Strength: "MUST",
		Probe:    "client_secret_post with a wrong secret",
		Expected: "400 or 401 invalid_client, no tokens", When: When{Methods: post}},
	{ID: "AUTH-METHOD-BOUND", Area: AreaAuth, Level: Must, Source: "OIDC Registration §2 (token_endpoint_auth_method); 9700 §2.5", Strength: "MUST when the profile binds methods to clients",
		Probe:    "a client registered for private_key_jwt authenticates with its secret (Basic or post)",
		Expected: "invalid_client, no tokens", When: When{Bound: true}},
	{ID: "AUTH-JWT-OK", Area: AreaAuth, Level: Must, Source: "7523 §2.2, §3; OIDC §9", Strength: "MUST when documented",
		Probe:    "assertion: iss = sub = client id, aud = token endpoint URL, exp, iat, unique jti, signed with the registered key (RS256, PS256 or ES256)",
		Expected: "200", When: When{Methods: pkjwt}},
	{ID: "AUTH-JWT-AUD", Area: AreaAuth, Level: Must, Source: "7523 §3", Strength: "MUST",
		Probe:    "aud names another audience",
		Expected: "invalid_client, no tokens", When: When{Methods: pkjwt}},
	{ID: "AUTH-JWT-EXP", Area: AreaAuth, Level: Must, Source: "7523 §3", Strength: "MUST",
		Probe:    "exp 10 minutes in the past; exp missing",
		Expected: "invalid_client", When: When{Methods: pkjwt}},
	{ID: "AUTH-JWT-JTI-REPLAY", Area: AreaAuth, Level: Must, Source: "OIDC §9 (\"the JWT MUST only be used once\"); 7523 §3", Strength: "MUST (oidc)",
		Probe:    "the same assertion again with a fresh code",
		Expected: "second: invalid_client", When: When{Methods: pkjwt}},
	{ID: "AUTH-JWT-SIGNATURE", Area: AreaAuth, Level: Must, Source: "7523 §3", Strength: "MUST",
		Probe:    "one signature byte flipped; signed with an unregistered key",
		Expected: "invalid_client", When: When{Methods: pkjwt}},
	{ID: "AUTH-JWT-ALG-NONE", Area: AreaAuth, Level: Must, Source: "8725 §3.1", Strength: "MUST",
		Probe:    "alg: none, empty signature",
		Expected: "invalid_client", When: When{Methods: pkjwt}},
	{ID: "AUTH-JWT-HMAC-CONFUSION", Area: AreaAuth, Level: Must, Source: "8725 §2.1, §3.1", Strength: "MUST",
		Probe:    "HS256 MAC keyed with the client's public key bytes",
		Expected: "invalid_client", When: When{Methods: pkjwt}},
	{ID: "AUTH-JWT-ISS-SUB", Area: AreaAuth, Level: Must, Source: "7523 §3; OIDC §9", Strength: "MUST",
		Probe:    "iss ≠ sub; sub another client",
		Expected: "invalid_client", When: When{Methods: pkjwt}},
	{ID: "AUTH-SECRET-JWT-OK", Area: AreaAuth, Level: Must, Source: "OIDC §9 (client_secret_jwt)", Strength: "MUST when documented",
		Probe:    "HS256 assertion keyed with the client secret",
		Expected: "200", When: When{Methods: []string{"client_secret_jwt"}}},
	{ID: "AUTH-MTLS-OK", Area: AreaAuth, Level: Must, Source: "8705 §2", Strength: "MUST when documented",
		Probe:    "client certificate on the TLS connection, client_id in the body",
		Expected: "200", When: When{Methods: mtls}},
	{ID: "AUTH-MTLS-NO-CERT", Area: AreaAuth, Level: Must, Source: "8705 §2", Strength: "MUST",
		Probe:    "same request without a certificate",
		Expected: "invalid_client, no tokens", When: When{Methods: mtls}},
	{ID: "AUTH-MTLS-WRONG-CERT", Area: AreaAuth, Level: Must, Source: "8705 §2.1, §2.2", Strength: "MUST",
		Probe:    "a certificate not registered for the client",
		Expected: "invalid_client, no tokens", When: When{Methods: mtls}},
	{ID: "CODE-SINGLE-USE", Area: AreaCode, Level: Must, Source: "6749 §4.1.2; 9700 §4.2.4", Strength: "MUST",
		Probe:    "redeem a code, then again",
		Expected: "second: 400 invalid_grant"},
	{ID: "CODE-SINGLE-USE-RACE", Area: AreaCode, Level: Must, Source: "6749 §4.1.2", Strength: "MUST",
		Probe:    "the same fresh code redeemed by N concurrent requests",
		Expected: "exactly one 200"},
	{ID: "CODE-REUSE-REVOKES", Area: AreaCode, Level: Should, Source: "6749 §4.1.2; 9700 §4.2.4", Strength: "SHOULD",
		Probe:    "after a reuse attempt, call userinfo with the first access token",
		Expected: "401"},
	{ID: "CODE-BOUND-TO-CLIENT", Area: AreaCode, Level: Must, Source: "6749 §4.1.3", Strength: "MUST",
		Probe:    "client A's code with client B's credentials (when a second client is configured)",
		Expected: "400 invalid_grant (or 401 invalid_client)"},
	{ID: "CODE-EXPIRES", Area: AreaCode, Level: Must, Source: "6749 §4.1.2", Strength: "MUST",
		Probe:    "wait the profile's code lifetime plus margin, then redeem",
		Expected: "400 invalid_grant"},
	{ID: "CODE-FAILED-AUTH-BURN", Area: AreaCode, Level: Info, Source: "observation", Strength: "INFO",
		Probe:    "redeem with a wrong secret, then correctly",
		Expected: "recorded either way"},
	{ID: "CODE-ENTROPY", Area: AreaCode, Level: Should, Source: "6749 §10.10", Strength: "SHOULD",
		Probe:    "entropy estimate of codes",
		Expected: "≥ 128 bits"},
	{ID: "PKCE-WRONG-VERIFIER", Area: AreaPkce, Level: Must, Source: "7636 §4.6", Strength: "MUST",
		Probe:    "wrong code_verifier",
		Expected: "400 invalid_grant"},
	{ID: "PKCE-MISSING-VERIFIER", Area: AreaPkce, Level: Must, Source: "9700 §2.1.1", Strength: "MUST",
		Probe:    "challenge sent at authorize, no verifier",
		Expected: "400 invalid_grant"},
	{ID: "PKCE-DOWNGRADE", Area: AreaPkce, Level: Must, Source: "9700 §2.1.1", Strength: "MUST",
		Probe:    "verifier without an earlier challenge",
		Expected: "rejected"},
	{ID: "PKCE-REQUIRED", Area: AreaPkce, Level: Must, Source: "9700 §2.1.1; profile", Strength: "MUST when the profile requires PKCE",
		Probe:    "a code obtained without a challenge, if the authorization endpoint issues one",
		Expected: "no code is issued, or the exchange is refused", When: When{PKCE: PKCERequired}},
	{ID: "PKCE-PLAIN-REFUSED", Area: AreaPkce, Level: Must, Source: "7636 §4.2; 9700 §2.1.1", Strength: "MUST when the profile allows S256 only",
		Probe:    "code_challenge_method=plain",
		Expected: "refused at authorize or at the token endpoint", When: When{PKCE: PKCES256Only}},
	{ID: "PKCE-VERIFIER-SYNTAX", Area: AreaPkce, Level: Must, Source: "7636 §4.1", Strength: "MUST",
		Probe:    "a verifier of 42 characters, and one with a character outside [A-Za-z0-9-._~], each matching its S256 challenge",
		Expected: "400 invalid_grant or invalid_request"},
	{ID: "RESP-STATUS-200", Area: AreaResponse, Level: Must, Source: "6749 §5.1", Strength: "MUST",
		Probe:    "valid exchange",
		Expected: "200"},
	{ID: "RESP-CONTENT-TYPE", Area: AreaResponse, Level: Must, Source: "6749 §5.1; seed", Strength: "MUST",
		Probe:    "valid exchange",
		Expected: "media type application/json (a charset parameter is allowed; bankid shows ;charset=utf-8)"},
	{ID: "RESP-NO-STORE", Area: AreaResponse, Level: Must, Source: "6749 §5.1; OIDC §3.1.3.3; seed", Strength: "MUST",
		Probe:    "valid exchange",
		Expected: "Cache-Control contains the no-store token"},
	{ID: "RESP-PRAGMA", Area: AreaResponse, Level: Must, Source: "6749 §5.1; seed", Strength: "MUST (bankid)",
		Probe:    "valid exchange",
		Expected: "Pragma: no-cache"},
	{ID: "RESP-ACCESS-TOKEN", Area: AreaResponse, Level: Must, Source: "6749 §5.1", Strength: "MUST",
		Probe:    "valid exchange",
		Expected: "non-empty string of VSCHAR"},
	{ID: "RESP-TOKEN-TYPE", Area: AreaResponse, Level: Must, Source: "6749 §5.1, §7.1; OIDC §3.1.3.3; seed", Strength: "MUST",
		Probe:    "valid exchange",
		Expected: "Bearer, compared case-insensitively"},
	{ID: "RESP-EXPIRES-IN", Area: AreaResponse, Level: Should, Source: "6749 §5.1; seed", Strength: "SHOULD (bankid: MUST, 3600)",
		Probe:    "valid exchange",
		Expected: "JSON number > 0 (profile may fix the value)"},
	{ID: "RESP-EXPIRES-CONSISTENT", Area: AreaResponse, Level: Should, Source: "observation", Strength: "SHOULD",
		Probe:    "valid exchange",
		Expected: "expires_in ≈ id_token exp − iat within profile tolerance"},
	{ID: "RESP-SCOPE", Area: AreaResponse, Level: Must, Source: "6749 §5.1; seed", Strength: "MUST (bankid)",
		Probe:    "valid exchange",
		Expected: "space-delimited, contains openid"},
	{ID: "RESP-NO-REFRESH", Area: AreaResponse, Level: Must, Source: "seed (\"Refresh Tokens are currently not supported\")", Strength: "MUST (bankid)",
		Probe:    "valid exchange",
		Expected: "no refresh_token member"},
	{ID: "RESP-ID-TOKEN", Area: AreaResponse, Level: Must, Source: "OIDC §3.1.3.3; seed", Strength: "MUST",
		Probe:    "valid exchange with openid scope",
		Expected: "id_token present"},
	{ID: "RESP-EXTRA-MEMBERS", Area: AreaResponse, Level: Must, Source: "6749 §5.1", Strength: "MUST (client side)",
		Probe:    "response with unknown members",
		Expected: "not a failure"},
	{ID: "ERR-STATUS", Area: AreaError, Level: Must, Source: "6749 §5.2", Strength: "MUST",
		Probe:    "every negative probe",
		Expected: "400, except invalid_client which may be 401"},
	{ID: "ERR-JSON", Area: AreaError, Level: Must, Source: "6749 §5.2", Strength: "MUST",
		Probe:    "every negative probe",
		Expected: "application/json body with string error"},
	{ID: "ERR-CODE-CHARSET", Area: AreaError, Level: Must, Source: "6749 §5.2", Strength: "MUST",
		Probe:    "every negative probe",
		Expected: "error matches [\\x20-\\x21\\x23-\\x5B\\x5D-\\x7E]+ and is a registered code"},
	{ID: "ERR-DESCRIPTION-CHARSET", Area: AreaError, Level: Must, Source: "6749 §5.2", Strength: "MUST",
		Probe:    "when present",
		Expected: "same charset; CR/LF/TAB is a warning"},
	{ID: "ERR-URI", Area: AreaError, Level: Must, Source: "6749 §5.2", Strength: "MUST",
		Probe:    "when present",
		Expected: "a URI reference"},
	{ID: "ERR-NO-STORE", Area: AreaError, Level: Info, Source: "observation", Strength: "INFO (a profile may promote it)",
		Probe:    "every negative probe",
		Expected: "recorded: Cache-Control: no-store"},
	{ID: "ERR-NO-5XX", Area: AreaError, Level: Must, Source: "robustness", Strength: "MUST",
		Probe:    "every negative probe",
		Expected: "never 5xx"},
	{ID: "IDT-JWS", Area: AreaIdToken, Level: Must, Source: "OIDC §2, §3.1.3.7", Strength: "MUST",
		Probe:    "valid exchange",
		Expected: "compact JWS, not alg: none"},
	{ID: "IDT-ALG", Area: AreaIdToken, Level: Must, Source: "seed", Strength: "MUST (bankid)",
		Probe:    "valid exchange",
		Expected: "alg = RS256"},
	{ID: "IDT-KID", Area: AreaIdToken, Level: Must, Source: "OIDC §10.1; seed", Strength: "MUST",
		Probe:    "valid exchange",
		Expected: "kid present and found in jwks_uri (by kid, kty, alg, use)"},
	{ID: "IDT-SIGNATURE", Area: AreaIdToken, Level: Must, Source: "OIDC §3.1.3.7", Strength: "MUST",
		Probe:    "valid exchange",
		Expected: "signature verifies with that key"},
	{ID: "IDT-HEADER-KEYS", Area: AreaIdToken, Level: Should, Source: "OIDC §2", Strength: "SHOULD NOT",
		Probe:    "valid exchange",
		Expected: "no jku, jwk, x5u in the header"},
	{ID: "IDT-ISS", Area: AreaIdToken, Level: Must, Source: "OIDC §3.1.3.7", Strength: "MUST",
		Probe:    "valid exchange",
		Expected: "exactly the configured issuer"},
	{ID: "IDT-AUD", Area: AreaIdToken, Level: Must, Source: "OIDC §3.1.3.7; seed", Strength: "MUST",
		Probe:    "valid exchange",
		Expected: "aud is the client id, or an array containing it"},
	{ID: "IDT-AZP", Area: AreaIdToken, Level: Must, Source: "OIDC §3.1.3.7; seed", Strength: "MUST (bankid)",
		Probe:    "valid exchange",
		Expected: "azp = client id (required when aud has several values)"},
	{ID: "IDT-EXP", Area: AreaIdToken, Level: Must, Source: "OIDC §3.1.3.7", Strength: "MUST",
		Probe:    "valid exchange",
		Expected: "exp > now − skew, seconds not milliseconds"},
	{ID: "IDT-IAT", Area: AreaIdToken, Level: Must, Source: "OIDC §3.1.3.7", Strength: "MUST",
		Probe:    "valid exchange",
		Expected: "iat within skew of now, ≤ exp"},
	{ID: "IDT-LIFETIME", Area: AreaIdToken, Level: Should, Source: "seed", Strength: "SHOULD (bankid)",
		Probe:    "valid exchange",
		Expected: "exp − iat within profile range"},
	{ID: "IDT-AUTH-TIME", Area: AreaIdToken, Level: Must, Source: "OIDC §2", Strength: "MUST when required",
		Probe:    "valid exchange",
		Expected: "number ≤ iat, not earlier than iat minus the profile's maximum session age (24 h)"},
	{ID: "IDT-SUB", Area: AreaIdToken, Level: Must, Source: "OIDC §2", Strength: "MUST",
		Probe:    "valid exchange",
		Expected: "non-empty, ≤ 255 ASCII; stable for the same user"},
	{ID: "IDT-NONCE", Area: AreaIdToken, Level: Must, Source: "OIDC §3.1.3.7", Strength: "MUST",
		Probe:    "authorize sent a nonce",
		Expected: "nonce equals it"},
	{ID: "IDT-NONCE-ABSENT", Area: AreaIdToken, Level: Should, Source: "OIDC §2; seed shows `\"nonce\": null`", Strength: "SHOULD (bankid: null allowed)",
		Probe:    "authorize sent no nonce",
		Expected: "absent (bankid profile: absent or null)"},
	{ID: "IDT-AT-HASH", Area: AreaIdToken, Level: Must, Source: "OIDC §3.1.3.6, §3.1.3.8; seed", Strength: "MUST (bankid: present)",
		Probe:    "valid exchange",
		Expected: "base64url of the left half of SHA-256 of the access token"},
	{ID: "IDT-AMR", Area: AreaIdToken, Level: Must, Source: "seed", Strength: "MUST (bankid)",
		Probe:    "valid exchange",
		Expected: "array of strings containing BankID"},
	{ID: "IDT-CLAIMS", Area: AreaIdToken, Level: Must, Source: "seed; OIDC §5.1", Strength: "MUST (bankid)",
		Probe:    "valid exchange",
		Expected: "required claims present with their types; birthdate is YYYY-MM-DD"},
	{ID: "IDT-USERINFO-SUB", Area: AreaIdToken, Level: Must, Source: "OIDC §5.3.2; seed (access token is used at userinfo)", Strength: "MUST",
		Probe:    "userinfo with the access token",
		Expected: "200, sub equals the id_token sub"},
	{ID: "DPOP-OK", Area: AreaDPoP, Level: Must, Source: "9449 §5, §6.1", Strength: "MUST when documented",
		Probe:    "a valid proof (typ dpop+jwt, jwk, htm, htu, iat, jti)",
		Expected: "200, token_type DPoP (case-insensitive); a JWT access token's cnf.jkt is the proof key's thumbprint", When: dpop},
	{ID: "DPOP-NONCE", Area: AreaDPoP, Level: Must, Source: "9449 §8", Strength: "MUST (harness)",
		Probe:    "the server answers use_dpop_nonce with DPoP-Nonce",
		Expected: "the harness retries with the nonce; a nonce is never a failure", When: dpop},
	{ID: "DPOP-HTM", Area: AreaDPoP, Level: Must, Source: "9449 §4.3", Strength: "MUST",
		Probe:    "htm GET",
		Expected: "400 invalid_dpop_proof", When: dpop},
	{ID: "DPOP-HTU", Area: AreaDPoP, Level: Must, Source: "9449 §4.3", Strength: "MUST",
		Probe:    "htu another URL",
		Expected: "400 invalid_dpop_proof", When: dpop},
	{ID: "DPOP-IAT", Area: AreaDPoP, Level: Must, Source: "9449 §4.3, §11.1", Strength: "MUST",
		Probe:    "iat 10 minutes old; 10 minutes ahead: without a nonce, then (after use_dpop_nonce) with the server's nonce",
		Expected: "400 invalid_dpop_proof; a server whose nonce stands in for iat (§4.3 check 11) refuses a nonce it never gave", When: dpop},
	{ID: "DPOP-JTI-REPLAY", Area: AreaDPoP, Level: Should, Source: "9449 §11.1", Strength: "SHOULD (MUST per profile)",
		Probe:    "the same proof twice",
		Expected: "second refused", When: dpop},
	{ID: "DPOP-SIGNATURE", Area: AreaDPoP, Level: Must, Source: "9449 §4.3", Strength: "MUST",
		Probe:    "signature byte flipped",
		Expected: "400 invalid_dpop_proof", When: dpop},
	{ID: "DPOP-TYP", Area: AreaDPoP, Level: Must, Source: "9449 §4.3", Strength: "MUST",
		Probe:    "typ JWT",
		Expected: "400 invalid_dpop_proof", When: dpop},
	{ID: "DPOP-PRIVATE-KEY", Area: AreaDPoP, Level: Must, Source: "9449 §4.3", Strength: "MUST",
		Probe:    "jwk carrying private members (d)",
		Expected: "400 invalid_dpop_proof", When: dpop},
	{ID: "DPOP-BOUND", Area: AreaDPoP, Level: Must, Source: "9449 §7.1", Strength: "MUST",
		Probe:    "the DPoP-bound access token presented as Bearer at userinfo",
		Expected: "401", When: dpop},
	{ID: "DPOP-REFRESH-BOUND", Area: AreaDPoP, Level: Must, Source: "9449 §5", Strength: "MUST for public clients",
		Probe:    "refresh with a proof of another key",
		Expected: "invalid_grant; skipped for confidential clients (§5: not bound)", When: dpop},
	{ID: "DISC-AUTH-METHODS", Area: AreaDiscovery, Level: Should, Source: "8414 §2", Strength: "SHOULD",
		Probe:    "each method in token_endpoint_auth_methods_supported the target has credentials for",
		Expected: "consistent with behaviour"},
	{ID: "DISC-PKCE-METHODS", Area: AreaDiscovery, Level: Should, Source: "9700 §2.1.1", Strength: "SHOULD",
		Probe:    "code_challenge_methods_supported",
		Expected: "present, contains S256"},
	{ID: "DISC-ID-TOKEN-ALGS", Area: AreaDiscovery, Level: Must, Source: "OIDC Discovery §3", Strength: "MUST",
		Probe:    "observed ID token alg",
		Expected: "listed in id_token_signing_alg_values_supported"},
	{ID: "LOAD-VALID", Area: AreaLoad, Level: Must, Source: "all RESP-* and IDT-* rows", Strength: "MUST",
		Probe:    "every exchange of a load run (or a configured sample)",
		Expected: "counted per check; a check failure is an error in the report"},
	{ID: "LOAD-CODE-RACE", Area: AreaLoad, Level: Must, Source: "CODE-SINGLE-USE-RACE", Strength: "MUST",
		Probe:    "duplicates injected at a configured fraction",
		Expected: "exactly one success per code"},
	{ID: "LOAD-AUTH-COST", Area: AreaLoad, Level: Info, Source: "—", Strength: "INFO",
		Probe:    "private_key_jwt / DPoP under load",
		Expected: "signing cost per request measured apart from the exchange latency"},
}

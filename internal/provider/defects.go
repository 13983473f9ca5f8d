package provider

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Defect is one deviation from the seed document that the provider can be
// switched into.
//
// Rows are exactly the catalogue rows the conformance suite flags against
// a provider with this one defect, under the bankid profile: the row the
// defect exists for plus every row the deviation trips (a row whose
// expectation restates the broken fact, such as "400 invalid_grant" when
// the defect changes the status). A MUST row among them fails, a SHOULD row
// warns. The teeth test (cmd/tokenbench/teeth_test.go) runs the suite
// against every defect and asserts these rows and no others, so this table
// is the one statement of which check catches what. Also lists rows that a
// stricter or differently designed check could flag too, and ours does not.
//
// Auth is how the run that shows the defect authenticates: "" is the
// bankid run (the client registered for client_secret_basic); otherwise the
// embedded target's client authenticates with the first method named
// (comma-separated) and its second client with the second, under a profile
// that documents every method the provider serves and binds each client to
// its registered method (so the rows of the client authentication methods
// apply), with the rows classified under that profile.
type Defect struct {
	Name    string
	Summary string
	Rows    []string
	Also    []string
	Auth    string
	// Profile is the shipped profile of the run that shows the defect
	// ("": bankid); the embedded provider follows it.
	Profile string
	// Grants: the run's provider serves the refresh_token and
	// client_credentials grants (Config.Grants), under a profile that
	// documents them (rotation and family revocation required).
	Grants bool
}

// Defect names. Each is one deviation; see Defects for what it does.
const (
	// Request format.
	dGetAccepted           = "get-accepted"
	dJSONBodyAccepted      = "json-body-accepted"
	dEmptyRedirectAccepted = "empty-redirect-accepted"
	dUnknownParamRejected  = "unknown-param-rejected"
	dDuplicatesAccepted    = "duplicates-accepted"
	dGrantMissingAccepted  = "grant-missing-accepted"
	dWrongGrantError       = "wrong-grant-error"
	dCodeMissingWrongError = "code-missing-wrong-error"
	dUnknownCode500        = "unknown-code-500"
	dRedirectMissingOK     = "redirect-missing-accepted"
	dRedirectPrefixMatch   = "redirect-prefix-match"
	dClientIDAccepted      = "client-id-accepted"

	// Client authentication.
	dBasicNotDecoded       = "basic-not-decoded"
	dMissingAuth400        = "missing-auth-400"
	dNoWWWAuthenticate     = "no-www-authenticate"
	dChallengeWrongSecret  = "challenge-wrong-secret-only"
	dUnknownClient400      = "unknown-client-400"
	dPublicClientAccepted  = "public-client-accepted"
	dSecretPostAccepted    = "secret-post-accepted"
	dTwoMethodsAccepted    = "two-methods-accepted"
	dTwoMethodsAssertion   = "two-methods-assertion-accepted"
	dMalformedAuth500      = "malformed-auth-500"
	dSecretInQueryAccepted = "secret-in-query-accepted"

	// Client authentication methods beyond Basic.
	dPostUnsupported          = "post-unsupported"
	dPostSecretUnchecked      = "post-secret-unchecked"
	dMethodNotBound           = "method-not-bound"
	dPrivateKeyJWTUnsupported = "private-key-jwt-unsupported"
	dJWTAudUnchecked          = "jwt-aud-unchecked"
	dJWTExpUnchecked          = "jwt-exp-unchecked"
	dJWTReplayAccepted        = "jwt-replay-accepted"
	dJWTSignatureUnchecked    = "jwt-signature-unchecked"
	dJWTAlgNoneAccepted       = "jwt-alg-none-accepted"
	dJWTHMACConfusion         = "jwt-hmac-confusion"
	dJWTIssSubUnchecked       = "jwt-iss-sub-unchecked"
	dSecretJWTUnsupported     = "secret-jwt-unsupported"
	dTLSClientAuthUnsupported = "tls-client-auth-unsupported"
	dMTLSNoCertAccepted       = "mtls-no-cert-accepted"
	dMTLSSubjectOnly          = "mtls-subject-only"
	dDiscAuthMethodsBasicOnly = "disc-auth-methods-basic-only"

	// Authorization code.
	dCodeReusable     = "code-reusable"
	dCodeRace         = "code-race"
	dCodeRaceNarrow   = "code-race-narrow"
	dReuseNoRevoke    = "reuse-no-revoke"
	dCodeNotBound     = "code-not-bound"
	dCodeNeverExpires = "code-never-expires"
	dShortCodes       = "short-codes"

	// PKCE.
	dPKCEWrongVerifierOK   = "pkce-wrong-verifier-accepted"
	dPKCEMissingVerifierOK = "pkce-missing-verifier-accepted"
	dPKCEDowngradeAccepted = "pkce-downgrade-accepted"
	dPKCENotRequired       = "pkce-not-required"
	dPKCEPlainAccepted     = "pkce-plain-accepted"
	dPKCEShortVerifierOK   = "pkce-short-verifier-accepted"
	dPKCEVerifierCharsOK   = "pkce-verifier-charset-unchecked"
	dDiscPKCEMethodsAbsent = "disc-pkce-methods-absent"
	dDiscIDTokenAlgsWrong  = "disc-id-token-algs-wrong"

	// Success response.
	dStatus201           = "status-201"
	dContentTypeText     = "content-type-text"
	dNoCacheControl      = "no-cache-control"
	dNoPragma            = "no-pragma"
	dTokenTypeMAC        = "token-type-mac"
	dAccessTokenBadChars = "access-token-bad-chars"
	dExpiresInString     = "expires-in-string"
	dExpiresInconsistent = "expires-inconsistent"
	dNoScope             = "no-scope"
	dRefreshToken        = "refresh-token"
	dNoIDToken           = "no-id-token"

	// Error responses.
	dErrorTextPlain    = "error-text-plain"
	dErrorBadCode      = "error-bad-code"
	dErrorDescBadChars = "error-description-bad-chars"
	dErrorURIBad       = "error-uri-bad"
	dErrorCacheable    = "error-cacheable"
	dErrorStatus403    = "error-status-403"

	// ID token and userinfo.
	dAlgNone          = "alg-none"
	dAlgHS256         = "alg-hs256"
	dNoKid            = "no-kid"
	dUnknownKid       = "unknown-kid"
	dBadSignature     = "bad-signature"
	dHeaderJKU        = "header-jku"
	dWrongIss         = "wrong-iss"
	dWrongAud         = "wrong-aud"
	dNoAzp            = "no-azp"
	dExpMillis        = "exp-millis"
	dIatFuture        = "iat-future"
	dLongLifetime     = "long-lifetime"
	dAuthTimeAfterIat = "auth-time-after-iat"
	dAuthTimeZero     = "auth-time-zero"
	dEmptySub         = "empty-sub"
	dUnstableSub      = "unstable-sub"
	dWrongNonce       = "wrong-nonce"
	dNonceInvented    = "nonce-invented"
	dBadAtHash        = "bad-at-hash"
	dNoAmr            = "no-amr"
	dBirthdateFormat  = "birthdate-format"
	dUserinfoOtherSub = "userinfo-other-sub"

	// The current BankID platform (profile bankid-v4).
	dES256DER      = "es256-der-signature"
	dPilotLifetime = "pilot-lifetime"
	dPilotAMR      = "pilot-amr"

	// DPoP (profile oidc-dpop).
	dDPoPTokenTypeBearer    = "dpop-token-type-bearer"
	dDPoPNonceNoHeader      = "dpop-nonce-no-header"
	dDPoPHTMUnchecked       = "dpop-htm-unchecked"
	dDPoPHTUUnchecked       = "dpop-htu-unchecked"
	dDPoPIATUnchecked       = "dpop-iat-unchecked"
	dDPoPReplayOK           = "dpop-jti-replay-accepted"
	dDPoPSignatureUnchecked = "dpop-signature-unchecked"
	dDPoPTypUnchecked       = "dpop-typ-unchecked"
	dDPoPPrivateKeyOK       = "dpop-private-key-accepted"
	dDPoPBoundAsBearer      = "dpop-bound-as-bearer"
	dDPoPNonceUnverified    = "dpop-nonce-unverified"
	dDPoPJWTNoCnf           = "dpop-jwt-no-cnf"
)

// successRows are the rows that expect a literal 200 for a valid exchange.
func successRows() []string {
	return []string{"AUTH-BASIC-OK", "AUTH-BASIC-ENCODING", "REQ-UNKNOWN-IGNORED", "CODE-SINGLE-USE-RACE"}
}

// invalidGrantRows are the rows whose expectation names invalid_grant (with
// status 400): a defect that changes invalid_grant errors trips them.
func invalidGrantRows() []string {
	return []string{"REQ-CODE-UNKNOWN", "REQ-REDIRECT-MISMATCH", "CODE-SINGLE-USE", "CODE-BOUND-TO-CLIENT",
		"CODE-EXPIRES", "PKCE-WRONG-VERIFIER", "PKCE-MISSING-VERIFIER", "PKCE-VERIFIER-SYNTAX"}
}

// errorCodeRows are the rows whose expectation names an error code.
func errorCodeRows() []string {
	return append([]string{"REQ-NO-DUPLICATES", "REQ-GRANT-MISSING", "REQ-GRANT-ONLY-CODE",
		"REQ-CODE-MISSING", "REQ-REDIRECT-MISSING", "REQ-CLIENT-ID-REJECTED", "AUTH-MISSING", "AUTH-WRONG-SECRET",
		"AUTH-UNKNOWN-CLIENT", "AUTH-PUBLIC-CLIENT", "AUTH-TWO-METHODS"}, invalidGrantRows()...)
}

// idTokenRows are the rows that read the ID token.
func idTokenRows() []string {
	return []string{"IDT-JWS", "IDT-ALG", "IDT-KID", "IDT-SIGNATURE", "IDT-HEADER-KEYS", "IDT-ISS", "IDT-AUD",
		"IDT-AZP", "IDT-EXP", "IDT-IAT", "IDT-LIFETIME", "IDT-AUTH-TIME", "IDT-SUB", "IDT-NONCE",
		"IDT-NONCE-ABSENT", "IDT-AT-HASH", "IDT-AMR", "IDT-CLAIMS", "IDT-USERINFO-SUB", "RESP-EXPIRES-CONSISTENT"}
}

// Defects returns every defect the provider knows, sorted by name. The slice
// is new on every call.
func Defects() []Defect {
	ds := []Defect{
		// Request method and format.
		{Name: dGetAccepted, Rows: rows("REQ-METHOD-POST"),
			Summary: "issues tokens for a GET whose parameters are in the URL query, instead of 405"},
		{Name: dJSONBodyAccepted, Rows: rows("REQ-FORM-ONLY"),
			Summary: "accepts the parameters as an application/json object body, instead of 400 invalid_request"},
		{Name: dEmptyRedirectAccepted, Rows: rows("REQ-EMPTY-AS-OMITTED"),
			Summary: "an empty redirect_uri skips the redirect check and issues tokens, where an omitted one gets invalid_request"},
		{Name: dUnknownParamRejected, Rows: rows("REQ-UNKNOWN-IGNORED", "REQ-GRANT-ONLY-CODE"),
			Summary: "answers 400 invalid_request to any parameter it does not know, instead of ignoring it; the other grant types' probes carry their own parameters, rejected before grant_type is looked at"},
		{Name: dDuplicatesAccepted, Rows: rows("REQ-NO-DUPLICATES"),
			Summary: "a parameter given twice is not an error: the first value wins"},
		{Name: dGrantMissingAccepted, Rows: rows("REQ-GRANT-MISSING"),
			Summary: "a missing grant_type defaults to authorization_code"},
		{Name: dWrongGrantError, Rows: rows("REQ-GRANT-ONLY-CODE"),
			Summary: "other grant types get invalid_grant instead of unsupported_grant_type"},
		{Name: dCodeMissingWrongError, Rows: rows("REQ-CODE-MISSING"),
			Summary: "a missing code gets invalid_grant instead of invalid_request"},
		{Name: dUnknownCode500, Rows: rows("REQ-CODE-UNKNOWN", "ERR-NO-5XX", "ERR-STATUS"), Also: rows("ERR-CODE-CHARSET"),
			Summary: "an unknown code gets 500 with a JSON server_error body; server_error is not in the RFC 6749 §5.2 list, so a strict ERR-CODE-CHARSET check flags it too"},
		{Name: dRedirectMissingOK, Rows: rows("REQ-REDIRECT-MISSING"),
			Summary: "a missing redirect_uri skips the redirect check and issues tokens"},
		{Name: dRedirectPrefixMatch, Rows: rows("REQ-REDIRECT-MISMATCH"),
			Summary: "redirect_uri matches when the registered one is a case-insensitive prefix of it, query ignored (trailing slash, extra query, changed case and /callback2 for /callback all pass)"},
		{Name: dClientIDAccepted, Rows: rows("REQ-CLIENT-ID-REJECTED"),
			Summary: "a client_id parameter next to Basic authentication is ignored instead of rejected"},

		// Client authentication.
		{Name: dBasicNotDecoded, Rows: rows("AUTH-BASIC-ENCODING"),
			Summary: "does not form-url-decode the Basic credentials; visible only with a client whose id or secret has reserved characters (DefaultClients has one)"},
		{Name: dMissingAuth400, Rows: rows("AUTH-MISSING"),
			Summary: "a request without an Authorization header gets 400 invalid_request instead of 401 invalid_client (the bankid profile allows only 401)"},
		{Name: dNoWWWAuthenticate, Rows: rows("AUTH-WRONG-SECRET", "AUTH-UNKNOWN-CLIENT", "AUTH-MALFORMED"),
			Summary: "401 responses carry no WWW-Authenticate header: every 401 provoked with an Authorization header lacks the challenge RFC 6749 §5.2 and RFC 7235 §3.1 require"},
		{Name: dChallengeWrongSecret, Rows: rows("AUTH-UNKNOWN-CLIENT", "AUTH-MALFORMED", "AUTH-METHOD-BOUND"), Auth: MethodPrivateKeyJWT,
			Summary: "only a wrong secret for a known client gets WWW-Authenticate; the 401s for an unknown client, a malformed Authorization header and a client registered for another method that tried Basic carry none"},
		{Name: dUnknownClient400, Rows: rows("AUTH-UNKNOWN-CLIENT"),
			Summary: "an unknown client id gets 400 invalid_client instead of 401"},
		{Name: dPublicClientAccepted, Rows: rows("AUTH-PUBLIC-CLIENT"),
			Summary: "client_id in the body without any authentication identifies the client and issues tokens"},
		{Name: dSecretPostAccepted, Rows: rows("AUTH-SECRET-POST"),
			Summary: "client_id and client_secret in the body authenticate (client_secret_post)"},
		{Name: dTwoMethodsAccepted, Rows: rows("AUTH-TWO-METHODS"),
			Summary: "Basic plus client_id and client_secret in the body (client_secret_post) is accepted: the body credentials are ignored"},
		{Name: dTwoMethodsAssertion, Rows: rows("AUTH-TWO-METHODS"), Auth: MethodPrivateKeyJWT,
			Summary: "a client assertion next to Basic is accepted: the assertion authenticates and the Authorization header is ignored (as Ory Hydra does)"},
		{Name: dMalformedAuth500, Rows: rows("AUTH-MALFORMED", "ERR-NO-5XX", "ERR-STATUS"), Also: rows("ERR-CODE-CHARSET"),
			Summary: "a malformed Authorization header (bad base64, no colon, other scheme, empty) gets 500 server_error; 500 is not 400/401 so ERR-STATUS fails as well"},
		{Name: dSecretInQueryAccepted, Rows: rows("AUTH-SECRET-IN-QUERY"),
			Summary: "without an Authorization header, client_id and client_secret in the URL query authenticate"},

		// Client authentication methods beyond Basic: the runs authenticate
		// with the method the defect breaks, or keep it for a second client
		// when the defect breaks every valid exchange of that method.
		{Name: dPostUnsupported, Rows: rows("AUTH-POST-OK"), Auth: MethodBasic + "," + MethodPost,
			Summary: "client_secret_post is not supported (and not listed in discovery): a client registered for it cannot authenticate"},
		{Name: dPostSecretUnchecked, Rows: rows("AUTH-POST-WRONG-SECRET"), Auth: MethodPost,
			Summary: "client_secret_post is accepted with any secret"},
		{Name: dMethodNotBound, Rows: rows("AUTH-METHOD-BOUND"), Auth: MethodPrivateKeyJWT,
			Summary: "a client authenticates with its secret by any method (Basic, post, client_secret_jwt), whatever it is registered for"},
		{Name: dPrivateKeyJWTUnsupported, Rows: rows("AUTH-JWT-OK"), Auth: MethodBasic + "," + MethodPrivateKeyJWT,
			Summary: "private_key_jwt is not supported (and not listed in discovery): a client registered for it cannot authenticate; the other AUTH-JWT-* rows still see refusals"},
		{Name: dJWTAudUnchecked, Rows: rows("AUTH-JWT-AUD"), Auth: MethodPrivateKeyJWT,
			Summary: "a client assertion's aud is not checked"},
		{Name: dJWTExpUnchecked, Rows: rows("AUTH-JWT-EXP"), Auth: MethodPrivateKeyJWT,
			Summary: "a client assertion's exp is not checked: expired and exp-less assertions authenticate"},
		{Name: dJWTReplayAccepted, Rows: rows("AUTH-JWT-JTI-REPLAY"), Auth: MethodPrivateKeyJWT,
			Summary: "a client assertion can be used again (jti not remembered)"},
		{Name: dJWTSignatureUnchecked, Rows: rows("AUTH-JWT-SIGNATURE"), Auth: MethodPrivateKeyJWT,
			Summary: "a client assertion's signature is not verified (its alg still is: none and HS256 stay refused)"},
		{Name: dJWTAlgNoneAccepted, Rows: rows("AUTH-JWT-ALG-NONE"), Auth: MethodPrivateKeyJWT,
			Summary: `an unsigned client assertion (alg "none") authenticates`},
		{Name: dJWTHMACConfusion, Rows: rows("AUTH-JWT-HMAC-CONFUSION"), Auth: MethodPrivateKeyJWT,
			Summary: "an HS256 client assertion from a private_key_jwt client is verified as an HMAC keyed with the client's public key PEM (RFC 8725 §2.1's algorithm confusion)"},
		{Name: dJWTIssSubUnchecked, Rows: rows("AUTH-JWT-ISS-SUB"), Auth: MethodPrivateKeyJWT,
			Summary: "a client assertion's iss is not compared with sub (the client is sub)"},
		{Name: dSecretJWTUnsupported, Rows: rows("AUTH-SECRET-JWT-OK"), Auth: MethodBasic + "," + MethodSecretJWT,
			Summary: "client_secret_jwt is not supported (and not listed in discovery): a client registered for it cannot authenticate"},
		{Name: dTLSClientAuthUnsupported, Rows: rows("AUTH-MTLS-OK"), Auth: MethodBasic + "," + MethodTLS,
			Summary: "tls_client_auth is not supported (and not listed in discovery): a client registered for it cannot authenticate; the other AUTH-MTLS-* rows still see refusals"},
		{Name: dMTLSNoCertAccepted, Rows: rows("AUTH-MTLS-NO-CERT"), Auth: MethodBasic + "," + MethodTLS,
			Summary: "a client registered for a TLS method authenticates with client_id alone, no certificate"},
		{Name: dMTLSSubjectOnly, Rows: rows("AUTH-MTLS-WRONG-CERT"), Auth: MethodTLS,
			Summary: "a TLS client's certificate is matched by its subject alone: no chain to the CA (tls_client_auth), not the registered certificate (self_signed_tls_client_auth)"},
		{Name: dDiscAuthMethodsBasicOnly, Rows: rows("DISC-AUTH-METHODS"), Auth: MethodPrivateKeyJWT,
			Summary: "discovery lists client_secret_basic as the only token_endpoint_auth_methods_supported, although every method works"},

		// Authorization code.
		{Name: dCodeReusable, Rows: rows("CODE-SINGLE-USE", "CODE-SINGLE-USE-RACE", "CODE-REUSE-REVOKES"),
			Summary: "a code can be redeemed any number of times; nothing is revoked"},
		{Name: dCodeRace, Rows: rows("CODE-SINGLE-USE-RACE"),
			Summary: "redemption checks and marks a code non-atomically, ~20 ms apart: concurrent redemptions all succeed, a sequential reuse is still rejected"},
		{Name: dCodeRaceNarrow, Rows: rows("CODE-SINGLE-USE-RACE"),
			Summary: "as code-race, but the check and the mark are 300 µs apart: only redemptions that complete within that window of each other succeed twice. Measured here (make bench, 200 rounds of 10): over TLS, last-byte synchronisation catches it in 99.5% of rounds, goroutines started together 91% through a warm keep-alive pool and 26.5% when each racer must connect first; over plain http on loopback all three about 95%"},
		{Name: dReuseNoRevoke, Rows: rows("CODE-REUSE-REVOKES"),
			Summary: "a reused code is rejected but the access tokens issued from it stay valid"},
		{Name: dCodeNotBound, Rows: rows("CODE-BOUND-TO-CLIENT"),
			Summary: "a code issued to one client can be redeemed by another"},
		{Name: dCodeNeverExpires, Rows: rows("CODE-EXPIRES"),
			Summary: "codes do not expire"},
		{Name: dShortCodes, Rows: rows("CODE-ENTROPY"),
			Summary: "authorization codes are 8 hex characters (32 bits)"},
		{Name: dPKCEWrongVerifierOK, Rows: rows("PKCE-WRONG-VERIFIER"),
			Summary: "a code_verifier that does not match the S256 challenge is accepted"},
		{Name: dPKCEMissingVerifierOK, Rows: rows("PKCE-MISSING-VERIFIER"),
			Summary: "a missing code_verifier is accepted for a code issued with a challenge"},
		{Name: dPKCEDowngradeAccepted, Rows: rows("PKCE-DOWNGRADE"),
			Summary: "a code_verifier for a code issued without a challenge is ignored instead of rejected"},
		{Name: dPKCENotRequired, Rows: rows("PKCE-REQUIRED"), Profile: "bankid-v4",
			Summary: "an authorization request without code_challenge gets a code, and the code is redeemed without a verifier, although the profile requires PKCE"},
		{Name: dPKCEPlainAccepted, Rows: rows("PKCE-PLAIN-REFUSED"), Profile: "bankid-v4",
			Summary: "code_challenge_method plain is accepted (the verifier is compared with the challenge as it is), although the profile allows S256 only"},
		{Name: dPKCEShortVerifierOK, Rows: rows("PKCE-VERIFIER-SYNTAX"),
			Summary: "a code_verifier shorter than 43 characters is accepted when it matches its challenge"},
		{Name: dPKCEVerifierCharsOK, Rows: rows("PKCE-VERIFIER-SYNTAX"),
			Summary: "a code_verifier with characters outside A-Z a-z 0-9 - . _ ~ is accepted when it matches its challenge"},
		{Name: dDiscPKCEMethodsAbsent, Rows: rows("DISC-PKCE-METHODS"),
			Summary: "discovery has no code_challenge_methods_supported, although S256 works (under an auto profile the codes then come without PKCE, and the PKCE rows skip)"},
		{Name: dDiscIDTokenAlgsWrong, Rows: rows("DISC-ID-TOKEN-ALGS"),
			Summary: "discovery lists ES256 alone in id_token_signing_alg_values_supported, while ID tokens are signed with RS256"},

		// Success response.
		{Name: dStatus201, Rows: rows("RESP-STATUS-200"), Also: successRows(),
			Summary: "a successful exchange answers 201 Created; rows that expect a literal 200 may fail too"},
		{Name: dContentTypeText, Rows: rows("RESP-CONTENT-TYPE"),
			Summary: "the success body (still JSON) is labelled text/plain;charset=utf-8"},
		{Name: dNoCacheControl, Rows: rows("RESP-NO-STORE"),
			Summary: "the success response has no Cache-Control header"},
		{Name: dNoPragma, Rows: rows("RESP-PRAGMA"),
			Summary: "the success response has no Pragma header"},
		{Name: dTokenTypeMAC, Rows: rows("RESP-TOKEN-TYPE"),
			Summary: `token_type is "mac"`},
		{Name: dAccessTokenBadChars, Rows: rows("RESP-ACCESS-TOKEN"), Also: rows("IDT-USERINFO-SUB"),
			Summary: "the access token contains a space and a non-ASCII character (at_hash matches it); a client may be unable to send it to userinfo"},
		{Name: dExpiresInString, Rows: rows("RESP-EXPIRES-IN"), Also: rows("RESP-EXPIRES-CONSISTENT"),
			Summary: `expires_in is the JSON string "3600" instead of a number`},
		{Name: dExpiresInconsistent, Rows: rows("RESP-EXPIRES-CONSISTENT"),
			Summary: "the ID token's exp - iat is half of TokenTTL while expires_in stays TokenTTL"},
		{Name: dNoScope, Rows: rows("RESP-SCOPE"),
			Summary: "the success response has no scope member"},
		{Name: dRefreshToken, Rows: rows("RESP-NO-REFRESH"),
			Summary: "the success response has a refresh_token member"},
		{Name: dNoIDToken, Rows: rows("RESP-ID-TOKEN"), Also: idTokenRows(),
			Summary: "the success response has no id_token member; every row that reads the ID token has nothing to check"},

		// Error responses.
		{Name: dErrorTextPlain, Rows: append(rows("ERR-JSON", "ERR-STATUS"), errorCodeRows()...), Also: rows("ERR-CODE-CHARSET", "ERR-DESCRIPTION-CHARSET", "ERR-URI"),
			Summary: `error bodies are text/plain "error=<code>"; rows that read the error code from JSON have nothing to read, and ERR-STATUS cannot tell invalid_client's 401 from the others`},
		{Name: dErrorBadCode, Rows: append(rows("ERR-CODE-CHARSET"), invalidGrantRows()...),
			Summary: `invalid_grant errors say "invalid grant!", in the charset but not a registered code; rows that expect invalid_grant fail too`},
		{Name: dErrorDescBadChars, Rows: rows("ERR-DESCRIPTION-CHARSET"),
			Summary: "error_description contains a non-ASCII character and a double quote"},
		{Name: dErrorURIBad, Rows: rows("ERR-URI"),
			Summary: `error bodies carry error_uri "not a uri"`},
		{Name: dErrorCacheable, Rows: rows("ERR-NO-STORE"),
			Summary: "error responses have no Cache-Control header"},
		{Name: dErrorStatus403, Rows: append(rows("ERR-STATUS"), invalidGrantRows()...),
			Summary: "invalid_grant errors have status 403; rows that expect 400 invalid_grant fail too"},

		// ID token.
		{Name: dAlgNone, Rows: rows("IDT-JWS", "IDT-ALG", "IDT-SIGNATURE", "DISC-ID-TOKEN-ALGS"), Also: rows("IDT-KID"),
			Summary: `the ID token is unsigned (alg "none", empty signature); alg is not RS256 and there is no signature, so IDT-ALG and IDT-SIGNATURE fail too, and discovery does not list none`},
		{Name: dAlgHS256, Rows: rows("IDT-ALG", "DISC-ID-TOKEN-ALGS"), Also: rows("IDT-SIGNATURE", "IDT-KID"),
			Summary: "the ID token is HS256-signed with the client secret under kid bankid-oauth; the MAC is valid for whoever holds the secret (OIDC Core §3.1.3.7 allows it), so only the RS256 promise fails for sure (and discovery lists RS256 alone), and IDT-SIGNATURE only for a checker that insists on a JWKS key"},
		{Name: dNoKid, Rows: rows("IDT-KID"), Also: rows("IDT-SIGNATURE"),
			Summary: "the ID token header has no kid (a verifier that selects keys by kid cannot verify it)"},
		{Name: dUnknownKid, Rows: rows("IDT-KID", "IDT-SIGNATURE"),
			Summary: `the ID token header's kid is "bankid-oauth-retired", not in the JWKS (signature made with the real key)`},
		{Name: dBadSignature, Rows: rows("IDT-SIGNATURE"),
			Summary: "the ID token signature is corrupted (one byte flipped)"},
		{Name: dHeaderJKU, Rows: rows("IDT-HEADER-KEYS"),
			Summary: "the ID token header carries a jku pointing at the JWKS"},
		{Name: dWrongIss, Rows: rows("IDT-ISS"),
			Summary: `iss is the issuer with "/other" appended`},
		{Name: dWrongAud, Rows: rows("IDT-AUD"),
			Summary: `aud is "other-audience" instead of the client id (azp is still the client)`},
		{Name: dNoAzp, Rows: rows("IDT-AZP", "IDT-CLAIMS"),
			Summary: "the ID token has no azp claim; azp is also in the bankid claim set, so IDT-CLAIMS fails too"},
		{Name: dExpMillis, Rows: rows("IDT-EXP"), Also: rows("IDT-LIFETIME", "RESP-EXPIRES-CONSISTENT"),
			Summary: "exp is in milliseconds; exp - iat becomes absurd, which a lifetime or consistency check that trusts exp flags too"},
		{Name: dIatFuture, Rows: rows("IDT-IAT"),
			Summary: "iat is one hour ahead (exp moves with it, so the lifetime stays TokenTTL)"},
		{Name: dLongLifetime, Rows: rows("IDT-LIFETIME", "RESP-EXPIRES-CONSISTENT"),
			Summary: "the ID token lives 24 h (exp - iat) while expires_in stays TokenTTL, so the consistency row fails too"},
		{Name: dAuthTimeAfterIat, Rows: rows("IDT-AUTH-TIME"),
			Summary: "auth_time is five minutes after iat"},
		{Name: dAuthTimeZero, Rows: rows("IDT-AUTH-TIME"),
			Summary: "auth_time is 0 (1970), a number not after iat but no plausible login time for a code obtained moments ago"},
		{Name: dEmptySub, Rows: rows("IDT-SUB", "IDT-USERINFO-SUB"),
			Summary: "the ID token's sub is empty; userinfo still answers the user's real sub, so IDT-USERINFO-SUB fails too"},
		{Name: dUnstableSub, Rows: rows("IDT-SUB", "IDT-USERINFO-SUB"),
			Summary: "every ID token has a different random sub; userinfo answers the real one"},
		{Name: dWrongNonce, Rows: rows("IDT-NONCE"),
			Summary: `when a nonce was sent, the ID token's nonce is it with "-x" appended`},
		{Name: dNonceInvented, Rows: rows("IDT-NONCE-ABSENT"),
			Summary: "when no nonce was sent, the ID token carries an invented one"},
		{Name: dBadAtHash, Rows: rows("IDT-AT-HASH"),
			Summary: "at_hash is computed over a different access token"},
		{Name: dNoAmr, Rows: rows("IDT-AMR", "IDT-CLAIMS"),
			Summary: "the ID token has no amr claim; amr is also in the bankid claim set, so IDT-CLAIMS fails too"},
		{Name: dBirthdateFormat, Rows: rows("IDT-CLAIMS"),
			Summary: `the ID token's birthdate is "18.12.1966" (userinfo keeps YYYY-MM-DD)`},
		{Name: dUserinfoOtherSub, Rows: rows("IDT-USERINFO-SUB"),
			Summary: "userinfo answers a different user's sub"},
	}
	ds = append(ds, grantDefects()...)
	ds = append(ds, platformDefects()...)
	slices.SortFunc(ds, func(a, b Defect) int { return strings.Compare(a.Name, b.Name) })
	return ds
}

func rows(ids ...string) []string { return ids }

// DefectNames returns every defect name, sorted.
func DefectNames() []string {
	ds := Defects()
	names := make([]string, len(ds))
	for i, d := range ds {
		names[i] = d.Name
	}
	return names
}

// ParseDefects parses a defect list as given on a command line:
// comma-separated names, each optionally followed by "@fraction" (a number in
// (0, 1]; default 1), e.g. "no-kid,code-race@0.01". Spaces around items are
// ignored; an empty spec is no defects.
func ParseDefects(spec string) (map[string]float64, error) {
	out := map[string]float64{}
	for item := range strings.SplitSeq(spec, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		name, frac, hasFrac := strings.Cut(item, "@")
		name = strings.TrimSpace(name)
		f := 1.0
		if hasFrac {
			var err error
			f, err = strconv.ParseFloat(strings.TrimSpace(frac), 64)
			if err != nil || !(f > 0 && f <= 1) {
				return nil, fmt.Errorf("provider: defect %q: fraction %q is not a number in (0, 1]", name, frac)
			}
		}
		if !slices.Contains(DefectNames(), name) {
			return nil, fmt.Errorf("provider: unknown defect %q; known defects: %s", name, strings.Join(DefectNames(), ", "))
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("provider: defect %q given twice", name)
		}
		out[name] = f
	}
	return out, nil
}

// validateDefects checks a Config.Defects map: known names, fractions in [0, 1].
func validateDefects(m map[string]float64) error {
	known := DefectNames()
	for name, f := range m {
		if !slices.Contains(known, name) {
			return fmt.Errorf("provider: unknown defect %q; known defects: %s", name, strings.Join(known, ", "))
		}
		if !(f >= 0 && f <= 1) {
			return fmt.Errorf("provider: defect %q: fraction %v is not in [0, 1]", name, f)
		}
	}
	return nil
}

// active is the set of defects that apply to one response. The nil set is
// the clean provider.
type active map[string]bool

// on reports whether the defect applies to this response.
func (a active) on(name string) bool { return a[name] }

// roll decides, for one request, which configured defects apply: each with
// its configured fraction. A fraction of 1 always applies and consumes no
// randomness.
func (p *Provider) roll() active {
	if len(p.defects) == 0 {
		return nil
	}
	a := make(active, len(p.defects))
	for name, f := range p.defects {
		if f >= 1 || (f > 0 && p.chance(f)) {
			a[name] = true
		}
	}
	return a
}

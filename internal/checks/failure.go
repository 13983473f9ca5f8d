package checks

import (
	"errors"
	"fmt"
	"strings"
)

// ruleError is the type of the package's sentinel errors: comparable
// constants, so no package-level variable can be reassigned.
type ruleError string

func (e ruleError) Error() string { return string(e) }

// Sentinels, one per rule, matchable with errors.Is on a check's error (a
// *Failure unwraps to its sentinel; an errors.Join of failures matches any).
const (
	// ErrNotApplicable marks a skipped check; the wrapping error says why.
	ErrNotApplicable = ruleError("checks: not applicable")
	// ErrCheckPanicked is a check that panicked: a bug in the check.
	ErrCheckPanicked = ruleError("checks: check panicked")

	ErrNoResponse   = ruleError("checks: no response")
	ErrStatus       = ruleError("checks: unexpected status")
	ErrServerError  = ruleError("checks: 5xx status")
	ErrMediaType    = ruleError("checks: wrong media type")
	ErrNoStore      = ruleError("checks: Cache-Control lacks no-store")
	ErrPragma       = ruleError("checks: Pragma lacks no-cache")
	ErrNotObject    = ruleError("checks: body is not a JSON object")
	ErrMissing      = ruleError("checks: member or claim missing")
	ErrType         = ruleError("checks: wrong JSON type")
	ErrEmpty        = ruleError("checks: empty value")
	ErrCharset      = ruleError("checks: character outside the allowed set")
	ErrTokenType    = ruleError("checks: token_type is not Bearer")
	ErrExpiresIn    = ruleError("checks: expires_in is not the expected positive integer")
	ErrInconsistent = ruleError("checks: expires_in and the ID token lifetime disagree")
	ErrScope        = ruleError("checks: scope is malformed or lacks openid")
	ErrRefreshToken = ruleError("checks: refresh_token presence differs from the profile")

	ErrErrorCode = ruleError("checks: unregistered error code")
	ErrErrorURI  = ruleError("checks: error_uri is not a URI reference")

	ErrMalformedJWS   = ruleError("checks: ID token is not a compact JWS")
	ErrEncrypted      = ruleError("checks: ID token is encrypted (JWE)")
	ErrAlgNone        = ruleError("checks: ID token alg is none")
	ErrAlgNotAllowed  = ruleError("checks: ID token alg not allowed")
	ErrNoKID          = ruleError("checks: ID token header has no kid")
	ErrUnknownKID     = ruleError("checks: no key with the ID token's kid")
	ErrKeyMismatch    = ruleError("checks: key does not fit the ID token's alg")
	ErrJWKS           = ruleError("checks: JWKS could not be fetched")
	ErrSignature      = ruleError("checks: ID token signature does not verify")
	ErrHeaderKeys     = ruleError("checks: ID token header carries key references")
	ErrIssuer         = ruleError("checks: iss is not the expected issuer")
	ErrAudience       = ruleError("checks: aud does not contain the client id")
	ErrAzp            = ruleError("checks: azp missing or not the client id")
	ErrExpired        = ruleError("checks: ID token expired")
	ErrMilliseconds   = ruleError("checks: NumericDate in milliseconds")
	ErrIssuedAt       = ruleError("checks: iat too far from now")
	ErrIssuedAfterExp = ruleError("checks: iat after exp")
	ErrLifetime       = ruleError("checks: ID token lifetime outside the profile range")
	ErrAuthTime       = ruleError("checks: auth_time after iat")
	ErrAuthTimeStale  = ruleError("checks: auth_time implausibly long before iat")
	ErrSubject        = ruleError("checks: sub is not a valid subject identifier")
	ErrSubjectChanged = ruleError("checks: sub differs from the expected subject")
	ErrNonce          = ruleError("checks: nonce differs from the one sent")
	ErrNoncePresent   = ruleError("checks: nonce present though none was sent")
	ErrAtHash         = ruleError("checks: at_hash does not match the access token")
	ErrAMR            = ruleError("checks: amr lacks a promised value")
	ErrDate           = ruleError("checks: not a YYYY-MM-DD calendar date")

	ErrLowEntropy = ruleError("checks: authorization code entropy below the minimum")
)

// Failure is one rule a response broke: the catalogue row, the member, claim
// or header concerned, what was seen and what was expected. Got never holds a
// secret (tokens, codes) nor a personal claim's value: those show as a shape
// such as "[redacted] (a string of 21 chars)".
type Failure struct {
	ID    string // catalogue row ID
	Field string // member, claim, header or "status"
	Got   string // what was observed, already quoted or described
	Want  string // what the row expects
	Msg   string // why, in words
	// Warning marks a deviation the row itself grades below a failure
	// (ERR-DESCRIPTION-CHARSET: CR, LF or TAB).
	Warning bool
	// Err is the rule's sentinel, so errors.Is(failure, ErrExpired) works.
	Err error
}

// Error renders `ID: field: got G, want W (msg)`, leaving out empty parts.
func (f *Failure) Error() string {
	var b strings.Builder
	b.Grow(len(f.ID) + len(f.Field) + len(f.Got) + len(f.Want) + len(f.Msg) + 24)
	b.WriteString(f.ID)
	if f.Field != "" {
		b.WriteString(": ")
		b.WriteString(f.Field)
	}
	sep := ": "
	if f.Got != "" {
		b.WriteString(sep)
		b.WriteString("got ")
		b.WriteString(f.Got)
		sep = ", "
	}
	if f.Want != "" {
		b.WriteString(sep)
		b.WriteString("want ")
		b.WriteString(f.Want)
		sep = ", "
	}
	if f.Msg != "" {
		if sep == ": " {
			b.WriteString(": ")
			b.WriteString(f.Msg)
		} else {
			b.WriteString(" (")
			b.WriteString(f.Msg)
			b.WriteString(")")
		}
	}
	if f.Warning {
		b.WriteString(" [warning]")
	}
	return b.String()
}

// Unwrap returns the rule's sentinel.
func (f *Failure) Unwrap() error { return f.Err }

// Failures returns every *Failure in err (which may be an errors.Join tree),
// in order. It returns nil for nil and for a skip.
func Failures(err error) []*Failure {
	var out []*Failure
	collectFailures(err, &out)
	return out
}

func collectFailures(err error, out *[]*Failure) {
	switch e := err.(type) {
	case nil:
	case *Failure:
		*out = append(*out, e)
	case interface{ Unwrap() []error }:
		for _, inner := range e.Unwrap() {
			collectFailures(inner, out)
		}
	case interface{ Unwrap() error }:
		collectFailures(e.Unwrap(), out)
	default:
		var f *Failure
		if errors.As(err, &f) {
			*out = append(*out, f)
		}
	}
}

// skip returns an error wrapping ErrNotApplicable with the reason.
func skip(format string, args ...any) error {
	return &skipError{reason: fmt.Sprintf(format, args...)}
}

// skipError is a skip with its reason; Error is "checks: not applicable: reason".
type skipError struct{ reason string }

func (e *skipError) Error() string { return string(ErrNotApplicable) + ": " + e.reason }
func (e *skipError) Unwrap() error { return ErrNotApplicable }

// joinFailures returns nil, the only failure, or errors.Join of them all.
func joinFailures(fs []error) error {
	switch len(fs) {
	case 0:
		return nil
	case 1:
		return fs[0]
	}
	return errors.Join(fs...)
}

// Package checks is the requirement catalogue as code: one Check per row of
// the response, error and ID token areas (shared/REQUIREMENTS.md), each a
// pure function over an Exchange parsed once into Evidence. The Ginkgo
// suites and the load runner use the same checks, so "correct under load"
// means the same thing as "conformant".
//
// A check returns nil (pass), a *Failure or an errors.Join of several
// (fail), or an error wrapping ErrNotApplicable (skip, with the reason).
// Failures name the row, the member or claim, what was seen and what was
// expected, and never show a token, a code or a personal claim's value.
package checks

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tokenbench/tokenbench/internal/catalog"
	"github.com/tokenbench/tokenbench/internal/exchange"
	"github.com/tokenbench/tokenbench/profiles"
)

// Check is one catalogue row as data plus a pure function.
type Check struct {
	ID string // catalogue row ID
	// Run returns nil for a pass, a *Failure (or errors.Join of several)
	// for a failure, or an error wrapping ErrNotApplicable for a skip.
	Run func(ev *Evidence, c *Context) error
}

// Row returns the check's catalogue row.
func (ch Check) Row() catalog.Row { return catalog.MustLookup(ch.ID) }

// Context is what the checks compare an exchange against: the profile and
// the values of the authorization request that produced the code. It is
// read-only while checks run and may be shared by goroutines.
type Context struct {
	Profile  *profiles.Profile // nil: the standard (zero profile values)
	Issuer   string            // expected iss, compared exactly
	ClientID string
	// ClientSecret verifies HS* ID tokens (OIDC Core §10.1); "" skips them.
	ClientSecret string
	Nonce        string // nonce sent at authorize; "" when none was sent
	Scope        string // requested scope; "" is taken as "openid"
	Keys         KeySet // the provider's JWKS; nil: IDT-KID only wants a kid, IDT-SIGNATURE skips
	// Algs are the acceptable ID token algs; empty: the profile's, else
	// RS256 (OIDC Registration's default). "none" is never acceptable.
	Algs []string
	// TokenType is the token_type a valid exchange must return: "" is
	// Bearer; DPoP when the request carried a DPoP proof (RFC 9449 §5).
	TokenType string
	// ExpectSub, when set, must equal sub (stability across exchanges).
	ExpectSub string
	Now       func() time.Time // time.Now when nil
}

// Defaults for profile values left zero.
const (
	DefaultSkew             = 60 * time.Second
	DefaultExpiresTolerance = 60 * time.Second
	DefaultMaxAuthAge       = 24 * time.Hour
)

func (c *Context) profile() *profiles.Profile {
	if c.Profile != nil {
		return c.Profile
	}
	return &profiles.Profile{}
}

func (c *Context) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Context) skew() time.Duration {
	if c.Profile != nil && c.Profile.IDToken.Skew != 0 {
		return c.Profile.IDToken.Skew.D()
	}
	return DefaultSkew
}

func (c *Context) maxAuthAge() time.Duration {
	if c.Profile != nil && c.Profile.IDToken.MaxAuthAge != 0 {
		return c.Profile.IDToken.MaxAuthAge.D()
	}
	return DefaultMaxAuthAge
}

func (c *Context) algs() []string {
	if len(c.Algs) > 0 {
		return c.Algs
	}
	if c.Profile != nil && len(c.Profile.IDToken.Algs) > 0 {
		return c.Profile.IDToken.Algs
	}
	return []string{"RS256"}
}

// personal reports whether a claim's value must be redacted: one the
// profile lists, or without a profile any claim but the protocol ones.
func (c *Context) personal(claim string) bool {
	if c.Profile != nil {
		return contains(c.Profile.IDToken.PersonalClaims, claim)
	}
	switch claim {
	case "iss", "sub", "aud", "azp", "exp", "iat", "nbf", "auth_time", "nonce", "acr", "amr", "at_hash", "c_hash", "sid", "jti":
		return false
	}
	return true
}

// showClaim renders a claim value for a failure: its JSON text, or only
// its shape when the profile marks the claim personal.
func (c *Context) showClaim(claim string, raw []byte) string {
	if c.personal(claim) {
		return secretShape(raw)
	}
	return showRaw(raw)
}

// Result is the outcome of one check on one exchange.
type Result struct {
	ID    string
	Level catalog.Level // the row's level under the profile
	Err   error         // nil: passed
}

// Passed reports whether the check passed.
func (r Result) Passed() bool { return r.Err == nil }

// Skipped reports whether the check did not apply, and why.
func (r Result) Skipped() (reason string, ok bool) {
	if r.Err == nil || !errors.Is(r.Err, ErrNotApplicable) {
		return "", false
	}
	return strings.TrimPrefix(strings.TrimPrefix(r.Err.Error(), string(ErrNotApplicable)), ": "), true
}

// Failed reports whether the check failed (a warning-only failure too).
func (r Result) Failed() bool { return r.Err != nil && !errors.Is(r.Err, ErrNotApplicable) }

// Warning reports whether the check failed only with failures the row
// grades as warnings, or failed on a SHOULD or INFO row.
func (r Result) Warning() bool {
	if !r.Failed() {
		return false
	}
	if r.Level == catalog.Should || r.Level == catalog.Info {
		return true
	}
	fs := Failures(r.Err)
	for _, f := range fs {
		if !f.Warning {
			return false
		}
	}
	return len(fs) > 0
}

// Failures returns the result's failures.
func (r Result) Failures() []*Failure { return Failures(r.Err) }

// Validate parses x once and runs every check against it, returning one
// Result per check in order; it never stops at the first failure. Rows the
// profile sets to SKIP are reported skipped with the profile's reason and
// not run. ctx bounds fetching the JWKS.
func Validate(ctx context.Context, x *exchange.Exchange, c *Context, checks []Check) []Result {
	if c == nil {
		c = &Context{}
	}
	return Evaluate(NewEvidence(ctx, x, c), c, checks, make([]Result, 0, len(checks)))
}

// Evaluate runs checks over evidence already built, appending to dst (which
// the load runner may reuse). A check that panics fails with
// ErrCheckPanicked instead of taking the caller down.
func Evaluate(ev *Evidence, c *Context, checks []Check, dst []Result) []Result {
	if c == nil {
		c = &Context{}
	}
	for _, ch := range checks {
		level, reason := catalog.Must, ""
		if c.Profile != nil {
			level, reason = c.Profile.Level(ch.ID)
		} else if row, ok := catalog.Lookup(ch.ID); ok {
			level = row.Level
		}
		if level == catalog.Skip {
			dst = append(dst, Result{ID: ch.ID, Level: level, Err: skip("profile: %s", reason)})
			continue
		}
		dst = append(dst, Result{ID: ch.ID, Level: level, Err: run(ch, ev, c)})
	}
	return dst
}

func run(ch Check, ev *Evidence, c *Context) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &Failure{ID: ch.ID, Msg: fmt.Sprintf("check panicked: %v", p), Err: ErrCheckPanicked}
		}
	}()
	return ch.Run(ev, c)
}

// Success returns every RESP-* and IDT-* check for a 200 token response, in
// catalogue order (IDT-USERINFO-SUB is UserinfoSub: it needs a second
// exchange). The slice is new on every call.
func Success() []Check {
	return []Check{
		{ID: "RESP-STATUS-200", Run: checkStatus200},
		{ID: "RESP-CONTENT-TYPE", Run: checkContentType},
		{ID: "RESP-NO-STORE", Run: checkNoStore},
		{ID: "RESP-PRAGMA", Run: checkPragma},
		{ID: "RESP-ACCESS-TOKEN", Run: checkAccessToken},
		{ID: "RESP-TOKEN-TYPE", Run: checkTokenType},
		{ID: "RESP-EXPIRES-IN", Run: checkExpiresIn},
		{ID: "RESP-EXPIRES-CONSISTENT", Run: checkExpiresConsistent},
		{ID: "RESP-SCOPE", Run: checkScope},
		{ID: "RESP-NO-REFRESH", Run: checkRefreshToken},
		{ID: "RESP-ID-TOKEN", Run: checkIDTokenMember},
		{ID: "RESP-EXTRA-MEMBERS", Run: checkExtraMembers},
		{ID: "IDT-JWS", Run: checkJWS},
		{ID: "IDT-ALG", Run: checkAlg},
		{ID: "IDT-KID", Run: checkKID},
		{ID: "IDT-SIGNATURE", Run: checkSignature},
		{ID: "IDT-HEADER-KEYS", Run: checkHeaderKeys},
		{ID: "IDT-ISS", Run: checkIss},
		{ID: "IDT-AUD", Run: checkAud},
		{ID: "IDT-AZP", Run: checkAzp},
		{ID: "IDT-EXP", Run: checkExp},
		{ID: "IDT-IAT", Run: checkIat},
		{ID: "IDT-LIFETIME", Run: checkLifetime},
		{ID: "IDT-AUTH-TIME", Run: checkAuthTime},
		{ID: "IDT-SUB", Run: checkSub},
		{ID: "IDT-NONCE", Run: checkNonce},
		{ID: "IDT-NONCE-ABSENT", Run: checkNonceAbsent},
		{ID: "IDT-AT-HASH", Run: checkAtHash},
		{ID: "IDT-AMR", Run: checkAMR},
		{ID: "IDT-CLAIMS", Run: checkClaims},
	}
}

// ErrorResponse returns the checks for a negative probe's response, in
// catalogue order. The slice is new on every call.
func ErrorResponse() []Check {
	return []Check{
		{ID: "ERR-STATUS", Run: checkErrStatus},
		{ID: "ERR-JSON", Run: checkErrJSON},
		{ID: "ERR-CODE-CHARSET", Run: checkErrCode},
		{ID: "ERR-DESCRIPTION-CHARSET", Run: checkErrDescription},
		{ID: "ERR-URI", Run: checkErrURI},
		{ID: "ERR-NO-STORE", Run: checkErrNoStore},
		{ID: "ERR-NO-5XX", Run: checkNo5xx},
	}
}

// Lookup returns the check for a row ID from Success or ErrorResponse.
func Lookup(id string) (Check, bool) {
	for _, list := range [2][]Check{Success(), ErrorResponse()} {
		for _, ch := range list {
			if ch.ID == id {
				return ch, true
			}
		}
	}
	return Check{}, false
}

// Package codes provides the code sources: pipelines that yield fresh OAuth
// authorization codes, with what is needed to redeem them, to the
// conformance suites and to the load runner.
//
// Codes cost a login and expire, so every source counts what it obtained,
// handed out and dropped, and any source can be wrapped in Prefetch to keep
// codes ready ahead of use. A code's value is a secret: no error or String
// method of this package ever shows one; codes are named by their sequence
// or line number.
package codes

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Code is one authorization code and what is needed to redeem it.
//
// Its String, GoString, GomegaString and LogValue methods hide Value and
// CodeVerifier.
type Code struct {
	Value        string
	ClientID     string
	RedirectURI  string
	Nonce        string // "" when none was sent
	CodeVerifier string // "" when no PKCE
	State        string // "" when unknown (command and file sources)
	ObtainedAt   time.Time
	ExpiresAt    time.Time     // zero when unknown
	Took         time.Duration // how long obtaining it took (the authorize round trip, the wait for the command's line, ...)
	Seq          int           // 1-based order in which the source produced it
}

// String describes the code without its value or verifier.
func (c Code) String() string {
	pkce := "no PKCE"
	if c.CodeVerifier != "" {
		pkce = "PKCE"
	}
	return fmt.Sprintf("code #%d (client %q, redirect URI %q, %s, obtained %s)",
		c.Seq, c.ClientID, c.RedirectURI, pkce, c.ObtainedAt.Format(time.RFC3339Nano))
}

// GoString is String, so that %#v does not print the value either.
func (c Code) GoString() string { return c.String() }

// GomegaString is String, for Gomega's failure messages.
func (c Code) GomegaString() string { return c.String() }

// LogValue implements slog.LogValuer without the value or verifier.
func (c Code) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Int("seq", c.Seq),
		slog.String("client_id", c.ClientID),
		slog.String("redirect_uri", c.RedirectURI),
		slog.Bool("pkce", c.CodeVerifier != ""),
		slog.Bool("nonce", c.Nonce != ""),
		slog.Time("obtained_at", c.ObtainedAt),
		slog.Duration("took", c.Took),
	)
}

// expired reports whether c is past its ExpiresAt at now.
func (c *Code) expired(now time.Time) bool {
	return !c.ExpiresAt.IsZero() && !now.Before(c.ExpiresAt)
}

// Source yields authorization codes. Next is safe for concurrent use and
// returns each code once; it blocks until a code is available or ctx is
// done. After Close, Next returns an error matching ErrClosed.
type Source interface {
	Next(ctx context.Context) (*Code, error)
	Stats() Stats
	Close() error
}

// Options vary one authorization request. Start from Authorizer.Defaults
// and change what the probe needs; a zero ClientID or RedirectURI means the
// default one.
type Options struct {
	Nonce bool // send a nonce
	PKCE  bool // send an S256 code_challenge
	// PKCEPlain sends code_challenge_method=plain (the challenge is the
	// verifier) instead of S256; a probe of PKCE-PLAIN-REFUSED.
	PKCEPlain bool
	// Verifier is the code_verifier to use instead of a random one; a
	// probe of its syntax (RFC 7636 §4.1).
	Verifier    string
	ClientID    string
	RedirectURI string
}

// Authorizer is implemented by sources that can vary the authorization
// request, for the suites that need a code obtained without a nonce, without
// PKCE or for another client or redirect URI. Safe for concurrent use.
type Authorizer interface {
	Authorize(ctx context.Context, o Options) (*Code, error)
	Defaults() Options
}

// AsAuthorizer returns the Authorizer inside src (looking through Prefetch
// and other wrappers that have an Unwrap() Source method), if there is one.
func AsAuthorizer(src Source) (Authorizer, bool) {
	for src != nil {
		if a, ok := src.(Authorizer); ok {
			return a, true
		}
		u, ok := src.(interface{ Unwrap() Source })
		if !ok {
			return nil, false
		}
		src = u.Unwrap()
	}
	return nil, false
}

// Sentinel errors. The errors of this package match them with errors.Is and
// carry their own, more precise, message.
var (
	// ErrLoginPage: the authorization endpoint answered with an HTML page
	// (a login form) instead of redirecting with a code.
	ErrLoginPage = errors.New("codes: login page instead of a code")
	// ErrExhausted: a finite source (a file) has handed out all its codes.
	ErrExhausted = errors.New("codes: no codes left")
	// ErrCommandExited: the command source's program exited.
	ErrCommandExited = errors.New("codes: command exited")
	// ErrBadLine: a command or file line is not a code object.
	ErrBadLine = errors.New("codes: bad code line")
	// ErrStateMismatch: the redirect's state is not the one sent.
	ErrStateMismatch = errors.New("codes: state mismatch")
	// ErrClosed: the source was closed.
	ErrClosed = errors.New("codes: source closed")
	// ErrBrowserExited: the browser source's Chromium is gone.
	ErrBrowserExited = errors.New("codes: browser exited")
)

// Permanent reports whether err means a source will never yield another
// code: it is exhausted, closed, its command or browser died, a command
// printed a bad line, or the provider wants a login the source cannot do.
// Prefetch stops producing on a permanent error.
func Permanent(err error) bool {
	for _, p := range []error{ErrExhausted, ErrClosed, ErrCommandExited, ErrBrowserExited, ErrBadLine, ErrLoginPage} {
		if errors.Is(err, p) {
			return true
		}
	}
	return false
}

// Failure returns the error that stopped src for good, looking through
// Prefetch and other wrappers, or nil while it can still yield codes (or
// cannot tell). The browser source reports its first failed login.
func Failure(src Source) error {
	for src != nil {
		if f, ok := src.(interface{ Failure() error }); ok {
			if err := f.Failure(); err != nil {
				return err
			}
		}
		u, ok := src.(interface{ Unwrap() Source })
		if !ok {
			return nil
		}
		src = u.Unwrap()
	}
	return nil
}

// kindError is an error with its own message that also matches a sentinel.
type kindError struct {
	err  error // the message, and the cause it wraps
	kind error // the sentinel
}

func (e *kindError) Error() string   { return e.err.Error() }
func (e *kindError) Unwrap() []error { return []error{e.err, e.kind} }

// mark makes err match kind with errors.Is, keeping err's message.
func mark(kind, err error) error { return &kindError{err: err, kind: kind} }

func errClosed(what string) error {
	return mark(ErrClosed, fmt.Errorf("codes: %s: the source is closed", what))
}

// plural returns "1 code", "2 codes".
func plural(n int64, word string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

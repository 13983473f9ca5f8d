package checks

import (
	"fmt"
	"log/slog"
	"maps"
	"slices"

	"github.com/tokenbench/tokenbench/internal/redact"
)

// A Context holds the client secret (it verifies HS* ID tokens), an IDToken
// the token itself and the user's claims, an Evidence both. Their String,
// GoString, GomegaString and LogValue show none of it.

// String shows what the checks compare against, the secret masked.
func (c Context) String() string {
	secret := "none"
	if c.ClientSecret != "" {
		secret = redact.Mask
	}
	profile := "none"
	if c.Profile != nil {
		profile = c.Profile.Name
	}
	return fmt.Sprintf("checks.Context{issuer %q, client %q (secret %s), nonce sent %t, scope %q, profile %s, algs %v}",
		c.Issuer, c.ClientID, secret, c.Nonce != "", c.Scope, profile, c.Algs)
}

// GoString is String, so that %#v shows no secret either.
func (c Context) GoString() string { return c.String() }

// GomegaString is String, for Gomega's failure messages.
func (c Context) GomegaString() string { return c.String() }

// LogValue implements slog.LogValuer with the secret masked.
func (c Context) LogValue() slog.Value { return slog.StringValue(c.String()) }

// GomegaString is String, for Gomega's failure messages.
func (t *IDToken) GomegaString() string { return t.String() }

// LogValue implements slog.LogValuer: alg, kid and claim names.
func (t *IDToken) LogValue() slog.Value { return slog.StringValue(t.String()) }

// String shows the exchange, the body's member names and the ID token's
// alg, kid and claim names.
func (ev *Evidence) String() string {
	if ev == nil {
		return "no evidence"
	}
	return fmt.Sprintf("checks.Evidence{%v, members %v, %v}", ev.X, slices.Sorted(maps.Keys(ev.Members)), ev.IDToken)
}

// GoString is String, so that %#v shows no secret either.
func (ev *Evidence) GoString() string { return ev.String() }

// GomegaString is String, for Gomega's failure messages.
func (ev *Evidence) GomegaString() string { return ev.String() }

// LogValue implements slog.LogValuer without the body or the token.
func (ev *Evidence) LogValue() slog.Value { return slog.StringValue(ev.String()) }

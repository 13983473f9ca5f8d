package provider

import (
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"

	"github.com/tokenbench/tokenbench/internal/redact"
)

// A Client holds its secret, a Config the clients and the signing key, a
// Provider those and the codes and tokens it issued. Their String,
// GoString, GomegaString and LogValue show none of them.

// String shows the client's id and redirect URIs, the secret masked.
func (c Client) String() string {
	return fmt.Sprintf("client %q (secret %s, redirect URIs %v)", c.ID, redact.Mask, c.RedirectURIs)
}

// GoString is String, so that %#v shows no secret either.
func (c Client) GoString() string { return "provider.Client{" + c.String() + "}" }

// GomegaString is String, for Gomega's failure messages.
func (c Client) GomegaString() string { return c.String() }

// LogValue implements slog.LogValuer with the secret masked.
func (c Client) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", c.ID), slog.String("secret", redact.Mask), slog.Any("redirect_uris", c.RedirectURIs))
}

// String shows the configuration with client ids only and no key.
func (c Config) String() string {
	ids := make([]string, len(c.Clients))
	for i, cl := range c.Clients {
		ids[i] = cl.ID
	}
	key := "generated"
	if c.Key != nil {
		key = "given " + redact.Mask
	}
	defects := make([]string, 0, len(c.Defects))
	for _, name := range slices.Sorted(maps.Keys(c.Defects)) {
		defects = append(defects, fmt.Sprintf("%s@%g", name, c.Defects[name]))
	}
	return fmt.Sprintf("provider.Config{issuer %q, clients [%s], code TTL %s, token TTL %s, grants %v, refresh TTL %s, defects [%s], variants %v, key %s}",
		c.Issuer, strings.Join(ids, " "), c.CodeTTL, c.TokenTTL, c.Grants, c.RefreshTTL, strings.Join(defects, " "), c.Variants, key)
}

// GoString is String, so that %#v shows no secret either.
func (c Config) GoString() string { return c.String() }

// GomegaString is String, for Gomega's failure messages.
func (c Config) GomegaString() string { return c.String() }

// LogValue implements slog.LogValuer without secrets or the key.
func (c Config) LogValue() slog.Value { return slog.StringValue(c.String()) }

// String shows where the provider is and how it is configured.
func (p *Provider) String() string {
	if p == nil {
		return "no provider"
	}
	return fmt.Sprintf("reference provider at %q, %v", p.Issuer(), p.cfg)
}

// GoString is String, so that %#v shows no secret either.
func (p *Provider) GoString() string { return p.String() }

// GomegaString is String, for Gomega's failure messages.
func (p *Provider) GomegaString() string { return p.String() }

// LogValue implements slog.LogValuer without secrets or the key.
func (p *Provider) LogValue() slog.Value { return slog.StringValue(p.String()) }

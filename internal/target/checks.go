package target

import (
	"github.com/tokenbench/tokenbench/internal/checks"
	"github.com/tokenbench/tokenbench/internal/codes"
	"github.com/tokenbench/tokenbench/internal/exchange"
)

// Keys returns the provider's JWKS as a cached, refreshing key set, or nil
// when the target has no jwks_uri.
func (t *Target) Keys() checks.KeySet {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.keys == nil && t.JWKSURI != "" {
		t.keys = checks.NewRemoteKeySet(t.JWKSURI, t.HTTP.HTTPClient(), nil)
	}
	if t.keys == nil {
		return nil
	}
	return t.keys
}

// Algs returns the acceptable ID token algorithms: the profile's, else the
// ones discovery lists (never "none"), else RS256.
func (t *Target) Algs() []string {
	if len(t.Profile.IDToken.Algs) > 0 {
		return t.Profile.IDToken.Algs
	}
	var out []string
	if t.Discovery != nil {
		for _, a := range t.Discovery.IDTokenSigningAlgValuesSupported {
			if a != "none" {
				out = append(out, a)
			}
		}
	}
	if len(out) == 0 {
		out = []string{"RS256"}
	}
	return out
}

// CheckContext returns what the checks compare a token response against,
// for a response to redeeming code c (nil: no authorization request known).
func (t *Target) CheckContext(c *codes.Code) *checks.Context {
	cc := &checks.Context{
		Profile:      t.Profile,
		Issuer:       t.Issuer,
		ClientID:     t.Client.ID,
		ClientSecret: t.Client.Secret,
		Scope:        t.Scope,
		Keys:         t.Keys(),
		Algs:         t.Algs(),
	}
	if t.DPoP != nil {
		cc.TokenType = exchange.TokenTypeDPoP
	}
	if c != nil {
		cc.Nonce = c.Nonce
		if c.ClientID != "" {
			cc.ClientID = c.ClientID
		}
	}
	return cc
}

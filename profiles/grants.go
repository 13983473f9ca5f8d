package profiles

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tokenbench/tokenbench/internal/catalog"
	"github.com/tokenbench/tokenbench/internal/yamlfile"
)

// Refresh is the documented refresh token behaviour. Whether refresh tokens
// are issued at all is response.refresh_token.
//
// https://www.rfc-editor.org/rfc/rfc6749#section-6
// https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2
type Refresh struct {
	// Scopes are the scopes the authorization request must carry for a
	// refresh token to be issued (offline_access, OIDC Core §11); the
	// target's scope must include them.
	Scopes []string `yaml:"scopes,flow,omitempty"`
	// Rotation is "required" (every refresh returns a new refresh token
	// and retires the old), "optional" or "none".
	Rotation string `yaml:"rotation,omitempty"`
	// ReuseRevokesFamily is "required" when presenting a rotated-away
	// refresh token revokes every token of its family, "optional" when the
	// provider does not document it (RFC 9700 §4.14.2: SHOULD).
	ReuseRevokesFamily string `yaml:"reuse_revokes_family,omitempty"`
	// Lifetime is how long a refresh token stays usable; 0 is undocumented,
	// which skips RT-EXPIRES.
	Lifetime yamlfile.Duration `yaml:"lifetime,omitempty"`
	// ExpiryMargin is added to Lifetime before a refresh must fail.
	ExpiryMargin yamlfile.Duration `yaml:"expiry_margin,omitempty"`
	// ExpiresIn is "sent" when the response carries refresh_expires_in (a
	// common extension), "absent" when it does not, "" undocumented.
	ExpiresIn string `yaml:"expires_in,omitempty"`
}

// ClientCredentials is the documented client credentials grant. Whether it
// is served is request.grant_types (or discovery when that is empty).
//
// https://www.rfc-editor.org/rfc/rfc6749#section-4.4
type ClientCredentials struct {
	// Scope is the scope to request; "" requests none (the provider's
	// default scope applies).
	Scope string `yaml:"scope,omitempty"`
}

// Grant types, as request.grant_types names them.
const (
	GrantRefreshToken      = "refresh_token"
	GrantClientCredentials = "client_credentials"
)

// ListsGrant reports whether the profile's exhaustive grant type list names
// grant, and whether the profile has such a list at all (empty: discovery
// says).
func (p *Profile) ListsGrant(grant string) (listed, hasList bool) {
	return slices.Contains(p.Request.GrantTypes, grant), len(p.Request.GrantTypes) > 0
}

// grantNotApplicable says why a row of a grant does not apply under p, ""
// when it does.
func (p *Profile) grantNotApplicable(grant string) string {
	if listed, hasList := p.ListsGrant(grant); hasList && !listed {
		return fmt.Sprintf("profile %s does not serve the %s grant (request.grant_types: %s)", p.Name, grant, strings.Join(p.Request.GrantTypes, ", "))
	}
	if grant == GrantRefreshToken && p.Response.RefreshToken == "forbidden" {
		return fmt.Sprintf("profile %s documents no refresh tokens (response.refresh_token: forbidden; RESP-NO-REFRESH checks their absence)", p.Name)
	}
	return ""
}

// grantLevel is the level of a refresh token row under the profile's
// documented refresh behaviour, with the reason when it is skipped.
func (p *Profile) grantLevel(row catalog.Row) (catalog.Level, string) {
	rot := p.Refresh.Rotation
	switch row.ID {
	case "RT-ISSUED":
		if p.Response.RefreshToken == "required" {
			return catalog.Must, ""
		}
		return catalog.Info, ""
	case "RT-ROTATION":
		switch rot {
		case "required":
			return catalog.Must, ""
		case "none":
			return catalog.Skip, fmt.Sprintf("profile %s documents no refresh token rotation (refresh.rotation: none)", p.Name)
		}
		return catalog.Info, ""
	case "RT-REUSE-REJECTED", "RT-REUSE-REVOKES-FAMILY":
		if rot == "none" {
			return catalog.Skip, fmt.Sprintf("profile %s documents no refresh token rotation (refresh.rotation: none): no token is rotated away", p.Name)
		}
		if row.ID == "RT-REUSE-REVOKES-FAMILY" && p.Refresh.ReuseRevokesFamily == "required" {
			return catalog.Must, ""
		}
	}
	return row.Level, ""
}

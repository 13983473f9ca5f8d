package suites

import (
	"context"
	"fmt"
	"slices"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenbench/tokenbench/internal/exchange"
)

// defineDiscoveryGrants: DISC-GRANTS, grant_types_supported against what
// the token endpoint does. Kept apart from the expectation of supported
// grants (grantSupported): this row judges discovery alone.
//
// https://www.rfc-editor.org/rfc/rfc8414#section-2
func defineDiscoveryGrants() {
	Describe("discovery against behaviour: grants", func() {
		rowIt("DISC-GRANTS", "lists in grant_types_supported the grants that work, and no other the harness can drive", func(ctx context.Context) {
			d := t().Discovery
			if d == nil {
				Skip("no discovery document")
			}
			listed, from := d.GrantTypesSupported, "grant_types_supported"
			if len(listed) == 0 {
				listed, from = []string{"authorization_code", "implicit"}, "the default of an omitted grant_types_supported (OpenID Connect Discovery §3)"
			}
			var probed, wrong []string
			for _, g := range []string{exchange.GrantRefreshToken, exchange.GrantClientCredentials} {
				x, driven := driveGrant(ctx, g)
				isListed := slices.Contains(listed, g)
				if !driven {
					probed = append(probed, g+" not driven (no refresh token was issued)")
					continue
				}
				if isListed && x.OAuthError() == "unauthorized_client" {
					probed = append(probed, g+" not driven (the client is not allowed it: unauthorized_client)")
					continue
				}
				works := issuedTokens(x)
				probed = append(probed, fmt.Sprintf("%s %s", g, map[bool]string{true: "works", false: "is refused"}[works]))
				switch {
				case isListed && !works:
					wrong = append(wrong, fmt.Sprintf("%s is listed, but a valid request got %d %s", g, x.Status(), x.OAuthError()))
				case !isListed && works:
					wrong = append(wrong, g+" works, but is not listed")
				}
			}
			Expect(wrong).To(BeEmpty(), "%s (%s) must list the grant types the token endpoint supports (RFC 8414 §2); observed: %s",
				from, strings.Join(listed, ", "), strings.Join(probed, "; "))
		})
	})
}

// driveGrant sends a valid request of grant g: a refresh with the refresh
// token of a fresh code exchange, or client credentials. It reports false
// when there is nothing to send (no refresh token was issued).
func driveGrant(ctx context.Context, g string) (*exchange.Exchange, bool) {
	if g == exchange.GrantClientCredentials {
		return do(ctx, ccRequest().With(exchange.Probe("discovery check: client_credentials"))), true
	}
	c := fresh(ctx)
	x := do(ctx, valid(c).With(exchange.Probe("discovery check: a code exchange for a refresh token")))
	rt, _ := x.StringMember("refresh_token")
	if rt == "" {
		return nil, false
	}
	return do(ctx, refreshRequest(rt).With(exchange.Probe("discovery check: refresh_token"))), true
}

package suites

import (
	"context"
	"fmt"
	"slices"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenbench/tokenbench/internal/checks"
	"github.com/tokenbench/tokenbench/internal/exchange"
)

// defineDiscovery: what discovery says against what the token endpoint
// does.
//
// https://www.rfc-editor.org/rfc/rfc8414#section-2
func defineDiscovery() {
	Describe("discovery against behaviour", func() {
		rowIt("DISC-AUTH-METHODS", "lists in token_endpoint_auth_methods_supported the client authentication methods that work, and no other", func(ctx context.Context) {
			d := t().Discovery
			if d == nil {
				Skip("no discovery document")
			}
			listed, from := d.TokenEndpointAuthMethodsSupported, "token_endpoint_auth_methods_supported"
			if len(listed) == 0 {
				listed, from = []string{exchange.MethodBasic}, "the default of an omitted token_endpoint_auth_methods_supported (RFC 8414 §2)"
			}
			var probed, wrong []string
			for _, m := range exchange.Methods() {
				a, second, _ := t().AuthFor(m)
				if a == nil {
					continue
				}
				By("redeeming a code with " + m)
				x := do(ctx, validAs(codeFor(ctx, a, second), a).With(exchange.Probe("discovery check: "+m)))
				works, isListed := issuedTokens(x), slices.Contains(listed, m)
				probed = append(probed, fmt.Sprintf("%s %s", m, map[bool]string{true: "works", false: "is refused"}[works]))
				switch {
				case isListed && !works:
					wrong = append(wrong, fmt.Sprintf("%s is listed, but a valid exchange with it got %d %s", m, x.Status(), x.OAuthError()))
				case !isListed && works:
					wrong = append(wrong, m+" works, but is not listed")
				}
			}
			if len(probed) == 0 {
				Skip("the target has credentials for no client authentication method")
			}
			if len(wrong) > 0 {
				failf("%s; the row expects %s (%s) to list exactly the methods that work (observed: %s)\nthe metadata must list the methods the token endpoint supports (RFC 8414 §2)",
					strings.Join(wrong, "; "), from, strings.Join(listed, ", "), strings.Join(probed, "; "))
			}
		})
		rowIt("DISC-PKCE-METHODS", "lists S256 in code_challenge_methods_supported", func(ctx context.Context) {
			d := t().Discovery
			if d == nil {
				Skip("no discovery document")
			}
			if t().Profile.PKCE.Support == "none" {
				Skip("profile " + t().Profile.Name + " says the provider does not support PKCE")
			}
			Expect(d.CodeChallengeMethodsSupported).To(ContainElement("S256"),
				"code_challenge_methods_supported must be present and list S256 (RFC 9700 §2.1.1; RFC 8414 §2: omitted means PKCE is not supported)")
		})
		rowIt("DISC-ID-TOKEN-ALGS", "lists the observed ID token alg in id_token_signing_alg_values_supported", func(ctx context.Context) {
			d := t().Discovery
			if d == nil {
				Skip("no discovery document")
			}
			_, x := shared(ctx)
			ev := checks.NewEvidence(ctx, x, nil)
			if ev.IDToken == nil {
				Skip("the valid exchange returned no ID token (RESP-ID-TOKEN and IDT-JWS report why)")
			}
			Expect(d.IDTokenSigningAlgValuesSupported).To(ContainElement(ev.IDToken.Alg),
				"id_token_signing_alg_values_supported must list the alg the ID token is signed with (OpenID Connect Discovery §3)")
		})
	})
}

package suites

import (
	"context"
	"fmt"
	"slices"
	"strings"

	. "github.com/onsi/ginkgo/v2"

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
	})
}

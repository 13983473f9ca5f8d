package suites

import (
	"context"
	"slices"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenbench/tokenbench/internal/codes"
	"github.com/tokenbench/tokenbench/internal/exchange"
)

// definePKCE: Proof Key for Code Exchange, for providers that support it.
//
// https://www.rfc-editor.org/rfc/rfc7636#section-4.6
func definePKCE() {
	Describe("PKCE", func() {
		rowIt("PKCE-WRONG-VERIFIER", "rejects a wrong code_verifier with invalid_grant", func(ctx context.Context) {
			requirePKCE()
			c := authorize(ctx, "with a PKCE challenge", func(o *codes.Options) { o.PKCE = true })
			x := do(ctx, valid(c).With(exchange.Probe("wrong code_verifier"), exchange.WrongVerifier()))
			Expect(x).To(HaveOAuthError("invalid_grant").Because("the verifier does not match the challenge (RFC 7636 §4.6)"))
		})
		rowIt("PKCE-MISSING-VERIFIER", "rejects a code issued with a challenge and redeemed without code_verifier", func(ctx context.Context) {
			requirePKCE()
			c := authorize(ctx, "with a PKCE challenge", func(o *codes.Options) { o.PKCE = true })
			x := do(ctx, valid(c).With(exchange.Probe("no code_verifier"), exchange.Drop("code_verifier")))
			Expect(x).To(HaveOAuthError("invalid_grant", "invalid_request").Because("a challenge was sent, so the verifier is required (RFC 9700 §2.1.1)"))
		})
		rowIt("PKCE-DOWNGRADE", "rejects a code_verifier for a code issued without a challenge", func(ctx context.Context) {
			requirePKCE()
			c := authorize(ctx, "without a PKCE challenge", func(o *codes.Options) { o.PKCE = false })
			x := do(ctx, valid(c).With(exchange.Probe("code_verifier without a challenge"), exchange.WrongVerifier()))
			Expect(x).To(HaveClientErrorStatus().Because("a verifier for a code issued without a challenge must be rejected (RFC 9700 §2.1.1)"))
			Expect(x).To(HaveNoTokens())
		})
	})
}

// requirePKCE skips the spec when the provider does not support PKCE.
func requirePKCE() {
	switch t().Profile.PKCE.Support {
	case "none":
		Skip("profile " + t().Profile.Name + " says the provider does not support PKCE")
	case "optional", "required":
		return
	}
	if d := t().Discovery; d != nil && slices.Contains(d.CodeChallengeMethodsSupported, "S256") {
		return
	}
	Skip("discovery lists no S256 in code_challenge_methods_supported and the profile does not say PKCE is supported")
}

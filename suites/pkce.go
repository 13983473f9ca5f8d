package suites

import (
	"context"
	"crypto/rand"
	"encoding/base64"
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
			c, refused := tryAuthorize(ctx, "without a PKCE challenge", func(o *codes.Options) { o.PKCE = false })
			if refused != nil {
				observe("the authorization endpoint issues no code without a challenge (%s): there is no code to downgrade", refused.ErrorCode)
				return
			}
			x := do(ctx, valid(c).With(exchange.Probe("code_verifier without a challenge"), exchange.WrongVerifier()))
			Expect(x).To(HaveClientErrorStatus().Because("a verifier for a code issued without a challenge must be rejected (RFC 9700 §2.1.1)"))
			Expect(x).To(HaveNoTokens())
		})
		rowIt("PKCE-REQUIRED", "issues no code without a PKCE challenge, or refuses to redeem it", func(ctx context.Context) {
			c, refused := tryAuthorize(ctx, "without a PKCE challenge", func(o *codes.Options) { o.PKCE = false })
			if refused != nil {
				By("the authorization endpoint refused the request without a challenge: " + refused.ErrorCode)
				return
			}
			x := do(ctx, valid(c).With(exchange.Probe("code issued without a challenge, redeemed without a verifier")))
			Expect(x).To(HaveClientErrorStatus(), "the profile requires PKCE: a code issued without a challenge must not be redeemable (RFC 9700 §2.1.1)")
			Expect(x).To(HaveNoTokens())
		})
		rowIt("PKCE-PLAIN-REFUSED", "refuses code_challenge_method plain, at authorize or at the token endpoint", func(ctx context.Context) {
			c, refused := tryAuthorize(ctx, "with code_challenge_method plain", func(o *codes.Options) { o.PKCE, o.PKCEPlain = true, true })
			if refused != nil {
				By("the authorization endpoint refused the plain challenge: " + refused.ErrorCode)
				return
			}
			x := do(ctx, valid(c).With(exchange.Probe("code issued for a plain challenge, redeemed with its verifier")))
			Expect(x).To(HaveClientErrorStatus(), "the profile allows S256 only: a plain challenge must be refused (RFC 7636 §4.2, RFC 9700 §2.1.1)")
			Expect(x).To(HaveNoTokens())
		})
		DescribeTable("PKCE-VERIFIER-SYNTAX: rejects a code_verifier that matches its S256 challenge but is not 43-128 unreserved characters",
			func(ctx SpecContext, id, name string, verifier string) {
				checkRow(id, name, func() {
					requirePKCE()
					c := authorize(ctx, "with the verifier's S256 challenge", func(o *codes.Options) { o.PKCE, o.Verifier = true, verifier })
					x := do(ctx, valid(c).With(exchange.Probe("code_verifier: "+name)))
					Expect(x).To(HaveOAuthError("invalid_grant", "invalid_request"), "a code_verifier is 43 to 128 characters of A-Z a-z 0-9 - . _ ~ (RFC 7636 §4.1)")
				})
			},
			rowEntry("PKCE-VERIFIER-SYNTAX", "42 characters", randomVerifier()[:42]),
			rowEntry("PKCE-VERIFIER-SYNTAX", "a character outside the unreserved set", randomVerifier()[:42]+"+"),
		)
	})
}

// randomVerifier returns 43 random unreserved characters.
func randomVerifier() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(b)
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

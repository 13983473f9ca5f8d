package suites

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenbench/tokenbench/internal/checks"
	"github.com/tokenbench/tokenbench/internal/exchange"
)

// defineCode: the code parameter and the authorization code's life.
//
// https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
func defineCode() {
	Describe("code", func() {
		rowIt("REQ-CODE-MISSING", "rejects a request without code with invalid_request", func(ctx context.Context) {
			x := probe(ctx, "no code", exchange.Drop("code"))
			Expect(x).To(HaveOAuthError("invalid_request"))
		})
		rowIt("REQ-CODE-UNKNOWN", "rejects a code it never issued with invalid_grant", func(ctx context.Context) {
			c := fresh(ctx)
			x := do(ctx, valid(c).With(exchange.Probe("random code"), exchange.Set("code", randomCode())))
			Expect(x).To(HaveOAuthError("invalid_grant"))
		})
		rowIt("CODE-SINGLE-USE", "rejects a code's second redemption with invalid_grant", func(ctx context.Context) {
			c := fresh(ctx)
			By("redeeming the code once")
			first := do(ctx, valid(c).With(exchange.Probe("first redemption")))
			Expect(first).To(IssueTokens().Because("the first redemption must succeed for the reuse to mean anything"))
			By("redeeming the same code again")
			second := do(ctx, valid(c).With(exchange.Probe("second redemption")))
			Expect(second).To(HaveOAuthError("invalid_grant").Because("the client MUST NOT use the authorization code more than once (RFC 6749 §4.1.2)"))
		})
		rowIt("CODE-REUSE-REVOKES", "revokes the tokens issued from a code that is redeemed again", func(ctx context.Context) {
			c := fresh(ctx)
			first := do(ctx, valid(c).With(exchange.Probe("first redemption")))
			Expect(first).To(IssueTokens().Because("the first redemption must succeed for the reuse to mean anything"))
			ws := revocationWitnesses(ctx, first)
			if len(ws) == 0 {
				Skip("nothing can show revocation: " + noWitness(first))
			}
			By("redeeming the code again")
			do(ctx, valid(c).With(exchange.Probe("second redemption")))
			shown := 0
			for _, w := range ws {
				By(w.what)
				if w.after(ctx) {
					shown++
				}
			}
			if shown == 0 {
				Skip("no witness could show revocation (see the observations)")
			}
		})
		rowIt("CODE-BOUND-TO-CLIENT", "refuses client A's code redeemed with client B's credentials", func(ctx context.Context) {
			b := t().SecondAuth
			if b == nil {
				Skip("no second_client in the target file")
			}
			secondClientAuthenticates(ctx, b)
			x := probe(ctx, "code of client A, credentials of client B", exchange.As(b))
			Expect(x).To(HaveOAuthError("invalid_grant", "invalid_client").Because("the code was issued to another client (RFC 6749 §4.1.3)"))
			if _, ok := b.(exchange.Basic); ok {
				Expect(x).To(haveChallengeOn401("Basic"))
			}
		})
		rowIt("CODE-EXPIRES", "rejects a code redeemed after its documented lifetime with invalid_grant", func(ctx context.Context) {
			p := t().Profile
			if p.Code.Lifetime == 0 {
				Skip("the code lifetime is not documented: set code.lifetime in the profile or expect.code_lifetime in the target")
			}
			wait := p.Code.Lifetime.D() + p.Code.ExpiryMargin.D()
			c := fresh(ctx)
			if age := time.Since(c.ObtainedAt); age < wait {
				By(fmt.Sprintf("waiting %s (code lifetime %s + margin %s)", (wait - age).Round(time.Millisecond), p.Code.Lifetime, p.Code.ExpiryMargin))
				select {
				case <-time.After(wait - age):
				case <-ctx.Done():
					Fail("interrupted while waiting for the code to expire")
				}
			}
			x := do(ctx, valid(c).With(exchange.Probe("expired code")))
			Expect(x).To(HaveOAuthError("invalid_grant").Because("the code must expire (RFC 6749 §4.1.2; lifetime %s)", p.Code.Lifetime))
		}, Label("slow"), SpecTimeout(specTimeout+t().Profile.Code.Lifetime.D()+t().Profile.Code.ExpiryMargin.D()))
		rowIt("CODE-FAILED-AUTH-BURN", "records whether a failed client authentication burns the code", func(ctx context.Context) {
			c := fresh(ctx)
			failed := do(ctx, valid(c).With(exchange.Probe("wrong credentials"), exchange.WrongCredentials()))
			then := do(ctx, valid(c).With(exchange.Probe("then the right ones")))
			switch {
			case issuedTokens(then):
				observe("the code survived a failed client authentication (%d) and was redeemed afterwards", failed.Status())
			default:
				observe("the code was burned by a failed client authentication (%d): the later valid redemption got %d %s", failed.Status(), then.Status(), then.OAuthError())
			}
		})
		rowIt("CODE-ENTROPY", "issues codes with at least 128 bits of estimated entropy", func(ctx context.Context) {
			const n = 6
			values := make([]string, 0, n)
			for range n {
				values = append(values, fresh(ctx).Value)
			}
			bits := checks.EstimateEntropyBits(values)
			By(fmt.Sprintf("estimated %.0f bits from %d codes", bits, n))
			minBits := t().Profile.Code.MinEntropyBits
			if minBits == 0 {
				minBits = checks.DefaultMinEntropyBits
			}
			expectCheck("CODE-ENTROPY", checks.CodeEntropy(values, minBits))
		})
	})
}

func randomCode() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return "tokenbench-" + base64.RawURLEncoding.EncodeToString(b)
}

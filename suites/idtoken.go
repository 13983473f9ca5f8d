package suites

import (
	"context"

	. "github.com/onsi/ginkgo/v2"

	"github.com/tokenbench/tokenbench/internal/catalog"
	"github.com/tokenbench/tokenbench/internal/checks"
	"github.com/tokenbench/tokenbench/internal/codes"
	"github.com/tokenbench/tokenbench/internal/exchange"
)

// defineIDToken: the ID token in the token response.
//
// https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation
func defineIDToken() {
	Describe("ID token", func() {
		for _, r := range []struct{ id, text string }{
			{"IDT-JWS", "is a compact JWS, never alg none"},
			{"IDT-ALG", "is signed with a documented algorithm"},
			{"IDT-KID", "names in kid a key published at jwks_uri that fits its alg"},
			{"IDT-SIGNATURE", "carries a signature that verifies with that key"},
			{"IDT-HEADER-KEYS", "carries no jku, jwk or x5u header"},
			{"IDT-ISS", "has iss exactly equal to the issuer"},
			{"IDT-AUD", "has aud equal to the client id, or an array containing it"},
			{"IDT-AZP", "has azp equal to the client id where it is required"},
			{"IDT-EXP", "has exp in the future, in seconds"},
			{"IDT-IAT", "has iat close to now and not after exp"},
			{"IDT-LIFETIME", "has a lifetime (exp - iat) within the documented range"},
			{"IDT-AUTH-TIME", "has auth_time, a number not after iat, where it is required"},
			{"IDT-NONCE", "echoes the nonce of the authorization request"},
			{"IDT-AT-HASH", "has at_hash matching the access token"},
			{"IDT-AMR", "has amr containing the documented methods"},
			{"IDT-CLAIMS", "has the documented claims with their types"},
		} {
			rowIt(r.id, r.text, func(ctx context.Context) { checkShared(ctx, r.id) })
		}
		rowIt("IDT-SUB", "has a non-empty sub of at most 255 ASCII characters, the same for the same user", func(ctx context.Context) {
			c, x := shared(ctx)
			cc := checkContext(c)
			runCheck(ctx, "IDT-SUB", x, cc)
			ev := checks.NewEvidence(ctx, x, cc)
			if ev.IDToken == nil {
				return
			}
			sub, _ := ev.IDToken.StringClaim("sub")
			By("redeeming a second code for the same user")
			c2 := fresh(ctx)
			x2 := do(ctx, valid(c2).With(exchange.Probe("second exchange, same user")))
			cc2 := checkContext(c2)
			cc2.ExpectSub = sub
			runCheck(ctx, "IDT-SUB", x2, cc2)
		})
		rowIt("IDT-NONCE-ABSENT", "carries no nonce (or null where documented) when the authorization request sent none", func(ctx context.Context) {
			c, x := shared(ctx)
			if c.Nonce != "" {
				// The code sources send a nonce by default; only this row
				// asks without one, and a provider that refuses that (nonce
				// is OPTIONAL in the code flow) is recorded, not failed.
				var refused *codes.AuthorizeError
				if c, refused = tryAuthorize(ctx, "without a nonce", func(o *codes.Options) { o.Nonce = false }); refused != nil {
					relevel(catalog.Info)
					observe("the provider refused an authorization request without a nonce (%s); nonce is OPTIONAL in the code flow (OIDC Core §3.1.2.1), so the refusal is recorded and the absence of a nonce in the ID token cannot be checked", redacted(refused.Error()))
					return
				}
				x = do(ctx, valid(c).With(exchange.Probe("code requested without a nonce")))
			}
			runCheck(ctx, "IDT-NONCE-ABSENT", x, checkContext(c))
		})
	})
}

// defineUserinfo: the access token at the userinfo endpoint.
//
// https://openid.net/specs/openid-connect-core-1_0.html#UserInfoResponse
func defineUserinfo() {
	Describe("userinfo", func() {
		rowIt("IDT-USERINFO-SUB", "returns, for the access token, the same sub as the ID token", func(ctx context.Context) {
			if t().UserinfoEndpoint == "" {
				Skip("no userinfo endpoint in discovery or the target file")
			}
			c, x := shared(ctx)
			ev := checks.NewEvidence(ctx, x, checkContext(c))
			if ev.IDToken == nil {
				Skip("the valid exchange returned no ID token to compare with (RESP-ID-TOKEN and IDT-JWS report why)")
			}
			sub, _ := ev.IDToken.StringClaim("sub")
			at, _ := x.StringMember("access_token")
			u := do(ctx, present(x, at).With(exchange.Probe("userinfo with the access token")))
			expectCheck("IDT-USERINFO-SUB", checks.UserinfoSub(sub, u), u)
		})
	})
}

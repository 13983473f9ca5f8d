package suites

import (
	"context"
	"net/http"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenbench/tokenbench/internal/exchange"
)

// defineDPoP: sender-constrained tokens. Every probe is a valid exchange
// (a fresh code, the target's client authentication, a proof of the
// target's DPoP key) with one change to the proof.
//
// https://www.rfc-editor.org/rfc/rfc9449
func defineDPoP() {
	Describe("DPoP", func() {
		rowIt("DPOP-OK", "issues a DPoP token for a valid proof", func(ctx context.Context) {
			requireDPoP()
			x := probe(ctx, "valid exchange with a DPoP proof")
			Expect(x).To(IssueTokens())
			tt, _ := x.StringMember("token_type")
			Expect(strings.EqualFold(tt, exchange.TokenTypeDPoP)).To(BeTrue(),
				"a token bound to the proof's key has token_type DPoP (RFC 9449 §5), got %q", tt)
		})
		rowIt("DPOP-NONCE", "gives a DPoP-Nonce with use_dpop_nonce, and takes the retry with it", func(ctx context.Context) {
			requireDPoP()
			key := t().DPoP
			stale := "tokenbench-stale-" + exchange.Random("")[:8]
			prev := key.Nonce(t().TokenEndpoint)
			key.ReplaceNonce(t().TokenEndpoint, stale)
			defer func() {
				if key.Nonce(t().TokenEndpoint) == stale {
					key.ReplaceNonce(t().TokenEndpoint, prev)
				}
			}()
			By("sending a proof with a nonce the server never gave")
			x := probe(ctx, "DPoP proof with a stale nonce")
			if x.NonceRetry == nil && x.OAuthError() != exchange.ErrUseDPoPNonce {
				// RFC 9449 does not say what a server without nonces does
				// with one: ignore it or refuse the proof.
				observe("the server does not demand DPoP nonces: a proof with an unknown nonce got %d %s", x.Status(), x.OAuthError())
				return
			}
			Expect(x.OAuthError()).NotTo(Equal(exchange.ErrUseDPoPNonce),
				"use_dpop_nonce must come with a DPoP-Nonce header naming the nonce to use (RFC 9449 §8)")
			Expect(x).To(IssueTokens(), "the retry with the server's nonce must succeed (RFC 9449 §8)")
		})
		rowIt("DPOP-HTM", "refuses a proof whose htm is not the request's method", func(ctx context.Context) {
			requireDPoP()
			x := probe(ctx, "DPoP proof with htm GET", exchange.ChangeProof(exchange.ProofChange{HTM: http.MethodGet}))
			Expect(x).To(HaveOAuthError(exchange.ErrInvalidDPoPProof), "htm must match the request's method (RFC 9449 §4.3)")
		})
		rowIt("DPOP-HTU", "refuses a proof whose htu is not the request's URL", func(ctx context.Context) {
			requireDPoP()
			x := probe(ctx, "DPoP proof with htu another URL", exchange.ChangeProof(exchange.ProofChange{HTU: strings.TrimSuffix(t().TokenEndpoint, "/") + "/other"}))
			Expect(x).To(HaveOAuthError(exchange.ErrInvalidDPoPProof), "htu must match the request's URL (RFC 9449 §4.3)")
		})
		DescribeTable("DPOP-IAT: refuses a proof whose iat is far from now",
			func(ctx SpecContext, id, name string, offset time.Duration) {
				checkRow(id, name, func() {
					requireDPoP()
					// Without the server's nonce, which may stand in for iat (§11.1).
					x := probe(ctx, "DPoP proof with iat "+name+", no nonce", exchange.ChangeProof(exchange.ProofChange{IATOffset: offset, NoNonce: true}))
					Expect(x).To(HaveOAuthError(exchange.ErrInvalidDPoPProof, exchange.ErrUseDPoPNonce),
						"iat must be within the server's window, or the server asks for a nonce instead (RFC 9449 §4.3, §11.1)")
				})
			},
			rowEntry("DPOP-IAT", "10 minutes old", -10*time.Minute),
			rowEntry("DPOP-IAT", "10 minutes ahead", 10*time.Minute),
		)
		rowIt("DPOP-JTI-REPLAY", "refuses a proof used before", func(ctx context.Context) {
			requireDPoP()
			first := probe(ctx, "valid exchange with a DPoP proof")
			Expect(first).To(IssueTokens())
			proof := first.Request.Header.Get(exchange.HeaderDPoP)
			By("sending the same proof with a fresh code")
			x := probe(ctx, "the same DPoP proof again", exchange.ReplayProof(proof))
			Expect(x).To(HaveClientErrorStatus(), "a proof's jti must be used once (RFC 9449 §11.1)")
			Expect(x).To(HaveNoTokens())
		})
		rowIt("DPOP-SIGNATURE", "refuses a proof whose signature does not verify", func(ctx context.Context) {
			requireDPoP()
			x := probe(ctx, "DPoP proof with a signature byte flipped", exchange.ChangeProof(exchange.ProofChange{FlipSig: true}))
			Expect(x).To(HaveOAuthError(exchange.ErrInvalidDPoPProof), "the signature must verify with the proof's jwk (RFC 9449 §4.3)")
		})
		rowIt("DPOP-TYP", "refuses a proof whose typ is not dpop+jwt", func(ctx context.Context) {
			requireDPoP()
			x := probe(ctx, "DPoP proof with typ JWT", exchange.ChangeProof(exchange.ProofChange{Typ: "JWT"}))
			Expect(x).To(HaveOAuthError(exchange.ErrInvalidDPoPProof), "typ must be dpop+jwt (RFC 9449 §4.3)")
		})
		rowIt("DPOP-PRIVATE-KEY", "refuses a proof whose jwk carries the private key", func(ctx context.Context) {
			requireDPoP()
			x := probe(ctx, "DPoP proof whose jwk has d", exchange.ChangeProof(exchange.ProofChange{PrivateJWK: true}))
			Expect(x).To(HaveOAuthError(exchange.ErrInvalidDPoPProof), "the jwk must not contain a private key (RFC 9449 §4.3)")
		})
		rowIt("DPOP-BOUND", "refuses a DPoP-bound access token presented as a bearer token", func(ctx context.Context) {
			requireDPoP()
			if t().UserinfoEndpoint == "" {
				Skip("no userinfo endpoint to present the token at")
			}
			x := probe(ctx, "valid exchange with a DPoP proof")
			Expect(x).To(IssueTokens())
			at, _ := x.StringMember("access_token")
			if tt, _ := x.StringMember("token_type"); !strings.EqualFold(tt, exchange.TokenTypeDPoP) {
				Skip("the token is not DPoP-bound (token_type " + tt + "; DPOP-OK reports it)")
			}
			By("presenting it with its proof (ath)")
			ok := do(ctx, exchange.DPoPRequest(t().UserinfoEndpoint, at, t().DPoP).With(exchange.Probe("userinfo: DPoP token with its proof")))
			Expect(ok).To(HaveStatus(http.StatusOK), "the bound token, with a proof of its key, must work at userinfo (RFC 9449 §7.1)")
			By("presenting it as a bearer token, without a proof")
			x = do(ctx, exchange.BearerRequest(t().UserinfoEndpoint, at).With(exchange.Probe("userinfo: DPoP token as Bearer")))
			Expect(x).To(HaveStatus(http.StatusUnauthorized), "a DPoP-bound token is not a bearer token (RFC 9449 §7.1)")
		})
		rowIt("DPOP-REFRESH-BOUND", "binds a public client's refresh token to its DPoP key", func(ctx context.Context) {
			requireDPoP()
			Skip("the harness authenticates a confidential client, whose refresh tokens RFC 9449 §5 does not bind to the DPoP key (only a public client's)")
		})
	})
}

// requireDPoP skips the spec when the target sends no DPoP proofs.
func requireDPoP() {
	if t().DPoP == nil {
		Skip("the target sends no DPoP proofs (no dpop section in the target file, and the profile does not document DPoP)")
	}
}

package suites

import (
	"context"
	"encoding/base64"
	"encoding/json"
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
			at, _ := x.StringMember("access_token")
			boundJWT(at)
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
			nonceSettled(x)
			Expect(x).To(HaveOAuthError(exchange.ErrInvalidDPoPProof), "htm must match the request's method (RFC 9449 §4.3)")
		})
		rowIt("DPOP-HTU", "refuses a proof whose htu is not the request's URL", func(ctx context.Context) {
			requireDPoP()
			x := probe(ctx, "DPoP proof with htu another URL", exchange.ChangeProof(exchange.ProofChange{HTU: strings.TrimSuffix(t().TokenEndpoint, "/") + "/other"}))
			nonceSettled(x)
			Expect(x).To(HaveOAuthError(exchange.ErrInvalidDPoPProof), "htu must match the request's URL (RFC 9449 §4.3)")
		})
		DescribeTable("DPOP-IAT: refuses a proof whose iat is far from now",
			func(ctx SpecContext, id, name string, offset time.Duration) {
				checkRow(id, name, func() {
					requireDPoP()
					dpopIAT(ctx, name, offset)
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
			nonceSettled(x)
			Expect(x).To(HaveClientErrorStatus(), "a proof's jti must be used once (RFC 9449 §11.1)")
			Expect(x).To(HaveNoTokens())
		})
		rowIt("DPOP-SIGNATURE", "refuses a proof whose signature does not verify", func(ctx context.Context) {
			requireDPoP()
			x := probe(ctx, "DPoP proof with a signature byte flipped", exchange.ChangeProof(exchange.ProofChange{FlipSig: true}))
			nonceSettled(x)
			Expect(x).To(HaveOAuthError(exchange.ErrInvalidDPoPProof), "the signature must verify with the proof's jwk (RFC 9449 §4.3)")
		})
		rowIt("DPOP-TYP", "refuses a proof whose typ is not dpop+jwt", func(ctx context.Context) {
			requireDPoP()
			x := probe(ctx, "DPoP proof with typ JWT", exchange.ChangeProof(exchange.ProofChange{Typ: "JWT"}))
			nonceSettled(x)
			Expect(x).To(HaveOAuthError(exchange.ErrInvalidDPoPProof), "typ must be dpop+jwt (RFC 9449 §4.3)")
		})
		rowIt("DPOP-PRIVATE-KEY", "refuses a proof whose jwk carries the private key", func(ctx context.Context) {
			requireDPoP()
			x := probe(ctx, "DPoP proof whose jwk has d", exchange.ChangeProof(exchange.ProofChange{PrivateJWK: true}))
			nonceSettled(x)
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

// nonceSettled skips the spec when the server's last answer to a changed
// proof is use_dpop_nonce: the harness followed the first one (RFC 9449
// §8) and the proof then carried the server's fresh nonce, or the answer
// came without a DPoP-Nonce, or to a replayed proof whose nonce the server
// has since replaced. Either way the answer is about the nonce, not the
// change under test, so it neither passes nor fails the row (DPOP-NONCE
// judges the nonce handling).
func nonceSettled(x *exchange.Exchange) {
	GinkgoHelper()
	if x.OAuthError() != exchange.ErrUseDPoPNonce {
		return
	}
	if x.NonceRetry != nil {
		Skip("inconclusive: the server answered use_dpop_nonce again to the retry carrying the nonce it had just given (RFC 9449 §8); the answer is about the nonce, not the proof's change")
	}
	Skip("inconclusive: the server answered use_dpop_nonce, and the harness could not retry (no DPoP-Nonce header, or a replayed proof that must stay as it was); the answer is about the nonce, not the proof's change (DPOP-NONCE judges the nonce handling)")
}

// dpopIAT is the DPOP-IAT probe: a proof whose iat is offset from now.
// RFC 9449 §4.3 check 11 judges a proof's creation time "as determined by
// either the iat claim or a server managed timestamp via the nonce claim",
// so:
//
//  1. without a nonce: 400 invalid_dpop_proof passes, tokens fail;
//     use_dpop_nonce says nothing about iat (a server that requires nonces
//     answers every nonce-less proof so), and the harness goes on;
//  2. the same iat with the nonce the server just gave (followed once, as
//     for a valid request): invalid_dpop_proof passes (the server judges
//     iat anyway); tokens mean the server takes its nonce as the creation
//     time, which §4.3 allows (node oidc-provider does so), and then
//  3. the same iat with a nonce the server never gave must be refused:
//     tokens here mean the creation time was judged by neither iat nor a
//     nonce of the server's.
//
// https://www.rfc-editor.org/rfc/rfc9449#section-4.3
func dpopIAT(ctx context.Context, name string, offset time.Duration) {
	GinkgoHelper()
	x := probe(ctx, "DPoP proof with iat "+name+", no nonce", exchange.ChangeProof(exchange.ProofChange{IATOffset: offset, NoNonce: true}))
	if x.OAuthError() != exchange.ErrUseDPoPNonce {
		Expect(x).To(HaveOAuthError(exchange.ErrInvalidDPoPProof), "iat must be within the server's window (RFC 9449 §4.3 check 11, §11.1)")
		return
	}
	if x.Response.Header.Get(exchange.HeaderDPoPNonce) == "" {
		Skip("inconclusive: the server answered the proof without a nonce use_dpop_nonce but gave no DPoP-Nonce to retry with (DPOP-NONCE judges that)")
	}
	By("sending the same iat with the server's nonce")
	x = probe(ctx, "DPoP proof with iat "+name+", the server's nonce", exchange.ChangeProof(exchange.ProofChange{IATOffset: offset}))
	nonceSettled(x)
	if !x.HasTokens() {
		Expect(x).To(HaveOAuthError(exchange.ErrInvalidDPoPProof), "a proof with a stale iat is refused with invalid_dpop_proof (RFC 9449 §4.3, §5)")
		return
	}
	By("sending the same iat with a nonce the server never gave")
	made := "tokenbench-unissued-" + exchange.Random("")[:8]
	y := probe(ctx, "DPoP proof with iat "+name+", a nonce never given", exchange.ChangeProof(exchange.ProofChange{IATOffset: offset, Nonce: made}))
	Expect(y).To(HaveNoTokens(), "with iat %s and a nonce the server never gave, the proof's creation time is judged by neither (RFC 9449 §4.3 check 11)", name)
	Expect(y).To(HaveClientErrorStatus())
	observe("the server judges a proof's creation time by its nonce (RFC 9449 §4.3 check 11): iat %s with its fresh nonce was accepted, with a nonce it never gave refused (%d %s)", name, y.Status(), y.OAuthError())
}

// boundJWT checks a DPoP-bound access token that is a JWT (RFC 9068):
// its cnf.jkt must be the SHA-256 thumbprint of the proof's key (RFC 9449
// §6.1). An opaque token (not a JWS with a JSON payload) carries nothing
// to check, and the evidence says so.
//
// https://www.rfc-editor.org/rfc/rfc9449#section-6.1
func boundJWT(at string) {
	GinkgoHelper()
	var claims struct {
		Cnf *struct {
			JKT *string `json:"jkt"`
		} `json:"cnf"`
	}
	parts := strings.Split(at, ".")
	var hdr map[string]any
	if len(parts) != 3 || decodeJSONSegment(parts[0], &hdr) != nil || hdr["alg"] == nil || decodeJSONSegment(parts[1], &claims) != nil {
		observe("the access token is opaque (not a JWT): cnf.jkt (RFC 9449 §6.1) does not apply")
		return
	}
	Expect(claims.Cnf).NotTo(BeNil(), "a DPoP-bound JWT access token has a cnf claim with jkt (RFC 9449 §6.1)")
	Expect(claims.Cnf.JKT).NotTo(BeNil(), "a DPoP-bound JWT access token's cnf has jkt (RFC 9449 §6.1)")
	Expect(*claims.Cnf.JKT).To(Equal(t().DPoP.JKT()), "cnf.jkt must be the SHA-256 JWK thumbprint (RFC 7638) of the proof's key (RFC 9449 §6.1)")
	observe("the access token is a JWT whose cnf.jkt is the proof key's thumbprint (RFC 9449 §6.1)")
}

// decodeJSONSegment decodes a base64url JWS segment holding JSON into v.
func decodeJSONSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

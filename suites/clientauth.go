package suites

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenbench/tokenbench/internal/codes"
	"github.com/tokenbench/tokenbench/internal/exchange"
	"github.com/tokenbench/tokenbench/profiles"
)

// defineAuthMethods: the client authentication methods beyond Basic. Each
// row authenticates with the authenticator the target has for its method
// (target.AuthFor) and probes a mutation of what that authenticator
// builds; a row the target has no client for is skipped with the reason.
//
// https://www.rfc-editor.org/rfc/rfc7523#section-3
// https://openid.net/specs/openid-connect-core-1_0.html#ClientAuthentication
// https://www.rfc-editor.org/rfc/rfc8705#section-2
func defineAuthMethods() {
	Describe("client authentication methods", func() {
		rowIt("AUTH-POST-OK", "issues tokens for client_id and client_secret in the body (client_secret_post)", func(ctx context.Context) {
			a, c := methodAuth(ctx, exchange.MethodPost)
			x := do(ctx, validAs(c, a).With(exchange.Probe("client_secret_post")))
			Expect(x).To(IssueTokens())
		})
		rowIt("AUTH-POST-WRONG-SECRET", "refuses client_secret_post with a wrong secret with invalid_client", func(ctx context.Context) {
			a, c := methodAuth(ctx, exchange.MethodPost)
			x := do(ctx, validAs(c, a).With(exchange.Probe("client_secret_post, wrong secret"), exchange.WrongSecret()))
			Expect(x).To(refusedClient().Because("a wrong client secret must fail client authentication (RFC 6749 §5.2)"))
		})
		rowIt("AUTH-METHOD-BOUND", "refuses a client's credentials sent by a method other than the one it is registered for", func(ctx context.Context) {
			ps, why := boundProbes()
			if len(ps) == 0 {
				Skip(why)
			}
			for _, p := range ps {
				By(fmt.Sprintf("authenticating %s %q, registered for %s, with %s", p.field, p.auth.ClientID(), p.registered, p.auth.Method()))
				x := do(ctx, validAs(codeFor(ctx, p.auth, p.second), p.auth).With(exchange.Probe(p.auth.Method()+" by a client registered for "+p.registered)))
				Expect(x).To(refusedClient().Because("the client is registered for %s (token_endpoint_auth_method, OpenID Connect Registration §2) and the profile binds it to that method", p.registered))
				if p.auth.Method() == exchange.MethodBasic {
					Expect(x).To(haveChallengeOn401("Basic"))
				}
			}
		})
		DescribeTable("issues tokens for a valid private_key_jwt client assertion",
			func(ctx SpecContext, id, entry, audience string) {
				checkRow(id, entry, func() {
					if !slices.Contains(t().Profile.AssertionAudiences(), audience) {
						Skip("profile " + t().Profile.Name + " does not document " + audience + " as an assertion audience (auth.assertion.audiences)")
					}
					a, c := methodAuth(ctx, exchange.MethodPrivateKeyJWT)
					aud := t().TokenEndpoint
					if audience == profiles.AudienceIssuer {
						aud = t().Issuer
					}
					x := do(ctx, validAs(c, a).With(exchange.Probe("private_key_jwt, aud "+audience), exchange.AssertionWith(exchange.Audience(aud))))
					Expect(x).To(IssueTokens().Because("iss = sub = the client id, aud %s, exp, iat and a unique jti, signed with the registered key (RFC 7523 §3, OIDC Core §9)", aud))
				})
			},
			rowEntry("AUTH-JWT-OK", "aud the token endpoint URL", profiles.AudienceTokenEndpoint),
			rowEntry("AUTH-JWT-OK", "aud the issuer identifier", profiles.AudienceIssuer),
		)
		jwtRefused := func(id, entry, rule string, m exchange.Mutation) TableEntry {
			return rowEntry(id, entry, rule, m)
		}
		DescribeTable("refuses a client assertion that breaks a rule with invalid_client",
			func(ctx SpecContext, id, entry, rule string, m exchange.Mutation) {
				checkRow(id, entry, func() {
					a, c := methodAuth(ctx, exchange.MethodPrivateKeyJWT)
					x := do(ctx, validAs(c, a).With(exchange.Probe("client assertion: "+entry), m))
					Expect(x).To(refusedClient().Because("%s", rule))
				})
			},
			jwtRefused("AUTH-JWT-AUD", "aud another audience", "the assertion's aud must identify the authorization server (RFC 7523 §3 (3))",
				exchange.AssertionWith(exchange.Audience("https://tokenbench.invalid/another-audience"))),
			jwtRefused("AUTH-JWT-EXP", "exp 10 minutes in the past", "an expired assertion must be rejected (RFC 7523 §3 (4))",
				exchange.AssertionWith(exchange.ExpiredBy(10*time.Minute))),
			jwtRefused("AUTH-JWT-EXP", "exp missing", "exp is required (RFC 7523 §3 (4), OIDC Core §9)",
				exchange.AssertionWith(exchange.NoExpiry())),
			jwtRefused("AUTH-JWT-SIGNATURE", "one signature byte flipped", "the signature must verify with the registered key (RFC 7523 §3 (9))",
				exchange.FlipSignatureByte()),
			jwtRefused("AUTH-JWT-SIGNATURE", "signed with an unregistered key", "the signature must verify with the registered key (RFC 7523 §3 (9))",
				exchange.AssertionWith(exchange.ForeignKey())),
			jwtRefused("AUTH-JWT-ALG-NONE", "alg none, empty signature", "an unsecured JWT must never authenticate a client (RFC 8725 §3.1)",
				exchange.AssertionWith(exchange.AlgNone())),
			jwtRefused("AUTH-JWT-HMAC-CONFUSION", "HS256 keyed with the client's public key", "the algorithm must be the one the registered key is for, not the token's choice (RFC 8725 §2.1, §3.1)",
				exchange.AssertionWith(exchange.HMACWithPublicKey())),
			jwtRefused("AUTH-JWT-ISS-SUB", "iss is not sub", "iss and sub must both be the client id (RFC 7523 §3 (1), (2); OIDC Core §9)",
				exchange.AssertionWith(exchange.Issuer("tokenbench-another-issuer"))),
			jwtRefused("AUTH-JWT-ISS-SUB", "sub another client", "sub must be the client that signs (RFC 7523 §3 (2); OIDC Core §9)",
				exchange.AssertionWith(func(a *exchange.Assertion) error { a.Sub = otherClientID(a.Iss); return nil })),
		)
		rowIt("AUTH-JWT-JTI-REPLAY", "refuses a client assertion used a second time", func(ctx context.Context) {
			a, second := authFor(exchange.MethodPrivateKeyJWT)
			By("redeeming a code with a fresh assertion")
			spec := validAs(codeFor(ctx, a, second), a).With(exchange.Probe("first use of the assertion"))
			assertion, _ := spec.Get(exchange.ParamClientAssertion)
			first := do(ctx, spec)
			if !issuedTokens(first) {
				Skip(fmt.Sprintf("a fresh assertion was refused (%d %s; see AUTH-JWT-OK): a replay cannot be told apart", first.Status(), first.OAuthError()))
			}
			By("redeeming another code with the same assertion")
			x := do(ctx, validAs(codeFor(ctx, a, second), a).With(
				exchange.Probe("the same assertion again"), exchange.Set(exchange.ParamClientAssertion, assertion)))
			Expect(x).To(refusedClient().Because("the JWT MUST only be used once (OIDC Core §9; RFC 7523 §3 (7))"))
		})
		rowIt("AUTH-SECRET-JWT-OK", "issues tokens for an HMAC client assertion keyed with the client secret (client_secret_jwt)", func(ctx context.Context) {
			a, c := methodAuth(ctx, exchange.MethodSecretJWT)
			x := do(ctx, validAs(c, a).With(exchange.Probe("client_secret_jwt")))
			Expect(x).To(IssueTokens())
		})
		rowIt("AUTH-MTLS-OK", "issues tokens to a client authenticated by its TLS certificate", func(ctx context.Context) {
			a, c := tlsAuth(ctx)
			x := do(ctx, validAs(c, a).With(exchange.Probe(a.Method())))
			Expect(x).To(IssueTokens())
		})
		rowIt("AUTH-MTLS-NO-CERT", "refuses a TLS client that presents no certificate", func(ctx context.Context) {
			if t().CertOnEveryConnection() {
				Skip("tls.cert_file is presented on every connection (client.auth_method is " + t().Auth.Method() + "), so no request can go without it")
			}
			a, c := tlsAuth(ctx)
			x := do(ctx, validAs(c, a).With(exchange.Probe(a.Method()+" without a certificate"), exchange.NoCertificate()))
			Expect(x).To(refusedClient().Because("the client authenticates with its certificate (RFC 8705 §2)"))
		})
		rowIt("AUTH-MTLS-WRONG-CERT", "refuses a certificate not registered for the client", func(ctx context.Context) {
			a, c := tlsAuth(ctx)
			x := do(ctx, validAs(c, a).With(exchange.Probe(a.Method()+" with a foreign certificate of the same subject"), exchange.ForeignCertificate()))
			Expect(x).To(refusedClient().Because("the certificate must chain to a trusted CA and match the registration (tls_client_auth, RFC 8705 §2.1.2) or be the registered one (self_signed_tls_client_auth, §2.2.2)"))
		})
	})
}

// refusedClient is the answer to failed client authentication: 400 or 401
// invalid_client, no tokens (RFC 6749 §5.2).
func refusedClient() *exchangeMatcher { return HaveOAuthError("invalid_client") }

// validAs is the valid token request for code c, authenticated by a, with
// a DPoP proof when the target uses DPoP.
func validAs(c *codes.Code, a exchange.Authenticator) exchange.Spec {
	return exchange.TokenRequest(t().TokenEndpoint, a, c.Value, c.RedirectURI, c.CodeVerifier).With(exchange.WithDPoP(t().DPoP))
}

// methodAuth returns the target's authenticator for method and a fresh
// code for its client, or skips the spec with the reason there is none.
func methodAuth(ctx context.Context, method string) (exchange.Authenticator, *codes.Code) {
	a, second := authFor(method)
	return a, codeFor(ctx, a, second)
}

// authFor is target.AuthFor, skipping the spec with the reason when the
// target has no client for method.
func authFor(method string) (exchange.Authenticator, bool) {
	a, second, why := t().AuthFor(method)
	if a == nil {
		Skip(why)
	}
	return a, second
}

// tlsAuth is methodAuth for the first TLS method the profile documents
// and the target has a client for.
func tlsAuth(ctx context.Context) (exchange.Authenticator, *codes.Code) {
	var whys []string
	for _, m := range []string{exchange.MethodTLS, exchange.MethodSelfSignedTLS} {
		if !t().Profile.AcceptsAuthMethod(m) {
			continue
		}
		if a, _, why := t().AuthFor(m); a == nil {
			whys = append(whys, why)
			continue
		}
		return methodAuth(ctx, m)
	}
	Skip(strings.Join(whys, "; "))
	return nil, nil
}

// codeFor returns a fresh code for a's client: the code source's for the
// client, one authorized for the second client otherwise.
func codeFor(ctx context.Context, a exchange.Authenticator, second bool) *codes.Code {
	if !second {
		return fresh(ctx)
	}
	return authorize(ctx, "for the second client", func(o *codes.Options) { o.ClientID = a.ClientID() })
}

// otherClientID is another configured client's id than id, else an
// unknown one.
func otherClientID(id string) string {
	for _, c := range t().ClientAuths() {
		if c.ID != id {
			return c.ID
		}
	}
	return "tokenbench-unknown-client"
}

// boundProbe is one AUTH-METHOD-BOUND probe: a client authenticating with
// a method it is not registered for.
type boundProbe struct {
	field, registered string
	auth              exchange.Authenticator
	second            bool
}

// boundProbes are, for every configured client, the methods the profile
// documents and the client's credentials allow, other than its registered
// one and those the profile makes interchangeable with it; and why there
// are none.
func boundProbes() ([]boundProbe, string) {
	p := t().Profile
	var out []boundProbe
	for _, c := range t().ClientAuths() {
		for _, m := range exchange.Methods() {
			a := c.By[m]
			if a == nil || p.Interchangeable(c.Method, m) || !p.AcceptsAuthMethod(m) {
				continue
			}
			out = append(out, boundProbe{field: c.Field, registered: c.Method, auth: a, second: c.Second})
		}
	}
	return out, "no configured client holds credentials for a documented method other than the one it is registered for (a secret for Basic or post, a key, a certificate)"
}

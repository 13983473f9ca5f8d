package suites

import (
	"context"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenbench/tokenbench/internal/catalog"

	"github.com/tokenbench/tokenbench/internal/codes"
	"github.com/tokenbench/tokenbench/internal/exchange"
)

// defineAuth: client authentication at the token endpoint.
//
// https://www.rfc-editor.org/rfc/rfc6749#section-2.3
func defineAuth() {
	Describe("client authentication", func() {
		rowIt("AUTH-BASIC-OK", "issues tokens for a valid code redeemed with HTTP Basic", func(ctx context.Context) {
			a, c := methodAuth(ctx, exchange.MethodBasic)
			x := do(ctx, validAs(c, a).With(exchange.Probe("valid, HTTP Basic")))
			Expect(x).To(IssueTokens())
		})
		rowIt("AUTH-BASIC-ENCODING", "accepts Basic credentials form-urlencoded before base64", func(ctx context.Context) {
			client, second := encodingClient()
			if client == nil {
				Skip("neither configured client has an id or secret that form-urlencoding changes (RFC 6749 §2.3.1 matters only then)")
			}
			c := fresh(ctx)
			if second {
				c = authorize(ctx, "for the second client", func(o *codes.Options) { o.ClientID = client.ID })
			}
			By("authenticating as " + client.ID + " with id and secret form-urlencoded, then base64")
			x := do(ctx, valid(c).With(exchange.Probe("Basic with form-urlencoded credentials"), exchange.BasicAs(*client)))
			Expect(x).To(IssueTokens().Because("RFC 6749 §2.3.1: the client id and secret are form-urlencoded before Basic encoding"))
		})
		rowIt("AUTH-MISSING", "refuses a valid code redeemed without client authentication", func(ctx context.Context) {
			m := t().Profile.Auth.Missing
			x := probe(ctx, "no Authorization header", exchange.NoAuth())
			Expect(x).To(HaveOAuthErrorWithStatus(m.Status, m.Errors...))
		})
		rowIt("AUTH-WRONG-SECRET", "answers a wrong secret with 401 invalid_client and WWW-Authenticate: Basic", func(ctx context.Context) {
			a, c := methodAuth(ctx, exchange.MethodBasic)
			x := do(ctx, validAs(c, a).With(exchange.Probe("wrong client secret"), exchange.WrongSecret()))
			Expect(x).To(HaveOAuthErrorWithStatus([]int{401}, "invalid_client").Because("the client used the Authorization header, so 401 is required (RFC 6749 §5.2)"))
			Expect(x).To(haveBasicChallenge())
		})
		rowIt("AUTH-UNKNOWN-CLIENT", "answers an unknown client id with 401 invalid_client and WWW-Authenticate: Basic", func(ctx context.Context) {
			x := probe(ctx, "unknown client id", exchange.UnknownClient())
			Expect(x).To(HaveOAuthErrorWithStatus([]int{401}, "invalid_client").Because("the client used the Authorization header, so 401 is required (RFC 6749 §5.2)"))
			Expect(x).To(haveBasicChallenge())
		})
		rowIt("AUTH-SECRET-POST", "refuses client_secret_post when only Basic is documented", func(ctx context.Context) {
			if t().Profile.AcceptsAuthMethod("client_secret_post") {
				Skip("profile " + t().Profile.Name + " does not exclude client_secret_post")
			}
			post, second := secretPost()
			x := do(ctx, validAs(codeFor(ctx, post, second), post).With(exchange.Probe("client_id and client_secret in the body")))
			Expect(x).To(HaveClientErrorStatus())
			Expect(x).To(HaveNoTokens().Because("the provider documents HTTP Basic as the only client authentication"))
		})
		DescribeTable("refuses a request that authenticates two ways (Basic and another method)",
			func(ctx SpecContext, id, entry string, lvl catalog.Level) {
				checkRowAt(id, entry, lvl, func() {
					method := t().Auth.Method()
					if lvl == catalog.Info {
						if method != exchange.MethodBasic {
							Skip("the client authenticates with " + method + ": the lone client_secret probe adds a secret to Basic")
						}
						// A lone client_secret is not a complete second
						// method: what the provider makes of it is recorded.
						x := probe(ctx, "Basic and a lone client_secret in the body", exchange.SecretInBody())
						observe("Basic plus a lone client_secret (no client_id) in the body: the provider %s", answered(x))
						return
					}
					// Basic plus a complete second method: client_id and
					// client_secret in the body, or Basic on top of the
					// client's own method.
					second := []exchange.Mutation{exchange.ClientIDInBody(), exchange.SecretInBody()}
					if method != exchange.MethodBasic {
						if t().Client.Secret == "" {
							Skip("the client authenticates with " + method + " and has no secret for a second method")
						}
						second = []exchange.Mutation{exchange.AlsoBasic(t().Client)}
					}
					x := probe(ctx, "Basic and "+secondName(method), second...)
					Expect(x).To(HaveOAuthErrorWithStatus([]int{400, 401}, "invalid_request", "invalid_client").Because("a client must not use more than one authentication method per request (RFC 6749 §2.3)"))
					Expect(x).To(haveChallengeOn401("Basic"))
				})
			},
			rowEntry("AUTH-TWO-METHODS", "Basic and a complete second method", catalog.Level("")),
			rowEntryAt("AUTH-TWO-METHODS", "Basic and a lone client_secret", catalog.Info, catalog.Info),
		)
		DescribeTable("answers a malformed Authorization header with 400 or 401 (with a challenge), never 5xx",
			func(ctx SpecContext, id, entry, header string) {
				checkRow(id, entry, func() {
					// The header is the request's only authentication,
					// whatever the client's method.
					x := probe(ctx, "Authorization: "+entry, exchange.NoAuth(), exchange.Authorization(header))
					Expect(x).To(HaveStatus(400, 401))
					Expect(x).To(HaveNoTokens())
					Expect(x).To(haveChallengeOn401(""))
				})
			},
			rowEntry("AUTH-MALFORMED", "Basic !!!", "Basic !!!"),
			rowEntry("AUTH-MALFORMED", "Bearer x", "Bearer x"),
			rowEntry("AUTH-MALFORMED", "empty value", ""),
		)
		rowIt("AUTH-SECRET-IN-QUERY", "issues no tokens when the client secret is sent in the URL query", func(ctx context.Context) {
			if exchange.IsTLSMethod(t().Auth.Method()) {
				Skip("the client authenticates with its TLS certificate: there is no secret to put in the URL query")
			}
			x := probe(ctx, "client_id and client_secret in the URL query", exchange.CredentialsInQuery())
			Expect(x).To(HaveNoTokens().Because("client credentials must not be accepted in the request URI (RFC 6749 §2.3.1)"))
		})
	})
}

// encodingClient returns a configured client that may use Basic and whose
// id or secret changes when form-urlencoded, and whether it is the second
// client.
func encodingClient() (*exchange.Credentials, bool) {
	for _, ca := range t().ClientAuths() {
		b, ok := ca.By[exchange.MethodBasic].(exchange.Basic)
		if !ok || !t().Profile.Interchangeable(ca.Method, exchange.MethodBasic) {
			continue
		}
		if c := b.Credentials; formEncodingChanges(c) {
			return &c, ca.Second
		}
	}
	return nil, false
}

// secretPost returns client_secret_post with the secret of a configured
// client (the client's, else the second client's), or skips the spec.
func secretPost() (exchange.Authenticator, bool) {
	for _, ca := range t().ClientAuths() {
		if a := ca.By[exchange.MethodPost]; a != nil {
			return a, ca.Second
		}
	}
	Skip("no configured client has a secret to send in the body")
	return nil, false
}

// secondName names the second method AUTH-TWO-METHODS adds to the client's
// own.
func secondName(method string) string {
	if method == exchange.MethodBasic {
		return "client_id + client_secret in the body"
	}
	return method
}

// haveBasicChallenge succeeds when a WWW-Authenticate header names the
// Basic scheme (RFC 6749 §5.2: the scheme the client used; RFC 7235 §3.1: a
// 401 must carry a challenge).
func haveBasicChallenge() *exchangeMatcher {
	return &exchangeMatcher{
		want:  "WWW-Authenticate with the Basic scheme",
		match: func(x *exchange.Exchange) bool { return hasChallenge(x, "Basic") },
		show:  showChallenge,
	}
}

// haveChallengeOn401 succeeds on any status but 401, and on a 401 that
// carries a WWW-Authenticate challenge of scheme ("" any scheme): RFC 7235
// §3.1 requires one on every 401, RFC 6749 §5.2 the client's own scheme
// after an Authorization header.
//
// https://www.rfc-editor.org/rfc/rfc7235#section-3.1
func haveChallengeOn401(scheme string) *exchangeMatcher {
	want := "a WWW-Authenticate challenge with the 401"
	if scheme != "" {
		want = "WWW-Authenticate with the " + scheme + " scheme with the 401"
	}
	return &exchangeMatcher{
		want:  want,
		match: func(x *exchange.Exchange) bool { return x.Status() != 401 || hasChallenge(x, scheme) },
		show:  showChallenge,
		rule:  "a 401 must carry a challenge (RFC 7235 §3.1; RFC 6749 §5.2: the scheme the client used)",
	}
}

// hasChallenge reports whether a WWW-Authenticate header line, as received,
// names scheme ("" any scheme).
func hasChallenge(x *exchange.Exchange, scheme string) bool {
	for _, v := range x.RawHeaderValues("WWW-Authenticate") {
		if scheme == "" && strings.TrimSpace(v) != "" {
			return true
		}
		for _, part := range strings.Split(v, ",") {
			if f := strings.Fields(part); len(f) > 0 && strings.EqualFold(f[0], scheme) {
				return true
			}
		}
	}
	return false
}

func showChallenge(x *exchange.Exchange) string {
	vs := x.RawHeaderValues("WWW-Authenticate")
	if len(vs) == 0 {
		return "no WWW-Authenticate header"
	}
	return "WWW-Authenticate: " + strings.Join(vs, ", ")
}

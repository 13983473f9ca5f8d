package suites

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenbench/tokenbench/internal/exchange"
	"github.com/tokenbench/tokenbench/internal/target"
)

// defineRequest: the request's transport, method and format.
//
// https://www.rfc-editor.org/rfc/rfc6749#section-3.2
func defineRequest() {
	Describe("request format", func() {
		rowIt("REQ-TLS", "is reached over TLS, or over plain http only on loopback", func(ctx context.Context) {
			u, err := url.Parse(t().TokenEndpoint)
			if err != nil {
				failf("the token endpoint %q is not a URL: %v", t().TokenEndpoint, err)
			}
			By("token endpoint " + t().TokenEndpoint)
			if u.Scheme == "http" {
				if !target.IsLoopback(u.Hostname()) {
					failf("the token endpoint %s is plain http on a non-loopback host (allowed only by allow_insecure_http); the row expects https\nthe client secret, codes and tokens cross the network unencrypted (RFC 6749 §1.6, §3.2)", t().TokenEndpoint)
				}
				observe("plain http on loopback %s: acceptable for a local test provider only", u.Host)
			}
		})
		rowIt("REQ-METHOD-POST", "refuses a valid exchange sent as GET with query parameters", func(ctx context.Context) {
			By("sending the valid parameters and Basic authentication as a GET")
			x := probe(ctx, "GET with query parameters", exchange.Method(http.MethodGet))
			Expect(x).To(HaveClientErrorStatus().Because("a token request must be a POST (RFC 6749 §3.2); 405 or 400 expected"))
			Expect(x).To(HaveNoTokens())
		})
		rowIt("REQ-FORM-ONLY", "refuses valid parameters sent as a JSON body, without a 5xx", func(ctx context.Context) {
			x := probe(ctx, "JSON body", exchange.JSONBody())
			Expect(x).To(HaveClientErrorStatus().Because("parameters are application/x-www-form-urlencoded only (RFC 6749 §4.1.3)"))
			Expect(x).To(HaveNoTokens())
		})
		rowIt("REQ-EMPTY-AS-OMITTED", "treats an empty redirect_uri exactly as an omitted one", func(ctx context.Context) {
			By("redeeming one code without redirect_uri")
			omitted := probe(ctx, "redirect_uri omitted", exchange.Drop("redirect_uri"))
			By("redeeming another code with redirect_uri=")
			empty := probe(ctx, "redirect_uri empty", exchange.Empty("redirect_uri"))
			// RFC 6749 §3.2: a parameter sent without a value MUST be treated as
			// if it were omitted. Whether omitting it is right is
			// REQ-REDIRECT-MISSING's business; this row wants the same answer.
			if outcome(empty) != outcome(omitted) {
				faulty(empty)
				failf("redirect_uri empty: the provider answered %s, and %s with redirect_uri omitted; the row expects the same answer\nredirect_uri= must be answered as if redirect_uri were omitted (RFC 6749 §3.2)", outcome(empty), outcome(omitted))
			}
		})
		rowIt("REQ-UNKNOWN-IGNORED", "ignores an unknown parameter in a valid exchange", func(ctx context.Context) {
			x := probe(ctx, "unknown parameter foo=bar", exchange.Add("foo", "bar"))
			Expect(x).To(IssueTokens().Because("unrecognised request parameters must be ignored (RFC 6749 §3.2)"))
		})
		rowIt("REQ-NO-DUPLICATES", "rejects a request that sends code twice with invalid_request", func(ctx context.Context) {
			x := probe(ctx, "code sent twice", exchange.Duplicate("code"))
			Expect(x).To(HaveOAuthError("invalid_request").Because("request parameters must not be included more than once (RFC 6749 §3.2)"))
		})
	})
}

// defineGrantType: the grant_type parameter.
//
// https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3
func defineGrantType() {
	Describe("grant_type", func() {
		rowIt("REQ-GRANT-MISSING", "rejects a request without grant_type with invalid_request", func(ctx context.Context) {
			x := probe(ctx, "no grant_type", exchange.Drop("grant_type"))
			Expect(x).To(HaveOAuthError("invalid_request"))
		})
		DescribeTable("answers other grant types with unsupported_grant_type",
			func(ctx SpecContext, id, entry, grant string, extra []exchange.Param) {
				checkRow(id, entry, func() {
					e := expectGrant(ctx, grant)
					if e.supported {
						Skip(grant + " is supported (" + e.from + "); this row checks unsupported grant types")
					}
					ms := []exchange.Mutation{exchange.Probe("grant_type=" + grant), exchange.Set("grant_type", grant), exchange.Drop("code"), exchange.Drop("redirect_uri"), exchange.Drop("code_verifier")}
					for _, p := range extra {
						ms = append(ms, exchange.Set(p.Name, p.Value))
					}
					x := do(ctx, exchange.TokenRequest(t().TokenEndpoint, t().Auth, "", "", "").With(ms...))
					want := []string{"unsupported_grant_type"}
					if e.source == sourceDiscovery {
						// Not in discovery's list, but the server may
						// implement it and not allow it for this client.
						want = append(want, "unauthorized_client")
					}
					Expect(x).To(HaveOAuthError(want...).Because("%s is not a supported grant type: %s (RFC 6749 §5.2)", grant, e.from))
					observe("the expectation that %s is unsupported came from %s", grant, e.from)
				})
			},
			rowEntry("REQ-GRANT-ONLY-CODE", "refresh_token", "refresh_token", []exchange.Param{{Name: "refresh_token", Value: "tokenbench-not-a-refresh-token"}}),
			rowEntry("REQ-GRANT-ONLY-CODE", "client_credentials", "client_credentials", []exchange.Param{{Name: "scope", Value: "openid"}}),
			rowEntry("REQ-GRANT-ONLY-CODE", "password", "password", []exchange.Param{{Name: "username", Value: "tokenbench"}, {Name: "password", Value: "tokenbench-password"}}),
			rowEntry("REQ-GRANT-ONLY-CODE", "device_code", "urn:ietf:params:oauth:grant-type:device_code", []exchange.Param{{Name: "device_code", Value: "tokenbench-not-a-device-code"}}),
		)
	})
}

// Where the expectation for a grant type came from, first to last.
const (
	sourceProfile   = "profile"
	sourceRun       = "run"
	sourceDiscovery = "discovery"
)

// grantExpectation is whether a grant type is expected to be supported,
// which source said so, and how (for the report).
type grantExpectation struct {
	supported    bool
	source, from string
}

// expectGrant decides whether the provider supports a grant type: what the
// profile documents first (its list is complete), what the run observed
// second (a refresh token was issued, so the refresh_token grant is
// offered: RFC 6749 §1.5), and discovery's grant_types_supported third.
func expectGrant(ctx context.Context, grant string) grantExpectation {
	GinkgoHelper()
	p := t().Profile
	if gs := p.Request.GrantTypes; len(gs) > 0 {
		return grantExpectation{slices.Contains(gs, grant), sourceProfile, "profile " + p.Name + " documents the grant types " + strings.Join(gs, ", ")}
	}
	if grant == "refresh_token" {
		if x := refreshIssued(ctx); x != nil {
			attach(x)
			return grantExpectation{true, sourceRun, "observed in this run: \"" + x.Probe + "\" issued a refresh_token"}
		}
	}
	if d := t().Discovery; d != nil && len(d.GrantTypesSupported) > 0 {
		return grantExpectation{slices.Contains(d.GrantTypesSupported, grant), sourceDiscovery, "discovery's grant_types_supported lists " + strings.Join(d.GrantTypesSupported, ", ")}
	}
	// OpenID Discovery §3: the default is authorization_code and implicit.
	return grantExpectation{grant == "authorization_code" || grant == "implicit", sourceDiscovery,
		"discovery lists no grant_types_supported, whose default is authorization_code, implicit"}
}

// refreshIssued returns a successful token response of the run that
// carried a refresh token, or nil. When the run has seen no successful
// response yet, it redeems a code to see.
func refreshIssued(ctx context.Context) *exchange.Exchange {
	GinkgoHelper()
	state.mu.Lock()
	x, seen := state.refreshIssued, state.issued
	state.mu.Unlock()
	if x == nil && !seen {
		probe(ctx, "valid exchange, to see whether refresh tokens are issued")
		state.mu.Lock()
		x = state.refreshIssued
		state.mu.Unlock()
	}
	return x
}

// defineRedirectURI: the redirect_uri parameter.
//
// https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3
func defineRedirectURI() {
	Describe("redirect_uri", func() {
		rowIt("REQ-REDIRECT-MISSING", "rejects a valid code redeemed without redirect_uri", func(ctx context.Context) {
			x := probe(ctx, "no redirect_uri", exchange.Drop("redirect_uri"))
			Expect(x).To(HaveOAuthError("invalid_request", "invalid_grant").Because("redirect_uri is required when it was in the authorization request (RFC 6749 §4.1.3)"))
		})
		DescribeTable("rejects a redirect_uri that differs from the authorization request's with invalid_grant",
			func(ctx SpecContext, id, entry string, change func(string) string) {
				checkRow(id, entry, func() {
					c := fresh(ctx)
					other := change(c.RedirectURI)
					if other == "" {
						Skip("no other_redirect_uri in the target file (another URI registered for the same client)")
					}
					By("redeeming a code issued for " + c.RedirectURI + " with redirect_uri " + other)
					x := do(ctx, valid(c).With(exchange.Probe("redirect_uri "+entry), exchange.Set("redirect_uri", other)))
					Expect(x).To(HaveOAuthError("invalid_grant").Because("redirect_uri must be identical to the one in the authorization request (RFC 6749 §4.1.3)"))
				})
			},
			rowEntry("REQ-REDIRECT-MISMATCH", "trailing slash", func(u string) string { return u + "/" }),
			rowEntry("REQ-REDIRECT-MISMATCH", "extra query parameter", func(u string) string {
				if strings.Contains(u, "?") {
					return u + "&tokenbench=1"
				}
				return u + "?tokenbench=1"
			}),
			rowEntry("REQ-REDIRECT-MISMATCH", "changed case", changeCase),
			rowEntry("REQ-REDIRECT-MISMATCH", "other registered URI", func(string) string { return t().OtherRedirectURI }),
		)
	})
}

// changeCase flips the case of the redirect URI's path (case-sensitive,
// RFC 3986 §6.2.2.1), or of its host when the path has no letters.
func changeCase(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return strings.ToUpper(u)
	}
	if strings.ToUpper(p.Path) != p.Path {
		p.Path = strings.ToUpper(p.Path)
	} else if strings.ToLower(p.Path) != p.Path {
		p.Path = strings.ToLower(p.Path)
	} else {
		p.Path += "X"
	}
	return p.String()
}

// defineClientID: the client_id parameter.
func defineClientID() {
	Describe("client_id", func() {
		rowIt("REQ-CLIENT-ID-REJECTED", "rejects client_id in the body next to valid Basic authentication, and issues no tokens", func(ctx context.Context) {
			a, c := methodAuth(ctx, exchange.MethodBasic)
			x := do(ctx, validAs(c, a).With(exchange.Probe("client_id in the body with Basic"), exchange.ClientIDInBody()))
			Expect(x).To(HaveOAuthError(t().Profile.Request.ClientIDError...).Because("the provider documents the client_id parameter as not supported"))
		})
		rowIt("AUTH-PUBLIC-CLIENT", "refuses a confidential client's code redeemed with client_id alone (no authentication)", func(ctx context.Context) {
			x := probe(ctx, "client_id in the body, no authentication", exchange.PublicClient())
			Expect(x).To(HaveOAuthErrorWithStatus([]int{400, 401}, "invalid_client", "invalid_request", "unauthorized_client").
				Because("a confidential client must authenticate (RFC 6749 §3.2.1)"))
		})
	})
}

// outcome summarises an answer for comparison: status, error code, and
// whether tokens were issued.
func outcome(x *exchange.Exchange) string { return answered(x) }

// grantSupported is expectGrant for the rows of the other grants: whether
// the grant is expected to be supported, and what said so.
func grantSupported(ctx context.Context, grant string) (bool, string) {
	GinkgoHelper()
	e := expectGrant(ctx, grant)
	return e.supported, e.from
}

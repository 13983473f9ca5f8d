package suites

import (
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenbench/tokenbench/internal/exchange"
)

// defineClientCredentials: the client credentials grant.
//
// https://www.rfc-editor.org/rfc/rfc6749#section-4.4
func defineClientCredentials() {
	Describe("client credentials grant", func() {
		rowIt("CC-OK", "issues an access token to an authenticated client, with a success response that holds every success row", func(ctx context.Context) {
			x := do(ctx, ccRequiredRequest())
			Expect(x).To(IssueTokens(), "grant_type=client_credentials with client authentication (RFC 6749 §4.4.3)")
			expectSuccessRows(ctx, x, checkContext(nil), false)
		})
		rowIt("CC-NO-REFRESH", "returns no refresh token for client credentials", func(ctx context.Context) {
			x := do(ctx, ccRequiredRequest())
			Expect(x).To(IssueTokens(), "the client credentials request must succeed for its response to be judged")
			Expect(x.Has("refresh_token")).To(BeFalse(), "a refresh token SHOULD NOT be included (RFC 6749 §4.4.3)")
		})
		rowIt("CC-NO-ID-TOKEN", "returns no ID token for client credentials", func(ctx context.Context) {
			x := do(ctx, ccRequiredRequest())
			Expect(x).To(IssueTokens(), "the client credentials request must succeed for its response to be judged")
			Expect(x.Has("id_token")).To(BeFalse(), "an ID token describes an end-user's authentication; client credentials have no end-user (OIDC Core §2, §3.1.3.3)")
		})
		rowIt("CC-UNAUTHENTICATED", "refuses client credentials without client authentication with invalid_client", func(ctx context.Context) {
			m := t().Profile.Auth.Missing
			x := do(ctx, ccRequiredRequest().With(exchange.Probe("client credentials without client authentication"), exchange.NoAuth()))
			Expect(x).To(HaveOAuthErrorWithStatus(m.Status, m.Errors...), "the client MUST authenticate (RFC 6749 §4.4.2)")
		})
	})
}

// ccRequest is the target's valid client credentials request, with the
// profile's scope, authenticated as the client.
func ccRequest() exchange.Spec {
	return exchange.ClientCredentialsRequest(t().TokenEndpoint, t().Auth, t().Profile.ClientCredentials.Scope)
}

// ccRequiredRequest is ccRequest, or skips the spec when the grant is not
// served (the profile's grant types, else discovery's).
func ccRequiredRequest() exchange.Spec {
	requireGrant(exchange.GrantClientCredentials)
	return ccRequest()
}

// requireGrant skips the spec when grant is not supported: the profile's
// list, else discovery's (DISC-GRANTS judges discovery).
func requireGrant(grant string) {
	if ok, from := grantSupported(grant); !ok {
		Skip(grant + " is not supported (" + from + ")")
	}
}

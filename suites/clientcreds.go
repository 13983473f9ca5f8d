package suites

import (
	"context"
	"fmt"

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
			x := do(ctx, ccRequiredRequest(ctx))
			skipUnauthorizedClient(x)
			Expect(x).To(IssueTokens(), "grant_type=client_credentials with client authentication (RFC 6749 §4.4.3)")
			expectSuccessRows(ctx, x, checkContext(nil), false)
		})
		rowIt("CC-NO-REFRESH", "returns no refresh token for client credentials", func(ctx context.Context) {
			x := ccResponse(ctx)
			Expect(x.Has("refresh_token")).To(BeFalse(), "a refresh token SHOULD NOT be included (RFC 6749 §4.4.3)")
		})
		rowIt("CC-NO-ID-TOKEN", "returns no ID token for client credentials", func(ctx context.Context) {
			x := ccResponse(ctx)
			Expect(x.Has("id_token")).To(BeFalse(), "an ID token describes an end-user's authentication; client credentials have no end-user (OIDC Core §2, §3.1.3.3)")
		})
		rowIt("CC-UNAUTHENTICATED", "refuses client credentials without client authentication with invalid_client", func(ctx context.Context) {
			m := t().Profile.Auth.Missing
			x := do(ctx, ccRequiredRequest(ctx).With(exchange.Probe("client credentials without client authentication"), exchange.NoAuth()))
			Expect(x).To(HaveOAuthErrorWithStatus(m.Status, m.Errors...), "the client MUST authenticate (RFC 6749 §4.4.2)")
		})
	})
}

// ccRequest is the target's valid client credentials request, with the
// profile's scope, authenticated as the client, with a DPoP proof when the
// target uses DPoP.
func ccRequest() exchange.Spec {
	return exchange.ClientCredentialsRequest(t().TokenEndpoint, t().Auth, t().Profile.ClientCredentials.Scope).With(exchange.WithDPoP(t().DPoP))
}

// ccRequiredRequest is ccRequest, or skips the spec when the grant is not
// served (the profile's grant types, else discovery's).
func ccRequiredRequest(ctx context.Context) exchange.Spec {
	requireGrant(ctx, exchange.GrantClientCredentials)
	return ccRequest()
}

// requireGrant skips the spec when grant is not supported: the profile's
// list, else discovery's (DISC-GRANTS judges discovery).
func requireGrant(ctx context.Context, grant string) {
	if ok, from := grantSupported(ctx, grant); !ok {
		Skip(grant + " is not supported (" + from + ")")
	}
}

// ccResponse is a successful client credentials response, or skips the
// spec (CC-OK reports a failed request).
func ccResponse(ctx context.Context) *exchange.Exchange {
	x := do(ctx, ccRequiredRequest(ctx))
	if !issuedTokens(x) {
		Skip(fmt.Sprintf("the client credentials request got %d %s, no token to judge (CC-OK reports it)", x.Status(), x.OAuthError()))
	}
	return x
}

// skipUnauthorizedClient skips the spec when the provider supports the
// grant but not for this client (RFC 6749 §5.2 unauthorized_client): the
// target's client must be registered for it.
func skipUnauthorizedClient(x *exchange.Exchange) {
	if x.OAuthError() == "unauthorized_client" {
		Skip("the client is not allowed the client_credentials grant (unauthorized_client): register the target's client for it")
	}
}

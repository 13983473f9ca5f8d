package suites

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenbench/tokenbench/internal/exchange"
)

// witness shows, after a code was reused, whether a token issued from it
// is still valid. after asserts revocation and reports whether it could
// tell (false: inconclusive, with an observation saying why).
type witness struct {
	what  string
	after func(ctx context.Context) bool
}

// revokedRule is the requirement every witness checks.
const revokedRule = "the authorization server SHOULD revoke all tokens previously issued based on a reused code (RFC 6749 §4.1.2; RFC 9700 §4.2.4)"

// revocationWitnesses returns every way the target offers to see whether
// the tokens of first (a successful redemption) are revoked: userinfo and
// token introspection with the access token (each first shown to accept
// it), and the refresh grant with the refresh token. It makes the "before"
// exchanges; a witness that cannot work is recorded as an observation.
func revocationWitnesses(ctx context.Context, first *exchange.Exchange) []witness {
	GinkgoHelper()
	var ws []witness
	at, _ := first.StringMember("access_token")
	if t().UserinfoEndpoint != "" {
		before := do(ctx, present(first, at).With(exchange.Probe("userinfo before the reuse")))
		if before.Status() == http.StatusOK {
			ws = append(ws, witness{"calling userinfo with the first access token", func(ctx context.Context) bool {
				x := do(ctx, present(first, at).With(exchange.Probe("userinfo after the reuse")))
				Expect(x).To(HaveStatus(http.StatusUnauthorized).Because(revokedRule))
				return true
			}})
		} else {
			observe("userinfo answers %d for the fresh access token, so it cannot show revocation", before.Status())
		}
	}
	if u := t().IntrospectionEndpoint; u != "" {
		before := do(ctx, exchange.IntrospectionRequest(u, t().Auth, at).With(exchange.Probe("introspection before the reuse")))
		if active, ok := introspected(before); ok && active {
			ws = append(ws, witness{"introspecting the first access token", func(ctx context.Context) bool {
				x := do(ctx, exchange.IntrospectionRequest(u, t().Auth, at).With(exchange.Probe("introspection after the reuse")))
				Expect(x).To(beInactive().Because(revokedRule))
				return true
			}})
		} else {
			observe("introspection of the fresh access token: the provider %s, so it cannot show revocation", answered(before))
		}
	}
	if rt, _ := first.StringMember("refresh_token"); rt != "" {
		ws = append(ws, witness{"refreshing with the first refresh token", func(ctx context.Context) bool {
			x := do(ctx, refreshRequest(rt).With(exchange.Probe("refresh after the reuse")))
			switch x.OAuthError() {
			case "unsupported_grant_type", "unauthorized_client":
				observe("the refresh grant is not open to this client (%s), so the refresh token cannot show revocation", x.OAuthError())
				return false
			case "invalid_client":
				// A refused client says nothing of the refresh token.
				observe("the refresh request's client authentication (%s) was refused: the provider %s, so the refresh token cannot show revocation", t().Auth.Method(), answered(x))
				return false
			}
			Expect(x).To(HaveOAuthError("invalid_grant").Because(revokedRule))
			return true
		}})
	}
	return ws
}

// noWitness says why nothing can show revocation.
func noWitness(first *exchange.Exchange) string {
	s := "no userinfo endpoint (discovery or the target file), no introspection_endpoint in discovery"
	if t().UserinfoEndpoint != "" || t().IntrospectionEndpoint != "" {
		s = "neither userinfo nor introspection accepted the fresh access token"
	}
	if first.Has("refresh_token") {
		return s + ", and the refresh token is empty"
	}
	return s + ", and the first redemption issued no refresh token"
}

// introspected reads an RFC 7662 §2.2 introspection response: whether the
// token is active, and whether the answer was one (200 with a boolean
// active member).
func introspected(x *exchange.Exchange) (active, ok bool) {
	m, err := x.Members()
	if x.Status() != http.StatusOK || err != nil {
		return false, false
	}
	switch string(m["active"]) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// beInactive succeeds on an introspection response that says the token is
// not active.
//
// https://www.rfc-editor.org/rfc/rfc7662#section-2.2
func beInactive() *exchangeMatcher {
	return &exchangeMatcher{
		want: `200 with "active": false`,
		match: func(x *exchange.Exchange) bool {
			active, ok := introspected(x)
			return ok && !active
		},
	}
}

// secondClientAuthenticates skips the spec, naming the likely cause, when
// the second client cannot authenticate at all: a refusal of its
// credentials would otherwise pass as "binding enforced". With a code
// source that can vary the authorization request, the second client must
// redeem a code of its own; otherwise an unknown code must get past client
// authentication (any answer but invalid_client).
func secondClientAuthenticates(ctx context.Context, b exchange.Authenticator) {
	GinkgoHelper()
	id := b.ClientID()
	By("checking that the second client " + id + " can authenticate (" + b.Method() + ")")
	redeem := func(probe string, ms ...exchange.Mutation) *exchange.Exchange {
		ms = append([]exchange.Mutation{exchange.Probe(probe)}, ms...)
		if state.authorizer == nil {
			return do(ctx, exchange.TokenRequest(t().TokenEndpoint, b, randomCode(), t().RedirectURI, "").With(ms...))
		}
		o := state.authorizer.Defaults()
		o.ClientID = id
		c, err := state.authorizer.Authorize(ctx, o)
		if err != nil {
			Skip("no authorization code for the second client " + id + ", so its authentication cannot be proven: " + redacted(err.Error()))
		}
		return do(ctx, validAs(c, b).With(ms...))
	}
	authenticated := func(x *exchange.Exchange) bool {
		if state.authorizer != nil {
			return issuedTokens(x)
		}
		return x.Response != nil && x.Status() != http.StatusUnauthorized && x.OAuthError() != "invalid_client"
	}
	own := "redeem a code of its own"
	if state.authorizer == nil {
		own = "get past client authentication with an unknown code"
	}
	x := redeem("the second client's own authentication")
	if authenticated(x) {
		return
	}
	cause := "the provider " + answered(x)
	refused := x.Status() == http.StatusUnauthorized || x.OAuthError() == "invalid_client"
	basic, isBasic := b.(exchange.Basic)
	switch {
	case refused && isBasic && formEncodingChanges(basic.Credentials):
		raw := redeem("the second client, Basic credentials not form-urlencoded", exchange.RawBasic())
		if authenticated(raw) {
			cause += "; with its id and secret sent in Basic without form-urlencoding it got through: the likely cause is that the provider does not form-urlencode-decode Basic credentials (RFC 6749 §2.3.1; AUTH-BASIC-ENCODING reports it)"
		} else {
			cause += "; its id or secret has characters that form-urlencoding changes, and sent either way it was refused: check second_client in the target file"
		}
	case refused:
		cause += ": its credentials were refused; check second_client in the target file"
	}
	Skip(fmt.Sprintf("the second client %s cannot %s, so a refusal of client A's code would not show that codes are bound to their client: %s", id, own, cause))
}

// formEncodingChanges reports whether form-urlencoding changes the
// client's id or secret (RFC 6749 §2.3.1 matters only then).
func formEncodingChanges(c exchange.Credentials) bool {
	return url.QueryEscape(c.ID) != c.ID || url.QueryEscape(c.Secret) != c.Secret
}

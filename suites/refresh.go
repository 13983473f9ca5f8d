package suites

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenbench/tokenbench/internal/catalog"
	"github.com/tokenbench/tokenbench/internal/checks"
	"github.com/tokenbench/tokenbench/internal/codes"
	"github.com/tokenbench/tokenbench/internal/exchange"
)

// defineRefreshGrant: the refresh token grant.
//
// https://www.rfc-editor.org/rfc/rfc6749#section-6
func defineRefreshGrant() {
	Describe("refresh token grant", func() {
		rowIt("RT-ISSUED", "issues a refresh token with the code exchange where the provider documents one", func(ctx context.Context) {
			requireGrant(ctx, exchange.GrantRefreshToken)
			_, x := shared(ctx)
			rt, _ := x.StringMember("refresh_token")
			Expect(rt != "").To(BeTrue(), "no refresh_token in the code exchange's response (response.refresh_token: %s)%s", t().Profile.Response.RefreshToken, scopeHint())
			Expect(isVSChars(rt)).To(BeTrue(), "refresh_token is not a string of visible ASCII characters (RFC 6749 Appendix A.17)")
		})
		rowIt("RT-GRANT-OK", "answers a valid refresh with 200, a new access token and a success response that holds every success row", func(ctx context.Context) {
			ch := startChain(ctx)
			x := ch.refresh(ctx, "refresh")
			Expect(x).To(IssueTokens(), "a valid refresh_token grant (RFC 6749 §6)")
			expectSuccessRows(ctx, x, checkContext(ch.code), true)
		})
		rowIt("RT-ROTATION", "returns a new refresh token, different from the one presented", func(ctx context.Context) {
			ch := startChain(ctx)
			old := ch.token
			x := ch.refresh(ctx, "refresh")
			Expect(x).To(IssueTokens(), "the refresh must succeed for rotation to be seen")
			rt, _ := x.StringMember("refresh_token")
			Expect(rt != "").To(BeTrue(), "the refresh response has no refresh_token: not rotated (RFC 9700 §4.14.2)")
			Expect(rt != old).To(BeTrue(), "the refresh response repeats the presented refresh token: not rotated (RFC 9700 §4.14.2)")
		})
		rowIt("RT-REUSE-REJECTED", "refuses a refresh token that was already rotated away with invalid_grant", func(ctx context.Context) {
			ch := startChain(ctx)
			old := ch.rotate(ctx)
			By("presenting the rotated-away refresh token again")
			x := do(ctx, ch.request(old).With(exchange.Probe("reuse of the rotated-away refresh token")))
			Expect(x).To(HaveOAuthError("invalid_grant"), "a refresh token rotated away must not work again (RFC 9700 §4.14.2)")
		})
		rowIt("RT-REUSE-REVOKES-FAMILY", "revokes the newest refresh token and its access token after a rotated-away one is reused", func(ctx context.Context) {
			ch := startChain(ctx)
			old := ch.rotate(ctx)
			at, _ := ch.last.StringMember("access_token")
			userinfo := userinfoWorks(ctx, ch.last, at)
			By("presenting the rotated-away refresh token again")
			do(ctx, ch.request(old).With(exchange.Probe("reuse of the rotated-away refresh token")))
			By("refreshing with the newest refresh token")
			x := do(ctx, ch.request(ch.token).With(exchange.Probe("the newest refresh token, after the reuse")))
			Expect(x).To(HaveOAuthError("invalid_grant"), "after a rotated-away refresh token is reused, the active one should be revoked (RFC 9700 §4.14.2)")
			if userinfo {
				after := do(ctx, present(ch.last, at).With(exchange.Probe("userinfo with the newest access token, after the reuse")))
				Expect(after).To(HaveStatus(http.StatusUnauthorized), "the family's access token should be revoked with it (RFC 9700 §4.14.2)")
			}
		})
		rowIt("RT-BOUND-TO-CLIENT", "refuses a refresh token presented by another client", func(ctx context.Context) {
			b := t().SecondAuth
			if b == nil {
				Skip("no second_client in the target file")
			}
			ch := startChain(ctx)
			x := do(ctx, ch.request(ch.token).With(exchange.Probe("refresh token of client A, credentials of client B"), exchange.As(b)))
			Expect(x).To(HaveOAuthError("invalid_grant", "invalid_client"), "the refresh token was issued to another client (RFC 6749 §6, §10.4)")
		})
		rowIt("RT-SCOPE-NO-WIDEN", "refuses a refresh that asks for a scope wider than the original grant with invalid_scope, or grants no more than the original scope", func(ctx context.Context) {
			ch := startChain(ctx)
			wider := widerScope(ch.scope)
			x := do(ctx, ch.request(ch.token).With(exchange.Probe("scope "+wider), exchange.Set("scope", wider)))
			if issuedTokens(x) {
				// RFC 6749 §3.3: the server MAY ignore the requested scope,
				// and then names the scope granted.
				extra := widenedScope(x, wider, ch.scope)
				Expect(extra).To(BeEmpty(), "a refresh asking for %q was granted %q beyond the original grant %q (RFC 6749 §6; a scope member omitted means granted as requested, §5.1)",
					wider, strings.Join(extra, " "), ch.scope)
				observe("a refresh asking for %q of %q was granted the original scope: the extra scope was ignored (RFC 6749 §3.3)", wider, ch.scope)
				return
			}
			Expect(x).To(HaveOAuthError("invalid_scope"), "the requested scope must not include any scope not originally granted (RFC 6749 §6)")
		})
		rowIt("RT-SCOPE-NARROW", "records what a refresh asking for a narrower scope gets", func(ctx context.Context) {
			ch := startChain(ctx)
			granted := strings.Fields(ch.scope)
			if len(granted) < 2 {
				Skip(fmt.Sprintf("the granted scope %q has one value: there is nothing narrower to ask for", ch.scope))
			}
			narrower := granted[0]
			x := do(ctx, ch.request(ch.token).With(exchange.Probe("scope "+narrower), exchange.Set("scope", narrower)))
			if issuedTokens(x) {
				s, ok := x.StringMember("scope")
				if !ok {
					s = "(no scope member: as requested)"
				}
				observe("a refresh asking for %q of %q was granted %s", narrower, ch.scope, s)
				return
			}
			observe("a refresh asking for %q of %q got %d %s", narrower, ch.scope, x.Status(), x.OAuthError())
		})
		rowIt("RT-IDT-CONSISTENT", "returns, when a refresh carries an ID token, one with the original iss, sub, aud, azp and auth_time and a new iat", func(ctx context.Context) {
			ch := startChain(ctx)
			x := ch.refresh(ctx, "refresh")
			Expect(x).To(IssueTokens())
			cc := checkContext(ch.code)
			before, after := checks.NewEvidence(ctx, ch.first, cc), checks.NewEvidence(ctx, x, cc)
			if after.IDToken == nil && !x.Has("id_token") {
				Skip("the refresh returned no ID token (OIDC Core §12.2 allows it)")
			}
			if before.IDToken == nil {
				Skip("the code exchange returned no ID token to compare with (RESP-ID-TOKEN)")
			}
			for _, id := range []string{"IDT-JWS", "IDT-SIGNATURE"} {
				ch, _ := checks.Lookup(id)
				Expect(ch.Run(after, cc)).To(PassCheck(), "the refreshed ID token (OIDC Core §12.2)")
			}
			Expect(idTokenChanges(before.IDToken, after.IDToken)).To(BeEmpty(), "OIDC Core §12.2: the refreshed ID token keeps iss, sub, aud, azp and auth_time, and has a new iat")
		})
		rowIt("RT-EXPIRES", "refuses a refresh token used after its documented lifetime with invalid_grant", func(ctx context.Context) {
			p := t().Profile
			if p.Refresh.Lifetime == 0 {
				Skip("the refresh token lifetime is not documented: set refresh.lifetime in the profile")
			}
			wait := p.Refresh.Lifetime.D() + p.Refresh.ExpiryMargin.D()
			ch := startChain(ctx)
			if age := time.Since(ch.started); age < wait {
				By(fmt.Sprintf("waiting %s (refresh lifetime %s + margin %s)", (wait - age).Round(time.Millisecond), p.Refresh.Lifetime, p.Refresh.ExpiryMargin))
				select {
				case <-time.After(wait - age):
				case <-ctx.Done():
					Fail("interrupted while waiting for the refresh token to expire")
				}
			}
			x := do(ctx, ch.request(ch.token).With(exchange.Probe("expired refresh token")))
			Expect(x).To(HaveOAuthError("invalid_grant"), "the refresh token must expire (lifetime %s)", p.Refresh.Lifetime)
		}, Label("slow"), SpecTimeout(specTimeout+t().Profile.Refresh.Lifetime.D()+t().Profile.Refresh.ExpiryMargin.D()))
		rowIt("RT-REVOKED-ON-CODE-REUSE", "revokes the refresh tokens issued from a code that is redeemed again", func(ctx context.Context) {
			ch := startChain(ctx)
			By("redeeming the code again")
			do(ctx, valid(ch.code).With(exchange.Probe("second redemption of the code")))
			x := do(ctx, ch.request(ch.token).With(exchange.Probe("refresh token of the reused code")))
			Expect(x).To(HaveOAuthError("invalid_grant"), "tokens issued from a reused code should be revoked (RFC 6749 §4.1.2, RFC 9700 §4.2.4)")
		})
		rowIt("RT-MISSING", "rejects a refresh without refresh_token with invalid_request", func(ctx context.Context) {
			requireGrant(ctx, exchange.GrantRefreshToken)
			x := do(ctx, refreshRequest(randomCode()).With(exchange.Probe("no refresh_token"), exchange.Drop("refresh_token")))
			Expect(x).To(HaveOAuthError("invalid_request"))
		})
		rowIt("RT-UNKNOWN", "rejects a refresh token it never issued with invalid_grant", func(ctx context.Context) {
			requireGrant(ctx, exchange.GrantRefreshToken)
			x := do(ctx, refreshRequest(randomCode()).With(exchange.Probe("random refresh token")))
			Expect(x).To(HaveOAuthError("invalid_grant"))
		})
		rowIt("RT-ENTROPY", "issues refresh tokens with at least 128 bits of estimated entropy", func(ctx context.Context) {
			const n = 6
			values := make([]string, 0, n)
			for range n {
				values = append(values, startChain(ctx).token)
			}
			bits := checks.EstimateEntropyBits(values)
			By(fmt.Sprintf("estimated %.0f bits from %d refresh tokens", bits, n))
			Expect(bits).To(BeNumerically(">=", checks.DefaultMinEntropyBits), "refresh tokens must be unguessable (RFC 6749 §10.10): estimated %.0f bits from %d tokens", bits, n)
		})
	})
}

// chain is one refresh chain: a code redeemed, then its refresh tokens.
type chain struct {
	code    *codes.Code
	first   *exchange.Exchange // the code exchange
	last    *exchange.Exchange // the latest successful refresh
	token   string             // the newest refresh token
	scope   string             // the scope granted with the code
	started time.Time
}

// startChain redeems a fresh code and returns its refresh chain, or skips
// the spec when no refresh token came back (RT-ISSUED's business).
func startChain(ctx context.Context) *chain {
	requireGrant(ctx, exchange.GrantRefreshToken)
	c := fresh(ctx)
	By("redeeming a code for a refresh token")
	x := do(ctx, valid(c).With(exchange.Probe("code exchange starting a refresh chain")))
	rt, _ := x.StringMember("refresh_token")
	if !issuedTokens(x) || rt == "" {
		Skip(fmt.Sprintf("the code exchange returned no refresh token (%d %s; RT-ISSUED reports it)%s", x.Status(), x.OAuthError(), scopeHint()))
	}
	scope, ok := x.StringMember("scope")
	if !ok {
		scope = t().Scope
	}
	return &chain{code: c, first: x, token: rt, scope: scope, started: time.Now()}
}

// request is the valid refresh request for token.
func (ch *chain) request(token string) exchange.Spec { return refreshRequest(token) }

// refresh sends the valid refresh request for the newest token and follows
// the chain: a new refresh token in a success becomes the newest.
func (ch *chain) refresh(ctx context.Context, probe string) *exchange.Exchange {
	x := do(ctx, ch.request(ch.token).With(exchange.Probe(probe)))
	if issuedTokens(x) {
		ch.last = x
		if rt, _ := x.StringMember("refresh_token"); rt != "" {
			ch.token = rt
		}
	}
	return x
}

// rotate refreshes once and returns the token rotated away, or skips the
// spec when the provider did not rotate (RT-ROTATION's business).
func (ch *chain) rotate(ctx context.Context) string {
	old := ch.token
	x := ch.refresh(ctx, "refresh, rotating the token")
	Expect(x).To(IssueTokens(), "the refresh must succeed before a rotated-away token can be presented again")
	if ch.token == old {
		Skip("the refresh did not rotate the refresh token (RT-ROTATION reports it): none was rotated away")
	}
	return old
}

// refreshRequest is the target's valid refresh request for token,
// authenticated as the client, with a DPoP proof when the target uses DPoP.
func refreshRequest(token string) exchange.Spec {
	return exchange.RefreshRequest(t().TokenEndpoint, t().Auth, token, "").With(exchange.WithDPoP(t().DPoP))
}

// userinfoWorks reports whether userinfo accepts the access token at of
// token response x now (present): the precondition for seeing it revoked
// later.
func userinfoWorks(ctx context.Context, x *exchange.Exchange, at string) bool {
	if t().UserinfoEndpoint == "" || at == "" {
		return false
	}
	u := do(ctx, present(x, at).With(exchange.Probe("userinfo with the newest access token")))
	return u.Status() == http.StatusOK
}

// scopeHint says which scopes the profile needs for a refresh token when
// the target's scope lacks them.
func scopeHint() string {
	var missing []string
	for _, s := range t().Profile.Refresh.Scopes {
		if !slices.Contains(strings.Fields(t().Scope), s) {
			missing = append(missing, s)
		}
	}
	if len(missing) == 0 {
		return ""
	}
	return fmt.Sprintf("; profile %s issues refresh tokens for scope %s, which the target's scope %q lacks", t().Profile.Name, strings.Join(missing, " "), t().Scope)
}

// widenedScope returns the scope values that the successful refresh
// response x grants beyond original: its scope member's, or without one
// requested's (RFC 6749 §5.1: scope is omitted only when the grant is as
// requested).
//
// https://www.rfc-editor.org/rfc/rfc6749#section-3.3
func widenedScope(x *exchange.Exchange, requested, original string) []string {
	granted, ok := x.StringMember("scope")
	if !ok {
		granted = requested
	}
	have := strings.Fields(original)
	var extra []string
	for _, s := range strings.Fields(granted) {
		if !slices.Contains(have, s) {
			extra = append(extra, s)
		}
	}
	return extra
}

// widerScope returns scope with one more value that it lacks.
func widerScope(scope string) string {
	have := strings.Fields(scope)
	for _, s := range []string{"profile", "email", "phone", "address", "tokenbench-wider"} {
		if !slices.Contains(have, s) {
			return strings.TrimSpace(scope + " " + s)
		}
	}
	return scope + " tokenbench-wider-" + randomCode()[11:19]
}

// expectSuccessRows holds a grant's success response to the success rows
// (and, with idToken and an ID token in it, the ID token rows) that are
// MUST under the profile: the same checks as the code exchange's, not a
// copy. A row below MUST that fails is recorded as an observation.
func expectSuccessRows(ctx context.Context, x *exchange.Exchange, cc *checks.Context, idToken bool) {
	list := checks.GrantResponse(idToken && x.Has("id_token"))
	var failed []string
	for _, r := range checks.Validate(ctx, x, cc, list) {
		if !r.Failed() {
			continue
		}
		if lvl := r.Level; lvl != catalog.Must {
			observe("%s (%s on this grant's response)", redacted(r.Err.Error()), lvl)
			continue
		}
		failed = append(failed, redacted(r.Err.Error()))
	}
	Expect(failed).To(BeEmpty(), "the success response rows hold for every grant's response")
}

// idTokenChanges lists what a refreshed ID token changed that OIDC Core
// §12.2 keeps, and an iat before the original's; never a claim's value.
func idTokenChanges(before, after *checks.IDToken) []string {
	var out []string
	for _, c := range []string{"iss", "sub", "aud", "azp", "auth_time"} {
		b, bok := before.Claim(c)
		a, aok := after.Claim(c)
		switch {
		case bok != aok:
			out = append(out, fmt.Sprintf("%s is %s in the original ID token and %s in the refreshed one", c, presence(bok), presence(aok)))
		case bok && !sameJSON(a, b):
			out = append(out, c+" differs from the original ID token's")
		}
	}
	bi, _ := before.NumberClaim("iat")
	ai, ok := after.NumberClaim("iat")
	if !ok || ai < bi {
		out = append(out, "iat is missing or before the original ID token's: it must be the time the new token was issued")
	}
	return out
}

func presence(ok bool) string {
	if ok {
		return "present"
	}
	return "absent"
}

// sameJSON reports whether two JSON values decode to the same value.
func sameJSON(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return string(a) == string(b)
	}
	return reflect.DeepEqual(x, y)
}

// isVSChars reports whether s is non-empty VSCHAR (%x20-7E, RFC 6749
// Appendix A).
func isVSChars(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return s != ""
}

package suites

import (
	"context"

	. "github.com/onsi/ginkgo/v2"

	"github.com/tokenbench/tokenbench/internal/checks"
	"github.com/tokenbench/tokenbench/internal/exchange"
)

// defineResponse: the successful token response.
//
// https://www.rfc-editor.org/rfc/rfc6749#section-5.1
func defineResponse() {
	Describe("success response", func() {
		for _, r := range []struct{ id, text string }{
			{"RESP-STATUS-200", "answers a valid exchange with 200"},
			{"RESP-CONTENT-TYPE", "answers with media type application/json (parameters such as charset allowed)"},
			{"RESP-NO-STORE", "sends Cache-Control with no-store"},
			{"RESP-PRAGMA", "sends Pragma: no-cache"},
			{"RESP-ACCESS-TOKEN", "returns a non-empty access_token of visible ASCII characters"},
			{"RESP-TOKEN-TYPE", "returns token_type Bearer, compared case-insensitively"},
			{"RESP-EXPIRES-IN", "returns expires_in as a positive JSON number, the documented value where one is fixed"},
			{"RESP-EXPIRES-CONSISTENT", "returns an expires_in consistent with the ID token's exp - iat"},
			{"RESP-SCOPE", "returns scope as space-delimited tokens containing openid"},
			{"RESP-ID-TOKEN", "returns an id_token for the openid scope"},
			{"RESP-EXTRA-MEMBERS", "is judged without failing on unknown extra members"},
		} {
			rowIt(r.id, r.text, func(ctx context.Context) { checkShared(ctx, r.id) })
		}
	})
}

// defineRefresh: refresh tokens.
func defineRefresh() {
	Describe("refresh tokens", func() {
		rowIt("RESP-NO-REFRESH", "returns no refresh_token where the provider documents none", func(ctx context.Context) {
			checkShared(ctx, "RESP-NO-REFRESH")
		})
	})
}

// checkShared runs one catalogue check on the shared valid exchange.
func checkShared(ctx context.Context, id string) {
	GinkgoHelper()
	c, x := shared(ctx)
	runCheck(ctx, id, x, checkContext(c))
}

// runCheck runs the check for row id on x and asserts its result (see
// expectCheck); a failure names the probe it came from.
func runCheck(ctx context.Context, id string, x *exchange.Exchange, cc *checks.Context) {
	GinkgoHelper()
	ch, ok := checks.Lookup(id)
	if !ok {
		fail("no check for row " + id)
	}
	err := ch.Run(checks.NewEvidence(ctx, x, cc), cc)
	if err != nil && len(checks.Failures(err)) > 0 {
		err = prefixed(x.Probe, err)
	}
	expectCheck(id, err, x)
}

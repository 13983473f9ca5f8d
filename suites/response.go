package suites

import (
	"context"
	"errors"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

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
	c, x := shared(ctx)
	runCheck(ctx, id, x, checkContext(c))
}

// runCheck runs the check for row id on x: a check that does not apply
// skips the spec with its reason; failures that are only warnings (such as
// a CR in error_description) are marked so.
func runCheck(ctx context.Context, id string, x *exchange.Exchange, cc *checks.Context) {
	ch, ok := checks.Lookup(id)
	if !ok {
		Fail("no check for row " + id)
	}
	err := ch.Run(checks.NewEvidence(ctx, x, cc), cc)
	if errors.Is(err, checks.ErrNotApplicable) && len(checks.Failures(err)) == 0 {
		Skip(strings.TrimPrefix(err.Error(), string(checks.ErrNotApplicable)+": "))
	}
	expectCheck(err)
}

// expectCheck asserts that a check's error is nil, marking failures that
// are all warnings.
func expectCheck(err error) {
	if err == nil {
		return
	}
	fs := checks.Failures(err)
	warn := len(fs) > 0
	for _, f := range fs {
		warn = warn && f.Warning
	}
	if warn {
		Expect(err).To(PassCheck(), warningPrefix)
		return
	}
	Expect(err).To(PassCheck())
}

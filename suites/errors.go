package suites

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	. "github.com/onsi/ginkgo/v2"

	"github.com/tokenbench/tokenbench/internal/checks"
	"github.com/tokenbench/tokenbench/internal/exchange"
)

// defineErrors: the error response format, checked on a few negative
// probes of its own (they need no code) and on every other negative answer
// the token endpoint gave during the run. It is defined last for that.
//
// https://www.rfc-editor.org/rfc/rfc6749#section-5.2
func defineErrors() {
	Describe("error responses", func() {
		for _, r := range []struct{ id, text string }{
			{"ERR-STATUS", "answers with 400, or 401 for invalid_client"},
			{"ERR-JSON", "answers with an application/json object whose error is a string"},
			{"ERR-CODE-CHARSET", "uses registered error codes in the RFC 6749 character set"},
			{"ERR-DESCRIPTION-CHARSET", "keeps error_description in the RFC 6749 character set"},
			{"ERR-URI", "gives error_uri, when present, as a URI reference"},
			{"ERR-NO-STORE", "records whether errors carry Cache-Control: no-store too"},
			{"ERR-NO-5XX", "never answers a negative probe with a 5xx"},
		} {
			rowIt(r.id, r.text, func(ctx context.Context) { checkErrorProbes(ctx, r.id) })
		}
	})
}

// errorProbes makes the negative probes once and returns them.
func errorProbes(ctx context.Context) []*exchange.Exchange {
	state.errorsOnce.Do(func() {
		unsupported := "urn:tokenbench:params:oauth:grant-type:unsupported"
		for _, ms := range [][]exchange.Mutation{
			{exchange.Probe("unknown code")},
			{exchange.Probe("no grant_type"), exchange.Drop("grant_type")},
			{exchange.Probe("wrong client credentials"), exchange.WrongCredentials()},
			{exchange.Probe("code sent twice"), exchange.Duplicate("code")},
			{exchange.Probe("unsupported grant_type"), exchange.Set("grant_type", unsupported), exchange.Drop("code"), exchange.Drop("redirect_uri")},
		} {
			// Each probe authenticates afresh: a client assertion is used once.
			base := exchange.TokenRequest(t().TokenEndpoint, t().Auth, randomCode(), t().RedirectURI, "")
			state.errorProbes = append(state.errorProbes, t().HTTP.Do(ctx, base.With(ms...)))
		}
	})
	return state.errorProbes
}

// checkErrorProbes runs the ERR check for row id on this row's own
// negative probes and on every OAuth-shaped negative answer seen in the run
// (POST form requests; a GET's 405 or a JSON body's 415 is HTTP's answer,
// not an OAuth error response). ERR-NO-5XX looks at every answer. The own
// probes are attached as evidence, the others when they fail.
func checkErrorProbes(ctx context.Context, id string) {
	GinkgoHelper()
	ch, ok := checks.Lookup(id)
	if !ok {
		fail("no check for row " + id)
	}
	own := errorProbes(ctx)
	var (
		errs []error
		bad  []*exchange.Exchange
	)
	applied := 0
	judge := func(x *exchange.Exchange, own bool) {
		cc := checkContext(nil)
		err := ch.Run(checks.NewEvidence(ctx, x, cc), cc)
		if own || (err != nil && !errors.Is(err, checks.ErrNotApplicable)) {
			attach(x)
		}
		switch {
		case err == nil:
			applied++
		case errors.Is(err, checks.ErrNotApplicable) && len(checks.Failures(err)) == 0:
		default:
			applied++
			errs = append(errs, prefixed(x.Probe, err))
			bad = append(bad, x)
		}
	}
	for _, x := range own {
		judge(x, true)
	}
	seen := 0
	for _, x := range seenNegatives() {
		if slices.Contains(own, x) || (id != "ERR-NO-5XX" && !oauthShaped(x)) {
			continue
		}
		seen++
		judge(x, false)
	}
	By(fmt.Sprintf("judged %d own probes and %d other negative answers", len(own), seen))
	if applied == 0 {
		Skip("no negative answer gave this row anything to check")
	}
	expectCheck(id, errors.Join(errs...), bad...)
}

// oauthShaped reports whether a request was a POST with a form body, the
// shape whose errors RFC 6749 §5.2 governs.
func oauthShaped(x *exchange.Exchange) bool {
	ct := x.Request.Header.Get("Content-Type")
	return x.Request.Method == http.MethodPost && strings.HasPrefix(ct, "application/x-www-form-urlencoded")
}

// probeError names the probe a check failure came from, keeping the
// failures reachable with checks.Failures.
type probeError struct {
	probe string
	err   error
}

func (e *probeError) Error() string {
	lines := strings.Split(e.err.Error(), "\n")
	for i, l := range lines {
		lines[i] = fmt.Sprintf("[%s] %s", e.probe, l)
	}
	return strings.Join(lines, "\n")
}

func (e *probeError) Unwrap() error { return e.err }

func prefixed(probe string, err error) error { return &probeError{probe, err} }

// Package suites holds the conformance specs: Ginkgo v2 specs, one Describe
// per documented parameter or behaviour of a token endpoint, one spec (or
// table entry) per row of the requirement catalogue. They live in ordinary
// .go files so that both `tokenbench conform` and `go test ./suites` (or
// `ginkgo ./suites -- --target FILE`) run them.
//
// Every spec is labelled with its row ("TE:CODE-SINGLE-USE"), its level
// under the profile (MUST, SHOULD, INFO, SKIP) and its area
// ("area:code"); rows that wait are also labelled "slow". A failed MUST row
// fails the spec; a failed SHOULD row is recorded as a warning and an INFO
// row as an observation, both in report entries, without failing.
package suites

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/format"

	"github.com/tokenbench/tokenbench/internal/catalog"
	"github.com/tokenbench/tokenbench/internal/checks"
	"github.com/tokenbench/tokenbench/internal/codes"
	"github.com/tokenbench/tokenbench/internal/exchange"
	"github.com/tokenbench/tokenbench/internal/redact"
	"github.com/tokenbench/tokenbench/internal/target"
	"github.com/tokenbench/tokenbench/reports"
)

// Env is what the specs run against.
type Env struct {
	Target *target.Target
	Codes  codes.Source
	// Race is N for CODE-SINGLE-USE-RACE (0: the profile's, else 10).
	Race int
	// Report receives Ginkgo's report at the end of the suite.
	Report func(Report)
}

// state is the one running suite. Ginkgo's spec tree is process-global, so
// is this: Define may be called once per process.
var state *run

type run struct {
	env        *Env
	authorizer codes.Authorizer // nil when the source cannot vary requests

	successOnce sync.Once
	success     *success

	errorsOnce  sync.Once
	errorProbes []*exchange.Exchange

	mu        sync.Mutex
	negatives []*exchange.Exchange // token endpoint answers >= 400, for the ERR-* rows
	seqs      map[*exchange.Exchange]int
	// issued says a token request succeeded; refreshIssued is the first
	// success that carried a refresh token (what the run observed).
	issued        bool
	refreshIssued *exchange.Exchange

	row *rowRun // the row whose spec is running
}

// success is the shared valid exchange that RESP-* and IDT-* rows inspect.
type success struct {
	code *codes.Code
	x    *exchange.Exchange
	err  error
}

// Define registers every spec for env. It must be called once, before
// RunSpecs.
func Define(env *Env) {
	if state != nil {
		panic("suites: Define called twice")
	}
	state = &run{env: env, seqs: map[*exchange.Exchange]int{}}
	if a, ok := codes.AsAuthorizer(env.Codes); ok {
		state.authorizer = a
	}
	format.MaxLength = 20000
	RegisterFailHandler(failHandler)
	// One Ordered container runs the specs in the order defined here (Ginkgo
	// otherwise sorts them by the file and line of their containers, which
	// ran the ERR-* rows before half the others); ContinueOnFailure keeps a
	// failed row from skipping the rest.
	Describe("token endpoint "+env.Target.TokenEndpoint, Ordered, ContinueOnFailure, func() {
		defineRequest()
		defineGrantType()
		defineCode()
		defineRedirectURI()
		defineClientID()
		defineAuth()
		defineAuthMethods()
		definePKCE()
		defineResponse()
		defineRefresh()
		defineIDToken()
		defineUserinfo()
		defineDPoP()
		// After every row that uses the shared exchange's tokens: a
		// provider may revoke a whole grant (every token of the session,
		// the shared exchange's too) on a reused refresh token or code, as
		// node oidc-provider does when the codes come from one login
		// session.
		defineRefreshGrant()
		defineClientCredentials()
		defineConcurrency()
		defineDiscovery()
		defineDiscoveryGrants()
		// Last: the ERR-* rows judge every negative answer seen so far.
		defineErrors()
	})
	ReportAfterSuite("tokenbench reports", func(r Report) {
		if env.Report != nil {
			env.Report(redactReport(r))
		}
	})
}

func t() *target.Target { return state.env.Target }

// level returns a row's level under the profile and why it is skipped.
func level(id string) (catalog.Level, string) { return t().Profile.Level(id) }

// labels returns the decorators of a spec checking row id.
func labels(id string, extra ...string) Labels {
	lvl, _ := level(id)
	return labelsAt(id, lvl, extra...)
}

// labelsAt is labels with the level lvl.
func labelsAt(id string, lvl catalog.Level, extra ...string) Labels {
	row := catalog.MustLookup(id)
	return Label(append([]string{"TE:" + id, string(lvl), "area:" + string(row.Area)}, extra...)...)
}

func redactor() *redact.Redactor {
	if state == nil || state.env.Target == nil {
		return redact.New()
	}
	return t().Redactor
}

func redacted(s string) string { return redactor().String(s) }

// redactReport masks, in Ginkgo's report and every report entry in it,
// every secret the run registered by its end: the last net behind the
// redaction of each message and exchange when it was attached. Codes,
// verifiers and tokens are registered where they enter (the target's code
// source and HTTP client), so nothing here registers anything.
func redactReport(r Report) Report {
	red := redactor()
	if red == nil {
		return r
	}
	specs := slices.Clone(r.SpecReports)
	for i := range specs {
		entries := slices.Clone(specs[i].ReportEntries)
		for j, e := range entries {
			raw := e.Value.GetRawValue()
			if raw == nil {
				continue
			}
			v := reflect.New(reflect.TypeOf(raw))
			v.Elem().Set(reflect.ValueOf(raw))
			red.Walk(v.Interface())
			entries[j].Value = types.WrapEntryValue(v.Elem().Interface())
		}
		specs[i].ReportEntries = entries
	}
	r.SpecReports = specs
	red.Walk(&r)
	return r
}

// do sends s and attaches the redacted exchange to the spec.
func do(ctx context.Context, s exchange.Spec) *exchange.Exchange {
	x := t().HTTP.Do(ctx, s)
	record(x)
	return x
}

// record attaches an exchange (after the one it retried with a DPoP
// nonce) to the current spec as evidence and keeps the token endpoint's
// negative answers for the ERR-* rows.
func record(x *exchange.Exchange) {
	if x.NonceRetry != nil {
		attach(x.NonceRetry)
	}
	attach(x)
	note(x)
}

// note keeps the token endpoint's negative answers for the ERR-* rows and
// notes what the successes carried, without attaching x to the spec.
func note(x *exchange.Exchange) {
	if !isTokenEndpoint(x.Request.URL) {
		return
	}
	state.mu.Lock()
	defer state.mu.Unlock()
	switch {
	case x.Status() >= 400:
		state.negatives = append(state.negatives, x)
	case issuedTokens(x):
		state.issued = true
		if rt, _ := x.StringMember("refresh_token"); rt != "" && state.refreshIssued == nil {
			state.refreshIssued = x
		}
	}
}

// attach attaches an exchange to the current spec as evidence.
func attach(x *exchange.Exchange) {
	r := x.Redacted(redactor())
	e := reports.ExchangeEntry{
		Seq: exchangeSeq(x), Probe: r.Probe, Method: r.Request.Method, URL: r.Request.URL, Status: x.Status(),
		DurationMS: float64(x.Timings.Done.Sub(x.Timings.Sent).Microseconds()) / 1000,
		Request:    r.FormatRequest(), Response: r.FormatResponse(),
	}
	if x.Err != nil {
		e.Error = redacted(target.DescribeTransportError(x.Err))
	}
	AddReportEntry(reports.EntryExchange, e, ReportEntryVisibilityNever)
}

// exchangeSeq returns the exchange's number in the run, the same in every
// spec it is attached to: findings name the exchanges they are about by it.
func exchangeSeq(x *exchange.Exchange) int {
	state.mu.Lock()
	defer state.mu.Unlock()
	n, ok := state.seqs[x]
	if !ok {
		n = len(state.seqs) + 1
		state.seqs[x] = n
	}
	return n
}

// isTokenEndpoint reports whether a request went to the token endpoint or
// its mTLS alias.
func isTokenEndpoint(u string) bool {
	m := t().MTLSTokenEndpoint
	return strings.HasPrefix(u, t().TokenEndpoint) || (m != "" && strings.HasPrefix(u, m))
}

// seenNegatives returns the token endpoint's answers >= 400 recorded so far.
func seenNegatives() []*exchange.Exchange {
	state.mu.Lock()
	defer state.mu.Unlock()
	return append([]*exchange.Exchange(nil), state.negatives...)
}

// fresh returns a new code from the target's code source.
func fresh(ctx context.Context) *codes.Code {
	GinkgoHelper()
	c, err := state.env.Codes.Next(ctx)
	if err != nil {
		fail("no authorization code from the code source: " + err.Error())
	}
	return c
}

// authorize returns a code obtained with specific authorization request
// options, or skips the spec when the code source cannot vary the request.
func authorize(ctx context.Context, what string, edit func(o *codes.Options)) *codes.Code {
	GinkgoHelper()
	c, refused := tryAuthorize(ctx, what, edit)
	if refused != nil {
		fail("no authorization code " + what + ": " + redacted(refused.Error()))
	}
	return c
}

// tryAuthorize is authorize, but returns the authorization endpoint's
// refusal (an error redirect) instead of failing the spec.
func tryAuthorize(ctx context.Context, what string, edit func(o *codes.Options)) (*codes.Code, *codes.AuthorizeError) {
	GinkgoHelper()
	if state.authorizer == nil {
		Skip("the code source cannot make an authorization request " + what + " (use the authorize or embedded source)")
	}
	o := state.authorizer.Defaults()
	edit(&o)
	c, err := state.authorizer.Authorize(ctx, o)
	var refused *codes.AuthorizeError
	if errors.As(err, &refused) {
		return nil, refused
	}
	if err != nil {
		fail("no authorization code " + what + ": " + err.Error())
	}
	return c, nil
}

// present is the userinfo request presenting access token at from the
// token response x: with a DPoP proof carrying ath when x issued a DPoP
// token to a proof of the target's key (RFC 9449 §7.1), else as Bearer.
func present(x *exchange.Exchange, at string) exchange.Spec {
	if tt, _ := x.StringMember("token_type"); strings.EqualFold(tt, exchange.TokenTypeDPoP) && t().DPoP != nil {
		return exchange.DPoPRequest(t().UserinfoEndpoint, at, t().DPoP)
	}
	return exchange.BearerRequest(t().UserinfoEndpoint, at)
}

// valid returns the valid token request for code c: POST form with
// grant_type, code, redirect_uri (and code_verifier), authenticated with
// the client's auth_method.
func valid(c *codes.Code) exchange.Spec { return validAs(c, t().Auth) }

// probe is valid(fresh code) with mutations, sent.
func probe(ctx context.Context, name string, ms ...exchange.Mutation) *exchange.Exchange {
	GinkgoHelper()
	c := fresh(ctx)
	return do(ctx, valid(c).With(append([]exchange.Mutation{exchange.Probe(name)}, ms...)...))
}

// checkContext returns the checks' context for a response to code c.
func checkContext(c *codes.Code) *checks.Context { return t().CheckContext(c) }

// shared returns the one valid exchange the response and ID token rows
// inspect, made on first use, and attaches it to the current spec.
func shared(ctx context.Context) (*codes.Code, *exchange.Exchange) {
	GinkgoHelper()
	state.successOnce.Do(func() {
		s := &success{}
		s.code, s.err = state.env.Codes.Next(ctx)
		if s.err == nil {
			s.x = t().HTTP.Do(ctx, valid(s.code).With(exchange.Probe("valid exchange")))
		}
		state.success = s
	})
	s := state.success
	if s.err != nil {
		fail("no authorization code from the code source: " + s.err.Error())
	}
	record(s.x)
	return s.code, s.x
}

package runner

import (
	"bytes"
	"context"
	"maps"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/internal/codes"
	"github.com/tokenbench/tokenbench/internal/exchange"
	"github.com/tokenbench/tokenbench/internal/provider"
	"github.com/tokenbench/tokenbench/internal/target"
	"github.com/tokenbench/tokenbench/runner/results"
)

// countingCodes counts the codes taken from a source.
type countingCodes struct {
	codes.Source
	n atomic.Int64
}

func (c *countingCodes) Next(ctx context.Context) (*codes.Code, error) {
	c.n.Add(1)
	return c.Source.Next(ctx)
}

// grantTarget starts the reference provider serving both grants under
// profile, and opens its codes.
func grantTarget(t *testing.T, cfg provider.Config, profile string) (*target.Target, *countingCodes) {
	t.Helper()
	cfg.Grants = provider.Grants()
	if cfg.CodeTTL == 0 {
		cfg.CodeTTL = 30 * time.Second
	}
	tg, err := target.Embedded(context.Background(), cfg, target.Options{Profile: profile})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tg.Close() })
	src, err := tg.OpenCodes(target.CodeOptions{Prefetch: 4, Parallel: 1})
	if err != nil {
		t.Fatal(err)
	}
	return tg, &countingCodes{Source: src}
}

// TestGrantLoad drives the refresh_token and client_credentials grants
// against the reference provider: one worker, so that the provider's
// rotations come in a fixed order.
func TestGrantLoad(t *testing.T) {
	t.Parallel()
	const n = 300
	for _, tt := range []struct {
		name, grant, profile string
		provider             provider.Config
		probes               float64
		ok                   int64
		codes                int64 // codes taken
		chains               *results.Chains
		failures             map[string]int64 // check failures
	}{
		// 300 refreshes on one chain: each with the token the last one
		// rotated to (a rotated-away token would be refused: RT-REUSE).
		{name: "chain rotates", grant: results.GrantRefreshToken, profile: "hydra", ok: n, codes: 1,
			chains: &results.Chains{Started: 1}},
		// every refresh token expires at once: each refresh breaks its
		// chain, which the next request starts again with a code
		{name: "broken chains restart", grant: results.GrantRefreshToken, profile: "hydra", provider: provider.Config{RefreshTTL: time.Nanosecond},
			ok: 0, codes: n, chains: &results.Chains{Started: n, Restarts: map[string]int64{"invalid_grant": n - 1}}},
		// a reuse probe after every rotation: refused, the family revoked
		// (the newest token refused too), the chain started again
		{name: "reuse probes, clean", grant: results.GrantRefreshToken, profile: "hydra", probes: 1, ok: n, codes: n,
			chains: &results.Chains{Started: n, Restarts: map[string]int64{results.RestartAfterProbe: n - 1}, ReuseProbes: n, FamilyProbes: n}},
		// every 100th rotated-away token still works, and its family
		// survives: 3 of 300 probes fail each row
		{name: "reuse probes, 1 % accepted", grant: results.GrantRefreshToken, profile: "hydra", probes: 1,
			provider: provider.Config{Defects: map[string]float64{"refresh-reuse-accepted-1pct": 1}}, ok: n, codes: n - 3,
			chains: &results.Chains{Started: n - 3, Restarts: map[string]int64{results.RestartAfterProbe: n - 4}, ReuseProbes: n, ReuseAccepted: 3, FamilyProbes: n, FamilySurvived: 3}},
		// a profile without required family revocation: no family probe,
		// the chain started afresh after each probe
		{name: "reuse probes, revocation optional", grant: results.GrantRefreshToken, profile: "oidc", probes: 1, ok: n, codes: n,
			chains: &results.Chains{Started: n, Restarts: map[string]int64{results.RestartAfterProbe: n - 1}, ReuseProbes: n}},
		// the refresh response is validated: without Cache-Control it
		// fails RESP-NO-STORE, a MUST (and still rotates the chain)
		{name: "refresh response validated", grant: results.GrantRefreshToken, profile: "hydra", provider: provider.Config{Defects: map[string]float64{"refresh-no-store": 1}},
			ok: 0, codes: 1, chains: &results.Chains{Started: 1}, failures: map[string]int64{"RESP-NO-STORE": n}},
		{name: "client credentials with an ID token", grant: results.GrantClientCredentials, profile: "hydra", provider: provider.Config{Defects: map[string]float64{"cc-id-token": 1}},
			ok: 0, failures: map[string]int64{"CC-NO-ID-TOKEN": n}},
		{name: "client credentials take no code", grant: results.GrantClientCredentials, profile: "hydra", ok: n, codes: 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tg, src := grantTarget(t, tt.provider, tt.profile)
			plan := Plan{Stages: []Stage{{Name: "closed", Requests: n}}}
			res, err := Run(context.Background(), Config{Target: tg, Codes: src, Model: Closed, Concurrency: 1, Plan: plan,
				ValidateFraction: 1, Grant: tt.grant, ReuseProbes: tt.probes})
			if err != nil {
				t.Fatal(err)
			}
			s := res.Summary
			validated := tt.ok
			if tt.failures != nil {
				validated = n
			}
			if s.Requests != n || s.OK != tt.ok || s.Validated != validated || !maps.Equal(s.CheckFailures, tt.failures) && len(s.CheckFailures)+len(tt.failures) > 0 {
				t.Errorf("requests %d ok %d (want %d) validated %d, outcomes %v, check failures %v (want %v)", s.Requests, s.OK, tt.ok, s.Validated, s.Outcomes, s.CheckFailures, tt.failures)
			}
			if got := src.n.Load(); got != tt.codes {
				t.Errorf("codes taken %d, want %d", got, tt.codes)
			}
			if res.Grant != tt.grant {
				t.Errorf("grant %q, want %q", res.Grant, tt.grant)
			}
			got := res.Chains
			if got != nil {
				got.StartMS = 0 // measured
			}
			if (got == nil) != (tt.chains == nil) || got != nil && !chainsEqual(*got, *tt.chains) {
				t.Errorf("chains %+v, want %+v", got, tt.chains)
			}
		})
	}
}

func chainsEqual(a, b results.Chains) bool {
	if len(a.Restarts) != len(b.Restarts) {
		return false
	}
	for k, v := range a.Restarts {
		if b.Restarts[k] != v {
			return false
		}
	}
	return a.Started == b.Started && a.StartFailures == b.StartFailures && a.ReuseProbes == b.ReuseProbes &&
		a.ReuseAccepted == b.ReuseAccepted && a.FamilyProbes == b.FamilyProbes && a.FamilySurvived == b.FamilySurvived
}

// recordingSender keeps every exchange a run sends.
type recordingSender struct {
	sender
	mu sync.Mutex
	xs []*exchange.Exchange
}

func (r *recordingSender) DoScheduled(ctx context.Context, s exchange.Spec, at time.Time) *exchange.Exchange {
	x := r.sender.DoScheduled(ctx, s, at)
	r.mu.Lock()
	r.xs = append(r.xs, x)
	r.mu.Unlock()
	return x
}

// TestGrantTokensRegistered: every refresh token a refresh_token run
// receives, and every access token of a client_credentials run, is known
// to the run's redactor.
func TestGrantTokensRegistered(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ grant, member string }{
		{results.GrantRefreshToken, "refresh_token"},
		{results.GrantClientCredentials, "access_token"},
	} {
		t.Run(tt.grant, func(t *testing.T) {
			t.Parallel()
			tg, src := grantTarget(t, provider.Config{}, "hydra")
			e, err := newEngine(Config{Target: tg, Codes: src, Model: Closed, Concurrency: 2, Grant: tt.grant, ReuseProbes: 0.2,
				Plan: Plan{Stages: []Stage{{Name: "closed", Requests: 50}}}})
			if err != nil {
				t.Fatal(err)
			}
			rec := &recordingSender{sender: e.client}
			e.client = rec
			if _, err := e.run(context.Background()); err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, x := range rec.xs {
				v, _ := x.StringMember(tt.member)
				if v == "" || !bytes.Contains(x.Request.Body, []byte("grant_type="+tt.grant)) {
					continue
				}
				n++
				if got := tg.Redactor.String("token " + v); strings.Contains(got, v) {
					t.Fatalf("%s not registered: %q", tt.member, got)
				}
			}
			if n < 50 {
				t.Errorf("%d %s responses with a %s, want at least 50", n, tt.grant, tt.member)
			}
		})
	}
}

// TestCapacityGrant: each step of a capacity search drives the grant;
// client credentials need no code source.
func TestCapacityGrant(t *testing.T) {
	t.Parallel()
	for _, grant := range []string{results.GrantRefreshToken, results.GrantClientCredentials} {
		t.Run(grant, func(t *testing.T) {
			t.Parallel()
			tg, src := grantTarget(t, provider.Config{}, "hydra")
			cfg := CapacityConfig{Target: tg, Grant: grant, SLO: "error_rate<50%", Start: 20, Factor: 1.5, Max: 30,
				StepDuration: 300 * time.Millisecond, MinRequests: 5, Warmup: -1, ValidateFraction: 1}
			if grant == results.GrantRefreshToken {
				cfg.Codes = src
			}
			res, err := Capacity(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			if res.Grant != grant || len(res.Steps) == 0 {
				t.Fatalf("grant %q, %d steps", res.Grant, len(res.Steps))
			}
			for _, st := range res.Steps {
				r := st.Result
				if r == nil || r.Grant != grant || r.Summary.Requests == 0 || r.Summary.Validated != r.Summary.Requests || r.Summary.Errors != 0 ||
					(r.Chains != nil) != (grant == results.GrantRefreshToken) {
					t.Errorf("step %d: %+v", st.Index, r)
				}
			}
			if grant == results.GrantClientCredentials && src.n.Load() != 0 {
				t.Errorf("%d codes taken", src.n.Load())
			}
		})
	}
}

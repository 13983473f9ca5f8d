package runner

import (
	"bytes"
	"context"
	"maps"
	"reflect"
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
	return embeddedTarget(t, cfg, profile)
}

// embeddedTarget starts the reference provider under profile, and opens
// its codes.
func embeddedTarget(t *testing.T, cfg provider.Config, profile string) (*target.Target, *countingCodes) {
	t.Helper()
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
// rotations come in a fixed order. Reuse probes run beside the worker (on
// the probers), so where they run only the counts that do not depend on
// who is first are compared.
func TestGrantLoad(t *testing.T) {
	t.Parallel()
	const n = 300
	// probed checks a run with a probe drawn after every rotation: each is
	// sent or skipped; each probe takes its chain, so every request starts
	// one; family probes follow each probe where the profile requires
	// family revocation.
	probed := func(family bool, accepted func(int64) bool) func(*testing.T, *results.Chains, int64) {
		return func(t *testing.T, c *results.Chains, codes int64) {
			if c.ReuseProbes+c.ProbesSkipped != n || c.ReuseProbes < n/2 || c.Started != codes || c.StartFailures != 0 ||
				c.Restarts[results.RestartAfterProbe] > c.ReuseProbes || !accepted(c.ReuseAccepted) {
				t.Errorf("chains %+v, codes %d", c, codes)
			}
			if want := map[bool]int64{true: c.ReuseProbes}[family]; c.FamilyProbes != want || c.FamilySurvived != c.ReuseAccepted*btoi64(family) {
				t.Errorf("family probes %d survived %d, want %d and %d", c.FamilyProbes, c.FamilySurvived, want, c.ReuseAccepted*btoi64(family))
			}
		}
	}
	none := func(a int64) bool { return a == 0 }
	for _, tt := range []struct {
		name, grant, profile string
		provider             provider.Config
		probes               float64
		ok                   int64
		codes                int64 // codes taken, -1: any
		chains               *results.Chains
		probed               func(*testing.T, *results.Chains, int64)
		failures             map[string]int64 // check failures
	}{
		// 300 refreshes on one chain: each with the token the last one
		// rotated to (a rotated-away token would be refused: RT-REUSE).
		{name: "chain rotates", grant: results.GrantRefreshToken, profile: "hydra", ok: n, codes: 1,
			chains: &results.Chains{Started: 1, StartValidated: 1}},
		// every refresh token expires at once: each refresh breaks its
		// chain, which the next request starts again with a code
		{name: "broken chains restart", grant: results.GrantRefreshToken, profile: "hydra", provider: provider.Config{RefreshTTL: time.Nanosecond},
			ok: 0, codes: n, chains: &results.Chains{Started: n, StartValidated: n, Restarts: map[string]int64{"invalid_grant": n - 1}}},
		// a reuse probe after every rotation: refused, the family revoked
		// (the newest token refused too), the chain started again
		{name: "reuse probes, clean", grant: results.GrantRefreshToken, profile: "hydra", probes: 1, ok: n, codes: -1,
			probed: probed(true, none)},
		// a tenth of the rotated-away tokens still work, and their family
		// survives: about 30 of 300 probes fail each row
		{name: "reuse probes, 10 % accepted", grant: results.GrantRefreshToken, profile: "hydra", probes: 1,
			provider: provider.Config{Defects: map[string]float64{"refresh-reuse-accepted": 0.1}}, ok: n, codes: -1,
			probed: probed(true, func(a int64) bool { return a >= 5 && a <= 70 })},
		// a profile without required family revocation: no family probe,
		// the chain started afresh after each probe
		{name: "reuse probes, revocation optional", grant: results.GrantRefreshToken, profile: "oidc", probes: 1, ok: n, codes: -1,
			probed: probed(false, none)},
		// the refresh response is validated: without Cache-Control it
		// fails RESP-NO-STORE, a MUST (and still rotates the chain)
		{name: "refresh response validated", grant: results.GrantRefreshToken, profile: "hydra", provider: provider.Config{Defects: map[string]float64{"refresh-no-store": 1}},
			ok: 0, codes: 1, chains: &results.Chains{Started: 1, StartValidated: 1}, failures: map[string]int64{"RESP-NO-STORE": n}},
		// the code exchange that starts a chain is validated too, apart
		{name: "chain start validated", grant: results.GrantRefreshToken, profile: "hydra", provider: provider.Config{Defects: map[string]float64{"no-id-token": 1}},
			ok: n, codes: 1, chains: &results.Chains{Started: 1, StartValidated: 1, StartInvalid: 1, StartCheckFailures: map[string]int64{"RESP-ID-TOKEN": 1}}},
		// rotation required (hydra): a refresh that returns the presented
		// token fails RT-ROTATION, a MUST
		{name: "not rotated", grant: results.GrantRefreshToken, profile: "hydra", provider: provider.Config{Defects: map[string]float64{"refresh-not-rotated": 1}},
			ok: 0, codes: 1, chains: &results.Chains{Started: 1, StartValidated: 1}, failures: map[string]int64{"RT-ROTATION": n}},
		// rotation optional (oidc): the same provider passes
		{name: "not rotated, rotation optional", grant: results.GrantRefreshToken, profile: "oidc", provider: provider.Config{Defects: map[string]float64{"refresh-not-rotated": 1}},
			ok: n, codes: 1, chains: &results.Chains{Started: 1, StartValidated: 1}},
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
			if got := src.n.Load(); got != tt.codes && tt.codes >= 0 {
				t.Errorf("codes taken %d, want %d", got, tt.codes)
			}
			if res.Grant != tt.grant {
				t.Errorf("grant %q, want %q", res.Grant, tt.grant)
			}
			got := res.Chains
			if tt.probed != nil {
				tt.probed(t, got, src.n.Load())
				return
			}
			if got != nil {
				if got.StartTimeMS.Max <= 0 || got.StartTimeMS.P50 > got.StartTimeMS.Max || got.StartMS <= 0 {
					t.Errorf("start times %+v, mean %v", got.StartTimeMS, got.StartMS)
				}
				got.StartMS, got.StartTimeMS = 0, results.Percentiles{} // measured
			}
			if (got == nil) != (tt.chains == nil) || got != nil && !reflect.DeepEqual(*got, *tt.chains) {
				t.Errorf("chains %+v, want %+v", got, tt.chains)
			}
		})
	}
}

func btoi64(b bool) int64 { return int64(btoi(b)) }

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

// blockingProbes holds every reuse probe until release is closed (or 10 s
// pass: then timedOut), and closes release itself once n refresh samples
// were sent.
type blockingProbes struct {
	sender
	n        int64
	samples  atomic.Int64
	release  chan struct{}
	once     sync.Once
	timedOut atomic.Bool
}

func (b *blockingProbes) DoScheduled(ctx context.Context, s exchange.Spec, at time.Time) *exchange.Exchange {
	switch {
	case s.Probe == "load reuse probe":
		select {
		case <-b.release:
		case <-time.After(10 * time.Second):
			b.timedOut.Store(true)
		}
	case s.Probe == "load" && b.samples.Add(1) == b.n:
		defer b.once.Do(func() { close(b.release) })
	}
	return b.sender.DoScheduled(ctx, s, at)
}

// TestProbesBesideTheSchedule: reuse probes never hold up the schedule. A
// run whose every probe hangs until all its samples were sent still sends
// them, then probes.
func TestProbesBesideTheSchedule(t *testing.T) {
	t.Parallel()
	const n = 50
	for _, model := range []string{Closed, Open} {
		t.Run(model, func(t *testing.T) {
			t.Parallel()
			tg, src := grantTarget(t, provider.Config{}, "hydra")
			cfg := Config{Target: tg, Codes: src, Model: model, Concurrency: 1, MaxInFlight: 1, Grant: results.GrantRefreshToken, ReuseProbes: 1,
				Plan: Plan{Stages: []Stage{{Name: "closed", Requests: n}}}}
			if model == Open {
				cfg.Plan = Plan{Stages: []Stage{{Name: "open", From: 100, To: 100, Requests: n}}}
			}
			e, err := newEngine(cfg)
			if err != nil {
				t.Fatal(err)
			}
			b := &blockingProbes{sender: e.client, n: n, release: make(chan struct{})}
			e.client = b
			res, err := e.run(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if b.timedOut.Load() {
				t.Error("the samples waited for the probes")
			}
			if c := res.Chains; res.Summary.Requests != n || res.Summary.Errors != 0 || c.ReuseProbes+c.ProbesSkipped != n || c.ReuseProbes == 0 || res.PeakInFlight > 1 {
				t.Errorf("requests %d errors %d, peak in flight %d, chains %+v", res.Summary.Requests, res.Summary.Errors, res.PeakInFlight, c)
			}
		})
	}
}

// TestInfoRowsNotFailures: an INFO row's finding is an observation, as
// conform records it, not a check failure under load; the same finding on
// a SHOULD row is counted (a warning: the response stays ok).
func TestInfoRowsNotFailures(t *testing.T) {
	t.Parallel()
	const n = 20
	for _, tt := range []struct {
		profile  string
		failures map[string]int64
	}{
		{"oidc", nil}, // RESP-EXPIRES-CONSISTENT: INFO
		{"bankid", map[string]int64{"RESP-EXPIRES-CONSISTENT": n}}, // SHOULD
	} {
		t.Run(tt.profile, func(t *testing.T) {
			t.Parallel()
			tg, src := embeddedTarget(t, provider.Config{Defects: map[string]float64{"expires-inconsistent": 1}}, tt.profile)
			res, err := Run(context.Background(), Config{Target: tg, Codes: src, Model: Closed, Concurrency: 1, ValidateFraction: 1,
				Plan: Plan{Stages: []Stage{{Name: "closed", Requests: n}}}})
			if err != nil {
				t.Fatal(err)
			}
			if s := res.Summary; s.OK != n || s.Validated != n || !maps.Equal(s.CheckFailures, tt.failures) && len(s.CheckFailures)+len(tt.failures) > 0 {
				t.Errorf("ok %d validated %d, check failures %v, want %v", s.OK, s.Validated, s.CheckFailures, tt.failures)
			}
		})
	}
}

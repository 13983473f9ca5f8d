package runner

import (
	"context"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/internal/provider"
	"github.com/tokenbench/tokenbench/internal/target"
)

// TestLoadAuthMethods: every request of a load run carries the target's
// client authentication; with private_key_jwt each signs a fresh assertion
// (a replayed jti would be refused), validated like any other, and the
// time to authenticate is reported apart, per method. Through the load
// client (FastClient) and through net/http alike.
func TestLoadAuthMethods(t *testing.T) {
	t.Parallel()
	for _, m := range []string{provider.MethodBasic, provider.MethodPrivateKeyJWT, provider.MethodTLS} {
		t.Run(m, func(t *testing.T) {
			t.Parallel()
			tg, err := target.Embedded(context.Background(), provider.Config{CodeTTL: 30 * time.Second}, target.Options{AuthMethods: []string{m}})
			if err != nil {
				t.Fatal(err)
			}
			defer tg.Close()
			src, err := tg.OpenCodes(target.CodeOptions{Prefetch: 8, Parallel: 2})
			if err != nil {
				t.Fatal(err)
			}
			for _, run := range []struct {
				model   string
				netHTTP bool
			}{{Open, false}, {Closed, false}, {Open, true}, {Closed, true}} {
				model := run.model
				if run.netHTTP {
					model += " (net/http)"
				}
				cfg := Config{Target: tg, Codes: src, Model: run.model, Plan: mustPlan(ConstantPlan(100, 0, 40)), MaxInFlight: 8, ValidateFraction: 1, NetHTTP: run.netHTTP}
				if run.model == Closed {
					cfg.Plan, cfg.Concurrency, cfg.MaxInFlight = Plan{Stages: []Stage{{Name: "closed", Requests: 40}}}, 4, 0
				}
				res, err := Run(context.Background(), cfg)
				if err != nil {
					t.Fatal(err)
				}
				s := res.Summary
				if s.Requests != 40 || s.OK != 40 {
					t.Fatalf("%s model: requests %d ok %d outcomes %v failures %v", model, s.Requests, s.OK, s.Outcomes, s.CheckFailures)
				}
				if s.Auth == nil || s.Auth.Method != m || s.Auth.Requests != 40 || s.Auth.TimeMS.Max <= 0 || s.Auth.Signs() != (m == provider.MethodPrivateKeyJWT) {
					t.Errorf("%s model: auth %+v, want %s for 40 requests", model, s.Auth, m)
				}
				if st := res.Stages[0].Summary.Auth; st == nil || st.Requests != 40 {
					t.Errorf("%s model: the stage's auth %+v", model, st)
				}
			}
		})
	}
}

// TestPastDue: only the part of a harness wait after the intended send
// time moves it.
func TestPastDue(t *testing.T) {
	t.Parallel()
	t0 := time.Unix(1000, 0)
	ms := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }
	tests := []struct {
		intended, from, to time.Time
		want               time.Duration
	}{
		{ms(0), ms(0), ms(3), 3 * time.Millisecond}, // due at the start: all of it
		{ms(10), ms(0), ms(3), 0},                   // over before it was due
		{ms(2), ms(0), ms(5), 3 * time.Millisecond}, // the part after the intended time
		{ms(0), ms(4), ms(4), 0},                    // no wait
		{ms(0), ms(7), ms(9), 2 * time.Millisecond}, // started late
	}
	for _, tt := range tests {
		if got := pastDue(tt.intended, tt.from, tt.to); got != tt.want {
			t.Errorf("pastDue(%v, %v, %v) = %v, want %v", tt.intended.Sub(t0), tt.from.Sub(t0), tt.to.Sub(t0), got, tt.want)
		}
	}
}

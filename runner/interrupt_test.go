package runner

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/internal/provider"
	"github.com/tokenbench/tokenbench/internal/target"
	"github.com/tokenbench/tokenbench/runner/results"
)

// gatedProvider is the reference provider behind an httptest server whose
// token endpoint holds every request until release is closed; arrived
// counts them.
func gatedProvider(t *testing.T) (tg *target.Target, release chan struct{}, arrived *atomic.Int64) {
	t.Helper()
	clients := provider.DefaultClients()
	p, err := provider.New(provider.Config{Clients: clients, CodeTTL: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	release, arrived = make(chan struct{}), new(atomic.Int64)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/oauth/token" {
			arrived.Add(1)
			<-release
		}
		p.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	p.SetIssuer(srv.URL)
	f := target.ProviderFile(srv.URL, clients[0], "SECRET", time.Minute)
	tg, err = target.Resolve(context.Background(), "gated", f, target.Options{Env: func(string) string { return clients[0].Secret }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tg.Close() })
	return tg, release, arrived
}

// TestInterruptHandsOverFirst: when the run is interrupted, the result so
// far, marked interrupted, goes to OnInterrupt while requests are still in
// flight; Run waits for them and returns a result that has them.
func TestInterruptHandsOverFirst(t *testing.T) {
	t.Parallel()
	tg, release, arrived := gatedProvider(t)
	src, err := tg.OpenCodes(target.CodeOptions{Prefetch: 8, Parallel: 2})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var early *results.Load
	calls := 0
	cfg := Config{Target: tg, Codes: src, Model: Open, Plan: mustPlan(ConstantPlan(20, time.Minute, 0)), MaxInFlight: 100, Timeout: time.Minute,
		OnInterrupt: func(r *results.Load) {
			calls++
			early = r
			close(release) // the held requests may finish now, after the hand-over
		}}
	go func() {
		for arrived.Load() < 3 {
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
	}()
	final, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if calls != 1 {
		t.Fatalf("OnInterrupt called %d times", calls)
	}
	if !early.Interrupted || !final.Interrupted || early.Summary.Requests != 0 {
		t.Errorf("interrupted: early %v with %d requests (all were held), final %v", early.Interrupted, early.Summary.Requests, final.Interrupted)
	}
	if final.Summary.Requests < 3 || final.Summary.OK != final.Summary.Requests {
		t.Errorf("the final result has %d requests, %d ok: the %d held ones are missing", final.Summary.Requests, final.Summary.OK, arrived.Load())
	}
}

// TestCapacityInterruptHandsOverFirst: an interrupted capacity search
// hands over its steps so far, the running one's part included, marked
// interrupted, while that step's requests are still in flight.
func TestCapacityInterruptHandsOverFirst(t *testing.T) {
	t.Parallel()
	tg, release, arrived := gatedProvider(t)
	src, err := tg.OpenCodes(target.CodeOptions{Prefetch: 8, Parallel: 2})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var early *results.Capacity
	calls := 0
	cfg := CapacityConfig{Target: tg, Codes: src, SLO: "p99<60s", Start: 20, Max: 40, StepDuration: time.Minute, MinRequests: 1,
		Warmup: -1, Timeout: time.Minute,
		OnInterrupt: func(c *results.Capacity) {
			calls++
			early = c
			close(release)
		}}
	go func() {
		for arrived.Load() < 3 {
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
	}()
	final, err := Capacity(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if calls != 1 || early == nil {
		t.Fatalf("OnInterrupt called %d times", calls)
	}
	if !early.Interrupted || early.StopReason != results.StopInterrupted || len(early.Steps) != 1 || early.MaxSustainableStep != -1 ||
		early.Steps[0].Pass || !early.Steps[0].Result.Interrupted {
		t.Errorf("early: interrupted %v, stop %q, %d steps, max step %d", early.Interrupted, early.StopReason, len(early.Steps), early.MaxSustainableStep)
	}
	if !final.Interrupted || len(final.Steps) != 1 || final.Steps[0].Requests < 3 {
		t.Errorf("final: interrupted %v, %d steps: the held requests are missing", final.Interrupted, len(final.Steps))
	}
}

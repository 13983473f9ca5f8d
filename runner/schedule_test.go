package runner

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/internal/provider"
)

// TestSleeperNeverWakesEarly: whatever the timers do, until returns only
// once the moment has come (lateness is allowed, and measured elsewhere);
// a stop ends the wait.
func TestSleeperNeverWakesEarly(t *testing.T) {
	t.Parallel()
	sl := newSleeper(time.Now)
	defer sl.close()
	stop := make(chan struct{})
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		at := time.Now().Add(time.Duration(rng.IntN(3000)) * time.Microsecond)
		if !sl.until(at, stop) {
			t.Fatal("until reported a stop that did not happen")
		}
		if now := time.Now(); now.Before(at) {
			t.Fatalf("woke %s before the moment", at.Sub(now))
		}
	}
	close(stop)
	if sl.until(time.Now().Add(time.Hour), stop) {
		t.Error("until waited out an hour instead of seeing the stop")
	}
}

// TestSendPaths: every way of sending (the load client or net/http, the
// scheduler sleeping or spinning its last stretch) sends every scheduled
// request, validates it clean, and keeps latency from the intended time at
// or above service time.
func TestSendPaths(t *testing.T) {
	t.Parallel()
	tg, _ := embedded(t, provider.Config{Fast: true}, 0, nil)
	for _, c := range []struct {
		name     string
		netHTTP  bool
		busyWait time.Duration
	}{{"fast client, sleeping", false, 0}, {"net/http", true, 0}, {"busy wait", false, 200 * time.Microsecond}} {
		t.Run(c.name, func(t *testing.T) {
			plan := mustPlan(ConstantPlan(400, 0, 120))
			res, err := Run(context.Background(), Config{Target: tg, Codes: StaticCodes("any", tg.RedirectURI), Model: Open, Plan: plan,
				MaxInFlight: 8, ValidateFraction: 1, NetHTTP: c.netHTTP, BusyWait: c.busyWait})
			if err != nil {
				t.Fatal(err)
			}
			s := res.Summary
			if s.Requests != 120 || s.OK != 120 || s.Validated != 120 || len(s.CheckFailures) != 0 || s.Unsent != 0 {
				t.Fatalf("requests %d ok %d validated %d unsent %d failures %v outcomes %v", s.Requests, s.OK, s.Validated, s.Unsent, s.CheckFailures, s.Outcomes)
			}
			if s.LatencyMS.P50 < s.ServiceTimeMS.P50 || s.LatencyMS.Max < s.ServiceTimeMS.Max {
				t.Errorf("latency %+v below service time %+v", s.LatencyMS, s.ServiceTimeMS)
			}
		})
	}
}

// TestSendersArePooled: the open model hands requests to a pool of senders
// that grows only as far as requests overlap, not a goroutine per request.
func TestSendersArePooled(t *testing.T) {
	t.Parallel()
	tg, _ := embedded(t, provider.Config{Fast: true}, 0, nil)
	e, err := newEngine(Config{Target: tg, Codes: StaticCodes("any", tg.RedirectURI), Model: Open,
		Plan: mustPlan(ConstantPlan(2000, 0, 400)), MaxInFlight: 4})
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.Summary.Requests != 400 {
		t.Fatalf("requests %d, want 400", res.Summary.Requests)
	}
	// A sender is started only when none is idle and a pending slot is
	// free; those between finishing and asking for more can add as many
	// again, so twice the pending bound holds whatever the timing.
	if n := e.senders.Load(); n < 1 || n > int64(2*maxPending(4)) {
		t.Errorf("%d senders for 400 requests, want at least 1 and at most %d", n, 2*maxPending(4))
	}
}

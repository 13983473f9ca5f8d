package provider

import (
	"net/http"
	"sync"
	"testing"
)

// TestCodeSingleUseRace redeems one code with 10 concurrent requests: the
// clean provider answers exactly one 200, every time.
func TestCodeSingleUseRace(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	for i := range 5 {
		if n := raceCode(t, h, 10); n != 1 {
			t.Fatalf("round %d: %d successes, want exactly 1", i, n)
		}
	}
}

// TestCodeRaceDefect shows the code-race defect: concurrent redemptions of
// one code succeed more than once (tried a bounded number of times; no
// timing assertion), while a sequential reuse is still rejected.
func TestCodeRaceDefect(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withDefects(dCodeRace))
	max := 0
	for range 10 {
		if max = raceCode(t, h, 10); max > 1 {
			break
		}
	}
	if max <= 1 {
		t.Errorf("code-race: at most %d success in 10 rounds, want several", max)
	}
	code := h.code(authz{})
	h.token(treq{form: validForm(code)})
	if got := h.token(treq{form: validForm(code)}).outcome(); got != "400 invalid_grant" {
		t.Errorf("sequential reuse under code-race: %s, want 400 invalid_grant", got)
	}
}

// TestRaceRevokesWinner checks that the token of the request that won a
// race is revoked by the losers' reuse, even when they came first to the
// revocation.
func TestRaceRevokesWinner(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	code := h.code(authz{})
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		winners []string
	)
	for range 8 {
		wg.Go(func() {
			r := h.token(treq{form: validForm(code)})
			if r.status == http.StatusOK {
				mu.Lock()
				winners = append(winners, r.str("access_token"))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(winners) != 1 {
		t.Fatalf("%d winners", len(winners))
	}
	if s := h.userinfo(winners[0]).status; s != http.StatusUnauthorized {
		t.Errorf("winner's token after concurrent reuse: userinfo %d, want 401", s)
	}
}

// TestConcurrentExchanges runs many independent exchanges at once (for the
// race detector).
func TestConcurrentExchanges(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{Defects: map[string]float64{dNoKid: 0.5}})
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if got := h.exchange().outcome(); got != "200 tokens" {
				t.Errorf("exchange: %s", got)
			}
		})
	}
	wg.Wait()
}

package provider

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestStallDelay(t *testing.T) {
	t.Parallel()
	const ms = time.Millisecond
	tests := []struct {
		elapsed, hold, period, want time.Duration
	}{
		{0, 200 * ms, time.Second, 200 * ms},
		{50 * ms, 200 * ms, time.Second, 150 * ms},
		{199 * ms, 200 * ms, time.Second, 1 * ms},
		{200 * ms, 200 * ms, time.Second, 0},
		{999 * ms, 200 * ms, time.Second, 0},
		{time.Second, 200 * ms, time.Second, 200 * ms},
		{3*time.Second + 120*ms, 200 * ms, time.Second, 80 * ms},
		{500 * ms, 0, time.Second, 0},                      // no hold
		{500 * ms, 200 * ms, 0, 0},                         // no period
		{-5 * ms, 200 * ms, time.Second, 0},                // clock went back
		{300 * ms, 2 * time.Second, time.Second, 700 * ms}, // hold clipped to the period
	}
	for _, tt := range tests {
		if got := stallDelay(tt.elapsed, tt.hold, tt.period); got != tt.want {
			t.Errorf("stallDelay(%v, %v, %v) = %v, want %v", tt.elapsed, tt.hold, tt.period, got, tt.want)
		}
	}
}

func TestFastMode(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{Fast: true})
	a := h.token(treq{auth: "-", contentType: "-", body: "anything"})
	b := h.token(treq{form: validForm("not-a-code")})
	if a.status != http.StatusOK || string(a.body) != string(b.body) {
		t.Fatalf("fast: %d %s / %s, want one identical 200 body", a.status, a.body, b.body)
	}
	if a.header.Get("Cache-Control") != "no-store" || a.header.Get("Content-Type") != contentTypeJSON {
		t.Errorf("fast headers %v", a.header)
	}
	if err := h.verify(a.str("id_token")); err != nil {
		t.Errorf("fast ID token does not verify: %v", err)
	}
	if got := h.token(treq{method: http.MethodGet}).status; got != http.StatusMethodNotAllowed {
		t.Errorf("fast GET: %d, want 405", got)
	}
	if h.code(authz{}) == "" {
		t.Error("authorize does not work in fast mode")
	}
	h.clock.Advance(fastRefresh)
	c := h.token(treq{})
	if string(c.body) == string(a.body) || num(c.idToken(t).claims, "iat") != h.clock.Now().Unix() {
		t.Error("fast response not re-signed after fastRefresh")
	}
}

// TestShaping checks the load knobs with lower bounds on elapsed time only.
func TestShaping(t *testing.T) {
	t.Parallel()
	t.Run("latency", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, Config{Fast: true, Latency: 80 * time.Millisecond})
		start := time.Now()
		h.token(treq{})
		if d := time.Since(start); d < 80*time.Millisecond {
			t.Errorf("answered after %v, want at least the latency", d)
		}
	})
	t.Run("capacity", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, Config{Fast: true, Latency: 50 * time.Millisecond, Capacity: 1})
		start := time.Now()
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() { h.token(treq{}) })
		}
		wg.Wait()
		if d := time.Since(start); d < 200*time.Millisecond {
			t.Errorf("4 requests at capacity 1 took %v, want at least 4 x latency", d)
		}
	})
	t.Run("stall", func(t *testing.T) {
		t.Parallel()
		// The test clock stands at the start of a period.
		h := newHarness(t, Config{Fast: true, StallHold: 100 * time.Millisecond, StallPeriod: time.Hour})
		start := time.Now()
		h.token(treq{})
		if d := time.Since(start); d < 100*time.Millisecond {
			t.Errorf("answered after %v, want held for the stall", d)
		}
	})
	t.Run("error rate 1", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, Config{ErrorRate: 1})
		r := h.exchange()
		if got := r.outcome(); got != "503 temporarily_unavailable" || r.header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s, Cache-Control %q", got, r.header.Get("Cache-Control"))
		}
	})
	t.Run("error rate half", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, Config{Fast: true, ErrorRate: 0.5})
		seen := map[int]int{}
		for range 40 {
			seen[h.token(treq{}).status]++
		}
		if seen[200] == 0 || seen[503] == 0 {
			t.Errorf("statuses over 40 requests: %v, want both 200 and 503", seen)
		}
	})
}

func TestStart(t *testing.T) {
	t.Parallel()
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.1:0", "example.com:0", "[::]:0", "nonsense"} {
		p, err := New(Config{Key: testKey()})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Start(addr); err == nil {
			_ = p.Close()
			t.Errorf("Start(%q) succeeded, want refused", addr)
		}
	}

	p, err := New(Config{Key: testKey(), Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Errorf("Close before Start: %v", err)
	}
	base, err := p.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if !strings.HasPrefix(base, "http://127.0.0.1:") || p.Issuer() != base {
		t.Errorf("base %q, issuer %q", base, p.Issuer())
	}
	if p.fast.Load() == nil {
		t.Error("Start did not pre-build the fast response")
	}
	resp, err := newClient().Get(base + PathDiscovery)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("discovery: %d", resp.StatusCode)
	}
	if _, err := p.Start("127.0.0.1:0"); err == nil {
		t.Error("second Start succeeded")
	}
	if err := p.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if _, err := newClient().Get(base + PathDiscovery); err == nil {
		t.Error("still serving after Close")
	}
}

// TestIssuerFromHost: served by someone else's server without SetIssuer,
// the provider names itself after the Host it was reached at.
func TestIssuerFromHost(t *testing.T) {
	t.Parallel()
	p, err := New(Config{Key: testKey()})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(p.Handler())
	defer srv.Close()
	resp, err := newClient().Get(srv.URL + PathDiscovery)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := &result{body: body}
	if got := r.str("issuer"); got != srv.URL {
		t.Errorf("issuer %q, want %q", got, srv.URL)
	}
}

// newClient returns a client with its own transport (see helpers_test.go).
func newClient() *http.Client { return &http.Client{Transport: &http.Transport{}} }

package checks

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"
)

// jwksServer serves a JWKS that a test can swap, counting requests; when
// gate is set, every request waits for it to close.
type jwksServer struct {
	*httptest.Server
	hits   atomic.Int32
	body   atomic.Pointer[[]byte]
	status atomic.Int32
	gate   chan struct{}
}

func newJWKSServer(t *testing.T, set jwk.Set, gate chan struct{}) *jwksServer {
	t.Helper()
	s := &jwksServer{gate: gate}
	s.serve(t, set)
	s.status.Store(200)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		if s.gate != nil {
			<-s.gate
		}
		w.Header().Set("Content-Type", "application/jwk-set+json")
		w.WriteHeader(int(s.status.Load()))
		_, _ = w.Write(*s.body.Load())
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) serve(t *testing.T, set jwk.Set) {
	t.Helper()
	b, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	s.body.Store(&b)
}

// subset returns a public set with the keys of the given kids.
func subset(t *testing.T, kids ...string) jwk.Set {
	t.Helper()
	out := jwk.NewSet()
	for _, kid := range kids {
		k, ok := sharedKeys().set.LookupKeyID(kid)
		if !ok {
			t.Fatalf("no key %s", kid)
		}
		_ = out.AddKey(k)
	}
	return out
}

// fakeClock is a settable clock.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestRemoteKeySetCaches(t *testing.T) {
	t.Parallel()
	srv := newJWKSServer(t, subset(t, "rsa-1", "ec-1"), nil)
	clock := &fakeClock{now: testNow}
	ks := NewRemoteKeySet(srv.URL, srv.Client(), clock.Now)
	ctx := t.Context()
	for range 5 {
		if _, err := ks.Key(ctx, "rsa-1"); err != nil {
			t.Fatal(err)
		}
		set, err := ks.Keys(ctx)
		if err != nil || set.Len() != 2 {
			t.Fatalf("Keys = %v, %v", set, err)
		}
	}
	if got := srv.hits.Load(); got != 1 {
		t.Errorf("%d fetches, want 1", got)
	}
}

func TestRemoteKeySetRefreshesOnceOnUnknownKID(t *testing.T) {
	t.Parallel()
	srv := newJWKSServer(t, subset(t, "rsa-1"), nil)
	clock := &fakeClock{now: testNow}
	ks := NewRemoteKeySet(srv.URL, srv.Client(), clock.Now, WithMinRefresh(time.Minute))
	ctx := t.Context()
	if _, err := ks.Key(ctx, "rsa-1"); err != nil {
		t.Fatal(err)
	}
	clock.Advance(2 * time.Minute)

	// The provider rotates: ec-1 appears. One refresh finds it.
	srv.serve(t, subset(t, "rsa-1", "ec-1"))
	if _, err := ks.Key(ctx, "ec-1"); err != nil {
		t.Fatalf("after rotation: %v", err)
	}
	if got := srv.hits.Load(); got != 2 {
		t.Errorf("%d fetches, want 2", got)
	}

	// A kid that stays unknown: no second fetch within the interval.
	_, err := ks.Key(ctx, "never")
	if !errors.Is(err, ErrUnknownKID) {
		t.Fatalf("got %v, want ErrUnknownKID", err)
	}
	if got := srv.hits.Load(); got != 2 {
		t.Errorf("%d fetches within the interval, want 2", got)
	}

	// After the interval, exactly one more.
	clock.Advance(time.Minute)
	if _, err := ks.Key(ctx, "never"); !errors.Is(err, ErrUnknownKID) {
		t.Fatalf("got %v, want ErrUnknownKID", err)
	}
	if _, err := ks.Key(ctx, "never"); !errors.Is(err, ErrUnknownKID) {
		t.Fatalf("got %v, want ErrUnknownKID", err)
	}
	if got := srv.hits.Load(); got != 3 {
		t.Errorf("%d fetches, want 3", got)
	}
}

func TestRemoteKeySetConcurrentCallersShareOneFetch(t *testing.T) {
	t.Parallel()
	gate := make(chan struct{})
	srv := newJWKSServer(t, subset(t, "rsa-1"), gate)
	clock := &fakeClock{now: testNow}
	ks := NewRemoteKeySet(srv.URL, srv.Client(), clock.Now)
	ctx := t.Context()

	const n = 32
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			_, err := ks.Key(ctx, "rsa-1")
			errs <- err
		})
	}
	// Wait until the one fetch has reached the server, then let it answer.
	for srv.hits.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	close(gate)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if got := srv.hits.Load(); got != 1 {
		t.Errorf("%d fetches for %d concurrent callers, want 1", got, n)
	}

	// Concurrent lookups of a new kid after the interval: one refresh.
	clock.Advance(DefaultMinRefresh)
	srv.serve(t, subset(t, "rsa-1", "rsa-2"))
	var wg2 sync.WaitGroup
	for range n {
		wg2.Go(func() {
			if _, err := ks.Key(ctx, "rsa-2"); err != nil {
				t.Error(err)
			}
		})
	}
	wg2.Wait()
	if got := srv.hits.Load(); got != 2 {
		t.Errorf("%d fetches, want 2", got)
	}
}

func TestRemoteKeySetFailures(t *testing.T) {
	t.Parallel()
	srv := newJWKSServer(t, subset(t, "rsa-1"), nil)
	srv.status.Store(503)
	clock := &fakeClock{now: testNow}
	ks := NewRemoteKeySet(srv.URL, srv.Client(), clock.Now)
	ctx := t.Context()
	if _, err := ks.Keys(ctx); !errors.Is(err, ErrJWKS) {
		t.Fatalf("got %v, want ErrJWKS", err)
	}
	// Within the interval the failure is remembered, not refetched.
	if _, err := ks.Keys(ctx); !errors.Is(err, ErrJWKS) {
		t.Fatalf("got %v, want ErrJWKS", err)
	}
	if got := srv.hits.Load(); got != 1 {
		t.Errorf("%d fetches, want 1", got)
	}
	srv.status.Store(200)
	clock.Advance(DefaultMinRefresh)
	if _, err := ks.Key(ctx, "rsa-1"); err != nil {
		t.Fatalf("after recovery: %v", err)
	}

	// A failed refresh keeps the set fetched before.
	srv.status.Store(500)
	clock.Advance(DefaultMinRefresh)
	if _, err := ks.Key(ctx, "new"); !errors.Is(err, ErrUnknownKID) || !errors.Is(err, ErrJWKS) {
		t.Errorf("got %v, want ErrUnknownKID and ErrJWKS", err)
	}
	if _, err := ks.Key(ctx, "rsa-1"); err != nil {
		t.Errorf("the stale set is gone: %v", err)
	}

	// Not a JWKS.
	bad := newJWKSServer(t, jwk.NewSet(), nil)
	b := []byte("<html>")
	bad.body.Store(&b)
	if _, err := NewRemoteKeySet(bad.URL, bad.Client(), clock.Now).Keys(ctx); !errors.Is(err, ErrJWKS) {
		t.Errorf("got %v, want ErrJWKS", err)
	}
}

func TestRemoteKeySetWaiterCancels(t *testing.T) {
	t.Parallel()
	gate := make(chan struct{})
	srv := newJWKSServer(t, subset(t, "rsa-1"), gate)
	ks := NewRemoteKeySet(srv.URL, srv.Client(), nil)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	if _, err := ks.Keys(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v, want the waiter's deadline", err)
	}
	// The fetch itself was not cancelled: it completes for later callers.
	close(gate)
	if _, err := ks.Key(t.Context(), "rsa-1"); err != nil {
		t.Fatal(err)
	}
	if got := srv.hits.Load(); got != 1 {
		t.Errorf("%d fetches, want 1", got)
	}
}

// TestRemoteKeySetInChecks: a token signed with a key the cached JWKS does
// not yet hold passes IDT-KID and IDT-SIGNATURE after one refresh.
func TestRemoteKeySetInChecks(t *testing.T) {
	t.Parallel()
	srv := newJWKSServer(t, subset(t, "rsa-1"), nil)
	clock := &fakeClock{now: testNow}
	ks := NewRemoteKeySet(srv.URL, srv.Client(), clock.Now)
	if _, err := ks.Keys(t.Context()); err != nil {
		t.Fatal(err)
	}
	clock.Advance(DefaultMinRefresh)
	srv.serve(t, subset(t, "rsa-1", "ec-1"))

	s := newScenario(t, "oidc")
	s.ctx.Keys = ks
	s.ctx.Algs = []string{"ES256"}
	s.jose = map[string]any{"alg": "ES256", "kid": "ec-1"}
	s.alg, s.key = "ES256", sharedKeys().ec
	x := s.build(t)
	for _, r := range Validate(t.Context(), x, &s.ctx, []Check{mustCheck(t, "IDT-KID"), mustCheck(t, "IDT-SIGNATURE")}) {
		assertResult(t, r, pass, s.secrets())
	}
	if got := srv.hits.Load(); got != 2 {
		t.Errorf("%d fetches, want 2", got)
	}
}

func TestStaticKeySet(t *testing.T) {
	t.Parallel()
	ks := NewStaticKeySet(sharedKeys().set)
	if k, err := ks.Key(t.Context(), "ec-1"); err != nil || k.KeyID() != "ec-1" {
		t.Errorf("Key(ec-1) = %v, %v", k, err)
	}
	if _, err := ks.Key(t.Context(), "nope"); !errors.Is(err, ErrUnknownKID) {
		t.Errorf("got %v, want ErrUnknownKID", err)
	}
	if set, err := ks.Keys(t.Context()); err != nil || set.Len() != 5 {
		t.Errorf("Keys = %v, %v", set, err)
	}
	if set, _ := NewStaticKeySet(nil).Keys(t.Context()); set.Len() != 0 {
		t.Errorf("nil set has %d keys", set.Len())
	}
}

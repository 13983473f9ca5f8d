package checks

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"
)

// KeySet is a provider's JWKS as the ID token checks see it. Implementations
// are safe for concurrent use; the returned set and keys must not be modified.
//
// https://openid.net/specs/openid-connect-core-1_0.html#RotateSigKeys
type KeySet interface {
	// Key returns the first key with the kid. A set that can refresh
	// itself does so (rate-limited) before it reports an unknown kid,
	// which wraps ErrUnknownKID.
	Key(ctx context.Context, kid string) (jwk.Key, error)
	// Keys returns the whole current set (a remote set fetches it on first
	// use); a fetch failure wraps ErrJWKS.
	Keys(ctx context.Context) (jwk.Set, error)
}

// rawKeyer is implemented by this package's key sets, which convert every
// key to its crypto public key once per set rather than once per exchange.
type rawKeyer interface {
	rawKey(k jwk.Key) (any, bool)
}

// keySnapshot is one immutable version of a key set.
type keySnapshot struct {
	set jwk.Set
	raw map[jwk.Key]any // public crypto key per JWK, when it converts
}

func newSnapshot(set jwk.Set) *keySnapshot {
	s := &keySnapshot{set: set, raw: make(map[jwk.Key]any, set.Len())}
	for i := 0; i < set.Len(); i++ {
		k, _ := set.Key(i)
		if raw, err := jwk.PublicRawKeyOf(k); err == nil {
			s.raw[k] = raw
		}
	}
	return s
}

func (s *keySnapshot) lookup(kid string) (jwk.Key, bool) { return s.set.LookupKeyID(kid) }

// staticKeySet is a fixed key set.
type staticKeySet struct{ snap *keySnapshot }

// NewStaticKeySet returns a KeySet that always answers from set; set must
// not be modified afterwards. It never refreshes: an unknown kid is an error
// at once.
func NewStaticKeySet(set jwk.Set) KeySet {
	if set == nil {
		set = jwk.NewSet()
	}
	return &staticKeySet{snap: newSnapshot(set)}
}

func (s *staticKeySet) Key(_ context.Context, kid string) (jwk.Key, error) {
	if k, ok := s.snap.lookup(kid); ok {
		return k, nil
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownKID, kid)
}

func (s *staticKeySet) Keys(context.Context) (jwk.Set, error) { return s.snap.set, nil }

func (s *staticKeySet) rawKey(k jwk.Key) (any, bool) {
	raw, ok := s.snap.raw[k]
	return raw, ok
}

// Defaults of a RemoteKeySet.
const (
	// DefaultMinRefresh is the least time between two fetches of a remote
	// JWKS triggered by unknown kids or by failures.
	DefaultMinRefresh = 10 * time.Second
	// DefaultFetchTimeout bounds one JWKS fetch.
	DefaultFetchTimeout = 30 * time.Second
	// maxJWKSBytes bounds a JWKS document.
	maxJWKSBytes = 1 << 20
)

// RemoteKeySet is a provider's jwks_uri, fetched on first use and cached. An
// unknown kid triggers one refresh, at most once per minimum interval;
// concurrent callers share one fetch, which runs detached from any single
// caller's context (each caller still stops waiting when its own context
// ends). It does not refresh on a schedule nor honour Cache-Control: a set
// changes only when a kid is missing. Safe for concurrent use.
type RemoteKeySet struct {
	url        string
	client     *http.Client
	now        func() time.Time
	minRefresh time.Duration
	timeout    time.Duration

	cur atomic.Pointer[keySnapshot] // nil until the first successful fetch

	mu          sync.Mutex // guards the fields below and starting fetches
	lastAttempt time.Time
	lastErr     error
	inflight    *fetchCall
}

type fetchCall struct {
	done chan struct{}
	snap *keySnapshot
	err  error
}

// RemoteOption configures a RemoteKeySet.
type RemoteOption func(*RemoteKeySet)

// WithMinRefresh sets the least time between two fetches (DefaultMinRefresh).
func WithMinRefresh(d time.Duration) RemoteOption {
	return func(r *RemoteKeySet) { r.minRefresh = d }
}

// NewRemoteKeySet returns a KeySet for jwksURL, fetched with client
// (http.DefaultClient when nil) and timed with now (time.Now when nil).
func NewRemoteKeySet(jwksURL string, client *http.Client, now func() time.Time, opts ...RemoteOption) *RemoteKeySet {
	if client == nil {
		client = http.DefaultClient
	}
	if now == nil {
		now = time.Now
	}
	r := &RemoteKeySet{url: jwksURL, client: client, now: now, minRefresh: DefaultMinRefresh, timeout: DefaultFetchTimeout}
	for _, o := range opts {
		o(r)
	}
	return r
}

// Keys returns the cached set, fetching it on first use.
func (r *RemoteKeySet) Keys(ctx context.Context) (jwk.Set, error) {
	s, err := r.current(ctx)
	if err != nil {
		return nil, err
	}
	return s.set, nil
}

// Key returns the first key with kid, refreshing the set once (rate-limited)
// when the kid is unknown.
func (r *RemoteKeySet) Key(ctx context.Context, kid string) (jwk.Key, error) {
	s, err := r.current(ctx)
	if err != nil {
		return nil, err
	}
	if k, ok := s.lookup(kid); ok {
		return k, nil
	}
	s, fetched, err := r.refresh(ctx, s)
	if err != nil {
		return nil, fmt.Errorf("%w %q (refresh failed: %w)", ErrUnknownKID, kid, err)
	}
	if k, ok := s.lookup(kid); ok {
		return k, nil
	}
	if !fetched {
		return nil, fmt.Errorf("%w %q (not refetched: the last fetch was less than %s ago)", ErrUnknownKID, kid, r.minRefresh)
	}
	return nil, fmt.Errorf("%w %q (also after a refresh)", ErrUnknownKID, kid)
}

func (r *RemoteKeySet) rawKey(k jwk.Key) (any, bool) {
	s := r.cur.Load()
	if s == nil {
		return nil, false
	}
	raw, ok := s.raw[k]
	return raw, ok
}

// current returns the cached snapshot or fetches the first one. After a
// failed fetch it answers with that failure until the minimum interval
// has passed.
func (r *RemoteKeySet) current(ctx context.Context) (*keySnapshot, error) {
	if s := r.cur.Load(); s != nil {
		return s, nil // the hot path: no lock
	}
	r.mu.Lock()
	if s := r.cur.Load(); s != nil {
		r.mu.Unlock()
		return s, nil
	}
	call := r.inflight
	if call == nil {
		if r.lastErr != nil && r.now().Sub(r.lastAttempt) < r.minRefresh {
			err := r.lastErr
			r.mu.Unlock()
			return nil, err
		}
		call = r.startLocked(ctx)
	}
	r.mu.Unlock()
	return wait(ctx, call)
}

// refresh returns a newer snapshot than seen: one that already exists, the
// result of a fetch in flight, or of a new fetch. Within the minimum interval
// of the last fetch it returns seen and fetched false.
func (r *RemoteKeySet) refresh(ctx context.Context, seen *keySnapshot) (s *keySnapshot, fetched bool, err error) {
	r.mu.Lock()
	if cur := r.cur.Load(); cur != nil && cur != seen {
		r.mu.Unlock()
		return cur, true, nil
	}
	call := r.inflight
	if call == nil {
		if r.now().Sub(r.lastAttempt) < r.minRefresh {
			r.mu.Unlock()
			return seen, false, nil
		}
		call = r.startLocked(ctx)
	}
	r.mu.Unlock()
	s, err = wait(ctx, call)
	if err != nil {
		return seen, true, err
	}
	return s, true, nil
}

// startLocked starts a fetch; r.mu is held.
func (r *RemoteKeySet) startLocked(ctx context.Context) *fetchCall {
	call := &fetchCall{done: make(chan struct{})}
	r.inflight = call
	r.lastAttempt = r.now()
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.timeout)
	go func() {
		defer cancel()
		snap, err := r.fetch(fctx)
		r.mu.Lock()
		r.inflight = nil
		if err == nil {
			r.cur.Store(snap)
			r.lastErr = nil
		} else {
			r.lastErr = err // a set fetched earlier stays in use
		}
		r.mu.Unlock()
		call.snap, call.err = snap, err
		close(call.done)
	}()
	return call
}

func wait(ctx context.Context, call *fetchCall) (*keySnapshot, error) {
	select {
	case <-call.done:
		return call.snap, call.err
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: waiting for the fetch: %w", ErrJWKS, ctx.Err())
	}
}

// fetch GETs the JWKS. Keys of types jwx does not know are dropped rather
// than failing the whole set.
func (r *RemoteKeySet) fetch(ctx context.Context) (*keySnapshot, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.url, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrJWKS, err)
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrJWKS, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%w: GET %s: %w", ErrJWKS, r.url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: GET %s: status %d", ErrJWKS, r.url, resp.StatusCode)
	}
	if len(body) > maxJWKSBytes {
		return nil, fmt.Errorf("%w: GET %s: document larger than %d bytes", ErrJWKS, r.url, maxJWKSBytes)
	}
	set, err := jwk.Parse(body, jwk.WithIgnoreParseError(true))
	if err != nil {
		return nil, fmt.Errorf("%w: GET %s: %w", ErrJWKS, r.url, err)
	}
	return newSnapshot(set), nil
}

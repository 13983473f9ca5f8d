package codes

import (
	"context"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// t0 is the start of every fake clock.
var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// clock is a fake clock that moves only when told (or by step at each call).
type clock struct {
	mu   sync.Mutex
	t    time.Time
	step time.Duration
}

func newClock(step time.Duration) *clock { return &clock{t: t0, step: step} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.t
	c.t = c.t.Add(c.step)
	return t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// seeded returns a deterministic random source.
func seeded(seed byte) *mrand.ChaCha8 {
	var s [32]byte
	s[0] = seed
	return mrand.NewChaCha8(s)
}

// fakeSource is a Source whose Next is scripted per call (1-based). It
// reports each call on called and fails the test if Next runs after Close.
type fakeSource struct {
	t      *testing.T
	now    func() time.Time
	script func(n int) (*Code, error) // nil: a code with Value "c<n>"
	block  func(n int) bool           // true: Next waits for its context instead

	calls    atomic.Int64
	inFlight atomic.Int64
	closed   atomic.Bool
	called   chan int
}

func newFake(t *testing.T, now func() time.Time) *fakeSource {
	return &fakeSource{t: t, now: now, called: make(chan int, 10000)}
}

func (f *fakeSource) Next(ctx context.Context) (*Code, error) {
	f.inFlight.Add(1)
	defer f.inFlight.Add(-1)
	if f.closed.Load() {
		f.t.Errorf("fakeSource.Next called after Close")
	}
	n := int(f.calls.Add(1))
	c := &Code{Value: fmt.Sprintf("c%d", n), Seq: n, ObtainedAt: f.now(), Took: time.Duration(n) * time.Millisecond}
	f.called <- n
	if f.block != nil && f.block(n) {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	if f.script != nil {
		return f.script(n)
	}
	return c, nil
}

func (f *fakeSource) Stats() Stats { return Stats{} }

func (f *fakeSource) Close() error {
	f.closed.Store(true)
	return nil
}

// waitCalls waits until the fake has been called n times in all.
func (f *fakeSource) waitCalls(t *testing.T, n int) {
	t.Helper()
	for range n {
		select {
		case <-f.called:
		case <-time.After(10 * time.Second):
			t.Fatalf("the producer made %d calls, want %d", f.calls.Load(), n)
		}
	}
}

// writeFile writes lines to a new file in a temporary directory.
func writeFile(t *testing.T, lines ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "codes.jsonl")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// mustErr fails unless err matches want (errors.Is) and its message contains
// every string in contains and none of the secrets.
func mustErr(t *testing.T, err, want error, contains []string, secrets ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one matching %v", want)
	}
	if want != nil && !errors.Is(err, want) {
		t.Errorf("error %q does not match %q", err, want)
	}
	if !strings.HasPrefix(err.Error(), "codes: ") {
		t.Errorf("error %q lacks the \"codes: \" prefix", err)
	}
	for _, s := range contains {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not contain %q", err, s)
		}
	}
	for _, s := range secrets {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error %q shows the secret %q", err, s)
		}
	}
}

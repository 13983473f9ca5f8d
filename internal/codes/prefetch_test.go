package codes

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestPrefetchKeepsDepthAhead(t *testing.T) {
	t.Parallel()
	for _, parallel := range []int{1, 3, 10} {
		t.Run(fmt.Sprintf("parallel %d", parallel), func(t *testing.T) {
			t.Parallel()
			const depth, consumed = 3, 2
			fake := newFake(t, newClock(0).Now)
			p := Prefetch(fake, depth, 0, nil, WithParallel(parallel))
			fake.waitCalls(t, depth)
			for range consumed {
				if _, err := p.Next(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			fake.waitCalls(t, consumed)
			if err := p.Close(); err != nil {
				t.Fatal(err)
			}
			// Never more than depth codes ahead: depth + consumed calls in all.
			if got, want := fake.calls.Load(), int64(depth+consumed); got != want {
				t.Errorf("the producer was called %d times, want %d", got, want)
			}
		})
	}
}

func TestPrefetchServesBufferedCodesWhileProducerIsBusy(t *testing.T) {
	t.Parallel()
	fake := newFake(t, newClock(0).Now)
	fake.block = func(n int) bool { return n > 3 } // the 4th call hangs until Close
	p := Prefetch(fake, 3, 0, nil)
	fake.waitCalls(t, 3)
	for i := 1; i <= 3; i++ {
		c, err := p.Next(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if c.Seq != i {
			t.Errorf("Seq = %d, want %d", c.Seq, i)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := p.Next(ctx)
	mustErr(t, err, context.Canceled, []string{"codes: waiting for a code"})

	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if got := fake.inFlight.Load(); got != 0 {
		t.Errorf("%d producer calls still running after Close", got)
	}
	if !fake.closed.Load() {
		t.Error("the inner source was not closed")
	}
	if got, want := fake.calls.Load(), int64(4); got != want {
		t.Errorf("calls = %d, want %d", got, want)
	}
}

func TestPrefetchDropsStaleCodes(t *testing.T) {
	t.Parallel()
	clk := newClock(0)
	fake := newFake(t, clk.Now)
	fake.script = func(n int) (*Code, error) {
		c := &Code{Value: fmt.Sprintf("c%d", n), Seq: n, ObtainedAt: clk.Now()}
		if n == 4 {
			c.ExpiresAt = clk.Now() // expired as soon as it is checked
		}
		return c, nil
	}
	p := Prefetch(fake, 2, time.Minute, clk.Now)
	defer p.Close()
	fake.waitCalls(t, 2)
	clk.Advance(2 * time.Minute) // codes 1 and 2 are now too old

	for _, want := range []int{3, 5} { // 1, 2: too old; 4: expired
		c, err := p.Next(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if c.Seq != want {
			t.Errorf("Seq = %d, want %d", c.Seq, want)
		}
	}
	if st := p.Stats(); st.Dropped != 3 || st.Used != 2 {
		t.Errorf("stats %+v, want 3 dropped, 2 used", st)
	}
}

func TestPrefetchDeliversErrors(t *testing.T) {
	t.Parallel()
	boom := errors.New("codes: boom")
	fake := newFake(t, newClock(0).Now)
	fake.script = func(n int) (*Code, error) {
		switch n {
		case 2:
			return nil, boom
		case 4:
			return nil, mark(ErrExhausted, errors.New("codes: file \"x\": all 2 codes used"))
		}
		return &Code{Value: fmt.Sprintf("c%d", n), Seq: n}, nil
	}
	p := Prefetch(fake, 5, 0, nil)
	type result struct {
		seq int
		err error
	}
	wants := []result{{1, nil}, {0, boom}, {3, nil}, {0, ErrExhausted}, {0, ErrExhausted}}
	for i, w := range wants {
		c, err := p.Next(context.Background())
		switch {
		case w.err != nil && !errors.Is(err, w.err):
			t.Errorf("Next %d: error %v, want %v", i+1, err, w.err)
		case w.err == nil && (err != nil || c.Seq != w.seq):
			t.Errorf("Next %d: %v, %v; want code %d", i+1, c, err, w.seq)
		}
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if got, want := fake.calls.Load(), int64(4); got != want {
		t.Errorf("calls = %d, want %d (none after the permanent error)", got, want)
	}
	if st := p.Stats(); st.Obtained != 2 || st.Used != 2 || st.Errors != 3 {
		t.Errorf("stats %+v, want 2 obtained, 2 used, 3 errors", st)
	}
	_, err := p.Next(context.Background())
	mustErr(t, err, ErrClosed, nil)
}

func TestPrefetchConcurrentNextEachCodeOnce(t *testing.T) {
	t.Parallel()
	const total, workers = 300, 20
	var lines []string
	for i := range total {
		lines = append(lines, fmt.Sprintf(`{"code":"c%d"}`, i))
	}
	f, err := NewFile(writeFile(t, lines...), Code{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var obtained sync.Map
	p := Prefetch(f, 16, 0, nil, WithParallel(4), WithOnObtained(func(c Code) { obtained.Store(c.Value, true) }))
	defer p.Close()

	got := make(chan string, total+workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				c, err := p.Next(context.Background())
				if err != nil {
					if !errors.Is(err, ErrExhausted) {
						t.Errorf("Next: %v, want ErrExhausted at the end", err)
					}
					return
				}
				got <- c.Value
			}
		})
	}
	wg.Wait()
	close(got)
	seen := map[string]int{}
	for v := range got {
		seen[v]++
	}
	for i := range total {
		v := fmt.Sprintf("c%d", i)
		if seen[v] != 1 {
			t.Errorf("code %s handed out %d times, want once", v, seen[v])
		}
		if _, ok := obtained.Load(v); !ok {
			t.Errorf("OnObtained not called for %s", v)
		}
	}
	if st := p.Stats(); st.Used != total || st.Obtained != total {
		t.Errorf("stats %+v, want %d used and obtained", st, total)
	}
}

func TestPrefetchCloseStopsProducers(t *testing.T) {
	t.Parallel()
	fake := newFake(t, newClock(0).Now)
	fake.block = func(int) bool { return true }
	p := Prefetch(fake, 3, 0, nil, WithParallel(3))
	fake.waitCalls(t, 3)

	waiting := make(chan error)
	go func() {
		_, err := p.Next(context.Background())
		waiting <- err
	}()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if got := fake.inFlight.Load(); got != 0 {
		t.Errorf("%d producer calls still running after Close", got)
	}
	if !fake.closed.Load() {
		t.Error("the inner source was not closed")
	}
	mustErr(t, <-waiting, ErrClosed, nil)
	_, err := p.Next(context.Background())
	mustErr(t, err, ErrClosed, nil)
	if got := fake.calls.Load(); got != 3 {
		t.Errorf("calls = %d, want 3", got)
	}
	if err := p.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestPrefetchDepthZero(t *testing.T) {
	t.Parallel()
	clk := newClock(0)
	fake := newFake(t, clk.Now)
	var mu sync.Mutex
	var took []time.Duration
	p := Prefetch(fake, 0, time.Minute, clk.Now, WithOnObtained(func(c Code) {
		mu.Lock()
		took = append(took, c.Took)
		mu.Unlock()
	}))
	if got := fake.calls.Load(); got != 0 {
		t.Errorf("calls before Next = %d, want 0", got)
	}
	for i := 1; i <= 3; i++ {
		c, err := p.Next(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if c.Seq != i {
			t.Errorf("Seq = %d, want %d", c.Seq, i)
		}
	}
	if got := fake.calls.Load(); got != 3 {
		t.Errorf("calls = %d, want 3", got)
	}
	mu.Lock()
	if len(took) != 3 || took[2] != 3*time.Millisecond {
		t.Errorf("OnObtained saw %v, want 3 durations ending in 3ms", took)
	}
	mu.Unlock()
	st := p.Stats()
	if st.Obtained != 3 || st.TookTotal != 6*time.Millisecond || st.TookMax != 3*time.Millisecond || len(st.TookRecent) != 3 {
		t.Errorf("stats %+v", st)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestAsAuthorizer(t *testing.T) {
	t.Parallel()
	a, err := NewAuthorize(AuthorizeConfig{Endpoint: "https://op.example/authorize", ClientID: "c", RedirectURI: "https://rp.example/cb"})
	if err != nil {
		t.Fatal(err)
	}
	p := Prefetch(a, 0, 0, nil)
	if got, ok := AsAuthorizer(p); !ok || got != a {
		t.Errorf("AsAuthorizer(Prefetch(authorize)) = %v, %v", got, ok)
	}
	if _, ok := AsAuthorizer(Prefetch(newFake(t, nil), 0, 0, nil)); ok {
		t.Error("AsAuthorizer found an Authorizer in a fake source")
	}
}

func TestStatsRecent(t *testing.T) {
	t.Parallel()
	var r recorder
	for i := 1; i <= RecentTook+5; i++ {
		r.obtained(time.Duration(i))
	}
	s := r.snapshot()
	if len(s.TookRecent) != RecentTook || s.TookRecent[0] != 6 || s.TookRecent[RecentTook-1] != RecentTook+5 {
		t.Errorf("TookRecent = %v, want 6..%d", s.TookRecent, RecentTook+5)
	}
	if got, want := s.TookMean(), time.Duration((RecentTook+6)/2); got != want {
		t.Errorf("TookMean = %s, want %s", got, want)
	}
}

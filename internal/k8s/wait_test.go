package k8s

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// clock is a fake clock that Sleep moves on; each sleep may run a step
// (a shard writing its result) first.
type clock struct {
	t     time.Time
	steps map[int]func() // by sleep number
	n     int
}

func (c *clock) now() time.Time { return c.t }

func (c *clock) sleep(_ context.Context, d time.Duration) error {
	c.n++
	if f := c.steps[c.n]; f != nil {
		f()
	}
	c.t = c.t.Add(d)
	return nil
}

func TestWait(t *testing.T) {
	t.Parallel()
	result := func(dir string, i int, body string) func() {
		return func() {
			p := ResultFile(dir, i)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Error(err)
			}
			if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
				t.Error(err)
			}
		}
	}
	read := func(p string) (bool, error) {
		b, err := os.ReadFile(p)
		switch s := string(b); {
		case err != nil:
			return false, err
		case s == "partial":
			return false, errors.New("not complete")
		default:
			return s == "interrupted", nil
		}
	}
	start := time.Date(2026, 12, 4, 17, 20, 0, 0, time.UTC)
	for _, tt := range []struct {
		name                string
		steps               func(dir string) map[int]func()
		done, missing, intr []int
		why                 string
		sleeps              int
	}{
		{"all arrive", func(dir string) map[int]func() {
			return map[int]func(){1: result(dir, 2, "ok"), 3: result(dir, 0, "ok"), 4: result(dir, 1, "ok")}
		}, []int{0, 1, 2}, nil, nil, "", 4},
		{"a partial file is waited out", func(dir string) map[int]func() {
			return map[int]func(){1: result(dir, 0, "ok"), 2: result(dir, 1, "ok"), 3: result(dir, 2, "partial"), 5: result(dir, 2, "ok")}
		}, []int{0, 1, 2}, nil, nil, "", 5},
		{"the deadline passes", func(dir string) map[int]func() {
			return map[int]func(){1: result(dir, 0, "ok"), 2: result(dir, 2, "ok")}
		}, []int{0, 2}, []int{1}, nil, "is over", 60},
		{"an interrupted shard ends the wait", func(dir string) map[int]func() {
			return map[int]func(){1: result(dir, 0, "ok"), 2: result(dir, 1, "interrupted")}
		}, []int{0, 1}, []int{2}, []int{1}, "a shard was interrupted 2m0s ago", 26},
	} {
		dir := t.TempDir()
		c := &clock{t: start, steps: tt.steps(dir)}
		var log bytes.Buffer
		r, err := Wait(context.Background(), WaitConfig{Dir: dir, Shards: 3, Until: start.Add(5 * time.Minute), Read: read, Log: &log, Now: c.now, Sleep: c.sleep})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(r.Done, tt.done) || !slices.Equal(r.Missing, tt.missing) || !slices.Equal(r.Interrupted, tt.intr) || !strings.Contains(r.Why, tt.why) || (tt.why == "") != (r.Why == "") || c.n != tt.sleeps {
			t.Errorf("%s: %+v after %d sleeps\n%s", tt.name, r, c.n, log.String())
		}
		if n := strings.Count(log.String(), "\n"); n != len(tt.done) {
			t.Errorf("%s: %d progress lines for %d results:\n%s", tt.name, n, len(tt.done), log.String())
		}
		if tt.missing != nil && !strings.Contains(r.MissingText(dir, 3), "(index 1, no "+ResultFile(dir, 1)+")") && !strings.Contains(r.MissingText(dir, 3), "3/3 (index 2") {
			t.Errorf("%s: missing text %q", tt.name, r.MissingText(dir, 3))
		}
	}
}

func TestWaitStopsWithTheContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Wait(ctx, WaitConfig{Dir: t.TempDir(), Shards: 2, Until: time.Now().Add(time.Hour), Read: func(string) (bool, error) { return false, nil }})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("%v, want context.Canceled", err)
	}
}

package k8s

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// WaitConfig is what Wait waits for: the load.json of every shard of a run
// under Dir, shard I+1 in Dir/I (the layout the shards' --out gives).
type WaitConfig struct {
	Dir    string
	Shards int
	// Until is when to stop waiting and let the merge go ahead with the
	// results there are (it names the missing shards).
	Until time.Time
	// Read reads a result file and says whether its run was interrupted;
	// an error means it is not a complete result (yet).
	Read func(path string) (interrupted bool, err error)
	// AfterInterrupt is how long to wait on once some result says its run
	// was interrupted (the shards' Job failed and its pods were stopped:
	// the others write theirs within their grace period). Default 2m.
	AfterInterrupt time.Duration
	Poll           time.Duration // between looks (default 5s)
	Log            io.Writer     // progress, one line per change
	Now            func() time.Time
	// Sleep waits d or until ctx ends (default: a timer).
	Sleep func(ctx context.Context, d time.Duration) error
}

// WaitResult says which shards' results are there, by 0-based index.
type WaitResult struct {
	Done, Missing []int
	Interrupted   []int
	// Why Wait stopped before every result was there: "" when all are.
	Why string
}

// ResultFile is the load.json of shard index (0-based) under dir.
func ResultFile(dir string, index int) string {
	return filepath.Join(dir, strconv.Itoa(index), "load.json")
}

// Wait polls for the results of every shard until all are complete, Until
// passes, or AfterInterrupt after a result says its run was interrupted.
// It needs no Kubernetes API: the results volume is the only thing it
// reads. Its error is ctx's, or a Dir that cannot be read.
func Wait(ctx context.Context, c WaitConfig) (WaitResult, error) {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Sleep == nil {
		c.Sleep = sleep
	}
	if c.Poll <= 0 {
		c.Poll = 5 * time.Second
	}
	if c.AfterInterrupt <= 0 {
		c.AfterInterrupt = 2 * time.Minute
	}
	if c.Log == nil {
		c.Log = io.Discard
	}
	done := make([]bool, c.Shards)
	interrupted := map[int]bool{}
	var interruptedAt time.Time
	n := 0
	for {
		for i := range done {
			if done[i] {
				continue
			}
			p := ResultFile(c.Dir, i)
			if _, err := os.Stat(p); err != nil {
				if !errors.Is(err, os.ErrNotExist) {
					return WaitResult{}, fmt.Errorf("k8s: wait: %w", err)
				}
				continue
			}
			intr, err := c.Read(p)
			if err != nil {
				continue // not complete yet
			}
			done[i], n = true, n+1
			word := "done"
			if intr {
				interrupted[i], word = true, "INTERRUPTED"
				if interruptedAt.IsZero() {
					interruptedAt = c.Now()
				}
			}
			fmt.Fprintf(c.Log, "tokenbench k8s wait: shard %d/%d %s (%s); %d of %d\n", i+1, c.Shards, word, p, n, c.Shards)
		}
		now := c.Now()
		why := ""
		switch {
		case n == c.Shards:
		case !interruptedAt.IsZero() && now.Sub(interruptedAt) >= c.AfterInterrupt:
			why = fmt.Sprintf("a shard was interrupted %s ago: the run is over", c.AfterInterrupt)
		case !now.Before(c.Until):
			why = "the time to wait for the shards (" + c.Until.UTC().Format(time.RFC3339) + ") is over"
		default:
			if err := c.Sleep(ctx, min(c.Poll, c.Until.Sub(now))); err != nil {
				return WaitResult{}, err
			}
			continue
		}
		r := WaitResult{Why: why}
		for i, ok := range done {
			switch {
			case !ok:
				r.Missing = append(r.Missing, i)
			case interrupted[i]:
				r.Interrupted = append(r.Interrupted, i)
				r.Done = append(r.Done, i)
			default:
				r.Done = append(r.Done, i)
			}
		}
		return r, nil
	}
}

// MissingText names the missing shards as I/N (1-based) with their index,
// e.g. "2/4 (index 1, no results/run/1/load.json)".
func (r WaitResult) MissingText(dir string, shards int) string {
	var out []string
	for _, i := range r.Missing {
		out = append(out, fmt.Sprintf("%d/%d (index %d, no %s)", i+1, shards, i, ResultFile(dir, i)))
	}
	return strings.Join(out, ", ")
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

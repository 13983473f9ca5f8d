package runner

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/internal/provider"
	"github.com/tokenbench/tokenbench/runner/results"
)

// A run with a start time begins no earlier than it and records it; the
// assertions hold however slow the machine is (a slow machine only makes
// the skew larger, and the skew is what the result reports).
func TestRunWaitsForStartAt(t *testing.T) {
	t.Parallel()
	tg, src := embedded(t, provider.Config{}, 8, nil)
	at := time.Now().Add(300 * time.Millisecond).Truncate(time.Millisecond)
	res, err := Run(context.Background(), Config{Target: tg, Codes: src, Model: Open, Plan: mustPlan(ConstantPlan(50, 0, 5)), MaxInFlight: 5, StartAt: at})
	if err != nil {
		t.Fatal(err)
	}
	if res.Start.Before(at) {
		t.Errorf("started %s, before the start time %s", res.Start, at)
	}
	if res.StartAt == nil || !res.StartAt.Equal(at) {
		t.Errorf("start_at %v, want %s", res.StartAt, at)
	}
	if want := res.Start.Sub(at).Seconds(); res.StartSkewS != want {
		t.Errorf("start skew %g s, want start - start_at = %g s", res.StartSkewS, want)
	}
}

// A shard that comes up after the start time starts at once and says how
// late it was, as a limit naming the start time.
func TestLateStartIsNamed(t *testing.T) {
	t.Parallel()
	tg, src := embedded(t, provider.Config{}, 8, nil)
	at := time.Now().Add(-3 * time.Second)
	began := time.Now()
	res, err := Run(context.Background(), Config{Target: tg, Codes: src, Model: Open, Plan: mustPlan(ConstantPlan(50, 0, 5)), MaxInFlight: 5, StartAt: at, Warmup: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if skew := res.Start.Add(-100 * time.Millisecond).Sub(at); res.StartSkewS != skew.Seconds() || skew < 3*time.Second || res.Start.Add(-100*time.Millisecond).Before(began) {
		t.Errorf("start skew %g s, start %s, start_at %s (the warm-up excluded), began %s", res.StartSkewS, res.Start, at, began)
	}
	var late []results.Limit
	for _, l := range res.Limits {
		if l.Kind == results.LimitLateStart {
			late = append(late, l)
		}
	}
	if len(late) != 1 || !strings.Contains(late[0].Text, at.UTC().Format(time.RFC3339)) || !strings.Contains(late[0].Text, "after the run's start time") {
		t.Errorf("late start limits %+v", late)
	}
}

func TestWaitUntilStopsWithTheContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := waitUntil(ctx, time.Now().Add(time.Hour), time.Now); !errors.Is(err, ErrNotStarted) {
		t.Errorf("cancelled: %v, want ErrNotStarted", err)
	}
	if err := waitUntil(ctx, time.Now().Add(-time.Second), time.Now); err != nil {
		t.Errorf("a time past: %v, want nil at once", err)
	}
	// a stepped clock is followed: the clock reads the time on the second look
	reads := 0
	clock := func() time.Time {
		reads++
		if reads > 1 {
			return time.Unix(2000, 0)
		}
		return time.Unix(1000, 0)
	}
	done := make(chan error, 1)
	go func() { done <- waitUntil(context.Background(), time.Unix(1000, int64(10*time.Millisecond)), clock) }()
	if err := <-done; err != nil || reads != 2 {
		t.Errorf("stepped clock: %v after %d reads", err, reads)
	}
}

func TestShardAutoAndStartAt(t *testing.T) {
	t.Parallel()
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	now := func() time.Time { return time.Date(2026, 12, 4, 17, 0, 0, 0, time.UTC) }
	base := LoadSettings{Rate: 400, Duration: 20 * time.Second, MaxInFlight: 100, Validate: "all", Timeout: time.Second, Now: now}

	s := base
	s.Shard, s.Getenv = "auto", env(map[string]string{"JOB_COMPLETION_INDEX": "2", "TOKENBENCH_SHARD_COUNT": "4"})
	s.StartAt = "2026-12-04T17:01:00Z"
	j, err := NewLoad(s)
	if err != nil {
		t.Fatal(err)
	}
	if sh := j.Config.Shard; sh == nil || sh.Index != 3 || sh.Count != 4 || j.Config.Plan.PeakRate() != 100 {
		t.Errorf("shard %+v at %g/s, want 3/4 at 100/s", sh, j.Config.Plan.PeakRate())
	}
	if !j.Config.StartAt.Equal(time.Date(2026, 12, 4, 17, 1, 0, 0, time.UTC)) {
		t.Errorf("start at %s", j.Config.StartAt)
	}

	for _, tt := range []struct {
		env     map[string]string
		startAt string
		setting string
		want    string
	}{
		{map[string]string{}, "", "Shard", "$JOB_COMPLETION_INDEX is not set"},
		{map[string]string{"JOB_COMPLETION_INDEX": "0"}, "", "Shard", "$TOKENBENCH_SHARD_COUNT is not set"},
		{map[string]string{"JOB_COMPLETION_INDEX": "x", "TOKENBENCH_SHARD_COUNT": "2"}, "", "Shard", `$JOB_COMPLETION_INDEX is "x", not a whole number`},
		{map[string]string{"JOB_COMPLETION_INDEX": "2", "TOKENBENCH_SHARD_COUNT": "2"}, "", "Shard", "indexes 0 to 1"},
		{map[string]string{"JOB_COMPLETION_INDEX": "0", "TOKENBENCH_SHARD_COUNT": "5000"}, "", "Shard", "N is not from 1 to 1000"},
		{map[string]string{"JOB_COMPLETION_INDEX": "0", "TOKENBENCH_SHARD_COUNT": "2"}, "17:01", "StartAt", `runner: start at "17:01": not an RFC 3339 time`},
		{map[string]string{"JOB_COMPLETION_INDEX": "0", "TOKENBENCH_SHARD_COUNT": "2"}, "2027-12-04T17:00:00Z", "StartAt", "ahead, more than 24h0m0s"},
	} {
		s := base
		s.Shard, s.Getenv, s.StartAt = "auto", env(tt.env), tt.startAt
		_, err := NewLoad(s)
		var se *SettingError
		if !errors.As(err, &se) || se.Setting != tt.setting || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v %q: %v, want a %s error with %q", tt.env, tt.startAt, err, tt.setting, tt.want)
		}
	}
	// a start time in the past is accepted: the run starts late and says so
	s = base
	s.StartAt = "2026-12-04T16:00:00Z"
	if _, err := NewLoad(s); err != nil {
		t.Errorf("a past start time: %v", err)
	}
}

// The closed model's workers are divided among the shards and add up.
func TestShardWorkers(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		c, n int
		want []int
	}{{16, 4, []int{4, 4, 4, 4}}, {10, 4, []int{3, 3, 2, 2}}, {4, 4, []int{1, 1, 1, 1}}, {7, 1, []int{7}}} {
		sum := 0
		for i := 1; i <= tt.n; i++ {
			got, err := ShardWorkers(tt.c, results.Shard{Index: i, Count: tt.n})
			if err != nil || got != tt.want[i-1] {
				t.Errorf("%d workers, shard %d/%d: %d, %v; want %d", tt.c, i, tt.n, got, err, tt.want[i-1])
			}
			sum += got
		}
		if sum != tt.c {
			t.Errorf("%d workers over %d shards add up to %d", tt.c, tt.n, sum)
		}
	}
	if _, err := ShardWorkers(3, results.Shard{Index: 1, Count: 4}); err == nil || !strings.Contains(err.Error(), "3 workers, fewer than the 4 shards") {
		t.Errorf("too few workers: %v", err)
	}
}

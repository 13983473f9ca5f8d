package runner

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// secs is a duration of fractional seconds, for snapshot tables.
func secs(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

func TestProgressPlainLines(t *testing.T) {
	t.Parallel()
	plan := mustStages(t, "30s@50,ramp:30s@50-200,1m@200")
	snap := func(elapsed float64, stage int, stageElapsed float64) Snapshot {
		return Snapshot{
			Elapsed: secs(elapsed), Stage: stage, StageName: plan.Stages[stage].Name,
			StageElapsed: secs(stageElapsed), StageDuration: plan.StageLength(stage),
			TargetRate: plan.RateAt(secs(elapsed)),
		}
	}
	s5 := snap(5, 0, 5)
	s5.AchievedRate, s5.InFlight, s5.Requests, s5.P50, s5.P99 = 49.8, 3, 240, 4100*time.Microsecond, 9800*time.Microsecond
	s10 := snap(10.1, 0, 10.1)
	s10.AchievedRate, s10.InFlight, s10.Requests, s10.P50, s10.P99 = 50.04, 2, 500, 4*time.Millisecond, 10*time.Millisecond
	s37 := snap(37, 1, 7)
	s37.AchievedRate, s37.InFlight, s37.Requests, s37.Errors, s37.P50, s37.P99, s37.CodeStarved = 80.04, 12, 1900, 3, 850*time.Microsecond, 12300*time.Microsecond, true
	end := snap(125.5, 2, 65.5)
	end.AchievedRate, end.Requests, end.Errors, end.P50, end.P99 = 199.6, 17250, 3, 5*time.Millisecond, 1500*time.Millisecond

	var buf bytes.Buffer
	p := NewProgress(&buf, false, plan, 0)
	for _, s := range []Snapshot{snap(0.2, 0, 0.2), snap(4.8, 0, 4.8), s5, snap(5.2, 0, 5.2), s10, snap(14.9, 0, 14.9), s37, snap(39.9, 1, 9.9)} {
		p.Update(s)
	}
	p.Done(end)
	p.Update(s5) // after Done: ignored
	p.Done(end)  // twice: ignored

	wantLines(t, buf.String(),
		"[   5s] stage 1/3 30s@50 5s/30s  rate 49.8/50/s  in flight 3  p50 4.1ms p99 9.8ms  errors 0/240",
		"[  10s] stage 1/3 30s@50 10s/30s  rate 50/50/s  in flight 2  p50 4.0ms p99 10ms  errors 0/500",
		"[  37s] stage 2/3 ramp:30s@50-200 7s/30s  rate 80/85/s  in flight 12  p50 850µs p99 12ms  errors 3/1900 (0.2%)  (code supply limits the rate)",
		"[ 125s] done: stage 3/3 1m@200 1m05s/1m00s  rate 199.6/s  in flight 0  p50 5.0ms p99 1.50s  errors 3/17250 (0.0%)",
	)
}

func TestProgressPlainWarmupAndClosed(t *testing.T) {
	t.Parallel()
	plan := Plan{Stages: []Stage{{Name: "closed", Requests: 1000}}}
	var buf bytes.Buffer
	p := NewProgress(&buf, false, plan, 16)
	warm := Snapshot{Elapsed: secs(5.1), StageName: "warm-up", StageElapsed: secs(5.1), StageDuration: 10 * time.Second,
		AchievedRate: 1490, InFlight: 16, Warmup: true}
	// The measured phase restarts the clock: Elapsed goes back.
	m1 := Snapshot{Elapsed: secs(0.2), StageName: "closed", StageElapsed: secs(0.2), AchievedRate: 1500, InFlight: 16, Requests: 300, StageRequests: 300}
	m5 := Snapshot{Elapsed: secs(5), StageName: "closed", StageElapsed: secs(5), AchievedRate: 1523.44, InFlight: 16, Requests: 450, StageRequests: 450, P50: 2 * time.Millisecond, P99: 7 * time.Millisecond}
	for _, s := range []Snapshot{warm, m1, m5} {
		p.Update(s)
	}
	final := m5
	final.Elapsed, final.InFlight, final.Requests, final.StageRequests = secs(6.5), 0, 1000, 1000
	p.Done(final)
	wantLines(t, buf.String(),
		"[   5s] warm-up 5s/10s  rate 1490/s (16 workers)  in flight 16  p50 - p99 -  errors 0/0",
		"[   5s] stage 1/1 closed 450/1000 requests  rate 1523.4/s (16 workers)  in flight 16  p50 2.0ms p99 7.0ms  errors 0/450",
		"[   6s] done: stage 1/1 closed 1000/1000 requests  rate 1523.4/s (16 workers)  in flight 0  p50 2.0ms p99 7.0ms  errors 0/1000",
	)
}

// stuckWriter blocks every write until release is closed.
type stuckWriter struct {
	release chan struct{}
	mu      sync.Mutex
	buf     bytes.Buffer
}

func (w *stuckWriter) Write(b []byte) (int, error) {
	<-w.release
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(b)
}

func TestProgressPlainNeverBlocks(t *testing.T) {
	t.Parallel()
	w := &stuckWriter{release: make(chan struct{})}
	p := NewProgress(w, false, mustStages(t, "1h@10"), 0)
	const n = 500
	for i := range n {
		p.Update(Snapshot{Elapsed: time.Duration(i+1) * 5 * time.Second, StageDuration: time.Hour}) // every one prints
	}
	close(w.release) // the updates above returned while the output was stuck
	p.Done(Snapshot{Elapsed: time.Hour})
	out := w.buf.String()
	m := regexp.MustCompile(`\((\d+) progress lines were skipped: the output was too slow\)\n$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no note of skipped lines at the end:\n%s", out)
	}
	skipped, _ := strconv.Atoi(m[1])
	printed := strings.Count(out, "\n") - 2 // the final line and the note
	if printed+skipped != n || skipped == 0 {
		t.Errorf("%d lines printed, %d skipped; want %d in all", printed, skipped, n)
	}
}

func TestProgressBars(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		plan    Plan
		workers int
		snaps   []Snapshot
		final   Snapshot
		want    []string
	}{
		{
			name: "open", plan: mustStages(t, "2s@50,ramp:2s@50-200,1m@200"),
			snaps: []Snapshot{
				{Elapsed: secs(0.5), StageName: "warm-up", StageElapsed: secs(0.5), StageDuration: time.Second, Warmup: true, TargetRate: 50},
				{Elapsed: secs(1.5), Stage: 0, StageName: "2s@50", StageElapsed: secs(0.5), StageDuration: 2 * time.Second, TargetRate: 50, AchievedRate: 49.9, Requests: 25},
				{Elapsed: secs(3.5), Stage: 1, StageName: "ramp:2s@50-200", StageElapsed: secs(0.5), StageDuration: 2 * time.Second, TargetRate: 87.5, AchievedRate: 80, Requests: 140, Errors: 2, CodeStarved: true, P50: 4 * time.Millisecond, P99: 9 * time.Millisecond},
				{Elapsed: secs(5.5), Stage: 2, StageName: "1m@200", StageElapsed: secs(0.5), StageDuration: time.Minute, TargetRate: 200, AchievedRate: 190, Requests: 400},
			},
			// Interrupted half way through the last stage.
			final: Snapshot{Elapsed: secs(30), Stage: 2, StageName: "1m@200", StageElapsed: secs(25), StageDuration: time.Minute, AchievedRate: 199, Requests: 5000, P50: 5 * time.Millisecond, P99: 11 * time.Millisecond},
			want:  []string{"warm-up", "stage 1/3 2s@50", "stage 2/3 ramp:2s@50-200", "code supply is the bottleneck", "stage 3/3 1m@200", "25s/1m00s", "rate 199/s", "p99 11ms", "errors 0/5000"},
		},
		{
			name: "closed by count", plan: Plan{Stages: []Stage{{Name: "closed", Requests: 1000}}}, workers: 8,
			snaps: []Snapshot{{Elapsed: secs(1), StageName: "closed", StageElapsed: secs(1), AchievedRate: 700, InFlight: 8, Requests: 700, StageRequests: 700}},
			final: Snapshot{Elapsed: secs(1.4), StageName: "closed", StageElapsed: secs(1.4), AchievedRate: 700, Requests: 1000, StageRequests: 1000},
			want:  []string{"stage 1/1 closed", "1000/1000 requests", "rate 700/s (8 workers)"},
		},
		{name: "done without updates", plan: mustStages(t, "1s@1"), want: []string{"stage 1/1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			p := NewProgress(&buf, true, tc.plan, tc.workers)
			for _, s := range tc.snaps {
				for range 100 { // more than the view takes in: Update must not block
					p.Update(s)
				}
				time.Sleep(20 * time.Millisecond) // let the view see each stage (not asserted on)
			}
			p.Done(tc.final)
			p.Update(tc.final)
			p.Done(tc.final)
			out := buf.String()
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("no %q in the rendering:\n%s", w, out)
				}
			}
		})
	}
}

func TestFormatting(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{
		{0, "-"}, {850 * time.Microsecond, "850µs"}, {4100 * time.Microsecond, "4.1ms"}, {9940 * time.Microsecond, "9.9ms"}, {9960 * time.Microsecond, "10ms"}, {999600 * time.Microsecond, "1.00s"},
		{123456 * time.Microsecond, "123ms"}, {1500 * time.Millisecond, "1.50s"},
	} {
		if got := fmtLatency(tt.d); got != tt.want {
			t.Errorf("fmtLatency(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{
		{-time.Second, "0s"}, {999 * time.Millisecond, "0s"}, {59 * time.Second, "59s"}, {65 * time.Second, "1m05s"}, {3723 * time.Second, "1h02m03s"},
	} {
		if got := fmtSeconds(tt.d); got != tt.want {
			t.Errorf("fmtSeconds(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

// wantLines asserts that got is the lines, each ended by a line break.
func wantLines(t *testing.T, got string, lines ...string) {
	t.Helper()
	if want := strings.Join(lines, "\n") + "\n"; got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

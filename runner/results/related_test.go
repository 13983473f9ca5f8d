package results

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestCheckOneRun: the merge check refuses results that add up but are not
// distinct shards of one run, naming the files, unless AllowUnrelated (the
// shards' own structure is refused even so).
func TestCheckOneRun(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 12, 4, 16, 0, 0, 0, time.UTC)
	cfg := RunConfig{Rate: 100, DurationS: 10, MaxInFlight: 10, Validate: "all", TimeoutS: 10}
	shard := func(i, n int, start time.Time) *Load {
		return &Load{Schema: LoadSchema, Start: start, DurationS: 10, Config: cfg, Shard: &Shard{Index: i, Count: n}, Summary: Summary{Requests: int64(500 + i)}}
	}
	plain := func(start time.Time) *Load {
		return &Load{Schema: LoadSchema, Start: start, DurationS: 10, Config: cfg, Summary: Summary{Requests: 1000}}
	}
	merged := func(parts ...*Load) *Load {
		m := &Load{Schema: LoadSchema, Start: parts[0].Start, DurationS: 10, Config: cfg}
		for _, p := range parts {
			m.MergedFrom = append(m.MergedFrom, MergedPart{Source: "m.json", Shard: p.Shard, Start: p.Start, Requests: p.Summary.Requests})
		}
		return m
	}
	otherRate := shard(2, 2, t0)
	otherRate.Config.Rate = 200
	s1 := shard(1, 2, t0)
	startAt := t0.Add(-time.Second)
	atStart := func(l *Load, at time.Time) *Load { l.StartAt = &at; return l }
	for _, tt := range []struct {
		name  string
		loads []*Load
		want  string // "" for no error
		// unrelated: the error matches ErrUnrelated (AllowUnrelated merges
		// them); otherwise it is refused even so
		unrelated bool
	}{
		{"two shards of one run", []*Load{shard(1, 2, t0), shard(2, 2, t0.Add(300*time.Millisecond))}, "", false},
		{"some shards missing", []*Load{shard(1, 3, t0), shard(3, 3, t0)}, "", false},
		{"starts a few seconds apart", []*Load{shard(1, 2, t0), shard(2, 2, t0.Add(5*time.Second))}, "", false},
		{"a merged result and the rest", []*Load{merged(shard(1, 3, t0), shard(2, 3, t0)), shard(3, 3, t0)}, "", false},
		{"one start time, a shard far late", []*Load{atStart(shard(1, 2, t0), startAt), atStart(shard(2, 2, t0.Add(time.Minute)), startAt)}, "", false},
		{"the same file twice", []*Load{s1, s1}, "shard 1/2 is given twice: a.json and b.json: the same result (started 2026-12-04T16:00:00Z, 501 requests)", false},
		{"the same unsharded file twice", []*Load{plain(t0), plain(t0)}, "a.json and b.json hold the same result (not a shard, started 2026-12-04T16:00:00Z): the same run given twice", true},
		{"a shard inside a merged result again", []*Load{merged(shard(1, 2, t0), shard(2, 2, t0)), shard(2, 2, t0)}, "shard 2/2 is given twice: m.json and b.json: the same result", false},
		{"two unsharded runs", []*Load{plain(t0), plain(t0.Add(time.Second))}, "a.json, b.json are not shards of a run split with load --shard I/N", true},
		{"a shard and an unsharded run", []*Load{shard(1, 2, t0), plain(t0)}, "mixed with results of unsharded runs (a.json is shard 1/2, b.json is not a shard)", false},
		{"different counts", []*Load{shard(1, 2, t0), shard(2, 3, t0)}, "shard 2/3 (b.json) is one of 3, but shard 1/2 (a.json) is one of 2", false},
		{"one shard of two runs", []*Load{shard(1, 2, t0), shard(1, 2, t0.Add(time.Hour))}, "shard 1/2 is given twice: a.json and b.json: shards of different runs", false},
		{"different settings", []*Load{shard(1, 2, t0), otherRate}, "a.json and b.json ran different settings (config.rate 100 and 200)", true},
		{"other start times", []*Load{atStart(shard(1, 2, t0), startAt), atStart(shard(2, 2, t0), t0)}, "shard 2/2 was to start at 2026-12-04T16:00:00Z, but shard 1/2 was to start at 2026-12-04T15:59:59Z", true},
		{"not at the same time", []*Load{shard(1, 2, t0), shard(2, 2, t0.Add(24*time.Hour))}, "a.json ended at 2026-12-04T16:00:10Z, 23h59m50s before b.json started (2026-12-05T16:00:00Z)", true},
		{"just apart, within the clock slack", []*Load{shard(1, 2, t0), shard(2, 2, t0.Add(10*time.Second+ClockSlack))}, "", false},
		{"just apart, past the clock slack", []*Load{shard(1, 2, t0), shard(2, 2, t0.Add(10*time.Second+ClockSlack+time.Millisecond))}, "shards of one run are measured at the same time", true},
	} {
		for _, allow := range []bool{false, true} {
			o := MergeOptions{Sources: []string{"a.json", "b.json"}, AllowUnrelated: allow}
			parts, _ := mergeParts(o, tt.loads)
			err := checkMergeable(o, tt.loads, parts)
			refused := tt.want != "" && !(allow && tt.unrelated)
			switch {
			case !refused && err != nil:
				t.Errorf("%s (allow %v): %v", tt.name, allow, err)
			case refused && (err == nil || !strings.Contains(err.Error(), tt.want) || errors.Is(err, ErrUnrelated) != tt.unrelated || !errors.Is(err, ErrIncompatible)):
				t.Errorf("%s (allow %v): %v, want an error saying %q (unrelated %v)", tt.name, allow, err, tt.want, tt.unrelated)
			}
		}
	}
}

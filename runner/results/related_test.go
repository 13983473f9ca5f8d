package results

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestCheckOneRun(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 12, 4, 16, 0, 0, 0, time.UTC)
	cfg := RunConfig{Rate: 100, DurationS: 10, MaxInFlight: 10, Validate: "all", TimeoutS: 10}
	shard := func(i, n int, start time.Time) *Load {
		return &Load{Start: start, DurationS: 10, Config: cfg, Shard: &Shard{Index: i, Count: n}, Summary: Summary{Requests: int64(500 + i)}}
	}
	plain := func(start time.Time) *Load {
		return &Load{Start: start, DurationS: 10, Config: cfg, Summary: Summary{Requests: 1000}}
	}
	merged := func(parts ...*Load) *Load {
		m := &Load{Start: parts[0].Start, DurationS: 10, Config: cfg}
		for _, p := range parts {
			m.MergedFrom = append(m.MergedFrom, MergedPart{Shard: p.Shard, Start: p.Start, Requests: p.Summary.Requests})
		}
		return m
	}
	otherRate := shard(2, 2, t0)
	otherRate.Config.Rate = 200
	s1 := shard(1, 2, t0)
	for _, tt := range []struct {
		name  string
		loads []*Load
		want  string // "" for no error
	}{
		{"two shards of one run", []*Load{shard(1, 2, t0), shard(2, 2, t0.Add(300*time.Millisecond))}, ""},
		{"some shards missing", []*Load{shard(1, 3, t0), shard(3, 3, t0)}, ""},
		{"starts a few seconds apart", []*Load{shard(1, 2, t0), shard(2, 2, t0.Add(5*time.Second))}, ""},
		{"a merged result and the rest", []*Load{merged(shard(1, 3, t0), shard(2, 3, t0)), shard(3, 3, t0)}, ""},
		{"the same file twice", []*Load{s1, s1}, "a.json and b.json hold the same result (shard 1/2, started 2026-12-04T16:00:00Z): the same run given twice"},
		{"the same unsharded file twice", []*Load{plain(t0), plain(t0)}, "a.json and b.json hold the same result (not a shard"},
		{"a shard inside a merged result again", []*Load{merged(shard(1, 2, t0), shard(2, 2, t0)), shard(2, 2, t0)}, "a.json and b.json hold the same result (shard 2/2"},
		{"two unsharded runs", []*Load{plain(t0), plain(t0.Add(time.Second))}, "a.json, b.json are not shards of a run split with load --shard I/N"},
		{"a shard and an unsharded run", []*Load{shard(1, 2, t0), plain(t0)}, "b.json is not a shard of a run split with load --shard I/N"},
		{"different counts", []*Load{shard(1, 2, t0), shard(2, 3, t0)}, "a.json is shard 1/2 and b.json is shard 2/3: shards of runs split differently"},
		{"one shard of two runs", []*Load{shard(1, 2, t0), shard(1, 2, t0.Add(time.Hour))}, "a.json and b.json are both shard 1/2: shards of different runs"},
		{"different settings", []*Load{shard(1, 2, t0), otherRate}, "a.json and b.json ran different settings (config.rate 100 and 200)"},
		{"not at the same time", []*Load{shard(1, 2, t0), shard(2, 2, t0.Add(24*time.Hour))}, "a.json ended at 2026-12-04T16:00:10Z, 23h59m50s before b.json started (2026-12-05T16:00:00Z)"},
		{"just apart, within the clock slack", []*Load{shard(1, 2, t0), shard(2, 2, t0.Add(10*time.Second+ClockSlack))}, ""},
		{"just apart, past the clock slack", []*Load{shard(1, 2, t0), shard(2, 2, t0.Add(10*time.Second+ClockSlack+time.Millisecond))}, "shards of one run are measured at the same time"},
	} {
		names := []string{"a.json", "b.json"}
		err := CheckOneRun(names, tt.loads)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, ErrUnrelated)):
			t.Errorf("%s: %v, want ErrUnrelated saying %q", tt.name, err, tt.want)
		}
	}
}

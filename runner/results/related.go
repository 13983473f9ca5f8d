package results

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// ErrUnrelated: results are not distinct shards of one run, so adding them
// up would describe a load no endpoint received (see CheckOneRun).
var ErrUnrelated = errors.New("not distinct shards of one run")

// ClockSlack is how far apart the measured phases of the shards of one run
// may be and still count as at the same time: the machines' clocks and
// starts differ a little.
const ClockSlack = time.Second

// CheckOneRun reports whether loads, read from the files names (one name
// a result, for messages), are distinct shards of one run: each a shard
// (load --shard I/N) of the same count, no shard twice, the same result
// not given twice, the same settings, and measured at the same time (their
// measured phases overlap, within ClockSlack). A merged result counts as
// the shards it lists.
//
// Merge refuses results that cannot be added up (other targets, models,
// profiles or stage layouts); CheckOneRun refuses results that can be added
// up but describe no one run: the same file twice, two runs that were not
// split with --shard, shards of different runs. Its error names the files
// and matches ErrUnrelated. The caller decides whether to ask it (report
// merge unless --allow-unrelated).
func CheckOneRun(names []string, loads []*Load) error {
	if len(names) != len(loads) {
		return fmt.Errorf("results: %d names for %d results", len(names), len(loads))
	}
	type part struct {
		file  string
		shard *Shard
		start time.Time
		n     int64
	}
	var parts []part
	for i, r := range loads {
		if len(r.MergedFrom) == 0 {
			parts = append(parts, part{names[i], r.Shard, r.Start, r.Summary.Requests})
		}
		for _, p := range r.MergedFrom {
			parts = append(parts, part{names[i], p.Shard, p.Start, p.Requests})
		}
	}
	unrelated := func(format string, args ...any) error {
		return fmt.Errorf("results: %s: %w", fmt.Sprintf(format, args...), ErrUnrelated)
	}
	for i, p := range parts {
		for _, q := range parts[:i] {
			if p.start.Equal(q.start) && p.n == q.n && sameShard(p.shard, q.shard) {
				return unrelated("%s and %s hold the same result (%s, started %s): the same run given twice",
					q.file, p.file, partName(q.shard), q.start.UTC().Format(time.RFC3339Nano))
			}
		}
	}
	var unsharded []string
	for _, p := range parts {
		if p.shard == nil {
			unsharded = append(unsharded, p.file)
		}
	}
	if len(unsharded) > 0 {
		what := " is not a shard"
		if len(unsharded) > 1 {
			what = " are not shards"
		}
		return unrelated("%s%s of a run split with load --shard I/N: the results of separate runs do not add up to one run's load",
			strings.Join(unsharded, ", "), what)
	}
	for i, p := range parts {
		for _, q := range parts[:i] {
			switch {
			case p.shard.Count != q.shard.Count:
				return unrelated("%s is shard %s and %s is shard %s: shards of runs split differently", q.file, q.shard, p.file, p.shard)
			case p.shard.Index == q.shard.Index:
				return unrelated("%s and %s are both shard %s: shards of different runs", q.file, p.file, p.shard)
			}
		}
	}
	for i, r := range loads[1:] {
		if d := configDiff(loads[0].Config, r.Config); d != "" {
			return unrelated("%s and %s ran different settings (%s): shards of different runs", names[0], names[i+1], d)
		}
	}
	// measured at the same time: the latest start before the earliest end
	late, early := 0, 0
	for i, r := range loads {
		if r.Start.After(loads[late].Start) {
			late = i
		}
		if end(r).Before(end(loads[early])) {
			early = i
		}
	}
	if gap := loads[late].Start.Sub(end(loads[early])); gap > ClockSlack {
		return unrelated("%s ended at %s, %s before %s started (%s): shards of one run are measured at the same time",
			names[early], end(loads[early]).UTC().Format(time.RFC3339), gap.Round(time.Second), names[late], loads[late].Start.UTC().Format(time.RFC3339))
	}
	return nil
}

// end is when a result's measured phase ended.
func end(r *Load) time.Time { return r.Start.Add(time.Duration(math.Round(r.DurationS * 1e9))) }

func sameShard(a, b *Shard) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Index == b.Index && a.Count == b.Count
}

func partName(s *Shard) string {
	if s == nil {
		return "not a shard"
	}
	return "shard " + s.String()
}

// configDiff names the first setting two runs gave differently, "" when
// they gave the same.
func configDiff(a, b RunConfig) string {
	for _, f := range []struct {
		name string
		a, b any
	}{
		{"rate", a.Rate, b.Rate}, {"concurrency", a.Concurrency, b.Concurrency}, {"stages", a.Stages, b.Stages},
		{"duration_s", a.DurationS, b.DurationS}, {"requests", a.Requests, b.Requests}, {"max_in_flight", a.MaxInFlight, b.MaxInFlight},
		{"validate", a.Validate, b.Validate}, {"timeout_s", a.TimeoutS, b.TimeoutS}, {"warmup_s", a.WarmupS, b.WarmupS}, {"slo", a.SLO, b.SLO},
	} {
		if f.a != f.b {
			return fmt.Sprintf("config.%s %v and %v", f.name, f.a, f.b)
		}
	}
	return ""
}

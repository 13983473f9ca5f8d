package results

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// ErrUnrelated: results add up but are not distinct shards of one run, so
// their sum would describe a load no endpoint received (see checkOneRun).
// It matches ErrIncompatible too.
var ErrUnrelated = fmt.Errorf("%w: not distinct shards of one run", ErrIncompatible)

// ClockSlack is how far apart the measured phases of the shards of one run
// may be and still count as at the same time: the machines' clocks and
// starts differ a little.
const ClockSlack = time.Second

// checkOneRun refuses results that add up (checkMergeable and checkParts
// passed) but describe no one run: the same unsharded result twice (also a
// copy), results of runs not split with --shard, shards that were to start
// at other times (load --start-at), shards run with other settings, and
// shards measured at other times (without --start-at their measured phases
// must overlap, within ClockSlack). A merged input counts as the parts it
// lists. Its errors name the files and match ErrUnrelated.
func checkOneRun(o MergeOptions, results []*Load, parts []MergedPart) error {
	unrelated := func(format string, args ...any) error {
		return fmt.Errorf("results: merge: %w: %s", ErrUnrelated, fmt.Sprintf(format, args...))
	}
	if parts[0].Shard == nil { // none is a shard (checkParts)
		for k, p := range parts {
			for j, q := range parts[:k] {
				if samePart(p, q) {
					return unrelated("%s and %s hold the same result (not a shard, started %s): the same run given twice",
						q.where(j), p.where(k), q.Start.UTC().Format(time.RFC3339Nano))
				}
			}
		}
		where := make([]string, len(parts))
		for k, p := range parts {
			where[k] = p.where(k)
		}
		what := " is not a shard"
		if len(where) > 1 {
			what = " are not shards"
		}
		return unrelated("%s%s of a run split with load --shard I/N: the results of separate runs do not add up to one run's load",
			strings.Join(where, ", "), what)
	}
	for k, p := range parts {
		if !startsAgree(p.StartAt, parts[0].StartAt) {
			return unrelated("%s %s, but %s %s: not parts of one run",
				p.label(k), startWords(p.StartAt), parts[0].label(0), startWords(parts[0].StartAt))
		}
	}
	name := func(i int) string {
		if i < len(o.Sources) {
			return o.Sources[i]
		}
		return fmt.Sprintf("result %d", i+1)
	}
	for i, r := range results[1:] {
		if d := configDiff(results[0].Config, r.Config); d != "" {
			return unrelated("%s and %s ran different settings (%s): shards of different runs", name(0), name(i+1), d)
		}
	}
	if parts[0].StartAt != nil {
		return nil // one start time: a shard that began late says so in its limits
	}
	// measured at the same time: the latest start before the earliest end
	late, early := 0, 0
	for i, r := range results {
		if r.Start.After(results[late].Start) {
			late = i
		}
		if end(r).Before(end(results[early])) {
			early = i
		}
	}
	if gap := results[late].Start.Sub(end(results[early])); gap > ClockSlack {
		return unrelated("%s ended at %s, %s before %s started (%s): shards of one run are measured at the same time",
			name(early), end(results[early]).UTC().Format(time.RFC3339), gap.Round(time.Second), name(late), results[late].Start.UTC().Format(time.RFC3339))
	}
	return nil
}

// end is when a result's measured phase ended.
func end(r *Load) time.Time { return r.Start.Add(time.Duration(math.Round(r.DurationS * 1e9))) }

// samePart reports whether two parts are the same result: the same shard
// (or none), start and number of requests.
func samePart(p, q MergedPart) bool {
	same := p.Shard == nil && q.Shard == nil ||
		p.Shard != nil && q.Shard != nil && p.Shard.String() == q.Shard.String()
	return same && p.Start.Equal(q.Start) && p.Requests == q.Requests
}

// configDiff names the first setting two runs gave differently, "" when
// they gave the same. The SLO is checkMergeable's (MergeOptions.SLO may
// replace the parts').
func configDiff(a, b RunConfig) string {
	for _, f := range []struct {
		name string
		a, b any
	}{
		{"rate", a.Rate, b.Rate}, {"concurrency", a.Concurrency, b.Concurrency}, {"stages", a.Stages, b.Stages},
		{"duration_s", a.DurationS, b.DurationS}, {"requests", a.Requests, b.Requests}, {"max_in_flight", a.MaxInFlight, b.MaxInFlight},
		{"validate", a.Validate, b.Validate}, {"timeout_s", a.TimeoutS, b.TimeoutS}, {"warmup_s", a.WarmupS, b.WarmupS},
	} {
		if f.a != f.b {
			return fmt.Sprintf("config.%s %v and %v", f.name, f.a, f.b)
		}
	}
	return ""
}

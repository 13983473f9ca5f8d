package results

import (
	"fmt"
	"strings"
	"time"
)

// MergedPart is one of the results Merge combined.
type MergedPart struct {
	Source   string    `json:"source,omitempty"` // the file it was read from, when the caller says
	Shard    *Shard    `json:"shard,omitempty"`
	Start    time.Time `json:"start"`
	Requests int64     `json:"requests"`
	// StartAt and StartSkewS are the part's Load.StartAt and StartSkewS:
	// when it was to start, and how many seconds after that it did.
	StartAt    *time.Time `json:"start_at,omitempty"`
	StartSkewS float64    `json:"start_skew_s,omitempty"`
}

// label names the part in messages and limits: "shard 1/3", else its
// source, else "result K".
func (p MergedPart) label(k int) string {
	if p.Shard != nil {
		return "shard " + p.Shard.String()
	}
	return p.where(k)
}

// where names the part by its file, else "result K".
func (p MergedPart) where(k int) string {
	if p.Source != "" {
		return p.Source
	}
	return fmt.Sprintf("result %d", k+1)
}

// LateStartS is how many seconds after the run's start time (load
// --start-at) a shard may begin before it counts as late: beyond the
// lateness of a timer, a shard that came up late.
const LateStartS = 0.1

// MissingText says which shards a merged result lacks, e.g. "shard 2/4
// missing; the merged figures cover 3 of 4 shards".
func MissingText(missing []Shard, have int) string {
	names := make([]string, len(missing))
	for i, m := range missing {
		names[i] = m.String()
	}
	return fmt.Sprintf("shard %s missing; the merged figures cover %d of %d shards", strings.Join(names, ", "), have, have+len(missing))
}

// mergeParts lists the parts of the merged result (a merged input
// contributes its own parts) and a label per input for limits and errors.
func mergeParts(o MergeOptions, results []*Load) (parts []MergedPart, labels []string) {
	for i, r := range results {
		own := r.MergedFrom
		if len(own) == 0 {
			own = []MergedPart{{Shard: r.Shard, Start: r.Start, Requests: r.Summary.Requests, StartAt: r.StartAt, StartSkewS: r.StartSkewS}}
			if i < len(o.Sources) {
				own[0].Source = o.Sources[i]
			}
		}
		var names []string
		for _, p := range own {
			names = append(names, p.label(len(parts)))
			parts = append(parts, p)
		}
		labels = append(labels, strings.Join(names, "+"))
	}
	return parts, labels
}

// checkMergeable is the one check of every merge path. It refuses
// results that cannot be added up: different schemas, models, targets
// (issuer and token endpoint), profiles, stage layouts or SLO expressions
// (unless o.SLO replaces them), shards of different counts, a shard given
// twice, or shards mixed with unsharded results; its errors match
// ErrIncompatible and name the results. Unless o.AllowUnrelated, it then
// refuses results that add up but are not distinct shards of one run (see
// checkOneRun), with errors that also match ErrUnrelated.
func checkMergeable(o MergeOptions, results []*Load, parts []MergedPart) error {
	first := results[0]
	for i, r := range results {
		bad := func(field, got, want string) error {
			return fmt.Errorf("results: merge: result %d: %w: %s %q, but result 1 has %q", i+1, ErrIncompatible, field, got, want)
		}
		switch {
		case r.Schema != LoadSchema:
			return fmt.Errorf("results: merge: result %d: %w: schema %q is not %q", i+1, ErrIncompatible, r.Schema, LoadSchema)
		case r.Model != first.Model:
			return bad("model", r.Model, first.Model)
		case r.Grant != first.Grant:
			return bad("grant", r.Grant, first.Grant)
		case r.Target.TokenEndpoint != first.Target.TokenEndpoint:
			return bad("target token_endpoint", r.Target.TokenEndpoint, first.Target.TokenEndpoint)
		case r.Target.Issuer != first.Target.Issuer:
			return bad("target issuer", r.Target.Issuer, first.Target.Issuer)
		case r.Profile != first.Profile:
			return bad("profile", r.Profile, first.Profile)
		case o.SLO == "" && r.Config.SLO != first.Config.SLO:
			return bad("config slo", r.Config.SLO, first.Config.SLO)
		case len(r.Stages) != len(first.Stages):
			return bad("stage layout", stageNames(r), stageNames(first))
		}
		for j := range r.Stages {
			if r.Stages[j].Name != first.Stages[j].Name {
				return bad("stage layout", stageNames(r), stageNames(first))
			}
		}
	}
	if err := checkParts(parts); err != nil {
		return err
	}
	if o.AllowUnrelated {
		return nil
	}
	return checkOneRun(o, results, parts)
}

// checkParts refuses parts that cannot be added up as shards: a shard
// that is not I/N, shards mixed with unsharded results, shards of
// different counts, a shard given twice.
func checkParts(parts []MergedPart) error {
	sharded := parts[0].Shard != nil
	seen := map[int]int{} // shard index: the part that has it
	for k, p := range parts {
		switch {
		case (p.Shard != nil) != sharded:
			return fmt.Errorf("results: merge: %w: shards of a run split across machines mixed with results of unsharded runs (%s is %s, %s is %s)",
				ErrIncompatible, parts[0].where(0), shardWords(parts[0]), p.where(k), shardWords(p))
		case !sharded:
			continue
		case p.Shard.Count < 1 || p.Shard.Index < 1 || p.Shard.Index > p.Shard.Count:
			return fmt.Errorf("results: merge: %w: %s says it is shard %s, which is not I/N with 1 <= I <= N", ErrIncompatible, p.where(k), p.Shard)
		case p.Shard.Count != parts[0].Shard.Count:
			return fmt.Errorf("results: merge: %w: shard %s (%s) is one of %d, but shard %s (%s) is one of %d",
				ErrIncompatible, p.Shard, p.where(k), p.Shard.Count, parts[0].Shard, parts[0].where(0), parts[0].Shard.Count)
		}
		if j, dup := seen[p.Shard.Index]; dup {
			q := parts[j]
			what := "shards of different runs"
			if samePart(p, q) {
				what = fmt.Sprintf("the same result (started %s, %d requests)", q.Start.UTC().Format(time.RFC3339Nano), q.Requests)
			}
			return fmt.Errorf("results: merge: %w: shard %s is given twice: %s and %s: %s", ErrIncompatible, p.Shard, q.where(j), p.where(k), what)
		}
		seen[p.Shard.Index] = k
	}
	return nil
}

func shardWords(p MergedPart) string {
	if p.Shard == nil {
		return "not a shard"
	}
	return "shard " + p.Shard.String()
}

func startsAgree(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}

func startWords(t *time.Time) string {
	if t == nil {
		return "had no start time (--start-at)"
	}
	return "was to start at " + t.UTC().Format(time.RFC3339Nano)
}

// missingShards lists the shards a sharded set of parts lacks.
func missingShards(parts []MergedPart) []Shard {
	if parts[0].Shard == nil {
		return nil
	}
	n := parts[0].Shard.Count
	have := make([]bool, n+1)
	for _, p := range parts {
		have[p.Shard.Index] = true
	}
	var out []Shard
	for i := 1; i <= n; i++ {
		if !have[i] {
			out = append(out, Shard{Index: i, Count: n})
		}
	}
	return out
}

func stageNames(r *Load) string {
	names := make([]string, len(r.Stages))
	for i, s := range r.Stages {
		names[i] = s.Name
	}
	return strings.Join(names, ",")
}

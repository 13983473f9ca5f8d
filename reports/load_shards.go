package reports

import (
	"fmt"
	"strings"
	"time"

	"github.com/tokenbench/tokenbench/reports/format"
	"github.com/tokenbench/tokenbench/runner/results"
)

// shardRow is one part of a merged result, or a missing shard, as the
// shards table lists it.
type shardRow struct {
	Shard, Source, Start, Skew, Requests string
	Missing, Late                        bool
}

// shardRows lists the parts of a merged result and the shards it lacks,
// each with when it began and how long after the run's start time.
func shardRows(r *results.Load) []shardRow {
	var rows []shardRow
	for k, p := range r.MergedFrom {
		row := shardRow{Shard: fmt.Sprintf("result %d", k+1), Source: format.OrDash(p.Source), Start: "—", Skew: "—", Requests: format.Int(p.Requests)}
		if p.Shard != nil {
			row.Shard = p.Shard.String()
		}
		if !p.Start.IsZero() {
			row.Start = p.Start.UTC().Format("15:04:05.000")
		}
		if p.StartAt != nil {
			row.Skew = skewText(p.StartSkewS)
			row.Late = p.StartSkewS > results.LateStartS
		}
		rows = append(rows, row)
	}
	for _, m := range r.MissingShards {
		rows = append(rows, shardRow{Shard: m.String(), Source: "no result", Start: "—", Skew: "—", Requests: "—", Missing: true})
	}
	return rows
}

func skewText(s float64) string { return "+" + format.MS(1000*s) }

// startText says when the run was to start (load --start-at) and how late
// it, or the latest of its shards, began, with the spread between the
// shards; "" for a run that started at once.
func startText(r *results.Load) string {
	if r.StartAt == nil {
		return ""
	}
	s := r.StartAt.UTC().Format(time.RFC3339) + " (--start-at)"
	if len(r.MergedFrom) == 0 {
		return s + "; began " + format.MS(1000*r.StartSkewS) + " after it"
	}
	lo, hi := r.StartSkewS, 0.0
	for _, p := range r.MergedFrom {
		lo, hi = min(lo, p.StartSkewS), max(hi, p.StartSkewS)
	}
	return fmt.Sprintf("%s; the shards began %s to %s after it (spread %s)", s, format.MS(1000*lo), format.MS(1000*hi), format.MS(1000*(hi-lo)))
}

// shardsText says which shards a merged result holds and which it lacks.
func shardsText(r *results.Load) string {
	if len(r.MergedFrom) == 0 {
		return ""
	}
	var held []string
	for k, p := range r.MergedFrom {
		name := fmt.Sprintf("result %d", k+1)
		if p.Shard != nil {
			name = p.Shard.String()
		}
		if p.Source != "" {
			name += " (" + p.Source + ")"
		}
		held = append(held, name)
	}
	s := fmt.Sprintf("%d merged: %s", len(r.MergedFrom), strings.Join(held, ", "))
	if len(r.MissingShards) > 0 {
		var miss []string
		for _, m := range r.MissingShards {
			miss = append(miss, m.String())
		}
		s += "; MISSING " + strings.Join(miss, ", ")
	}
	return s
}

package runner

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/tokenbench/tokenbench/internal/codes"
	"github.com/tokenbench/tokenbench/runner/results"
)

// A run split across machines runs shard I of N on each (results.Shard):
// the plan at 1/N of its rates (Plan.Shard) and, when the codes are a
// shared finite list (a codes file), the I-th, I+N-th, ... code of it
// (ShardCodes); results.Merge combines the shards' results into the run's.

// ShardCodesOwn is Shard.Codes for a code source that is not a shared
// list: each shard obtains its own codes.
const ShardCodesOwn = "its own codes (the code source is not a shared list)"

// ShardFileCodes is Shard.Codes for a shared codes file, e.g. "codes 2, 5,
// 8, ... of the codes file (every 3rd)".
func ShardFileCodes(s results.Shard) string {
	return fmt.Sprintf("codes %d, %d, %d, ... of the codes file (every %s)", s.Index, s.Index+s.Count, s.Index+2*s.Count, ordinal(s.Count))
}

func ordinal(n int) string {
	suffix := "th"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		suffix = "st"
	case n%10 == 2:
		suffix = "nd"
	case n%10 == 3:
		suffix = "rd"
	}
	return strconv.Itoa(n) + suffix
}

// MaxShards bounds N in a shard I/N.
const MaxShards = 1000

// ParseShard parses a shard "I/N": 1 ≤ I ≤ N ≤ MaxShards.
func ParseShard(s string) (results.Shard, error) {
	bad := func(why string) (results.Shard, error) {
		return results.Shard{}, fmt.Errorf("runner: shard %q: %s; want I/N with 1 <= I <= N (e.g. 1/3)", s, why)
	}
	is, ns, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return bad(`no "/"`)
	}
	i, err1 := strconv.Atoi(strings.TrimSpace(is))
	n, err2 := strconv.Atoi(strings.TrimSpace(ns))
	switch {
	case err1 != nil || err2 != nil:
		return bad("not two whole numbers")
	case n < 1 || n > MaxShards:
		return bad(fmt.Sprintf("N is not from 1 to %d", MaxShards))
	case i < 1 || i > n:
		return bad("I is not from 1 to N")
	}
	return results.Shard{Index: i, Count: n}, nil
}

// Scale returns p with every rate multiplied by f (> 0): the same stages,
// names and durations at f times the arrivals. Request bounds are kept
// (see Plan.Shard for splitting them).
func (p Plan) Scale(f float64) Plan {
	out := Plan{Stages: make([]Stage, len(p.Stages))}
	for i, st := range p.Stages {
		st.From *= f
		st.To *= f
		out.Stages[i] = st
	}
	return out
}

// Shard is shard s's part of p: rates divided by Count, and a stage's
// request bound split so that the shards' bounds add up to it exactly
// (shard I takes the requests I, I+N, ... of the stage). Stage names stay
// those of the whole run. A stage with fewer requests than shards is an
// error: some shard would have none.
func (p Plan) Shard(s results.Shard) (Plan, error) {
	if s.Count <= 1 {
		return p, nil
	}
	out := p.Scale(1 / float64(s.Count))
	n := int64(s.Count)
	for i := range out.Stages {
		st := &out.Stages[i]
		if st.Requests <= 0 {
			continue
		}
		if st.Requests < n {
			return Plan{}, fmt.Errorf("runner: shard %s: stage %q has %d requests, fewer than the %d shards", s, st.Name, st.Requests, n)
		}
		total := st.Requests
		st.Requests = total / n
		if int64(s.Index) <= total%n {
			st.Requests++
		}
	}
	return out, nil
}

// ShardWorkers is shard s's part of a closed model's c workers: c/N, one
// more for the first c mod N shards, so that the shards' workers add up to
// c. Fewer workers than shards is an error: some shard would have none.
func ShardWorkers(c int, s results.Shard) (int, error) {
	if s.Count <= 1 {
		return c, nil
	}
	if c < s.Count {
		return 0, fmt.Errorf("runner: shard %s: %d workers, fewer than the %d shards", s, c, s.Count)
	}
	n := c / s.Count
	if s.Index <= c%s.Count {
		n++
	}
	return n, nil
}

// ShardOwns reports whether the code c (by its Seq, its 1-based order in
// the source) is shard s's: Seq ≡ Index (mod Count).
func ShardOwns(s results.Shard, c codes.Code) bool {
	if s.Count <= 1 {
		return true
	}
	return (c.Seq-1)%s.Count == s.Index-1
}

// ShardCodes returns src restricted to shard s's codes: it takes codes from
// src in order and hands out those s owns, skipping the others (another
// machine's shard redeems them). Use it only for a shared finite list
// whose Seq is the same on every machine, the codes file: for sources that
// obtain fresh codes (authorize, command, ...), each shard simply uses its
// own. Safe for concurrent use.
//
// Stats are src's, with Used counting the codes handed out here; Dropped
// counts the stale codes src dropped, other shards' lines included (a file
// source prefetched ahead drops them before this filter sees them).
func ShardCodes(src codes.Source, s results.Shard) codes.Source {
	if s.Count <= 1 {
		return src
	}
	return &shardSource{src: src, shard: s}
}

type shardSource struct {
	src   codes.Source
	shard results.Shard
	used  atomic.Int64
}

func (s *shardSource) Next(ctx context.Context) (*codes.Code, error) {
	for {
		c, err := s.src.Next(ctx)
		if err != nil {
			return nil, err
		}
		if ShardOwns(s.shard, *c) {
			s.used.Add(1)
			return c, nil
		}
	}
}

func (s *shardSource) Stats() codes.Stats {
	st := s.src.Stats()
	st.Used = s.used.Load()
	return st
}

func (s *shardSource) Close() error { return s.src.Close() }

// Unwrap returns the inner source (see codes.AsAuthorizer).
func (s *shardSource) Unwrap() codes.Source { return s.src }

package runner

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/tokenbench/tokenbench/internal/codes"
)

// ShardInfo names one part of a load run split across machines
// (load --shard I/N): shard Index of Count, 1-based. Each shard runs the
// plan at 1/Count of its rates and, when the codes are a shared finite list
// (a codes file), redeems the Index-th, Index+Count-th, ... code of it;
// Merge combines the shards' results into the run's.
type ShardInfo struct {
	Index int `json:"index"`
	Count int `json:"count"`
	// Codes says how this shard's codes were chosen, in words.
	Codes string `json:"codes,omitempty"`
}

// String is "I/N".
func (s ShardInfo) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// ShardCodesOwn is ShardInfo.Codes for a code source that is not a shared
// list: each shard obtains its own codes.
const ShardCodesOwn = "its own codes (the code source is not a shared list)"

// FileCodes is ShardInfo.Codes for a shared codes file, e.g. "codes 2, 5,
// 8, ... of the codes file (every 3rd)".
func (s ShardInfo) FileCodes() string {
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

// MaxShards bounds N in --shard I/N.
const MaxShards = 1000

// ParseShard parses --shard "I/N": 1 ≤ I ≤ N ≤ MaxShards.
func ParseShard(s string) (ShardInfo, error) {
	bad := func(why string) (ShardInfo, error) {
		return ShardInfo{}, fmt.Errorf("runner: shard %q: %s; want I/N with 1 <= I <= N (e.g. 1/3)", s, why)
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
	return ShardInfo{Index: i, Count: n}, nil
}

// Scale returns p with every rate multiplied by f (> 0): the same stages,
// names and durations at f times the arrivals. Request bounds are kept
// (see ShardInfo.Plan for splitting them).
func (p Plan) Scale(f float64) Plan {
	out := Plan{Stages: make([]Stage, len(p.Stages))}
	for i, st := range p.Stages {
		st.From *= f
		st.To *= f
		out.Stages[i] = st
	}
	return out
}

// Plan is this shard's part of p: rates divided by Count, and a stage's
// request bound split so that the shards' bounds add up to it exactly
// (shard I takes the requests I, I+N, ... of the stage). Stage names stay
// those of the whole run. A stage with fewer requests than shards is an
// error: some shard would have none.
func (s ShardInfo) Plan(p Plan) (Plan, error) {
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

// Owns reports whether the code c (by its Seq, its 1-based order in the
// source) is this shard's: Seq ≡ Index (mod Count).
func (s ShardInfo) Owns(c codes.Code) bool {
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
func ShardCodes(src codes.Source, s ShardInfo) codes.Source {
	if s.Count <= 1 {
		return src
	}
	return &shardSource{src: src, shard: s}
}

type shardSource struct {
	src   codes.Source
	shard ShardInfo
	used  atomic.Int64
}

func (s *shardSource) Next(ctx context.Context) (*codes.Code, error) {
	for {
		c, err := s.src.Next(ctx)
		if err != nil {
			return nil, err
		}
		if s.shard.Owns(*c) {
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

package runner

import (
	"maps"
	"sync"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/tokenbench/tokenbench/runner/results"
)

// sample is one completed request as the recorder sees it. No per-request
// storage outlives Record: samples go straight into histograms and counters.
type sample struct {
	stage     int           // index into the measured plan; < 0 during warm-up
	intended  time.Time     // the intended send time, after any wait for a code
	sent      time.Time     // when the request was handed to the client
	done      time.Time     // when the response body was read
	codeWait  time.Duration // how long the request waited for a code past its intended time
	auth      time.Duration // how long adding the client authentication took (signing an assertion)
	authed    bool          // the request was authenticated (auth was measured)
	outcome   string
	ok        bool     // counted as ok (valid 200)
	validated bool     // went through the checks
	failed    []string // rows whose checks failed
}

// codeWaitThreshold: a request counts as having waited for a code when
// the wait past its intended time exceeds this (a channel receive from a
// full prefetch buffer takes microseconds).
const codeWaitThreshold = time.Millisecond

// recorder aggregates samples into HDR histograms per stage and per
// one-second interval (by completion time), sharded so that workers rarely
// contend: a worker always records into the same shard. Safe for
// concurrent use.
type recorder struct {
	start  time.Time
	method string // the client authentication method, "" not recorded
	shards []*shard
	// free holds interval histograms for reuse: a closed interval's go
	// back here (not to a sync.Pool, which a collection empties: each
	// pair is 400 KiB the collector would have to take back and the next
	// interval allocate again), and merged is the scratch pair intervals
	// are merged into.
	freeMu sync.Mutex
	free   []*pair
	merged *pair

	outcomes outcomeKeys // bounds the outcome keys from error codes

	mu        sync.Mutex // guards intervals and nextClose
	intervals []results.Interval
	nextClose int // the lowest interval not yet closed
}

// pair is the histograms and counters of one interval in one shard.
type pair struct {
	lat, svc                   *hdr.Histogram
	requests, errors, codeWait int64
}

// stageAgg is one stage's aggregate in one shard: histograms, and the
// counts of a results.Summary (requests, ok, late, out of range,
// validated, code waits, outcomes, check failures).
type stageAgg struct {
	lat, svc, lag, wait, auth *hdr.Histogram
	counts                    results.Summary
	first, last               time.Time // first send, last completion
}

type shard struct {
	mu        sync.Mutex
	stages    []*stageAgg
	intervals map[int]*pair
}

func newRecorder(start time.Time, stages, shards int) *recorder {
	r := &recorder{start: start}
	for range shards {
		s := &shard{intervals: map[int]*pair{}}
		for range stages {
			s.stages = append(s.stages, newStageAgg())
		}
		r.shards = append(r.shards, s)
	}
	return r
}

func newStageAgg() *stageAgg {
	return &stageAgg{lat: results.NewHistogram(), svc: results.NewHistogram(), lag: results.NewHistogram(), wait: results.NewHistogram(), auth: results.NewHistogram(),
		counts: results.Summary{Outcomes: map[string]int64{}, CheckFailures: map[string]int64{}}}
}

// Record adds one completed request. shardHint is the worker's id.
func (r *recorder) Record(shardHint int, s sample) {
	if s.stage < 0 {
		return // warm-up
	}
	waited := s.codeWait > codeWaitThreshold
	lat := s.done.Sub(s.intended).Microseconds()
	svc := s.done.Sub(s.sent).Microseconds()
	lag := s.sent.Sub(s.intended)
	k := int(s.done.Sub(r.start) / time.Second)
	if k < 0 {
		k = 0
	}
	sh := r.shards[shardHint%len(r.shards)]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	st := sh.stages[s.stage]
	c := &st.counts
	c.Requests++
	if s.ok {
		c.OK++
	}
	if st.first.IsZero() || s.sent.Before(st.first) {
		st.first = s.sent
	}
	if s.done.After(st.last) {
		st.last = s.done
	}
	// Both are recorded: a latency out of range (a request that waited
	// minutes to be sent) does not lose its in-range service time.
	latOK, svcOK := record(st.lat, lat), record(st.svc, svc)
	if !latOK || !svcOK {
		c.OutOfRange++
	}
	if lag > time.Millisecond {
		c.Late++
	}
	if lag > 0 {
		record(st.lag, lag.Microseconds())
	} else {
		record(st.lag, 0)
	}
	if waited {
		c.Codes.Waits++
		record(st.wait, s.codeWait.Microseconds())
	}
	if s.validated {
		c.Validated++
	}
	if s.authed {
		record(st.auth, s.auth.Microseconds())
	}
	c.Outcomes[r.outcomes.bound(s.outcome)]++
	for _, id := range s.failed {
		c.CheckFailures[id]++
	}
	p := sh.intervals[k]
	if p == nil {
		p = r.getPair()
		sh.intervals[k] = p
	}
	p.requests++
	if !s.ok {
		p.errors++
	}
	if waited {
		p.codeWait++
	}
	record(p.lat, lat)
	record(p.svc, svc)
}

// getPair returns an empty interval pair.
func (r *recorder) getPair() *pair {
	r.freeMu.Lock()
	defer r.freeMu.Unlock()
	if n := len(r.free); n > 0 {
		p := r.free[n-1]
		r.free = r.free[:n-1]
		return p
	}
	return &pair{lat: results.NewHistogram(), svc: results.NewHistogram()}
}

// putPair keeps an emptied pair for getPair.
func (r *recorder) putPair(p *pair) {
	r.freeMu.Lock()
	r.free = append(r.free, p)
	r.freeMu.Unlock()
}

// closeIntervals closes every interval that ended before now - slack:
// merges it across shards, summarises and encodes it, and frees its
// histograms. targetRate gives the plan's rate at a moment of the run.
func (r *recorder) closeIntervals(now time.Time, slack time.Duration, final bool, targetRate func(time.Duration) float64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	limit := int(now.Sub(r.start)-slack) / int(time.Second) // intervals < limit are over
	if final {
		limit = 1 << 30
	}
	// the highest interval any shard has
	top := -1
	for _, sh := range r.shards {
		sh.mu.Lock()
		for k := range sh.intervals {
			if k > top {
				top = k
			}
		}
		sh.mu.Unlock()
	}
	if top >= limit {
		top = limit - 1
	}
	for k := r.nextClose; k <= top; k++ {
		if r.merged == nil {
			r.merged = &pair{lat: results.NewHistogram(), svc: results.NewHistogram()}
		}
		merged := r.merged
		merged.lat.Reset()
		merged.svc.Reset()
		merged.requests, merged.errors, merged.codeWait = 0, 0, 0
		for _, sh := range r.shards {
			sh.mu.Lock()
			if p := sh.intervals[k]; p != nil {
				merged.lat.Merge(p.lat)
				merged.svc.Merge(p.svc)
				merged.requests += p.requests
				merged.errors += p.errors
				merged.codeWait += p.codeWait
				delete(sh.intervals, k)
				p.lat.Reset()
				p.svc.Reset()
				p.requests, p.errors, p.codeWait = 0, 0, 0
				r.putPair(p)
			}
			sh.mu.Unlock()
		}
		iv := results.Interval{
			T: float64(k), Requests: merged.requests, Errors: merged.errors, CodeWaits: merged.codeWait,
			LatencyMS: results.IntervalPercentilesOf(merged.lat), ServiceMS: results.IntervalPercentilesOf(merged.svc),
		}
		if targetRate != nil {
			iv.TargetRPS = targetRate(time.Duration(k)*time.Second + time.Second/2)
		}
		if merged.requests > 0 {
			iv.HDR, _ = results.EncodePair(merged.lat, merged.svc)
		}
		r.intervals = append(r.intervals, iv)
	}
	if top+1 > r.nextClose {
		r.nextClose = top + 1
	}
}

// stageRequests is the live count of a stage's completed requests.
func (r *recorder) stageRequests(i int) int64 {
	var n int64
	for _, sh := range r.shards {
		sh.mu.Lock()
		if i >= 0 && i < len(sh.stages) {
			n += sh.stages[i].counts.Requests
		}
		sh.mu.Unlock()
	}
	return n
}

// counts are the live totals for the progress view and the abort rule,
// summed over the shards (counters in the shards, under their locks: a
// counter all workers shared would pass its cache line between processors
// on every request).
func (r *recorder) counts() (requests, errors, codeWaits int64) {
	for _, sh := range r.shards {
		sh.mu.Lock()
		for _, st := range sh.stages {
			requests += st.counts.Requests
			errors += st.counts.Requests - st.counts.OK
			codeWaits += st.counts.Codes.Waits
		}
		sh.mu.Unlock()
	}
	return requests, errors, codeWaits
}

// Intervals returns the closed intervals.
func (r *recorder) Intervals() []results.Interval {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]results.Interval(nil), r.intervals...)
}

// lastIntervals sums the requests and errors of the closed intervals that
// ended within window of the newest one.
func (r *recorder) recentErrorRate(window time.Duration) (requests, errors int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := int(window / time.Second)
	if n < 1 {
		n = 1
	}
	for i := len(r.intervals) - 1; i >= 0 && i >= len(r.intervals)-n; i-- {
		requests += r.intervals[i].Requests
		errors += r.intervals[i].Errors
	}
	return requests, errors
}

// stage merges one stage across shards.
func (r *recorder) stage(i int) *stageAgg {
	out := newStageAgg()
	for _, sh := range r.shards {
		sh.mu.Lock()
		s := sh.stages[i]
		mergeAgg(out, s)
		sh.mu.Unlock()
	}
	return out
}

func mergeAgg(dst, s *stageAgg) {
	dst.lat.Merge(s.lat)
	dst.svc.Merge(s.svc)
	dst.lag.Merge(s.lag)
	dst.wait.Merge(s.wait)
	dst.auth.Merge(s.auth)
	dst.counts.AddCounts(s.counts)
	if !s.first.IsZero() && (dst.first.IsZero() || s.first.Before(dst.first)) {
		dst.first = s.first
	}
	if s.last.After(dst.last) {
		dst.last = s.last
	}
}

// summary turns an aggregate into a Summary over the given duration.
func (a *stageAgg) summary(d time.Duration, method string) results.Summary {
	s := a.counts
	s.Outcomes, s.CheckFailures = maps.Clone(s.Outcomes), maps.Clone(s.CheckFailures)
	s.Errors = s.Requests - s.OK
	s.LatencyMS, s.ServiceTimeMS, s.ScheduleLagMS = results.PercentilesOf(a.lat), results.PercentilesOf(a.svc), results.PercentilesOf(a.lag)
	if s.Requests > 0 {
		s.ErrorRate = float64(s.Errors) / float64(s.Requests)
	}
	if d > 0 {
		s.ThroughputRPS = float64(s.Requests) / d.Seconds()
	}
	s.Codes.WaitMS = results.PercentilesOf(a.wait)
	if method != "" && a.auth.TotalCount() > 0 {
		s.Auth = &results.AuthStats{Method: method, Requests: a.auth.TotalCount(), TimeMS: results.PercentilesOf(a.auth)}
	}
	s.HDR, _ = results.EncodePair(a.lat, a.svc)
	return s
}

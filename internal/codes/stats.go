package codes

import (
	"sync"
	"time"
)

// RecentTook is how many of the latest durations Stats.TookRecent keeps.
const RecentTook = 32

// Stats counts what a source did. Obtained, Used, Dropped and Errors only
// grow; Ready is a current value.
type Stats struct {
	Obtained int64 // codes the source got (authorize redirects, command lines, file lines)
	Used     int64 // codes handed out (Next, Authorize)
	Dropped  int64 // codes expired, or older than the maximum age, before use
	Errors   int64 // errors returned or delivered by Next and Authorize
	Ready    int64 // codes obtained and not yet handed out or dropped (Prefetch, file)

	TookTotal  time.Duration   // sum of Code.Took over the obtained codes
	TookMax    time.Duration   // the largest Code.Took
	TookRecent []time.Duration // Code.Took of the latest (up to RecentTook) obtained codes, oldest first
}

// TookMean is the mean time a code took, or 0 when none was obtained.
func (s Stats) TookMean() time.Duration {
	if s.Obtained == 0 {
		return 0
	}
	return s.TookTotal / time.Duration(s.Obtained)
}

// recorder accumulates Stats. The zero value is ready; safe for concurrent use.
type recorder struct {
	mu     sync.Mutex
	s      Stats
	recent [RecentTook]time.Duration
	next   int // index in recent of the next write
	n      int // entries in recent
}

func (r *recorder) obtained(took time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.s.Obtained++
	r.s.TookTotal += took
	r.s.TookMax = max(r.s.TookMax, took)
	r.recent[r.next] = took
	r.next = (r.next + 1) % RecentTook
	r.n = min(r.n+1, RecentTook)
}

// track counts the outcome of one authorization: an error, or a code
// obtained and handed out at once.
func (r *recorder) track(c *Code, err error) (*Code, error) {
	if err != nil {
		r.failed()
		return nil, err
	}
	r.obtained(c.Took)
	r.used()
	return c, nil
}

func (r *recorder) used()    { r.add(&r.s.Used) }
func (r *recorder) dropped() { r.add(&r.s.Dropped) }
func (r *recorder) failed()  { r.add(&r.s.Errors) }

func (r *recorder) add(p *int64) {
	r.mu.Lock()
	*p++
	r.mu.Unlock()
}

func (r *recorder) snapshot() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.s
	s.TookRecent = make([]time.Duration, 0, r.n)
	for i := range r.n {
		s.TookRecent = append(s.TookRecent, r.recent[(r.next-r.n+i+RecentTook)%RecentTook])
	}
	return s
}

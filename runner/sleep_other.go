//go:build !linux

package runner

import "time"

// sleeper waits for a moment on a runtime timer, which wakes an idle
// process up to about a millisecond late (the lateness shows as schedule
// lag). Not safe for concurrent use.
type sleeper struct {
	now func() time.Time
	t   *time.Timer
}

func newSleeper(now func() time.Time) *sleeper { return &sleeper{now: now} }

// until waits until t; false when stop was closed first.
func (s *sleeper) until(t time.Time, stop <-chan struct{}) bool {
	d := t.Sub(s.now())
	if d <= 0 {
		select {
		case <-stop:
			return false
		default:
			return true
		}
	}
	if s.t == nil {
		s.t = time.NewTimer(d)
	} else {
		s.t.Reset(d)
	}
	select {
	case <-s.t.C:
		return true
	case <-stop:
		s.t.Stop()
		return false
	}
}

func (s *sleeper) close() {
	if s.t != nil {
		s.t.Stop()
	}
}

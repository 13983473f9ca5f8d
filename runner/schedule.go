package runner

import (
	"runtime"
	"sync"
	"time"
)

// schedule starts each request at its intended time (open model). A
// request first waits for its code (the code supply's time, kept out of the
// latency), then for one of the MaxInFlight slots (queueing, which stays in
// the latency: it is measured from the intended time). When too many
// requests are pending the scheduler itself blocks; the requests it then
// starts late still count from their intended time.
//
// The scheduler never sends a request before its intended time. It sleeps
// until the next one is due (see sleeper) and then hands every request that
// is due by then to the senders, each stamped with its own intended time:
// at high rates one wake-up sends a batch, and what the wake-up was late
// shows in each request's schedule lag and latency.
func (e *engine) schedule(wg *sync.WaitGroup) {
	pc := e.plan.Pacer()
	deadline := e.plan.Duration()
	if e.plan.CountBounded() {
		// The user asked for a number of requests: they are all sent, late
		// ones counted late from their intended time, however long it takes.
		deadline = 0
	}
	sl := newSleeper(e.now)
	defer sl.close()
	defer close(e.work) // idle senders return
	var woke time.Time
	for {
		off, stage, ok := pc.Next()
		if !ok {
			return
		}
		intended := e.start.Add(off)
		now := e.now()
		if deadline > 0 && now.Sub(e.start) > deadline+time.Second {
			// Hopelessly behind: the plan's time is over. What was not
			// sent is counted, not silently dropped.
			e.countUnsent(pc, stage)
			return
		}
		if intended.After(now) {
			wake := laterOf(intended, woke.Add(sendResolution))
			if e.cfg.BusyWait > 0 {
				wake = intended // precision asked for: no coalescing
			}
			if !e.waitUntil(sl, wake) {
				e.countUnsent(pc, stage)
				return
			}
			woke = e.now()
		}
		select {
		case e.pending <- struct{}{}:
		case <-e.stopSend:
			e.countUnsent(pc, stage)
			return
		}
		t := ticket{intended: intended, stage: stage - e.warm}
		select {
		case e.work <- t: // an idle sender took it
		default:
			wg.Add(1)
			go e.sender(wg, t)
		}
	}
}

// sender sends the tickets the scheduler hands it, one at a time, until
// the schedule ends. Senders are started as the schedule needs them and
// kept: a run has as many as it ever had requests pending at once.
func (e *engine) sender(wg *sync.WaitGroup, t ticket) {
	defer wg.Done()
	w := e.newWorker(int(e.senders.Add(1)))
	defer w.flush(e)
	for ok := true; ok; t, ok = <-e.work {
		e.one(w, t)
		<-e.pending
	}
}

// waitUntil waits for the intended time without spinning; false when
// scheduling stopped. With Config.BusyWait it sleeps until that long
// before and yields in a loop for the rest.
func (e *engine) waitUntil(sl *sleeper, intended time.Time) bool {
	wake := intended.Add(-e.cfg.BusyWait)
	if !sl.until(wake, e.stopSend) {
		return false
	}
	for e.cfg.BusyWait > 0 && e.now().Before(intended) {
		runtime.Gosched()
	}
	return !e.stopped()
}

// sendResolution is the shortest time between two wake-ups of the
// scheduler. At rates above one request per sendResolution a wake-up sends
// the requests due since the last one, late by up to this much (less than
// the 1 ms that counts a request late); below it every request is sent on
// time. Each wake-up costs the process CPU time, and a batch lets one poll
// of the network collect several responses.
const sendResolution = 500 * time.Microsecond

func laterOf(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// maxPending bounds the requests started but not finished (waiting for a
// code, a slot, or a response).
func maxPending(inFlight int) int { return max(4*inFlight, 64) }

// countUnsent counts the measured requests the plan still had.
func (e *engine) countUnsent(pc *Pacer, stage int) {
	if e.stopWhy.Load() == "interrupted" {
		return // an interrupted run was not meant to send the rest
	}
	n := int64(0)
	if stage >= e.warm {
		n++
	}
	for {
		_, s, ok := pc.Next()
		if !ok || n > 1e8 {
			break
		}
		if s >= e.warm {
			n++
		}
	}
	e.unsent.Add(n)
}

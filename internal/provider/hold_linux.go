package provider

import (
	"context"
	"syscall"
	"time"
)

// holdFor waits d, precisely below a millisecond: a Go timer fires a
// millisecond late on Linux, so shorter waits (code-race-narrow's window)
// block the thread in nanosleep(2) instead.
func holdFor(ctx context.Context, d time.Duration) {
	if d >= time.Millisecond {
		sleep(ctx, d)
		return
	}
	ts := syscall.NsecToTimespec(d.Nanoseconds())
	_ = syscall.Nanosleep(&ts, nil)
}

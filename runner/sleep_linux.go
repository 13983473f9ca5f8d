package runner

import (
	"os"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// sleeper waits for a moment without spinning. The runtime's timers wake an
// idle process only to the millisecond (its network poller waits in whole
// milliseconds), and that lateness would be the generator's own in every
// latency. So on Linux the sleeper also arms a timerfd, which the poller
// watches: an idle process wakes within tens of microseconds of the moment.
// When the process is busy the poller is looked at less often, and the
// runtime timer (the read deadline) wakes the sleeper instead. Not safe for
// concurrent use.
type sleeper struct {
	now func() time.Time
	f   *os.File        // the timerfd; nil: runtime timers only
	rc  syscall.RawConn // f's, to wait for it without reading it first
	// waitf is waitOnce, made once (a closure a wake-up would be
	// allocated), and waited its state.
	waitf  func(uintptr) bool
	waited bool
	fd     int
	t      *time.Timer
}

// sleepSlice bounds one wait, so that a stop is seen within it.
const sleepSlice = 50 * time.Millisecond

func newSleeper(now func() time.Time) *sleeper {
	s := &sleeper{now: now}
	s.waitf = s.waitOnce
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err == nil {
		s.fd, s.f = fd, os.NewFile(uintptr(fd), "timerfd")
		if s.rc, err = s.f.SyscallConn(); err != nil {
			s.f.Close()
			s.f = nil
		}
	}
	return s
}

// until waits until t; false when stop was closed first.
func (s *sleeper) until(t time.Time, stop <-chan struct{}) bool {
	for {
		select {
		case <-stop:
			return false
		default:
		}
		d := t.Sub(s.now())
		if d <= 0 {
			return true
		}
		d = min(d, sleepSlice)
		if s.f == nil || !s.wait(d) {
			s.timerWait(d, stop)
		}
	}
}

// wait sleeps d on the timerfd, or on the read deadline when that comes
// first; false when the timerfd cannot be used. It waits for the timerfd to
// become readable without reading it (arming it again clears it): one
// system call a wake-up. Should the expiry come before the wait begins, the
// deadline wakes the sleeper instead.
func (s *sleeper) wait(d time.Duration) bool {
	spec := unix.ItimerSpec{Value: unix.NsecToTimespec(max(int64(d), 1))}
	// A raw system call: it never blocks, and the runtime's bookkeeping of
	// a blocking one would wake its monitor thread each time (see
	// exchange.rawIO).
	_, _, errno := syscall.RawSyscall6(unix.SYS_TIMERFD_SETTIME, uintptr(s.fd), 0, uintptr(unsafe.Pointer(&spec)), 0, 0, 0)
	if errno != 0 || s.f.SetReadDeadline(s.now().Add(d)) != nil {
		return false
	}
	s.waited = false
	err := s.rc.Read(s.waitf)
	return err == nil || os.IsTimeout(err)
}

// waitOnce is RawConn.Read's function: false the first time (wait for the
// poller), true once woken (the timer expired).
func (s *sleeper) waitOnce(uintptr) bool {
	done := s.waited
	s.waited = true
	return done
}

// timerWait sleeps d on a runtime timer.
func (s *sleeper) timerWait(d time.Duration, stop <-chan struct{}) {
	if s.t == nil {
		s.t = time.NewTimer(d)
	} else {
		s.t.Reset(d)
	}
	select {
	case <-s.t.C:
	case <-stop:
		s.t.Stop()
	}
}

func (s *sleeper) close() {
	if s.f != nil {
		s.f.Close()
	}
	if s.t != nil {
		s.t.Stop()
	}
}

package exchange

import (
	"io"
	"net"
	"os"
	"syscall"
	"unsafe"
)

// rawIO reads and writes a plain TCP connection with raw system calls. The
// socket is non-blocking, so they never block; unlike net.Conn's they skip
// the runtime's system call bookkeeping, which wakes its monitor thread
// whenever the process was idle: at a few thousand requests a second, a
// sixth of the process's CPU time went to that thread. Waiting, when there
// is nothing to read or no room to write, is still the poller's, under the
// connection's deadlines.
type rawIO struct {
	c  net.Conn
	rc syscall.RawConn
	// The buffer and outcome of the call under way, and the functions
	// RawConn runs, made once: a closure per call would be allocated.
	p             []byte
	n             int
	errno         syscall.Errno
	readf, writef func(fd uintptr) bool
}

// newRawIO returns a rawIO for a *net.TCPConn, else nil. A rawIO is used
// by one goroutine at a time.
func newRawIO(c net.Conn) *rawIO {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return nil
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return nil
	}
	r := &rawIO{c: c, rc: rc}
	r.readf, r.writef = r.read, r.write
	return r
}

func (r *rawIO) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	r.p, r.n, r.errno = p, 0, 0
	err := r.rc.Read(r.readf)
	r.p = nil
	switch {
	case err != nil:
		return 0, r.opError("read", err)
	case r.errno != 0:
		return 0, r.opError("read", os.NewSyscallError("read", r.errno))
	case r.n == 0:
		return 0, io.EOF
	}
	return r.n, nil
}

// read is one attempt; false: nothing to read yet, the poller waits.
func (r *rawIO) read(fd uintptr) bool {
	for {
		m, _, e := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&r.p[0])), uintptr(len(r.p)))
		switch e {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		}
		r.n, r.errno = int(m), e
		return true
	}
}

func (r *rawIO) Write(p []byte) (int, error) {
	r.p, r.n, r.errno = p, 0, 0
	err := r.rc.Write(r.writef)
	r.p = nil
	switch {
	case err != nil:
		return r.n, r.opError("write", err)
	case r.errno != 0:
		return r.n, r.opError("write", os.NewSyscallError("write", r.errno))
	}
	return r.n, nil
}

// write writes what it can; false: no room, the poller waits.
func (r *rawIO) write(fd uintptr) bool {
	for r.n < len(r.p) {
		m, _, e := syscall.RawSyscall(syscall.SYS_WRITE, fd, uintptr(unsafe.Pointer(&r.p[r.n])), uintptr(len(r.p)-r.n))
		switch e {
		case 0:
			r.n += int(m)
		case syscall.EINTR:
		case syscall.EAGAIN:
			return false
		default:
			r.errno = e
			return true
		}
	}
	return true
}

func (r *rawIO) opError(op string, err error) error {
	return &net.OpError{Op: op, Net: "tcp", Source: r.c.LocalAddr(), Addr: r.c.RemoteAddr(), Err: err}
}

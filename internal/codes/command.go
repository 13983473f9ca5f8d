package codes

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// Command obtains codes from an external program that prints one code line
// (see parseLine's format) per code on its standard output, for providers
// whose login needs a browser or a test user API. The program is started
// once and read as it prints; its standard error is kept for messages.
// Next is safe for concurrent use; codes come in the order printed.
type Command struct {
	name     string // argv[0], for messages (the arguments may hold secrets)
	defaults Code
	now      func() time.Time
	rec      recorder

	cmd    *exec.Cmd
	stdout io.ReadCloser
	stderr *tailWriter
	cancel context.CancelFunc

	lines chan *Code    // unbuffered: a line is taken off the pipe only when wanted
	quit  chan struct{} // closed by Close
	done  chan struct{} // closed when the reader has stopped; err is then set
	err   error         // why no more codes come (sentinel-marked)

	closeOnce sync.Once
}

// NewCommand starts argv and returns the source reading its output. Lines
// lack members default from defaults (ClientID, RedirectURI, Nonce,
// CodeVerifier). now stamps ObtainedAt and measures Took; nil means
// time.Now. The program runs until it exits or Close kills it (with its
// process group, on Unix).
func NewCommand(argv []string, defaults Code, now func() time.Time) (*Command, error) {
	if len(argv) == 0 || argv[0] == "" {
		return nil, errors.New("codes: command: no program given")
	}
	if now == nil {
		now = time.Now
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Command{
		name: argv[0], defaults: defaults, now: now, cancel: cancel,
		stderr: &tailWriter{max: 4 << 10},
		lines:  make(chan *Code), quit: make(chan struct{}), done: make(chan struct{}),
	}
	s.cmd = exec.CommandContext(ctx, argv[0], argv[1:]...)
	s.cmd.Stderr = s.stderr
	s.cmd.WaitDelay = time.Second // for pipes held open by descendants
	setProcessGroup(s.cmd)
	var err error
	if s.stdout, err = s.cmd.StdoutPipe(); err != nil {
		cancel()
		return nil, fmt.Errorf("codes: command %q: cannot start: %w", s.name, err)
	}
	start := now()
	if err := s.cmd.Start(); err != nil {
		cancel()
		return nil, fmt.Errorf("codes: command %q: cannot start: %w", s.name, err)
	}
	go s.read(start)
	return s, nil
}

// read parses the program's output and hands codes to Next until the output
// ends, a line is bad or Close is called; then it reaps the program.
func (s *Command) read(start time.Time) {
	defer close(s.done)
	sc := bufio.NewScanner(s.stdout)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	var line, seq int64
	for sc.Scan() {
		line++
		raw := sc.Bytes()
		if len(strings.TrimSpace(string(raw))) == 0 {
			continue
		}
		c, err := parseLine(raw, s.defaults)
		if err != nil {
			s.stop(mark(ErrBadLine, fmt.Errorf("codes: command %q: line %d: %v: %s", s.name, line, err, lineExcerpt(raw))))
			return
		}
		seq++
		t := s.now()
		c.Took, c.Seq = t.Sub(start), int(seq)
		if c.ObtainedAt.IsZero() {
			c.ObtainedAt = t
		}
		s.rec.obtained(c.Took)
		select {
		case s.lines <- c:
		case <-s.quit:
			s.stop(errClosed(fmt.Sprintf("command %q", s.name)))
			return
		}
		start = s.now()
	}
	select {
	case <-s.quit:
		s.stop(errClosed(fmt.Sprintf("command %q", s.name)))
		return
	default:
	}
	if err := sc.Err(); err != nil {
		s.stop(mark(ErrBadLine, fmt.Errorf("codes: command %q: line %d: %w", s.name, line+1, err)))
		return
	}
	waitErr := s.cmd.Wait()
	select {
	case <-s.quit: // Close killed a program that had closed its output
		s.err = errClosed(fmt.Sprintf("command %q", s.name))
		return
	default:
	}
	status := "exit status 0"
	if waitErr != nil {
		status = waitErr.Error()
	}
	msg := fmt.Sprintf("codes: command %q exited after %s: %s", s.name, plural(seq, "code"), status)
	if tail := s.stderr.tail(5); tail != "" {
		msg += fmt.Sprintf("; stderr: %q", tail)
	}
	s.err = mark(ErrCommandExited, errors.New(msg))
	s.cancel()
}

// stop records why the source ended, kills the program and reaps it.
func (s *Command) stop(err error) {
	s.err = err
	s.cancel()
	_ = s.cmd.Wait()
}

// Next returns the next code the program prints, skipping (and counting)
// codes already past their expires_at. After the program has exited or
// printed a bad line, Next returns that error (ErrCommandExited, ErrBadLine).
func (s *Command) Next(ctx context.Context) (*Code, error) {
	for {
		select {
		case c := <-s.lines:
			if c.expired(s.now()) {
				s.rec.dropped()
				continue
			}
			s.rec.used()
			return c, nil
		case <-s.done:
			s.rec.failed()
			return nil, s.err
		case <-ctx.Done():
			s.rec.failed()
			return nil, fmt.Errorf("codes: command %q: waiting for a code: %w", s.name, context.Cause(ctx))
		}
	}
}

// Stats returns the counts so far.
func (s *Command) Stats() Stats { return s.rec.snapshot() }

// Close kills the program (and its process group) and waits for it. Codes
// printed and not yet taken are lost. It returns nil.
func (s *Command) Close() error {
	s.closeOnce.Do(func() {
		close(s.quit)
		s.cancel()
		s.stdout.Close() // unblocks the reader even if a descendant holds the pipe
		<-s.done
	})
	return nil
}

// tailWriter keeps the last max bytes written. Safe for concurrent use.
type tailWriter struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (w *tailWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	if over := len(w.buf) - w.max; over > 0 {
		w.buf = append(w.buf[:0], w.buf[over:]...)
	}
	return len(p), nil
}

// tail returns the last n non-blank lines, joined with newlines.
func (w *tailWriter) tail(n int) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var lines []string
	for l := range strings.Lines(strings.ToValidUTF8(string(w.buf), "\uFFFD")) {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

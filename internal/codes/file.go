package codes

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/tokenbench/tokenbench/internal/inputfile"
)

// maxFileErrors is how many bad lines a File error lists.
const maxFileErrors = 20

// File hands out pre-harvested codes from a file of code lines (see
// parseLine's format), each once, in file order. The whole file is read and
// checked by NewFile. Safe for concurrent use.
type File struct {
	path  string
	now   func() time.Time
	rec   recorder
	mu    sync.Mutex
	codes []*Code
	next  int // index in codes of the next code to hand out
}

// NewFile reads and checks every line of path: an empty file, a bad line or
// a code given twice is an error naming path:line (every bad line is
// listed). Members a line lacks default from defaults (ClientID,
// RedirectURI, Nonce, CodeVerifier); a code without obtained_at is taken to
// have been obtained when the file was last modified. now decides expiry;
// nil means time.Now.
func NewFile(path string, defaults Code, now func() time.Time) (*File, error) {
	if now == nil {
		now = time.Now
	}
	data, err := inputfile.Read(path, inputfile.MaxCodes)
	if err != nil {
		return nil, fmt.Errorf("codes: file: %w", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("codes: file: %w", err)
	}
	f := &File{path: path, now: now}
	var errs []error
	seen := map[string]int{} // code value -> line
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		raw := sc.Bytes()
		if len(bytes.TrimSpace(raw)) == 0 {
			continue
		}
		c, err := parseLine(raw, defaults)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("codes: %s:%d: %v: %s", path, line, err, lineExcerpt(raw)))
			continue
		case seen[c.Value] > 0:
			errs = append(errs, fmt.Errorf("codes: %s:%d: the same code as line %d", path, line, seen[c.Value]))
			continue
		}
		seen[c.Value] = line
		if c.ObtainedAt.IsZero() {
			c.ObtainedAt = fi.ModTime()
		}
		c.Seq = len(f.codes) + 1
		f.codes = append(f.codes, c)
		f.rec.obtained(0)
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, fmt.Errorf("codes: %s:%d: %w", path, line+1, err))
	}
	if len(errs) > maxFileErrors {
		more := len(errs) - maxFileErrors
		errs = append(errs[:maxFileErrors], fmt.Errorf("codes: %s: %s more", path, plural(int64(more), "bad line")))
	}
	if len(errs) > 0 {
		return nil, mark(ErrBadLine, errors.Join(errs...))
	}
	if len(f.codes) == 0 {
		return nil, fmt.Errorf("codes: file %q: no codes (the file is empty)", path)
	}
	return f, nil
}

// Next returns the next code of the file, skipping (and counting) codes past
// their expires_at. When none is left it returns an error matching
// ErrExhausted. It never blocks; ctx is not used.
func (f *File) Next(context.Context) (*Code, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.codes == nil {
		f.rec.failed()
		return nil, errClosed(fmt.Sprintf("file %q", f.path))
	}
	now := f.now()
	for f.next < len(f.codes) {
		c := f.codes[f.next]
		f.codes[f.next] = nil
		f.next++
		if c.expired(now) {
			f.rec.dropped()
			continue
		}
		f.rec.used()
		return c, nil
	}
	f.rec.failed()
	s := f.rec.snapshot()
	msg := fmt.Sprintf("codes: file %q: all %s used", f.path, plural(int64(len(f.codes)), "code"))
	if s.Dropped > 0 {
		msg += fmt.Sprintf(" (%d of them dropped as expired)", s.Dropped)
	}
	return nil, mark(ErrExhausted, errors.New(msg))
}

// Stats returns the counts so far; Ready is the number of codes left.
func (f *File) Stats() Stats {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.rec.snapshot()
	s.Ready = int64(len(f.codes) - f.next)
	return s
}

// Close forgets the codes left; Next then fails with ErrClosed.
func (f *File) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.codes, f.next = nil, 0
	return nil
}

// Package inputfile reads the files a user gives tokenbench (target files,
// profiles, expected failures, codes files, result files) with a size bound,
// and refuses what is not a regular file: a FIFO or a device would block a
// run or feed it without end.
package inputfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// Size bounds, by kind of input.
const (
	// MaxConfig bounds a YAML file written by hand: a target, a profile,
	// an expected-failures list.
	MaxConfig = 1 << 20 // 1 MiB
	// MaxCodes bounds a file of pre-harvested codes (about 200 bytes a
	// code: some 300,000 codes).
	MaxCodes = 64 << 20 // 64 MiB
	// MaxResult bounds a result file (load.json, capacity.json,
	// conformance.json): a capacity search embeds every step's load result
	// with its histograms.
	MaxResult = 512 << 20 // 512 MiB
)

// ErrNotRegular: the path names a FIFO, a device, a socket or a directory.
var ErrNotRegular = errors.New("not a regular file")

// ErrTooLarge: the file is larger than the bound for its kind.
var ErrTooLarge = errors.New("file too large")

// Read reads the regular file at path, at most limit bytes. A FIFO, a
// device, a socket or a directory is ErrNotRegular, a longer file
// ErrTooLarge; both errors name the path. The file is checked once it is
// open, so a path swapped before the read is caught too.
func Read(path string, limit int64) ([]byte, error) {
	// Non-blocking: opening a FIFO that has no writer would block.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if err := regular(path, fi); err != nil {
		return nil, err
	}
	if fi.Size() > limit {
		return nil, tooLarge(path, limit)
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, tooLarge(path, limit)
	}
	return data, nil
}

// Regular reports whether path names a regular file, as Read would judge
// it, for a file another program reads (ErrNotRegular names the path and
// what it is).
func Regular(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	return regular(path, fi)
}

func regular(path string, fi fs.FileInfo) error {
	if fi.Mode().IsRegular() {
		return nil
	}
	what := "not a regular file"
	switch m := fi.Mode(); {
	case m.IsDir():
		what = "a directory"
	case m&fs.ModeNamedPipe != 0:
		what = "a named pipe (FIFO)"
	case m&fs.ModeDevice != 0, m&fs.ModeCharDevice != 0:
		what = "a device"
	case m&fs.ModeSocket != 0:
		what = "a socket"
	}
	return fmt.Errorf("%s is %s, not a regular file: %w", path, what, ErrNotRegular)
}

func tooLarge(path string, limit int64) error {
	return fmt.Errorf("%s is larger than %s: %w", path, Size(limit), ErrTooLarge)
}

// Size writes a byte count in binary units: "1 MiB", "512 KiB", "100 B".
func Size(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}

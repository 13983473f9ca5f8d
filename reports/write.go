package reports

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Conformance report file names, as WriteConformance writes them.
const (
	ConformanceJUnitFile    = "conformance.junit.xml"
	ConformanceJSONFile     = "conformance.json"
	ConformanceHTMLFile     = "conformance.html"
	ConformanceMarkdownFile = "conformance.md"
)

// WriteConformance writes the four conformance reports into dir, creating
// it when needed, and returns the paths written. It writes every report it
// can and returns the errors of those it could not write, joined.
func WriteConformance(dir string, c *Conformance) (paths []string, err error) {
	return writeFiles(dir, []namedWriter{
		{ConformanceJUnitFile, c.WriteJUnit},
		{ConformanceJSONFile, c.WriteJSON},
		{ConformanceHTMLFile, c.WriteHTML},
		{ConformanceMarkdownFile, c.WriteMarkdown},
	})
}

// namedWriter writes one file of a report.
type namedWriter struct {
	name  string
	write func(io.Writer) error
}

// writeFiles writes each file into dir, creating it when needed, and
// returns the paths written. It writes every file it can and returns the
// errors of those it could not write, joined.
func writeFiles(dir string, files []namedWriter) (paths []string, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("reports: output directory: %w", err)
	}
	var errs []error
	for _, f := range files {
		p := filepath.Join(dir, f.name)
		if err := WriteFile(p, f.write); err != nil {
			errs = append(errs, err)
			continue
		}
		paths = append(paths, p)
	}
	return paths, errors.Join(errs...)
}

// WriteFile writes a file whole or not at all: write renders into memory,
// the file is written beside path and renamed over it, so that a failed
// render or write, or a process killed while writing (a second interrupt, a
// CI job's SIGKILL), leaves path as it was, never half written. Errors
// from the file system name the path; the writers prefix their own.
func WriteFile(path string, write func(io.Writer) error) error {
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		return err
	}
	if err := replaceFile(path, buf.Bytes()); err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	return nil
}

// replaceFile writes data to a temporary file in path's directory and
// renames it to path.
func replaceFile(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

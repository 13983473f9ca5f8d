package reports

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
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
// the bytes go to a temporary file beside path, which is then renamed to
// path. A failed render or write, or a process killed while writing (a
// second interrupt, a CI job's SIGKILL), leaves path as it was and no
// partial file behind, and a reader polling for path (the merge of a distributed run waiting for its
// shards) never sees one half written. Errors from the file system name
// the path; the writers prefix their own.
func WriteFile(path string, write func(io.Writer) error) error {
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	_, err = tmp.Write(buf.Bytes())
	err = errors.Join(err, tmp.Chmod(0o644), tmp.Close())
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("reports: %s: %w", path, err)
	}
	return nil
}

// LoadFiles lists every load.json under dir (at any depth), sorted, but
// for skip (a path, or ""): the shards' results of a distributed run, as
// 'report merge DIR' takes them.
func LoadFiles(dir, skip string) ([]string, error) {
	var out []string
	skipAbs, _ := filepath.Abs(skip)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || d.Name() != LoadJSONFile {
			return nil
		}
		if abs, _ := filepath.Abs(p); skip != "" && abs == skipAbs {
			return nil
		}
		out = append(out, p)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	return out, nil
}

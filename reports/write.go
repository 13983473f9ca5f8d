package reports

import (
	"encoding/json"
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

// WriteJSON writes the model as indented JSON (schema ConformanceSchema).
func (c *Conformance) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(c); err != nil {
		return fmt.Errorf("reports: json: %w", err)
	}
	return nil
}

// WriteConformance writes the four conformance reports into dir, creating
// it when needed, and returns the paths written. It writes every report it
// can and returns the errors of those it could not write, joined.
func WriteConformance(dir string, c *Conformance) (paths []string, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("reports: output directory: %w", err)
	}
	writers := []struct {
		name  string
		write func(io.Writer) error
	}{
		{ConformanceJUnitFile, c.WriteJUnit},
		{ConformanceJSONFile, c.WriteJSON},
		{ConformanceHTMLFile, c.WriteHTML},
		{ConformanceMarkdownFile, c.WriteMarkdown},
	}
	var errs []error
	for _, wr := range writers {
		p := filepath.Join(dir, wr.name)
		if err := writeFile(p, wr.write); err != nil {
			errs = append(errs, err)
			continue
		}
		paths = append(paths, p)
	}
	return paths, errors.Join(errs...)
}

// writeFile writes a report to path, reporting write and close errors.
func writeFile(path string, write func(io.Writer) error) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("reports: %w", cerr)
		}
	}()
	// Errors from *os.File name the path; the writers prefix their own.
	return write(f)
}

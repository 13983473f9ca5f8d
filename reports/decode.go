package reports

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/tokenbench/tokenbench/internal/inputfile"
	"github.com/tokenbench/tokenbench/runner/results"
)

// Kinds of result file.
const (
	KindLoad        = "load"
	KindCapacity    = "capacity"
	KindConformance = "conformance"
)

// ErrNoMarkdown: a capacity result has an HTML report, not a Markdown one.
var ErrNoMarkdown = errors.New("reports: a capacity result has no Markdown form: use the HTML report")

// File is a decoded result file: exactly one of Load, Capacity and
// Conformance is set.
type File struct {
	Load        *results.Load
	Capacity    *results.Capacity
	Conformance *Conformance
}

// Kind is KindLoad, KindCapacity or KindConformance.
func (f *File) Kind() string {
	switch {
	case f.Load != nil:
		return KindLoad
	case f.Capacity != nil:
		return KindCapacity
	}
	return KindConformance
}

// WriteHTML writes the file's HTML report.
func (f *File) WriteHTML(w io.Writer) error {
	switch {
	case f.Load != nil:
		return WriteLoadHTML(w, f.Load)
	case f.Capacity != nil:
		return WriteCapacityHTML(w, f.Capacity)
	}
	return f.Conformance.WriteHTML(w)
}

// WriteMarkdown writes the file's Markdown summary; ErrNoMarkdown for a
// capacity result.
func (f *File) WriteMarkdown(w io.Writer) error {
	switch {
	case f.Load != nil:
		return WriteLoadMarkdown(w, f.Load)
	case f.Capacity != nil:
		return ErrNoMarkdown
	}
	return f.Conformance.WriteMarkdown(w)
}

// schemas are the result files this version reads, by schema, with how to
// decode each.
var schemas = []struct {
	schema, file string
	decode       func(*json.Decoder, *File) error
}{
	{results.LoadSchema, "load.json", func(d *json.Decoder, f *File) error { f.Load = new(results.Load); return d.Decode(f.Load) }},
	{results.CapacitySchema, "capacity.json", func(d *json.Decoder, f *File) error { f.Capacity = new(results.Capacity); return d.Decode(f.Capacity) }},
	{ConformanceSchema, "conformance.json", func(d *json.Decoder, f *File) error { f.Conformance = new(Conformance); return d.Decode(f.Conformance) }},
}

// Decode reads a result file's content (name names it in errors), told
// apart by its "schema" field: a load, capacity or conformance result. It
// checks the schema and that the content decodes into the model; it does
// not check the figures' consistency. This is the one place result files
// are told apart.
func Decode(name string, data []byte) (*File, error) {
	var head struct {
		Schema *string `json:"schema"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("reports: %s is not a tokenbench result (a JSON object): %w", name, err)
	}
	if head.Schema == nil {
		return nil, fmt.Errorf("reports: %s has no \"schema\" field: %s", name, wantSchemas())
	}
	for _, s := range schemas {
		if s.schema != *head.Schema {
			continue
		}
		var f File
		if err := s.decode(json.NewDecoder(bytes.NewReader(data)), &f); err != nil {
			return nil, fmt.Errorf("reports: %s: not a valid %s result: %w", name, s.schema, err)
		}
		return &f, nil
	}
	return nil, fmt.Errorf("reports: %s: field \"schema\" is %q: %s", name, *head.Schema, wantSchemas())
}

func wantSchemas() string {
	s := "want"
	for i, sc := range schemas {
		switch {
		case i == len(schemas)-1:
			s += " or"
		case i > 0:
			s += ","
		}
		s += fmt.Sprintf(" %q (%s)", sc.schema, sc.file)
	}
	return s
}

// ReadFile reads and decodes a result file (see Decode): a regular file
// of at most inputfile.MaxResult bytes.
func ReadFile(path string) (*File, error) {
	data, err := inputfile.Read(path, inputfile.MaxResult)
	if err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	return Decode(path, data)
}

// Package yamlfile decodes the user's YAML files (targets, profiles) strictly:
// unknown keys and wrong types are errors that name the file and line.
package yamlfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Error is a problem in a YAML file, located by file and line (0 when unknown).
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// Errors is every problem found in one file, in file order.
type Errors []*Error

func (es Errors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "\n")
}

// ReadFile reads path and decodes it strictly into v.
func ReadFile(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return Decode(path, data, v)
}

var (
	lineRe    = regexp.MustCompile(`^line (\d+): (.*)$`)
	unknownRe = regexp.MustCompile(`^field (\S+) not found in type .+$`)
	typeRe    = regexp.MustCompile("^cannot unmarshal !!(\\w+) `(.*)` into (\\S+)$")
)

// Decode decodes data (named name in messages) strictly into v: unknown keys,
// wrong types and duplicate documents are errors with file:line. An empty
// document is an error too.
func Decode(name string, data []byte, v any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return &Error{File: name, Msg: "file is empty"}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	err := dec.Decode(v)
	if err == nil {
		var extra yaml.Node
		if dec.Decode(&extra) != io.EOF {
			return &Error{File: name, Line: extra.Line, Msg: "more than one YAML document"}
		}
		return nil
	}
	return convert(name, err)
}

func convert(name string, err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		var out Errors
		for _, msg := range te.Errors {
			out = append(out, lineError(name, msg))
		}
		return out
	}
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	return lineError(name, msg)
}

func lineError(name, msg string) *Error {
	e := &Error{File: name, Msg: msg}
	if m := lineRe.FindStringSubmatch(msg); m != nil {
		fmt.Sscanf(m[1], "%d", &e.Line)
		e.Msg = m[2]
	}
	if m := unknownRe.FindStringSubmatch(e.Msg); m != nil {
		e.Msg = fmt.Sprintf("unknown key %q", m[1])
	} else if m := typeRe.FindStringSubmatch(e.Msg); m != nil {
		e.Msg = fmt.Sprintf("wrong type: %s %q where %s was expected", m[1], m[2], friendlyType(m[3]))
	}
	return e
}

func friendlyType(goType string) string {
	switch {
	case strings.HasPrefix(goType, "[]"):
		return "a list"
	case strings.HasPrefix(goType, "map["):
		return "a mapping"
	case goType == "string":
		return "a string"
	case goType == "bool":
		return "true or false"
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "uint"), strings.HasPrefix(goType, "float"):
		return "a number"
	}
	return "a mapping"
}

// Duration is a time.Duration written as a Go duration string ("5s", "1m30s").
type Duration time.Duration

// UnmarshalYAML implements yaml.Unmarshaler.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: wrong type: a duration such as \"5s\" was expected", n.Line)
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil || v < 0 {
		return fmt.Errorf("line %d: %q is not a duration such as \"5s\" or \"1m30s\"", n.Line, n.Value)
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML implements yaml.Marshaler.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String returns the Go duration form.
func (d Duration) String() string { return time.Duration(d).String() }

// Package yamlfile decodes the user's YAML files (targets, profiles) strictly:
// unknown keys and wrong types are errors that name the file and line.
package yamlfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/tokenbench/tokenbench/internal/inputfile"
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

// ReadFile reads path (a regular file of at most inputfile.MaxConfig
// bytes) and decodes it strictly into v.
func ReadFile(path string, v any) error {
	data, err := inputfile.Read(path, inputfile.MaxConfig)
	if err != nil {
		return err
	}
	return Decode(path, data, v)
}

// Decode decodes data (named name in messages) strictly into v: unknown keys,
// wrong types and duplicate documents are errors with file:line that name
// the key as written in the file (client.secret_env). A file that is empty,
// holds only comments or a null document is an error saying so.
func Decode(name string, data []byte, v any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return &Error{File: name, Msg: "the file is empty"}
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return convert(name, err, nil, nil)
	}
	switch {
	case len(root.Content) == 0:
		return &Error{File: name, Msg: "the file holds only comments: no settings"}
	case root.Content[0].Kind == yaml.ScalarNode && root.Content[0].ShortTag() == "!!null":
		return &Error{File: name, Line: root.Content[0].Line, Msg: "the document is empty (null): no settings"}
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
	return convert(name, err, keysOf(&root), reflect.TypeOf(v))
}

func convert(name string, err error, keys []key, t reflect.Type) error {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		var out Errors
		for _, msg := range te.Errors {
			out = append(out, lineError(name, msg, keys, t))
		}
		return out
	}
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	return lineError(name, msg, keys, t)
}

var (
	lineRe    = regexp.MustCompile(`^line (\d+): (.*)$`)
	unknownRe = regexp.MustCompile(`^field (\S+) not found in type .+$`)
	typeRe    = regexp.MustCompile("^cannot unmarshal !!(\\w+)(?: `(.*)`)? into (.+)$")
)

// lineError turns one of yaml.v3's messages into an Error in the user's
// words: the key as written in the file, what was found, what was wanted.
func lineError(name, msg string, keys []key, t reflect.Type) *Error {
	e := &Error{File: name, Msg: msg}
	if m := lineRe.FindStringSubmatch(msg); m != nil {
		e.Line, _ = strconv.Atoi(m[1])
		e.Msg = m[2]
	}
	if m := unknownRe.FindStringSubmatch(e.Msg); m != nil {
		e.Msg = fmt.Sprintf("unknown key %q", m[1])
		if k, ok := findKey(keys, e.Line, m[1]); ok {
			if k.parent != "" {
				e.Msg += " in " + k.parent
			}
			if s := suggest(m[1], fieldNames(typeAt(t, k.parent))); s != "" {
				e.Msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
		}
		return e
	}
	if m := typeRe.FindStringSubmatch(e.Msg); m != nil {
		k, ok := findValue(keys, e.Line, "!!"+m[1], m[2])
		want := "a " + m[3]
		if ok {
			want = typeWords(typeAt(t, k.path), want)
		}
		got := tagWords(m[1])
		if m[2] != "" {
			v := strings.TrimSuffix(m[2], "...")
			if ok {
				v = k.value.Value
			}
			if r := []rune(v); len(r) > 40 {
				v = string(r[:39]) + "…"
			}
			got += " " + strconv.Quote(v)
		}
		e.Msg = fmt.Sprintf("wrong type: %s where %s was expected", got, want)
		if ok && k.path != "" {
			e.Msg = fmt.Sprintf("wrong type for %s: %s where %s was expected", k.path, got, want)
		}
		return e
	}
	if e.Line > 0 {
		// a value's own unmarshaler (a Duration): name its key
		if k, ok := findValue(keys, e.Line, "", ""); ok && k.path != "" {
			e.Msg = k.path + ": " + e.Msg
		}
	}
	return e
}

// key is one value of the document: its path as the user writes it
// (client.secret_env, expect.id_token_algs[1]), its node, and the mapping
// key that names it (nil for a list item or the document).
type key struct {
	path, parent string
	name         *yaml.Node
	value        *yaml.Node
}

// keysOf lists every value of the document in document order.
func keysOf(root *yaml.Node) []key {
	var out []key
	var walk func(path string, n *yaml.Node)
	walk = func(path string, n *yaml.Node) {
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(path, c)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				p := k.Value
				if path != "" {
					p = path + "." + k.Value
				}
				out = append(out, key{path: p, parent: path, name: k, value: v})
				walk(p, v)
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				p := fmt.Sprintf("%s[%d]", path, i)
				out = append(out, key{path: p, parent: path, value: c})
				walk(p, c)
			}
		}
	}
	walk("", root)
	return out
}

// findKey finds the mapping key name on line.
func findKey(keys []key, line int, name string) (key, bool) {
	for _, k := range keys {
		if k.name != nil && k.name.Line == line && k.name.Value == name {
			return k, true
		}
	}
	return key{}, false
}

// findValue finds the value on line with the tag and the value (as
// yaml.v3 quotes it: cut to 7 bytes and "..." past 10); "" matches any.
// Of several, the innermost scalar wins.
func findValue(keys []key, line int, tag, value string) (key, bool) {
	var found key
	ok := false
	for _, k := range keys {
		n := k.value
		if n.Line != line || (tag != "" && n.ShortTag() != tag) {
			continue
		}
		if value != "" {
			if cut, trunc := strings.CutSuffix(value, "..."); trunc && len(n.Value) > 10 {
				if !strings.HasPrefix(n.Value, cut) {
					continue
				}
			} else if n.Value != value {
				continue
			}
		}
		if !ok || n.Kind == yaml.ScalarNode {
			found, ok = k, true
		}
	}
	return found, ok
}

// typeAt is the Go type that decodes the value at path (as keysOf writes
// it) when t decodes the document; nil when path leads nowhere.
func typeAt(t reflect.Type, path string) reflect.Type {
	for _, part := range pathParts(path) {
		for t != nil && t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t == nil {
			return nil
		}
		switch {
		case part == "[]" && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array):
			t = t.Elem()
		case t.Kind() == reflect.Map:
			t = t.Elem()
		case t.Kind() == reflect.Struct:
			f, ok := fieldByKey(t, part)
			if !ok {
				return nil
			}
			t = f
		default:
			return nil
		}
	}
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// pathParts splits a.b[2].c into a, b, [], c.
func pathParts(path string) []string {
	var out []string
	for _, p := range strings.Split(path, ".") {
		name, index, _ := strings.Cut(p, "[")
		if name != "" {
			out = append(out, name)
		}
		for range strings.Count(index, "]") {
			out = append(out, "[]")
		}
	}
	return out
}

// fieldByKey finds the struct field decoded from the YAML key name
// (yaml.v3's rules: the tag's name, else the lowercased field name;
// inline structs searched too).
func fieldByKey(t reflect.Type, name string) (reflect.Type, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if tag == "-" {
			continue
		}
		if strings.Contains(opts, "inline") {
			if ft, ok := fieldByKey(f.Type, name); ok {
				return ft, true
			}
			continue
		}
		if tag == "" {
			tag = strings.ToLower(f.Name)
		}
		if tag == name {
			return f.Type, true
		}
	}
	return nil, false
}

// fieldNames are the YAML keys a struct type decodes.
func fieldNames(t reflect.Type) []string {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		tag, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		switch {
		case !f.IsExported() || tag == "-":
		case strings.Contains(opts, "inline"):
			out = append(out, fieldNames(f.Type)...)
		case tag == "":
			out = append(out, strings.ToLower(f.Name))
		default:
			out = append(out, tag)
		}
	}
	return out
}

// suggest returns the known key closest to name when it is a likely typo
// (at most two edits, and fewer than half the name).
func suggest(name string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		if d := distance(name, k); d < bestD && 2*d < len(name) {
			best, bestD = k, d
		}
	}
	return best
}

// distance is the Levenshtein distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

var durationType = reflect.TypeOf(Duration(0))

// typeWords says what a Go type expects, in the user's words; def when
// the type is unknown.
func typeWords(t reflect.Type, def string) string {
	if t == nil {
		return def
	}
	if t == durationType {
		return `a duration such as "5s"`
	}
	switch t.Kind() {
	case reflect.String:
		return "text"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "a mapping (key: value lines)"
	}
	return def
}

// tagWords says what a YAML tag is, in the user's words.
func tagWords(tag string) string {
	switch tag {
	case "str":
		return "text"
	case "int":
		return "a whole number"
	case "float":
		return "a number"
	case "bool":
		return "true or false"
	case "seq":
		return "a list"
	case "map":
		return "a mapping"
	case "null":
		return "nothing (null)"
	case "timestamp":
		return "a date"
	}
	return "!!" + tag
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

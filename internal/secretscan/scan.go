// Package secretscan finds known secrets in output: in files and streams,
// in every encoding under which a secret can appear there (URL, JSON, HTML,
// XML and Markdown escaping, base64 alone or inside a longer base64 text
// such as a Basic credential, and two escapings in a row). Tests use it to
// prove that nothing tokenbench writes holds a secret of the run, and, with
// --reveal, that the scan can see them.
//
// Its encodings are written independently of internal/redact's, so that a
// form the redactor forgets is a finding here rather than a shared blind
// spot.
package secretscan

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// Minimum lengths below which a value or a base64 form is not looked for:
// shorter ones occur by chance.
const (
	MinValue  = 4
	MinBase64 = 8
)

// Finding is one secret found in one place.
type Finding struct {
	Source string // file path or stream name
	Kind   string // what the secret is ("client secret", "access token", ...)
	Value  string // the secret, abbreviated
	Form   string // the encoding it was found in ("raw", "base64url@1", "json(query)", ...)
	Offset int
}

func (f Finding) String() string {
	return fmt.Sprintf("%s: %s %q as %s at byte %d", f.Source, f.Kind, f.Value, f.Form, f.Offset)
}

// Scanner holds secrets and their encodings. Safe for concurrent use.
type Scanner struct {
	mu     sync.RWMutex
	values map[string]string // value -> kind
	pats   map[string]pattern
	byHead map[string][]string // first MinValue bytes -> patterns
}

type pattern struct{ kind, value, form string }

// New returns an empty Scanner.
func New() *Scanner {
	return &Scanner{values: map[string]string{}, pats: map[string]pattern{}, byHead: map[string][]string{}}
}

// Add registers secret values of a kind. Values shorter than MinValue are
// ignored.
func (s *Scanner) Add(kind string, values ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range values {
		if len(v) < MinValue {
			continue
		}
		if _, ok := s.values[v]; ok {
			continue
		}
		s.values[v] = kind
		for form, text := range Encodings(v) {
			if _, dup := s.pats[text]; dup {
				continue
			}
			s.pats[text] = pattern{kind, v, form}
			head := text[:MinValue]
			s.byHead[head] = append(s.byHead[head], text)
		}
	}
}

// Len returns how many secret values the Scanner holds.
func (s *Scanner) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.values)
}

// Scan returns where any secret appears in data, one finding per secret
// value and source (the first place it is seen).
func (s *Scanner) Scan(source string, data []byte) []Finding {
	s.mu.RLock()
	defer s.mu.RUnlock()
	text := string(data)
	seen := map[string]bool{}
	var out []Finding
	for i := 0; i+MinValue <= len(text); i++ {
		for _, p := range s.byHead[text[i:i+MinValue]] {
			if !strings.HasPrefix(text[i:], p) {
				continue
			}
			pt := s.pats[p]
			if seen[pt.value] {
				continue
			}
			seen[pt.value] = true
			out = append(out, Finding{Source: source, Kind: pt.kind, Value: abbreviate(pt.value), Form: pt.form, Offset: i})
		}
	}
	return out
}

// ScanFiles scans every regular file under each root (a file or a
// directory, walked recursively).
func (s *Scanner) ScanFiles(roots ...string) ([]Finding, error) {
	var out []Finding
	for _, root := range roots {
		err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !d.Type().IsRegular() {
				return err
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			out = append(out, s.Scan(path, data)...)
			return nil
		})
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

func abbreviate(v string) string {
	if len(v) <= 16 {
		return v
	}
	return v[:12] + "..."
}

// Encodings returns every form of v the scanner looks for, by the form's
// name. Text forms shorter than MinValue and base64 forms shorter than
// MinBase64 are left out.
func Encodings(v string) map[string]string {
	out := map[string]string{}
	put := func(name, text string, min int) bool {
		if len(text) < min {
			return false
		}
		for _, t := range out {
			if t == text {
				return false
			}
		}
		out[name] = text
		return true
	}
	put("raw", v, MinValue)
	firsts := []named{{"raw", v}}
	for _, e := range escapes {
		if t := e.fn(v); put(e.name, t, MinValue) {
			firsts = append(firsts, named{e.name, t})
		}
	}
	for _, f := range firsts[1:] {
		for _, e := range escapes {
			put(e.name+"("+f.name+")", e.fn(f.text), MinValue)
		}
	}
	plains := []named{{"raw", v}, {"query", escapeQuery(v, true)}, {"path", escapePath(v, true)}, {"path-go", escapePathGo(v)}}
	for _, p := range plains {
		for _, b := range b64(p.text) {
			name := b.name + "(" + p.name + ")"
			if put(name, b.text, MinBase64) {
				for _, e := range escapes {
					put(e.name+"("+name+")", e.fn(b.text), MinBase64)
				}
			}
		}
	}
	return out
}

type named struct {
	name string
	text string
}

// b64 returns the base64 forms of p: whole (padded and unpadded) and, at
// each alignment, the characters that only p's bytes determine.
func b64(p string) []named {
	var out []named
	for _, alpha := range []struct {
		name string
		enc  *base64.Encoding
	}{{"base64", base64.StdEncoding}, {"base64url", base64.URLEncoding}} {
		out = append(out, named{alpha.name, alpha.enc.EncodeToString([]byte(p))})
		out = append(out, named{alpha.name + "-nopad", strings.TrimRight(alpha.enc.EncodeToString([]byte(p)), "=")})
		for lead := 0; lead < 3; lead++ {
			full := strings.TrimRight(alpha.enc.EncodeToString(append(make([]byte, lead), p...)), "=")
			// skip the characters that mix in the leading bytes, and the
			// last one when it mixes in what follows p
			skip := (lead*8 + 5) / 6
			keep := (lead + len(p)) * 8 / 6
			if keep > len(full) {
				keep = len(full)
			}
			if keep > skip {
				out = append(out, named{fmt.Sprintf("%s@%d", alpha.name, lead), full[skip:keep]})
			}
		}
	}
	return out
}

// Names lists the encodings' names for v, sorted (for messages).
func Names(v string) []string {
	var out []string
	for n := range Encodings(v) {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

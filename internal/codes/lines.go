package codes

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// A code line is one JSON object per line, as printed by a command source's
// program or stored in a file source's file:
//
//	{"code": "...", "redirect_uri": "...", "nonce": "...", "code_verifier": "...",
//	 "client_id": "...", "expires_at": "2025-01-02T15:04:05Z", "obtained_at": "..."}
//
// Only code is required; the other members default from the source's
// defaults. Unknown members are errors. obtained_at (when the code was
// harvested, RFC 3339) lets Prefetch's maximum age apply to stored codes.

// lineFields are the members a code line may have.
var lineFields = []string{"client_id", "code", "code_verifier", "expires_at", "nonce", "obtained_at", "redirect_uri"}

// parseLine decodes one code line into a Code filled from defaults (its
// Value, State, ObtainedAt, ExpiresAt, Took and Seq are not used). The
// error says what is wrong without showing any value.
func parseLine(raw []byte, defaults Code) (*Code, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	var m map[string]json.RawMessage
	if err := dec.Decode(&m); err != nil || m == nil {
		return nil, errors.New("not a JSON object")
	}
	if rest := bytes.TrimSpace(raw[dec.InputOffset():]); len(rest) > 0 {
		return nil, errors.New("trailing data after the JSON object")
	}
	c := &Code{ClientID: defaults.ClientID, RedirectURI: defaults.RedirectURI, Nonce: defaults.Nonce, CodeVerifier: defaults.CodeVerifier}
	var problems []string
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !slices.Contains(lineFields, k) {
			problems = append(problems, fmt.Sprintf("unknown member %q", k))
			continue
		}
		var s string
		if err := json.Unmarshal(m[k], &s); err != nil {
			problems = append(problems, fmt.Sprintf("member %q: %s where a string was expected", k, jsonKind(m[k])))
			continue
		}
		switch k {
		case "code":
			if s == "" {
				problems = append(problems, `member "code" is empty`)
			}
			c.Value = s
		case "client_id":
			c.ClientID = s
		case "redirect_uri":
			c.RedirectURI = s
		case "nonce":
			c.Nonce = s
		case "code_verifier":
			c.CodeVerifier = s
		case "expires_at", "obtained_at":
			t, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				problems = append(problems, fmt.Sprintf("member %q: %q is not an RFC 3339 time", k, s))
				continue
			}
			if k == "expires_at" {
				c.ExpiresAt = t
			} else {
				c.ObtainedAt = t
			}
		}
	}
	if _, ok := m["code"]; !ok {
		problems = append(problems, `member "code" is missing`)
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "; "))
	}
	return c, nil
}

func jsonKind(raw json.RawMessage) string {
	switch b := bytes.TrimSpace(raw); {
	case len(b) == 0:
		return "nothing"
	case b[0] == '{':
		return "an object"
	case b[0] == '[':
		return "an array"
	case b[0] == 't' || b[0] == 'f':
		return "a boolean"
	case b[0] == 'n':
		return "null"
	default:
		return "a number"
	}
}

// secretRe finds the values of code and code_verifier members (JSON, or
// single-quoted as a Python dict prints them) and of code query parameters.
var secretRe = regexp.MustCompile(`(["']code(?:_verifier)?["']\s*:\s*)("(?:[^"\\]|\\.)*"?|'[^']*'?|[^,}\s]*)|([?&#]code=)[^&#\s"']*`)

// lineExcerpt returns what an error may show of a bad line: its first 80
// characters with the values of code and code_verifier hidden. A line that
// is a single word (no space inside) is not shown at all: it may be a bare
// code.
func lineExcerpt(raw []byte) string {
	s := strings.TrimSpace(string(raw))
	if !strings.HasPrefix(s, "{") && !strings.ContainsAny(s, " \t") {
		return "(not shown: a single word may be a code)"
	}
	s = secretRe.ReplaceAllStringFunc(s, func(m string) string {
		sm := secretRe.FindStringSubmatch(m)
		if sm[1] != "" {
			return sm[1] + `"<hidden>"`
		}
		return sm[3] + "<hidden>"
	})
	return fmt.Sprintf("%q", excerpt([]byte(s), 80))
}

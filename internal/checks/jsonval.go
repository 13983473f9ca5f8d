package checks

import (
	"github.com/tokenbench/tokenbench/internal/jsonscan"

	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// The helpers below read one already-validated JSON value (a member of a
// decoded object), so they only need its first byte to know its type.

// jsonKind names the JSON type of a raw value: "a string", "a number", ...
func jsonKind(raw json.RawMessage) string {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '"':
		return "a string"
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

func isJSONString(raw json.RawMessage) bool { return len(raw) > 0 && raw[0] == '"' }
func isJSONNull(raw json.RawMessage) bool   { return string(raw) == "null" }
func isJSONNumber(raw json.RawMessage) bool {
	return len(raw) > 0 && (raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9'))
}

// jsonString decodes a raw JSON string; ok is false for any other type.
func jsonString(raw json.RawMessage) (string, bool) {
	if !isJSONString(raw) || len(raw) < 2 {
		return "", false
	}
	body := raw[1 : len(raw)-1]
	if bytes.IndexByte(body, '\\') < 0 && utf8.Valid(body) {
		return string(body), true
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// jsonStringBytes is jsonscan.StringBytes.
func jsonStringBytes(raw json.RawMessage) ([]byte, bool) { return jsonscan.StringBytes(raw) }

func skipWS(data []byte, i int) int    { return jsonscan.SkipWS(data, i) }
func skipValue(data []byte, i int) int { return jsonscan.SkipValue(data, i) }
func intern(b []byte) string           { return jsonscan.Intern(b) }

// jsonNumber decodes a raw JSON number; ok is false for any other type.
func jsonNumber(raw json.RawMessage) (float64, bool) {
	if !isJSONNumber(raw) {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil {
		return 0, false
	}
	return f, true
}

// jsonStringElems returns the elements of an array of strings, aliasing
// raw where they have no escapes; ok is false for anything else, including
// an array with a non-string element.
func jsonStringElems(raw json.RawMessage) ([][]byte, bool) {
	if len(raw) == 0 || raw[0] != '[' {
		return nil, false
	}
	out := make([][]byte, 0, 4)
	i := skipWS(raw, 1)
	if i < len(raw) && raw[i] == ']' {
		return out, true
	}
	for i < len(raw) {
		end := skipValue(raw, i)
		s, ok := jsonStringBytes(raw[i:end])
		if !ok {
			return nil, false
		}
		out = append(out, s)
		i = skipWS(raw, end)
		if i >= len(raw) || raw[i] == ']' {
			return out, true
		}
		i = skipWS(raw, i+1) // the comma
	}
	return out, true
}

// containsBytes reports whether list holds s.
func containsBytes(list [][]byte, s string) bool {
	for _, v := range list {
		if string(v) == s {
			return true
		}
	}
	return false
}

// maxShown bounds how much of a non-secret value a failure quotes.
const maxShown = 80

// quote returns s quoted with %q, cut to maxShown runes.
func quote(s string) string {
	if len(s) > maxShown {
		cut := maxShown
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		return strconv.Quote(s[:cut]) + "…"
	}
	return strconv.Quote(s)
}

// showRaw renders a non-secret raw JSON value, cut to maxShown bytes.
func showRaw(raw json.RawMessage) string {
	if len(raw) > maxShown {
		cut := maxShown
		for cut > 0 && !utf8.RuneStart(raw[cut]) {
			cut--
		}
		return string(raw[:cut]) + "…"
	}
	return string(raw)
}

// shape describes a raw value without revealing it: "a string of 21 chars",
// "a number", "an array of 2 elements".
func shape(raw json.RawMessage) string {
	switch k := jsonKind(raw); k {
	case "a string":
		s, _ := jsonString(raw)
		return "a string of " + strconv.Itoa(utf8.RuneCountInString(s)) + " chars"
	case "an array":
		var elems []json.RawMessage
		if json.Unmarshal(raw, &elems) == nil {
			return "an array of " + strconv.Itoa(len(elems)) + " elements"
		}
		return k
	default:
		return k
	}
}

// redacted is what a secret or personal value shows as.
const redacted = "[redacted]"

// secretShape describes a secret string: "[redacted] (a string of 32 chars)".
func secretShape(raw json.RawMessage) string { return redacted + " (" + shape(raw) + ")" }

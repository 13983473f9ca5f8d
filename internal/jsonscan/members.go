// Package jsonscan splits JSON objects and arrays into their raw values
// without decoding them: several times cheaper than encoding/json into maps,
// which matters where every response and ID token of a load run is parsed.
package jsonscan

import (
	"bytes"
	"encoding/json"
	"errors"
)

// ParseMembers splits a JSON object into its top-level members without
// decoding their values, which alias data (data must not change
// afterwards). The grammar is encoding/json's (json.Valid); duplicate member
// names are returned in dups and the last one wins, as with encoding/json.
// It is several times cheaper than json.Unmarshal into a map, which matters
// on the load path where every response and ID token is parsed.
func ParseMembers(data []byte) (m map[string]json.RawMessage, dups []string, err error) {
	if !json.Valid(data) {
		// The slow path, only to say why.
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			return nil, nil, err
		}
		return nil, nil, errors.New("invalid JSON")
	}
	i := SkipWS(data, 0)
	if data[i] != '{' {
		return nil, nil, errNotJSONObject
	}
	// Every member has a colon; strings may add more, which only
	// over-sizes the map a little.
	m = make(map[string]json.RawMessage, min(bytes.Count(data, []byte{':'}), 64))
	i = SkipWS(data, i+1)
	if data[i] == '}' {
		return m, nil, nil
	}
	for {
		end := skipString(data, i)
		kb, ok := StringBytes(data[i:end])
		if !ok {
			return nil, nil, errors.New("invalid member name")
		}
		key := Intern(kb)
		i = SkipWS(data, end)
		i = SkipWS(data, i+1) // the colon
		vend := SkipValue(data, i)
		if _, dup := m[key]; dup {
			dups = append(dups, key)
		}
		m[key] = data[i:vend:vend]
		i = SkipWS(data, vend)
		if data[i] == '}' {
			return m, dups, nil
		}
		i = SkipWS(data, i+1) // the comma
	}
}

// errNotJSONObject is a valid JSON value that is not an object.
const errNotJSONObject = scanError("a JSON value that is not an object")

type scanError string

func (e scanError) Error() string { return string(e) }

func SkipWS(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index after the string starting at data[i] ('"').
func skipString(data []byte, i int) int {
	for i++; i < len(data); i++ {
		switch data[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return i
}

// skipValue returns the index after the valid JSON value at data[i].
func SkipValue(data []byte, i int) int {
	switch data[i] {
	case '"':
		return skipString(data, i)
	case '{', '[':
		depth := 0
		for ; i < len(data); i++ {
			switch data[i] {
			case '"':
				i = skipString(data, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return i
	}
	for ; i < len(data); i++ {
		switch data[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
	}
	return i
}

package jsonscan

import (
	"bytes"
	"encoding/json"
	"testing"
)

var objscanSeeds = []string{
	`{}`, ` { } `, `{"a":1}`, `{"a" : "x,}]" , "b":[1,{"c":"]"}], "d":{"e":null}}`,
	`{"esc\"aped":"v\\\"}","u":"\u00e9"}`, `{"n":-1.5e+3,"t":true,"f":false}`,
	"{\n\t\"a\"\r\n:\n[ ]\n}", `{"a":1,"a":2}`, `[1]`, `"s"`, `null`, `{"a":1} x`, `{"a":}`, ``, `{"a":1`,
}

// TestParseMembers: ParseMembers agrees with json.Unmarshal into a map on
// what is an object and on every member's value.
func TestParseMembers(t *testing.T) {
	t.Parallel()
	for _, in := range objscanSeeds {
		checkParseMembers(t, []byte(in))
	}
	m, dups, err := ParseMembers([]byte(`{"a":1,"b":2,"a":3}`))
	if err != nil || string(m["a"]) != "3" || len(dups) != 1 || dups[0] != "a" {
		t.Errorf("duplicates: %s %v %v", m, dups, err)
	}
}

func FuzzParseMembers(f *testing.F) {
	for _, s := range objscanSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkParseMembers(t, data) })
}

func checkParseMembers(t *testing.T, data []byte) {
	t.Helper()
	var want map[string]json.RawMessage
	wantErr := json.Unmarshal(data, &want)
	got, _, err := ParseMembers(data)
	if (err != nil) != (wantErr != nil || want == nil) {
		t.Fatalf("%q: err %v, json.Unmarshal: %v %v", data, err, want, wantErr)
	}
	if err != nil {
		return
	}
	if len(got) != len(want) {
		t.Fatalf("%q: %d members, want %d", data, len(got), len(want))
	}
	for k, v := range want {
		if !bytes.Equal(bytes.TrimSpace(got[k]), bytes.TrimSpace(v)) {
			t.Fatalf("%q: member %q = %s, want %s", data, k, got[k], v)
		}
	}
}

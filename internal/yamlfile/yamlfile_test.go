package yamlfile

import (
	"strings"
	"testing"
	"time"
)

type sample struct {
	Name  string   `yaml:"name"`
	Count int      `yaml:"count"`
	Wait  Duration `yaml:"wait"`
	Inner struct {
		Flag   bool     `yaml:"flag"`
		Secret string   `yaml:"secret_env"`
		Algs   []string `yaml:"algs"`
	} `yaml:"inner"`
	Level level             `yaml:"level"`
	Rows  map[string]*inner `yaml:"rows"`
}

type level string

type inner struct {
	Wait Duration `yaml:"wait"`
}

func TestDecode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		want     string // substring of the error; "" = no error
	}{
		{"ok", "name: a\ncount: 2\nwait: 1m30s\ninner: {flag: true}\n", ""},
		{"unknown key with line", "name: a\n\ncolour: red\n", `f.yaml:3: unknown key "colour"`},
		{"unknown nested key", "inner:\n  flg: true\n", `f.yaml:2: unknown key "flg" in inner (did you mean "flag"?)`},
		{"unknown key, no likely one", "inner:\n  colour: red\n", `f.yaml:2: unknown key "colour" in inner`},
		{"unknown key typo", "inner:\n  secret_nev: X\n", `f.yaml:2: unknown key "secret_nev" in inner (did you mean "secret_env"?)`},
		{"wrong type", "count: many\n", `f.yaml:1: wrong type for count: text "many" where a whole number was expected`},
		{"wrong type, long value", "count: manymanymany\n", `f.yaml:1: wrong type for count: text "manymanymany" where a whole number was expected`},
		{"wrong type, named string", "level: [MUST]\n", `f.yaml:1: wrong type for level: a list where text was expected`},
		{"wrong type, nested", "name: a\ninner: {flag: true, secret_env: [a]}\n", `f.yaml:2: wrong type for inner.secret_env: a list where text was expected`},
		{"wrong type in a list", "inner:\n  algs:\n    - RS256\n    - {a: b}\n", `f.yaml:4: wrong type for inner.algs[1]: a mapping where text was expected`},
		{"wrong type for a mapping", "inner: yes\n", `f.yaml:1: wrong type for inner: text "yes" where a mapping (key: value lines) was expected`},
		{"bad duration", "wait: soon\n", `f.yaml:1: wait: "soon" is not a duration`},
		{"bad duration in a map", "rows:\n  A:\n    wait: soon\n", `f.yaml:3: rows.A.wait: "soon" is not a duration`},
		{"malformed", "name: [a\n", "f.yaml:"},
		{"empty", "  \n", "f.yaml: the file is empty"},
		{"only comments", "# issuer: x\n\n  # client: y\n", "f.yaml: the file holds only comments: no settings"},
		{"null document", "---\n~\n", "f.yaml:2: the document is empty (null): no settings"},
		{"two documents", "name: a\n---\nname: b\n", "more than one YAML document"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var s sample
			err := Decode("f.yaml", []byte(tt.in), &s)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Decode: %v", err)
				}
				if s.Wait.D() != 90*time.Second || !s.Inner.Flag || s.Count != 2 {
					t.Fatalf("decoded %+v", s)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Decode error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestReadFileMissing(t *testing.T) {
	t.Parallel()
	if err := ReadFile("/nonexistent/x.yaml", &sample{}); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Fatalf("ReadFile = %v", err)
	}
}

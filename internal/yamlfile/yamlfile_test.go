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
		Flag bool `yaml:"flag"`
	} `yaml:"inner"`
}

func TestDecode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		want     string // substring of the error; "" = no error
	}{
		{"ok", "name: a\ncount: 2\nwait: 1m30s\ninner: {flag: true}\n", ""},
		{"unknown key with line", "name: a\n\ncolour: red\n", `f.yaml:3: unknown key "colour"`},
		{"unknown nested key", "inner:\n  flg: true\n", `f.yaml:2: unknown key "flg"`},
		{"wrong type", "count: many\n", `f.yaml:1: wrong type: str "many" where a number was expected`},
		{"bad duration", "wait: soon\n", `f.yaml:1: "soon" is not a duration`},
		{"malformed", "name: [a\n", "f.yaml:"},
		{"empty", "  \n", "f.yaml: file is empty"},
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

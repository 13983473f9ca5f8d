package main

import (
	"strings"
	"testing"
)

// TestMessagesInUsersWords: the messages of bad input say what is wrong in
// the user's words: an empty or comment-only target file says so (not
// "EOF"), a YAML error names the key as written in the file, and a label
// filter error is plain text (no terminal colour codes in a CI log).
func TestMessagesInUsersWords(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := targetYAML("http://127.0.0.1:9", "codes: {source: authorize}\n")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"empty target file", []string{"target", "check", "-t", writeFile(t, dir, "empty.yaml", "\n\n")}, "empty.yaml: the file is empty"},
		{"comment-only target file", []string{"target", "check", "-t", writeFile(t, dir, "c.yaml", "# issuer: https://example\n# client: {id: x}\n")}, "c.yaml: the file holds only comments: no settings"},
		{"nested unknown key", []string{"target", "check", "-t", writeFile(t, dir, "k.yaml", strings.Replace(good, "secret_env", "secret_nev", 1))}, `k.yaml:4: unknown key "secret_nev" in client (did you mean "secret_env"?)`},
		{"wrong type", []string{"target", "check", "-t", writeFile(t, dir, "w.yaml", strings.Replace(good, "id: tokenbench", "id: [a, b]", 1))}, `w.yaml:3: wrong type for client.id: a list where text was expected`},
		{"bad duration", []string{"target", "check", "-t", writeFile(t, dir, "d.yaml", good+"expect: {code_lifetime: soon}\n")}, `d.yaml:7: expect.code_lifetime: "soon" is not a duration`},
		{"label filter", []string{"conform", "--label-filter", "MUST &&"}, `suites: --label-filter "MUST &&": Syntax Error Parsing Label Filter: Unexpected EOF. (see https://onsi.github.io/ginkgo/#spec-labels)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, out, errs := runCLI(t, nil, tt.args...)
			if code != exitBadInput || !strings.Contains(errs, tt.want) {
				t.Errorf("exit %d, want 2; stderr lacks %q:\n%s", code, tt.want, errs)
			}
			if strings.Contains(errs+out, "\x1b") || strings.Contains(errs, "EOF\n") {
				t.Errorf("a colour code or a bare EOF reached the user:\n%q", errs)
			}
		})
	}
}

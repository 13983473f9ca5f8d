package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const testReport = `{
  "schema": "tokenbench.conformance/v1",
  "profile": {"name": "oidc"},
  "rows": [
    {"id": "REQ-METHOD-POST", "status": "pass"},
    {"id": "RESP-PRAGMA", "status": "warning", "message": "no Pragma:\n no-cache"},
    {"id": "REQ-GRANT-ONLY-CODE", "entry": "password", "status": "fail", "message": "got 200"},
    {"id": "REQ-CLIENT-ID-REJECTED", "status": "skipped", "message": "RFC 6749 §3.2.1 allows client_id"}
  ]
}`

func write(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestVerdicts(t *testing.T) {
	t.Parallel()
	rep := write(t, "conformance.json", testReport)
	tests := []struct {
		name   string
		expect string
		code   int
		want   []string // substrings of stdout (code 0, 1) or stderr (2)
	}{
		{
			name: "all as expected",
			expect: `# comment
REQ-METHOD-POST: {verdict: pass}
RESP-PRAGMA: {verdict: warning, reason: "no Pragma (RFC 6749 §5.1)"}
"REQ-GRANT-ONLY-CODE [password]": {verdict: fail, reason: "issues tokens for the password grant (RFC 6749 §5.2)"}
REQ-CLIENT-ID-REJECTED: {verdict: skip, reason: profile}
`,
			code: 0,
			want: []string{"4 rows (1 pass, 1 fail, 1 warning, 1 skip), every verdict as in"},
		},
		{
			name: "changed, missing on both sides, no reason",
			expect: `REQ-METHOD-POST: {verdict: fail, reason: "x"}
RESP-PRAGMA: {verdict: warning}
REQ-CLIENT-ID-REJECTED: {verdict: skip, reason: profile}
REQ-GONE: {verdict: pass}
`,
			code: 1,
			want: []string{
				"4 differ from",
				"REQ-METHOD-POST", "expected fail     got pass",
				"RESP-PRAGMA", "the expectation gives no reason for a non-pass",
				"REQ-GRANT-ONLY-CODE [password]", "expected (missing) got fail      got 200",
				"REQ-GONE", "expected pass     got (missing)  the report has no such row",
			},
		},
		{
			name: "flaky rows accept either verdict, and need a reason with a measured rate",
			expect: `REQ-METHOD-POST: {verdict: fail, flaky: pass, reason: "a race (RFC 6749 §4.1.2), caught in 7 of 20 rounds"}
RESP-PRAGMA: {verdict: pass, flaky: warning}
"REQ-GRANT-ONLY-CODE [password]": {verdict: pass, flaky: skip, reason: x 35%}
REQ-CLIENT-ID-REJECTED: {verdict: skip, reason: profile}
`,
			code: 1,
			want: []string{
				"2 differ from",
				"RESP-PRAGMA", "expected pass|warning got warning   the expectation gives no reason",
				"REQ-GRANT-ONLY-CODE [password]", "expected pass|skip got fail",
			},
		},
		{
			name:   "a flaky row without a measured rate",
			expect: "REQ-METHOD-POST: {verdict: fail, flaky: pass, reason: \"a race, sometimes\"}\nRESP-PRAGMA: {verdict: warning, reason: x}\n\"REQ-GRANT-ONLY-CODE [password]\": {verdict: fail, reason: x}\nREQ-CLIENT-ID-REJECTED: {verdict: skip, reason: profile}\n",
			code:   1,
			want:   []string{"1 differ from", "REQ-METHOD-POST", "must give its measured detection rate"},
		},
		{name: "flaky is the verdict itself", expect: "REQ-METHOD-POST: {verdict: pass, flaky: pass, reason: x}\n", code: 2, want: []string{`flaky "pass" is not another verdict`}},
		{name: "unknown verdict", expect: "REQ-METHOD-POST: {verdict: ok}\n", code: 2, want: []string{`verdict "ok" is not one of`}},
		{name: "unknown key", expect: "REQ-METHOD-POST: {verdict: pass, why: x}\n", code: 2, want: []string{"field why not found"}},
		{name: "listed twice", expect: "A: {verdict: pass}\nA: {verdict: pass}\n", code: 2, want: []string{`"A" is listed twice`}},
		{name: "not a mapping", expect: "- a\n", code: 2, want: []string{"want a mapping"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out, errOut bytes.Buffer
			code := run([]string{"-report", rep, "-expect", write(t, "expect.yaml", tt.expect)}, &out, &errOut)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stdout %q stderr %q", code, tt.code, out.String(), errOut.String())
			}
			text := out.String()
			if code == 2 {
				text = errOut.String()
			}
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("output %q lacks %q", text, w)
				}
			}
		})
	}
}

func TestVerdictsUpdate(t *testing.T) {
	t.Parallel()
	rep := write(t, "conformance.json", testReport)
	exp := write(t, "expect.yaml", `# kept header
# line two
RESP-PRAGMA: {verdict: warning, reason: "kept: RFC 6749 §5.1"}
REQ-METHOD-POST: {verdict: fail, reason: "dropped"}
`)
	var out, errOut bytes.Buffer
	if code := run([]string{"-report", rep, "-expect", exp, "-update"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	b, err := os.ReadFile(exp)
	if err != nil {
		t.Fatal(err)
	}
	got := string(b)
	for _, w := range []string{
		"# kept header\n# line two\nRESP-PRAGMA: {verdict: warning, reason: \"kept: RFC 6749 §5.1\"}\nREQ-METHOD-POST: {verdict: pass}\n",
		`"REQ-GRANT-ONLY-CODE [password]": {verdict: fail, reason: "TODO: got 200"}`,
		`REQ-CLIENT-ID-REJECTED: {verdict: skip, reason: "TODO: RFC 6749 §3.2.1 allows client_id"}`,
	} {
		if !strings.Contains(got, w) {
			t.Errorf("written file lacks %q:\n%s", w, got)
		}
	}
	// The file it wrote compares clean.
	out.Reset()
	if code := run([]string{"-report", rep, "-expect", exp}, &out, &errOut); code != 0 {
		t.Errorf("exit %d comparing the updated file: %s", code, out.String())
	}
}

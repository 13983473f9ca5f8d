package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/tokenbench/tokenbench/reports"
)

// runReport runs "tokenbench report ..." on a root that has the report
// command, with runWith's mapping of errors to exit statuses.
func runReport(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	a := &app{stdout: &out, stderr: &errb, env: func(string) string { return "" }}
	root := &cobra.Command{Use: "tokenbench", SilenceUsage: true, SilenceErrors: true}
	root.SetOut(&out)
	root.SetErr(&errb)
	root.AddCommand(a.reportCmd())
	root.SetArgs(append([]string{"report"}, args...))
	err := root.ExecuteContext(context.Background())
	var ee *exitError
	switch {
	case err == nil:
		code = exitOK
	case errors.As(err, &ee):
		fmt.Fprintf(&errb, "tokenbench: %v\n", ee.err)
		code = ee.code
	default:
		fmt.Fprintf(&errb, "tokenbench: %v\n", err)
		code = exitBadInput
	}
	return code, out.String(), errb.String()
}

// makeResults runs one short load against the embedded provider and
// writes a small conformance result (conform runs its suite once per
// process, and teeth_test.go has it), and returns their JSON files by kind.
func makeResults(t *testing.T) map[string]string {
	t.Helper()
	dir := t.TempDir()
	args := []string{"load", "--rate", "40", "--duration", "1s", "--slo", "p99<2s,error_rate<1%", "--out", filepath.Join(dir, "load")}
	if code, out, errs := runCLI(t, nil, args...); code != exitOK {
		t.Fatalf("%v: exit %d\n%s\n%s", args, code, out, errs)
	}
	c := &reports.Conformance{
		Schema: reports.ConformanceSchema, Tool: reports.Tool{Name: "tokenbench", Version: "test"},
		Target: reports.Target{Source: "embedded reference provider"}, Profile: reports.Profile{Name: "bankid"},
		Verdict: "pass", Summary: reports.Counts{Total: 1, Pass: 1},
		Rows: []reports.Row{{ID: "TE:CODE-SINGLE-USE", Area: "code", AreaTitle: "Authorization code", Level: "MUST",
			Text: "rejects a reused authorization code with invalid_grant", Status: reports.StatusPass}},
	}
	conf := filepath.Join(dir, "conformance.json")
	f, err := os.Create(conf)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.WriteJSON(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return map[string]string{"load": filepath.Join(dir, "load", "load.json"), "conformance": conf}
}

// TestReport renders a real load run and a conformance result; one load
// run serves every subtest (the machine's cores are shared with the
// timing-sensitive tests of the package).
func TestReport(t *testing.T) {
	t.Parallel()
	files := makeResults(t)
	t.Run("html", func(t *testing.T) { t.Parallel(); testReportHTML(t, files) })
	t.Run("md", func(t *testing.T) { t.Parallel(); testReportMarkdown(t, files) })
	t.Run("writeLoadReports", func(t *testing.T) { t.Parallel(); testWriteLoadReports(t, files) })
}

func testReportHTML(t *testing.T, files map[string]string) {
	tests := []struct {
		kind string
		want []string
	}{
		{"load", []string{"tokenbench load report", `class="verdict pass"`, "<svg", "p99&lt;2s", "Latency percentiles per second"}},
		{"conformance", []string{"tokenbench conformance report", `class="verdict pass"`, "TE:CODE-SINGLE-USE"}},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			t.Parallel()
			in := files[tt.kind]
			wantPath := strings.TrimSuffix(in, ".json") + ".html"
			code, out, errs := runReport(t, "html", in)
			if code != exitOK {
				t.Fatalf("exit %d\n%s%s", code, out, errs)
			}
			if strings.TrimSpace(out) != wantPath {
				t.Errorf("printed %q, want the path %q", out, wantPath)
			}
			b, err := os.ReadFile(wantPath)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !bytes.Contains(b, []byte(w)) {
					t.Errorf("%s lacks %q", wantPath, w)
				}
			}

			// -o elsewhere, and - for standard output
			other := filepath.Join(t.TempDir(), "r.html")
			if code, out, errs := runReport(t, "html", in, "-o", other); code != exitOK || strings.TrimSpace(out) != other {
				t.Fatalf("-o: exit %d, printed %q\n%s", code, out, errs)
			}
			if b2, err := os.ReadFile(other); err != nil || !bytes.Equal(b, b2) {
				t.Errorf("-o wrote a different report (%v)", err)
			}
			if code, out, _ := runReport(t, "html", in, "-o", "-"); code != exitOK || out != string(b) {
				t.Errorf("-o -: exit %d, %d bytes, want the report on stdout", code, len(out))
			}
		})
	}
}

func testReportMarkdown(t *testing.T, files map[string]string) {
	tests := []struct {
		kind string
		want []string
	}{
		{"load", []string{"## tokenbench load: PASS", "| `p99<2s` |", "### What limited this run"}},
		{"conformance", []string{"## tokenbench conformance: PASS"}},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			t.Parallel()
			in := files[tt.kind]
			code, out, errs := runReport(t, "md", in)
			if code != exitOK {
				t.Fatalf("exit %d\n%s%s", code, out, errs)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("markdown lacks %q:\n%s", w, out)
				}
			}
			file := filepath.Join(t.TempDir(), "summary.md")
			if code, o, errs := runReport(t, "md", in, "-o", file); code != exitOK || o != "" {
				t.Fatalf("-o: exit %d, stdout %q\n%s", code, o, errs)
			}
			if b, err := os.ReadFile(file); err != nil || string(b) != out {
				t.Errorf("-o wrote %q (%v), want what stdout had", b, err)
			}
		})
	}
}

func TestReportBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	notJSON := write("notjson.json", "schema: tokenbench.load/v1\n")
	array := write("array.json", "[1, 2]")
	noSchema := write("noschema.json", `{"model": "open"}`)
	wrongSchema := write("wrong.json", `{"schema": "tokenbench.load/v9"}`)
	badBody := write("badbody.json", `{"schema": "tokenbench.load/v1", "summary": "fast"}`)
	badConf := write("badconf.json", `{"schema": "tokenbench.conformance/v1", "rows": {}}`)
	good := write("load.json", `{"schema": "tokenbench.load/v1", "model": "open"}`)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"missing file", []string{"html", filepath.Join(dir, "nope.json")}, "no such file or directory"},
		{"not JSON", []string{"html", notJSON}, "is not a tokenbench result (a JSON object)"},
		{"an array", []string{"md", array}, "is not a tokenbench result (a JSON object)"},
		{"no schema", []string{"md", noSchema}, `has no "schema" field: want "tokenbench.load/v1" (load.json) or "tokenbench.conformance/v1" (conformance.json)`},
		{"unknown schema", []string{"html", wrongSchema}, `field "schema" is "tokenbench.load/v9"`},
		{"wrong types", []string{"html", badBody}, "not a valid tokenbench.load/v1 result"},
		{"wrong conformance types", []string{"md", badConf}, "not a valid tokenbench.conformance/v1 result"},
		{"no file given", []string{"html"}, "report html: give one result file (load.json or conformance.json), got 0 arguments"},
		{"two files", []string{"md", good, good}, "report md: give one result file"},
		{"unwritable output", []string{"html", good, "-o", filepath.Join(dir, "no", "such", "dir", "r.html")}, "report: writing the report:"},
		{"unknown format", []string{"pdf", good}, `unknown command "pdf"`},
		{"no format", nil, "report: give a format: html or md"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, out, errs := runReport(t, tt.args...)
			if code != exitBadInput {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, exitBadInput, out, errs)
			}
			if !strings.Contains(errs, tt.want) {
				t.Errorf("stderr %q lacks %q", errs, tt.want)
			}
		})
	}
	// a minimal valid result renders: missing parts are not bad input
	if code, _, errs := runReport(t, "html", good, "-o", filepath.Join(dir, "min.html")); code != exitOK {
		t.Errorf("minimal load.json: exit %d: %s", code, errs)
	}
}

func testWriteLoadReports(t *testing.T, files map[string]string) {
	res, err := readResult(files["load"])
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	paths, err := writeLoadReports(dir, res.load)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{filepath.Join(dir, "load.html"), filepath.Join(dir, "load.md")}; strings.Join(paths, " ") != strings.Join(want, " ") {
		t.Errorf("paths %v, want %v", paths, want)
	}
	for _, p := range paths {
		if fi, err := os.Stat(p); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", p, err)
		}
	}
}

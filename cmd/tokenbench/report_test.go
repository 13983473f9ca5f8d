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
	"github.com/tokenbench/tokenbench/runner/results"
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
		{"no schema", []string{"md", noSchema}, `has no "schema" field: want "tokenbench.load/v1" (load.json), "tokenbench.capacity/v1" (capacity.json) or "tokenbench.conformance/v1" (conformance.json)`},
		{"unknown schema", []string{"html", wrongSchema}, `field "schema" is "tokenbench.load/v9"`},
		{"wrong types", []string{"html", badBody}, "not a valid tokenbench.load/v1 result"},
		{"wrong conformance types", []string{"md", badConf}, "not a valid tokenbench.conformance/v1 result"},
		{"no file given", []string{"html"}, "report html: give one result file (load.json, conformance.json or capacity.json), got 0 arguments"},
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

// v1 is where the result files written by tokenbench 4fb4b76 are kept
// (reports/testdata/v1/README.md says how they were made).
var v1 = filepath.Join("..", "..", "reports", "testdata", "v1")

// TestReportV1Files: results written before the result model moved
// (tokenbench 4fb4b76) still render, compare and merge.
func TestReportV1Files(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, tt := range []struct {
		file     string
		html, md []string // what the reports show; md nil: no Markdown form
	}{
		{"load.json", []string{"PASS", "All 3 SLOs met", "ramp:2s@40-80", "Latency percentiles per second"}, []string{"## tokenbench load: PASS", "| `throughput>=90%` | throughput, completed requests per second ÷ target rate |"}},
		{"load-merged.json", []string{"FAIL", "The endpoint (every in-flight slot busy) (shard 1/2)", "The endpoint (every in-flight slot busy) (shard 2/2)"},
			[]string{"- **The endpoint (every in-flight slot busy) (shard 2/2)**: 120 requests"}},
		{"capacity.json", []string{"600/s", "max sustainable = knee 600/s", "SLO p99&lt;50ms"}, nil},
		{"conformance.json", []string{"FAIL", "CODE-SINGLE-USE", `<pre class="http-req">POST /oauth/token HTTP/1.1`, `<pre class="http-resp">HTTP/1.1 200 OK`}, []string{"## tokenbench conformance: FAIL", "`RESP-PRAGMA`"}},
	} {
		in := filepath.Join(v1, tt.file)
		out := filepath.Join(dir, tt.file+".html")
		if code, _, errs := runReport(t, "html", in, "-o", out); code != exitOK {
			t.Errorf("html %s: exit %d: %s", tt.file, code, errs)
			continue
		}
		page, _ := os.ReadFile(out)
		for _, w := range tt.html {
			if !strings.Contains(string(page), w) {
				t.Errorf("html %s lacks %q", tt.file, w)
			}
		}
		code, md, errs := runReport(t, "md", in)
		switch {
		case tt.md == nil && (code != exitBadInput || !strings.Contains(errs, "no Markdown form")):
			t.Errorf("md %s: exit %d: %s; want 2, no Markdown form", tt.file, code, errs)
		case tt.md != nil && code != exitOK:
			t.Errorf("md %s: exit %d: %s", tt.file, code, errs)
		}
		for _, w := range tt.md {
			if !strings.Contains(md, w) {
				t.Errorf("md %s lacks %q:\n%s", tt.file, w, md)
			}
		}
	}

	shard1, shard2 := filepath.Join(v1, "load-shard1.json"), filepath.Join(v1, "load-shard2.json")
	if code, out, errs := runReport(t, "compare", shard1, shard2, "--max-regression", "p99=50%,error_rate=1pp"); code != exitOK || !strings.Contains(out, "ok (p99=50%)") {
		t.Errorf("compare two v1 shards: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs := runReport(t, "compare", filepath.Join(v1, "conformance-clean.json"), filepath.Join(v1, "conformance.json"))
	if code != exitFailed || !strings.Contains(out, "NEW FAILURES (3)") || !strings.Contains(out, "RESP-PRAGMA") {
		t.Errorf("compare v1 conformance results: exit %d\n%s%s", code, out, errs)
	}

	merged := filepath.Join(dir, "merged.json")
	code, out, errs = runReport(t, "merge", shard1, shard2, "-o", merged)
	if code != exitFailed || !strings.Contains(out, "limited by  shard 1/2: schedule: 120 requests") || !strings.Contains(errs, "report merge: an SLO was breached") {
		t.Errorf("merge two v1 shards: exit %d\n%s%s", code, out, errs)
	}
	got, err := reports.ReadFile(merged)
	if err != nil {
		t.Fatal(err)
	}
	old, err := reports.ReadFile(filepath.Join(v1, "load-merged.json"))
	if err != nil {
		t.Fatal(err)
	}
	if g, o := got.Load, old.Load; g.Summary.Requests != o.Summary.Requests || g.Summary.LatencyMS != o.Summary.LatencyMS ||
		len(g.Limits) != 2 || g.Limits[1] != o.Limits[1] || g.Limits[1].Kind != results.LimitInFlight || g.Limits[1].Shard != "shard 2/2" {
		t.Errorf("merged now: %d requests, %+v, limits %+v\nmerged by 4fb4b76: %d requests, %+v, limits %+v",
			g.Summary.Requests, g.Summary.LatencyMS, g.Limits, o.Summary.Requests, o.Summary.LatencyMS, o.Limits)
	}
}

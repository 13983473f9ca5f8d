package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/spf13/cobra"

	"github.com/tokenbench/tokenbench/reports"
	"github.com/tokenbench/tokenbench/reports/compare"
	"github.com/tokenbench/tokenbench/runner/results"
)

// runUnwired runs a command that is not wired under the root yet, mapping
// its error to an exit status and a message as runWith does.
func runUnwired(t *testing.T, build func(*app) *cobra.Command, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	a := &app{stdout: &out, stderr: &errb, env: func(string) string { return "" }}
	cmd := build(a)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errb)
	err := cmd.ExecuteContext(context.Background())
	var ee *exitError
	switch {
	case err == nil:
		return exitOK, out.String(), errb.String()
	case errors.As(err, &ee):
		fmt.Fprintf(&errb, "tokenbench: %v\n", ee.err)
		return ee.code, out.String(), errb.String()
	}
	fmt.Fprintf(&errb, "tokenbench: %v\n", err)
	return exitBadInput, out.String(), errb.String()
}

var (
	sharedLoadOnce sync.Once
	sharedLoadJSON []byte
	sharedLoadErr  string
)

// sharedLoad is the load.json of one short run against the embedded provider,
// shared by the tests. It judges no SLO: on a busy machine some requests
// may wait too long for a code, and the comparisons do not care.
func sharedLoad(t *testing.T) *results.Load {
	t.Helper()
	sharedLoadOnce.Do(func() {
		out := filepath.Join(os.TempDir(), fmt.Sprintf("tokenbench-compare-test-%d", os.Getpid()))
		defer os.RemoveAll(out)
		code, stdout, stderr := runCLI(t, nil, "load", "--rate", "400", "--requests", "2000", "--timeout", "60s", "--out", out)
		if code != exitOK {
			sharedLoadErr = fmt.Sprintf("load: exit %d\n%s\n%s", code, stdout, stderr)
			return
		}
		sharedLoadJSON, _ = os.ReadFile(filepath.Join(out, "load.json"))
	})
	if sharedLoadErr != "" {
		t.Fatal(sharedLoadErr)
	}
	var r results.Load
	if err := json.Unmarshal(sharedLoadJSON, &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

// slower returns r with every latency and service time multiplied by f,
// histograms and percentiles alike: a crafted regression (or, with f near
// 1, a rerun).
func slower(t *testing.T, r *results.Load, f float64) *results.Load {
	return reshape(t, r, f, false)
}

// smoother returns r with its latencies replaced by as many drawn
// from a fixed log-normal distribution (median 20 ms), multiplied by f: a
// regression whose size does not depend on how busy the machine was when
// the real run's tail was recorded.
func smoother(t *testing.T, r *results.Load, f float64) *results.Load {
	return reshape(t, r, f, true)
}

func reshape(t *testing.T, r *results.Load, f float64, synthetic bool) *results.Load {
	t.Helper()
	scale := func(s *results.Summary) {
		for _, p := range []struct {
			enc  *string
			pcts *results.Percentiles
		}{{&s.HDR.Latency, &s.LatencyMS}, {&s.HDR.Service, &s.ServiceTimeMS}} {
			h, err := results.DecodeHistogram(*p.enc)
			if err != nil {
				t.Fatal(err)
			}
			out := hdr.New(1, 60_000_000, 3)
			if synthetic {
				rng := rand.New(rand.NewPCG(1, 2))
				for range h.TotalCount() {
					out.RecordValue(int64(20_000 * math.Exp(0.3*rng.NormFloat64()) * f))
				}
			} else {
				for _, b := range h.Distribution() {
					if b.Count > 0 {
						out.RecordValues(int64(float64(b.From+b.To)/2*f), b.Count)
					}
				}
			}
			if *p.enc, err = results.EncodeHistogram(out); err != nil {
				t.Fatal(err)
			}
			ms := func(q float64) float64 { return float64(out.ValueAtPercentile(q)) / 1000 }
			*p.pcts = results.Percentiles{Min: float64(out.Min()) / 1000, Mean: out.Mean() / 1000, P50: ms(50), P90: ms(90), P99: ms(99), P999: ms(99.9), Max: float64(out.Max()) / 1000}
		}
	}
	scale(&r.Summary)
	for i := range r.Stages {
		scale(&r.Stages[i].Summary)
	}
	return r
}

func writeJSON(t *testing.T, dir, name string, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return writeFile(t, dir, name, string(data))
}

const ciThresholds = "p99=10%,throughput=5%,error_rate=0.05pp"

func TestReportCompareLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	base := writeJSON(t, dir, "base.json", sharedLoad(t))
	rerun := writeJSON(t, dir, "rerun.json", slower(t, sharedLoad(t), 1.03))
	smooth := writeJSON(t, dir, "smooth.json", smoother(t, sharedLoad(t), 1))
	regressed := writeJSON(t, dir, "regressed.json", smoother(t, sharedLoad(t), 1.3))

	code, out, errs := runUnwired(t, (*app).reportCompareCmd, base, rerun, "--max-regression", ciThresholds)
	if code != exitOK || !strings.Contains(out, "verdict  OK") || !strings.Contains(out, "ok (p99=10%)") {
		t.Errorf("a rerun: exit %d\n%s\n%s", code, out, errs)
	}
	code, out, errs = runUnwired(t, (*app).reportCompareCmd, smooth, regressed, "--max-regression", ciThresholds)
	if code != exitFailed || !strings.Contains(out, "REGRESSION (p99=10%)") || !strings.Contains(errs, "report compare: REGRESSION: 2 figures beyond --max-regression and beyond noise") {
		t.Errorf("a crafted regression: exit %d\n%s\n%s", code, out, errs)
	}
	// without thresholds: deltas only
	if code, out, _ := runUnwired(t, (*app).reportCompareCmd, base, regressed); code != exitOK || !strings.Contains(out, "none given (--max-regression): deltas only") {
		t.Errorf("no thresholds: exit %d\n%s", code, out)
	}
	code, out, _ = runUnwired(t, (*app).reportCompareCmd, smooth, regressed, "--max-regression", ciThresholds, "--format", "md")
	if code != exitFailed || !strings.HasPrefix(out, "### ❌ tokenbench compare: load") {
		t.Errorf("md: exit %d\n%s", code, out)
	}
	code, out, _ = runUnwired(t, (*app).reportCompareCmd, base, rerun, "--format", "json")
	var c compare.Result
	if err := json.Unmarshal([]byte(out), &c); code != exitOK || err != nil || c.Schema != compare.Schema || c.Base.Source != base {
		t.Errorf("json: exit %d, %v\n%.300s", code, err, out)
	}
}

func conformanceWith(rows map[string]string) *reports.Conformance {
	c := &reports.Conformance{Schema: reports.ConformanceSchema, Verdict: reports.VerdictPass, Profile: reports.Profile{Name: "bankid"}}
	for _, id := range []string{"TOKEN-CODE-REUSE", "RESP-PRAGMA", "IDT-AT-HASH"} {
		st := rows[id]
		if st == reports.StatusFail {
			c.Verdict = reports.VerdictFail
		}
		c.Rows = append(c.Rows, reports.Row{ID: id, Level: "MUST", Text: id, Status: st, Message: "observed " + st})
	}
	return c
}

func TestReportCompareConformance(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	base := writeJSON(t, dir, "base.json", conformanceWith(map[string]string{"TOKEN-CODE-REUSE": "pass", "RESP-PRAGMA": "fail", "IDT-AT-HASH": "pass"}))
	same := writeJSON(t, dir, "same.json", conformanceWith(map[string]string{"TOKEN-CODE-REUSE": "pass", "RESP-PRAGMA": "fail", "IDT-AT-HASH": "pass"}))
	worse := writeJSON(t, dir, "worse.json", conformanceWith(map[string]string{"TOKEN-CODE-REUSE": "fail", "RESP-PRAGMA": "pass", "IDT-AT-HASH": "pass"}))
	if code, out, errs := runUnwired(t, (*app).reportCompareCmd, base, same); code != exitOK || !strings.Contains(out, "OK: no row newly fails") {
		t.Errorf("same: exit %d\n%s\n%s", code, out, errs)
	}
	code, out, errs := runUnwired(t, (*app).reportCompareCmd, base, worse)
	if code != exitFailed || !strings.Contains(errs, "report compare: REGRESSION: 1 row newly fails") || strings.Index(out, "NEW FAILURES (1)") > strings.Index(out, "FIXED (1)") ||
		!strings.Contains(out, "TOKEN-CODE-REUSE  MUST  pass → fail") {
		t.Errorf("a newly failing row: exit %d\n%s\n%s", code, out, errs)
	}
}

func TestReportCompareBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	load := writeJSON(t, dir, "load.json", sharedLoad(t))
	conf := writeJSON(t, dir, "conformance.json", conformanceWith(map[string]string{"RESP-PRAGMA": "pass"}))
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{load, filepath.Join(dir, "missing.json")}, "missing.json: no such file or directory"},
		{[]string{load, conf}, "BASE is a load result and NEW a conformance result"},
		{[]string{load, load, "--max-regression", "p99=10"}, `--max-regression item 1 "p99=10"`},
		{[]string{load, load, "--format", "html"}, `--format "html"`},
		{[]string{writeFile(t, dir, "x.json", `{"schema":"tokenbench.capacity/v1"}`), load}, "BASE is a capacity result and NEW a load result"},
		{[]string{writeFile(t, dir, "c.json", `{"schema":"tokenbench.capacity/v1"}`), filepath.Join(dir, "c.json")}, "capacity results are not compared"},
		{[]string{writeFile(t, dir, "y.json", `{"schema":"tokenbench.load/v9"}`), load}, `y.json: field "schema" is "tokenbench.load/v9"`},
		{[]string{load}, "accepts 2 arg(s)"},
	} {
		code, _, errs := runUnwired(t, (*app).reportCompareCmd, tt.args...)
		if code != exitBadInput || !strings.Contains(errs, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, code, errs, tt.want)
		}
	}
}

// TestLoadShardsMerge: a run split in two shards over a shared codes file
// (each redeems every other code: a code redeemed twice would fail with
// invalid_grant) merges into the whole run.
func TestLoadShardsMerge(t *testing.T) {
	t.Parallel()
	srv := refProvider(t, "tokenbench-secret")
	dir := t.TempDir()
	env := map[string]string{"SECRET": "tokenbench-secret"}
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var lines strings.Builder
	for range 60 {
		resp, err := hc.Get(srv.URL + "/authorize?response_type=code&client_id=tokenbench&scope=openid&state=s&redirect_uri=" + url.QueryEscape("http://127.0.0.1:9/callback"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, _ := url.Parse(resp.Header.Get("Location"))
		fmt.Fprintf(&lines, "{\"code\": %q}\n", loc.Query().Get("code"))
	}
	writeFile(t, dir, "codes.jsonl", lines.String())
	tgt := writeFile(t, dir, "t.yaml", targetYAML(srv.URL, "codes: {source: file, path: codes.jsonl}\n"))

	var wg sync.WaitGroup
	outs := make([]string, 2)
	for i := range 2 {
		outs[i] = filepath.Join(dir, fmt.Sprintf("shard%d", i+1))
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, stdout, stderr := runCLI(t, env, "load", "-t", tgt, "--rate", "60", "--requests", "60", "--validate", "none", "--shard", fmt.Sprintf("%d/2", i+1), "--out", outs[i], "--slo", "error_rate<1%")
			if code != exitOK || !strings.Contains(stdout, fmt.Sprintf("shard %d/2: rates divided by 2, codes %d, %d, %d, ... of the codes file (every 2nd)", i+1, i+1, i+3, i+5)) {
				t.Errorf("shard %d/2: exit %d\n%s\n%s", i+1, code, stdout, stderr)
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	merged := filepath.Join(dir, "merged", "load.json")
	code, out, errs := runUnwired(t, (*app).reportMergeCmd, filepath.Join(outs[0], "load.json"), filepath.Join(outs[1], "load.json"), "-o", merged)
	if code != exitOK || !strings.Contains(out, "2 results: "+filepath.Join(outs[0], "load.json")+" (shard 1/2)") {
		t.Fatalf("merge: exit %d\n%s\n%s", code, out, errs)
	}
	data, err := os.ReadFile(merged)
	if err != nil {
		t.Fatal(err)
	}
	var m results.Load
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	if m.Summary.Requests != 60 || m.Summary.OK != 60 || m.Summary.TargetRPS < 59.9 || len(m.MergedFrom) != 2 || m.MergedFrom[1].Shard.Index != 2 || len(m.SLO) != 1 || !m.SLO[0].Pass {
		t.Errorf("merged: %d requests, %d ok, target %v/s, parts %+v, slo %+v", m.Summary.Requests, m.Summary.OK, m.Summary.TargetRPS, m.MergedFrom, m.SLO)
	}
	if _, err := os.Stat(filepath.Join(dir, "merged", "load.hlog")); err != nil {
		t.Error(err)
	}
	// the same shard twice is refused
	code, _, errs = runUnwired(t, (*app).reportMergeCmd, filepath.Join(outs[0], "load.json"), filepath.Join(outs[0], "load.json"), "-o", filepath.Join(dir, "x.json"))
	if code != exitBadInput || !strings.Contains(errs, "shard 1/2 is given twice: "+filepath.Join(outs[0], "load.json")+" and "+filepath.Join(outs[0], "load.json")+": the same result") {
		t.Errorf("shard twice: exit %d %s", code, errs)
	}
}

func TestLoadShardBadInput(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"load", "--shard", "3/2"}, `load: --shard "3/2": I is not from 1 to N`},
		{[]string{"load", "--shard", "1/4", "--concurrency", "3"}, "load: --shard \"1/4\": shard 1/4: 3 workers, fewer than the 4 shards"},
		{[]string{"load", "--shard", "auto"}, "load: --shard \"auto\": $JOB_COMPLETION_INDEX is not set"},
		{[]string{"load", "--start-at", "tomorrow"}, "load: --start-at \"tomorrow\": not an RFC 3339 time"},
		{[]string{"load", "--shard", "1/4", "--rate", "10", "--requests", "3"}, "3 requests, fewer than the 4 shards"},
	} {
		code, _, errs := runCLI(t, nil, tt.args...)
		if code != exitBadInput || !strings.Contains(errs, tt.want) {
			t.Errorf("%v: exit %d, stderr %q, want 2 and %q", tt.args, code, errs, tt.want)
		}
	}
}

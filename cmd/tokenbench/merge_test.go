package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/reports"
)

// TestShardsAutoMergeDir runs three shards as the pods of the Indexed Job
// would (--shard auto from JOB_COMPLETION_INDEX and TOKENBENCH_SHARD_COUNT,
// one --start-at), then merges their directory with --slo (p99<60s: no
// request waits longer than its 10 s timeout, so no machine can breach it;
// a breach is judged below with p99<1us): the merged
// result holds the three, in shard order, with the start time and each
// shard's skew; one shard left out is named and fails the merge; the same
// shard twice is refused naming both files.
func TestShardsAutoMergeDir(t *testing.T) {
	t.Parallel()
	srv := refProvider(t, "tokenbench-secret")
	dir := t.TempDir()
	tgt := writeFile(t, dir, "t.yaml", targetYAML(srv.URL, ""))
	res := filepath.Join(dir, "results")
	at := time.Now().Add(2 * time.Second).UTC().Truncate(time.Second).Add(time.Second)
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			env := map[string]string{"SECRET": "tokenbench-secret", "JOB_COMPLETION_INDEX": fmt.Sprint(i), "TOKENBENCH_SHARD_COUNT": "3"}
			code, stdout, stderr := runCLI(t, env, "load", "-t", tgt, "--rate", "60", "--requests", "30", "--validate", "none",
				"--shard", "auto", "--start-at", at.Format(time.RFC3339), "--out", filepath.Join(res, fmt.Sprint(i)))
			// on time, or late on a loaded machine: either way it says so
			if code != exitOK || !strings.Contains(stdout, fmt.Sprintf("shard %d/3: rates divided by 3", i+1)) || !strings.Contains(stdout, at.Format(time.RFC3339)+" (--start-at)") {
				t.Errorf("shard %d: exit %d\n%s\n%s", i, code, stdout, stderr)
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}

	merged := filepath.Join(res, "merged", "load.json")
	code, out, errs := runUnwired(t, (*app).reportMergeCmd, res, "--slo", "p99<60s", "-o", merged)
	if code != exitOK {
		t.Fatalf("merge: exit %d\n%s\n%s", code, out, errs)
	}
	f, err := reports.ReadFile(merged)
	if err != nil {
		t.Fatal(err)
	}
	m := f.Load
	if m.Summary.Requests != 30 || len(m.MergedFrom) != 3 || m.Config.SLO != "p99<60s" || len(m.SLO) != 1 || !m.SLO[0].Pass {
		t.Fatalf("merged: %d requests, parts %+v, slo %q %+v", m.Summary.Requests, m.MergedFrom, m.Config.SLO, m.SLO)
	}
	for i, p := range m.MergedFrom {
		if p.Shard == nil || p.Shard.Index != i+1 || p.Source != filepath.Join(res, fmt.Sprint(i), "load.json") || p.StartAt == nil || !p.StartAt.Equal(at) || p.Start.Before(at) {
			t.Errorf("part %d: %+v", i, p)
		}
	}
	if m.StartAt == nil || !m.StartAt.Equal(at) {
		t.Errorf("merged start_at %v, want %s", m.StartAt, at)
	}
	for _, name := range []string{"load.hlog", "load.html", "load.md"} {
		b, err := os.ReadFile(filepath.Join(res, "merged", name))
		if err != nil {
			t.Fatal(err)
		}
		if name != "load.hlog" && (!strings.Contains(string(b), "Shards") || !strings.Contains(string(b), at.Format(time.RFC3339)+" (--start-at)")) {
			t.Errorf("%s names no shards or start time", name)
		}
	}
	if !regexp.MustCompile(`(?m)^shards +3 merged: 1/3 \(` + regexp.QuoteMeta(filepath.Join(res, "0", "load.json")) + `\)`).MatchString(out) {
		t.Errorf("merge output:\n%s", out)
	}

	// a missing shard is named, in the output, the exit and the report
	code, out, errs = runUnwired(t, (*app).reportMergeCmd, filepath.Join(res, "0", "load.json"), filepath.Join(res, "2", "load.json"), "--slo", "p99<60s", "-o", filepath.Join(dir, "part", "load.json"))
	html, _ := os.ReadFile(filepath.Join(dir, "part", "load.html"))
	if code != exitFailed || !strings.Contains(errs, "shard 2/3 missing; the merged figures cover 2 of 3 shards") || !strings.Contains(out, "MISSING 2/3") || !strings.Contains(string(html), "INCOMPLETE") {
		t.Errorf("missing shard: exit %d\n%s\n%s", code, out, errs)
	}
	// the same shard twice is refused, both files named; so is an empty directory
	one := filepath.Join(res, "1", "load.json")
	code, _, errs = runUnwired(t, (*app).reportMergeCmd, one, res, "-o", filepath.Join(dir, "dup.json"))
	if code != exitBadInput || !strings.Contains(errs, "shard 2/3 is given twice: "+one+" and "+one) {
		t.Errorf("duplicate: exit %d %s", code, errs)
	}
	code, _, errs = runUnwired(t, (*app).reportMergeCmd, t.TempDir())
	if code != exitBadInput || !strings.Contains(errs, "no load.json to merge under") {
		t.Errorf("empty directory: exit %d %s", code, errs)
	}
	code, _, errs = runUnwired(t, (*app).reportMergeCmd, res, "--slo", "p99<<1ms")
	if code != exitBadInput || !strings.Contains(errs, "report merge: --slo: slo item 1") {
		t.Errorf("bad --slo: exit %d %s", code, errs)
	}
	code, _, errs = runUnwired(t, (*app).reportMergeCmd, res, "--slo", "p99<1us", "-o", filepath.Join(dir, "breach.json"))
	if code != exitFailed || !strings.Contains(errs, "an SLO was breached") {
		t.Errorf("breached: exit %d %s", code, errs)
	}
}

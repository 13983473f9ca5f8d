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

// TestMergeRefusesUnrelated: report merge refuses inputs that are not
// distinct shards of one run, naming the files, unless --allow-unrelated.
func TestMergeRefusesUnrelated(t *testing.T) {
	t.Parallel()
	v1 := filepath.Join("..", "..", "reports", "testdata", "v1")
	shard1, shard2, plain := filepath.Join(v1, "load-shard1.json"), filepath.Join(v1, "load-shard2.json"), filepath.Join(v1, "load.json")
	dir := t.TempDir()
	// shard 2 of the same plan, run a day later
	data, err := os.ReadFile(shard2)
	if err != nil {
		t.Fatal(err)
	}
	nextDay := writeFile(t, dir, "next-day-shard2.json", strings.Replace(string(data), `"start": "2026-12-04T`, `"start": "2026-12-05T`, 1))
	data, err = os.ReadFile(shard1)
	if err != nil {
		t.Fatal(err)
	}
	copy1 := writeFile(t, dir, "copy-of-shard1.json", string(data))
	data, err = os.ReadFile(plain)
	if err != nil {
		t.Fatal(err)
	}
	plain2 := writeFile(t, dir, "another-run.json", strings.Replace(string(data), `"start": "2026-12-04T16:13:07`, `"start": "2026-12-04T16:13:08`, 1))
	// the unsharded run as shard 1/2 of itself
	plainShard := writeFile(t, dir, "as-shard.json", strings.Replace(string(data), `"schema": "tokenbench.load/v1",`, `"schema": "tokenbench.load/v1", "shard": {"index": 1, "count": 2},`, 1))
	for _, tt := range []struct {
		name  string
		files []string
		want  string
		// allowed: --allow-unrelated merges them, and the refusal says
		// so (a shard twice, or shards mixed with unsharded results,
		// cannot be added up: refused even so)
		allowed bool
	}{
		{"the same file twice", []string{shard1, shard1}, "shard 1/2 is given twice: " + shard1 + " and " + shard1 + ": the same result (started", false},
		{"a copy of a shard", []string{shard1, copy1}, "shard 1/2 is given twice: " + shard1 + " and " + copy1 + ": the same result", false},
		{"the same unsharded file twice", []string{plain, plain}, plain + " and " + plain + " hold the same result (not a shard, started", true},
		{"two unsharded runs", []string{plain, plain2}, plain + ", " + plain2 + " are not shards of a run split with load --shard I/N", true},
		{"an unsharded run and shards", []string{plain, plainShard}, "mixed with results of unsharded runs (" + plain + " is not a shard, " + plainShard + " is shard 1/2)", false},
		{"shards of different runs", []string{shard1, nextDay}, shard1 + " ended at 2026-12-04T16:13:36Z, 23h59m56s before " + nextDay + " started", true},
	} {
		out := filepath.Join(dir, "merged.json")
		args := append([]string{"merge", "-o", out}, tt.files...)
		code, stdout, errs := runReport(t, args...)
		if code != exitBadInput || !strings.Contains(errs, tt.want) || strings.Contains(errs, "--allow-unrelated merges them anyway") != tt.allowed {
			t.Errorf("%s: exit %d, want 2 and %q\n%s%s", tt.name, code, tt.want, stdout, errs)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%s: a merged result was written", tt.name)
		}
		code, stdout, errs = runReport(t, append(args, "--allow-unrelated")...)
		if merged := code != exitBadInput; merged != tt.allowed {
			t.Errorf("%s with --allow-unrelated: exit %d\n%s%s", tt.name, code, stdout, errs)
		}
		os.Remove(out)
	}
	// the shards of one run merge as before
	if code, stdout, errs := runReport(t, "merge", shard1, shard2, "-o", filepath.Join(dir, "ok.json")); code == exitBadInput {
		t.Errorf("two shards of one run: exit %d\n%s%s", code, stdout, errs)
	}
}

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

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
	for _, tt := range []struct {
		name  string
		files []string
		want  string
		// allowed: --allow-unrelated merges them (a shard twice is
		// refused by the merge itself: it cannot be added twice)
		allowed bool
	}{
		{"the same file twice", []string{shard1, shard1}, shard1 + " and " + shard1 + " hold the same result (shard 1/2", false},
		{"a copy of a shard", []string{shard1, copy1}, shard1 + " and " + copy1 + " hold the same result", false},
		{"the same unsharded file twice", []string{plain, plain}, plain + " and " + plain + " hold the same result (not a shard, started", true},
		{"two unsharded runs", []string{plain, plain2}, plain + ", " + plain2 + " are not shards of a run split with load --shard I/N", true},
		{"an unsharded run and shards", []string{plain, shard1}, plain + " is not a shard of a run split with load --shard I/N", false},
		{"shards of different runs", []string{shard1, nextDay}, shard1 + " ended at 2026-12-04T16:13:36Z, 23h59m56s before " + nextDay + " started", true},
	} {
		out := filepath.Join(dir, "merged.json")
		args := append([]string{"merge", "-o", out}, tt.files...)
		code, stdout, errs := runReport(t, args...)
		if code != exitBadInput || !strings.Contains(errs, tt.want) || !strings.Contains(errs, "--allow-unrelated merges them anyway") {
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

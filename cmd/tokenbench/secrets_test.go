package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/internal/provider"
)

// TestSecretNeverPrinted runs every command that handles secrets or their
// results against a provider that tells the scanner every secret of the run
// (witness_test.go), and scans both output streams and every file under
// --out, in every encoding: target check (a valid and a failing exchange),
// conform against a clean and a defective provider, load, load in two
// shards, capacity, report html and md of each result, report compare and
// report merge, and serve --write-target. A --reveal run shows the scan
// can see the secrets it looks for. Not parallel, as
// TestHostileProvidersLeakNothing.
func TestSecretNeverPrinted(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suite three times")
	}
	clean := newWitnessed(t, provider.Config{Capacity: 4, Latency: time.Millisecond})
	defective := newWitnessed(t, provider.Config{Defects: map[string]float64{
		"code-reusable": 1, "refresh-token": 1, "no-pragma": 1, "error-description-bad-chars": 1}})
	var o outputs
	step := func(w *witnessed, name string, wantExit []int, args ...string) {
		t.Helper()
		code, so, se := w.cli(t, args...)
		o.add(name, so, se)
		for _, c := range wantExit {
			if code == c {
				return
			}
		}
		t.Errorf("%s: exit %d, want one of %v\n%s\n%s", name, code, wantExit, so, se)
	}

	step(clean, "target check", []int{exitOK}, "target", "check", "--target", clean.target)
	wrong := *clean
	wrong.env = map[string]string{"SECRET": "a-wrong-client-secret", "SECRET_ENC": clean.env["SECRET_ENC"]}
	step(&wrong, "target check with a wrong secret", []int{exitFailed}, "target", "check", "--target", clean.target)

	conformClean, conformBad := dir(t, "conform-clean"), dir(t, "conform-defective")
	for _, c := range []struct {
		w    *witnessed
		out  string
		want int
	}{{clean, conformClean, exitOK}, {defective, conformBad, exitFailed}} {
		code, so, se := c.w.conform(t, c.out, "--label-filter", "!slow")
		o.add("conform "+filepath.Base(c.out), so, se, c.out)
		if code != c.want {
			t.Errorf("conform %s: exit %d, want %d\n%s\n%s", c.out, code, c.want, so, se)
		}
	}

	load, shard1, shard2, capacity, reps := dir(t, "load"), dir(t, "shard1"), dir(t, "shard2"), dir(t, "capacity"), dir(t, "reports")
	o.dirs = append(o.dirs, load, shard1, shard2, capacity, reps)
	step(clean, "load", []int{exitOK}, "load", "--target", clean.target, "--rate", "50", "--requests", "30", "--out", load)
	step(clean, "load shard 1", []int{exitOK}, "load", "--target", clean.target, "--rate", "40", "--duration", "1s", "--shard", "1/2", "--out", shard1)
	step(clean, "load shard 2", []int{exitOK}, "load", "--target", clean.target, "--rate", "40", "--duration", "1s", "--shard", "2/2", "--out", shard2)
	step(clean, "capacity", []int{exitOK, exitFailed}, "capacity", "--target", clean.target, "--slo", "p99<60s,error_rate<50%",
		"--start", "20", "--factor", "2", "--max", "40", "--step-duration", "500ms", "--min-requests", "5", "--warmup", "100ms", "--out", capacity)

	results := map[string]string{
		"conformance clean": filepath.Join(conformClean, "conformance.json"), "conformance defective": filepath.Join(conformBad, "conformance.json"),
		"load": filepath.Join(load, "load.json"), "capacity": filepath.Join(capacity, "capacity.json"),
	}
	for name, f := range results {
		base := strings.ReplaceAll(name, " ", "-")
		step(clean, "report html "+name, []int{exitOK}, "report", "html", f, "-o", filepath.Join(reps, base+".html"))
		if name != "capacity" {
			step(clean, "report md "+name, []int{exitOK}, "report", "md", f, "-o", filepath.Join(reps, base+".md"))
		}
	}
	step(clean, "report compare load", []int{exitOK, exitFailed}, "report", "compare", results["load"], filepath.Join(shard1, "load.json"))
	step(clean, "report compare load md", []int{exitOK, exitFailed}, "report", "compare", "--format", "md", results["load"], results["load"])
	step(clean, "report compare conformance", []int{exitFailed}, "report", "compare", results["conformance clean"], results["conformance defective"])
	step(clean, "report compare conformance json", []int{exitFailed}, "report", "compare", "--format", "json", results["conformance clean"], results["conformance defective"])
	// the shards ran one after the other, not as one run: --allow-unrelated
	step(clean, "report merge", []int{exitOK}, "report", "merge", "--allow-unrelated", "-o", filepath.Join(reps, "merged.json"), filepath.Join(shard1, "load.json"), filepath.Join(shard2, "load.json"))

	// serve --write-target names the variable, never the value
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // serve returns at once
	var sout, serr bytes.Buffer
	tf := filepath.Join(reps, "written.yaml")
	env := map[string]string{"TOKENBENCH_CLIENT_SECRET": clean.env["SECRET"]}
	if c := runWith(ctx, []string{"serve", "--write-target", tf}, &sout, &serr, func(k string) string { return env[k] }); c != exitOK {
		t.Fatalf("serve exit %d: %s", c, serr.String())
	}
	o.add("serve", sout.String(), serr.String())
	if written, _ := os.ReadFile(tf); !strings.Contains(string(written), "secret_env: TOKENBENCH_CLIENT_SECRET") {
		t.Errorf("written target:\n%s", written)
	}

	for _, f := range []string{results["load"], results["capacity"], filepath.Join(reps, "merged.json"), filepath.Join(reps, "conformance-defective.html")} {
		if !fileExists(f) {
			t.Errorf("%s was not written", f)
		}
	}
	for _, w := range []*witnessed{clean, defective} {
		w.noSecrets(t, "every command", o)
	}

	// --reveal shows them: the scan sees what it looks for.
	var revealed outputs
	code, so, se := clean.cli(t, "target", "check", "--target", clean.target, "--reveal")
	revealed.add("target check --reveal", so, se)
	out := dir(t, "conform-reveal")
	code2, so2, se2 := defective.conform(t, out, "--label-filter", "area:code", "--reveal")
	revealed.add("conform --reveal", so2, se2, out)
	if code != exitOK || code2 != exitFailed {
		t.Errorf("--reveal runs: exit %d and %d", code, code2)
	}
	clean.seesSecrets(t, "target check", revealed)
	defective.seesSecrets(t, "conform", revealed)
}

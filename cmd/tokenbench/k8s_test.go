package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The manifest command wires: the load flags given are passed on to the
// shards, the SLO to the merge, bad input names its flag.
func TestK8sManifest(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tgt := writeFile(t, dir, "t.yaml", targetYAML("https://idp.example", ""))
	code, out, errs := runCLI(t, nil, "k8s", "manifest", "--shards", "3", "-t", tgt, "--rate", "1500", "--duration", "2m", "--max-in-flight", "300",
		"--slo", "p99<300ms", "--image", "reg.example/tb:1", "-n", "load")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	for _, want := range []string{"completionMode: Indexed", "completions: 3", "- --rate\n            - \"1500\"\n            - --duration\n            - 2m0s\n            - --max-in-flight\n            - \"300\"\n            - --shard",
		"- --slo\n            - p99<300ms", "image: reg.example/tb:1", "--from-literal=SECRET=..."} {
		if !strings.Contains(out, want) {
			t.Errorf("the manifest lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "--validate") || strings.Contains(out, "--timeout") || strings.Contains(out, "--grant") {
		t.Errorf("flags not given are passed on:\n%s", out)
	}
	// The grant reaches every shard; a bad one is refused here, not in the pods.
	if code, out, errs := runCLI(t, nil, "k8s", "manifest", "--shards", "2", "-t", tgt, "--grant", "refresh_token", "--reuse-probes", "0.1"); code != exitOK ||
		!strings.Contains(out, "- --grant\n            - refresh_token\n            - --reuse-probes\n            - \"0.1\"") {
		t.Errorf("--grant refresh_token: exit %d\n%s\n%s", code, out, errs)
	}
	if code, _, errs := runCLI(t, nil, "k8s", "manifest", "--shards", "2", "-t", tgt, "--grant", "password"); code != exitBadInput || !strings.Contains(errs, "--grant") {
		t.Errorf("--grant password: exit %d\n%s", code, errs)
	}
	if code, out, _ := runCLI(t, nil, "k8s", "manifest", "--shards", "2", "-t", tgt); code != exitOK || !strings.Contains(out, "image: tokenbench:"+imageTag(versionString())) {
		t.Errorf("default image: exit %d", code)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--shards", "0"}, "k8s manifest: --shards 0: want 1 to 1000"},
		{[]string{"--shards", "4", "--concurrency", "3"}, "--shards 4: shard 1/4: 3 workers, fewer than the 4 shards"},
		{[]string{"--shards", "2", "--rate", "10", "--concurrency", "3"}, "--concurrency: give a rate"},
		{[]string{"--shards", "2", "--slo", "p99<<1ms"}, "--slo: slo item 1"},
		{[]string{"--shards", "2", "--stages", "10x@5"}, "--stages: stages item 1"},
		{[]string{"--shards", "2", "--memory", "lots"}, `--memory "lots": not a memory quantity`},
		{[]string{"--shards", "2", "--results-pvc", "r", "--storage-class", "nfs"}, "--storage-class"},
		{[]string{"--shards", "2", "--start-in", "2s"}, "--start-in"},
		{[]string{"--shards", "2", "--secret", "Bad_Name"}, "--secret"},
	} {
		code, _, errs := runCLI(t, nil, append([]string{"k8s", "manifest", "-t", tgt}, tt.args...)...)
		if code != exitBadInput || !strings.Contains(errs, tt.want) || strings.Contains(errs, "goroutine") {
			t.Errorf("%v: exit %d %q, want 2 and %q", tt.args, code, errs, tt.want)
		}
	}
	if code, _, errs := runCLI(t, nil, "k8s", "manifest", "--shards", "2"); code != exitBadInput || !strings.Contains(errs, "--target: a distributed run needs a target file") {
		t.Errorf("no target: exit %d %q", code, errs)
	}
	if code, _, errs := runCLI(t, nil, "k8s"); code != exitBadInput || !strings.Contains(errs, "manifest or wait") {
		t.Errorf("k8s alone: exit %d %q", code, errs)
	}
}

// k8s wait returns when every shard's load.json is there, or at --until
// naming the missing.
func TestK8sWait(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	load, err := os.ReadFile(filepath.Join("..", "..", "reports", "testdata", "v1", "load.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []string{"0", "1"} {
		if err := os.MkdirAll(filepath.Join(dir, i), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, i, "load.json"), load, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	until := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	code, out, errs := runCLI(t, nil, "k8s", "wait", "--results", dir, "--shards", "2", "--until", until)
	if code != exitOK || !strings.Contains(out, "shard 2/2 done") || !strings.Contains(out, "all 2 shards' results are there") {
		t.Errorf("all there: exit %d\n%s%s", code, out, errs)
	}
	past := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	code, out, errs = runCLI(t, nil, "k8s", "wait", "--results", dir, "--shards", "3", "--until", past)
	if code != exitOK || !strings.Contains(out, "2 of 3 results there, missing shard 3/3 (index 2, no "+filepath.Join(dir, "2", "load.json")+")") {
		t.Errorf("deadline: exit %d\n%s%s", code, out, errs)
	}
	for _, args := range [][]string{{"--shards", "2", "--until", "soon", "--results", dir}, {"--shards", "0", "--until", until, "--results", dir}, {"--shards", "2", "--until", until}} {
		if code, _, errs := runCLI(t, nil, append([]string{"k8s", "wait"}, args...)...); code != exitBadInput || !strings.Contains(errs, "k8s wait: --") {
			t.Errorf("%v: exit %d %q", args, code, errs)
		}
	}
}

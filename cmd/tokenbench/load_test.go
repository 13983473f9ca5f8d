package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestLoadEmbedded(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	// SLOs whose verdict does not depend on the machine's speed
	code, stdout, stderr := runCLI(t, nil, "load", "--rate", "100", "--requests", "50", "--out", out, "--slo", "error_rate<1%,throughput>=1/s")
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{`requests\s+50, ok 50, errors 0`, `\[from the intended send time\]`, `slo\s+error_rate<1%\s+observed 0.000 %\s+pass`, `results\s+` + regexp.QuoteMeta(filepath.Join(out, "load.json"))} {
		if !regexp.MustCompile(want).MatchString(stdout) {
			t.Errorf("output does not match %q:\n%s", want, stdout)
		}
	}
	data, err := os.ReadFile(filepath.Join(out, "load.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Schema  string
		Summary struct{ Requests, OK int64 }
		SLO     []struct{ Pass bool }
	}
	if err := json.Unmarshal(data, &r); err != nil || r.Schema != "tokenbench.load/v1" || r.Summary.Requests != 50 || len(r.SLO) != 2 {
		t.Errorf("load.json: %v %+v", err, r)
	}
	hlog, err := os.ReadFile(filepath.Join(out, "load.hlog"))
	if err != nil || !strings.Contains(string(hlog), "Tag=latency,") || !strings.Contains(string(hlog), "Tag=service,") {
		t.Errorf("load.hlog: %v\n%.400s", err, hlog)
	}
}

func TestLoadSLOBreachExits1(t *testing.T) {
	t.Parallel()
	code, stdout, _ := runCLI(t, nil, "load", "--concurrency", "2", "--requests", "20", "--out", t.TempDir(), "--slo", "p99<1us")
	if code != exitFailed || !strings.Contains(stdout, "BREACHED") {
		t.Fatalf("exit %d\n%s", code, stdout)
	}
}

func TestLoadBadInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"load", "--rate", "10", "--concurrency", "2"}, "not both"},
		{[]string{"load", "--stages", "30x@5"}, `stages item 1 "30x@5"`},
		{[]string{"load", "--stages", "10s@5", "--rate", "5"}, "load: --stages: the stages carry their own rates and durations"},
		{[]string{"load", "--slo", "p99<<3ms"}, "slo"},
		{[]string{"load", "--concurrency", "2", "--slo", "throughput>=95%"}, `load: --slo: slo "throughput>=95%": the closed model has no target rate`},
		{[]string{"load", "--validate", "some"}, `load: --validate "some": want all, none or sample:F`},
		{[]string{"load", "--abort-on-error-rate", "50"}, `load: --abort-on-error-rate "50": want RATE%/WINDOW`},
		{[]string{"load", "--defect", "nosuch"}, `unknown defect "nosuch"`},
		{[]string{"load", "--profile", "acme"}, `unknown profile "acme"`},
		{[]string{"load", "--max-in-flight", "0"}, "load: --max-in-flight 0: must be positive"},
		{[]string{"load", "--http-client", "curl"}, `load: --http-client "curl": want fast or net/http`},
		{[]string{"load", "--busy-wait", "2s"}, "load: --busy-wait 2s: want a duration from 0 to 1s"},
		{[]string{"load", "--timeout", "0s"}, "load: --timeout 0s: must be positive"},
		{[]string{"load", "--rate", "-1"}, "load: --rate -1: must not be negative"},
		{[]string{"load", "--grant", "password"}, `load: --grant "password": want one of authorization_code, refresh_token, client_credentials`},
		{[]string{"load", "--grant", "refresh_token", "--reuse-probes", "1.5"}, "load: --reuse-probes 1.5: want a fraction from 0 to 1"},
		{[]string{"load", "--grant", "client_credentials", "--static-code", "x"}, "load: --static-code: only for the authorization_code grant"},
	}
	for _, tt := range tests {
		code, _, errs := runCLI(t, nil, tt.args...)
		if code != exitBadInput || !strings.Contains(errs, tt.want) {
			t.Errorf("%v: exit %d, stderr %q, want 2 and %q", tt.args, code, errs, tt.want)
		}
	}
}

// TestLoadInterrupt: SIGINT stops a load run within a few seconds and the
// results are written, marked interrupted.
func TestLoadInterrupt(t *testing.T) {
	if testing.Short() {
		t.Skip("a subprocess run")
	}
	t.Parallel()
	out := t.TempDir()
	ctx, interrupt := context.WithCancel(context.Background())
	defer interrupt()
	cmd := exec.CommandContext(ctx, os.Args[0], "load", "--rate", "50", "--duration", "5m", "--out", out)
	cmd.Env = append(os.Environ(), "TOKENBENCH_TEST_AS_CLI=1")
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 20 * time.Second // then killed, and the exit status is not 1
	var buf syncBuffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for end := time.Now().Add(20 * time.Second); !strings.Contains(buf.String(), "tokenbench load:") && time.Now().Before(end); {
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(time.Second) // running, with requests in flight
	interrupt()
	cmd.Wait()
	data, err := os.ReadFile(filepath.Join(out, "load.json"))
	if code := cmd.ProcessState.ExitCode(); code != exitFailed || err != nil || !strings.Contains(string(data), `"interrupted": true`) {
		t.Errorf("after SIGINT: exit %d, want 1; load.json %v\n%.500s\n%s", code, err, data, buf.String())
	}
}

package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/internal/provider"
	"github.com/tokenbench/tokenbench/reports"
	"github.com/tokenbench/tokenbench/runner/results"
)

// hangingProvider is the reference provider (secret tokenbench-secret)
// whose token endpoint holds every request until the client gives up or
// the test ends; held counts the requests it holds.
func hangingProvider(t *testing.T) (srv *httptest.Server, held *atomic.Int64) {
	t.Helper()
	p, err := provider.New(provider.Config{Clients: provider.DefaultClients(), CodeTTL: 5 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	held = new(atomic.Int64)
	release := make(chan struct{})
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/oauth/token" {
			held.Add(1)
			defer held.Add(-1)
			select {
			case <-release:
			case <-r.Context().Done():
			}
			return
		}
		p.Handler().ServeHTTP(w, r)
	}))
	p.SetIssuer(srv.URL)
	t.Cleanup(func() { close(release); srv.Close() })
	return srv, held
}

// signalled is tokenbench run as a subprocess (the test binary as the
// CLI), its output collected.
type signalled struct {
	cmd            *exec.Cmd
	stdout, stderr syncBuffer
	exited         chan struct{}
}

func startCLI(t *testing.T, env []string, args ...string) *signalled {
	t.Helper()
	p := &signalled{cmd: exec.Command(os.Args[0], args...), exited: make(chan struct{})}
	p.cmd.Env = append(append(os.Environ(), "TOKENBENCH_TEST_AS_CLI=1"), env...)
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.exited
	})
	return p
}

// waitFor polls cond until it holds; the bound only ends a hang.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(2 * time.Minute); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("gave up waiting for %s", what)
		}
	}
}

func (p *signalled) running() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// markedLoad reads a load.json that says it was interrupted; nil if there
// is none (yet).
func markedLoad(path string) *results.Load {
	f, err := reports.ReadFile(path)
	if err != nil || f.Load == nil || !f.Load.Interrupted {
		return nil
	}
	return f.Load
}

// TestLoadSignals: the first SIGINT stops scheduling and writes the results
// so far, marked interrupted, while requests are still in flight; the
// second signal (SIGTERM, as a CI job's cancellation sends it) exits at
// once, leaving them; no goroutine dump reaches the output.
func TestLoadSignals(t *testing.T) {
	if testing.Short() {
		t.Skip("a subprocess run")
	}
	t.Parallel()
	srv, held := hangingProvider(t)
	dir := t.TempDir()
	tf := writeFile(t, dir, "t.yaml", targetYAML(srv.URL, "codes: {source: authorize}\n"))
	out := filepath.Join(dir, "out")
	p := startCLI(t, []string{"SECRET=tokenbench-secret"}, "load", "-t", tf, "--rate", "20", "--duration", "5m", "--timeout", "10m", "--out", out)
	waitFor(t, "requests held at the provider", func() bool { return held.Load() >= 3 })

	p.cmd.Process.Signal(os.Interrupt)
	waitFor(t, "load.json marked interrupted", func() bool { return markedLoad(filepath.Join(out, "load.json")) != nil || !p.running() })
	if !p.running() {
		t.Fatalf("exited before the requests in flight were done (they are held for 10 minutes)\n%s\n%s", p.stdout.String(), p.stderr.String())
	}
	// load.json is written first; the notice once all four are
	waitFor(t, "the notice on stderr", func() bool { return strings.Contains(p.stderr.String(), "the results so far are in") })
	for _, f := range []string{"load.html", "load.md", "load.hlog"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("after the first signal: %v", err)
		}
	}
	if held.Load() == 0 || !p.running() {
		t.Errorf("no request was in flight when the results were written")
	}

	p.cmd.Process.Signal(syscall.SIGTERM)
	waitFor(t, "the exit after the second signal", func() bool { return !p.running() })
	if code := p.cmd.ProcessState.ExitCode(); code != exitFailed {
		t.Errorf("exit %d after the second signal, want 1", code)
	}
	if markedLoad(filepath.Join(out, "load.json")) == nil {
		t.Errorf("load.json is not a result marked interrupted after the second signal")
	}
	for name, text := range map[string]string{"stdout": p.stdout.String(), "stderr": p.stderr.String()} {
		if strings.Contains(text, "goroutine ") || strings.Contains(text, "panic") {
			t.Errorf("%s has a goroutine dump:\n%s", name, text)
		}
	}
	if !strings.Contains(p.stderr.String(), "SIGTERM again: exiting at once") {
		t.Errorf("stderr:\n%s", p.stderr.String())
	}
}

// TestConformCICancellation: a CI job's cancellation (SIGINT, SIGTERM 7.5 s
// later, SIGKILL 2.5 s after that, here each sent once the previous step
// is seen or not, never on a clock) of conform while a row waits for a
// token endpoint that hangs leaves the four reports, marked interrupted,
// with the row reported as interrupted, not as a failure, and no
// goroutine dump on stdout.
func TestConformCICancellation(t *testing.T) {
	if testing.Short() {
		t.Skip("a subprocess run")
	}
	t.Parallel()
	srv, held := hangingProvider(t)
	dir := t.TempDir()
	tf := writeFile(t, dir, "t.yaml", targetYAML(srv.URL, "codes: {source: authorize}\n"))
	out := filepath.Join(dir, "out")
	p := startCLI(t, []string{"SECRET=tokenbench-secret"}, "conform", "-t", tf, "--out", out, "--label-filter", "TE:AUTH-BASIC-OK")
	waitFor(t, "a token request held at the provider", func() bool { return held.Load() >= 1 })

	p.cmd.Process.Signal(os.Interrupt)
	files := []string{reports.ConformanceJSONFile, reports.ConformanceHTMLFile, reports.ConformanceMarkdownFile, reports.ConformanceJUnitFile}
	written := func() bool {
		for _, f := range files {
			if _, err := os.Stat(filepath.Join(out, f)); err != nil {
				return false
			}
		}
		return true
	}
	waitFor(t, "the reports or the exit", func() bool { return written() || !p.running() })
	if p.running() {
		// the job's SIGTERM, 7.5 s after its SIGINT: here once the reports are there
		p.cmd.Process.Signal(syscall.SIGTERM)
		waitFor(t, "the exit after SIGTERM", func() bool { return !p.running() })
	}
	for _, f := range files {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("no %s after the cancellation: %v\n%s", f, err, p.stderr.String())
		}
	}
	data, err := os.ReadFile(filepath.Join(out, reports.ConformanceJSONFile))
	if err != nil {
		t.Fatal(err)
	}
	var c reports.Conformance
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	var row *reports.Row
	for i := range c.Rows {
		if c.Rows[i].ID == "AUTH-BASIC-OK" {
			row = &c.Rows[i]
		}
	}
	if !c.Interrupted || row == nil || row.Status != reports.StatusSkipped || row.Message != reports.ReasonInterruptedRunning || c.Summary.Fail != 0 {
		t.Errorf("interrupted %v, %d failed, the row: %+v", c.Interrupted, c.Summary.Fail, row)
	}
	if code := p.cmd.ProcessState.ExitCode(); code != exitFailed {
		t.Errorf("exit %d, want 1\n%s", code, p.stderr.String())
	}
	if s := p.stdout.String(); strings.Contains(s, "goroutine ") || strings.Contains(s, "Spec Goroutine") {
		t.Errorf("stdout has a goroutine dump:\n%s", s)
	}
}

// TestLoadSignalBeforeStartAt: a shard stopped while it waits for its
// --start-at time (a cancelled Kubernetes Job, Ctrl-C) exits 1 and leaves a
// result marked interrupted, with nothing sent and the start time, so that
// the run's merge names it rather than finding it missing.
func TestLoadSignalBeforeStartAt(t *testing.T) {
	if testing.Short() {
		t.Skip("a subprocess run")
	}
	t.Parallel()
	out := filepath.Join(t.TempDir(), "out")
	at := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	p := startCLI(t, nil, "load", "--rate", "10", "--duration", "2s", "--start-at", at.Format(time.RFC3339), "--out", out)
	waitFor(t, "the wait for the start time", func() bool { return strings.Contains(p.stdout.String(), "(--start-at), in ") || !p.running() })
	p.cmd.Process.Signal(os.Interrupt)
	waitFor(t, "the exit", func() bool { return !p.running() })
	if code := p.cmd.ProcessState.ExitCode(); code != exitFailed {
		t.Errorf("exit %d, want 1\n%s\n%s", code, p.stdout.String(), p.stderr.String())
	}
	r := markedLoad(filepath.Join(out, "load.json"))
	if r == nil {
		t.Fatalf("no load.json marked interrupted\n%s\n%s", p.stdout.String(), p.stderr.String())
	}
	if r.Summary.Requests != 0 || r.StartAt == nil || !r.StartAt.Equal(at) {
		t.Errorf("load.json: %d requests, start_at %v, want 0 and %s", r.Summary.Requests, r.StartAt, at)
	}
	if !strings.Contains(p.stderr.String(), "stopped before the start time") {
		t.Errorf("stderr does not say the run stopped before its start time:\n%s", p.stderr.String())
	}
}

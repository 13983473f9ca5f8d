package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tokenbench/tokenbench/runner"
)

// TestCapacityEmbedded: against the embedded provider serving 4 token
// requests at a time for 20 ms each (200/s at most), the search finds a
// maximum sustainable rate within 30% of it and writes capacity.json.
func TestCapacityEmbedded(t *testing.T) {
	if testing.Short() {
		t.Skip("a capacity search takes about 10 s")
	}
	t.Parallel()
	out := t.TempDir()
	code, stdout, stderr := runUnwired(t, (*app).capacityCmd, "--provider-capacity", "4", "--provider-latency", "20ms",
		"--slo", "p99<100ms,error_rate<1%", "--start", "150", "--step-duration", "1.5s", "--min-requests", "300", "--warmup", "300ms",
		"--validate", "sample:0.1", "--out", out)
	t.Logf("exit %d\n%s%s", code, stdout, stderr)
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"(embedded provider: 4 at a time, 20ms each: at most 200/s)", "step 1: 150.0/s for 2s ...", "maximum sustainable", filepath.Join(out, "capacity.json")} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	data, err := os.ReadFile(filepath.Join(out, "capacity.json"))
	if err != nil {
		t.Fatal(err)
	}
	var res runner.CapacityResult
	if err := json.Unmarshal(data, &res); err != nil {
		t.Fatal(err)
	}
	if res.Schema != runner.CapacitySchema || res.MaxSustainableRPS < 140 || res.MaxSustainableRPS > 260 || len(res.Steps) < 2 ||
		res.Steps[0].Result == nil || res.Steps[0].Result.Schema != runner.LoadSchema || res.Steps[0].Result.Tool.Version == "" {
		t.Errorf("capacity.json: schema %q, max %.1f/s, %d steps", res.Schema, res.MaxSustainableRPS, len(res.Steps))
	}
}

func TestCapacityBadInput(t *testing.T) {
	t.Parallel()
	tgt := writeFile(t, t.TempDir(), "t.yaml", targetYAML("https://idp.example", ""))
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{}, "--slo is required"},
		{[]string{"--slo", "p99<"}, `slo item 1 "p99<"`},
		{[]string{"--slo", "p99<1s", "--factor", "1"}, "--factor 1: want a factor > 1"},
		{[]string{"--slo", "p99<1s", "--start", "100", "--max", "50"}, "--max 50: want a rate from --start"},
		{[]string{"--slo", "p99<1s", "--step-duration", "0s"}, "--step-duration 0s"},
		{[]string{"--slo", "p99<1s", "--target", tgt, "--provider-capacity", "4"}, "--provider-capacity configures the embedded provider"},
		{[]string{"--slo", "p99<1s", "--defect", "nosuch"}, `unknown defect "nosuch"`},
		{[]string{"--slo", "p99<1s", "--validate", "most"}, `--validate "most"`},
	} {
		code, _, errs := runUnwired(t, (*app).capacityCmd, tt.args...)
		if code != exitBadInput || !strings.Contains(errs, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, code, errs, tt.want)
		}
	}
}

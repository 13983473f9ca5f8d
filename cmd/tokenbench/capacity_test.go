package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tokenbench/tokenbench/runner/results"
)

// TestCapacityEmbedded: the search's wiring against the embedded provider,
// with SLOs whose verdict does not depend on the machine's speed (how close
// the found capacity comes to the true one is measured by make bench, not
// asserted here). An SLO every step meets climbs by --factor to --max and
// exits 0; one no step can meet exits 1 and still writes capacity.json.
// The rates are low enough that the prefetched codes cover every step even
// when obtaining one is slow (a step the code supply limits ends the
// search).
func TestCapacityEmbedded(t *testing.T) {
	if testing.Short() {
		t.Skip("a capacity search takes a few seconds")
	}
	t.Parallel()
	common := []string{"--provider-capacity", "4", "--provider-latency", "1ms", "--start", "5", "--factor", "2",
		"--step-duration", "500ms", "--min-requests", "5", "--warmup", "100ms", "--validate", "sample:0.1"}
	for _, tt := range []struct {
		name     string
		slo      string
		wantCode int
		wantOut  []string
		steps    []float64 // offered rates, in order
	}{
		{"met up to --max", "p99<60s,error_rate<50%", exitOK,
			[]string{"(embedded provider: 4 at a time, 1ms each: at most 4000/s)", "step 1: 5.0/s", "reached the highest rate to try, 10.0/s", "maximum sustainable", "raise --max to search higher"},
			[]float64{5, 10}},
		{"never met", "p99<1us", exitFailed,
			[]string{"step 1: 5.0/s", "none: no step met the SLO"},
			[]float64{5}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := t.TempDir()
			args := append(append([]string{}, common...), "--slo", tt.slo, "--max", "10", "--out", out)
			code, stdout, stderr := runUnwired(t, (*app).capacityCmd, args...)
			t.Logf("exit %d\n%s%s", code, stdout, stderr)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d", code, tt.wantCode)
			}
			for _, want := range append(tt.wantOut, filepath.Join(out, "capacity.json")) {
				if !strings.Contains(stdout, want) {
					t.Errorf("output lacks %q", want)
				}
			}
			// A search that ends at its first step says what to do next: a
			// lower --start, or (on a machine so loaded that the codes came
			// too slowly for 5/s) a faster code supply.
			if tt.wantCode == exitFailed && !strings.Contains(stdout, "give a lower --start") && !strings.Contains(stdout, "supply codes faster") {
				t.Errorf("output says neither %q nor %q", "give a lower --start", "supply codes faster")
			}
			data, err := os.ReadFile(filepath.Join(out, "capacity.json"))
			if err != nil {
				t.Fatal(err)
			}
			var res results.Capacity
			if err := json.Unmarshal(data, &res); err != nil {
				t.Fatal(err)
			}
			var got []float64
			for _, st := range res.Steps {
				got = append(got, st.OfferedRPS)
				if st.Result == nil || st.Result.Schema != results.LoadSchema || st.Result.Tool.Version == "" {
					t.Errorf("step %d: no load result with schema and version", st.Index)
				}
			}
			if res.Schema != results.CapacitySchema || fmt.Sprint(got) != fmt.Sprint(tt.steps) {
				t.Errorf("capacity.json: schema %q, steps %v, want %v", res.Schema, got, tt.steps)
			}
		})
	}
}

func TestCapacityBadInput(t *testing.T) {
	t.Parallel()
	tgt := writeFile(t, t.TempDir(), "t.yaml", targetYAML("https://idp.example", ""))
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{}, "capacity: --slo: required: the steps are judged by it"},
		{[]string{"--slo", "p99<"}, `slo item 1 "p99<"`},
		{[]string{"--slo", "p99<1s", "--factor", "1"}, "capacity: --factor 1: want a factor > 1"},
		{[]string{"--slo", "p99<1s", "--start", "100", "--max", "50"}, "capacity: --max 50: want a rate from the start rate 100/s"},
		{[]string{"--slo", "p99<1s", "--step-duration", "2s", "--max-step-duration", "1s"}, "capacity: --max-step-duration 1s: want a duration no shorter than the step duration 2s"},
		{[]string{"--slo", "p99<1s", "--max-in-flight", "-1"}, "capacity: --max-in-flight -1: must be positive"},
		{[]string{"--slo", "throughput>=90%,p99<1s", "--provider-error-rate", "2"}, "capacity: --provider-error-rate 2 is not a fraction from 0 to 1"},
		{[]string{"--slo", "p99<1s", "--target", tgt, "--provider-capacity", "4"}, "--provider-capacity configures the embedded provider"},
		{[]string{"--slo", "p99<1s", "--defect", "nosuch"}, `unknown defect "nosuch"`},
		{[]string{"--slo", "p99<1s", "--validate", "most"}, `capacity: --validate "most": want all, none or sample:F`},
	} {
		code, _, errs := runUnwired(t, (*app).capacityCmd, tt.args...)
		if code != exitBadInput || !strings.Contains(errs, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, code, errs, tt.want)
		}
	}
}

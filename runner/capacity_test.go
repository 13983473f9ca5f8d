package runner

import (
	"context"
	"errors"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/internal/provider"
	"github.com/tokenbench/tokenbench/internal/target"
	"github.com/tokenbench/tokenbench/runner/results"
)

// TestCapacityFindsProviderCapacity: a provider serving 4 token requests at
// a time, each held 20 ms, sustains about 200/s; the search finds that.
func TestCapacityFindsProviderCapacity(t *testing.T) {
	// Where the search stops depends on how fast this machine is at the
	// moment (a loaded machine breaks the SLO at the first step, or the code
	// supply limits it): a measurement, run by make bench. The search's logic
	// is tested with synthetic steps below.
	if os.Getenv("TOKENBENCH_TIMING") != "1" {
		t.Skip("a measurement: make bench runs it (TOKENBENCH_TIMING=1)")
	}
	t.Parallel()
	times := &StepCodeTimes{}
	tg, err := target.Embedded(context.Background(), provider.Config{Capacity: 4, Latency: 20 * time.Millisecond, CodeTTL: 30 * time.Second}, target.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tg.Close() })
	src, err := tg.OpenCodes(target.CodeOptions{Prefetch: 128, Parallel: 2, OnObtained: times.Observe})
	if err != nil {
		t.Fatal(err)
	}
	var started []float64
	began := time.Now()
	res, err := Capacity(context.Background(), CapacityConfig{
		Target: tg, Codes: src, CodeTimes: times, SLO: "p99<100ms,error_rate<1%",
		Start: 100, Factor: 1.25, StepDuration: 1500 * time.Millisecond, MinRequests: 300, Warmup: 300 * time.Millisecond, ValidateFraction: 0.1,
		OnStepStart: func(_ int, rate float64, _ time.Duration, _ bool) { started = append(started, rate) },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("capacity search in %s: maximum sustainable %.1f/s, knee %+v, stopped: %s", time.Since(began).Round(time.Millisecond), res.MaxSustainableRPS, res.Knee, res.Stopped)

	// How close the figure comes to the true capacity is a measurement, and
	// this machine is shared: asserted only when asked (make bench does).
	if res.MaxSustainableRPS < 140 || res.MaxSustainableRPS > 260 {
		t.Errorf("maximum sustainable %.1f/s, want 200/s ± 30%%", res.MaxSustainableRPS)
	}
	if !res.Bounded || res.StopReason != results.StopSLO || res.CodeLimited || res.Interrupted || len(started) != len(res.Steps) {
		t.Errorf("bounded %v, stop reason %q, code limited %v, interrupted %v, %d steps started, %d recorded", res.Bounded, res.StopReason, res.CodeLimited, res.Interrupted, len(started), len(res.Steps))
	}
	last := res.Steps[len(res.Steps)-1]
	if !last.Confirm || last.OfferedRPS <= res.Steps[res.MaxSustainableStep].OfferedRPS && res.MaxSustainableStep != last.Index {
		t.Errorf("the last step is not the confirming one: %+v", last)
	}
	for i, st := range res.Steps[:len(res.Steps)-1] {
		if want := 100 * math.Pow(1.25, float64(i)); math.Abs(st.OfferedRPS-want) > 1e-9 {
			t.Errorf("step %d offered %v, want %v", i+1, st.OfferedRPS, want)
		}
		if st.Result == nil || st.Result.Summary.Codes.Obtained == 0 || st.Little.ServiceL <= 0 {
			t.Errorf("step %d: result %v, codes %+v, little %+v", i+1, st.Result != nil, st.Result.Summary.Codes, st.Little)
		}
	}
	// The knee is the highest step that kept its p99 within 2× the first
	// steps' and its throughput within 5% of the offered rate: never above
	// the capacity.
	if k := res.Knee; k == nil || !k.Reached || k.OfferedRPS > 260 {
		t.Errorf("knee %+v, want one reached, at most 260/s", k)
	}
	if len(res.HiddenQueueing) > 0 {
		t.Logf("note: Little's law flagged steps %v (a busy machine)", res.HiddenQueueing)
	}
	if !strings.Contains(res.Stopped, "the SLO broke at") || !strings.Contains(res.Stopped, "the confirming step at") {
		t.Errorf("stopped %q", res.Stopped)
	}
}

func TestStepDuration(t *testing.T) {
	t.Parallel()
	cfg, err := CapacityConfig{SLO: "p99<1s"}.WithDefaults()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		rate float64
		want time.Duration
	}{
		{10, 60 * time.Second},         // 1000 requests at 10/s: 100 s, capped at 60 s
		{50, 20 * time.Second},         // 1000 at 50/s
		{300, 10 * time.Second},        // 3.3 s for 1000: the 10 s minimum
		{30, 33400 * time.Millisecond}, // 33.33 s, rounded up to 100 ms
	} {
		if got := cfg.stepDuration(tt.rate); got != tt.want {
			t.Errorf("stepDuration(%v) = %s, want %s", tt.rate, got, tt.want)
		}
	}
}

func TestCapacityConfigErrors(t *testing.T) {
	t.Parallel()
	base := CapacityConfig{Target: &target.Target{}, Codes: StaticCodes("x", "y"), SLO: "p99<1s"}
	type capacityCase struct {
		edit    func(*CapacityConfig)
		want    string
		setting string // of the *SettingError; "" for another error
	}
	cases := []capacityCase{
		{func(c *CapacityConfig) { c.SLO = "" }, "runner: slo: required: the steps are judged by it", "SLO"},
		{func(c *CapacityConfig) { c.SLO = "p99<<1s" }, "slo item 1", ""},
		{func(c *CapacityConfig) { c.SLO = "throughput>101%x" }, "slo item 1", ""},
		{func(c *CapacityConfig) { c.Factor = 1 }, "runner: factor 1: want a factor > 1", "Factor"},
		{func(c *CapacityConfig) { c.Start = -1 }, "runner: start -1: want a rate from 0.001/s", "Start"},
		{func(c *CapacityConfig) { c.Start = 1e-300 }, "runner: start 1e-300: want a rate from 0.001/s", "Start"},
		{func(c *CapacityConfig) { c.MaxInFlight = MaxRequestsInFlight + 1 }, "runner: max in flight 10001: at most 10000", "MaxInFlight"},
		{func(c *CapacityConfig) { c.Start, c.Max = 100, 50 }, "runner: max 50: want a rate from the start rate 100/s", "Max"},
		{func(c *CapacityConfig) { c.StepDuration, c.MaxStepDuration = 2*time.Second, time.Second }, "runner: max step duration 1s: want a duration no shorter than the step duration 2s", "MaxStepDuration"},
		{func(c *CapacityConfig) { c.MaxInFlight = -1 }, "runner: max in flight -1: must be positive", "MaxInFlight"},
		{func(c *CapacityConfig) { c.Codes = nil }, "a target and a code source", ""},
	}
	for _, setting := range []string{"Start", "Factor", "Max", "StepDuration", "MinRequests", "MaxStepDuration", "MaxInFlight", "Timeout"} {
		cases = append(cases, capacityCase{func(c *CapacityConfig) { c.Given = given(setting) }, "must be positive (leave it out for the default)", setting})
	}
	for _, tt := range cases {
		cfg := base
		tt.edit(&cfg)
		_, err := Capacity(context.Background(), cfg)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v, want %q", err, tt.want)
		}
		var se *SettingError
		if isSetting := errors.As(err, &se); isSetting != (tt.setting != "") || isSetting && se.Setting != tt.setting {
			t.Errorf("%v: want a SettingError on %q", err, tt.setting)
		}
	}
}

package runner

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/internal/items"
)

func TestNewLoad(t *testing.T) {
	t.Parallel()
	base := LoadSettings{MaxInFlight: 1000, Validate: "all", Timeout: 10 * time.Second}
	for _, tt := range []struct {
		name string
		edit func(*LoadSettings)
		want string // the model, the plan and the validated share
	}{
		{"defaults", func(*LoadSettings) {}, "open 10s@50 1 1000 0"},
		{"a rate and requests", func(s *LoadSettings) { s.Rate, s.Requests = 20, 100 }, "open 100 requests@20 1 1000 0"},
		{"closed", func(s *LoadSettings) { s.Concurrency, s.Validate = 4, "sample:0.25" }, "closed 4 workers, 10s 0.25 0 4"},
		{"stages", func(s *LoadSettings) { s.Stages, s.Validate = "1s@5,ramp:2s@5-10", "none" }, "open 1s@5,ramp:2s@5-10 0 1000 0"},
		{"values given explicitly", func(s *LoadSettings) {
			s.Rate, s.Duration, s.Given = 5, 2*time.Second, given("Rate", "Duration", "Warmup")
		}, "open 2s@5 1 1000 0"},
		{"a shard keeps the stage names", func(s *LoadSettings) { s.Rate, s.Shard = 90, "2/3" }, "open 10s@90 1 1000 0"},
		{"a closed shard runs its part of the workers", func(s *LoadSettings) { s.Concurrency, s.Shard = 10, "1/4" }, "closed 10 workers, 10s 1 0 3"},
	} {
		s := base
		tt.edit(&s)
		j, err := NewLoad(s)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		got := strings.Join([]string{j.Config.Model, j.Config.Plan.String(), formatRate(j.Config.ValidateFraction), formatRate(float64(j.Config.MaxInFlight)), formatRate(float64(j.Config.Concurrency))}, " ")
		if got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
		if j.Settings.Validate != s.Validate || j.Settings.Rate != s.Rate || (j.Config.Model == Closed) != (j.Settings.MaxInFlight == 0) {
			t.Errorf("%s: recorded settings %+v", tt.name, j.Settings)
		}
	}
	if j, _ := NewLoad(LoadSettings{Rate: 90, Shard: "2/3", MaxInFlight: 1, Validate: "all", Timeout: time.Second}); j == nil || j.Config.Shard == nil || j.Config.Shard.Index != 2 || j.Config.Plan.PeakRate() != 30 {
		t.Errorf("shard: %+v", j)
	}
}

func TestNewLoadErrors(t *testing.T) {
	t.Parallel()
	base := LoadSettings{MaxInFlight: 1000, Validate: "all", Timeout: 10 * time.Second}
	for _, tt := range []struct {
		edit    func(*LoadSettings)
		setting string // of the *SettingError; "" for an *items.Error
		want    string
	}{
		{func(s *LoadSettings) { s.Rate, s.Concurrency = 10, 2 }, "Concurrency", "runner: concurrency: give a rate (open model) or a concurrency (closed model), not both"},
		{func(s *LoadSettings) { s.Stages, s.Rate = "10s@5", 5 }, "Stages", "runner: stages: the stages carry their own rates and durations"},
		{func(s *LoadSettings) { s.Duration = -time.Second }, "Duration", "runner: duration -1s: must not be negative"},
		{func(s *LoadSettings) { s.Rate = 2e6 }, "Rate", "runner: rate 2000000: want a rate from 0.001 to 1000000 per second"},
		{func(s *LoadSettings) { s.Rate = 1e-300 }, "Rate", "runner: rate 0.000"},
		{func(s *LoadSettings) { s.Duration = 8 * 24 * time.Hour }, "Duration", "runner: duration 192h0m0s: at most 168h0m0s"},
		{func(s *LoadSettings) { s.Given = given("Duration") }, "Duration", "runner: duration 0s: must be positive (leave it out for the default)"},
		{func(s *LoadSettings) { s.Given = given("Rate") }, "Rate", "runner: rate 0: must be positive"},
		{func(s *LoadSettings) { s.Given = given("Requests") }, "Requests", "runner: requests 0: must be positive"},
		{func(s *LoadSettings) { s.Given = given("Concurrency") }, "Concurrency", "runner: concurrency 0: must be positive"},
		{func(s *LoadSettings) { s.Given = given("Stages") }, "Stages", `runner: stages "": must be positive`},
		{func(s *LoadSettings) { s.Concurrency = MaxConcurrency + 1 }, "Concurrency", "runner: concurrency 10001: at most 10000 workers"},
		{func(s *LoadSettings) { s.MaxInFlight = MaxRequestsInFlight + 1 }, "MaxInFlight", "runner: max in flight 10001: at most 10000"},
		{func(s *LoadSettings) { s.Warmup = -time.Second }, "Warmup", "runner: warmup -1s: must not be negative"},
		{func(s *LoadSettings) { s.Stages = strings.Repeat("1s@5,", MaxStages) + "1s@5" }, "", "stages: 51 stages, more than 50"},
		{func(s *LoadSettings) { s.Stages = "10s@0.0001" }, "", `stages item 1 "10s@0.0001" at column 1: rate "0.0001" is below 0.001/s`},
		{func(s *LoadSettings) { s.Stages = "ramp:10s@0-0.0001" }, "", `ramp rates "0-0.0001" are below 0.001/s`},
		{func(s *LoadSettings) { s.Stages = "30x@5" }, "", `stages item 1 "30x@5"`},
		{func(s *LoadSettings) { s.SLO = "p99<<3ms" }, "", `slo item 1 "p99<<3ms"`},
		{func(s *LoadSettings) { s.Concurrency, s.SLO = 2, "throughput>=95%" }, "SLO", "the closed model has no target rate"},
		{func(s *LoadSettings) { s.Validate = "some" }, "Validate", `runner: validate "some": want all, none or sample:F`},
		{func(s *LoadSettings) { s.AbortOnErrorRate = "50" }, "AbortOnErrorRate", `runner: abort on error rate "50": want RATE%/WINDOW`},
		{func(s *LoadSettings) { s.AbortOnErrorRate = "50%/1ms" }, "AbortOnErrorRate", "want RATE%/WINDOW"},
		{func(s *LoadSettings) { s.MaxInFlight = 0 }, "MaxInFlight", "runner: max in flight 0: must be positive"},
		{func(s *LoadSettings) { s.Timeout = 0 }, "Timeout", "runner: timeout 0s: must be positive"},
		{func(s *LoadSettings) { s.HttpClient = "curl" }, "HttpClient", `runner: http client "curl": want fast or net/http`},
		{func(s *LoadSettings) { s.BusyWait = 2 * time.Second }, "BusyWait", "runner: busy wait 2s: want a duration from 0 to 1s"},
		{func(s *LoadSettings) { s.Shard = "4/3" }, "Shard", `runner: shard "4/3": I is not from 1 to N`},
		{func(s *LoadSettings) { s.Concurrency, s.Shard = 2, "1/3" }, "Shard", "2 workers, fewer than the 3 shards"},
		{func(s *LoadSettings) { s.Requests, s.Shard = 2, "1/3" }, "Shard", "fewer than the 3 shards"},
	} {
		s := base
		tt.edit(&s)
		_, err := NewLoad(s)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: %v, want %q", s, err, tt.want)
			continue
		}
		var se *SettingError
		var ie *items.Error
		switch {
		case tt.setting == "" && !errors.As(err, &ie):
			t.Errorf("%v: %T, want *items.Error", err, err)
		case tt.setting != "" && (!errors.As(err, &se) || se.Setting != tt.setting):
			t.Errorf("%v: want a SettingError on %s", err, tt.setting)
		}
	}
}

func TestParseValidate(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"all", "none", "sample:0.1", "sample:1", "sample:0.25"} {
		f, err := ParseValidate(s)
		if err != nil || validateName(f) != s && !(s == "sample:1" && validateName(f) == "all") {
			t.Errorf("ParseValidate(%q) = %v, %v; named %q", s, f, err, validateName(f))
		}
	}
	for _, s := range []string{"", "most", "sample:0", "sample:1.5", "sample:x"} {
		if _, err := ParseValidate(s); err == nil {
			t.Errorf("ParseValidate(%q): no error", s)
		}
	}
}

func TestSettingWords(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"MaxInFlight": "max in flight", "SLO": "slo", "Rate": "rate", "AbortOnErrorRate": "abort on error rate"} {
		if got := SettingWords(in); got != want {
			t.Errorf("SettingWords(%q) = %q, want %q", in, got, want)
		}
	}
}

// given is a LoadSettings.Given naming the settings given explicitly.
func given(settings ...string) func(string) bool {
	return func(s string) bool { return slices.Contains(settings, s) }
}

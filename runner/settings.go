package runner

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/tokenbench/tokenbench/internal/k8s"
	"github.com/tokenbench/tokenbench/runner/results"
)

// SettingError is a setting out of range, or at odds with another. Setting
// names it as the field of LoadSettings or CapacityConfig does ("Rate",
// "MaxInFlight"), so that a caller can name it as its users know it.
type SettingError struct {
	Setting string
	Value   string // as given, quoted when it is text; "" when beside the point
	Reason  string // what is wrong, and what is wanted
}

func (e *SettingError) Error() string {
	s := "runner: " + SettingWords(e.Setting)
	if e.Value != "" {
		s += " " + e.Value
	}
	return s + ": " + e.Reason
}

// SettingWords writes a setting's name in words: "MaxInFlight" is
// "max in flight".
func SettingWords(setting string) string {
	var b strings.Builder
	for i, r := range setting {
		if unicode.IsUpper(r) && i > 0 && !unicode.IsUpper(rune(setting[i-1])) {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return strings.ToLower(b.String())
}

// Bounds of the settings, as the README documents them.
const (
	// MaxConcurrency bounds the closed model's workers.
	MaxConcurrency = 10_000
	// MaxRequestsInFlight bounds the open model's requests in flight.
	MaxRequestsInFlight = 10_000
)

// LoadSettings are a load run's settings as given: NewLoad validates them
// and applies the defaults. Zero values are "not given", unless Given says
// a setting was given: then a zero is an error, never the default.
type LoadSettings struct {
	Rate        float64       // open model: arrivals per second (default 50 when nothing else says the model)
	Concurrency int           // closed model: workers
	Duration    time.Duration // default 10 s unless Requests or Stages
	Requests    int64
	Stages      string // a stages expression (see ParseStages)
	MaxInFlight int    // open model; required > 0
	Validate    string // all, none or sample:F (see ParseValidate)
	SLO         string // an SLO expression (see results.ParseSLOs)
	Timeout     time.Duration
	Warmup      time.Duration
	// AbortOnErrorRate is RATE%/WINDOW, e.g. 50%/10s: stop a run whose
	// error rate over the window exceeds the rate.
	AbortOnErrorRate string
	// Shard is I/N, this machine runs shard I of N (see ParseShard), or
	// "auto": read from the environment of a Kubernetes Indexed Job's pod
	// through Getenv (see k8s.ShardFromEnv).
	Shard  string
	Getenv func(string) string // nil: no environment
	// StartAt is an RFC 3339 time to start at (see Config.StartAt), at
	// most MaxStartAhead from Now; "" starts at once.
	StartAt string
	Now     func() time.Time // nil: time.Now
	// StaticCode, for benchmarks only, is one code redeemed every time
	// (see StaticCodes), instead of the target's code source.
	StaticCode string
	// HttpClient is fast (exchange.FastClient, the default) or net/http
	// (the conformance client: slower, for comparison).
	HttpClient string
	// BusyWait, open model, spins this long before each intended send time
	// (see Config.BusyWait); 0, the default, sleeps.
	BusyWait time.Duration
	// Grant is the grant to drive: authorization_code (the default, ""),
	// refresh_token or client_credentials.
	Grant string
	// ReuseProbes, for refresh_token, is the share of rotations whose
	// rotated-away token is presented again (0: none).
	ReuseProbes float64
	// Given reports whether a setting (named as its field: "Duration") was
	// given explicitly; nil: none was.
	Given func(setting string) bool
}

// given reports whether the setting was given explicitly.
func (s LoadSettings) given(setting string) bool { return s.Given != nil && s.Given(setting) }

// LoadJob is a validated load run.
type LoadJob struct {
	// Config is the run, but for Target, Codes, Progress and CodeTimes,
	// which are the caller's to set (see OpenCodes).
	Config     Config
	SLOs       []results.SLO
	StaticCode string
	// Settings are the settings as given, as load.json records them.
	Settings results.RunConfig
}

// NewLoad validates s and applies the defaults. Its errors are
// *SettingError, or the *items.Error of a stages or SLO expression.
func NewLoad(s LoadSettings) (*LoadJob, error) {
	model, plan, err := s.plan()
	if err != nil {
		return nil, err
	}
	j := &LoadJob{Config: Config{Model: model, Plan: plan, Timeout: s.Timeout, Warmup: s.Warmup}, StaticCode: s.StaticCode,
		Settings: results.RunConfig{Rate: s.Rate, Concurrency: s.Concurrency, Stages: s.Stages, DurationS: s.Duration.Seconds(), Requests: s.Requests,
			MaxInFlight: s.MaxInFlight, Validate: s.Validate, TimeoutS: s.Timeout.Seconds(), WarmupS: s.Warmup.Seconds(), SLO: s.SLO}}
	if model == Closed {
		j.Config.Concurrency, j.Settings.MaxInFlight = s.Concurrency, 0
	} else {
		j.Config.MaxInFlight = s.MaxInFlight
	}
	if j.Config.ValidateFraction, err = ParseValidate(s.Validate); err != nil {
		return nil, err
	}
	if s.SLO != "" {
		if j.SLOs, err = results.ParseSLOs(s.SLO); err != nil {
			return nil, err
		}
		if err := results.ValidateSLOs(j.SLOs, model); err != nil {
			return nil, &SettingError{Setting: "SLO", Reason: err.Error()}
		}
	}
	if j.Config.AbortErrorRate, j.Config.AbortWindow, err = parseAbort(s.AbortOnErrorRate); err != nil {
		return nil, err
	}
	switch {
	case model == Open && s.MaxInFlight <= 0:
		return nil, &SettingError{Setting: "MaxInFlight", Value: strconv.Itoa(s.MaxInFlight), Reason: "must be positive"}
	case s.MaxInFlight > MaxRequestsInFlight:
		return nil, &SettingError{Setting: "MaxInFlight", Value: strconv.Itoa(s.MaxInFlight), Reason: fmt.Sprintf("at most %d", MaxRequestsInFlight)}
	case s.Timeout <= 0:
		return nil, &SettingError{Setting: "Timeout", Value: s.Timeout.String(), Reason: "must be positive"}
	case s.Warmup < 0:
		return nil, &SettingError{Setting: "Warmup", Value: s.Warmup.String(), Reason: "must not be negative"}
	case s.HttpClient != "" && s.HttpClient != "fast" && s.HttpClient != "net/http":
		return nil, &SettingError{Setting: "HttpClient", Value: strconv.Quote(s.HttpClient), Reason: "want fast or net/http"}
	case s.BusyWait < 0 || s.BusyWait > time.Second:
		return nil, &SettingError{Setting: "BusyWait", Value: s.BusyWait.String(), Reason: "want a duration from 0 to 1s"}
	}
	j.Config.NetHTTP, j.Config.BusyWait = s.HttpClient == "net/http", s.BusyWait
	if j.Config.Grant, j.Config.ReuseProbes, err = s.grant(); err != nil {
		return nil, err
	}
	if s.Shard != "" {
		if err := j.shard(s.Shard, s.Getenv); err != nil {
			return nil, err
		}
	}
	if s.StartAt != "" {
		if j.Config.StartAt, err = parseStartAt(s.StartAt, s.Now); err != nil {
			return nil, err
		}
	}
	return j, nil
}

// Grants are the grants a load run can drive.
func Grants() []string {
	return []string{results.GrantAuthorizationCode, results.GrantRefreshToken, results.GrantClientCredentials}
}

// grant validates the grant and the reuse probes.
func (s LoadSettings) grant() (string, float64, error) {
	g := s.Grant
	if g == "" {
		g = results.GrantAuthorizationCode
	}
	switch {
	case !slices.Contains(Grants(), g):
		return "", 0, &SettingError{Setting: "Grant", Value: strconv.Quote(s.Grant), Reason: "want one of " + strings.Join(Grants(), ", ")}
	case s.StaticCode != "" && g != results.GrantAuthorizationCode:
		return "", 0, &SettingError{Setting: "StaticCode", Reason: "only for the authorization_code grant"}
	case math.IsNaN(s.ReuseProbes) || s.ReuseProbes < 0 || s.ReuseProbes > 1:
		return "", 0, &SettingError{Setting: "ReuseProbes", Value: strconv.FormatFloat(s.ReuseProbes, 'g', -1, 64), Reason: "want a fraction from 0 to 1"}
	}
	return g, s.ReuseProbes, nil
}

// plan turns the settings into a model and a plan.
func (s LoadSettings) plan() (string, Plan, error) {
	for _, n := range []struct {
		setting string
		neg     bool
		value   string
	}{
		{"Rate", s.Rate < 0 || math.IsNaN(s.Rate), formatRate(s.Rate)}, {"Concurrency", s.Concurrency < 0, strconv.Itoa(s.Concurrency)},
		{"Duration", s.Duration < 0, s.Duration.String()}, {"Requests", s.Requests < 0, strconv.FormatInt(s.Requests, 10)},
	} {
		if n.neg {
			return "", Plan{}, &SettingError{Setting: n.setting, Value: n.value, Reason: "must not be negative"}
		}
	}
	// A zero given explicitly is not the default: --duration 0 is no
	// duration, not 10 s.
	for _, z := range []struct {
		setting, value string
		zero           bool
	}{
		{"Rate", "0", s.Rate == 0}, {"Concurrency", "0", s.Concurrency == 0}, {"Duration", "0s", s.Duration == 0},
		{"Requests", "0", s.Requests == 0}, {"Stages", `""`, strings.TrimSpace(s.Stages) == ""},
	} {
		if z.zero && s.given(z.setting) {
			return "", Plan{}, &SettingError{Setting: z.setting, Value: z.value, Reason: "must be positive (leave it out for the default)"}
		}
	}
	if s.Concurrency > MaxConcurrency {
		return "", Plan{}, &SettingError{Setting: "Concurrency", Value: strconv.Itoa(s.Concurrency), Reason: fmt.Sprintf("at most %d workers", MaxConcurrency)}
	}
	switch {
	case s.Rate > 0 && s.Concurrency > 0:
		return "", Plan{}, &SettingError{Setting: "Concurrency", Reason: "give a rate (open model) or a concurrency (closed model), not both"}
	case s.Stages != "" && (s.Rate > 0 || s.Concurrency > 0 || s.Duration > 0 || s.Requests > 0):
		return "", Plan{}, &SettingError{Setting: "Stages", Reason: "the stages carry their own rates and durations: give no rate, concurrency, duration or request count with them"}
	case s.Stages != "":
		p, err := ParseStages(s.Stages)
		return Open, p, err
	}
	d := s.Duration
	if d == 0 && s.Requests == 0 {
		d = 10 * time.Second
	}
	if s.Concurrency > 0 {
		return Closed, Plan{Stages: []Stage{{Name: closedName(s.Concurrency, d, s.Requests), Duration: d, Requests: s.Requests}}}, nil
	}
	rate := s.Rate
	if rate == 0 {
		rate = 50
	}
	switch {
	case math.IsNaN(rate) || rate < MinRate || rate > MaxRate:
		return "", Plan{}, &SettingError{Setting: "Rate", Value: formatRate(rate), Reason: fmt.Sprintf("want a rate from %s to %s per second", formatRate(MinRate), formatRate(MaxRate))}
	case d > MaxStageDuration:
		return "", Plan{}, &SettingError{Setting: "Duration", Value: d.String(), Reason: fmt.Sprintf("at most %s", MaxStageDuration)}
	}
	p, err := ConstantPlan(rate, d, s.Requests)
	if err != nil {
		return "", Plan{}, &SettingError{Setting: "Rate", Value: formatRate(rate), Reason: strings.TrimPrefix(err.Error(), "runner: ")}
	}
	return Open, p, nil
}

func closedName(c int, d time.Duration, n int64) string {
	parts := []string{fmt.Sprintf("%d workers", c)}
	if d > 0 {
		parts = append(parts, d.String())
	}
	if n > 0 {
		parts = append(parts, fmt.Sprintf("%d requests", n))
	}
	return strings.Join(parts, ", ")
}

// shard makes the job shard I of N of a run split across machines: the
// plan's rates, or the closed model's workers, divided by N (Plan.Shard,
// ShardWorkers). "auto" reads I and N from the environment.
func (j *LoadJob) shard(spec string, getenv func(string) string) error {
	given, from := spec, ""
	bad := func(reason string) error {
		return &SettingError{Setting: "Shard", Value: strconv.Quote(given), Reason: from + reason}
	}
	if spec == "auto" {
		fromEnv, err := k8s.ShardFromEnv(getenv)
		if err != nil {
			return bad(err.Error())
		}
		spec, from = fromEnv, fmt.Sprintf("%s from $%s and $%s: ", fromEnv, k8s.IndexEnv, k8s.CountEnv)
	}
	sh, err := ParseShard(spec)
	if err != nil {
		return bad(strings.TrimPrefix(err.Error(), fmt.Sprintf("runner: shard %q: ", spec)))
	}
	if j.Config.Model == Closed {
		if j.Config.Concurrency, err = ShardWorkers(j.Config.Concurrency, sh); err != nil {
			return bad(strings.TrimPrefix(err.Error(), "runner: "))
		}
	}
	if j.Config.Plan, err = j.Config.Plan.Shard(sh); err != nil {
		return bad(strings.TrimPrefix(err.Error(), "runner: "))
	}
	j.Config.Shard = &sh
	return nil
}

// MaxStartAhead bounds how far ahead a start time (LoadSettings.StartAt)
// may be: further is taken for a mistake rather than waited for.
const MaxStartAhead = 24 * time.Hour

// parseStartAt parses an RFC 3339 start time no further than MaxStartAhead
// from now. A time in the past is accepted: the run starts at once and
// says it was late.
func parseStartAt(s string, now func() time.Time) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, &SettingError{Setting: "StartAt", Value: strconv.Quote(s), Reason: "not an RFC 3339 time such as 2026-12-04T17:20:00Z"}
	}
	if now == nil {
		now = time.Now
	}
	if ahead := t.Sub(now()); ahead > MaxStartAhead {
		return time.Time{}, &SettingError{Setting: "StartAt", Value: strconv.Quote(s), Reason: fmt.Sprintf("is %s ahead, more than %s: check the date and the clock", ahead.Round(time.Minute), MaxStartAhead)}
	}
	return t, nil
}

// Judge completes r, the job's result: the settings as given, and the SLOs
// evaluated.
func (j *LoadJob) Judge(r *results.Load) {
	r.Config = j.Settings
	r.SLO = results.Evaluate(j.SLOs, r)
}

// CodePipeline is the code pipeline's size for the job: how many codes to
// keep ready ahead of the schedule, and how many to obtain at once.
func (j *LoadJob) CodePipeline() (depth, parallel int) {
	return codePipeline(j.Config.Model, j.Config.Plan.PeakRate(), j.Config.Concurrency)
}

// codePipeline derives the depth and parallelism of the code pipeline from
// the peak rate (open model) or the concurrency (closed model).
func codePipeline(model string, peak float64, concurrency int) (depth, parallel int) {
	if model == Closed {
		return 2 * concurrency, min(concurrency, 16)
	}
	depth = int(math.Ceil(peak / 4)) // a quarter second of arrivals
	depth = max(8, min(depth, 4096))
	parallel = max(1, min(int(math.Ceil(peak/400)), 16))
	return depth, parallel
}

// ParseValidate parses how many responses to validate: all (1), none (0)
// or sample:F (a fraction 0 < F ≤ 1). Its error is a *SettingError.
func ParseValidate(s string) (float64, error) {
	switch s {
	case "all":
		return 1, nil
	case "none":
		return 0, nil
	}
	if v, ok := strings.CutPrefix(s, "sample:"); ok {
		f, err := strconv.ParseFloat(v, 64)
		if err == nil && f > 0 && f <= 1 {
			return f, nil
		}
	}
	return 0, &SettingError{Setting: "Validate", Value: strconv.Quote(s), Reason: "want all, none or sample:F with 0 < F <= 1"}
}

// validateName is ParseValidate's inverse.
func validateName(f float64) string {
	switch {
	case f >= 1:
		return "all"
	case f <= 0:
		return "none"
	}
	return "sample:" + formatRate(f)
}

// parseAbort parses "50%/10s": an error rate and its window.
func parseAbort(s string) (float64, time.Duration, error) {
	if s == "" {
		return 0, 0, nil
	}
	bad := &SettingError{Setting: "AbortOnErrorRate", Value: strconv.Quote(s), Reason: "want RATE%/WINDOW such as 50%/10s (a rate above 0 and at most 100%, a window of at least 1s)"}
	rate, window, ok := strings.Cut(s, "/")
	if !ok || !strings.HasSuffix(rate, "%") {
		return 0, 0, bad
	}
	r, err := strconv.ParseFloat(strings.TrimSuffix(rate, "%"), 64)
	if err != nil || r <= 0 || r > 100 {
		return 0, 0, bad
	}
	w, err := time.ParseDuration(window)
	if err != nil || w < time.Second {
		return 0, 0, bad
	}
	return r / 100, w, nil
}

package runner

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tokenbench/tokenbench/internal/codes"
	"github.com/tokenbench/tokenbench/internal/target"
	"github.com/tokenbench/tokenbench/runner/results"
)

// Capacity search defaults.
const (
	DefaultCapacityStart       = 10.0             // per second
	DefaultCapacityFactor      = 1.25             // each step's rate over the previous one's
	DefaultCapacityStep        = 10 * time.Second // the shortest step
	DefaultCapacityMinRequests = 1000             // a step lasts long enough for a p99 from this many samples...
	DefaultCapacityMaxStep     = 60 * time.Second // ...but no longer than this
	DefaultCapacityWarmup      = time.Second      // sent at the step's rate before it is measured
)

// CapacityConfig is one capacity search.
type CapacityConfig struct {
	Target *target.Target
	// Codes feeds every step; size its prefetch for Max (CodePipeline).
	Codes codes.Source
	// CodeTimes, when set, must be the Codes source's OnObtained
	// recorder; each step then reports the codes obtained during it.
	CodeTimes *StepCodeTimes
	SLO       string // the SLO expression every step is judged by; required
	Start     float64
	Factor    float64
	// A step lasts StepDuration, or longer when MinRequests arrivals at its
	// rate take longer, up to MaxStepDuration (never below StepDuration).
	StepDuration    time.Duration
	MinRequests     int
	MaxStepDuration time.Duration
	Max             float64 // the highest rate tried; 0: MaxRate
	// Warmup precedes each step at its rate, not measured (connections,
	// caches, a backlog the rate builds); 0: DefaultCapacityWarmup, < 0: none.
	Warmup time.Duration
	// Per step, as in Config: the grant (Codes is nil for
	// client_credentials) and the share of refresh rotations probed.
	Grant            string
	ReuseProbes      float64
	MaxInFlight      int
	ValidateFraction float64
	Timeout          time.Duration
	// OnStepStart and OnStep, when set, are called before and after each
	// step, from the goroutine that called Capacity.
	OnStepStart func(index int, offered float64, d time.Duration, confirm bool)
	OnStep      func(results.CapacityStep)
	// OnInterrupt, when set, is called once when ctx is done during a
	// step, with the search so far (the running step's part included),
	// marked interrupted, so that it is written at once; Capacity then
	// waits for the step's requests in flight. It is called from another
	// goroutine, while Capacity waits for the step.
	OnInterrupt func(*results.Capacity)
	Now         func() time.Time
	// Given reports whether a setting (named as its field: "Start") was
	// given explicitly: a zero given is an error, not the default. nil:
	// none was.
	Given func(setting string) bool

	slos  []results.SLO     // SLO, parsed by WithDefaults
	sofar *results.Capacity // the search's result as Capacity builds it
}

// StepCodeTimes forwards obtained codes to the running step's CodeTimes:
// give its Observe to the code source as OnObtained. Safe for concurrent
// use; codes obtained between steps count in the next one.
type StepCodeTimes struct {
	mu  sync.Mutex
	cur *CodeTimes
}

// Observe records one obtained code in the current step.
func (s *StepCodeTimes) Observe(c codes.Code) {
	s.mu.Lock()
	cur := s.cur
	s.mu.Unlock()
	if cur != nil {
		cur.Observe(c)
	}
}

func (s *StepCodeTimes) next() *CodeTimes {
	if s == nil {
		return nil
	}
	t := NewCodeTimes()
	s.mu.Lock()
	s.cur = t
	s.mu.Unlock()
	return t
}

// WithDefaults validates the search's settings and applies the defaults;
// the target, the codes and the callbacks are not looked at. Capacity calls
// it too. Its errors are *SettingError, or the *items.Error of the SLO.
func (cfg CapacityConfig) WithDefaults() (CapacityConfig, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if err := cfg.givenZero(); err != nil {
		return cfg, err
	}
	var err error
	if cfg.Grant, cfg.ReuseProbes, err = (LoadSettings{Grant: cfg.Grant, ReuseProbes: cfg.ReuseProbes}).grant(); err != nil {
		return cfg, err
	}
	for _, d := range []struct {
		v   *float64
		def float64
	}{{&cfg.Start, DefaultCapacityStart}, {&cfg.Factor, DefaultCapacityFactor}, {&cfg.Max, MaxRate}} {
		if *d.v == 0 {
			*d.v = d.def
		}
	}
	if cfg.StepDuration == 0 {
		cfg.StepDuration = DefaultCapacityStep
	}
	if cfg.MinRequests == 0 {
		cfg.MinRequests = DefaultCapacityMinRequests
	}
	if cfg.MaxStepDuration == 0 {
		cfg.MaxStepDuration = max(DefaultCapacityMaxStep, cfg.StepDuration)
	}
	if cfg.Warmup == 0 {
		cfg.Warmup = DefaultCapacityWarmup
	}
	cfg.Warmup = max(cfg.Warmup, 0)
	rate := func(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
	bad := func(setting, value, reason string) (CapacityConfig, error) {
		return cfg, &SettingError{Setting: setting, Value: value, Reason: reason}
	}
	switch {
	case strings.TrimSpace(cfg.SLO) == "":
		return bad("SLO", "", "required: the steps are judged by it (e.g. p99<300ms,error_rate<0.1%)")
	case math.IsNaN(cfg.Start) || cfg.Start < MinRate || cfg.Start > MaxRate:
		return bad("Start", rate(cfg.Start), fmt.Sprintf("want a rate from %s/s to %s/s", rate(MinRate), rate(MaxRate)))
	case math.IsNaN(cfg.Factor) || cfg.Factor <= 1 || cfg.Factor > 10:
		return bad("Factor", rate(cfg.Factor), "want a factor > 1 and at most 10")
	case math.IsNaN(cfg.Max) || cfg.Max < cfg.Start || cfg.Max > MaxRate:
		return bad("Max", rate(cfg.Max), fmt.Sprintf("want a rate from the start rate %s/s to %s/s", rate(cfg.Start), rate(MaxRate)))
	case cfg.StepDuration < 0 || cfg.StepDuration > MaxStageDuration:
		return bad("StepDuration", cfg.StepDuration.String(), fmt.Sprintf("want a duration > 0 and at most %s", MaxStageDuration))
	case cfg.MaxStepDuration < cfg.StepDuration:
		return bad("MaxStepDuration", cfg.MaxStepDuration.String(), fmt.Sprintf("want a duration no shorter than the step duration %s", cfg.StepDuration))
	case cfg.MinRequests < 0:
		return bad("MinRequests", strconv.Itoa(cfg.MinRequests), "must not be negative")
	case cfg.MaxInFlight < 0:
		return bad("MaxInFlight", strconv.Itoa(cfg.MaxInFlight), "must be positive")
	case cfg.MaxInFlight > MaxRequestsInFlight:
		return bad("MaxInFlight", strconv.Itoa(cfg.MaxInFlight), fmt.Sprintf("at most %d", MaxRequestsInFlight))
	case cfg.Timeout < 0:
		return bad("Timeout", cfg.Timeout.String(), "must be positive")
	}
	if cfg.MaxInFlight == 0 {
		cfg.MaxInFlight = 1000
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	slos, err := results.ParseSLOs(cfg.SLO)
	if err != nil {
		return cfg, err
	}
	if err := results.ValidateSLOs(slos, Open); err != nil {
		return bad("SLO", "", err.Error())
	}
	cfg.slos = slos
	return cfg, nil
}

// givenZero refuses a zero given explicitly for a setting whose zero is
// "the default" (Warmup's zero, none, is the caller's to map to -1).
func (cfg CapacityConfig) givenZero() error {
	if cfg.Given == nil {
		return nil
	}
	for _, z := range []struct {
		setting, value string
		zero           bool
	}{
		{"Start", "0", cfg.Start == 0}, {"Factor", "0", cfg.Factor == 0}, {"Max", "0", cfg.Max == 0},
		{"StepDuration", "0s", cfg.StepDuration == 0}, {"MinRequests", "0", cfg.MinRequests == 0},
		{"MaxStepDuration", "0s", cfg.MaxStepDuration == 0}, {"MaxInFlight", "0", cfg.MaxInFlight == 0},
		{"Timeout", "0s", cfg.Timeout == 0},
	} {
		if z.zero && cfg.Given(z.setting) {
			return &SettingError{Setting: z.setting, Value: z.value, Reason: "must be positive (leave it out for the default)"}
		}
	}
	return nil
}

// CodePipeline is the code pipeline's size for the search: for its highest
// rate, Max, or 1000/s when there is none.
func (cfg CapacityConfig) CodePipeline() (depth, parallel int) {
	peak := cfg.Max
	if peak == 0 || peak == MaxRate {
		peak = max(1000, cfg.Start)
	}
	return codePipeline(Open, peak, 0)
}

// Capacity searches for the highest arrival rate the target sustains under
// an SLO. It runs open-model steps with Run, each at a constant rate: from
// Start, each Factor times the previous, until a step breaks the SLO (or
// does not send all it scheduled), Max is passed, the code supply rather
// than the endpoint limits a step (a results.LimitCodeSupply limit), or ctx
// is done. Then one confirming step runs midway between the last good and
// the first bad rate; if it passes, it is the maximum sustainable rate,
// else the last good step is.
//
// It returns the result so far with an error when the code source fails
// for good, and a nil result with an error for a bad config. It is not
// safe to run twice at once on one code source.
func Capacity(ctx context.Context, cfg CapacityConfig) (*results.Capacity, error) {
	cfg, err := cfg.WithDefaults()
	if err != nil {
		return nil, err
	}
	if cfg.Target == nil || cfg.Codes == nil && cfg.Grant != results.GrantClientCredentials {
		return nil, errors.New("runner: capacity: a target and a code source are needed")
	}
	tg := cfg.Target
	res := &results.Capacity{
		Schema: results.CapacitySchema, Target: resultTarget(tg),
		Profile: tg.Profile.Name, Grant: cfg.Grant, Start: cfg.Now(), MaxSustainableStep: -1,
		Config: results.CapacitySettings{SLO: cfg.SLO, StartRPS: cfg.Start, Factor: cfg.Factor, StepDurationS: cfg.StepDuration.Seconds(),
			MinRequests: cfg.MinRequests, MaxStepDurationS: cfg.MaxStepDuration.Seconds(), WarmupS: cfg.Warmup.Seconds(), MaxRPS: cfg.Max,
			MaxInFlight: cfg.MaxInFlight, TimeoutS: cfg.Timeout.Seconds()},
	}
	cfg.sofar = res
	lastGood, firstBad, runErr := cfg.climb(ctx, res)
	if lastGood >= 0 {
		res.MaxSustainableRPS, res.MaxSustainableStep = res.Steps[lastGood].OfferedRPS, lastGood
	}
	if runErr == nil && lastGood >= 0 && firstBad >= 0 {
		runErr = cfg.confirm(ctx, res, (res.Steps[lastGood].OfferedRPS+res.Steps[firstBad].OfferedRPS)/2)
	}
	if firstBad == 0 {
		res.Stopped += fmt.Sprintf(": already at the first step; start lower than %.1f/s", cfg.Start)
	}
	res.Knee = results.FindKnee(res.Steps)
	for _, st := range res.Steps {
		if st.Little.HiddenQueueing {
			res.HiddenQueueing = append(res.HiddenQueueing, st.Index)
		}
	}
	tg.Redactor.Walk(res)
	return res, runErr
}

// climb runs the steps from Start up, each Factor times the last, until
// one breaks the SLO or cannot be judged, or Max is reached. It returns
// the last step that met the SLO and the first that broke it (-1: none).
func (cfg CapacityConfig) climb(ctx context.Context, res *results.Capacity) (lastGood, firstBad int, err error) {
	lastGood, firstBad = -1, -1
	for rate := cfg.Start; ; rate = math.Min(rate*cfg.Factor, cfg.Max) {
		st, err := cfg.step(ctx, len(res.Steps), rate, false)
		if st != nil {
			res.Steps = append(res.Steps, *st)
		}
		switch {
		case err != nil:
			res.Stopped, res.StopReason = fmt.Sprintf("the code source failed at %.1f/s: %v", rate, err), results.StopCodeSource
			return lastGood, firstBad, err
		case stopped(res, st):
			return lastGood, firstBad, nil
		case !st.Pass:
			res.Bounded, res.StopReason = true, results.StopSLO
			res.Stopped = fmt.Sprintf("the SLO broke at %.1f/s (%s)", rate, failedSLOs(*st))
			return lastGood, st.Index, nil
		}
		lastGood = st.Index
		if rate >= cfg.Max {
			res.Stopped, res.StopReason = fmt.Sprintf("reached the highest rate to try, %.1f/s, with the SLO met: the endpoint sustains at least that", cfg.Max), results.StopMax
			return lastGood, firstBad, nil
		}
	}
}

// confirm runs the confirming step at rate, between the last good and the
// first bad step.
func (cfg CapacityConfig) confirm(ctx context.Context, res *results.Capacity, rate float64) error {
	st, err := cfg.step(ctx, len(res.Steps), rate, true)
	if st != nil {
		res.Steps = append(res.Steps, *st)
	}
	switch {
	case err != nil:
		res.Stopped += fmt.Sprintf("; the code source failed in the confirming step: %v", err)
	case st.Result.Interrupted:
		res.Interrupted = true
		res.Stopped += "; interrupted in the confirming step"
	case st.Pass:
		res.MaxSustainableRPS, res.MaxSustainableStep = st.OfferedRPS, st.Index
		res.Stopped += fmt.Sprintf("; the confirming step at %.1f/s met it", rate)
	default:
		res.Stopped += fmt.Sprintf("; the confirming step at %.1f/s broke it too (%s)", rate, failedSLOs(*st))
	}
	return err
}

// stopped ends the search after a step that cannot be judged: the run was
// interrupted, or the code supply limited it.
func stopped(res *results.Capacity, st *results.CapacityStep) bool {
	switch {
	case st.Result.Interrupted:
		res.Interrupted, res.StopReason = true, results.StopInterrupted
		res.Stopped = fmt.Sprintf("interrupted during the step at %.1f/s", st.OfferedRPS)
		return true
	case st.CodeLimited:
		res.CodeLimited, res.StopReason = true, results.StopCodeSupply
		res.Stopped = fmt.Sprintf("the code supply, not the endpoint, limited the step at %.1f/s: the endpoint's capacity is above the highest rate the codes allow; supply codes faster (codes.parallel, a faster code source) to go on", st.OfferedRPS)
		return true
	}
	return false
}

// stepDuration is how long a capacity step at rate lasts: StepDuration, or
// the time MinRequests arrivals take at rate when longer, at most
// MaxStepDuration; rounded up to 100 ms.
func (cfg CapacityConfig) stepDuration(rate float64) time.Duration {
	d := cfg.StepDuration
	if need := secondsDuration(float64(cfg.MinRequests) / rate); need > d {
		d = min(need, max(cfg.MaxStepDuration, cfg.StepDuration))
	}
	const q = 100 * time.Millisecond
	return (d + q - 1) / q * q
}

// step runs one step and judges it.
func (cfg CapacityConfig) step(ctx context.Context, index int, rate float64, confirm bool) (*results.CapacityStep, error) {
	d := cfg.stepDuration(rate)
	plan, err := ConstantPlan(rate, d, 0)
	if err != nil {
		return nil, err
	}
	if cfg.OnStepStart != nil {
		cfg.OnStepStart(index, rate, d, confirm)
	}
	var src codes.Source // none for client credentials
	if cfg.Codes != nil {
		src = &stepCodes{Source: cfg.Codes, base: cfg.Codes.Stats()}
	}
	r, runErr := Run(ctx, Config{
		Target: cfg.Target, Codes: src, Model: Open, Plan: plan, Grant: cfg.Grant, ReuseProbes: cfg.ReuseProbes,
		MaxInFlight: cfg.MaxInFlight, ValidateFraction: cfg.ValidateFraction, Timeout: cfg.Timeout, Warmup: cfg.Warmup,
		CodeTimes: cfg.CodeTimes.next(), Now: cfg.Now, OnInterrupt: cfg.interrupted(index, rate, d, confirm),
	})
	if r == nil {
		return nil, runErr
	}
	st := cfg.judge(index, rate, d, confirm, r)
	if cfg.OnStep != nil {
		cfg.OnStep(*st)
	}
	return st, runErr
}

// judge makes a step of a run's result r at rate, d long.
func (cfg CapacityConfig) judge(index int, rate float64, d time.Duration, confirm bool, r *results.Load) *results.CapacityStep {
	r.Tool = results.Tool{Name: "tokenbench"}
	r.Config = results.RunConfig{Rate: rate, DurationS: d.Seconds(), MaxInFlight: cfg.MaxInFlight, Validate: validateName(cfg.ValidateFraction), TimeoutS: cfg.Timeout.Seconds(), WarmupS: cfg.Warmup.Seconds(), SLO: cfg.SLO}
	st := &results.CapacityStep{Index: index, OfferedRPS: rate, Confirm: confirm, DurationS: d.Seconds(), Result: r}
	s := r.Summary
	st.Requests = s.Requests
	if r.DurationS > 0 {
		st.ThroughputRPS = float64(s.Requests) / r.DurationS
	}
	st.Ratio = st.ThroughputRPS / rate
	st.P50MS, st.P99MS, st.MeanMS = s.LatencyMS.P50, s.LatencyMS.P99, s.LatencyMS.Mean
	st.ServiceMeanMS, st.ErrorRate = s.ServiceTimeMS.Mean, s.ErrorRate
	// Judge throughput by the achieved figure (see ThroughputRPS), not by
	// the plan's time, which counts the requests drained after it.
	judged := *r
	judged.Summary.ThroughputRPS = st.ThroughputRPS
	st.SLO = results.Evaluate(cfg.slos, &judged)
	for i := range st.SLO {
		if st.SLO[i].Metric == "throughput" && st.SLO[i].Note == "" {
			st.SLO[i].Note = "achieved throughput: completed requests from the step's start to its last completion"
		}
	}
	r.SLO = st.SLO
	// A step no request of which succeeded sustained nothing, whatever
	// the SLO says of its (fast) errors.
	st.Pass = !results.Breached(st.SLO) && s.Unsent == 0 && !r.Interrupted && r.Aborted == "" && s.OK > 0
	// Waits for codes are kept out of the latency; they limited the step
	// only when it then fell short: it did not keep up with the offered
	// rate or broke the SLO. A step that met both was limited by nothing
	// (a few waits at a low rate are the prefetch filling, not a limit).
	if !st.Pass || st.Ratio < results.KneeMinRatio {
		for _, l := range r.Limits {
			st.CodeLimited = st.CodeLimited || l.Kind == results.LimitCodeSupply
		}
	}
	st.Little = results.CheckLittle(r, st.ThroughputRPS)
	return st
}

// stepCodes reports a shared source's Dropped since the step began.
type stepCodes struct {
	codes.Source
	base codes.Stats
}

func (s *stepCodes) Stats() codes.Stats {
	st := s.Source.Stats()
	st.Dropped -= s.base.Dropped
	return st
}

func (s *stepCodes) Unwrap() codes.Source { return s.Source }

// failedSLOs lists what broke a step.
func failedSLOs(st results.CapacityStep) string {
	var out []string
	for _, s := range st.SLO {
		if !s.Pass {
			out = append(out, fmt.Sprintf("%s: observed %s %s", s.Expr, figure(s.Observed), s.Unit))
		}
	}
	if st.Result != nil && st.Result.Summary.Unsent > 0 {
		out = append(out, fmt.Sprintf("%d requests never sent", st.Result.Summary.Unsent))
	}
	if st.Result != nil && st.Result.Summary.OK == 0 {
		out = append(out, fmt.Sprintf("no request succeeded (%d sent)", st.Result.Summary.Requests))
	}
	if len(out) == 0 {
		return "not judged"
	}
	return strings.Join(out, ", ")
}

// figure writes an observed value with three significant digits.
func figure(f float64) string {
	if math.Abs(f) >= 100 {
		return fmt.Sprintf("%.0f", f)
	}
	return fmt.Sprintf("%.3g", f)
}

package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/tokenbench/tokenbench/internal/codes"
	"github.com/tokenbench/tokenbench/internal/target"
)

// CapacitySchema names the version of the capacity result format.
const CapacitySchema = "tokenbench.capacity/v1"

// CapacityJSONFile is the capacity search's result file.
const CapacityJSONFile = "capacity.json"

// Capacity search defaults.
const (
	DefaultCapacityStart       = 10.0             // per second
	DefaultCapacityFactor      = 1.25             // each step's rate over the previous one's
	DefaultCapacityStep        = 10 * time.Second // the shortest step
	DefaultCapacityMinRequests = 1000             // a step lasts long enough for a p99 from this many samples...
	DefaultCapacityMaxStep     = 60 * time.Second // ...but no longer than this
	DefaultCapacityWarmup      = time.Second      // sent at the step's rate before it is measured
)

// Knee and Little's law criteria.
const (
	// KneeMinRatio: a step keeps up when its achieved throughput is at least
	// this share of the offered rate.
	KneeMinRatio = 0.95
	// KneeMaxP99Growth: ... and its p99 at most this many times the
	// baseline p99 (the lowest of the first two steps').
	KneeMaxP99Growth = 2.0
	// LittleTolerance: the relative mismatch beyond which the Little's
	// law check flags hidden queueing in the generator.
	LittleTolerance = 0.25
)

// CapacityConfig is one capacity search.
type CapacityConfig struct {
	Target *target.Target
	// Codes feeds every step; size its prefetch for Max (or a high rate).
	Codes codes.Source
	// CodeTimes, when set, must be the Codes source's OnObtained
	// recorder; each step then reports the codes obtained during it.
	CodeTimes *StepCodeTimes
	SLO       string // the --slo expression every step is judged by; required
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
	// Per step, as in Config.
	MaxInFlight      int
	ValidateFraction float64
	Timeout          time.Duration
	// OnStepStart and OnStep, when set, are called before and after each
	// step, from the goroutine that called Capacity.
	OnStepStart func(index int, offered float64, d time.Duration, confirm bool)
	OnStep      func(CapacityStep)
	Now         func() time.Time
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

// CapacitySettings are a search's settings as run: capacity.json's config.
type CapacitySettings struct {
	SLO              string  `json:"slo"`
	StartRPS         float64 `json:"start_rps"`
	Factor           float64 `json:"factor"`
	StepDurationS    float64 `json:"step_duration_s"`
	MinRequests      int     `json:"min_requests"`
	MaxStepDurationS float64 `json:"max_step_duration_s"`
	WarmupS          float64 `json:"warmup_s"`
	MaxRPS           float64 `json:"max_rps"`
	MaxInFlight      int     `json:"max_in_flight"`
	TimeoutS         float64 `json:"timeout_s"`
}

// CapacityResult is a capacity search's outcome: capacity.json.
type CapacityResult struct {
	Schema  string           `json:"schema"`
	Tool    Tool             `json:"tool"`
	Target  TargetInfo       `json:"target"`
	Profile string           `json:"profile"`
	Config  CapacitySettings `json:"config"`
	Start   time.Time        `json:"start"`
	Steps   []CapacityStep   `json:"steps"` // in run order; the confirming step last
	// MaxSustainableRPS is the highest offered rate whose step met every
	// SLO: the confirming step's when it passed, else the last passing
	// step's; 0 when none did. MaxSustainableStep is its index (-1: none).
	MaxSustainableRPS  float64 `json:"max_sustainable_rps"`
	MaxSustainableStep int     `json:"max_sustainable_step"`
	// Bounded says whether a failing step bounds the search from above:
	// false when it stopped at --max, at the code supply or interrupted,
	// and the maximum is only a lower bound.
	Bounded bool  `json:"bounded"`
	Knee    *Knee `json:"knee,omitempty"`
	// Stopped says, in words, why the search ended.
	Stopped     string `json:"stopped"`
	CodeLimited bool   `json:"code_limited,omitempty"`
	Interrupted bool   `json:"interrupted,omitempty"`
	// HiddenQueueing lists the steps whose Little's law check failed.
	HiddenQueueing []int `json:"hidden_queueing,omitempty"`
}

// CapacityStep is one step of the search: one open-model run at a constant
// offered rate.
type CapacityStep struct {
	Index      int     `json:"index"` // in run order, from 0
	OfferedRPS float64 `json:"offered_rps"`
	Confirm    bool    `json:"confirm,omitempty"` // the step between the last good and the first bad rate
	DurationS  float64 `json:"duration_s"`        // planned
	// ThroughputRPS is the achieved throughput: completed requests over the
	// time from the step's start to its last completion, so an endpoint
	// that falls behind shows less than the offered rate even when it
	// answers every request in the end. Ratio is ThroughputRPS/OfferedRPS.
	ThroughputRPS float64 `json:"throughput_rps"`
	Ratio         float64 `json:"ratio"`
	Requests      int64   `json:"requests"`
	P50MS         float64 `json:"p50_ms"` // latency from the intended send time
	P99MS         float64 `json:"p99_ms"`
	MeanMS        float64 `json:"mean_ms"`
	ServiceMeanMS float64 `json:"service_mean_ms"`
	ErrorRate     float64 `json:"error_rate"` // a fraction
	// SLO is the --slo verdict on this step, throughput taken as the
	// achieved one; Pass also needs every scheduled request sent.
	SLO         []SLOResult `json:"slo"`
	Pass        bool        `json:"pass"`
	Little      LittleCheck `json:"little"`
	Limits      []string    `json:"limits,omitempty"`
	CodeLimited bool        `json:"code_limited,omitempty"`
	Result      *Result     `json:"result"` // the step's full load result
}

// LittleCheck compares, for one step, the mean number of requests in flight
// the engine observed (time-weighted) with Little's law, L = λ·W: the
// achieved throughput times the mean service time (requests on the wire)
// and times the mean latency from the intended send time (requests in the
// system, those the generator held before sending included).
//
// More in flight than λ·service means requests were counted in flight
// longer than they were being served: the generator held them (CPU
// starvation between taking a slot and sending, or after the response).
// λ·latency above the observed in flight means requests waited in the
// generator before they were sent (timers, in-flight slots). Either,
// beyond LittleTolerance (and 1 ms a request for the latter), is hidden
// queueing in the generator: the figures then partly measure tokenbench.
type LittleCheck struct {
	MeanInFlight   float64 `json:"mean_in_flight"`       // observed
	ServiceL       float64 `json:"throughput_x_service"` // λ × mean service time
	SystemL        float64 `json:"throughput_x_latency"` // λ × mean latency
	Mismatch       float64 `json:"mismatch"`             // |observed − λ·service| / (λ·service)
	HiddenQueueing bool    `json:"hidden_queueing"`
	Note           string  `json:"note,omitempty"`
}

// Knee is where the endpoint stops keeping up: the step of the highest
// offered rate that achieved at least KneeMinRatio of it with a p99 within
// KneeMaxP99Growth times the baseline p99 (the lowest p99 of the two
// lowest-rate steps).
type Knee struct {
	Step          int     `json:"step"` // index into Steps
	OfferedRPS    float64 `json:"offered_rps"`
	BaselineP99MS float64 `json:"baseline_p99_ms"`
	// Reached is false when every step kept up: the knee is above the
	// highest rate tried.
	Reached bool   `json:"reached"`
	Reason  string `json:"reason"`
}

// Capacity searches for the highest arrival rate the target sustains under
// an SLO. It runs open-model steps with Run, each at a constant rate: from
// Start, each Factor times the previous, until a step breaks the SLO (or
// does not send all it scheduled), Max is passed, the code supply rather
// than the endpoint limits a step (its Result.Limits has "code supply"), or
// ctx is done. Then one confirming step runs midway between the last good
// and the first bad rate; if it passes, it is the maximum sustainable rate,
// else the last good step is.
//
// It returns the result so far with an error when the code source fails
// for good, and a nil result with an error for a bad config. It does not
// write files (see WriteFiles) and is not safe to run twice at once on one
// code source.
func Capacity(ctx context.Context, cfg CapacityConfig) (*CapacityResult, error) {
	cfg, slos, err := capacityDefaults(cfg)
	if err != nil {
		return nil, err
	}
	tg := cfg.Target
	res := &CapacityResult{
		Schema: CapacitySchema, Target: TargetInfo{Source: tg.Source, Issuer: tg.Issuer, TokenEndpoint: tg.TokenEndpoint},
		Profile: tg.Profile.Name, Start: cfg.Now(), MaxSustainableStep: -1,
		Config: CapacitySettings{SLO: cfg.SLO, StartRPS: cfg.Start, Factor: cfg.Factor, StepDurationS: cfg.StepDuration.Seconds(),
			MinRequests: cfg.MinRequests, MaxStepDurationS: cfg.MaxStepDuration.Seconds(), WarmupS: cfg.Warmup.Seconds(), MaxRPS: cfg.Max,
			MaxInFlight: cfg.MaxInFlight, TimeoutS: cfg.Timeout.Seconds()},
	}
	lastGood, firstBad := -1, -1
	rate := cfg.Start
	var runErr error
	for {
		st, err := capacityStep(ctx, cfg, slos, len(res.Steps), rate, false)
		if st != nil {
			res.Steps = append(res.Steps, *st)
		}
		if err != nil {
			runErr = err
			res.Stopped = fmt.Sprintf("the code source failed at %s/s: %v", capRate(rate), err)
			break
		}
		if stop := capacityStop(res, st); stop {
			break
		}
		if !st.Pass {
			firstBad = st.Index
			res.Bounded = true
			res.Stopped = fmt.Sprintf("the SLO broke at %s/s (%s)", capRate(rate), failedSLOs(*st))
			break
		}
		lastGood = st.Index
		if rate >= cfg.Max {
			res.Stopped = fmt.Sprintf("reached --max %s/s with the SLO met: the endpoint sustains at least that", capRate(cfg.Max))
			break
		}
		rate = math.Min(rate*cfg.Factor, cfg.Max)
	}
	if lastGood >= 0 {
		res.MaxSustainableRPS, res.MaxSustainableStep = res.Steps[lastGood].OfferedRPS, lastGood
	}
	if runErr == nil && lastGood >= 0 && firstBad >= 0 {
		mid := (res.Steps[lastGood].OfferedRPS + res.Steps[firstBad].OfferedRPS) / 2
		st, err := capacityStep(ctx, cfg, slos, len(res.Steps), mid, true)
		if st != nil {
			res.Steps = append(res.Steps, *st)
		}
		switch {
		case err != nil:
			runErr = err
			res.Stopped += fmt.Sprintf("; the code source failed in the confirming step: %v", err)
		case st.Result.Interrupted:
			res.Interrupted = true
			res.Stopped += "; interrupted in the confirming step"
		case st.Pass:
			res.MaxSustainableRPS, res.MaxSustainableStep = st.OfferedRPS, st.Index
			res.Stopped += fmt.Sprintf("; the confirming step at %s/s met it", capRate(mid))
		default:
			res.Stopped += fmt.Sprintf("; the confirming step at %s/s broke it too (%s)", capRate(mid), failedSLOs(*st))
		}
	}
	if firstBad == 0 {
		res.Stopped += fmt.Sprintf(": already at the first step; start lower than --start %s/s", capRate(cfg.Start))
	}
	res.Knee = findKnee(res.Steps)
	for _, st := range res.Steps {
		if st.Little.HiddenQueueing {
			res.HiddenQueueing = append(res.HiddenQueueing, st.Index)
		}
	}
	return res, runErr
}

// capacityStop ends the search after a step that cannot be judged: the
// run was interrupted, or the code supply limited it.
func capacityStop(res *CapacityResult, st *CapacityStep) bool {
	switch {
	case st.Result.Interrupted:
		res.Interrupted = true
		res.Stopped = fmt.Sprintf("interrupted during the step at %s/s", capRate(st.OfferedRPS))
		return true
	case st.CodeLimited:
		res.CodeLimited = true
		res.Stopped = fmt.Sprintf("the code supply, not the endpoint, limited the step at %s/s: the endpoint's capacity is above the highest rate the codes allow; supply codes faster (codes.parallel, a faster code source) to go on", capRate(st.OfferedRPS))
		return true
	}
	return false
}

func capacityDefaults(cfg CapacityConfig) (CapacityConfig, []SLO, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Start == 0 {
		cfg.Start = DefaultCapacityStart
	}
	if cfg.Factor == 0 {
		cfg.Factor = DefaultCapacityFactor
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
	if cfg.Max == 0 {
		cfg.Max = MaxRate
	}
	if cfg.Warmup == 0 {
		cfg.Warmup = DefaultCapacityWarmup
	}
	cfg.Warmup = max(cfg.Warmup, 0)
	if cfg.MaxInFlight <= 0 {
		cfg.MaxInFlight = 1000
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	switch {
	case cfg.Target == nil || cfg.Codes == nil:
		return cfg, nil, errors.New("runner: capacity: a target and a code source are needed")
	case strings.TrimSpace(cfg.SLO) == "":
		return cfg, nil, errors.New("runner: capacity: an SLO is needed to judge the steps (e.g. p99<300ms,error_rate<0.1%)")
	case math.IsNaN(cfg.Start) || cfg.Start <= 0 || cfg.Start > MaxRate:
		return cfg, nil, fmt.Errorf("runner: capacity: start rate %s: want a rate > 0 and at most %s/s", capRate(cfg.Start), capRate(MaxRate))
	case math.IsNaN(cfg.Factor) || cfg.Factor <= 1 || cfg.Factor > 10:
		return cfg, nil, fmt.Errorf("runner: capacity: factor %s: want a factor > 1 and at most 10", capRate(cfg.Factor))
	case math.IsNaN(cfg.Max) || cfg.Max < cfg.Start || cfg.Max > MaxRate:
		return cfg, nil, fmt.Errorf("runner: capacity: max rate %s: want a rate from the start rate %s/s to %s/s", capRate(cfg.Max), capRate(cfg.Start), capRate(MaxRate))
	case cfg.StepDuration < 0 || cfg.StepDuration > MaxStageDuration || cfg.MinRequests < 0 || cfg.MaxStepDuration < cfg.StepDuration:
		return cfg, nil, fmt.Errorf("runner: capacity: step duration %s (at most %s for %d requests): want a duration > 0, and a maximum no shorter", cfg.StepDuration, cfg.MaxStepDuration, cfg.MinRequests)
	}
	slos, err := ParseSLOs(cfg.SLO)
	if err == nil {
		err = ValidateSLOs(slos, Open)
	}
	if err != nil {
		return cfg, nil, err
	}
	return cfg, slos, nil
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

// capacityStep runs one step and judges it.
func capacityStep(ctx context.Context, cfg CapacityConfig, slos []SLO, index int, rate float64, confirm bool) (*CapacityStep, error) {
	d := cfg.stepDuration(rate)
	plan, err := ConstantPlan(rate, d, 0)
	if err != nil {
		return nil, err
	}
	if cfg.OnStepStart != nil {
		cfg.OnStepStart(index, rate, d, confirm)
	}
	r, runErr := Run(ctx, Config{
		Target: cfg.Target, Codes: &stepCodes{Source: cfg.Codes, base: cfg.Codes.Stats()}, Model: Open, Plan: plan,
		MaxInFlight: cfg.MaxInFlight, ValidateFraction: cfg.ValidateFraction, Timeout: cfg.Timeout, Warmup: cfg.Warmup,
		CodeTimes: cfg.CodeTimes.next(), Now: cfg.Now,
	})
	if r == nil {
		return nil, runErr
	}
	r.Tool = Tool{Name: "tokenbench"}
	r.Config = RunConfig{Rate: rate, DurationS: d.Seconds(), MaxInFlight: cfg.MaxInFlight, Validate: validateName(cfg.ValidateFraction), TimeoutS: cfg.Timeout.Seconds(), WarmupS: cfg.Warmup.Seconds(), SLO: cfg.SLO}
	st := &CapacityStep{Index: index, OfferedRPS: rate, Confirm: confirm, DurationS: d.Seconds(), Result: r, Limits: r.Limits}
	s := r.Summary
	st.Requests = s.Requests
	if r.DurationS > 0 {
		st.ThroughputRPS = float64(s.Requests) / r.DurationS
	}
	st.Ratio = st.ThroughputRPS / rate
	st.P50MS, st.P99MS, st.MeanMS = s.LatencyMS.P50, s.LatencyMS.P99, s.LatencyMS.Mean
	st.ServiceMeanMS, st.ErrorRate = s.ServiceTimeMS.Mean, s.ErrorRate
	for _, l := range r.Limits {
		if strings.HasPrefix(l, "code supply") {
			st.CodeLimited = true
		}
	}
	// Judge throughput by the achieved figure (see ThroughputRPS), not by
	// the plan's time, which counts the requests drained after it.
	judged := *r
	judged.Summary.ThroughputRPS = st.ThroughputRPS
	st.SLO = Evaluate(slos, &judged)
	for i := range st.SLO {
		if strings.HasPrefix(st.SLO[i].Expr, "throughput") && st.SLO[i].Note == "" {
			st.SLO[i].Note = "achieved throughput: completed requests from the step's start to its last completion"
		}
	}
	r.SLO = st.SLO
	st.Pass = !Breached(st.SLO) && s.Unsent == 0 && !r.Interrupted && r.Aborted == ""
	st.Little = littleCheck(r, st.ThroughputRPS)
	if cfg.OnStep != nil {
		cfg.OnStep(*st)
	}
	return st, runErr
}

func validateName(f float64) string {
	switch {
	case f >= 1:
		return "all"
	case f <= 0:
		return "none"
	}
	return fmt.Sprintf("sample:%s", capRate(f))
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

// littleCheck applies Little's law to one step (see LittleCheck).
func littleCheck(r *Result, throughput float64) LittleCheck {
	s := r.Summary
	lc := LittleCheck{MeanInFlight: r.MeanInFlight, ServiceL: throughput * s.ServiceTimeMS.Mean / 1000, SystemL: throughput * s.LatencyMS.Mean / 1000}
	if lc.ServiceL <= 0 || s.Requests == 0 {
		lc.Note = "no requests completed"
		return lc
	}
	lc.Mismatch = math.Abs(lc.MeanInFlight-lc.ServiceL) / lc.ServiceL
	var why []string
	if lc.Mismatch > LittleTolerance {
		why = append(why, fmt.Sprintf("%.2f requests in flight on average, but throughput × mean service time is %.2f (%.0f%% apart): the generator held requests it counted in flight (is it short of CPU?)",
			lc.MeanInFlight, lc.ServiceL, 100*lc.Mismatch))
	}
	if held := s.LatencyMS.Mean - s.ServiceTimeMS.Mean; lc.MeanInFlight > 0 && (lc.SystemL-lc.MeanInFlight)/lc.MeanInFlight > LittleTolerance && held >= 1 {
		why = append(why, fmt.Sprintf("throughput × mean latency is %.2f requests against %.2f in flight: requests waited %.1f ms on average in the generator before being sent (schedule lag, --max-in-flight)",
			lc.SystemL, lc.MeanInFlight, held))
	}
	if len(why) > 0 {
		lc.HiddenQueueing = true
		lc.Note = "hidden queueing in the generator: " + strings.Join(why, "; ")
	}
	return lc
}

// findKnee finds the knee (see Knee): the highest offered rate whose step
// kept up. A step that did not keep up below it (a stall of the machine)
// does not move it.
func findKnee(steps []CapacityStep) *Knee {
	var order []int
	for i, st := range steps {
		if !st.Result.Interrupted && st.Requests > 0 {
			order = append(order, i)
		}
	}
	if len(order) == 0 {
		return nil
	}
	sort.SliceStable(order, func(a, b int) bool { return steps[order[a]].OfferedRPS < steps[order[b]].OfferedRPS })
	base := steps[order[0]].P99MS
	if len(order) > 1 {
		base = math.Min(base, steps[order[1]].P99MS)
	}
	// why says why a step did not keep up; "" when it did.
	why := func(st CapacityStep) string {
		switch {
		case st.Ratio < KneeMinRatio:
			return fmt.Sprintf("at %s/s the achieved throughput was %.0f%% of the offered rate", capRate(st.OfferedRPS), 100*st.Ratio)
		case base > 0 && st.P99MS > KneeMaxP99Growth*base:
			return fmt.Sprintf("at %s/s the p99 was %.1f× the baseline (%.1f ms against %.1f ms)", capRate(st.OfferedRPS), st.P99MS/base, st.P99MS, base)
		}
		return ""
	}
	knee := -1
	for k, i := range order {
		if why(steps[i]) == "" {
			knee = k
		}
	}
	switch {
	case knee < 0:
		return &Knee{Step: -1, BaselineP99MS: base, Reached: true, Reason: "below the first step: " + why(steps[order[0]])}
	case knee == len(order)-1:
		i := order[knee]
		return &Knee{Step: i, OfferedRPS: steps[i].OfferedRPS, BaselineP99MS: base,
			Reason: fmt.Sprintf("not reached: the highest step, %s/s, kept up", capRate(steps[i].OfferedRPS))}
	}
	i := order[knee]
	return &Knee{Step: i, OfferedRPS: steps[i].OfferedRPS, BaselineP99MS: base, Reached: true, Reason: why(steps[order[knee+1]])}
}

func failedSLOs(st CapacityStep) string {
	var out []string
	for _, s := range st.SLO {
		if !s.Pass {
			out = append(out, fmt.Sprintf("%s: observed %s %s", s.Expr, capFigure(s.Observed), s.Unit))
		}
	}
	if st.Result != nil && st.Result.Summary.Unsent > 0 {
		out = append(out, fmt.Sprintf("%d requests never sent", st.Result.Summary.Unsent))
	}
	if len(out) == 0 {
		return "not judged"
	}
	return strings.Join(out, ", ")
}

func capRate(f float64) string { return fmt.Sprintf("%.1f", f) }

func capFigure(f float64) string {
	if math.Abs(f) >= 100 {
		return fmt.Sprintf("%.0f", f)
	}
	return fmt.Sprintf("%.3g", f)
}

// WriteJSON writes r as indented JSON.
func (r *CapacityResult) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteFiles writes DIR/capacity.json and returns its path.
func (r *CapacityResult) WriteFiles(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	p := filepath.Join(dir, CapacityJSONFile)
	return p, writeFile(p, r.WriteJSON)
}

// WriteText writes the steps as a table and the findings under it.
func (r *CapacityResult) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "step\toffered\tachieved\tratio\tp50 ms\tp99 ms\terrors\tin flight\tλ·service\tSLO\t")
	for _, st := range r.Steps {
		name := fmt.Sprint(st.Index + 1)
		if st.Confirm {
			name += " (confirm)"
		}
		verdict := "pass"
		if !st.Pass {
			verdict = "FAIL"
		}
		var marks []string
		if st.Index == r.MaxSustainableStep {
			marks = append(marks, "max sustainable")
		}
		if r.Knee != nil && r.Knee.Reached && st.Index == r.Knee.Step {
			marks = append(marks, "knee")
		}
		if st.CodeLimited {
			marks = append(marks, "code supply")
		}
		if st.Little.HiddenQueueing {
			marks = append(marks, "hidden queueing")
		}
		mark := ""
		if len(marks) > 0 {
			mark = " ← " + strings.Join(marks, ", ")
		}
		fmt.Fprintf(tw, "%s\t%.1f/s\t%.1f/s\t%.2f\t%.1f\t%.1f\t%.2f%%\t%.2f\t%.2f\t%s\t%s\n", name, st.OfferedRPS, st.ThroughputRPS, st.Ratio,
			st.P50MS, st.P99MS, 100*st.ErrorRate, st.Little.MeanInFlight, st.Little.ServiceL, verdict, mark)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "slo\t%s (latency from the intended send time; throughput as achieved)\n", r.Config.SLO)
	switch {
	case r.MaxSustainableStep < 0:
		fmt.Fprintf(tw, "maximum sustainable\tnone: no step met the SLO\n")
	case r.Bounded:
		fmt.Fprintf(tw, "maximum sustainable\t%.1f/s (step %d), the highest offered rate that met the SLO\n", r.MaxSustainableRPS, r.MaxSustainableStep+1)
	default:
		fmt.Fprintf(tw, "maximum sustainable\tat least %.1f/s (step %d): no step above it failed the SLO\n", r.MaxSustainableRPS, r.MaxSustainableStep+1)
	}
	if k := r.Knee; k != nil {
		switch {
		case k.Step < 0:
			fmt.Fprintf(tw, "knee\t%s\n", k.Reason)
		case k.Reached:
			fmt.Fprintf(tw, "knee\t%.1f/s (step %d), the highest offered rate that kept up: %s\n", k.OfferedRPS, k.Step+1, k.Reason)
		default:
			fmt.Fprintf(tw, "knee\t%s\n", k.Reason)
		}
		fmt.Fprintf(tw, "\t(keeping up: achieved ≥ %.0f%% of offered and p99 ≤ %.0f× the first steps' %.1f ms)\n", 100*KneeMinRatio, KneeMaxP99Growth, k.BaselineP99MS)
	}
	if len(r.HiddenQueueing) == 0 {
		fmt.Fprintf(tw, "little's law\tin flight ≈ throughput × mean service time at every step (within %.0f%%): no hidden queueing in the generator\n", 100*LittleTolerance)
	}
	for _, i := range r.HiddenQueueing {
		fmt.Fprintf(tw, "little's law\tstep %d: %s\n", i+1, r.Steps[i].Little.Note)
	}
	fmt.Fprintf(tw, "stopped\t%s\n", r.Stopped)
	return tw.Flush()
}

package results

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"time"
)

// CapacitySchema names the version of the capacity result format.
const CapacitySchema = "tokenbench.capacity/v1"

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

// StopReason says why a capacity search ended.
type StopReason string

// Stop reasons.
const (
	StopSLO         StopReason = "slo"         // a step broke the SLO: the search is bounded
	StopMax         StopReason = "max"         // the highest rate to try met the SLO
	StopCodeSupply  StopReason = "code_supply" // the code supply, not the endpoint, limited a step
	StopCodeSource  StopReason = "code_source" // the code source failed for good
	StopInterrupted StopReason = "interrupted" // the search was interrupted
)

// Capacity is a capacity search's outcome: capacity.json.
type Capacity struct {
	Schema  string           `json:"schema"`
	Tool    Tool             `json:"tool"`
	Target  Target           `json:"target"`
	Profile string           `json:"profile"`
	Grant   string           `json:"grant,omitempty"` // "" in results before --grant
	Config  CapacitySettings `json:"config"`
	Start   time.Time        `json:"start"`
	Steps   []CapacityStep   `json:"steps"` // in run order; the confirming step last
	// MaxSustainableRPS is the highest offered rate whose step met every
	// SLO: the confirming step's when it passed, else the last passing
	// step's; 0 when none did. MaxSustainableStep is its index (-1: none).
	MaxSustainableRPS  float64 `json:"max_sustainable_rps"`
	MaxSustainableStep int     `json:"max_sustainable_step"`
	// Bounded says whether a failing step bounds the search from above:
	// false when it stopped at the highest rate to try, at the code supply
	// or interrupted, and the maximum is only a lower bound.
	Bounded bool  `json:"bounded"`
	Knee    *Knee `json:"knee,omitempty"`
	// Stopped says, in words, why the search ended; StopReason says it as
	// a value ("" in results written before it existed).
	Stopped     string     `json:"stopped"`
	StopReason  StopReason `json:"stop_reason,omitempty"`
	CodeLimited bool       `json:"code_limited,omitempty"`
	Interrupted bool       `json:"interrupted,omitempty"`
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
	// SLO is the verdict on this step, throughput taken as the achieved
	// one; Pass also needs every scheduled request sent.
	SLO         []SLOResult `json:"slo"`
	Pass        bool        `json:"pass"`
	Little      LittleCheck `json:"little"`
	CodeLimited bool        `json:"code_limited,omitempty"`
	Result      *Load       `json:"result"` // the step's full load result, its limits included
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

// WriteJSON writes c as indented JSON.
func (c *Capacity) WriteJSON(w io.Writer) error { return writeJSON(w, c) }

// CheckLittle applies Little's law to a step's result r at its achieved
// throughput (see LittleCheck).
func CheckLittle(r *Load, throughput float64) LittleCheck {
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
		why = append(why, fmt.Sprintf("throughput × mean latency is %.2f requests against %.2f in flight: requests waited %.1f ms on average in the generator before being sent (schedule lag, the in-flight bound)",
			lc.SystemL, lc.MeanInFlight, held))
	}
	if len(why) > 0 {
		lc.HiddenQueueing = true
		lc.Note = "hidden queueing in the generator: " + strings.Join(why, "; ")
	}
	return lc
}

// FindKnee finds the knee (see Knee): the highest offered rate whose step
// kept up. A step that did not keep up below it (a stall of the machine)
// does not move it. Nil when no step completed a request.
func FindKnee(steps []CapacityStep) *Knee {
	var order []int
	for i, st := range steps {
		if (st.Result == nil || !st.Result.Interrupted) && st.Requests > 0 {
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
			return fmt.Sprintf("at %.1f/s the achieved throughput was %.0f%% of the offered rate", st.OfferedRPS, 100*st.Ratio)
		case base > 0 && st.P99MS > KneeMaxP99Growth*base:
			return fmt.Sprintf("at %.1f/s the p99 was %.1f× the baseline (%.1f ms against %.1f ms)", st.OfferedRPS, st.P99MS/base, st.P99MS, base)
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
			Reason: fmt.Sprintf("not reached: the highest step, %.1f/s, kept up", steps[i].OfferedRPS)}
	}
	i := order[knee]
	return &Knee{Step: i, OfferedRPS: steps[i].OfferedRPS, BaselineP99MS: base, Reached: true, Reason: why(steps[order[knee+1]])}
}

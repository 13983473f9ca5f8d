package runner

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/tokenbench/tokenbench/internal/items"
)

// MaxRate is the highest arrival rate, per second, that a plan accepts.
const MaxRate = 1e6

// MinRate is the lowest arrival rate a stage may have (a ramp's end may
// be 0): one request in about 17 minutes. Below it a schedule's offsets
// overflow or nothing is ever sent.
const MinRate = 0.001

// MaxStages bounds a plan's stages: each keeps its own histograms.
const MaxStages = 50

// MaxStageDuration bounds one stage, so that a plan's offsets cannot
// overflow and nothing is scheduled for ever.
const MaxStageDuration = 7 * 24 * time.Hour

// Stage is one part of a load plan: a constant arrival rate, or a linear
// ramp from From to To over Duration.
type Stage struct {
	Name     string        // as the user wrote it, e.g. "30s@50" or "ramp:60s@10-500"
	Duration time.Duration // 0 when bounded by Requests only
	From, To float64       // arrival rate per second at the start and the end; a linear ramp when they differ
	Requests int64         // > 0: the stage also ends after this many requests
}

// Plan is a load schedule: stages run one after the other.
//
// In the open model every stage has a rate, and the plan's timeline (the
// start of each stage, its length, the rate at any moment) is fully
// determined: a stage bounded by Requests lasts as long as those arrivals
// take at its rate. In the closed model the stages have no rate (From and
// To are 0); a stage bounded only by Requests then has no known length and
// counts as 0 in the timeline.
type Plan struct{ Stages []Stage }

// stagesWant is the expected form of a --stages item, for errors.
const stagesWant = `DURATION@RATE (e.g. 30s@50) or ramp:DURATION@FROM-TO (e.g. ramp:60s@10-500)`

// ParseStages parses a --stages expression: comma-separated items, each a
// constant stage "30s@50" (30 s at 50 requests per second) or a linear ramp
// "ramp:60s@10-500" (60 s from 10/s to 500/s). A rate may carry a "/s"
// suffix. Rates are > 0 and at most MaxRate (either end of a ramp may be 0,
// not both); durations are > 0 and at most MaxStageDuration. Errors are
// *items.Error naming the item and the expected form.
func ParseStages(spec string) (Plan, error) {
	if strings.TrimSpace(spec) == "" {
		return Plan{}, &items.Error{What: "stages", Reason: "empty", Want: stagesWant}
	}
	its := items.Split(spec)
	if len(its) > MaxStages {
		return Plan{}, &items.Error{What: "stages", Reason: fmt.Sprintf("%d stages, more than %d", len(its), MaxStages), Want: stagesWant}
	}
	p := Plan{Stages: make([]Stage, 0, len(its))}
	for _, it := range its {
		st, reason := parseStage(it.Text)
		if reason != "" {
			return Plan{}, items.At("stages", it, reason, stagesWant)
		}
		p.Stages = append(p.Stages, st)
	}
	return p, nil
}

func parseStage(item string) (Stage, string) {
	if item == "" {
		return Stage{}, "empty item"
	}
	body, ramp := strings.CutPrefix(item, "ramp:")
	ds, rs, ok := strings.Cut(body, "@")
	if !ok {
		return Stage{}, `no "@" between the duration and the rate`
	}
	ds, rs = strings.TrimSpace(ds), strings.TrimSpace(rs)
	d, err := time.ParseDuration(ds)
	switch {
	case err != nil:
		return Stage{}, fmt.Sprintf("duration %q is not a duration (e.g. 30s, 2m, 1m30s)", ds)
	case d <= 0:
		return Stage{}, fmt.Sprintf("duration %q is not > 0", ds)
	case d > MaxStageDuration:
		return Stage{}, fmt.Sprintf("duration %q is longer than %s", ds, MaxStageDuration)
	}
	rs = strings.TrimSpace(strings.TrimSuffix(rs, "/s"))
	st := Stage{Name: item, Duration: d}
	if !ramp {
		if len(rs) > 1 && strings.Contains(rs[1:], "-") {
			return Stage{}, fmt.Sprintf("rate %q is a range: a ramp is written ramp:%s@%s", rs, ds, rs)
		}
		r, reason := parseRate(rs, false)
		if reason != "" {
			return Stage{}, reason
		}
		st.From, st.To = r, r
		return st, ""
	}
	fs, ts, ok := strings.Cut(rs, "-")
	if !ok {
		return Stage{}, fmt.Sprintf("ramp rates %q are not FROM-TO (e.g. 10-500)", rs)
	}
	var reason string
	if st.From, reason = parseRate(strings.TrimSpace(fs), true); reason != "" {
		return Stage{}, reason
	}
	if st.To, reason = parseRate(strings.TrimSpace(ts), true); reason != "" {
		return Stage{}, reason
	}
	if st.From == 0 && st.To == 0 {
		return Stage{}, "ramp rates are both 0"
	}
	if max(st.From, st.To) < MinRate {
		return Stage{}, fmt.Sprintf("ramp rates %q are below %s/s", rs, formatRate(MinRate))
	}
	return st, ""
}

// parseRate parses one arrival rate; zero is allowed for a ramp's end.
func parseRate(s string, zeroOK bool) (float64, string) {
	r, err := strconv.ParseFloat(s, 64)
	switch {
	case err != nil || math.IsNaN(r) || math.IsInf(r, 0):
		return 0, fmt.Sprintf("rate %q is not a number", s)
	case r < 0 || (r == 0 && !zeroOK):
		return 0, fmt.Sprintf("rate %q is not > 0", s)
	case r > 0 && r < MinRate && !zeroOK:
		return 0, fmt.Sprintf("rate %q is below %s/s", s, formatRate(MinRate))
	case r > MaxRate:
		return 0, fmt.Sprintf("rate %q is above %s/s", s, formatRate(MaxRate))
	}
	return r, ""
}

// ConstantPlan is the one-stage plan of --rate with --duration and/or
// --requests: rate arrivals per second until d has passed or requests
// have been scheduled, whichever comes first (0 means no bound of that
// kind; at least one is needed).
func ConstantPlan(rate float64, d time.Duration, requests int64) (Plan, error) {
	switch {
	case math.IsNaN(rate) || rate < MinRate || rate > MaxRate:
		return Plan{}, fmt.Errorf("runner: rate %s: want a rate from %s to %s per second", formatRate(rate), formatRate(MinRate), formatRate(MaxRate))
	case d < 0 || d > MaxStageDuration:
		return Plan{}, fmt.Errorf("runner: duration %s: want a duration > 0 and at most %s", d, MaxStageDuration)
	case requests < 0:
		return Plan{}, fmt.Errorf("runner: requests %d: want a count > 0", requests)
	case d == 0 && requests == 0:
		return Plan{}, errors.New("runner: a constant rate needs a duration or a request count")
	}
	r := formatRate(rate)
	var name string
	switch {
	case requests == 0:
		name = d.String() + "@" + r
	case d == 0:
		name = fmt.Sprintf("%d requests@%s", requests, r)
	default:
		name = fmt.Sprintf("%s@%s (max %d requests)", d, r, requests)
	}
	return Plan{Stages: []Stage{{Name: name, Duration: d, From: rate, To: rate, Requests: requests}}}, nil
}

func formatRate(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// planSpan is a stage laid out on the plan's timeline. Arrivals are at the
// local counts first, first+1, ... of the stage's cumulative arrival
// function N(t) = a t + slope t²/2 (t in seconds from the stage's start).
type planSpan struct {
	start, length time.Duration
	first         float64 // local count of the first arrival, in [0, 1)
	count         int64   // arrivals in the stage
	a, slope      float64 // rate at the start (per second), its change per second
}

// layout places st at start, its first arrival at local count first, and
// returns the first arrival's local count for the next stage: the
// fractional part of the count carries over, so that stage boundaries
// neither lose nor add arrivals.
func layoutStage(st Stage, start time.Duration, first float64) (planSpan, float64) {
	s := planSpan{start: start, first: first, a: st.From}
	d := st.Duration.Seconds()
	if st.Duration > 0 {
		s.slope = (st.To - st.From) / d
	}
	byDuration := int64(math.MaxInt64)
	var expected float64
	if st.Duration > 0 {
		expected = (st.From + st.To) / 2 * d
		byDuration = 0
		if x := snapCount(expected - first); x > 0 {
			byDuration = int64(math.Ceil(x))
		}
	}
	switch {
	case st.Requests > 0 && st.Requests < byDuration:
		if st.Duration == 0 && st.From <= 0 {
			return s, 0 // no rate: the closed model's stage, no known length
		}
		s.count = st.Requests
		s.length = secondsDuration(solveArrival(s.a, s.slope, first+float64(st.Requests)))
		return s, 0 // the next arrival would be exactly at the stage's end
	case st.Duration > 0:
		s.count = byDuration
		s.length = st.Duration
		next := snapCount(first + float64(byDuration) - expected)
		return s, min(max(next, 0), math.Nextafter(1, 0))
	}
	return s, 0
}

// snap rounds x to the nearest integer when it is that integer up to
// floating point error, so that 10/s for 1 s is 10 arrivals, not 11.
func snapCount(x float64) float64 {
	r := math.Round(x)
	if math.Abs(x-r) <= max(1e-9, math.Abs(x)*1e-14) {
		return r
	}
	return x
}

// solve returns the t ≥ 0, in seconds, at which a t + slope t²/2 = u.
// The form 2u / (a + √(a² + 2 slope u)) is exact for slope = 0 and a = 0
// alike and loses no precision when slope is tiny.
func solveArrival(a, slope, u float64) float64 {
	if u <= 0 {
		return 0
	}
	if slope == 0 {
		return u / a
	}
	den := a + math.Sqrt(max(a*a+2*slope*u, 0))
	if den <= 0 {
		return 0
	}
	return 2 * u / den
}

func secondsDuration(t float64) time.Duration { return time.Duration(math.Round(t * 1e9)) }

// walk lays out the stages in order; fn returns false to stop.
func (p Plan) walk(fn func(i int, s planSpan) bool) {
	start, first := time.Duration(0), 0.0
	for i, st := range p.Stages {
		s, next := layoutStage(st, start, first)
		if !fn(i, s) {
			return
		}
		start, first = start+s.length, next
	}
}

// stageSpan returns stage i's layout; ok is false when i is out of range.
func (p Plan) stageSpan(i int) (s planSpan, ok bool) {
	p.walk(func(j int, sp planSpan) bool {
		if j == i {
			s, ok = sp, true
			return false
		}
		return true
	})
	return s, ok
}

// Pacer hands out a plan's intended send times one by one. It is a pure
// function of the plan and the number of calls: it reads no clock. It is
// not safe for concurrent use.
type Pacer struct {
	stages []Stage
	i      int
	s      planSpan
	j      int64   // arrivals handed out in stage i
	next   float64 // first arrival's local count in stage i+1
}

// Pacer returns a pacer at the start of the plan.
func (p Plan) Pacer() *Pacer {
	pc := &Pacer{stages: p.Stages}
	if len(p.Stages) > 0 {
		pc.s, pc.next = layoutStage(p.Stages[0], 0, 0)
	}
	return pc
}

// Next returns the intended send time of the next request as an offset from
// the start of the plan, and its stage index; ok is false when the plan is
// over (offset is then the plan's end and stage is len(Stages)).
//
// Requests are evenly spaced at the instantaneous rate: the k-th arrival is
// at the t where the integral of the rate reaches k (k/rate for a constant
// stage; for a linear ramp r(t) = a + (b-a) t/D, the t solving
// a t + (b-a) t²/(2D) = k). Counting continues across stages.
func (pc *Pacer) Next() (offset time.Duration, stage int, ok bool) {
	for pc.i < len(pc.stages) {
		if pc.j < pc.s.count {
			u := pc.s.first + float64(pc.j)
			pc.j++
			return pc.s.start + secondsDuration(solveArrival(pc.s.a, pc.s.slope, u)), pc.i, true
		}
		end := pc.s.start + pc.s.length
		pc.i++
		pc.j = 0
		if pc.i < len(pc.stages) {
			pc.s, pc.next = layoutStage(pc.stages[pc.i], end, pc.next)
		} else {
			pc.s = planSpan{start: end}
		}
	}
	return pc.s.start, len(pc.stages), false
}

// Duration is the length of the plan's timeline: the sum of the stages'
// lengths. A stage bounded by Requests lasts as long as its arrivals take
// at its rate (it ends early when they come before its Duration); a stage
// without a rate bounded only by Requests (closed model) counts 0.
func (p Plan) Duration() time.Duration {
	var end time.Duration
	p.walk(func(_ int, s planSpan) bool {
		end = s.start + s.length
		return true
	})
	return end
}

// CountBounded reports whether some stage ends after a number of requests
// rather than at a time: such a plan is bounded by its count, and every
// request is sent however far behind the schedule the sender falls.
func (p Plan) CountBounded() bool {
	for _, st := range p.Stages {
		if st.Requests > 0 {
			return true
		}
	}
	return false
}

// StageLength is the length of stage i on the timeline (see Duration);
// 0 for a stage without a rate bounded only by Requests, or i out of range.
func (p Plan) StageLength(i int) time.Duration {
	s, _ := p.stageSpan(i)
	return s.length
}

// StageStart is the offset at which stage i starts; for i ≥ len(Stages),
// the end of the plan.
func (p Plan) StageStart(i int) time.Duration {
	if i <= 0 {
		return 0
	}
	if i >= len(p.Stages) {
		return p.Duration()
	}
	s, _ := p.stageSpan(i)
	return s.start
}

// StageAt is the index of the stage running at elapsed: the last stage
// that has started by then, so 0 before the start and the last stage after
// the end; -1 for an empty plan.
func (p Plan) StageAt(elapsed time.Duration) int {
	at := -1
	p.walk(func(i int, s planSpan) bool {
		if i > 0 && elapsed < s.start {
			return false
		}
		at = i
		return true
	})
	return at
}

// RateAt is the target arrival rate at elapsed, per second; 0 before the
// start, after the end and in a stage without a rate.
func (p Plan) RateAt(elapsed time.Duration) float64 {
	if elapsed < 0 {
		return 0
	}
	rate := 0.0
	p.walk(func(_ int, s planSpan) bool {
		if elapsed < s.start {
			return false
		}
		if elapsed < s.start+s.length {
			rate = s.a + s.slope*(elapsed-s.start).Seconds()
			return false
		}
		return true
	})
	return rate
}

// Expected is the expected number of arrivals in stage i: the integral of
// the rate over the stage. It can be fractional; the stage's actual count
// differs from it by less than one.
func (p Plan) Expected(i int) float64 {
	s, ok := p.stageSpan(i)
	if !ok {
		return 0
	}
	l := s.length.Seconds()
	return s.a*l + s.slope*l*l/2
}

// MeanRate is stage i's mean target rate, per second: Expected over the
// stage's length (its From rate when the length is 0).
func (p Plan) MeanRate(i int) float64 {
	s, ok := p.stageSpan(i)
	if !ok {
		return 0
	}
	if s.length <= 0 {
		return s.a
	}
	return p.Expected(i) / s.length.Seconds()
}

// String is the stages' names, comma-separated: the --stages expression
// for a parsed plan.
func (p Plan) String() string {
	names := make([]string, len(p.Stages))
	for i, st := range p.Stages {
		names[i] = st.Name
	}
	return strings.Join(names, ",")
}

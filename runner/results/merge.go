package results

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Shard names one part of a load run split across machines: shard Index
// of Count, 1-based, each running the plan at 1/Count of its rates.
type Shard struct {
	Index int `json:"index"`
	Count int `json:"count"`
	// Codes says how this shard's codes were chosen, in words.
	Codes string `json:"codes,omitempty"`
}

// String is "I/N".
func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// Merge errors; the errors of Merge match one of them with errors.Is and say
// which result and which field.
var (
	// ErrIncompatible: the results are not parts of one run (different
	// schemas, models, targets, profiles, stage layouts, SLOs or shard
	// counts, or one shard given twice).
	ErrIncompatible = errors.New("results cannot be merged")
	// ErrNoHistograms: a result with requests lacks its encoded HDR
	// histograms (or they do not decode), so it cannot be merged exactly.
	ErrNoHistograms = errors.New("no histograms to merge")
)

// Merge combines the results of several shards of one run (load --shard
// I/N on several machines) into the run's result, exactly: the summary's, every stage's and every interval's
// latency and service time histograms are the sums of the shards' decoded
// HDR histograms, so a merged percentile is the percentile of all the
// samples, never an average of percentiles. Counts (requests, ok, errors,
// outcomes, check failures, late, unsent, out of range, codes) and rates
// (throughput, target) add up; the error rate is recomputed; intervals are
// aligned on wall-clock seconds (IntervalEpoch + T) and merged histogram by
// histogram; the SLOs are evaluated again from RunConfig.SLO on the merged
// figures; each shard's limits are kept, their Shard naming the part.
//
// What is not exact: no histogram is stored for the schedule lag, the code
// obtain time or the code wait, so their merged percentiles are the worst
// shard's (an upper bound; min, max and mean are exact); PeakInFlight and
// MeanInFlight are sums over the machines (peaks need not coincide, so the
// sum is an upper bound); GeneratorCPU is the busiest machine's.
//
// Results that cannot be added up, or (unless MergeOptions.AllowUnrelated)
// are not distinct shards of one run, are refused with an error matching
// ErrIncompatible, and ErrUnrelated for the latter (see checkMergeable, the
// one check of every merge path). A set of shards with some
// missing merges, and the merged result names the missing ones
// (MissingShards, and a LimitIncomplete limit). Merge does not modify its
// arguments.
func Merge(results ...*Load) (*Load, error) { return MergeWith(MergeOptions{}, results...) }

// MergeOptions are a merge's settings besides its results.
type MergeOptions struct {
	// SLO, when not "", is the SLO expression judged on the merged result
	// in place of the parts' own (RunConfig.SLO), which then need not
	// agree: a distributed run's shards carry none, and its one verdict is
	// the merge's.
	SLO string
	// Sources name the file each result was read from, by position, for
	// the messages and MergedPart.Source.
	Sources []string
	// AllowUnrelated merges results that add up but are not distinct
	// shards of one run (the same unsharded result twice, separate runs,
	// shards run with other settings, start times or at other times): the
	// sum then describes no load an endpoint received. Shards of other
	// counts, a shard given twice and shards mixed with unsharded results
	// are refused even so.
	AllowUnrelated bool
}

// MergeWith is Merge with options.
func MergeWith(o MergeOptions, results ...*Load) (*Load, error) {
	if len(results) == 0 {
		return nil, fmt.Errorf("results: merge: %w: no results", ErrIncompatible)
	}
	for i, r := range results {
		if r == nil {
			return nil, fmt.Errorf("results: merge: result %d: %w: nil", i+1, ErrIncompatible)
		}
	}
	first := results[0]
	parts, labels := mergeParts(o, results)
	if err := checkMergeable(o, results, parts); err != nil {
		return nil, err
	}
	missing := missingShards(parts)
	slos, err := mergedSLOs(o, first)
	if err != nil {
		return nil, err
	}

	out := &Load{
		Schema: first.Schema, Tool: first.Tool, Model: first.Model, Target: first.Target,
		Profile: first.Profile, Grant: first.Grant, Config: first.Config, MergedFrom: parts, MissingShards: missing,
	}
	if o.SLO != "" {
		out.Config.SLO = o.SLO
	}
	out.StartAt, out.StartSkewS = first.StartAt, 0
	for _, p := range parts {
		out.StartSkewS = max(out.StartSkewS, p.StartSkewS)
	}
	start, end := first.Start, first.Start
	out.IntervalEpoch = first.IntervalEpoch
	var aborted []string
	for i, r := range results {
		if r.Start.Before(start) {
			start = r.Start
		}
		if e := r.Start.Add(time.Duration(math.Round(r.DurationS * 1e9))); e.After(end) {
			end = e
		}
		out.IntervalEpoch = min(out.IntervalEpoch, r.IntervalEpoch)
		out.Interrupted = out.Interrupted || r.Interrupted
		if r.Aborted != "" {
			aborted = append(aborted, labelled(r, labels[i], r.Aborted))
		}
		out.PeakInFlight += r.PeakInFlight
		if r.Chains != nil {
			if out.Chains == nil {
				out.Chains = &Chains{}
			}
			out.Chains.add(r.Chains)
		}
		out.MeanInFlight += r.MeanInFlight
		out.GeneratorCPU = max(out.GeneratorCPU, r.GeneratorCPU)
	}
	out.Start = start
	out.DurationS = end.Sub(start).Seconds()
	for _, r := range results {
		out.Target.Notices = MergeNotices(out.Target.Notices, r.Target.Notices)
	}
	out.Aborted = strings.Join(aborted, "; ")

	sums := make([]Summary, len(results))
	for i, r := range results {
		sums[i] = r.Summary
	}
	if out.Summary, err = mergeSummaries(sums, "summary", labels); err != nil {
		return nil, err
	}
	for j, st := range first.Stages {
		ms := Stage{Name: st.Name}
		for i, r := range results {
			s := r.Stages[j]
			ms.TargetRate += s.TargetRate
			ms.FromRate += s.FromRate
			ms.ToRate += s.ToRate
			ms.DurationS = max(ms.DurationS, s.DurationS)
			sums[i] = s.Summary
		}
		if ms.Summary, err = mergeSummaries(sums, fmt.Sprintf("stage %q", st.Name), labels); err != nil {
			return nil, err
		}
		out.Stages = append(out.Stages, ms)
	}
	if out.Intervals, err = mergeIntervals(results, out.IntervalEpoch, labels); err != nil {
		return nil, err
	}

	for i, r := range results {
		for _, l := range r.Limits {
			if len(r.MergedFrom) > 0 && l.Kind == LimitIncomplete {
				continue // said again below if still so
			}
			if l.Shard == "" {
				l.Shard = labels[i]
			}
			out.Limits = append(out.Limits, l)
		}
	}
	if len(missing) > 0 {
		out.Limits = append(out.Limits, Limit{Kind: LimitIncomplete, Text: MissingText(missing, len(parts))})
	}
	if slos != nil {
		out.SLO = Evaluate(slos, out)
	}
	return out, nil
}

// mergedSLOs are the SLOs to judge the merged result by: o.SLO, else the
// parts' own; nil when there are none.
func mergedSLOs(o MergeOptions, first *Load) ([]SLO, error) {
	expr, what := o.SLO, "slo"
	if expr == "" {
		expr, what = first.Config.SLO, "config.slo"
	}
	if expr == "" {
		return nil, nil
	}
	slos, err := ParseSLOs(expr)
	if err != nil {
		return nil, fmt.Errorf("results: merge: %s: %w", what, err)
	}
	if err := ValidateSLOs(slos, first.Model); err != nil {
		return nil, fmt.Errorf("results: merge: %w", err)
	}
	return slos, nil
}

// labelled prefixes a part's message with its label; a merged result's
// messages are labelled already.
func labelled(r *Load, label, msg string) string {
	if len(r.MergedFrom) > 0 {
		return msg
	}
	return label + ": " + msg
}

// mergeSummaries adds summaries up, histograms included.
func mergeSummaries(ss []Summary, what string, labels []string) (Summary, error) {
	lat, svc := NewHistogram(), NewHistogram()
	out := Summary{CheckFailures: map[string]int64{}, Outcomes: map[string]int64{}}
	lags := make([]Percentiles, len(ss))
	obtains := make([]Percentiles, len(ss))
	waits := make([]Percentiles, len(ss))
	auths := make([]Percentiles, len(ss))
	var lagW, obtainW, waitW, authW []int64
	for i, s := range ss {
		if err := addHists(lat, svc, s.HDR, s.Requests-s.OutOfRange, what, labels[i]); err != nil {
			return Summary{}, err
		}
		out.AddCounts(s)
		out.ThroughputRPS += s.ThroughputRPS
		out.TargetRPS += s.TargetRPS
		lags[i], obtains[i], waits[i] = s.ScheduleLagMS, s.Codes.ObtainMS, s.Codes.WaitMS
		lagW = append(lagW, s.Requests)
		obtainW = append(obtainW, s.Codes.Obtained)
		waitW = append(waitW, s.Codes.Waits)
		if s.Auth != nil {
			auths[i] = s.Auth.TimeMS
			authW = append(authW, s.Auth.Requests)
		} else {
			authW = append(authW, 0)
		}
	}
	if out.Requests > 0 {
		out.ErrorRate = float64(out.Errors) / float64(out.Requests)
	}
	out.LatencyMS, out.ServiceTimeMS = PercentilesOf(lat), PercentilesOf(svc)
	out.ScheduleLagMS = boundPercentiles(lags, lagW)
	out.Codes.ObtainMS = boundPercentiles(obtains, obtainW)
	out.Codes.P99MS = out.Codes.ObtainMS.P99
	out.Codes.WaitMS = boundPercentiles(waits, waitW)
	if out.Auth != nil {
		out.Auth.TimeMS = boundPercentiles(auths, authW)
	}
	h, err := EncodePair(lat, svc)
	if err != nil {
		return Summary{}, err
	}
	out.HDR = h
	return out, nil
}

// addHists decodes a pair of encoded histograms into lat and svc. A part
// whose histograms should hold samples but are missing cannot be merged
// exactly.
func addHists(lat, svc *hdr.Histogram, h *Histograms, samples int64, what, label string) error {
	if h == nil {
		if samples > 0 {
			return fmt.Errorf("results: merge: %s: %s: %w: %d requests but no encoded histograms (hdr)", label, what, ErrNoHistograms, samples)
		}
		return nil
	}
	for _, p := range []struct {
		name string
		enc  string
		into *hdr.Histogram
	}{{"latency", h.Latency, lat}, {"service", h.Service, svc}} {
		d, err := DecodeHistogram(p.enc)
		if err != nil {
			return fmt.Errorf("results: merge: %s: %s: hdr.%s: %w: %w", label, what, p.name, ErrNoHistograms, err)
		}
		if dropped := p.into.Merge(d); dropped > 0 {
			return fmt.Errorf("results: merge: %s: %s: hdr.%s: %w: %d values outside 1 µs..60 s", label, what, p.name, ErrNoHistograms, dropped)
		}
	}
	return nil
}

// AddCounts adds o's counts to s: the requests and their outcomes, the
// check failures, the late, unsent, out-of-range and validated requests,
// and the codes obtained, dropped and waited for. Rates, percentiles and
// histograms are the caller's to combine.
func (s *Summary) AddCounts(o Summary) {
	s.Requests += o.Requests
	s.OK += o.OK
	s.Errors += o.Errors
	s.Late += o.Late
	s.Unsent += o.Unsent
	s.OutOfRange += o.OutOfRange
	s.Validated += o.Validated
	s.Codes.Obtained += o.Codes.Obtained
	s.Codes.Dropped += o.Codes.Dropped
	s.Codes.Waits += o.Codes.Waits
	if o.Auth != nil {
		if s.Auth == nil {
			s.Auth = &AuthStats{Method: o.Auth.Method}
		}
		s.Auth.Requests += o.Auth.Requests
	}
	s.Outcomes = addCounts(s.Outcomes, o.Outcomes)
	s.CheckFailures = addCounts(s.CheckFailures, o.CheckFailures)
}

func addCounts(dst, src map[string]int64) map[string]int64 {
	if dst == nil {
		dst = map[string]int64{}
	}
	for k, v := range src {
		dst[k] += v
	}
	return dst
}

// boundPercentiles combines distributions of which only the summary is
// kept: exact min, max and (weighted) mean; each percentile is the largest
// of the parts', an upper bound of the merged one.
func boundPercentiles(ps []Percentiles, weights []int64) Percentiles {
	var out Percentiles
	var n int64
	var sum float64
	out.Min = math.Inf(1)
	for i, p := range ps {
		if weights[i] <= 0 {
			continue
		}
		n += weights[i]
		sum += p.Mean * float64(weights[i])
		out.Min = min(out.Min, p.Min)
		out.Max = max(out.Max, p.Max)
		out.P50 = max(out.P50, p.P50)
		out.P90 = max(out.P90, p.P90)
		out.P99 = max(out.P99, p.P99)
		out.P999 = max(out.P999, p.P999)
	}
	if n == 0 {
		return Percentiles{}
	}
	out.Mean = sum / float64(n)
	return out
}

// mergeIntervals aligns the results' intervals on wall-clock seconds and
// merges those of the same second.
func mergeIntervals(results []*Load, epoch int64, labels []string) ([]Interval, error) {
	type acc struct {
		iv       Interval
		lat, svc *hdr.Histogram
	}
	bySecond := map[int64]*acc{}
	for i, r := range results {
		for _, iv := range r.Intervals {
			sec := r.IntervalEpoch + int64(math.Round(iv.T)) - epoch
			a := bySecond[sec]
			if a == nil {
				a = &acc{iv: Interval{T: float64(sec)}, lat: NewHistogram(), svc: NewHistogram()}
				bySecond[sec] = a
			}
			what := fmt.Sprintf("interval at %s", time.Unix(r.IntervalEpoch+int64(math.Round(iv.T)), 0).UTC().Format(time.RFC3339))
			if err := addHists(a.lat, a.svc, iv.HDR, iv.Requests, what, labels[i]); err != nil {
				return nil, err
			}
			a.iv.Requests += iv.Requests
			a.iv.Errors += iv.Errors
			a.iv.TargetRPS += iv.TargetRPS
			a.iv.CodeWaits += iv.CodeWaits
		}
	}
	if len(bySecond) == 0 {
		return nil, nil
	}
	lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
	for s := range bySecond {
		lo, hi = min(lo, s), max(hi, s)
	}
	// one interval per second, as the engine writes them: a second no
	// shard has (they did not overlap) is an empty interval
	out := make([]Interval, 0, hi-lo+1)
	for s := lo; s <= hi; s++ {
		a := bySecond[s]
		if a == nil {
			out = append(out, Interval{T: float64(s)})
			continue
		}
		a.iv.LatencyMS, a.iv.ServiceMS = IntervalPercentilesOf(a.lat), IntervalPercentilesOf(a.svc)
		if a.iv.Requests > 0 {
			h, err := EncodePair(a.lat, a.svc)
			if err != nil {
				return nil, err
			}
			a.iv.HDR = h
		}
		out = append(out, a.iv)
	}
	return out, nil
}

// Package results is the result model of load runs and capacity searches:
// what load.json and capacity.json hold (summary, stages, intervals, limits,
// SLOs and their evaluation, HDR histograms, merged parts). The runner
// produces it, the reports render, compare and merge it. It is a leaf: it
// knows no target, code source, HTTP client or provider, so that reading a
// result links none of them.
package results

import (
	"encoding/json"
	"io"
	"time"
)

// LoadSchema names the version of the load result format.
const LoadSchema = "tokenbench.load/v1"

// Models: how a run sends its requests.
const (
	Open   = "open"   // requests scheduled at an arrival rate
	Closed = "closed" // a number of workers, back to back
)

// Load is a load run's outcome: load.json.
type Load struct {
	Schema      string `json:"schema"`
	Tool        Tool   `json:"tool"`
	Interrupted bool   `json:"interrupted"`
	// Aborted says why the error-rate rule stopped the run ("" when it did not).
	Aborted string `json:"aborted,omitempty"`
	Model   string `json:"model"` // Open or Closed
	Target  Target `json:"target"`
	Profile string `json:"profile"`
	// Grant is the grant the run drove; "" in results of tokenbench
	// versions that drove only authorization_code.
	Grant string `json:"grant,omitempty"`
	// Chains are the refresh chains of a refresh_token run.
	Chains *Chains   `json:"chains,omitempty"`
	Config RunConfig `json:"config"`
	Start  time.Time `json:"start"`
	// IntervalEpoch is the Unix second interval 0 covers: intervals are
	// whole wall-clock seconds, so results of several machines line up.
	IntervalEpoch int64       `json:"interval_epoch"`
	DurationS     float64     `json:"duration_s"` // measured phase, warm-up excluded
	Summary       Summary     `json:"summary"`
	Stages        []Stage     `json:"stages"`
	Intervals     []Interval  `json:"intervals"`
	SLO           []SLOResult `json:"slo"`
	// PeakInFlight is the most requests that were in flight at once.
	PeakInFlight int `json:"peak_in_flight"`
	// GeneratorCPU is the CPU tokenbench used during the run, as a fraction
	// of all the machine's cores (an embedded provider's share included).
	GeneratorCPU float64 `json:"generator_cpu"`
	// Limits say what held the run back; empty when nothing did. In JSON
	// they are limit_details, and limits holds their v1 text (see
	// MarshalJSON).
	Limits []Limit `json:"limit_details,omitempty"`
	// MeanInFlight is the time-weighted mean number of measured requests
	// in flight over the measured phase (for the Little's law check).
	MeanInFlight float64 `json:"mean_in_flight,omitempty"`
	// Shard is set when the run was one shard of a run split across
	// machines.
	Shard *Shard `json:"shard,omitempty"`
	// MergedFrom lists the results Merge combined into this one.
	MergedFrom []MergedPart `json:"merged_from,omitempty"`
	// MissingShards are the shards of a split run that a merged result
	// lacks: its figures cover the others only.
	MissingShards []Shard `json:"missing_shards,omitempty"`
	// StartAt is the wall-clock time the run was to start at (load
	// --start-at), the same for every shard of a run split across
	// machines; nil when the run started at once.
	StartAt *time.Time `json:"start_at,omitempty"`
	// StartSkewS is how many seconds after StartAt the schedule began: the
	// lateness of a shard that arrived after StartAt, else the timer's.
	// A merged result holds its latest part's.
	StartSkewS float64 `json:"start_skew_s,omitempty"`
}

// MarshalJSON writes the result with its limits twice: as limit_details
// (values) and, for readers of tokenbench.load/v1, as limits (their text).
func (r Load) MarshalJSON() ([]byte, error) {
	type plain Load
	return json.Marshal(struct {
		plain
		Texts []string `json:"limits,omitempty"`
	}{plain(r), limitTexts(r.Limits)})
}

// UnmarshalJSON reads a result; the limits of a result written before
// limit_details existed are read from their text.
func (r *Load) UnmarshalJSON(b []byte) error {
	type plain Load
	var v struct {
		plain
		Texts []string `json:"limits"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*r = Load(v.plain)
	if len(r.Limits) == 0 {
		r.Limits = parseLimitTexts(v.Texts)
	}
	return nil
}

// Tool names the program that produced a result.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Target says where the load went.
type Target struct {
	Source        string `json:"source"`
	Issuer        string `json:"issuer"`
	TokenEndpoint string `json:"token_endpoint"`
	// Notices are what every report says in its header about how the
	// target was reached (TLS verification off, another issuer, ...).
	Notices []Notice `json:"notices,omitempty"`
}

// RunConfig is the run's settings as given.
type RunConfig struct {
	Rate        float64 `json:"rate,omitempty"`        // open model, constant rate
	Concurrency int     `json:"concurrency,omitempty"` // closed model
	Stages      string  `json:"stages,omitempty"`
	DurationS   float64 `json:"duration_s,omitempty"`
	Requests    int64   `json:"requests,omitempty"`
	MaxInFlight int     `json:"max_in_flight,omitempty"`
	Validate    string  `json:"validate"` // all, none or sample:F
	TimeoutS    float64 `json:"timeout_s"`
	WarmupS     float64 `json:"warmup_s,omitempty"`
	SLO         string  `json:"slo,omitempty"`
}

// Percentiles of a distribution, in milliseconds.
type Percentiles struct {
	Min  float64 `json:"min"`
	Mean float64 `json:"mean"`
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p999"`
	Max  float64 `json:"max"`
}

// Summary is the figures of a run or a stage.
type Summary struct {
	Requests      int64   `json:"requests"`       // completed (any outcome)
	OK            int64   `json:"ok"`             // 200 that passed validation (or was not sampled)
	Errors        int64   `json:"errors"`         // everything else, invalid 200s included
	ErrorRate     float64 `json:"error_rate"`     // Errors/Requests, a fraction 0..1
	ThroughputRPS float64 `json:"throughput_rps"` // completed requests per second
	TargetRPS     float64 `json:"target_rps,omitempty"`
	// LatencyMS is measured from the intended send time in the open model
	// (coordinated-omission correct) and equals ServiceTimeMS in the closed
	// model.
	LatencyMS     Percentiles `json:"latency_ms"`
	ServiceTimeMS Percentiles `json:"service_time_ms"` // from the actual send
	ScheduleLagMS Percentiles `json:"schedule_lag_ms"` // actual send - intended send
	Late          int64       `json:"late"`            // sent more than 1 ms after the intended time
	Unsent        int64       `json:"unsent"`          // scheduled, but the run ended before they were sent
	OutOfRange    int64       `json:"out_of_range"`    // latencies outside 1 µs .. 60 s: counted, not in the histograms
	Validated     int64       `json:"validated"`       // responses that went through the checks
	// CheckFailures counts, per catalogue row, the validated responses that
	// failed that row's check.
	CheckFailures map[string]int64 `json:"check_failures"`
	// Outcomes counts by kind: ok, invalid_200, an OAuth error code (for
	// 4xx with one), http_4xx, http_5xx, timeout, connection_error.
	Outcomes map[string]int64 `json:"outcomes"`
	Codes    CodeStats        `json:"codes"`
	// Auth is the client authentication of the requests; nil in results of
	// tokenbench versions that did not measure it.
	Auth *AuthStats `json:"auth,omitempty"`
	// HDR holds the latency and service time histograms (see
	// EncodeHistogram), so that results merge exactly.
	HDR *Histograms `json:"hdr,omitempty"`
}

// Histograms are the encoded HDR histograms of the latency and the service
// time, in microseconds (see EncodeHistogram).
type Histograms struct {
	Latency string `json:"latency"`
	Service string `json:"service"`
}

// CodeStats describe the code supply.
type CodeStats struct {
	Obtained int64       `json:"obtained"`
	Dropped  int64       `json:"dropped"` // expired before use
	ObtainMS Percentiles `json:"obtain_ms"`
	P99MS    float64     `json:"p99_ms"` // of obtaining one code
	// Waits counts requests whose code was not ready at their intended send
	// time; WaitMS is how long they waited. Code time is never part of the
	// exchange latency.
	Waits  int64       `json:"waits"`
	WaitMS Percentiles `json:"wait_ms"`
}

// AuthStats describe the client authentication every request carried: its
// method, and how long adding it to each request took (signing a fresh
// client assertion, for client_secret_jwt and private_key_jwt), measured
// apart. That time is never part of the exchange latency: in the open
// model the intended send time moves on by the part of it that fell after
// the request was due, as for a wait for a code.
type AuthStats struct {
	Method   string      `json:"method"`
	Requests int64       `json:"requests"` // requests authenticated
	TimeMS   Percentiles `json:"time_ms"`  // per request
}

// Signs reports whether the method signs a client assertion per request.
func (a *AuthStats) Signs() bool {
	return a != nil && (a.Method == "private_key_jwt" || a.Method == "client_secret_jwt")
}

// Stage is one stage's figures.
type Stage struct {
	Name       string  `json:"name"`
	TargetRate float64 `json:"target_rate"` // mean arrivals per second (open model)
	FromRate   float64 `json:"from_rate,omitempty"`
	ToRate     float64 `json:"to_rate,omitempty"`
	DurationS  float64 `json:"duration_s"`
	Summary    Summary `json:"summary"`
}

// Interval is one second of the run, by completion time.
type Interval struct {
	T         float64             `json:"t"` // seconds since IntervalEpoch
	Requests  int64               `json:"requests"`
	Errors    int64               `json:"errors"`
	TargetRPS float64             `json:"target_rps,omitempty"`
	LatencyMS IntervalPercentiles `json:"latency_ms"`
	ServiceMS IntervalPercentiles `json:"service_time_ms"`
	CodeWaits int64               `json:"code_waits,omitempty"`
	HDR       *Histograms         `json:"hdr,omitempty"`
}

// IntervalPercentiles are the per-second figures.
type IntervalPercentiles struct {
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// WriteJSON writes r as indented JSON.
func (r *Load) WriteJSON(w io.Writer) error { return writeJSON(w, r) }

// writeJSON writes v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

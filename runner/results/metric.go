package results

import "math"

// Unit is the unit of a metric's value or of an SLO's threshold.
type Unit string

// Units.
const (
	MS        Unit = "ms"  // milliseconds
	Percent   Unit = "%"   // percent (of the requests, or of the target rate)
	PerSecond Unit = "rps" // requests per second
)

// MetricKind says what kind of figure a metric is, and so how to judge a
// difference in it.
type MetricKind int

// Metric kinds.
const (
	// Quantile is a percentile of a latency distribution: the minimum,
	// p50 ... p99.9, the maximum (Metric.Quantile 0, 0.5 ... 0.999, 1).
	Quantile MetricKind = iota + 1
	// Mean is the mean of a latency distribution.
	Mean
	// Rate is completed requests per second.
	Rate
	// Share is a share of the completed requests, in percent
	// (Metric.Count of Summary.Requests).
	Share
)

// Metric is one figure of a Summary: what an SLO judges (--slo), a
// comparison compares (--max-regression) and a report shows, by one name.
type Metric struct {
	Name string // as written: p99, service_p99, error_rate, throughput, late
	Unit Unit
	Kind MetricKind
	// Service: a distribution metric of the service time (from the actual
	// send), not of the latency from the intended send time.
	Service  bool
	Quantile float64 // Kind Quantile: 0 the minimum ... 1 the maximum
	// Worse is +1 when a higher value is worse, -1 when a lower one is.
	Worse float64
	// Headline metrics are shown in every comparison, the others when a
	// threshold names them.
	Headline bool
	// Label names it for people: "p99 latency", "error rate".
	Label string
	// Count is the numerator of a Share.
	Count func(Summary) int64
	pick  func(Percentiles) float64
}

// Metrics are the metrics, in the order messages and comparisons list them.
var Metrics = func() []Metric {
	type pct struct {
		name     string
		q        float64
		headline bool
		pick     func(Percentiles) float64
	}
	dist := []pct{
		{"p50", 0.5, true, func(p Percentiles) float64 { return p.P50 }},
		{"p90", 0.9, true, func(p Percentiles) float64 { return p.P90 }},
		{"p99", 0.99, true, func(p Percentiles) float64 { return p.P99 }},
		{"p999", 0.999, false, func(p Percentiles) float64 { return p.P999 }},
		{"min", 0, false, func(p Percentiles) float64 { return p.Min }},
		{"max", 1, true, func(p Percentiles) float64 { return p.Max }},
		{"mean", math.NaN(), false, func(p Percentiles) float64 { return p.Mean }},
	}
	var out []Metric
	for _, service := range []bool{false, true} {
		for _, d := range dist {
			m := Metric{Name: d.name, Unit: MS, Kind: Quantile, Service: service, Quantile: d.q, Worse: 1,
				Headline: d.headline && !service, Label: percentileName(d.name) + " latency", pick: d.pick}
			if math.IsNaN(d.q) {
				m.Kind, m.Quantile = Mean, 0
			}
			if service {
				m.Name, m.Label = "service_"+d.name, percentileName(d.name)+" service time"
			}
			out = append(out, m)
		}
	}
	return append(out,
		Metric{Name: "throughput", Unit: PerSecond, Kind: Rate, Worse: -1, Headline: true, Label: "throughput"},
		Metric{Name: "error_rate", Unit: Percent, Kind: Share, Worse: 1, Headline: true, Label: "error rate",
			Count: func(s Summary) int64 { return s.Errors }},
		Metric{Name: "late", Unit: Percent, Kind: Share, Worse: 1, Headline: true, Label: "late sends",
			Count: func(s Summary) int64 { return s.Late }},
	)
}()

func percentileName(name string) string {
	if name == "p999" {
		return "p99.9"
	}
	return name
}

// LookupMetric finds a metric by name.
func LookupMetric(name string) (Metric, bool) {
	for _, m := range Metrics {
		if m.Name == name {
			return m, true
		}
	}
	return Metric{}, false
}

// MetricNames are the metrics' names, comma-separated, for messages.
func MetricNames() string {
	s := ""
	for i, m := range Metrics {
		if i > 0 {
			s += ", "
		}
		s += m.Name
	}
	return s
}

// Value reads the metric from s, in its unit.
func (m Metric) Value(s Summary) float64 {
	switch m.Kind {
	case Rate:
		return s.ThroughputRPS
	case Share:
		if s.Requests <= 0 {
			return 0
		}
		return 100 * float64(m.Count(s)) / float64(s.Requests)
	}
	return m.pick(m.Distribution(s))
}

// Distribution is the distribution a Quantile or Mean metric is read from.
func (m Metric) Distribution(s Summary) Percentiles {
	if m.Service {
		return s.ServiceTimeMS
	}
	return s.LatencyMS
}

// From says what the metric is measured from, in a run of model.
func (m Metric) From(model string) string {
	switch {
	case m.Kind == Rate:
		return "completed requests per second"
	case m.Name == "error_rate":
		return "errors ÷ completed requests"
	case m.Kind == Share:
		return "sent more than 1 ms after the intended time ÷ completed requests"
	case m.Service:
		return "from the actual send"
	case model == Closed:
		return "service time (closed model)"
	}
	return "from the intended send time"
}

package results

import (
	"math"
	"testing"
)

// TestMetrics: one table serves SLOs, comparisons and reports: every name
// is known once, parses as an SLO, and reads its figure from a summary.
func TestMetrics(t *testing.T) {
	t.Parallel()
	s := Summary{Requests: 200, Errors: 3, Late: 10, ThroughputRPS: 49.5,
		LatencyMS:     Percentiles{Min: 1, Mean: 5, P50: 4, P90: 8, P99: 20, P999: 40, Max: 50},
		ServiceTimeMS: Percentiles{Min: 0.5, Mean: 2, P50: 1.5, P90: 3, P99: 9, P999: 12, Max: 13}}
	want := map[string]float64{
		"p50": 4, "p90": 8, "p99": 20, "p999": 40, "min": 1, "max": 50, "mean": 5,
		"service_p50": 1.5, "service_p90": 3, "service_p99": 9, "service_p999": 12, "service_min": 0.5, "service_max": 13, "service_mean": 2,
		"throughput": 49.5, "error_rate": 1.5, "late": 5,
	}
	seen := map[string]bool{}
	for _, m := range Metrics {
		if seen[m.Name] || m.Label == "" || m.Worse == 0 {
			t.Errorf("%s: twice, or without a label or a direction", m.Name)
		}
		seen[m.Name] = true
		if got, ok := want[m.Name]; !ok || math.Abs(m.Value(s)-got) > 1e-12 {
			t.Errorf("%s: value %v, want %v", m.Name, m.Value(s), got)
		}
		if l, ok := LookupMetric(m.Name); !ok || l.Name != m.Name {
			t.Errorf("LookupMetric(%q) = %v, %v", m.Name, l.Name, ok)
		}
		value := map[Unit]string{MS: "1ms", Percent: "1%", PerSecond: "1/s"}[m.Unit]
		if slos, err := ParseSLOs(m.Name + "<" + value); err != nil || slos[0].Metric != m.Name {
			t.Errorf("%s as an SLO: %v %v", m.Name, slos, err)
		}
	}
	if len(seen) != len(want) {
		t.Errorf("%d metrics, want %d", len(seen), len(want))
	}
	if v := (Metric{Name: "late", Kind: Share, Count: func(s Summary) int64 { return s.Late }}).Value(Summary{}); v != 0 {
		t.Errorf("a share of no requests is %v", v)
	}
}

package results

import (
	"math"
	"strings"
	"testing"
)

func TestFindKnee(t *testing.T) {
	t.Parallel()
	step := func(i int, offered, achieved, p99 float64) CapacityStep {
		return CapacityStep{Index: i, OfferedRPS: offered, ThroughputRPS: achieved, Ratio: achieved / offered, P99MS: p99, Requests: 100, Result: &Load{}}
	}
	tests := []struct {
		name    string
		steps   []CapacityStep
		step    int
		reached bool
		reason  string
	}{
		{"throughput stops following", []CapacityStep{step(0, 100, 99, 22), step(1, 125, 124, 23), step(2, 156, 155, 30), step(3, 195, 170, 35)}, 2, true, "at 195.0/s the achieved throughput was 87%"},
		{"p99 rises", []CapacityStep{step(0, 100, 99, 22), step(1, 125, 124, 20), step(2, 156, 155, 39), step(3, 195, 194, 41)}, 2, true, "p99 was 2.0× the baseline (41.0 ms against 20.0 ms)"},
		{"confirm step in between, by offered rate", []CapacityStep{step(0, 100, 99, 22), step(1, 125, 124, 22), step(2, 156, 120, 500), step(3, 140, 139, 25)}, 3, true, "at 156.0/s"},
		{"a stall below does not move it", []CapacityStep{step(0, 100, 99, 22), step(1, 125, 124, 80), step(2, 156, 155, 25), step(3, 195, 150, 300)}, 2, true, "at 195.0/s the achieved throughput was 77%"},
		{"not reached", []CapacityStep{step(0, 100, 99, 22), step(1, 125, 124, 22)}, 1, false, "not reached: the highest step, 125.0/s, kept up"},
		{"below the first", []CapacityStep{step(0, 100, 50, 22)}, -1, true, "below the first step"},
	}
	for _, tt := range tests {
		k := FindKnee(tt.steps)
		if k == nil || k.Step != tt.step || k.Reached != tt.reached || !strings.Contains(k.Reason, tt.reason) {
			t.Errorf("%s: %+v, want step %d reached %v %q", tt.name, k, tt.step, tt.reached, tt.reason)
		}
	}
}

func TestLittleCheck(t *testing.T) {
	t.Parallel()
	mk := func(inFlight, latMean, svcMean float64) *Load {
		return &Load{MeanInFlight: inFlight, Summary: Summary{Requests: 1000, LatencyMS: Percentiles{Mean: latMean}, ServiceTimeMS: Percentiles{Mean: svcMean}}}
	}
	// 100/s × 20 ms = 2 in flight
	if lc := CheckLittle(mk(2.05, 20.1, 20), 100); lc.HiddenQueueing || math.Abs(lc.ServiceL-2) > 1e-9 || lc.Mismatch > 0.03 {
		t.Errorf("consistent: %+v", lc)
	}
	if lc := CheckLittle(mk(3, 30, 20), 100); !lc.HiddenQueueing || !strings.Contains(lc.Note, "held requests it counted in flight") {
		t.Errorf("in flight longer than served: %+v", lc)
	}
	if lc := CheckLittle(mk(2, 40, 20), 100); !lc.HiddenQueueing || !strings.Contains(lc.Note, "waited 20.0 ms on average in the generator") {
		t.Errorf("held before sending: %+v", lc)
	}
	// a fast endpoint: 0.3 ms of schedule lag on 0.2 ms of service is not flagged
	if lc := CheckLittle(mk(0.02, 0.5, 0.2), 100); lc.HiddenQueueing {
		t.Errorf("sub-millisecond lag: %+v", lc)
	}
}

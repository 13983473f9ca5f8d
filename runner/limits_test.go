package runner

import (
	"testing"

	"github.com/tokenbench/tokenbench/runner/results"
)

// TestCodeSupplyLimit: waits for codes are named a limit only when the run
// then fell short; an open-model run that kept its rate was not held back
// by the few requests that waited.
func TestCodeSupplyLimit(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		model      string
		waits      int64
		throughput float64
		unsent     int64
		want       bool
	}{
		{"open, rate kept", Open, 135, 1999.3, 0, false},
		{"open, rate short", Open, 135, 1900, 0, true},
		{"open, unsent", Open, 135, 1999.3, 3, true},
		{"open, short but hardly any waits", Open, 5, 1900, 0, false},
		{"closed, waits", Closed, 135, 1999.3, 0, true},
		{"closed, no waits", Closed, 0, 1999.3, 0, false},
	} {
		e := &engine{cfg: Config{Model: tc.model}}
		r := &results.Load{}
		r.Summary.Requests = 10000
		r.Summary.Codes.Waits = tc.waits
		r.Summary.ThroughputRPS = tc.throughput
		r.Summary.TargetRPS = 2000
		r.Summary.Unsent = tc.unsent
		got := false
		for _, l := range e.limits(r) {
			got = got || l.Kind == results.LimitCodeSupply
		}
		if got != tc.want {
			t.Errorf("%s: code supply named %v, want %v (limits %+v)", tc.name, got, tc.want, e.limits(r))
		}
	}
}

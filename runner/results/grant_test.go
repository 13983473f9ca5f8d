package results

import (
	"reflect"
	"testing"
)

// TestChainsAdd: merged shards' chains sum, the mean start time weighted
// by the starts each made (failed ones too), its percentiles bounded;
// Rows gives the probes' rows.
func TestChainsAdd(t *testing.T) {
	t.Parallel()
	c := &Chains{Started: 2, StartMS: 4, StartTimeMS: Percentiles{Min: 1, Mean: 4, P50: 3, P90: 6, P99: 9, P999: 9, Max: 9},
		StartValidated: 2, Restarts: map[string]int64{"timeout": 1}, ReuseProbes: 100, ReuseAccepted: 1, FamilyProbes: 99, ProbesSkipped: 1}
	c.add(&Chains{Started: 4, StartMS: 8, StartTimeMS: Percentiles{Min: 2, Mean: 8, P50: 7, P90: 8, P99: 8, P999: 12, Max: 12}, StartFailures: 2,
		StartValidated: 4, StartInvalid: 1, StartCheckFailures: map[string]int64{"RESP-NO-STORE": 1},
		Restarts: map[string]int64{"timeout": 2, RestartAfterProbe: 5}, ReuseProbes: 100, ReuseAccepted: 2, FamilyProbes: 100, FamilySurvived: 1, ProbesSkipped: 2})
	want := &Chains{Started: 6, StartMS: 7, StartTimeMS: Percentiles{Min: 1, Mean: 7, P50: 7, P90: 8, P99: 9, P999: 12, Max: 12}, StartFailures: 2,
		StartValidated: 6, StartInvalid: 1, StartCheckFailures: map[string]int64{"RESP-NO-STORE": 1},
		Restarts: map[string]int64{"timeout": 3, RestartAfterProbe: 5}, ReuseProbes: 200, ReuseAccepted: 3, FamilyProbes: 199, FamilySurvived: 1, ProbesSkipped: 3}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("sum %+v, want %+v", c, want)
	}
	if got := c.Restarted(); got != 8 {
		t.Errorf("restarted %d, want 8", got)
	}
	rows := []RowShare{{"RT-REUSE-REJECTED", 3, 200}, {"RT-REUSE-REVOKES-FAMILY", 1, 199}}
	if got := c.Rows(); !reflect.DeepEqual(got, rows) || got[0].Share() != 0.015 {
		t.Errorf("rows %+v, want %+v", got, rows)
	}
	if (*Chains)(nil).Rows() != nil || (&Chains{Started: 2}).Rows() != nil {
		t.Error("rows without probes")
	}
}

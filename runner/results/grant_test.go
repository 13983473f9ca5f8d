package results

import (
	"reflect"
	"testing"
)

// TestChainsAdd: merged shards' chains sum, the mean start time weighted
// by the chains each started; Rows gives the probes' rows.
func TestChainsAdd(t *testing.T) {
	t.Parallel()
	c := &Chains{Started: 1, StartMS: 4, Restarts: map[string]int64{"timeout": 1}, ReuseProbes: 100, ReuseAccepted: 1, FamilyProbes: 99}
	c.add(&Chains{Started: 3, StartMS: 8, StartFailures: 2, Restarts: map[string]int64{"timeout": 2, RestartAfterProbe: 5}, ReuseProbes: 100, ReuseAccepted: 2, FamilyProbes: 100, FamilySurvived: 1})
	want := &Chains{Started: 4, StartMS: 7, StartFailures: 2, Restarts: map[string]int64{"timeout": 3, RestartAfterProbe: 5}, ReuseProbes: 200, ReuseAccepted: 3, FamilyProbes: 199, FamilySurvived: 1}
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

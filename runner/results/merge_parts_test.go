package results

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// part is a shard result with no requests (so no histograms to add).
func part(i, n int, startAt *time.Time, skew float64, slo string) *Load {
	return &Load{Schema: LoadSchema, Model: Open, Target: Target{Issuer: "https://idp", TokenEndpoint: "https://idp/token"}, Profile: "bankid",
		Config: RunConfig{SLO: slo}, Shard: &Shard{Index: i, Count: n}, StartAt: startAt, StartSkewS: skew, Stages: []Stage{{Name: "20s@2000"}}}
}

func TestMergeWithShards(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 4, 17, 20, 0, 0, time.UTC)
	other := at.Add(time.Minute)

	m, err := MergeWith(MergeOptions{SLO: "p99<300ms", Sources: []string{"r/0/load.json", "r/2/load.json"}}, part(1, 3, &at, 0.001, ""), part(3, 3, &at, 0.4, "error_rate<5%"))
	if err != nil {
		t.Fatal(err)
	}
	if got := m.MissingShards; len(got) != 1 || got[0] != (Shard{Index: 2, Count: 3}) {
		t.Errorf("missing %v, want [2/3]", got)
	}
	if m.Config.SLO != "p99<300ms" || len(m.SLO) != 1 || m.SLO[0].Metric != "p99" || m.SLO[0].Pass {
		t.Errorf("the merge's SLO replaces the parts': %q %+v (no request: it fails)", m.Config.SLO, m.SLO)
	}
	if m.StartAt == nil || !m.StartAt.Equal(at) || m.StartSkewS != 0.4 || m.MergedFrom[1].Source != "r/2/load.json" || m.MergedFrom[1].StartSkewS != 0.4 {
		t.Errorf("start %v skew %g parts %+v", m.StartAt, m.StartSkewS, m.MergedFrom)
	}
	if l := m.Limits[len(m.Limits)-1]; l.Kind != LimitIncomplete || l.Text != "shard 2/3 missing; the merged figures cover 2 of 3 shards" {
		t.Errorf("limit %+v", l)
	}

	for _, tt := range []struct {
		name  string
		o     MergeOptions
		parts []*Load
		want  string
	}{
		{"another start time", MergeOptions{}, []*Load{part(1, 2, &at, 0, ""), part(2, 2, &other, 0, "")}, "shard 2/2 was to start at 2026-12-04T17:21:00Z, but shard 1/2 was to start at 2026-12-04T17:20:00Z"},
		{"no start time", MergeOptions{}, []*Load{part(1, 2, &at, 0, ""), part(2, 2, nil, 0, "")}, "shard 2/2 had no start time (--start-at)"},
		{"twice", MergeOptions{Sources: []string{"a/load.json", "b/load.json"}}, []*Load{part(2, 2, nil, 0, ""), part(2, 2, nil, 0, "")}, "shard 2/2 is given twice: a/load.json and b/load.json"},
		{"other count", MergeOptions{Sources: []string{"a", "b"}}, []*Load{part(1, 2, nil, 0, ""), part(2, 3, nil, 0, "")}, "shard 2/3 (b) is one of 3, but shard 1/2 (a) is one of 2"},
		{"index out of range", MergeOptions{Sources: []string{"a", "b"}}, []*Load{part(1, 2, nil, 0, ""), part(3, 2, nil, 0, "")}, "b says it is shard 3/2"},
		{"SLOs differ without --slo", MergeOptions{}, []*Load{part(1, 2, nil, 0, "p99<1s"), part(2, 2, nil, 0, "")}, `config slo "", but result 1 has "p99<1s"`},
		{"a bad SLO", MergeOptions{SLO: "p99<<1s"}, []*Load{part(1, 2, nil, 0, ""), part(2, 2, nil, 0, "")}, `slo: slo item 1 "p99<<1s"`},
	} {
		_, err := MergeWith(tt.o, tt.parts...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
		if tt.name != "a bad SLO" && !errors.Is(err, ErrIncompatible) {
			t.Errorf("%s: %v does not match ErrIncompatible", tt.name, err)
		}
	}
}

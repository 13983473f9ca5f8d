package results

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func TestLimitText(t *testing.T) {
	t.Parallel()
	for l, want := range map[Limit]string{
		Limit{Kind: LimitCodeSupply, Text: "40 of 150 requests waited"}:                                                                                                                                                                   "code supply: 40 of 150 requests waited",
		Limit{Kind: LimitCodeSupply, Shard: "shard 1/3", Text: "40 of 150 requests waited"}:                                                                                                                                               "shard 1/3: code supply: 40 of 150 requests waited",
		Limit{Kind: LimitGenerator, Text: "9 requests (9.0%) were sent more than 1 ms after their intended time (p99 lag 3.0 ms): the load generator itself was slow to send them"}:                                                       "schedule: 9 requests (9.0%) were sent more than 1 ms after their intended time (p99 lag 3.0 ms): the load generator itself was slow to send them",
		Limit{Kind: LimitInFlight, Shard: "result 2", Text: "9 requests (9.0%) were sent more than 1 ms after their intended time (p99 lag 3.0 ms): all 4 in-flight slots were busy: the endpoint answered slower than requests arrived"}: "result 2: schedule: 9 requests (9.0%) were sent more than 1 ms after their intended time (p99 lag 3.0 ms): all 4 in-flight slots were busy: the endpoint answered slower than requests arrived",
		Limit{Kind: LimitGeneratorCPU, Text: "tokenbench used 91% of this machine's 2 cores"}:                                                                                                                                             "load generator CPU: tokenbench used 91% of this machine's 2 cores",
		Limit{Kind: LimitUnsent, Shard: "m1/load.json+m2/load.json", Text: "3 scheduled requests were never sent"}:                                                                                                                        "m1/load.json+m2/load.json: unsent: 3 scheduled requests were never sent",
		Limit{Kind: LimitIncomplete, Text: "shard 2/3 missing; the merged figures cover 2 of 3 shards"}:                                                                                                                                   "incomplete: shard 2/3 missing; the merged figures cover 2 of 3 shards",
	} {
		if got := l.String(); got != want {
			t.Errorf("String() = %q, want %q", got, want)
		}
		if back := parseLimitText(want); back != l {
			t.Errorf("parseLimitText(%q) = %+v, want %+v", want, back, l)
		}
	}
	if got := parseLimitText("no kind here: at all"); got != (Limit{Text: "no kind here: at all"}) {
		t.Errorf("an unknown kind: %+v", got)
	}
}

// TestLoadJSONLimits: a result's limits are written as values and, for v1
// readers, as text; a result written before the values existed (4fb4b76,
// here a merged one) is read from the text.
func TestLoadJSONLimits(t *testing.T) {
	t.Parallel()
	r := Load{Schema: LoadSchema, Limits: []Limit{
		{Kind: LimitInFlight, Shard: "shard 2/2", Text: "120 requests (100.0%) were sent more than 1 ms after their intended time (p99 lag 1889.3 ms): all 1 in-flight slots were busy: the endpoint answered slower than requests arrived"},
		{Kind: LimitIncomplete, Text: "shard 3/3 missing; the merged figures cover 2 of 3 shards"},
	}}
	data, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var v1 struct {
		Limits []string `json:"limits"`
	}
	if err := json.Unmarshal(data, &v1); err != nil || !slices.Equal(v1.Limits, []string{r.Limits[0].String(), r.Limits[1].String()}) {
		t.Errorf("v1 limits %q (%v)\n%s", v1.Limits, err, data)
	}
	var back Load
	if err := json.Unmarshal(data, &back); err != nil || !slices.Equal(back.Limits, r.Limits) {
		t.Errorf("read back %+v (%v)", back.Limits, err)
	}

	const old = `{"schema": "tokenbench.load/v1", "limits": [
	  "shard 1/2: schedule: 120 requests (100.0%) were sent more than 1 ms after their intended time (p99 lag 1889.3 ms): all 1 in-flight slots were busy (--max-in-flight): the endpoint answered slower than requests arrived",
	  "shard 2/2: code supply: 3 of 120 requests (2.5%) waited for an authorization code (p99 wait 4.1 ms); the code source, not the token endpoint, limited the rate",
	  "incomplete: shard 3/3 missing; the merged figures cover 2 of 3 shards"]}`
	var got Load
	if err := json.Unmarshal([]byte(old), &got); err != nil {
		t.Fatal(err)
	}
	want := []LimitKind{LimitInFlight, LimitCodeSupply, LimitIncomplete}
	for i, l := range got.Limits {
		if i >= len(want) || l.Kind != want[i] || strings.Contains(l.Text, ": code supply") || strings.HasPrefix(l.Text, "shard") && l.Kind != LimitIncomplete {
			t.Errorf("limit %d: %+v", i, l)
		}
	}
	if len(got.Limits) != 3 || got.Limits[0].Shard != "shard 1/2" || got.Limits[1].Shard != "shard 2/2" || got.Limits[2].Shard != "" {
		t.Errorf("limits %+v", got.Limits)
	}
}

// TestSLOResultJSON: an SLO result carries its metric, operator and
// threshold; one written before they were stored has them from its
// expression.
func TestSLOResultJSON(t *testing.T) {
	t.Parallel()
	slos, err := ParseSLOs("p99<500ms,throughput>=90%")
	if err != nil {
		t.Fatal(err)
	}
	rs := Evaluate(slos, &Load{Summary: Summary{Requests: 10, ThroughputRPS: 45, TargetRPS: 50, LatencyMS: Percentiles{P99: 12}}})
	data, err := json.Marshal(rs)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"metric":"p99","op":"\u003c","threshold":500,"unit":"ms","observed":12,"pass":true`, `"metric":"throughput","op":"\u003e=","threshold":90,"unit":"%","observed":90,"pass":true`} {
		if !strings.Contains(string(data), want) {
			t.Errorf("%s lacks %s", data, want)
		}
	}
	const old = `[{"expr": "p99\u003c500ms", "observed": 12, "unit": "ms", "pass": true},
	  {"expr": "throughput\u003e=90%", "observed": 90, "unit": "%", "pass": true}]`
	var back []SLOResult
	if err := json.Unmarshal([]byte(old), &back); err != nil || !slices.Equal(back, rs) {
		t.Errorf("v1 SLO results read as %+v (%v), want %+v", back, err, rs)
	}
}

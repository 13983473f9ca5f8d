package runner

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/internal/items"
)

const msec = time.Millisecond

// offsets drains a pacer (at most limit arrivals) and returns the offsets
// and stages it handed out.
func drainPacer(t *testing.T, p Plan, limit int) ([]time.Duration, []int) {
	t.Helper()
	pc := p.Pacer()
	var offs []time.Duration
	var stages []int
	for range limit + 1 {
		off, st, ok := pc.Next()
		if !ok {
			if st != len(p.Stages) || off != p.Duration() {
				t.Errorf("after the end: offset %v stage %d, want %v %d", off, st, p.Duration(), len(p.Stages))
			}
			return offs, stages
		}
		offs = append(offs, off)
		stages = append(stages, st)
	}
	t.Fatalf("more than %d arrivals", limit)
	return nil, nil
}

func mustStages(t *testing.T, spec string) Plan {
	t.Helper()
	p, err := ParseStages(spec)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPacerOffsets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		spec   string
		offs   []time.Duration
		stages []int
	}{
		{"10/s for 1s", "1s@10",
			[]time.Duration{0, 100 * msec, 200 * msec, 300 * msec, 400 * msec, 500 * msec, 600 * msec, 700 * msec, 800 * msec, 900 * msec},
			[]int{0, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
		{"steps", "1s@2,1s@4",
			[]time.Duration{0, 500 * msec, 1000 * msec, 1250 * msec, 1500 * msec, 1750 * msec},
			[]int{0, 0, 1, 1, 1, 1}},
		// 1.5 arrivals in each half second: the half carries over, so the
		// arrivals stay 1/3 s apart across the boundary.
		{"fraction carries over", "500ms@3,500ms@3",
			[]time.Duration{0, 333333333, 666666667},
			[]int{0, 0, 1}},
		// 0.5 + 0.5 arrivals: one at 0; the next would be at the very end.
		{"half and half", "500ms@1,500ms@1", []time.Duration{0}, []int{0}},
		{"rate change at the boundary", "1s@1,1s@10",
			[]time.Duration{0, 1000 * msec, 1100 * msec, 1200 * msec, 1300 * msec, 1400 * msec, 1500 * msec, 1600 * msec, 1700 * msec, 1800 * msec, 1900 * msec},
			[]int{0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}},
		// 0→4/s over 2 s: N(t) = t², 4 arrivals at √k.
		{"ramp from 0", "ramp:2s@0-4",
			[]time.Duration{0, time.Second, 1414213562, 1732050808},
			[]int{0, 0, 0, 0}},
		// 4→0/s over 2 s: N(t) = 4t - t², arrival k at 2 - √(4-k).
		{"ramp down to 0", "ramp:2s@4-0",
			[]time.Duration{0, 267949192, 585786438, time.Second},
			[]int{0, 0, 0, 0}},
		// A ramp with equal ends is a constant stage.
		{"flat ramp", "ramp:1s@4-4",
			[]time.Duration{0, 250 * msec, 500 * msec, 750 * msec},
			[]int{0, 0, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			offs, stages := drainPacer(t, mustStages(t, tt.spec), 1000)
			if !slices.Equal(offs, tt.offs) || !slices.Equal(stages, tt.stages) {
				t.Errorf("got %v %v\nwant %v %v", offs, stages, tt.offs, tt.stages)
			}
		})
	}
}

func TestPacerRampFromZero(t *testing.T) {
	t.Parallel()
	// 0→100/s over D = 10 s: 500 arrivals, the k-th at √(2kD/100) = √(k/5).
	offs, _ := drainPacer(t, mustStages(t, "ramp:10s@0-100"), 1000)
	if len(offs) != 500 {
		t.Fatalf("%d arrivals, want 500", len(offs))
	}
	for k, off := range offs {
		want := time.Duration(math.Round(math.Sqrt(float64(k)/5) * 1e9))
		if off != want {
			t.Errorf("arrival %d at %v, want %v", k, off, want)
		}
	}
	// Perfect squares: whole seconds.
	for s := range 10 {
		if got, want := offs[5*s*s], time.Duration(s)*time.Second; got != want {
			t.Errorf("arrival %d at %v, want %v", 5*s*s, got, want)
		}
	}
}

func TestPacerRampNearlyFlat(t *testing.T) {
	t.Parallel()
	// A slope of -1e-9/s² must not lose precision: k/rate within a
	// nanosecond (and 9999.99999995 arrivals are 10000).
	p := Plan{Stages: []Stage{{Name: "x", Duration: 10 * time.Second, From: 1000, To: 1000 - 1e-8}}}
	offs, _ := drainPacer(t, p, 20000)
	if len(offs) != 10000 {
		t.Fatalf("%d arrivals, want 10000", len(offs))
	}
	for k, off := range offs {
		want := time.Duration(k) * time.Millisecond
		if d := off - want; d < -1 || d > 1 {
			t.Fatalf("arrival %d at %v, want %v", k, off, want)
		}
	}
}

func TestPacerCounts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		spec string
		want int
	}{
		{"10s@5000", 50000},
		{"1s@10", 10},
		{"ramp:10s@0-100", 500},
		{"ramp:60s@10-500", 15300},
		{"30s@50,ramp:30s@50-200,1m@200", 1500 + 3750 + 12000},
		{"100ms@10,100ms@10,100ms@10", 3},
		{"1s@0.5,1s@0.5,1s@0.5,1s@0.5", 2},
		{"1s@0.4,1s@0.4,1s@0.4,1s@0.4,1s@0.4", 2},
		{"1s@0.3", 1},
		{"333ms@3", 1},
		{"7s@0.1", 1},
		{"1h@1000", 3600000},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			t.Parallel()
			p := mustStages(t, tt.spec)
			pc := p.Pacer()
			n := 0
			last := time.Duration(-1)
			for {
				off, _, ok := pc.Next()
				if !ok {
					break
				}
				if off < last || off >= p.Duration() {
					t.Fatalf("arrival %d at %v after %v (plan of %v)", n, off, last, p.Duration())
				}
				last = off
				n++
			}
			if n != tt.want {
				t.Errorf("%d arrivals, want %d", n, tt.want)
			}
			var expected float64
			for i := range p.Stages {
				expected += p.Expected(i)
			}
			if math.Abs(expected-float64(n)) >= 1 {
				t.Errorf("expected %v arrivals, %d scheduled", expected, n)
			}
		})
	}
}

func TestPacerPerSecond(t *testing.T) {
	t.Parallel()
	for _, spec := range []string{"60s@10", "30s@10,30s@10", "20s@7,20s@13,20s@1000"} {
		t.Run(spec, func(t *testing.T) {
			t.Parallel()
			p := mustStages(t, spec)
			per := map[int64]int{}
			pc := p.Pacer()
			for {
				off, _, ok := pc.Next()
				if !ok {
					break
				}
				per[int64(off/time.Second)]++
			}
			for s := range int64(p.Duration() / time.Second) {
				if want := int(p.RateAt(time.Duration(s) * time.Second)); per[s] != want {
					t.Errorf("second %d: %d arrivals, want %d", s, per[s], want)
				}
			}
		})
	}
}

func TestPacerRequestsBounded(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		plan   Plan
		offs   []time.Duration
		stages []int
		end    time.Duration
	}{
		{"requests only", mustConstant(t, 4, 0, 3),
			[]time.Duration{0, 250 * msec, 500 * msec}, []int{0, 0, 0}, 750 * msec},
		{"requests before the duration", mustConstant(t, 4, 10*time.Second, 2),
			[]time.Duration{0, 250 * msec}, []int{0, 0}, 500 * msec},
		{"duration before the requests", mustConstant(t, 4, time.Second, 100),
			[]time.Duration{0, 250 * msec, 500 * msec, 750 * msec}, []int{0, 0, 0, 0}, time.Second},
		// The requests-bounded stage ends where its next arrival would be;
		// the next stage starts there, with no carry.
		{"then a stage", Plan{Stages: []Stage{
			{Name: "a", From: 3, To: 3, Requests: 2},
			{Name: "b", Duration: time.Second, From: 2, To: 2},
		}}, []time.Duration{0, 333333333, 666666667, 1166666667}, []int{0, 0, 1, 1}, 1666666667},
		// A ramp bounded by requests: 0→2/s over 10 s, N(t) = t²/10.
		{"ramp bounded by requests", Plan{Stages: []Stage{{Name: "r", Duration: 10 * time.Second, From: 0, To: 2, Requests: 3}}},
			[]time.Duration{0, 3162277660, 4472135955}, []int{0, 0, 0}, 5477225575},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			offs, stages := drainPacer(t, tt.plan, 1000)
			if !slices.Equal(offs, tt.offs) || !slices.Equal(stages, tt.stages) {
				t.Errorf("got %v %v\nwant %v %v", offs, stages, tt.offs, tt.stages)
			}
			if got := tt.plan.Duration(); got != tt.end {
				t.Errorf("Duration %v, want %v", got, tt.end)
			}
		})
	}
}

func mustConstant(t *testing.T, rate float64, d time.Duration, n int64) Plan {
	t.Helper()
	p, err := ConstantPlan(rate, d, n)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPlanTimeline(t *testing.T) {
	t.Parallel()
	p := mustStages(t, "30s@50,ramp:30s@50-200,1m@200")
	type at struct {
		elapsed time.Duration
		stage   int
		rate    float64
	}
	for _, tt := range []at{
		{-time.Second, 0, 0},
		{0, 0, 50},
		{29 * time.Second, 0, 50},
		{30 * time.Second, 1, 50},
		{45 * time.Second, 1, 125},
		{59 * time.Second, 1, 195},
		{60 * time.Second, 2, 200},
		{119 * time.Second, 2, 200},
		{120 * time.Second, 2, 0},
		{time.Hour, 2, 0},
	} {
		if got := p.StageAt(tt.elapsed); got != tt.stage {
			t.Errorf("StageAt(%v) = %d, want %d", tt.elapsed, got, tt.stage)
		}
		if got := p.RateAt(tt.elapsed); math.Abs(got-tt.rate) > 1e-9 {
			t.Errorf("RateAt(%v) = %v, want %v", tt.elapsed, got, tt.rate)
		}
	}
	if got := p.Duration(); got != 2*time.Minute {
		t.Errorf("Duration %v", got)
	}
	for i, want := range []struct {
		start, length  time.Duration
		expected, mean float64
	}{
		{0, 30 * time.Second, 1500, 50},
		{30 * time.Second, 30 * time.Second, 3750, 125},
		{60 * time.Second, 60 * time.Second, 12000, 200},
		{120 * time.Second, 0, 0, 0}, // past the end
	} {
		if got := p.StageStart(i); got != want.start {
			t.Errorf("StageStart(%d) = %v, want %v", i, got, want.start)
		}
		if got := p.StageLength(i); got != want.length {
			t.Errorf("StageLength(%d) = %v, want %v", i, got, want.length)
		}
		if got := p.Expected(i); got != want.expected {
			t.Errorf("Expected(%d) = %v, want %v", i, got, want.expected)
		}
		if got := p.MeanRate(i); got != want.mean {
			t.Errorf("MeanRate(%d) = %v, want %v", i, got, want.mean)
		}
	}
	if got, want := p.String(), "30s@50,ramp:30s@50-200,1m@200"; got != want {
		t.Errorf("String %q, want %q", got, want)
	}
}

func TestPlanClosedModel(t *testing.T) {
	t.Parallel()
	// The closed model's plans have no rate: a requests-bounded stage has
	// no known length, a duration-bounded one its duration.
	byCount := Plan{Stages: []Stage{{Name: "closed", Requests: 80}}}
	if d, s, r := byCount.Duration(), byCount.StageAt(time.Minute), byCount.RateAt(0); d != 0 || s != 0 || r != 0 {
		t.Errorf("by count: Duration %v StageAt %d RateAt %v", d, s, r)
	}
	warm := Plan{Stages: []Stage{{Name: "warm-up", Duration: 5 * time.Second}, {Name: "closed", Requests: 80}}}
	if d, s0, s1 := warm.Duration(), warm.StageAt(4*time.Second), warm.StageAt(5*time.Second); d != 5*time.Second || s0 != 0 || s1 != 1 {
		t.Errorf("warm-up then by count: Duration %v StageAt %d %d", d, s0, s1)
	}
	if offs, _ := drainPacer(t, warm, 10); len(offs) != 0 {
		t.Errorf("a plan without rates paced %v", offs)
	}
	if got := (Plan{}).StageAt(0); got != -1 {
		t.Errorf("empty plan: StageAt %d", got)
	}
}

func TestParseStages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		spec string
		want []Stage
	}{
		{"30s@50", []Stage{{Name: "30s@50", Duration: 30 * time.Second, From: 50, To: 50}}},
		{" 1m30s @ 2.5/s ", []Stage{{Name: "1m30s @ 2.5/s", Duration: 90 * time.Second, From: 2.5, To: 2.5}}},
		{"ramp:60s@10-500", []Stage{{Name: "ramp:60s@10-500", Duration: time.Minute, From: 10, To: 500}}},
		{"ramp:10s@0-100/s", []Stage{{Name: "ramp:10s@0-100/s", Duration: 10 * time.Second, From: 0, To: 100}}},
		{"30s@50,ramp:30s@50-200,1m@200", []Stage{
			{Name: "30s@50", Duration: 30 * time.Second, From: 50, To: 50},
			{Name: "ramp:30s@50-200", Duration: 30 * time.Second, From: 50, To: 200},
			{Name: "1m@200", Duration: time.Minute, From: 200, To: 200},
		}},
		{"1s@1000000", []Stage{{Name: "1s@1000000", Duration: time.Second, From: 1e6, To: 1e6}}},
	}
	for _, tt := range tests {
		p, err := ParseStages(tt.spec)
		if err != nil {
			t.Errorf("ParseStages(%q): %v", tt.spec, err)
			continue
		}
		if !slices.Equal(p.Stages, tt.want) {
			t.Errorf("ParseStages(%q) = %+v, want %+v", tt.spec, p.Stages, tt.want)
		}
	}
}

func TestParseStagesErrors(t *testing.T) {
	t.Parallel()
	const want = "; want DURATION@RATE (e.g. 30s@50) or ramp:DURATION@FROM-TO (e.g. ramp:60s@10-500)"
	tests := []struct{ spec, err string }{
		{"", `stages: empty`},
		{"  ", `stages: empty`},
		{"30s", `stages item 1 "30s" at column 1: no "@" between the duration and the rate`},
		{"30s@50,", `stages item 2 "" at column 8: empty item`},
		{"30s@50, 30x@5", `stages item 2 "30x@5" at column 9: duration "30x" is not a duration (e.g. 30s, 2m, 1m30s)`},
		{"0s@5", `stages item 1 "0s@5" at column 1: duration "0s" is not > 0`},
		{"-1s@5", `stages item 1 "-1s@5" at column 1: duration "-1s" is not > 0`},
		{"200h@5", `stages item 1 "200h@5" at column 1: duration "200h" is longer than 168h0m0s`},
		{"30s@abc", `stages item 1 "30s@abc" at column 1: rate "abc" is not a number`},
		{"30s@NaN", `stages item 1 "30s@NaN" at column 1: rate "NaN" is not a number`},
		{"30s@0", `stages item 1 "30s@0" at column 1: rate "0" is not > 0`},
		{"30s@-5", `stages item 1 "30s@-5" at column 1: rate "-5" is not > 0`},
		{"30s@2e6", `stages item 1 "30s@2e6" at column 1: rate "2e6" is above 1000000/s`},
		{"30s@10-50", `stages item 1 "30s@10-50" at column 1: rate "10-50" is a range: a ramp is written ramp:30s@10-50`},
		{"ramp:30s@50", `stages item 1 "ramp:30s@50" at column 1: ramp rates "50" are not FROM-TO (e.g. 10-500)`},
		{"ramp:30s@0-0", `stages item 1 "ramp:30s@0-0" at column 1: ramp rates are both 0`},
		{"ramp:30s@x-5", `stages item 1 "ramp:30s@x-5" at column 1: rate "x" is not a number`},
		{"1s@5, 1µs@x", `stages item 2 "1µs@x" at column 7: rate "x" is not a number`},
		{"1µs@1,µ,x", `stages item 2 "µ" at column 7: no "@" between the duration and the rate`},
	}
	for _, tt := range tests {
		_, err := ParseStages(tt.spec)
		if err == nil {
			t.Errorf("ParseStages(%q): no error", tt.spec)
			continue
		}
		if got := err.Error(); got != tt.err+want {
			t.Errorf("ParseStages(%q):\n got %s\nwant %s", tt.spec, got, tt.err+want)
		}
		if _, ok := err.(*items.Error); !ok {
			t.Errorf("ParseStages(%q): %T, want *items.Error", tt.spec, err)
		}
	}
}

func TestConstantPlan(t *testing.T) {
	t.Parallel()
	good := []struct {
		rate float64
		d    time.Duration
		n    int64
		want Stage
	}{
		{50, 30 * time.Second, 0, Stage{Name: "30s@50", Duration: 30 * time.Second, From: 50, To: 50}},
		{2.5, 0, 1000, Stage{Name: "1000 requests@2.5", From: 2.5, To: 2.5, Requests: 1000}},
		{100, time.Minute, 500, Stage{Name: "1m0s@100 (max 500 requests)", Duration: time.Minute, From: 100, To: 100, Requests: 500}},
	}
	for _, tt := range good {
		p, err := ConstantPlan(tt.rate, tt.d, tt.n)
		if err != nil || len(p.Stages) != 1 || p.Stages[0] != tt.want {
			t.Errorf("ConstantPlan(%v, %v, %d) = %+v, %v; want %+v", tt.rate, tt.d, tt.n, p.Stages, err, tt.want)
		}
	}
	bad := []struct {
		rate float64
		d    time.Duration
		n    int64
		err  string
	}{
		{0, time.Second, 0, "runner: rate 0: want a rate from 0.001 to 1000000 per second"},
		{2e6, time.Second, 0, "runner: rate 2000000: want a rate from 0.001 to 1000000 per second"},
		{math.NaN(), time.Second, 0, "runner: rate NaN: want a rate from 0.001 to 1000000 per second"},
		{10, -time.Second, 0, "runner: duration -1s: want a duration > 0 and at most 168h0m0s"},
		{10, 0, -1, "runner: requests -1: want a count > 0"},
		{10, 0, 0, "runner: a constant rate needs a duration or a request count"},
	}
	for _, tt := range bad {
		_, err := ConstantPlan(tt.rate, tt.d, tt.n)
		if err == nil || err.Error() != tt.err {
			t.Errorf("ConstantPlan(%v, %v, %d): %v, want %s", tt.rate, tt.d, tt.n, err, tt.err)
		}
	}
}

func BenchmarkPacerNext(b *testing.B) {
	for _, spec := range []string{"1h@1000", "ramp:1h@10-5000", "10m@100,ramp:10m@100-5000,10m@5000"} {
		b.Run(spec, func(b *testing.B) {
			p, err := ParseStages(spec)
			if err != nil {
				b.Fatal(err)
			}
			pc := p.Pacer()
			b.ReportAllocs()
			for b.Loop() {
				if _, _, ok := pc.Next(); !ok {
					pc = p.Pacer()
				}
			}
		})
	}
}

func TestCountBounded(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		plan Plan
		want bool
	}{
		{mustPlan(ConstantPlan(100, time.Second, 0)), false},
		{mustPlan(ConstantPlan(100, 0, 50)), true},
		{mustPlan(ParseStages("1s@10,2s@20")), false},
	} {
		if got := tt.plan.CountBounded(); got != tt.want {
			t.Errorf("%v: CountBounded %v, want %v", tt.plan.Stages, got, tt.want)
		}
	}
}

package results

import (
	"errors"
	"slices"
	"testing"

	"github.com/tokenbench/tokenbench/internal/items"
)

func TestParseSLOs(t *testing.T) {
	t.Parallel()
	for expr, want := range map[string][]SLO{
		"p99<300ms,error_rate<0.1%,throughput>=95%":        {{Expr: "p99<300ms", Metric: "p99", Op: "<", Threshold: 300, Unit: MS}, {Expr: "error_rate<0.1%", Metric: "error_rate", Op: "<", Threshold: 0.1, Unit: Percent}, {Expr: "throughput>=95%", Metric: "throughput", Op: ">=", Threshold: 95, Unit: Percent}},
		" p50 <= 1.5ms , P999<2s ":                         {{Expr: "p50 <= 1.5ms", Metric: "p50", Op: "<=", Threshold: 1.5, Unit: MS}, {Expr: "P999<2s", Metric: "p999", Op: "<", Threshold: 2000, Unit: MS}},
		"max<500us,mean<250µs,p90>0.5ms,service_p99<100ms": {{Expr: "max<500us", Metric: "max", Op: "<", Threshold: 0.5, Unit: MS}, {Expr: "mean<250µs", Metric: "mean", Op: "<", Threshold: 0.25, Unit: MS}, {Expr: "p90>0.5ms", Metric: "p90", Op: ">", Threshold: 0.5, Unit: MS}, {Expr: "service_p99<100ms", Metric: "service_p99", Op: "<", Threshold: 100, Unit: MS}},
		"error_rate<=0.001,error_rate<=0":                  {{Expr: "error_rate<=0.001", Metric: "error_rate", Op: "<=", Threshold: 0.1, Unit: Percent}, {Expr: "error_rate<=0", Metric: "error_rate", Op: "<=", Threshold: 0, Unit: Percent}},
		"throughput>=180/s,throughput>180rps":              {{Expr: "throughput>=180/s", Metric: "throughput", Op: ">=", Threshold: 180, Unit: PerSecond}, {Expr: "throughput>180rps", Metric: "throughput", Op: ">", Threshold: 180, Unit: PerSecond}},
	} {
		got, err := ParseSLOs(expr)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("ParseSLOs(%q) = %+v, %v\nwant %+v", expr, got, err, want)
		}
	}
}

func TestParseSLOsErrors(t *testing.T) {
	t.Parallel()
	const want = "; want METRIC OP VALUE (e.g. p99<300ms, error_rate<0.1%, throughput>=95%)"
	tests := []struct{ expr, err string }{
		{"", `slo: empty`},
		{"p99<300ms,", `slo item 2 "" at column 11: empty item`},
		{"p98<300ms", `slo item 1 "p98<300ms" at column 1: unknown metric "p98" (known: p50, p90, p99, p999, min, max, mean, service_p50, service_p90, service_p99, service_p999, service_min, service_max, service_mean, throughput, error_rate, late)`},
		{"<300ms", `slo item 1 "<300ms" at column 1: unknown metric "" (known: p50, p90, p99, p999, min, max, mean, service_p50, service_p90, service_p99, service_p999, service_min, service_max, service_mean, throughput, error_rate, late)`},
		{"p99<300ms, p99=300ms", `slo item 2 "p99=300ms" at column 12: no comparison: want one of <, <=, >, >= after the metric`},
		{"p99<300", `slo item 1 "p99<300" at column 1: value "300" has no unit: write us, µs, ms or s (e.g. 300ms)`},
		{"p99<3m", `slo item 1 "p99<3m" at column 1: value "3m" is not a duration with a unit us, µs, ms or s (e.g. 300ms)`},
		{"p99<5ns", `slo item 1 "p99<5ns" at column 1: value "5ns" is not a duration with a unit us, µs, ms or s (e.g. 300ms)`},
		{"p99<-1ms", `slo item 1 "p99<-1ms" at column 1: value "-1ms" is not a duration with a unit us, µs, ms or s (e.g. 300ms)`},
		{"p99<", `slo item 1 "p99<" at column 1: value "" is not a duration with a unit us, µs, ms or s (e.g. 300ms)`},
		{"µ,p99<x", `slo item 1 "µ" at column 1: unknown metric "" (known: p50, p90, p99, p999, min, max, mean, service_p50, service_p90, service_p99, service_p999, service_min, service_max, service_mean, throughput, error_rate, late)`},
		{"p99<1µs,p50<x", `slo item 2 "p50<x" at column 9: value "x" is not a duration with a unit us, µs, ms or s (e.g. 300ms)`},
		{"error_rate<5", `slo item 1 "error_rate<5" at column 1: value "5" is more than 1 for a fraction: for a percentage write 5%`},
		{"error_rate<101%", `slo item 1 "error_rate<101%" at column 1: value "101%" is not a percentage from 0% to 100%`},
		{"error_rate<lots", `slo item 1 "error_rate<lots" at column 1: value "lots" is not a percentage (0.1%) or a fraction (0.001)`},
		{"throughput>=95", `slo item 1 "throughput>=95" at column 1: value "95" is neither a percentage of the target rate (95%) nor a rate (180/s or 180rps)`},
		{"throughput>=x%", `slo item 1 "throughput>=x%" at column 1: value "x%" is not a percentage of the target rate (e.g. 95%)`},
		{"throughput>=-5/s", `slo item 1 "throughput>=-5/s" at column 1: value "-5/s" is not a rate (e.g. 180/s)`},
		{"throughput>=NaN/s", `slo item 1 "throughput>=NaN/s" at column 1: value "NaN/s" is not a rate (e.g. 180/s)`},
	}
	for _, tt := range tests {
		_, err := ParseSLOs(tt.expr)
		var pe *items.Error
		if !errors.As(err, &pe) || pe.What != "slo" || err.Error() != tt.err+want {
			t.Errorf("ParseSLOs(%q) = %v (%T),\nwant *items.Error %s", tt.expr, err, err, tt.err+want)
		}
	}
}

func TestEvaluate(t *testing.T) {
	t.Parallel()
	open := &Load{Model: Open, Summary: Summary{
		Requests: 1000, Errors: 1, ErrorRate: 1.0 / 1000, ThroughputRPS: 190, TargetRPS: 200, Late: 30,
		LatencyMS:     Percentiles{P50: 4, P90: 40, P99: 300, P999: 900, Max: 1200, Mean: 12},
		ServiceTimeMS: Percentiles{P50: 3, P99: 80},
	}}
	closed := &Load{Model: Closed, Summary: Summary{Requests: 500, ThroughputRPS: 190, LatencyMS: Percentiles{P99: 10}}}
	empty := &Load{Model: Open, Summary: Summary{TargetRPS: 200}}
	tests := []struct {
		expr string
		r    *Load
		want []SLOResult // but for the SLO, the one parsed
	}{
		{"p99<300ms,p99<=300ms,p99<0.3001s,p999>1s,max>=1.2s", open, []SLOResult{{Observed: 300, Pass: false}, {Observed: 300, Pass: true}, {Observed: 300, Pass: true}, {Observed: 900, Pass: false}, {Observed: 1200, Pass: true}}},
		{"service_p99<100ms,mean<10ms", open, []SLOResult{{Observed: 80, Pass: true}, {Observed: 12, Pass: false}}},
		// 1 error in 1000 is exactly 0.1 %, whichever way it is written.
		{"error_rate<=0.1%,error_rate<=0.001,error_rate<0.1%,error_rate<1%", open, []SLOResult{{Observed: 0.1, Pass: true}, {Observed: 0.1, Pass: true}, {Observed: 0.1, Pass: false}, {Observed: 0.1, Pass: true}}},
		{"late<5%,late<=0.02", open, []SLOResult{{Observed: 3, Pass: true}, {Observed: 3, Pass: false}}},
		{"throughput>=95%,throughput>=96%,throughput>=180/s,throughput>200rps", open, []SLOResult{{Observed: 95, Pass: true}, {Observed: 95, Pass: false}, {Observed: 190, Pass: true}, {Observed: 190, Pass: false}}},
		// The closed model has no target rate: a percentage cannot pass.
		{"throughput>=95%,throughput>=180/s,p99<20ms", closed, []SLOResult{{Observed: 0, Pass: false, Note: "no target rate (closed model): give throughput as an absolute rate, e.g. throughput>=180/s"}, {Observed: 190, Pass: true}, {Observed: 10, Pass: true}}},
		// Nothing completed: nothing observed passes.
		{"error_rate<1%,p99<1s", empty, []SLOResult{{Note: "no request completed: nothing to judge, so the threshold fails"}, {Note: "no request completed: nothing to judge, so the threshold fails"}}},
		{"p99<1s", nil, []SLOResult{{Note: "no request completed: nothing to judge, so the threshold fails"}}},
	}
	for _, tt := range tests {
		slos, err := ParseSLOs(tt.expr)
		if err != nil {
			t.Fatal(err)
		}
		got := Evaluate(slos, tt.r)
		for i := range tt.want {
			if i < len(slos) {
				tt.want[i].SLO = slos[i]
			}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("Evaluate(%q)\n got %+v\nwant %+v", tt.expr, got, tt.want)
		}
		breached := slices.ContainsFunc(tt.want, func(r SLOResult) bool { return !r.Pass })
		if Breached(got) != breached {
			t.Errorf("Breached(%q) = %v, want %v", tt.expr, !breached, breached)
		}
	}
	if Breached(nil) {
		t.Error("Breached(nil)")
	}
}

func TestValidateSLOs(t *testing.T) {
	t.Parallel()
	slos, err := ParseSLOs("p99<1s,throughput>=95%")
	if err != nil {
		t.Fatal(err)
	}
	if err := ValidateSLOs(slos, Open); err != nil {
		t.Errorf("open: %v", err)
	}
	const want = `slo "throughput>=95%": the closed model has no target rate to compare with; use an absolute rate (e.g. throughput>=180/s)`
	if err := ValidateSLOs(slos, Closed); err == nil || err.Error() != want {
		t.Errorf("closed: %v\nwant %s", err, want)
	}
}

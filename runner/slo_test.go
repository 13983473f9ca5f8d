package runner

import (
	"errors"
	"slices"
	"testing"
)

func TestParseSLOs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr string
		want []SLO
	}{
		{"p99<300ms,error_rate<0.1%,throughput>=95%", []SLO{
			{Expr: "p99<300ms", Metric: "p99", Op: "<", Threshold: 300, Unit: "ms"},
			{Expr: "error_rate<0.1%", Metric: "error_rate", Op: "<", Threshold: 0.1, Unit: "%"},
			{Expr: "throughput>=95%", Metric: "throughput", Op: ">=", Threshold: 95, Unit: "%"},
		}},
		{" p50 <= 1.5ms , P999<2s ", []SLO{
			{Expr: "p50 <= 1.5ms", Metric: "p50", Op: "<=", Threshold: 1.5, Unit: "ms"},
			{Expr: "P999<2s", Metric: "p999", Op: "<", Threshold: 2000, Unit: "ms"},
		}},
		{"max<500us,mean<250µs,p90>0.5ms,service_p99<100ms", []SLO{
			{Expr: "max<500us", Metric: "max", Op: "<", Threshold: 0.5, Unit: "ms"},
			{Expr: "mean<250µs", Metric: "mean", Op: "<", Threshold: 0.25, Unit: "ms"},
			{Expr: "p90>0.5ms", Metric: "p90", Op: ">", Threshold: 0.5, Unit: "ms"},
			{Expr: "service_p99<100ms", Metric: "service_p99", Op: "<", Threshold: 100, Unit: "ms"},
		}},
		{"error_rate<=0.001,error_rate<=0", []SLO{
			{Expr: "error_rate<=0.001", Metric: "error_rate", Op: "<=", Threshold: 0.1, Unit: "%"},
			{Expr: "error_rate<=0", Metric: "error_rate", Op: "<=", Threshold: 0, Unit: "%"},
		}},
		{"throughput>=180/s,throughput>180rps", []SLO{
			{Expr: "throughput>=180/s", Metric: "throughput", Op: ">=", Threshold: 180, Unit: "rps"},
			{Expr: "throughput>180rps", Metric: "throughput", Op: ">", Threshold: 180, Unit: "rps"},
		}},
	}
	for _, tt := range tests {
		got, err := ParseSLOs(tt.expr)
		if err != nil {
			t.Errorf("ParseSLOs(%q): %v", tt.expr, err)
			continue
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("ParseSLOs(%q)\n got %+v\nwant %+v", tt.expr, got, tt.want)
		}
	}
}

func TestParseSLOsErrors(t *testing.T) {
	t.Parallel()
	const want = "; want METRIC OP VALUE (e.g. p99<300ms, error_rate<0.1%, throughput>=95%)"
	tests := []struct{ expr, err string }{
		{"", `runner: slo: empty`},
		{"p99<300ms,", `runner: slo item 2 "" at column 11: empty item`},
		{"p98<300ms", `runner: slo item 1 "p98<300ms" at column 1: unknown metric "p98" (known: p50, p90, p99, p999, min, max, mean, service_p50, service_p90, service_p99, service_p999, service_min, service_max, service_mean, error_rate, throughput)`},
		{"<300ms", `runner: slo item 1 "<300ms" at column 1: unknown metric "" (known: p50, p90, p99, p999, min, max, mean, service_p50, service_p90, service_p99, service_p999, service_min, service_max, service_mean, error_rate, throughput)`},
		{"p99<300ms, p99=300ms", `runner: slo item 2 "p99=300ms" at column 12: no comparison: want one of <, <=, >, >= after the metric`},
		{"p99<300", `runner: slo item 1 "p99<300" at column 1: value "300" has no unit: write us, µs, ms or s (e.g. 300ms)`},
		{"p99<3m", `runner: slo item 1 "p99<3m" at column 1: value "3m" is not a duration with a unit us, µs, ms or s (e.g. 300ms)`},
		{"p99<5ns", `runner: slo item 1 "p99<5ns" at column 1: value "5ns" is not a duration with a unit us, µs, ms or s (e.g. 300ms)`},
		{"p99<-1ms", `runner: slo item 1 "p99<-1ms" at column 1: value "-1ms" is not a duration with a unit us, µs, ms or s (e.g. 300ms)`},
		{"p99<", `runner: slo item 1 "p99<" at column 1: value "" is not a duration with a unit us, µs, ms or s (e.g. 300ms)`},
		{"µ,p99<x", `runner: slo item 1 "µ" at column 1: unknown metric "" (known: p50, p90, p99, p999, min, max, mean, service_p50, service_p90, service_p99, service_p999, service_min, service_max, service_mean, error_rate, throughput)`},
		{"p99<1µs,p50<x", `runner: slo item 2 "p50<x" at column 9: value "x" is not a duration with a unit us, µs, ms or s (e.g. 300ms)`},
		{"error_rate<5", `runner: slo item 1 "error_rate<5" at column 1: value "5" is more than 1 for a fraction: for a percentage write 5%`},
		{"error_rate<101%", `runner: slo item 1 "error_rate<101%" at column 1: value "101%" is not a percentage from 0% to 100%`},
		{"error_rate<lots", `runner: slo item 1 "error_rate<lots" at column 1: value "lots" is not a percentage (0.1%) or a fraction (0.001)`},
		{"throughput>=95", `runner: slo item 1 "throughput>=95" at column 1: value "95" is neither a percentage of the target rate (95%) nor a rate (180/s or 180rps)`},
		{"throughput>=x%", `runner: slo item 1 "throughput>=x%" at column 1: value "x%" is not a percentage of the target rate (e.g. 95%)`},
		{"throughput>=-5/s", `runner: slo item 1 "throughput>=-5/s" at column 1: value "-5/s" is not a rate (e.g. 180/s)`},
		{"throughput>=NaN/s", `runner: slo item 1 "throughput>=NaN/s" at column 1: value "NaN/s" is not a rate (e.g. 180/s)`},
	}
	for _, tt := range tests {
		_, err := ParseSLOs(tt.expr)
		if err == nil {
			t.Errorf("ParseSLOs(%q): no error", tt.expr)
			continue
		}
		if got := err.Error(); got != tt.err+want {
			t.Errorf("ParseSLOs(%q):\n got %s\nwant %s", tt.expr, got, tt.err+want)
		}
		var pe *ParseError
		if !errors.As(err, &pe) || pe.What != "slo" {
			t.Errorf("ParseSLOs(%q): %T, want *ParseError", tt.expr, err)
		}
	}
}

func TestEvaluate(t *testing.T) {
	t.Parallel()
	open := &Result{Model: Open, Summary: Summary{
		Requests: 1000, Errors: 1, ErrorRate: 1.0 / 1000, ThroughputRPS: 190, TargetRPS: 200,
		LatencyMS:     Percentiles{P50: 4, P90: 40, P99: 300, P999: 900, Max: 1200, Mean: 12},
		ServiceTimeMS: Percentiles{P50: 3, P99: 80},
	}}
	closed := &Result{Model: Closed, Summary: Summary{Requests: 500, ThroughputRPS: 190, LatencyMS: Percentiles{P99: 10}}}
	empty := &Result{Model: Open, Summary: Summary{TargetRPS: 200}}
	tests := []struct {
		expr string
		r    *Result
		want []SLOResult
	}{
		{"p99<300ms,p99<=300ms,p99<0.3001s,p999>1s,max>=1.2s", open, []SLOResult{
			{Expr: "p99<300ms", Observed: 300, Unit: "ms", Pass: false},
			{Expr: "p99<=300ms", Observed: 300, Unit: "ms", Pass: true},
			{Expr: "p99<0.3001s", Observed: 300, Unit: "ms", Pass: true},
			{Expr: "p999>1s", Observed: 900, Unit: "ms", Pass: false},
			{Expr: "max>=1.2s", Observed: 1200, Unit: "ms", Pass: true},
		}},
		{"service_p99<100ms,mean<10ms", open, []SLOResult{
			{Expr: "service_p99<100ms", Observed: 80, Unit: "ms", Pass: true},
			{Expr: "mean<10ms", Observed: 12, Unit: "ms", Pass: false},
		}},
		// 1 error in 1000 is exactly 0.1 %, whichever way it is written.
		{"error_rate<=0.1%,error_rate<=0.001,error_rate<0.1%,error_rate<1%", open, []SLOResult{
			{Expr: "error_rate<=0.1%", Observed: 0.1, Unit: "%", Pass: true},
			{Expr: "error_rate<=0.001", Observed: 0.1, Unit: "%", Pass: true},
			{Expr: "error_rate<0.1%", Observed: 0.1, Unit: "%", Pass: false},
			{Expr: "error_rate<1%", Observed: 0.1, Unit: "%", Pass: true},
		}},
		{"throughput>=95%,throughput>=96%,throughput>=180/s,throughput>200rps", open, []SLOResult{
			{Expr: "throughput>=95%", Observed: 95, Unit: "%", Pass: true},
			{Expr: "throughput>=96%", Observed: 95, Unit: "%", Pass: false},
			{Expr: "throughput>=180/s", Observed: 190, Unit: "rps", Pass: true},
			{Expr: "throughput>200rps", Observed: 190, Unit: "rps", Pass: false},
		}},
		// The closed model has no target rate: a percentage cannot pass.
		{"throughput>=95%,throughput>=180/s,p99<20ms", closed, []SLOResult{
			{Expr: "throughput>=95%", Observed: 0, Unit: "%", Pass: false, Note: "no target rate (closed model): give throughput as an absolute rate, e.g. throughput>=180/s"},
			{Expr: "throughput>=180/s", Observed: 190, Unit: "rps", Pass: true},
			{Expr: "p99<20ms", Observed: 10, Unit: "ms", Pass: true},
		}},
		// Nothing completed: nothing observed passes.
		{"error_rate<1%,p99<1s", empty, []SLOResult{
			{Expr: "error_rate<1%", Unit: "%", Note: "no request completed: nothing to judge, so the threshold fails"},
			{Expr: "p99<1s", Unit: "ms", Note: "no request completed: nothing to judge, so the threshold fails"},
		}},
		{"p99<1s", nil, []SLOResult{{Expr: "p99<1s", Unit: "ms", Note: "no request completed: nothing to judge, so the threshold fails"}}},
	}
	for _, tt := range tests {
		slos, err := ParseSLOs(tt.expr)
		if err != nil {
			t.Fatal(err)
		}
		got := Evaluate(slos, tt.r)
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
	const want = `runner: slo "throughput>=95%": the closed model has no target rate to compare with; use an absolute rate (e.g. throughput>=180/s)`
	if err := ValidateSLOs(slos, Closed); err == nil || err.Error() != want {
		t.Errorf("closed: %v\nwant %s", err, want)
	}
}

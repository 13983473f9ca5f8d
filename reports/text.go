package reports

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/tokenbench/tokenbench/reports/format"
	"github.com/tokenbench/tokenbench/runner/results"
)

// WriteLoadText writes the short summary of a load run, as printed at the
// end of one: one line a topic, tab-aligned, escaped for a terminal and a
// CI log (format.Lines).
func WriteLoadText(w io.Writer, r *results.Load) error {
	return format.WriteLines(w, func(w io.Writer) error { return writeLoadText(w, r) })
}

func writeLoadText(w io.Writer, r *results.Load) error {
	s := r.Summary
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	state := "completed"
	switch {
	case r.Interrupted:
		state = "INTERRUPTED"
	case r.Aborted != "":
		state = "ABORTED: " + r.Aborted
	}
	if len(r.MissingShards) > 0 {
		state += "; INCOMPLETE: " + results.MissingText(r.MissingShards, len(r.MergedFrom))
	}
	fmt.Fprintf(tw, "run\t%s model, %s, %.1f s measured (%s)\n", r.Model, r.Target.TokenEndpoint, r.DurationS, state)
	writeTextNotices(tw, r.Target.Notices)
	if s := shardsText(r); s != "" {
		fmt.Fprintf(tw, "shards\t%s\n", s)
	}
	if s := startText(r); s != "" {
		fmt.Fprintf(tw, "start\t%s\n", s)
	}
	rate := fmt.Sprintf("%.1f/s", s.ThroughputRPS)
	if s.TargetRPS > 0 {
		rate += fmt.Sprintf(" (target %.1f/s, %.1f%%)", s.TargetRPS, 100*s.ThroughputRPS/s.TargetRPS)
	}
	fmt.Fprintf(tw, "requests\t%d, ok %d, errors %d (%.3f%%), throughput %s\n", s.Requests, s.OK, s.Errors, 100*s.ErrorRate, rate)
	what := "from the intended send time"
	if r.Model == results.Closed {
		what = "service time (closed model)"
	}
	fmt.Fprintf(tw, "latency\t%s  [%s]\n", textPercentiles(s.LatencyMS), what)
	fmt.Fprintf(tw, "service\t%s  [from the actual send]\n", textPercentiles(s.ServiceTimeMS))
	if r.Model == results.Open {
		fmt.Fprintf(tw, "schedule\tlate %d, unsent %d, lag p99 %.2f ms, max %.2f ms\n", s.Late, s.Unsent, s.ScheduleLagMS.P99, s.ScheduleLagMS.Max)
	}
	if g := grantText(r); g != "" {
		fmt.Fprintf(tw, "grant\t%s\n", g)
	}
	if c := r.Chains; c != nil {
		fmt.Fprintf(tw, "chains\t%s\n", chainsText(c))
		fmt.Fprintf(tw, "reuse probes\t%s\n", probesText(c))
	}
	fmt.Fprintf(tw, "codes\tobtained %d, dropped %d, obtain p99 %.2f ms, requests that waited for a code %d\n", s.Codes.Obtained, s.Codes.Dropped, s.Codes.P99MS, s.Codes.Waits)
	if a := s.Auth; a != nil {
		what := "adding it"
		if a.Signs() {
			what = "signing a fresh client assertion"
		}
		fmt.Fprintf(tw, "client auth\t%s, %d requests; %s took p50 %.3f ms, p99 %.3f ms per request (apart from the exchange latency)\n", a.Method, a.Requests, what, a.TimeMS.P50, a.TimeMS.P99)
	}
	fmt.Fprintf(tw, "outcomes\t%s\n", textCounts(s.Outcomes))
	if len(s.CheckFailures) > 0 {
		fmt.Fprintf(tw, "check failures\t%s (of %d validated)\n", textCounts(s.CheckFailures), s.Validated)
	} else {
		fmt.Fprintf(tw, "validated\t%d responses, no check failed\n", s.Validated)
	}
	if s.OutOfRange > 0 {
		fmt.Fprintf(tw, "out of range\t%d latencies outside 1 µs..60 s (counted, not in the percentiles)\n", s.OutOfRange)
	}
	if len(r.Stages) > 1 {
		for _, st := range r.Stages {
			fmt.Fprintf(tw, "stage %s\t%.1f/s of %.1f/s, p50 %.2f ms, p99 %.2f ms, errors %d\n", st.Name, st.Summary.ThroughputRPS, st.TargetRate, st.Summary.LatencyMS.P50, st.Summary.LatencyMS.P99, st.Summary.Errors)
		}
	}
	for _, l := range r.Limits {
		fmt.Fprintf(tw, "limited by\t%s\n", l)
	}
	for _, slo := range r.SLO {
		verdict := "pass"
		if !slo.Pass {
			verdict = "BREACHED"
		}
		fmt.Fprintf(tw, "slo\t%-24s observed %.3f %s  %s\n", slo.Expr, slo.Observed, slo.Unit, verdict)
	}
	return tw.Flush()
}

// writeTextNotices writes a result's notices, one a line.
func writeTextNotices(w io.Writer, notices []results.Notice) {
	for _, n := range notices {
		fmt.Fprintf(w, "NOTICE\t%s\n", n.Text)
	}
}

func textPercentiles(p results.Percentiles) string {
	return fmt.Sprintf("min %.2f  p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f ms (mean %.2f)", p.Min, p.P50, p.P90, p.P99, p.P999, p.Max, p.Mean)
}

func textCounts(m map[string]int64) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s %d", format.Text(k), m[k]))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// WriteCapacityText writes a capacity search's steps as a table and its
// findings under it, as printed at the end of one, escaped for a terminal
// and a CI log (format.Lines).
func WriteCapacityText(w io.Writer, r *results.Capacity) error {
	return format.WriteLines(w, func(w io.Writer) error { return writeCapacityText(w, r) })
}

func writeCapacityText(w io.Writer, r *results.Capacity) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "step\toffered\tachieved\tratio\tp50 ms\tp99 ms\terrors\tin flight\tλ·service\tSLO\t")
	for _, st := range r.Steps {
		name := fmt.Sprint(st.Index + 1)
		if st.Confirm {
			name += " (confirm)"
		}
		verdict := "pass"
		if !st.Pass {
			verdict = "FAIL"
		}
		var marks []string
		if st.Index == r.MaxSustainableStep {
			marks = append(marks, "max sustainable")
		}
		if r.Knee != nil && r.Knee.Reached && st.Index == r.Knee.Step {
			marks = append(marks, "knee")
		}
		if st.CodeLimited {
			marks = append(marks, "code supply")
		}
		if st.Little.HiddenQueueing {
			marks = append(marks, "hidden queueing")
		}
		mark := ""
		if len(marks) > 0 {
			mark = " ← " + strings.Join(marks, ", ")
		}
		fmt.Fprintf(tw, "%s\t%.1f/s\t%.1f/s\t%.2f\t%.1f\t%.1f\t%.2f%%\t%.2f\t%.2f\t%s\t%s\n", name, st.OfferedRPS, st.ThroughputRPS, st.Ratio,
			st.P50MS, st.P99MS, 100*st.ErrorRate, st.Little.MeanInFlight, st.Little.ServiceL, verdict, mark)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	writeTextNotices(tw, r.Target.Notices)
	fmt.Fprintf(tw, "slo\t%s (latency from the intended send time; throughput as achieved)\n", r.Config.SLO)
	switch {
	case r.MaxSustainableStep < 0:
		fmt.Fprintf(tw, "maximum sustainable\tnone: no step met the SLO\n")
	case r.Bounded:
		fmt.Fprintf(tw, "maximum sustainable\t%.1f/s (step %d), the highest offered rate that met the SLO\n", r.MaxSustainableRPS, r.MaxSustainableStep+1)
	default:
		fmt.Fprintf(tw, "maximum sustainable\tat least %.1f/s (step %d): no step above it failed the SLO\n", r.MaxSustainableRPS, r.MaxSustainableStep+1)
	}
	if k := r.Knee; k != nil {
		switch {
		case k.Step < 0:
			fmt.Fprintf(tw, "knee\t%s\n", k.Reason)
		case k.Reached:
			fmt.Fprintf(tw, "knee\t%.1f/s (step %d), the highest offered rate that kept up: %s\n", k.OfferedRPS, k.Step+1, k.Reason)
		default:
			fmt.Fprintf(tw, "knee\t%s\n", k.Reason)
		}
		fmt.Fprintf(tw, "\t(keeping up: achieved ≥ %.0f%% of offered and p99 ≤ %.0f× the first steps' %.1f ms)\n", 100*results.KneeMinRatio, results.KneeMaxP99Growth, k.BaselineP99MS)
	}
	if len(r.HiddenQueueing) == 0 {
		fmt.Fprintf(tw, "little's law\tin flight ≈ throughput × mean service time at every step (within %.0f%%): no hidden queueing in the generator\n", 100*results.LittleTolerance)
	}
	for _, i := range r.HiddenQueueing {
		fmt.Fprintf(tw, "little's law\tstep %d: %s\n", i+1, r.Steps[i].Little.Note)
	}
	fmt.Fprintf(tw, "stopped\t%s\n", r.Stopped)
	return tw.Flush()
}

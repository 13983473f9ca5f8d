package runner

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Output file names.
const (
	LoadJSONFile = "load.json"
	LoadHlogFile = "load.hlog"
)

// WriteJSON writes r as indented JSON.
func (r *Result) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteHlog writes the per-second histograms as an HdrHistogram interval
// log (the format of HdrHistogram's HistogramLogWriter), two tagged series:
// Tag=latency (from the intended send time) and Tag=service (from the
// actual send), values in microseconds.
//
// https://github.com/HdrHistogram/HdrHistogram/blob/master/GoogleChartsExample/README.md
func (r *Result) WriteHlog(w io.Writer) error {
	lw := hdr.NewHistogramLogWriter(w)
	startMs := r.IntervalEpoch * 1000
	if err := lw.OutputLogFormatVersion(); err != nil {
		return err
	}
	if err := lw.OutputComment(fmt.Sprintf("[tokenbench %s load run against %s, values in microseconds]", r.Tool.Version, r.Target.TokenEndpoint)); err != nil {
		return err
	}
	if err := lw.OutputStartTime(startMs); err != nil {
		return err
	}
	lw.SetBaseTime(startMs)
	if err := lw.OutputBaseTime(startMs); err != nil {
		return err
	}
	if err := lw.OutputLegend(); err != nil {
		return err
	}
	for _, iv := range r.Intervals {
		if iv.HDR == nil {
			continue
		}
		for _, s := range []struct{ tag, enc string }{{"latency", iv.HDR.Latency}, {"service", iv.HDR.Service}} {
			h, err := DecodeHist(s.enc)
			if err != nil {
				return err
			}
			h.SetTag(s.tag)
			h.SetStartTimeMs(startMs + int64(iv.T*1000))
			h.SetEndTimeMs(startMs + int64(iv.T*1000) + 1000)
			if err := lw.OutputIntervalHistogram(h); err != nil {
				return err
			}
		}
	}
	return nil
}

// WriteFiles writes load.json and load.hlog into dir and returns their paths.
func (r *Result) WriteFiles(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var paths []string
	for _, f := range []struct {
		name  string
		write func(io.Writer) error
	}{{LoadJSONFile, r.WriteJSON}, {LoadHlogFile, r.WriteHlog}} {
		p := filepath.Join(dir, f.name)
		if err := writeFile(p, f.write); err != nil {
			return paths, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}

func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return f.Close()
}

// WriteText writes the short summary printed at the end of a run.
func (r *Result) WriteText(w io.Writer) error {
	s := r.Summary
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	state := "completed"
	switch {
	case r.Interrupted:
		state = "INTERRUPTED"
	case r.Aborted != "":
		state = "ABORTED: " + r.Aborted
	}
	fmt.Fprintf(tw, "run\t%s model, %s, %.1f s measured (%s)\n", r.Model, r.Target.TokenEndpoint, r.DurationS, state)
	rate := fmt.Sprintf("%.1f/s", s.ThroughputRPS)
	if s.TargetRPS > 0 {
		rate += fmt.Sprintf(" (target %.1f/s, %.1f%%)", s.TargetRPS, 100*s.ThroughputRPS/s.TargetRPS)
	}
	fmt.Fprintf(tw, "requests\t%d, ok %d, errors %d (%.3f%%), throughput %s\n", s.Requests, s.OK, s.Errors, 100*s.ErrorRate, rate)
	what := "from the intended send time"
	if r.Model == Closed {
		what = "service time (closed model)"
	}
	fmt.Fprintf(tw, "latency\t%s  [%s]\n", fmtP(s.LatencyMS), what)
	fmt.Fprintf(tw, "service\t%s  [from the actual send]\n", fmtP(s.ServiceTimeMS))
	if r.Model == Open {
		fmt.Fprintf(tw, "schedule\tlate %d, unsent %d, lag p99 %.2f ms, max %.2f ms\n", s.Late, s.Unsent, s.ScheduleLagMS.P99, s.ScheduleLagMS.Max)
	}
	fmt.Fprintf(tw, "codes\tobtained %d, dropped %d, obtain p99 %.2f ms, requests that waited for a code %d\n", s.Codes.Obtained, s.Codes.Dropped, s.Codes.P99MS, s.Codes.Waits)
	fmt.Fprintf(tw, "outcomes\t%s\n", fmtCounts(s.Outcomes))
	if len(s.CheckFailures) > 0 {
		fmt.Fprintf(tw, "check failures\t%s (of %d validated)\n", fmtCounts(s.CheckFailures), s.Validated)
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

func fmtP(p Percentiles) string {
	return fmt.Sprintf("min %.2f  p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f ms (mean %.2f)", p.Min, p.P50, p.P90, p.P99, p.P999, p.Max, p.Mean)
}

func fmtCounts(m map[string]int64) string {
	var parts []string
	for _, k := range sortedKeys(m) {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

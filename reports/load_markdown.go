package reports

import (
	"fmt"
	"io"
	"strings"

	"github.com/tokenbench/tokenbench/reports/format"
	"github.com/tokenbench/tokenbench/runner/results"
)

// WriteLoadMarkdown writes the short form of the load report for a CI job
// page (GitHub's step summary, GitLab's): the verdict with every SLO, the
// headline figures, the per-stage table and what limited the run. It has
// no charts; the HTML report (WriteLoadHTML) does.
func WriteLoadMarkdown(w io.Writer, r *results.Load) error {
	if r == nil {
		return fmt.Errorf("reports: load markdown: %w", errNoResult)
	}
	v := newLoadTextView(r)
	v.Shards = shardRows(r)
	var b strings.Builder
	p := func(f string, args ...any) { fmt.Fprintf(&b, f, args...) }

	p("## tokenbench load: %s (%s)\n\n", v.Word, format.MDCell(runLine(r)))
	p("**%s**\n", format.MDInline(v.Headline))
	writeMDNotices(&b, r.Target.Notices)
	if r.Aborted != "" {
		p("\n> **Aborted** (--abort-on-error-rate): %s. The figures cover the part that ran.\n", format.MDInline(r.Aborted))
	}
	if r.Interrupted {
		p("\n> **Interrupted** before the plan's end: the figures cover the part that ran.\n")
	}

	if len(v.SLOs) > 0 {
		p("\n| SLO | Measures | Observed | Threshold | Result |\n|---|---|---:|---:|---|\n")
		for _, s := range v.SLOs {
			result := "pass"
			if !s.Pass {
				result = "**BREACHED**"
			}
			if s.Note != "" {
				result += ": " + format.MDCell(s.Note)
			}
			p("| `%s` | %s, %s | %s | %s | %s |\n", format.MDCode(s.Expr), format.MDCell(s.What), format.MDCell(s.From), format.MDCell(s.Observed), format.MDCell(format.OrDash(s.Threshold)), result)
		}
	}

	s := r.Summary
	lat, latFrom := s.LatencyMS, "from the intended send time"
	if r.Model == results.Closed {
		lat, latFrom = s.ServiceTimeMS, "service time, closed model"
	}
	target := "—"
	if s.TargetRPS > 0 {
		target = fmt.Sprintf("%s (%s)", format.Rate(s.TargetRPS), format.Percent(s.ThroughputRPS/s.TargetRPS))
	}
	p("\n| Requests | Throughput | Target (achieved share) | Error rate | p50 | p99 | p99 service time |\n|---:|---:|---:|---:|---:|---:|---:|\n")
	p("| %s | %s | %s | %s (%s) | %s | %s | %s |\n", format.Int(s.Requests), format.Rate(s.ThroughputRPS), target,
		format.Percent(s.ErrorRate), format.Int(s.Errors), format.MS(lat.P50), format.MS(lat.P99), format.MS(s.ServiceTimeMS.P99))
	p("\n<sub>p50 and p99: latency %s; service time from the actual send; throughput: completed requests per second.</sub>\n", latFrom)

	if len(r.Stages) > 0 {
		p("\n### Stages\n\n| Stage | Target | Achieved | p50 | p90 | p99 | Max | Errors | Late |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
		for _, st := range v.Stages {
			achieved := st.Achieved
			if st.Share != "" {
				achieved += " (" + st.Share + ")"
			}
			p("| `%s` | %s | %s | %s | %s | %s | %s | %s | %s |\n", format.MDCode(st.Name), st.Target, achieved, st.P50, st.P90, st.P99, st.Max, st.Errors, st.Late)
		}
	}
	if g := grantText(r); g != "" {
		p("\n**Grant**: %s\n", format.MDInline(g))
	}
	if c := r.Chains; c != nil {
		p("\n**Refresh chains**: %s\n\n**Reuse probes**: %s\n", format.MDInline(chainsText(c)), format.MDInline(probesText(c)))
	}
	if s.Auth.Signs() {
		p("\n**Client authentication**: %s, a fresh client assertion signed per request in %s (p50) / %s (p99), apart from the exchange latency\n",
			format.MDCode(s.Auth.Method), format.MS(s.Auth.TimeMS.P50), format.MS(s.Auth.TimeMS.P99))
	}
	if len(s.CheckFailures) > 0 {
		p("\n**Check failures** (of %s validated): %s\n", format.Int(s.Validated), format.MDCell(countsText(s.CheckFailures)))
	}
	if s.Errors > 0 {
		p("\n**Outcomes**: %s\n", format.MDCell(countsText(s.Outcomes)))
	}

	if len(v.Shards) > 0 {
		p("\n### Shards\n\n| Shard | Result file | Began (UTC) | After the start time | Requests |\n|---|---|---:|---:|---:|\n")
		for _, sh := range shardRows(r) {
			src := format.MDCell(sh.Source)
			if sh.Missing {
				src = "**missing**"
			}
			p("| `%s` | %s | %s | %s | %s |\n", format.MDCode(sh.Shard), src, sh.Start, sh.Skew, sh.Requests)
		}
	}
	if st := startText(r); st != "" {
		p("\n<sub>Start time %s.</sub>\n", format.MDInline(st))
	}

	p("\n### What limited this run\n\n")
	if len(r.Limits) == 0 {
		p("%s\n", format.MDInline(v.NotLimited))
	} else {
		for _, l := range v.Limits {
			p("- **%s**: %s\n", format.MDInline(l.Kind), format.MDInline(l.Text))
		}
	}
	p("\n<sub>%s</sub>\n", format.MDInline(v.LimitFacts))

	more := []string{format.Seconds(r.DurationS) + " measured"}
	if r.Config.SLO != "" {
		more = append(more, "slo `"+format.MDCode(r.Config.SLO)+"`")
	}
	p("\n<sub>%s</sub>\n", summaryMeta(r.Tool.Version, r.Target.Source, r.Target.Issuer, r.Profile, r.Start, more...))
	return writeSummary(w, "load markdown", &b)
}

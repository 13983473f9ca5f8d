package reports

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/tokenbench/tokenbench/runner"
)

// WriteLoadMarkdown writes the short form of the load report for a CI job
// page (GitHub's step summary, GitLab's): the verdict with every SLO, the
// headline figures, the per-stage table and what limited the run. It has
// no charts; the HTML report (WriteLoadHTML) does.
func WriteLoadMarkdown(w io.Writer, r *runner.Result) error {
	if r == nil {
		return fmt.Errorf("reports: load markdown: %w", errNoResult)
	}
	v := newLoadTextView(r)
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }

	p("## tokenbench load: %s (%s)\n\n", v.Word, mdCell(runLine(r)))
	p("**%s**\n", mdInline(v.Headline))
	if r.Aborted != "" {
		p("\n> **Aborted** (--abort-on-error-rate): %s. The figures cover the part that ran.\n", mdInline(r.Aborted))
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
				result += ": " + mdCell(s.Note)
			}
			p("| `%s` | %s, %s | %s | %s | %s |\n", mdCode(s.Expr), mdCell(s.What), mdCell(s.From), mdCell(s.Observed), mdCell(orDash(s.Threshold)), result)
		}
	}

	s := r.Summary
	lat, latFrom := s.LatencyMS, "from the intended send time"
	if r.Model == runner.Closed {
		lat, latFrom = s.ServiceTimeMS, "service time, closed model"
	}
	target := "—"
	if s.TargetRPS > 0 {
		target = fmt.Sprintf("%s (%s)", rateText(s.TargetRPS), pctText(s.ThroughputRPS/s.TargetRPS))
	}
	p("\n| Requests | Throughput | Target (achieved share) | Error rate | p50 | p99 | p99 service time |\n|---:|---:|---:|---:|---:|---:|---:|\n")
	p("| %s | %s | %s | %s (%s) | %s | %s | %s |\n", intText(s.Requests), rateText(s.ThroughputRPS), target,
		pctText(s.ErrorRate), intText(s.Errors), msText(lat.P50), msText(lat.P99), msText(s.ServiceTimeMS.P99))
	p("\n<sub>p50 and p99: latency %s; service time from the actual send; throughput: completed requests per second.</sub>\n", latFrom)

	if len(r.Stages) > 0 {
		p("\n### Stages\n\n| Stage | Target | Achieved | p50 | p90 | p99 | Max | Errors | Late |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
		for _, st := range v.Stages {
			achieved := st.Achieved
			if st.Share != "" {
				achieved += " (" + st.Share + ")"
			}
			p("| `%s` | %s | %s | %s | %s | %s | %s | %s | %s |\n", mdCode(st.Name), st.Target, achieved, st.P50, st.P90, st.P99, st.Max, st.Errors, st.Late)
		}
	}
	if len(s.CheckFailures) > 0 {
		p("\n**Check failures** (of %s validated): %s\n", intText(s.Validated), mdCell(countsText(s.CheckFailures)))
	}
	if s.Errors > 0 {
		p("\n**Outcomes**: %s\n", mdCell(countsText(s.Outcomes)))
	}

	p("\n### What limited this run\n\n")
	if len(r.Limits) == 0 {
		p("%s\n", mdInline(v.NotLimited))
	} else {
		for _, l := range v.Limits {
			p("- **%s**: %s\n", mdInline(l.Kind), mdInline(l.Text))
		}
	}
	p("\n<sub>%s</sub>\n", mdInline(v.LimitFacts))

	meta := []string{"tokenbench " + orDash(r.Tool.Version)}
	if r.Target.Source != "" {
		meta = append(meta, "target "+mdCell(r.Target.Source))
	}
	if r.Target.Issuer != "" {
		meta = append(meta, "issuer "+mdCell(r.Target.Issuer))
	}
	if r.Profile != "" {
		meta = append(meta, "profile "+mdCell(r.Profile))
	}
	if !r.Start.IsZero() {
		meta = append(meta, "started "+r.Start.Format(time.RFC3339))
	}
	meta = append(meta, runTime(r.DurationS)+" measured")
	if r.Config.SLO != "" {
		meta = append(meta, "slo `"+mdCode(r.Config.SLO)+"`")
	}
	p("\n<sub>%s</sub>\n", strings.Join(meta, " · "))
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("reports: load markdown: %w", err)
	}
	return nil
}

// mdInline is mdCell without the length bound: for the report's own
// sentences, which are long but never run away.
func mdInline(s string) string {
	s = strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
	return strings.NewReplacer("|", `\|`, "<", "&lt;", ">", "&gt;", "&", "&amp;").Replace(s)
}

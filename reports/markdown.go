package reports

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/tokenbench/tokenbench/reports/format"
	"github.com/tokenbench/tokenbench/runner/results"
)

// writeSummary writes a Markdown summary, built whole, to w; what names it
// in errors.
func writeSummary(w io.Writer, what string, b *strings.Builder) error {
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("reports: %s: %w", what, err)
	}
	return nil
}

// summaryMeta is the line of metadata under a summary: the tool's version,
// the target, the issuer, the profile, the start, then more.
func summaryMeta(version, target, issuer, profile string, start time.Time, more ...string) string {
	meta := []string{"tokenbench " + format.OrDash(version)}
	for _, f := range []struct{ label, value string }{{"target", target}, {"issuer", issuer}, {"profile", profile}} {
		if f.value != "" {
			meta = append(meta, f.label+" "+format.MDCell(f.value))
		}
	}
	if !start.IsZero() {
		meta = append(meta, "started "+start.Format(time.RFC3339))
	}
	return strings.Join(append(meta, more...), " · ")
}

// writeMDNotices writes a report's notices as quoted paragraphs.
func writeMDNotices(b *strings.Builder, notices []results.Notice) {
	for _, n := range notices {
		fmt.Fprintf(b, "\n> **Notice**: %s\n", format.MDInline(n.Text))
	}
}

// mdSkipReasons is how many skip reasons the Markdown summary lists.
const mdSkipReasons = 3

// WriteMarkdown writes the short form of the report for a CI job page (a
// GitHub step summary, for example): the verdict, the counts, the failing,
// warning and known rows, the skip reasons and the run metadata. It carries
// no exchanges; the HTML report has the evidence.
func (c *Conformance) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	p := func(f string, args ...any) { fmt.Fprintf(&b, f, args...) }

	p("## tokenbench conformance: %s (%s)\n\n", strings.ToUpper(c.Verdict), format.MDCell(c.Profile.Name))
	p("**%s** · %d rows", c.headline(), c.Summary.Total)
	if c.Interrupted {
		p(" · **interrupted**: %s", format.MDCell(c.InterruptReason))
	}
	if c.Reveal {
		p(" · **secrets revealed** (--reveal)")
	}
	p("\n")
	writeMDNotices(&b, c.Target.Notices)
	p("\n")
	p("| Total | Pass | Fail | Warning | Known | Skipped | Info |\n")
	p("|---:|---:|---:|---:|---:|---:|---:|\n")
	s := c.Summary
	p("| %d | %d | %d | %d | %d | %d | %d |\n", s.Total, s.Pass, s.Fail, s.Warning, s.Known, s.Skipped, s.Info)

	if len(c.SuiteFailures) > 0 {
		p("\n### Suite failures\n\n| Node | Message |\n|---|---|\n")
		for _, f := range c.SuiteFailures {
			p("| %s | %s |\n", format.MDCell(f.Node), format.MDCell(format.FirstLine(f.Message)))
		}
	}
	if len(c.Causes) > 0 {
		p("\n### Root causes\n\n")
		for _, cs := range c.Causes {
			keys := make([]string, len(cs.Rows))
			for i, k := range cs.Rows {
				keys[i] = "`" + format.MDCode(k) + "`"
			}
			p("- %s. Rows: %s\n", format.MDCell(cs.Text), strings.Join(keys, ", "))
		}
	}
	if rows := c.ordered(StatusFail); len(rows) > 0 {
		p("\n### Failures\n\n| ID | Level | Requirement | Message |\n|---|---|---|---|\n")
		for _, r := range rows {
			p("| `%s` | %s | %s | %s |\n", format.MDCode(r.ID), format.MDCell(r.Level), format.MDCell(mdText(r.Row)), format.MDCell(format.FirstLine(r.Message)))
		}
	}
	if rows := c.ordered(StatusWarning); len(rows) > 0 {
		p("\n### Warnings\n\n| ID | Level | Requirement | Message |\n|---|---|---|---|\n")
		for _, r := range rows {
			p("| `%s` | %s | %s | %s |\n", format.MDCode(r.ID), format.MDCell(r.Level), format.MDCell(mdText(r.Row)), format.MDCell(format.FirstLine(r.Message)))
		}
	}
	if rows := c.ordered(StatusKnown); len(rows) > 0 {
		p("\n### Known deviations\n\n| ID | Requirement | Reason | Observed |\n|---|---|---|---|\n")
		for _, r := range rows {
			p("| `%s` | %s | %s | %s |\n", format.MDCode(r.ID), format.MDCell(mdText(r.Row)), format.MDCell(r.KnownReason), format.MDCell(format.FirstLine(r.Message)))
		}
	}
	if s.UnexpectedPass > 0 {
		p("\n### Listed as known deviations but passed\n\n")
		for _, r := range c.ordered(StatusPass) {
			if r.KnownReason != "" {
				p("- `%s` %s: the quirk may be fixed (listed because: %s)\n", format.MDCode(r.ID), format.MDCell(mdText(r.Row)), format.MDCell(r.KnownReason))
			}
		}
	}
	if notes := c.profileNotes(); len(notes) > 0 {
		p("\n### Profile notes\n\n| ID | Level | Status | Why the profile sets this level |\n|---|---|---|---|\n")
		for _, r := range notes {
			p("| `%s` | %s | %s | %s |\n", format.MDCode(r.ID), format.MDCell(r.Level), format.MDCell(r.Status), format.MDCell(r.ProfileReason))
		}
	}
	if s.Skipped > 0 {
		reasons := c.skipReasons()
		p("\n**%d skipped**", s.Skipped)
		for i, rc := range reasons {
			if i == mdSkipReasons {
				p("; %s", format.Plural(len(reasons)-mdSkipReasons, "other reason", "other reasons"))
				break
			}
			sep := ": "
			if i > 0 {
				sep = "; "
			}
			p("%s%s (%d)", sep, format.MDCell(rc.Reason), rc.Count)
		}
		p("\n")
	}

	more := []string{format.Seconds(c.DurationSeconds)}
	if c.LabelFilter != "" {
		more = append(more, "label filter `"+format.MDCode(c.LabelFilter)+"`")
	}
	p("\n<sub>%s</sub>\n", summaryMeta(c.Tool.Version, c.Target.Source, c.Target.Issuer, c.chain(), c.Start, more...))
	return writeSummary(w, "markdown", &b)
}

func mdText(r Row) string {
	if r.Entry != "" {
		return r.Text + " [" + r.Entry + "]"
	}
	return r.Text
}

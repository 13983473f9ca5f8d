package reports

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/tokenbench/tokenbench/reports/format"
)

// JUnit XML, the dialect CI systems read (Jenkins, GitLab, GitHub
// reporters): testsuites > testsuite > testcase with failure, error,
// skipped and system-out.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Package    string          `xml:"package,attr,omitempty"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure"`
	Error     *junitProblem `xml:"error"`
	Skipped   *junitSkipped `xml:"skipped"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Body    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

// WriteJUnit writes the run as JUnit XML: one testsuite, one testcase per
// row ("ID: It text [entry]", classname the area). A failed row has a
// failure with the evidence, a known deviation and a skipped row are
// skipped, a warning passes with the warning in system-out. A suite
// failure is a testcase with an error.
func (c *Conformance) WriteJUnit(w io.Writer) error {
	s := junitSuite{
		Name:     fmt.Sprintf("tokenbench conformance (%s)", c.Profile.Name),
		Package:  "tokenbench",
		Time:     seconds(c.DurationSeconds),
		Tests:    len(c.Rows) + len(c.SuiteFailures),
		Failures: c.Summary.Fail,
		Errors:   len(c.SuiteFailures),
		Skipped:  c.Summary.Skipped + c.Summary.Known,
		Properties: []junitProperty{
			{"verdict", c.Verdict},
			{"profile", c.Profile.Name},
			{"profile_chain", strings.Join(c.Profile.Chain, " > ")},
			{"target", c.Target.Source},
			{"issuer", c.Target.Issuer},
			{"token_endpoint", c.Target.TokenEndpoint},
			{"version", c.Tool.Version},
			{"label_filter", c.LabelFilter},
			{"interrupted", fmt.Sprint(c.Interrupted)},
		},
	}
	if !c.Start.IsZero() {
		s.Timestamp = c.Start.Format("2006-01-02T15:04:05")
	}
	if c.Interrupted {
		s.Properties = append(s.Properties, junitProperty{"interrupt_reason", c.InterruptReason})
	}
	for _, n := range c.Target.Notices {
		s.Properties = append(s.Properties, junitProperty{"notice", n.Text})
	}
	for _, f := range c.SuiteFailures {
		s.Cases = append(s.Cases, junitCase{
			Name:      "suite: " + f.Node,
			Classname: "suite",
			Time:      seconds(0),
			Error:     &junitProblem{Message: format.FirstLine(f.Message), Type: f.Node, Body: joinNonEmpty("\n\n", f.Message, f.Location)},
		})
	}
	for _, r := range c.Rows {
		tc := junitCase{Name: r.Name(), Classname: r.Area, Time: seconds(r.DurationMS / 1000)}
		if tc.Classname == "" {
			tc.Classname = "other"
		}
		switch r.Status {
		case StatusFail:
			tc.Failure = &junitProblem{Message: format.FirstLine(r.Message), Type: r.Level, Body: evidenceText(r)}
		case StatusKnown:
			tc.Skipped = &junitSkipped{Message: "known deviation: " + r.KnownReason}
			tc.SystemOut = evidenceText(r)
		case StatusSkipped:
			tc.Skipped = &junitSkipped{Message: r.Message}
		case StatusWarning:
			tc.SystemOut = "WARNING: " + evidenceText(r)
		case StatusInfo:
			tc.SystemOut = r.Message
			if fs := findingsText(r.Findings); fs != "" && !strings.Contains(r.Message, fs) {
				tc.SystemOut = joinNonEmpty("\n\n", r.Message, fs)
			}
		case StatusPass:
			tc.SystemOut = r.Message
		}
		s.Cases = append(s.Cases, tc)
	}
	doc := junitSuites{
		Name:     "tokenbench",
		Tests:    s.Tests,
		Failures: s.Failures,
		Errors:   s.Errors,
		Skipped:  s.Skipped,
		Time:     s.Time,
		Suites:   []junitSuite{s},
	}
	sanitizeJUnit(&doc)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("reports: junit: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("reports: junit: %w", err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("reports: junit: %w", err)
	}
	return nil
}

// evidenceText is a row's message, findings (expected vs observed) and
// exchanges as plain text.
func evidenceText(r Row) string {
	var b strings.Builder
	b.WriteString(r.Message)
	if r.KnownReason != "" && r.Status == StatusKnown {
		fmt.Fprintf(&b, "\n\nKnown deviation: %s", r.KnownReason)
	}
	if r.Expected != "" {
		fmt.Fprintf(&b, "\n\nRequirement (%s): %s\nProbe: %s\nExpected: %s", r.Source, r.Text, r.Probe, r.Expected)
	}
	if fs := findingsText(r.Findings); fs != "" {
		b.WriteString("\n\n")
		b.WriteString(fs)
	}
	if r.Location != "" {
		fmt.Fprintf(&b, "\n\nat %s", r.Location)
	}
	for i, x := range r.Exchanges {
		fmt.Fprintf(&b, "\n\n--- exchange %d: %s ---\n%s", i+1, exchangeTitle(x), strings.TrimRight(x.Request, "\n"))
		if resp := strings.TrimRight(x.Response, "\n"); resp != "" {
			fmt.Fprintf(&b, "\n\n%s", resp)
		}
	}
	return strings.TrimLeft(b.String(), "\n")
}

func findingsText(fs []FindingEntry) string {
	var b strings.Builder
	for _, f := range fs {
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "%s: %s", f.Kind, f.Message)
		if f.Expected != "" {
			fmt.Fprintf(&b, "\n  expected: %s", f.Expected)
		}
		if f.Observed != "" {
			fmt.Fprintf(&b, "\n  observed: %s", f.Observed)
		}
	}
	return b.String()
}

func exchangeTitle(x ExchangeEntry) string {
	s := joinNonEmpty(" — ", x.Probe, strings.TrimSpace(x.Method+" "+x.URL))
	switch {
	case x.Error != "":
		s += " → " + x.Error
	case x.Status != 0:
		s += fmt.Sprintf(" → %d", x.Status)
	default:
		s += " → no response"
	}
	if x.DurationMS > 0 {
		s += fmt.Sprintf(" (%s)", format.MS(x.DurationMS))
	}
	return s
}

func seconds(s float64) string { return fmt.Sprintf("%.3f", s) }

// sanitizeJUnit escapes every text of the document as text for a terminal
// and a CI log (format.Lines): CI tools print JUnit messages into their
// logs, and providers' text is in them. What Lines leaves is valid XML.
func sanitizeJUnit(d *junitSuites) {
	safe := format.Lines
	for i := range d.Suites {
		s := &d.Suites[i]
		s.Name = safe(s.Name)
		for j := range s.Properties {
			s.Properties[j].Value = safe(s.Properties[j].Value)
		}
		for j := range s.Cases {
			tc := &s.Cases[j]
			tc.Name, tc.Classname, tc.SystemOut = safe(tc.Name), safe(tc.Classname), safe(tc.SystemOut)
			for _, p := range []*junitProblem{tc.Failure, tc.Error} {
				if p != nil {
					p.Message, p.Type, p.Body = safe(p.Message), safe(p.Type), safe(p.Body)
				}
			}
			if tc.Skipped != nil {
				tc.Skipped.Message = safe(tc.Skipped.Message)
			}
		}
	}
}

// xmlSafe replaces what XML 1.0 cannot carry (control characters other than
// tab, line feed and carriage return, U+FFFE, U+FFFF, invalid UTF-8) with a
// visible \xNN or \uNNNN escape, so the evidence stays readable.
func xmlSafe(s string) string {
	ok := true
	for _, r := range s {
		if !xmlChar(r) {
			ok = false
			break
		}
	}
	if ok && utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case !xmlChar(r) && r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		case !xmlChar(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
		i += n
	}
	return b.String()
}

func xmlChar(r rune) bool {
	return r == '\t' || r == '\n' || r == '\r' ||
		(r >= 0x20 && r <= 0xD7FF) ||
		(r >= 0xE000 && r <= 0xFFFD) ||
		(r >= 0x10000 && r <= 0x10FFFF)
}

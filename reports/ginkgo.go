package reports

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/tokenbench/tokenbench/internal/catalog"
)

// FromGinkgo builds the conformance model from Ginkgo's report of a run and
// the report entries the suites attached (EntryRow, EntryExchange,
// EntryFinding). It works on a report from ReportAfterSuite as well as on
// one decoded from Ginkgo's JSON report. expected maps row IDs listed as
// known deviations to the reason they are accepted.
//
// A row's Text is the It text; for a DescribeTable entry whose text is the
// entry's name, it is the table's text.
//
// Specs without an EntryRow entry become rows only when they carry a
// "TE:<ID>" label (a spec the label filter deselected, for example); other
// nodes are ignored, except failed suite nodes, which become SuiteFailures.
func FromGinkgo(r types.Report, meta Meta, expected map[string]string) *Conformance {
	c := &Conformance{
		Schema:          ConformanceSchema,
		Tool:            Tool{Name: "tokenbench", Version: meta.Version},
		Target:          Target{Source: meta.Target, Issuer: meta.Issuer, TokenEndpoint: meta.TokenEndpoint, Notices: meta.Notices},
		Profile:         Profile{Name: meta.Profile, Chain: meta.ProfileChain},
		LabelFilter:     meta.LabelFilter,
		Reveal:          meta.Reveal,
		Start:           r.StartTime,
		DurationSeconds: r.RunTime.Seconds(),
		Rows:            []Row{},
	}
	if c.DurationSeconds == 0 && !r.EndTime.IsZero() && !r.StartTime.IsZero() {
		c.DurationSeconds = r.EndTime.Sub(r.StartTime).Seconds()
	}
	for _, reason := range r.SpecialSuiteFailureReasons {
		if isInterruption(reason) {
			c.Interrupted = true
			if c.InterruptReason == "" {
				c.InterruptReason = reason
			}
		}
	}
	filter := meta.LabelFilter
	if filter == "" {
		filter = r.SuiteConfig.LabelFilter
	}

	for _, sr := range r.SpecReports {
		if sr.LeafNodeType.Is(types.NodeTypesForSuiteLevelNodes) && sr.State.Is(types.SpecStateFailureStates) && teID(sr.Labels()) == "" {
			c.SuiteFailures = append(c.SuiteFailures, SuiteFailure{
				Node:     sr.LeafNodeType.String(),
				Message:  failureMessage(sr.Failure),
				Location: location(sr.Failure.Location),
			})
		}
	}
	ctx := rowContext{filter: filter, interrupted: c.Interrupted, suiteFailed: len(c.SuiteFailures) > 0, specs: map[string]int{}}
	for _, sr := range r.SpecReports {
		if id := teID(sr.Labels()); id != "" {
			ctx.specs[id]++
		}
	}
	for _, sr := range r.SpecReports {
		row, ok := ctx.row(sr, expected)
		if !ok {
			continue
		}
		c.Rows = append(c.Rows, row)
		c.Summary.add(row)
		if row.Status == StatusPass && row.KnownReason != "" {
			c.Summary.UnexpectedPass++
		}
	}

	c.Causes = rootCauses(c.Rows)

	c.Verdict = VerdictPass
	if c.Summary.Fail > 0 || c.Interrupted || len(c.SuiteFailures) > 0 {
		c.Verdict = VerdictFail
	}
	return c
}

func isInterruption(reason string) bool {
	l := strings.ToLower(reason)
	return strings.Contains(l, "interrupt") || strings.Contains(l, "timeout elapsed")
}

type rowContext struct {
	filter      string
	interrupted bool
	suiteFailed bool
	specs       map[string]int // specs per row ID: more than one are a table's entries
}

// row maps one spec report to a row; ok is false for specs that check no row.
func (ctx rowContext) row(sr types.SpecReport, expected map[string]string) (row Row, ok bool) {
	var (
		re       *RowEntry
		findings []FindingEntry
		xs       []ExchangeEntry
		bad      []string
	)
	for _, e := range sr.ReportEntries {
		switch e.Name {
		case EntryRow:
			decodeInto(e, &bad, func(v RowEntry) { re = &v }) // a later one restates the level (see EntryRow)
		case EntryExchange:
			decodeInto(e, &bad, func(v ExchangeEntry) { xs = append(xs, v) })
		case EntryFinding:
			decodeInto(e, &bad, func(v FindingEntry) { findings = append(findings, v) })
		}
	}
	labels := sr.Labels()
	if re == nil {
		id := teID(labels)
		if id == "" {
			return Row{}, false
		}
		re = &RowEntry{ID: id, Level: labelLevel(labels), Area: labelArea(labels)}
		if ctx.specs[id] > 1 {
			// One of a table's entries, not run: its leaf text is the
			// entry's name, as the entry's own RowEntry would say.
			re.Entry = sr.LeafNodeText
		}
	}
	cat, _ := catalog.Lookup(re.ID)
	row = Row{
		ID:         re.ID,
		Area:       re.Area,
		Level:      strings.ToUpper(re.Level),
		Text:       sr.LeafNodeText,
		Entry:      re.Entry,
		Source:     cat.Source,
		Refs:       cat.Refs(),
		Probe:      cat.Probe,
		Expected:   cat.Expected,
		Findings:   findings,
		Exchanges:  xs,
		DurationMS: float64(sr.RunTime) / float64(time.Millisecond),
	}
	// A DescribeTable entry's leaf text is the entry's description; the
	// requirement is the table's description, the innermost container.
	if n := len(sr.ContainerHierarchyTexts); row.Entry != "" && row.Text == row.Entry && n > 0 {
		row.Text = sr.ContainerHierarchyTexts[n-1]
	}
	if row.Area == "" {
		row.Area = string(cat.Area)
	}
	if row.Level == "" {
		row.Level = labelLevel(labels)
	}
	if row.Level == "" {
		row.Level = string(cat.Level)
	}
	if row.Area != "" {
		row.AreaTitle = catalog.Area(row.Area).Title()
	}
	for _, b := range bad {
		row.Findings = append(row.Findings, FindingEntry{Kind: FindingObservation, Message: b})
	}
	if row.Level != string(catalog.Skip) {
		row.ProfileReason = re.SkipReason
	}
	reason, listed := expected[row.ID]

	switch {
	case sr.State.Is(types.SpecStateInterrupted):
		// The run was interrupted while the row ran: not judged, neither
		// a failure nor a pass.
		row.Status = StatusSkipped
		row.Message = ReasonInterruptedRunning
	case sr.State.Is(types.SpecStateFailureStates):
		row.Message = failureMessage(sr.Failure)
		if row.Message == "" {
			row.Message = firstFindingMessage(findings, FindingFailure, FindingWarning)
		}
		// The spec's own line says which requirement failed; the failure's
		// line is usually inside the suites' shared helpers.
		row.Location = location(sr.LeafNodeLocation)
		if row.Location == "" {
			row.Location = location(sr.Failure.Location)
		}
		switch row.Level {
		case string(catalog.Info):
			row.Status = StatusInfo
		case string(catalog.Should):
			row.Status = StatusWarning
		case string(catalog.Skip):
			// A row that does not apply but failed anyway: the failure is
			// news, report it as the strongest level.
			row.Status = StatusFail
		default:
			row.Status = StatusFail
		}
	case sr.State.Is(types.SpecStatePassed):
		switch {
		case row.Level == string(catalog.Skip):
			row.Status = StatusSkipped
			row.Message = re.SkipReason
		case hasKind(findings, FindingWarning):
			row.Status = StatusWarning
			row.Message = joinFindings(findings, FindingWarning)
		case row.Level == string(catalog.Info):
			row.Status = StatusInfo
			row.Message = joinFindings(findings, FindingObservation)
		default:
			row.Status = StatusPass
			row.Message = joinFindings(findings, FindingObservation)
		}
	default: // skipped, pending, invalid
		row.Status = StatusSkipped
		row.Message = sr.Failure.Message
		if row.Message == "" {
			row.Message = re.SkipReason
		}
		if row.Message == "" && sr.State.Is(types.SpecStatePending) {
			row.Message = "pending"
		}
		if row.Message == "" {
			row.Message = ctx.neverRan(sr)
		}
	}

	if listed {
		switch row.Status {
		case StatusFail, StatusWarning:
			row.Status = StatusKnown
			row.KnownReason = reason
		case StatusPass:
			row.KnownReason = reason
			row.Message = joinNonEmpty("\n", UnexpectedPassMessage, row.Message)
		}
	}
	return row, true
}

// neverRan says why a spec with no skip message did not run.
func (ctx rowContext) neverRan(sr types.SpecReport) string {
	if ctx.filter != "" {
		if match, err := sr.MatchesLabelFilter(ctx.filter); err == nil && !match {
			return ReasonLabelFilter
		}
	}
	switch {
	case ctx.interrupted:
		return ReasonInterrupted
	case ctx.suiteFailed:
		return ReasonSuiteFailed
	case ctx.filter != "":
		return ReasonLabelFilter
	}
	return ReasonNotRun
}

// decodeInto decodes e's value and hands it to add; a value that does not
// decode is noted in bad instead.
func decodeInto[T any](e types.ReportEntry, bad *[]string, add func(T)) {
	var v T
	if err := decodeEntry(e.Value, &v); err != nil {
		*bad = append(*bad, fmt.Sprintf("reports: entry %q: %v", e.Name, err))
		return
	}
	add(v)
}

// decodeEntry reads a report entry value into v (a pointer to RowEntry,
// ExchangeEntry or FindingEntry): the Go value itself in-process, or its
// JSON when the report was decoded from Ginkgo's JSON report.
func decodeEntry[T any](val types.ReportEntryValue, v *T) error {
	switch raw := val.GetRawValue().(type) {
	case T:
		*v = raw
		return nil
	case *T:
		if raw == nil {
			return fmt.Errorf("nil %T", raw)
		}
		*v = *raw
		return nil
	}
	data := []byte(val.AsJSON)
	if len(data) == 0 {
		var err error
		if data, err = json.Marshal(val.GetRawValue()); err != nil {
			return err
		}
	}
	return json.Unmarshal(data, v)
}

func teID(labels []string) string {
	for _, l := range labels {
		if len(l) > 3 && strings.EqualFold(l[:3], "TE:") {
			return l[3:]
		}
	}
	return ""
}

func labelLevel(labels []string) string {
	for _, l := range labels {
		switch u := strings.ToUpper(l); u {
		case string(catalog.Must), string(catalog.Should), string(catalog.Info):
			return u
		}
	}
	return ""
}

func labelArea(labels []string) string {
	for _, l := range labels {
		if len(l) > 5 && strings.EqualFold(l[:5], "area:") {
			return l[5:]
		}
	}
	return ""
}

func failureMessage(f types.Failure) string {
	msg := f.Message
	if f.ForwardedPanic != "" {
		msg = joinNonEmpty("\n", msg, f.ForwardedPanic)
	}
	return msg
}

// location renders a code location relative to the module (from the
// suites/ or reports/ directory on), not as an absolute build path.
func location(l types.CodeLocation) string {
	if l.FileName == "" {
		return ""
	}
	s := l.String()
	for _, dir := range []string{"/suites/", "/reports/", "/cmd/"} {
		if i := strings.LastIndex(s, dir); i >= 0 {
			return s[i+1:]
		}
	}
	return s
}

func hasKind(fs []FindingEntry, kind string) bool {
	for _, f := range fs {
		if f.Kind == kind {
			return true
		}
	}
	return false
}

func firstFindingMessage(fs []FindingEntry, kinds ...string) string {
	for _, f := range fs {
		for _, k := range kinds {
			if f.Kind == k && f.Message != "" {
				return f.Message
			}
		}
	}
	return ""
}

func joinFindings(fs []FindingEntry, kind string) string {
	var msgs []string
	for _, f := range fs {
		if f.Kind == kind && f.Message != "" {
			msgs = append(msgs, f.Message)
		}
	}
	return strings.Join(msgs, "\n")
}

func joinNonEmpty(sep string, ss ...string) string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return strings.Join(out, sep)
}

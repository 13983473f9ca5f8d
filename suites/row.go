package suites

import (
	"context"
	"fmt"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenbench/tokenbench/internal/catalog"
	"github.com/tokenbench/tokenbench/internal/checks"
	"github.com/tokenbench/tokenbench/internal/exchange"
	"github.com/tokenbench/tokenbench/reports"
)

// rowRun is the row whose spec is running: its ID, its level for this spec,
// and the exchanges its failed assertions judged (the evidence the reports'
// root-cause grouping compares across rows). Specs run one at a time.
type rowRun struct {
	id      string
	entry   string
	level   catalog.Level
	faulty  []*exchange.Exchange
	stopped bool // a failed assertion on a SHOULD or INFO row ended the body
}

// rowStop unwinds the body of a SHOULD or INFO row after a failed
// assertion: the finding is recorded and the spec passes.
type rowStop struct{}

// Spec timeouts.
const (
	specTimeout = 60 * time.Second
)

// rowIt declares the spec for row id: It(text) with the row's labels, a
// timeout, and the body run through checkRow. The spec's location is the
// line that calls rowIt.
func rowIt(id, text string, body func(ctx context.Context), decorators ...any) bool {
	GinkgoHelper()
	args := append([]any{labels(id)}, decorators...)
	if !hasTimeout(decorators) {
		args = append(args, SpecTimeout(specTimeout))
	}
	args = append(args, func(ctx SpecContext) { checkRow(id, "", func() { body(ctx) }) })
	return It(text, args...)
}

func hasTimeout(ds []any) bool {
	for _, d := range ds {
		if _, ok := d.(SpecTimeout); ok {
			return true
		}
	}
	return false
}

// rowEntry declares a table entry for row id; the table body receives the
// row ID and the entry name first. The entry's location is the line that
// calls rowEntry.
func rowEntry(id, name string, args ...any) TableEntry {
	GinkgoHelper()
	return Entry(name, append([]any{labels(id), SpecTimeout(specTimeout), id, name}, args...)...)
}

// rowEntryAt is rowEntry for an entry whose level is lvl whatever the
// row's (see checkRowAt), unless the profile skips the row.
func rowEntryAt(id, name string, lvl catalog.Level, args ...any) TableEntry {
	GinkgoHelper()
	if plvl, _ := level(id); plvl == catalog.Skip {
		lvl = plvl
	}
	return Entry(name, append([]any{labelsAt(id, lvl), SpecTimeout(specTimeout), id, name}, args...)...)
}

// checkRow attaches the row to the spec, skips a row that does not apply,
// and runs body at the row's level under the profile: a failed assertion
// fails a MUST row at the assertion's own line, and is recorded as a
// warning for a SHOULD row and as an observation for an INFO row.
func checkRow(id, entry string, body func()) { checkRowAt(id, entry, "", body) }

// checkRowAt is checkRow with the level of this entry set to lvl (when not
// empty) for a row the profile does not skip: a table entry that only
// records what the provider does (an INFO entry of a MUST row).
func checkRowAt(id, entry string, lvl catalog.Level, body func()) {
	plvl, reason := level(id)
	if lvl == "" || plvl == catalog.Skip {
		lvl = plvl
	}
	row := catalog.MustLookup(id)
	AddReportEntry(reports.EntryRow, reports.RowEntry{ID: id, Level: string(lvl), Area: string(row.Area), Entry: entry, SkipReason: reason}, ReportEntryVisibilityNever)
	if lvl == catalog.Skip {
		Skip("not applicable under profile " + t().Profile.Name + ": " + reason)
	}
	r := &rowRun{id: id, entry: entry, level: lvl}
	state.row = r
	defer func() { state.row = nil }()
	defer func() {
		if r.stopped {
			recover() // the rowStop of failHandler; any other panic is not recovered
		}
	}()
	body()
}

// relevel restates the running row at level lvl for the rest of the spec
// and in the report: a row that met something it can only record (a
// provider that refuses the request the row needs) is an observation.
func relevel(lvl catalog.Level) {
	r := state.row
	r.level = lvl
	row := catalog.MustLookup(r.id)
	AddReportEntry(reports.EntryRow, reports.RowEntry{ID: r.id, Level: string(lvl), Area: string(row.Area), Entry: r.entry}, ReportEntryVisibilityNever)
}

// failHandler is the specs' Gomega fail handler. On a MUST row (or outside
// any row) it fails the spec where the assertion is, helpers skipped; on a
// SHOULD or INFO row it records a warning or an observation and ends the
// body without failing the spec. The message is redacted, and the row's
// own "ROW-ID: " prefix, which the report shows anyway, is dropped.
func failHandler(message string, callerSkip ...int) {
	skip := 0
	if len(callerSkip) > 0 {
		skip = callerSkip[0]
	}
	r := state.row
	if r == nil {
		Fail(redacted(message), skip+1)
	}
	msg := strings.ReplaceAll(redacted(message), r.id+": ", "")
	if r.level == catalog.Must {
		finding(reports.FindingFailure, msg, r.faulty)
		Fail(msg, skip+1)
	}
	kind := reports.FindingWarning
	if r.level == catalog.Info {
		kind = reports.FindingObservation
	}
	finding(kind, msg, r.faulty)
	r.stopped = true
	panic(rowStop{})
}

// fail fails the running row with msg (see failHandler), at the line that
// calls the helper calling fail.
func fail(msg string) {
	GinkgoHelper()
	failHandler(msg, 1)
}

// failf is fail with a format.
func failf(format string, args ...any) {
	GinkgoHelper()
	failHandler(fmt.Sprintf(format, args...), 1)
}

// faulty marks exchanges the running row's failed assertion judged.
func faulty(xs ...*exchange.Exchange) {
	if state == nil {
		return
	}
	if r := state.row; r != nil {
		for _, x := range xs {
			if x != nil {
				r.faulty = append(r.faulty, x)
			}
		}
	}
}

// finding attaches a conclusion to the spec, naming the exchanges it is
// about by their sequence numbers. A failure is printed by Ginkgo as the
// spec's failure message, so its entry is not printed again.
func finding(kind, msg string, about []*exchange.Exchange) {
	e := reports.FindingEntry{Kind: kind, Message: msg}
	for _, x := range about {
		e.Exchanges = append(e.Exchanges, exchangeSeq(x))
	}
	vis := ReportEntryVisibilityFailureOrVerbose
	if kind == reports.FindingFailure {
		vis = ReportEntryVisibilityNever
	}
	AddReportEntry(reports.EntryFinding, e, vis)
}

// observe records what an INFO row (or any row) saw.
func observe(format string, args ...any) {
	finding(reports.FindingObservation, redacted(fmt.Sprintf(format, args...)), nil)
}

// warn records a warning about the running row: a deviation the row itself
// grades below a failure, or a failure of a SHOULD row.
func warn(msg string, about ...*exchange.Exchange) {
	kind := reports.FindingWarning
	if r := state.row; r != nil && r.level == catalog.Info {
		kind = reports.FindingObservation
	}
	finding(kind, redacted(msg), about)
}

// expectCheck asserts the result of row id's check on x (nil x: the check
// is not about one exchange). A check that does not apply skips the spec
// with its reason. Failures are graded by the checks' own result type:
// failures that are all warnings (checks.Result.Warning), or any failure of
// a SHOULD or INFO row, are recorded without failing the spec; any other
// failure fails it.
func expectCheck(id string, err error, xs ...*exchange.Exchange) {
	GinkgoHelper()
	lvl := catalog.Must
	if r := state.row; r != nil {
		lvl = r.level
	}
	res := checks.Result{ID: id, Level: lvl, Err: err}
	if reason, ok := res.Skipped(); ok && len(res.Failures()) == 0 {
		Skip(reason)
	}
	if !res.Failed() {
		return
	}
	faulty(xs...)
	if res.Warning() {
		warn(strings.ReplaceAll(res.Err.Error(), id+": ", ""), xs...)
		return
	}
	Expect(res.Err).To(PassCheck())
}

package compare

import (
	"fmt"
	"strings"

	"github.com/tokenbench/tokenbench/reports"
)

// RowChange is a conformance row whose status differs between the results.
type RowChange struct {
	ID     string `json:"id"`
	Entry  string `json:"entry,omitempty"`
	Text   string `json:"text,omitempty"`
	Level  string `json:"level,omitempty"`
	Base   string `json:"base"` // the status; "" when BASE has no such row
	New    string `json:"new"`  // "" when NEW has no such row
	Change string `json:"change"`
	// Message is NEW's failure, warning or skip text (BASE's when the row
	// is gone).
	Message string `json:"message,omitempty"`
}

// name is the row's ID with its table entry.
func (r RowChange) name() string {
	if r.Entry != "" {
		return r.ID + " [" + r.Entry + "]"
	}
	return r.ID
}

// Row changes.
const (
	ChangeNewFailure = "new failure" // NEW fails a row BASE did not fail (or did not have)
	ChangeFixed      = "fixed"       // BASE failed, NEW passes
	ChangeOther      = "changed"     // any other change of status
)

// ConformanceChanges are the rows whose verdict changed, new failures
// first, then fixed rows, then the other changes.
type ConformanceChanges struct {
	BaseVerdict      string                 `json:"base_verdict"`
	NewVerdict       string                 `json:"new_verdict"`
	NewFailures      []RowChange            `json:"new_failures"`
	Fixed            []RowChange            `json:"fixed"`
	Other            []RowChange            `json:"other"`
	NewSuiteFailures []reports.SuiteFailure `json:"new_suite_failures,omitempty"`
	Unchanged        int                    `json:"unchanged"`
	StillFailing     int                    `json:"still_failing"` // of the unchanged rows
}

// Conformance compares two conformance results row by row (a row is its
// ID and table entry): rows whose status changed, new failures first (NEW
// fails a row BASE passed, skipped, or did not have), then fixed rows
// (BASE failed, NEW passes), then the other changes (a new warning, a row
// no longer run, a known deviation that now passes...). A newly failing
// row, or a suite failure BASE did not have, is a regression.
func Conformance(base, new *reports.Conformance) *Result {
	c := &Result{Schema: Schema, Kind: reports.KindConformance, Base: conformanceSide(base), New: conformanceSide(new), Notes: conformanceNotes(base, new)}
	ch := &ConformanceChanges{BaseVerdict: base.Verdict, NewVerdict: new.Verdict,
		NewFailures: []RowChange{}, Fixed: []RowChange{}, Other: []RowChange{}}
	c.Conformance = ch
	key := func(r reports.Row) string { return r.ID + "\x00" + r.Entry }
	baseRows := map[string]*reports.Row{}
	for i := range base.Rows {
		if _, dup := baseRows[key(base.Rows[i])]; !dup {
			baseRows[key(base.Rows[i])] = &base.Rows[i]
		}
	}
	seen := map[string]bool{}
	for _, n := range new.Rows {
		if seen[key(n)] {
			continue
		}
		seen[key(n)] = true
		ch.add(baseRows[key(n)], n)
	}
	for _, b := range base.Rows {
		if !seen[key(b)] {
			seen[key(b)] = true // once
			ch.Other = append(ch.Other, RowChange{ID: b.ID, Entry: b.Entry, Text: b.Text, Level: b.Level, Base: b.Status, Change: ChangeOther, Message: b.Message})
		}
	}
	had := map[string]bool{}
	for _, f := range base.SuiteFailures {
		had[f.Node+"\x00"+f.Message] = true
	}
	for _, f := range new.SuiteFailures {
		if !had[f.Node+"\x00"+f.Message] {
			ch.NewSuiteFailures = append(ch.NewSuiteFailures, f)
		}
	}
	c.Regressions = len(ch.NewFailures) + len(ch.NewSuiteFailures)
	c.judge()
	return c
}

// add files NEW's row n against BASE's b (nil when BASE has no such row).
func (ch *ConformanceChanges) add(b *reports.Row, n reports.Row) {
	bs := ""
	if b != nil {
		bs = b.Status
	}
	rc := RowChange{ID: n.ID, Entry: n.Entry, Text: n.Text, Level: n.Level, Base: bs, New: n.Status, Message: n.Message}
	switch {
	case bs == n.Status:
		ch.Unchanged++
		if n.Status == reports.StatusFail {
			ch.StillFailing++
		}
	case n.Status == reports.StatusFail:
		rc.Change = ChangeNewFailure
		ch.NewFailures = append(ch.NewFailures, rc)
	case bs == reports.StatusFail && n.Status == reports.StatusPass:
		rc.Change = ChangeFixed
		ch.Fixed = append(ch.Fixed, rc)
	default:
		rc.Change = ChangeOther
		ch.Other = append(ch.Other, rc)
	}
}

func conformanceNotes(base, new *reports.Conformance) []string {
	var notes []string
	if base.Target.TokenEndpoint != new.Target.TokenEndpoint {
		notes = append(notes, fmt.Sprintf("different token endpoints: %s and %s", base.Target.TokenEndpoint, new.Target.TokenEndpoint))
	}
	if base.Profile.Name != new.Profile.Name {
		notes = append(notes, fmt.Sprintf("different profiles: %s and %s", base.Profile.Name, new.Profile.Name))
	}
	if base.LabelFilter != new.LabelFilter {
		notes = append(notes, fmt.Sprintf("different label filters: %q and %q", base.LabelFilter, new.LabelFilter))
	}
	if new.Interrupted {
		notes = append(notes, "NEW was interrupted: "+new.InterruptReason)
	}
	return notes
}

func conformanceSide(r *reports.Conformance) Side {
	s := r.Summary
	sum := fmt.Sprintf("verdict %s, %d rows: %d passed, %d failed, %d warnings, %d known, %d skipped",
		strings.ToUpper(r.Verdict), s.Total, s.Pass, s.Fail, s.Warning, s.Known, s.Skipped)
	return Side{Start: r.Start, Version: r.Tool.Version, TokenEndpoint: r.Target.TokenEndpoint, Profile: r.Profile.Name, Summary: sum, Notices: r.Target.Notices}
}

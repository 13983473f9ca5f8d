// Package compare compares two results of one kind, BASE (e.g. last
// night's) and NEW: two load runs figure by figure, judged against
// thresholds and against the noise their sample sizes allow, or two
// conformance runs row by row. Its Result is the --format json schema
// (Schema) and writes itself as text and Markdown.
package compare

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/tokenbench/tokenbench/reports"
	"github.com/tokenbench/tokenbench/runner/results"
)

// Schema names the version of the comparison JSON.
const Schema = "tokenbench.comparison/v1"

// Verdicts of a comparison and of one figure.
const (
	Regression  = "regression"   // worse beyond its threshold and beyond noise; a newly failing row
	WithinNoise = "within noise" // worse beyond its threshold, but within what the samples can resolve
	OK          = "ok"
)

// ErrNotComparable: the two files are not results of one kind that can be
// compared (a load result and a conformance result, capacity results).
var ErrNotComparable = errors.New("compare: results cannot be compared")

// Side describes one of the two results compared.
type Side struct {
	Source        string    `json:"source,omitempty"` // the file, when the caller says
	Start         time.Time `json:"start"`
	Version       string    `json:"version,omitempty"`
	TokenEndpoint string    `json:"token_endpoint,omitempty"`
	Profile       string    `json:"profile,omitempty"`
	Summary       string    `json:"summary"` // one line: the run's shape and size, or its verdict
	// Notices are the run's notices about how its target was reached.
	Notices []results.Notice `json:"notices,omitempty"`
}

// Result is the outcome of comparing two results of one kind. Load holds
// a load comparison's figures, Conformance a conformance comparison's rows.
type Result struct {
	Schema      string              `json:"schema"`
	Kind        string              `json:"kind"` // reports.KindLoad or reports.KindConformance
	Base        Side                `json:"base"`
	New         Side                `json:"new"`
	Thresholds  []MaxRegression     `json:"thresholds,omitempty"`
	Notes       []string            `json:"notes,omitempty"` // what makes the two less comparable
	Load        Deltas              `json:"load,omitempty"`
	Conformance *ConformanceChanges `json:"conformance,omitempty"`
	// Regressions counts the figures that crossed their threshold beyond
	// noise, or the rows (and suite failures) that newly fail.
	Regressions int    `json:"regressions"`
	Verdict     string `json:"verdict"` // Regression or OK
}

// ExitCode is 1 for a regression, else 0. (2, bad input, is the caller's.)
func (c *Result) ExitCode() int {
	if c.Regressions > 0 {
		return 1
	}
	return 0
}

// judge sets the verdict from the regressions.
func (c *Result) judge() {
	c.Verdict = OK
	if c.Regressions > 0 {
		c.Verdict = Regression
	}
}

// Files compares two result files of one kind: two load results (see
// Load) or two conformance results (see Conformance). Thresholds apply to
// load results only. Errors match ErrNotComparable.
func Files(base, new *reports.File, th []MaxRegression) (*Result, error) {
	switch kb, kn := base.Kind(), new.Kind(); {
	case kb != kn:
		return nil, fmt.Errorf("%w: BASE is a %s result and NEW a %s result", ErrNotComparable, kb, kn)
	case base.Load != nil:
		return Load(base.Load, new.Load, th), nil
	case base.Conformance != nil:
		c := Conformance(base.Conformance, new.Conformance)
		if len(th) > 0 {
			c.Notes = append(c.Notes, "--max-regression applies to load results; ignored for conformance results")
		}
		return c, nil
	}
	return nil, fmt.Errorf("%w: capacity results are not compared; compare two steps' load results", ErrNotComparable)
}

// WriteJSON writes c as indented JSON.
func (c *Result) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(c)
}

package reports

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/tokenbench/tokenbench/internal/catalog"
	"github.com/tokenbench/tokenbench/runner/results"
)

// ConformanceSchema is the schema name and version of the conformance JSON
// report. A change that removes or renames a field bumps the version.
const ConformanceSchema = "tokenbench.conformance/v1"

// Row statuses.
const (
	StatusPass    = "pass"    // the requirement holds
	StatusFail    = "fail"    // a MUST requirement does not hold: the run fails
	StatusWarning = "warning" // a SHOULD requirement does not hold: reported, the run does not fail
	StatusSkipped = "skipped" // the row did not run (does not apply, or not selected)
	StatusKnown   = "known"   // a listed known deviation failed as expected
	StatusInfo    = "info"    // an INFO row: an observation
)

// Verdicts.
const (
	VerdictPass = "pass"
	VerdictFail = "fail"
)

// Skip reasons for specs that never ran.
const (
	ReasonLabelFilter = "not selected by the label filter"
	ReasonInterrupted = "not run: the run was interrupted"
	// ReasonInterruptedRunning: the run was interrupted while the row ran.
	ReasonInterruptedRunning = "interrupted while it ran: not judged"
	ReasonSuiteFailed        = "not run: a suite setup node failed"
	ReasonNotRun             = "not run: not selected by the run's filters"
)

// UnexpectedPassMessage marks a row listed as a known deviation that passed.
const UnexpectedPassMessage = "listed as a known deviation but passed: the quirk may be fixed"

// Meta is what the caller knows about the run that Ginkgo's report does not.
type Meta struct {
	Version       string   // tokenbench version
	Target        string   // where the target came from: a file name, or the embedded provider
	Issuer        string   //
	TokenEndpoint string   //
	Profile       string   // the profile name
	ProfileChain  []string // the profile and the profiles it extends, most specific first
	LabelFilter   string   // the --label-filter expression, "" for none
	Reveal        bool     // secrets were not redacted (--reveal)
	// Notices: how the target was reached, said in every report's header.
	Notices []results.Notice
}

// Conformance is the result of one conformance run: one Row per spec that
// checks a catalogue row, in run order, with its evidence. It is built from
// Ginkgo's report by FromGinkgo and written by the Write methods; it is the
// JSON report's schema (ConformanceSchema).
type Conformance struct {
	Schema          string    `json:"schema"`
	Tool            Tool      `json:"tool"`
	Target          Target    `json:"target"`
	Profile         Profile   `json:"profile"`
	LabelFilter     string    `json:"label_filter,omitempty"`
	Reveal          bool      `json:"reveal,omitempty"` // the report holds unredacted secrets
	Start           time.Time `json:"start"`
	DurationSeconds float64   `json:"duration_seconds"`
	Interrupted     bool      `json:"interrupted,omitempty"`
	InterruptReason string    `json:"interrupt_reason,omitempty"`
	// SuiteFailures are failures outside any row: a BeforeSuite or
	// AfterSuite node that failed. Any of them fails the run.
	SuiteFailures []SuiteFailure `json:"suite_failures,omitempty"`
	Verdict       string         `json:"verdict"` // "pass" or "fail"
	Summary       Counts         `json:"summary"`
	// Causes group failing rows that one deviation explains (see Cause).
	Causes []Cause `json:"causes,omitempty"`
	Rows   []Row   `json:"rows"` // in run order
}

// Tool names the program that made the report.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Target says which token endpoint was tested.
type Target struct {
	Source        string `json:"source"`
	Issuer        string `json:"issuer,omitempty"`
	TokenEndpoint string `json:"token_endpoint,omitempty"`
	// Notices are what every report says in its header about how the
	// target was reached (TLS verification off, another issuer, ...).
	Notices []results.Notice `json:"notices,omitempty"`
}

// Profile names the profile the run checked against.
type Profile struct {
	Name  string   `json:"name"`
	Chain []string `json:"chain,omitempty"`
}

// Counts counts rows by status. UnexpectedPass counts the passing rows
// that were listed as known deviations (they are also counted in Pass).
type Counts struct {
	Total          int `json:"total"`
	Pass           int `json:"pass"`
	Fail           int `json:"fail"`
	Warning        int `json:"warning"`
	Skipped        int `json:"skipped"`
	Known          int `json:"known"`
	Info           int `json:"info"`
	UnexpectedPass int `json:"unexpected_pass"`
}

// SuiteFailure is a failure of a Ginkgo node that belongs to no row.
type SuiteFailure struct {
	Node     string `json:"node"` // the Ginkgo node type, e.g. "BeforeSuite"
	Message  string `json:"message"`
	Location string `json:"location,omitempty"`
}

// Row is the outcome of one spec: a catalogue row, or one table entry of it.
type Row struct {
	ID        string        `json:"id"`
	Area      string        `json:"area"`
	AreaTitle string        `json:"area_title"`
	Level     string        `json:"level"`
	Text      string        `json:"text"`            // the It text
	Entry     string        `json:"entry,omitempty"` // the table entry
	Source    string        `json:"source,omitempty"`
	Refs      []catalog.Ref `json:"refs,omitempty"`
	Probe     string        `json:"probe,omitempty"`    // from the catalogue
	Expected  string        `json:"expected,omitempty"` // from the catalogue
	Status    string        `json:"status"`
	// Message is the failure message, the skip reason, or the warning or
	// observation text.
	Message     string `json:"message,omitempty"`
	KnownReason string `json:"known_reason,omitempty"` // from the expected failures
	// ProfileReason is the profile's reason for the level of a row that
	// applies ("not documented by BankID; the standard's MUST").
	ProfileReason string          `json:"profile_reason,omitempty"`
	Findings      []FindingEntry  `json:"findings,omitempty"`
	Exchanges     []ExchangeEntry `json:"exchanges,omitempty"`
	Location      string          `json:"location,omitempty"` // file:line of the failure
	DurationMS    float64         `json:"duration_ms"`
	// Cause is the row ("ID" or "ID [entry]") whose deviation explains this
	// row's failure, the row itself for that one; "" when none does.
	Cause string `json:"cause,omitempty"`
}

// Name is the row's test name: "ID: It text [entry]".
func (r Row) Name() string {
	s := r.ID + ": " + r.Text
	if r.Entry != "" {
		s += " [" + r.Entry + "]"
	}
	return s
}

// ExitCode is the process exit status for the run: 0 for a pass, 1 for a
// fail. (Status 2, bad input, is the caller's.)
func (c *Conformance) ExitCode() int {
	if c.Verdict == VerdictPass {
		return 0
	}
	return 1
}

func (n *Counts) add(r Row) {
	n.Total++
	switch r.Status {
	case StatusPass:
		n.Pass++
	case StatusFail:
		n.Fail++
	case StatusWarning:
		n.Warning++
	case StatusSkipped:
		n.Skipped++
	case StatusKnown:
		n.Known++
	case StatusInfo:
		n.Info++
	}
}

// WriteJSON writes the model as indented JSON (schema ConformanceSchema).
func (c *Conformance) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(c); err != nil {
		return fmt.Errorf("reports: json: %w", err)
	}
	return nil
}

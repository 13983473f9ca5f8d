// Package reports renders results for people and tools. For conformance
// runs it builds one model (Conformance) from Ginkgo's report and the report
// entries the suites attach to each spec, and writes it as JUnit XML, JSON,
// a self-contained HTML page and Markdown. For load runs and capacity
// searches it renders the result model of runner/results as HTML,
// Markdown and text. ReadFile tells result files apart by their schema.
// Comparing results is reports/compare's.
package reports

import (
	"encoding/json"
	"strings"
)

// Report entry names the conformance suites attach to specs (with
// ginkgo.AddReportEntry). The report is built from these and from Ginkgo's
// own spec states; there is no parallel bookkeeping.
const (
	// EntryRow identifies the catalogue row a spec checks: a RowEntry,
	// attached first by every spec. A spec may attach another later to
	// restate its level (an INFO observation where the row could only
	// record what the provider did); the last one counts.
	EntryRow = "tokenbench.row"
	// EntryExchange is one redacted exchange the spec made: an
	// ExchangeEntry, in the order they were made.
	EntryExchange = "tokenbench.exchange"
	// EntryFinding is what the spec concluded beyond pass or fail: a
	// FindingEntry.
	EntryFinding = "tokenbench.finding"
)

// RowEntry identifies the row a spec checks and its level under the profile.
type RowEntry struct {
	ID    string `json:"id"`
	Level string `json:"level"` // MUST, SHOULD, INFO or SKIP
	Area  string `json:"area"`
	// Entry names the table entry for DescribeTable specs ("" otherwise).
	Entry string `json:"entry,omitempty"`
	// SkipReason says why the row does not apply (level SKIP, or a
	// precondition the target does not meet); for a row that applies, the
	// profile's reason for its level (such as "not documented by ...").
	SkipReason string `json:"skip_reason,omitempty"`
}

// ExchangeEntry is one exchange, already redacted, its request and its
// response apart.
type ExchangeEntry struct {
	// Seq numbers the exchange within the run: the same exchange attached
	// to several rows has the same Seq, and findings name exchanges by it.
	Seq        int     `json:"seq,omitempty"`
	Probe      string  `json:"probe"`
	Method     string  `json:"method"`
	URL        string  `json:"url"`
	Status     int     `json:"status"`          // 0: no response
	Error      string  `json:"error,omitempty"` // transport error
	DurationMS float64 `json:"duration_ms"`
	// Request is the request as HTTP/1.1 text: request line, headers,
	// body.
	Request string `json:"request"`
	// Response is the status line, headers (as on the wire) and body, or
	// why there was no response.
	Response string `json:"response"`
}

// MarshalJSON writes the entry and, for tokenbench.conformance/v1 readers,
// its whole text as "http": the request, a blank line, the response.
func (e ExchangeEntry) MarshalJSON() ([]byte, error) {
	type plain ExchangeEntry
	return json.Marshal(struct {
		plain
		HTTP string `json:"http"`
	}{plain(e), e.Request + "\n" + e.Response})
}

// UnmarshalJSON reads an entry; one written before Request and Response
// existed has them split out of its "http" text.
func (e *ExchangeEntry) UnmarshalJSON(b []byte) error {
	type plain ExchangeEntry
	var v struct {
		plain
		HTTP string `json:"http"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*e = ExchangeEntry(v.plain)
	if e.Request == "" && e.Response == "" {
		e.Request, e.Response = splitHTTP(v.HTTP)
	}
	return nil
}

// splitHTTP splits the HTTP text of an entry written before Request and
// Response existed (tokenbench.conformance/v1 as 4fb4b76 wrote it) before
// the response's status line; all of it is the request when there is none.
// This is the only place an exchange's text is split.
func splitHTTP(text string) (request, response string) {
	for _, sep := range []string{"\n\nHTTP/", "\n\n(no response"} {
		if i := strings.Index(text, sep); i >= 0 {
			return text[:i+1], text[i+2:]
		}
	}
	return text, ""
}

// Finding kinds.
const (
	FindingFailure     = "failure"     // a MUST row failed: expected vs observed
	FindingWarning     = "warning"     // a SHOULD row failed: reported, does not fail the run
	FindingObservation = "observation" // an INFO row: what was observed
)

// FindingEntry is a spec's conclusion in words.
type FindingEntry struct {
	Kind     string `json:"kind"`
	Message  string `json:"message"`
	Expected string `json:"expected,omitempty"`
	Observed string `json:"observed,omitempty"`
	// Exchanges are the Seq of the exchanges the finding is about: those a
	// failed assertion judged.
	Exchanges []int `json:"exchanges,omitempty"`
}

// String is how Ginkgo prints the entry (with -v): the kind, then the message.
func (f FindingEntry) String() string { return f.Kind + ": " + f.Message }

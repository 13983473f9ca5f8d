package reports

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/tokenbench/tokenbench/reports/format"
)

// Cause is one deviation that explains several failing rows: a row whose
// check failed on several responses, among them every response the other
// rows' failures are about. Error responses that are not JSON, say, fail
// ERR-JSON on every negative answer and, with it, every row that expects a
// particular error code: fixing the one deviation is the first step.
// Causes are derived from the findings (the exchanges each failure judged),
// not from a table of known defects.
type Cause struct {
	Row     string   `json:"row"`     // the row that states the deviation: "ID" or "ID [entry]"
	Finding string   `json:"finding"` // its failure, first line
	Rows    []string `json:"rows"`    // the failing rows it explains, itself first
	Text    string   `json:"text"`    // "N failures share one cause: ..."
}

// causeStatus reports whether a row with status s takes part in the
// grouping: failures and warnings (a known deviation is already accepted).
func causeStatus(s string) bool { return s == StatusFail || s == StatusWarning }

// rootCauses groups the failing rows by shared cause and sets each grouped
// row's Cause. A row C explains a row R when every exchange R's failure
// judged is among the exchanges C's failure judged, and C's failure judged
// at least two. Causes are chosen greedily, the one explaining most rows
// first (ties: a failure before a warning, then the one that judged more
// exchanges, the more widespread deviation, then report order); a row
// belongs to one cause at most.
func rootCauses(rows []Row) []Cause {
	faulty := make([]map[int]bool, len(rows))
	for i, r := range rows {
		if !causeStatus(r.Status) {
			continue
		}
		for _, f := range r.Findings {
			if f.Kind == FindingFailure || f.Kind == FindingWarning {
				for _, seq := range f.Exchanges {
					if faulty[i] == nil {
						faulty[i] = map[int]bool{}
					}
					faulty[i][seq] = true
				}
			}
		}
	}
	explains := func(c, r int) bool {
		if c == r || len(faulty[r]) == 0 {
			return false
		}
		for seq := range faulty[r] {
			if !faulty[c][seq] {
				return false
			}
		}
		return true
	}
	taken := make([]bool, len(rows))
	var causes []Cause
	for {
		best, bestRows := -1, []int(nil)
		for c := range rows {
			if taken[c] || len(faulty[c]) < 2 {
				continue
			}
			var rs []int
			for r := range rows {
				if !taken[r] && explains(c, r) {
					rs = append(rs, r)
				}
			}
			better := best < 0 || len(rs) > len(bestRows) ||
				len(rs) == len(bestRows) && (rows[c].Status == StatusFail && rows[best].Status != StatusFail ||
					rows[c].Status == rows[best].Status && len(faulty[c]) > len(faulty[best]))
			if len(rs) > 0 && better {
				best, bestRows = c, rs
			}
		}
		if best < 0 {
			return causes
		}
		cause := Cause{Row: rowKey(rows[best]), Finding: causeFinding(rows[best]), Rows: []string{rowKey(rows[best])}}
		taken[best] = true
		rows[best].Cause = cause.Row
		for _, r := range bestRows {
			taken[r] = true
			rows[r].Cause = cause.Row
			cause.Rows = append(cause.Rows, rowKey(rows[r]))
		}
		cause.Text = fmt.Sprintf("%d failures share one cause: %s fails on the responses they judged (%s); fix that first",
			len(cause.Rows), cause.Row, cause.Finding)
		causes = append(causes, cause)
	}
}

// rowKey names a row in causes: "ID" or "ID [entry]".
func rowKey(r Row) string {
	if r.Entry != "" {
		return r.ID + " [" + r.Entry + "]"
	}
	return r.ID
}

// probePrefix is the "[probe] " an ERR row puts before each finding.
var probePrefix = regexp.MustCompile(`^\[[^\]]*\] `)

// causeFinding is the first line of the row's failure, without the probe
// it came from.
func causeFinding(r Row) string {
	msg := r.Message
	for _, f := range r.Findings {
		if f.Kind == FindingFailure || f.Kind == FindingWarning {
			msg = f.Message
			break
		}
	}
	return strings.TrimSpace(probePrefix.ReplaceAllString(format.FirstLine(msg), ""))
}

// causeLink is a row of a cause with its in-page anchor, for the HTML page.
type causeLink struct{ Key, Anchor string }

// htmlCause is a cause as the HTML page shows it.
type htmlCause struct {
	Cause
	Links []causeLink
}

// htmlCauses links every row of every cause to its anchor.
func (c *Conformance) htmlCauses() []htmlCause {
	anchor := map[string]string{}
	for i, r := range c.Rows {
		if _, ok := anchor[rowKey(r)]; !ok {
			anchor[rowKey(r)] = indexedRow{Index: i}.Anchor()
		}
	}
	out := make([]htmlCause, 0, len(c.Causes))
	for _, cs := range c.Causes {
		hc := htmlCause{Cause: cs}
		for _, k := range cs.Rows {
			hc.Links = append(hc.Links, causeLink{Key: k, Anchor: anchor[k]})
		}
		out = append(out, hc)
	}
	return out
}

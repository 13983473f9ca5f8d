package reports

import (
	"fmt"
	"strings"

	"github.com/tokenbench/tokenbench/reports/format"
	"github.com/tokenbench/tokenbench/runner/results"
)

// grantText says which grant a run drove, "" for the code grant (and for
// results that do not say).
func grantText(r *results.Load) string {
	switch r.Grant {
	case "", results.GrantAuthorizationCode:
		return ""
	case results.GrantClientCredentials:
		return "client_credentials: no code; every request a client credentials grant"
	}
	return "refresh_token: each request refreshes a chain started by one code (the start measured apart, like the wait for a code)"
}

// chainsText describes a refresh run's chains: started, the time to
// start one, restarts by reason, failed starts, and the validation of the
// code exchanges that started them. "" without chains.
func chainsText(c *results.Chains) string {
	if c == nil {
		return ""
	}
	timing := fmt.Sprintf("mean %.2f ms", c.StartMS)
	if p := c.StartTimeMS; p.Max > 0 {
		timing += fmt.Sprintf(", p99 %.2f ms, max %.2f ms", p.P99, p.Max)
	}
	s := fmt.Sprintf("started %d (each in %s, apart from the latency), restarts %d", c.Started, timing, c.Restarted())
	if len(c.Restarts) > 0 {
		s += " (" + countsText(c.Restarts) + ")"
	}
	if c.StartFailures > 0 {
		s += fmt.Sprintf(", failed starts %d", c.StartFailures)
	}
	switch {
	case c.StartValidated == 0:
	case len(c.StartCheckFailures) == 0:
		s += fmt.Sprintf("; the %d code exchanges that started them validated, every row held", c.StartValidated)
	default:
		s += fmt.Sprintf("; of the %d code exchanges that started them (validated), %d failed a MUST row; rows failed: %s",
			c.StartValidated, c.StartInvalid, countsText(c.StartCheckFailures))
	}
	return s
}

// probesText gives the reuse probes' rows: failures of probes, and share,
// and the probes skipped.
func probesText(c *results.Chains) string {
	if c == nil {
		return ""
	}
	skipped := ""
	if c.ProbesSkipped > 0 {
		skipped = fmt.Sprintf("; %d rotations drawn for a probe got none (the probers were busy, or the run ended)", c.ProbesSkipped)
	}
	if c.ReuseProbes == 0 {
		if skipped != "" {
			return "none sent" + skipped
		}
		return "none (--reuse-probes 0, or no rotation)"
	}
	var parts []string
	for _, row := range c.Rows() {
		verdict := "pass"
		if row.Failed > 0 {
			verdict = "FAIL"
		}
		parts = append(parts, fmt.Sprintf("%s %s: %d of %d probes (%s)", row.ID, verdict, row.Failed, row.Of, format.Share(row.Failed, row.Of)))
	}
	return strings.Join(parts, "; ") + skipped
}

// grantFacts are the grant's facts for the HTML report.
func grantFacts(r *results.Load) []fact {
	var f []fact
	if g := grantText(r); g != "" {
		f = append(f, fact{"Grant", g})
	}
	if c := r.Chains; c != nil {
		f = append(f, fact{"Refresh chains", chainsText(c)}, fact{"Reuse probes", probesText(c)})
	}
	return f
}

package reports

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
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

// chainsText describes a refresh run's chains: started, restarts by
// reason, the mean time to start one. "" without chains.
func chainsText(c *results.Chains) string {
	if c == nil {
		return ""
	}
	s := fmt.Sprintf("started %d (mean %.2f ms each, apart from the latency), restarts %d", c.Started, c.StartMS, c.Restarted())
	if len(c.Restarts) > 0 {
		keys := slices.SortedFunc(maps.Keys(c.Restarts), func(a, b string) int {
			return cmp.Or(cmp.Compare(c.Restarts[b], c.Restarts[a]), cmp.Compare(a, b))
		})
		var parts []string
		for _, k := range keys {
			parts = append(parts, fmt.Sprintf("%s %d", k, c.Restarts[k]))
		}
		s += " (" + strings.Join(parts, ", ") + ")"
	}
	if c.StartFailures > 0 {
		s += fmt.Sprintf(", failed starts %d", c.StartFailures)
	}
	return s
}

// probesText gives the reuse probes' rows: failures of probes, and share.
func probesText(c *results.Chains) string {
	if c == nil {
		return ""
	}
	if c.ReuseProbes == 0 {
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
	return strings.Join(parts, "; ")
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

package results

// Grants a load run can drive (RFC 6749 §4.1.3, §6, §4.4.2).
const (
	GrantAuthorizationCode = "authorization_code"
	GrantRefreshToken      = "refresh_token"
	GrantClientCredentials = "client_credentials"
)

// RestartAfterProbe is the restart reason of a chain whose family a reuse
// probe revoked, as the profile wants: no error.
const RestartAfterProbe = "after a reuse probe"

// Chains describe the refresh chains of a refresh_token run: how many were
// started (each by redeeming one code, measured apart from the refresh
// latency), why they restarted, and the reuse probes.
//
// https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2
type Chains struct {
	Started int64 `json:"started"`
	// StartMS is the mean time to start a chain (or fail to): obtaining a
	// code and redeeming it. Like the code wait, it is no part of the
	// latency. StartTimeMS is its distribution.
	StartMS     float64     `json:"start_mean_ms"`
	StartTimeMS Percentiles `json:"start_ms"`
	// StartFailures counts chain starts that got no refresh token.
	StartFailures int64 `json:"start_failures,omitempty"`
	// StartValidated counts the code exchanges that started a chain and
	// went through the code grant's checks; StartCheckFailures counts, per
	// row, those that failed it, and StartInvalid those that failed a MUST
	// row (the chain is still used: its refresh token is what it needs).
	StartValidated     int64            `json:"start_validated"`
	StartCheckFailures map[string]int64 `json:"start_check_failures,omitempty"`
	StartInvalid       int64            `json:"start_invalid,omitempty"`
	// Restarts counts the chains started again, by reason: the outcome
	// that broke the chain, or RestartAfterProbe.
	Restarts map[string]int64 `json:"restarts,omitempty"`
	// ReuseProbes: rotated-away tokens presented again; ReuseAccepted of
	// them worked (RT-REUSE-REJECTED fails).
	ReuseProbes   int64 `json:"reuse_probes"`
	ReuseAccepted int64 `json:"reuse_accepted"`
	// FamilyProbes: after a reuse probe, under a profile that requires
	// family revocation, the chain's newest token tried once;
	// FamilySurvived of them still worked (RT-REUSE-REVOKES-FAMILY fails).
	FamilyProbes   int64 `json:"family_probes"`
	FamilySurvived int64 `json:"family_survived"`
	// ProbesSkipped counts the rotations drawn for a reuse probe that got
	// none: the probers were busy with earlier ones, or the run ended
	// first. Probes are sent beside the schedule, never in its way.
	ProbesSkipped int64 `json:"probes_skipped,omitempty"`
}

// RowShare is a row's failures under load out of the probes that test it.
type RowShare struct {
	ID     string
	Failed int64
	Of     int64
}

// Share is Failed/Of, 0 with no probe.
func (r RowShare) Share() float64 {
	if r.Of == 0 {
		return 0
	}
	return float64(r.Failed) / float64(r.Of)
}

// Rows are the reuse probes' rows, with their failures and probes.
func (c *Chains) Rows() []RowShare {
	if c == nil || c.ReuseProbes == 0 {
		return nil
	}
	rows := []RowShare{{"RT-REUSE-REJECTED", c.ReuseAccepted, c.ReuseProbes}}
	if c.FamilyProbes > 0 {
		rows = append(rows, RowShare{"RT-REUSE-REVOKES-FAMILY", c.FamilySurvived, c.FamilyProbes})
	}
	return rows
}

// Restarted is the number of chains started again, for any reason.
func (c *Chains) Restarted() int64 {
	var n int64
	if c != nil {
		for _, v := range c.Restarts {
			n += v
		}
	}
	return n
}

// add sums o into c (merging shards). The mean start time is weighted by
// the starts; its percentiles are bounds (see boundPercentiles).
func (c *Chains) add(o *Chains) {
	starts := []int64{c.Started + c.StartFailures, o.Started + o.StartFailures}
	c.StartTimeMS = boundPercentiles([]Percentiles{c.StartTimeMS, o.StartTimeMS}, starts)
	if n := starts[0] + starts[1]; n > 0 {
		c.StartMS = (c.StartMS*float64(starts[0]) + o.StartMS*float64(starts[1])) / float64(n)
	}
	c.Started += o.Started
	c.StartFailures += o.StartFailures
	c.StartValidated += o.StartValidated
	c.StartInvalid += o.StartInvalid
	if len(o.StartCheckFailures) > 0 {
		c.StartCheckFailures = addCounts(c.StartCheckFailures, o.StartCheckFailures)
	}
	for k, v := range o.Restarts {
		if c.Restarts == nil {
			c.Restarts = map[string]int64{}
		}
		c.Restarts[k] += v
	}
	c.ReuseProbes += o.ReuseProbes
	c.ReuseAccepted += o.ReuseAccepted
	c.FamilyProbes += o.FamilyProbes
	c.FamilySurvived += o.FamilySurvived
	c.ProbesSkipped += o.ProbesSkipped
}

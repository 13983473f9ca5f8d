package reports

import (
	"bytes"
	"html"
	"strings"
	"testing"

	"github.com/tokenbench/tokenbench/runner/results"
)

// TestLoadGrantInReports: every form of the load report names the grant
// and, for refresh_token, the chains and the reuse probes' rows; a code
// grant run shows none of it.
func TestLoadGrantInReports(t *testing.T) {
	t.Parallel()
	refresh := healthyRun(t)
	refresh.Grant = results.GrantRefreshToken
	refresh.Chains = &results.Chains{Started: 40, StartMS: 2.5, StartTimeMS: results.Percentiles{P99: 6, Max: 7.25},
		Restarts: map[string]int64{results.RestartAfterProbe: 30, "invalid_grant": 2}, StartValidated: 40, StartInvalid: 3,
		StartCheckFailures: map[string]int64{"RESP-ID-TOKEN": 3, "IDT-NONCE": 1},
		ReuseProbes:        300, ReuseAccepted: 3, FamilyProbes: 300, FamilySurvived: 0, ProbesSkipped: 5}
	cc := healthyRun(t)
	cc.Grant = results.GrantClientCredentials
	code := healthyRun(t)
	code.Grant = results.GrantAuthorizationCode
	want := []string{"refresh_token: each request refreshes a chain",
		"started 40 (each in mean 2.50 ms, p99 6.00 ms, max 7.25 ms, apart from the latency), restarts 32 (after a reuse probe 30, invalid_grant 2)",
		"of the 40 code exchanges that started them (validated), 3 failed a MUST row; rows failed: RESP-ID-TOKEN 3, IDT-NONCE 1",
		"RT-REUSE-REJECTED FAIL: 3 of 300 probes (1.00 %); RT-REUSE-REVOKES-FAMILY pass: 0 of 300 probes (0 %); 5 rotations drawn for a probe got none"}
	for _, f := range []struct {
		name  string
		write func(*bytes.Buffer, *results.Load) error
	}{
		{"text", func(b *bytes.Buffer, r *results.Load) error { return WriteLoadText(b, r) }},
		{"markdown", func(b *bytes.Buffer, r *results.Load) error { return WriteLoadMarkdown(b, r) }},
		{"html", func(b *bytes.Buffer, r *results.Load) error { return WriteLoadHTML(b, r) }},
	} {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			out := func(r *results.Load) string {
				var b bytes.Buffer
				if err := f.write(&b, r); err != nil {
					t.Fatal(err)
				}
				return html.UnescapeString(b.String())
			}
			got := out(refresh)
			for _, w := range want {
				if !strings.Contains(got, w) {
					t.Errorf("refresh run: no %q in\n%.3000s", w, got)
				}
			}
			if got := out(cc); !strings.Contains(got, "client_credentials: no code") || strings.Contains(got, "reuse probes") {
				t.Errorf("client credentials run:\n%.3000s", got)
			}
			if got := out(code); strings.Contains(got, "refresh_token") || strings.Contains(got, "client_credentials") {
				t.Errorf("code grant run names another grant:\n%.3000s", got)
			}
		})
	}
}

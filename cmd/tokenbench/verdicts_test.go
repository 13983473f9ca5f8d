package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The classes of wrong verdict issue 11 names, each shown on the embedded
// reference provider with the defect or valid variant that provokes it:
// the row's verdict and the words of its message. Every case here gave
// another verdict before the class was fixed (noted per case).
var verdictCases = []struct {
	name   string
	args   []string
	row    string // "ID" or "ID [entry]"
	status string
	says   []string // substrings of the row's message
}{
	// 1. A second client that cannot authenticate is no evidence of
	// binding (before: pass, its 401 invalid_client taken as binding).
	{"second client cannot authenticate", []string{"--defect", "basic-not-decoded,code-not-bound"},
		"CODE-BOUND-TO-CLIENT", "skipped", []string{"cannot redeem a code of its own", "does not form-urlencode-decode Basic credentials"}},
	// 2. A refresh token issued in the run sets the expectation before
	// discovery does (before: fail, unsupported_grant_type expected).
	{"grant observed in the run", []string{"--profile", "oidc", "--variant", "nonce-absent", "--provider-grants", "refresh_token", "--defect", "disc-grants-code-only"},
		"REQ-GRANT-ONLY-CODE [refresh_token]", "skipped", []string{"refresh_token is supported", "observed in this run"}},
	{"grant expectation from the profile", nil,
		"REQ-GRANT-ONLY-CODE [password]", "pass", []string{"came from profile bankid"}},
	{"grant expectation from discovery", []string{"--profile", "oidc", "--variant", "nonce-absent"},
		"REQ-GRANT-ONLY-CODE [password]", "pass", []string{"came from discovery's grant_types_supported"}},
	// 4. Without userinfo, introspection or the refresh token shows
	// revocation (before: skipped).
	{"revocation by introspection", []string{"--variant", "no-userinfo,introspection", "--defect", "reuse-no-revoke"},
		"CODE-REUSE-REVOKES", "warning", []string{"introspection after the reuse: the provider answered 200 OK", `"active": false`}},
	{"revocation by refresh", []string{"--profile", "oidc", "--variant", "no-userinfo,nonce-absent", "--provider-grants", "refresh_token", "--defect", "reuse-no-revoke,refresh-survives-code-reuse"},
		"CODE-REUSE-REVOKES", "warning", []string{"refresh after the reuse: the provider answered 200 OK with tokens"}},
	{"nothing shows revocation", []string{"--variant", "no-userinfo", "--defect", "reuse-no-revoke"},
		"CODE-REUSE-REVOKES", "skipped", []string{"nothing can show revocation"}},
	// 6. Two methods means a complete client_secret_post next to Basic
	// (before: fail, the lone secret ignored as it may be).
	{"lone secret recorded", []string{"--variant", "lone-secret-ignored"},
		"AUTH-TWO-METHODS [Basic and a lone client_secret]", "info", []string{"lone client_secret", "200 OK with tokens"}},
	{"complete pair refused", []string{"--variant", "lone-secret-ignored"},
		"AUTH-TWO-METHODS [Basic and a complete second method]", "pass", nil},
	// 9. A provider that requires a nonce is recorded on the nonce-absence
	// row only (before: warning, the refusal taken as the row's failure).
	{"nonce required", []string{"--variant", "nonce-required"},
		"IDT-NONCE-ABSENT", "info", []string{"refused an authorization request without a nonce", "OPTIONAL"}},
	// 10. The first line is what the provider did (before: the rule).
	{"observed first", []string{"--defect", "code-reusable"},
		"CODE-SINGLE-USE", "fail", []string{"second redemption: the provider answered 200 OK with tokens; the row expects status 400 with error invalid_grant"}},
}

func TestVerdictClasses(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suite once per case")
	}
	t.Parallel()
	for _, tt := range verdictCases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rows := conformRows(t, append([]string{"--label-filter", "!slow"}, tt.args...)...)
			r, ok := rows[tt.row]
			if !ok {
				t.Fatalf("no row %s in the report", tt.row)
			}
			if r.Status != tt.status {
				t.Errorf("%s: %s, want %s\n%s", tt.row, r.Status, tt.status, r.Message)
			}
			for _, s := range tt.says {
				if !strings.Contains(r.Message, s) {
					t.Errorf("%s: message does not say %q:\n%s", tt.row, s, r.Message)
				}
			}
		})
	}
}

// reportRow is what the verdict tests read of a report row.
type reportRow struct {
	ID, Entry, Level, Status, Message, Cause string
}

// conformRows runs `tokenbench conform args...` against the embedded
// provider in a subprocess and returns its report's rows by "ID [entry]".
func conformRows(t *testing.T, args ...string) map[string]reportRow {
	t.Helper()
	out := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], append([]string{"conform", "--out", out}, args...)...)
	cmd.Env = append(os.Environ(), "TOKENBENCH_TEST_AS_CLI=1")
	var so bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &so
	_ = cmd.Run()
	data, err := os.ReadFile(filepath.Join(out, "conformance.json"))
	if err != nil {
		t.Fatalf("conform %v wrote no report: %v\n%s", args, err, so.String())
	}
	var rep struct{ Rows []reportRow }
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	rows := map[string]reportRow{}
	for _, r := range rep.Rows {
		key := r.ID
		if r.Entry != "" {
			key += " [" + r.Entry + "]"
		}
		rows[key] = r
	}
	return rows
}

// TestRootCausesGrouped: one defect that makes many rows fail is reported
// as one cause, in the JSON report and on the terminal, and an unrelated
// failure stays on its own (issue 11, item 11: before, 25 rows failed side
// by side).
func TestRootCausesGrouped(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suite")
	}
	t.Parallel()
	out := t.TempDir()
	cmd := exec.Command(os.Args[0], "conform", "--out", out, "--label-filter", "!slow", "--defect", "error-text-plain,no-pragma")
	cmd.Env = append(os.Environ(), "TOKENBENCH_TEST_AS_CLI=1")
	stdout, _ := cmd.CombinedOutput()
	data, err := os.ReadFile(filepath.Join(out, "conformance.json"))
	if err != nil {
		t.Fatalf("no report: %v\n%s", err, stdout)
	}
	var rep struct {
		Causes []struct {
			Row  string
			Rows []string
			Text string
		}
		Rows []reportRow
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Causes) != 1 || rep.Causes[0].Row != "ERR-JSON" || len(rep.Causes[0].Rows) < 20 {
		t.Fatalf("causes %+v, want one, ERR-JSON, explaining at least 20 rows", rep.Causes)
	}
	for _, r := range rep.Rows {
		if r.ID == "RESP-PRAGMA" && (r.Status != "fail" || r.Cause != "") {
			t.Errorf("RESP-PRAGMA: %s, cause %q: an unrelated failure must stand alone", r.Status, r.Cause)
		}
		if r.Status == "fail" && r.ID != "RESP-PRAGMA" && r.Cause != "ERR-JSON" {
			t.Errorf("%s [%s] fails without the cause", r.ID, r.Entry)
		}
	}
	if !strings.Contains(string(stdout), "cause      "+rep.Causes[0].Text) || strings.Contains(string(stdout), "FAIL    MUST   REQ-CODE-MISSING") {
		t.Errorf("the terminal summary does not group the rows under their cause:\n%s", stdout)
	}
	for _, name := range []string{"conformance.md", "conformance.html"} {
		b, err := os.ReadFile(filepath.Join(out, name))
		if err != nil || !strings.Contains(string(b), "failures share one cause") {
			t.Errorf("%s shows no root cause (%v)", name, err)
		}
	}
}

// TestConsoleFailure: a failure on the console is the message, located at
// the row's own line in the suites (not the shared helpers'), without Go
// struct dumps of the report entries; -v still prints Ginkgo's full output
// (issue 11, item 12).
func TestConsoleFailure(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suite")
	}
	t.Parallel()
	run := func(extra ...string) string {
		cmd := exec.Command(os.Args[0], append([]string{"conform", "--out", t.TempDir(), "--defect", "code-reusable",
			"--label-filter", "TE:CODE-SINGLE-USE || TE:CODE-REUSE-REVOKES"}, extra...)...)
		cmd.Env = append(os.Environ(), "TOKENBENCH_TEST_AS_CLI=1")
		out, _ := cmd.CombinedOutput()
		return string(out)
	}
	plain := run()
	for _, bad := range []string{"{Kind:", "Expected:", "suites/env.go", "suites/row.go", "suites/matchers.go"} {
		if strings.Contains(plain, bad) {
			t.Errorf("the console shows %q:\n%s", bad, plain)
		}
	}
	if !strings.Contains(plain, "[FAILED] second redemption: the provider answered 200 OK with tokens") || !strings.Contains(plain, "suites/code.go:") {
		t.Errorf("the failure is not the provider's answer at the row's line:\n%s", plain)
	}
	verbose := run("-v")
	for _, want := range []string{"STEP: redeeming the code once", "warning: userinfo after the reuse: the provider answered 200 OK", "CODE-REUSE-REVOKES"} {
		if !strings.Contains(verbose, want) {
			t.Errorf("-v does not show %q:\n%s", want, verbose)
		}
	}
	if strings.Contains(verbose, "{Kind:") {
		t.Errorf("-v shows a struct dump:\n%s", verbose)
	}
}

// TestReuseRevokesEveryMethod: the refresh token shows revocation whatever
// the client's authentication method (issue 11, item 4, after the merge of
// client authentication: before, the refresh request authenticated with
// HTTP Basic whatever the method, and a private_key_jwt or TLS client's
// refused refresh read as "not revoked").
func TestReuseRevokesEveryMethod(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suite once per method")
	}
	t.Parallel()
	prof := filepath.Join(t.TempDir(), "oidc-every-method.yaml")
	body := "name: oidc-every-method\nextends: oidc\nauth:\n  methods: [client_secret_basic, client_secret_post, client_secret_jwt, private_key_jwt, tls_client_auth, self_signed_tls_client_auth]\n" +
		"  binding: registered\n  assertion: {audiences: [token_endpoint, issuer]}\n"
	if err := os.WriteFile(prof, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"private_key_jwt", "tls_client_auth"} {
		t.Run(m, func(t *testing.T) {
			t.Parallel()
			rows := conformRows(t, "--label-filter", "TE:CODE-REUSE-REVOKES", "--profile", prof, "--auth-method", m,
				"--variant", "no-userinfo,nonce-absent", "--provider-grants", "refresh_token")
			if r := rows["CODE-REUSE-REVOKES"]; r.Status != "pass" {
				t.Errorf("CODE-REUSE-REVOKES with %s against a provider that revokes: %s, want pass\n%s", m, r.Status, r.Message)
			}
			rows = conformRows(t, "--label-filter", "TE:CODE-REUSE-REVOKES", "--profile", prof, "--auth-method", m,
				"--variant", "no-userinfo,nonce-absent", "--provider-grants", "refresh_token", "--defect", "reuse-no-revoke,refresh-survives-code-reuse")
			if r := rows["CODE-REUSE-REVOKES"]; r.Status != "warning" || !strings.Contains(r.Message, "refresh after the reuse: the provider answered 200 OK with tokens") {
				t.Errorf("CODE-REUSE-REVOKES with %s against reuse-no-revoke: %s, want warning from the refresh\n%s", m, r.Status, r.Message)
			}
		})
	}
}

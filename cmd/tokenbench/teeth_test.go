package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/internal/provider"
)

// The teeth test: the conformance suite against the reference provider with
// each of its defects must fail exactly the rows that exist to catch it
// (MUST rows fail, SHOULD rows warn), and pass, with no failure and no
// warning, against the clean provider and every correct variant. Removing or
// weakening a check makes a row disappear from a defect's failures, which
// fails this test.
//
// Each run is a separate process (Ginkgo runs one suite per process): the
// test binary re-executes itself as the tokenbench CLI.

// teeth maps each defect to the MUST rows that must fail and the SHOULD
// rows that must warn under the bankid profile. Rows beyond the defect's
// own are there because the deviation changes what they see too: an error
// code or status that is wrong everywhere fails every row that expects that
// error (error-bad-code, error-status-403, error-text-plain); a 500 is also
// an ERR-NO-5XX and ERR-STATUS failure; a missing amr or azp is also a
// missing documented claim (IDT-CLAIMS); an empty or unstable sub no longer
// matches userinfo's; an unknown kid leaves the signature unverified; a
// provider that rejects unknown parameters rejects the extra parameters of
// the other grant types' probes before looking at grant_type.
var teeth = []struct {
	defect     string
	fail, warn []string
}{
	{"access-token-bad-chars", []string{"RESP-ACCESS-TOKEN"}, nil},
	{"alg-hs256", []string{"IDT-ALG"}, nil},
	{"alg-none", []string{"IDT-ALG", "IDT-JWS", "IDT-SIGNATURE"}, nil},
	{"auth-time-after-iat", []string{"IDT-AUTH-TIME"}, nil},
	{"bad-at-hash", []string{"IDT-AT-HASH"}, nil},
	{"bad-signature", []string{"IDT-SIGNATURE"}, nil},
	{"basic-not-decoded", []string{"AUTH-BASIC-ENCODING"}, nil},
	{"birthdate-format", []string{"IDT-CLAIMS"}, nil},
	{"client-id-accepted", []string{"REQ-CLIENT-ID-REJECTED"}, nil},
	{"code-missing-wrong-error", []string{"REQ-CODE-MISSING"}, nil},
	{"code-never-expires", []string{"CODE-EXPIRES"}, nil},
	{"code-not-bound", []string{"CODE-BOUND-TO-CLIENT"}, nil},
	{"code-race", []string{"CODE-SINGLE-USE-RACE"}, nil},
	{"code-reusable", []string{"CODE-SINGLE-USE", "CODE-SINGLE-USE-RACE"}, []string{"CODE-REUSE-REVOKES"}},
	{"content-type-text", []string{"RESP-CONTENT-TYPE"}, nil},
	{"duplicates-accepted", []string{"REQ-NO-DUPLICATES"}, nil},
	{"empty-redirect-accepted", []string{"REQ-EMPTY-AS-OMITTED"}, nil},
	{"empty-sub", []string{"IDT-SUB", "IDT-USERINFO-SUB"}, nil},
	{"error-bad-code", []string{"CODE-BOUND-TO-CLIENT", "CODE-SINGLE-USE", "ERR-CODE-CHARSET", "PKCE-MISSING-VERIFIER", "PKCE-WRONG-VERIFIER", "REQ-CODE-UNKNOWN", "REQ-REDIRECT-MISMATCH"}, nil},
	{"error-cacheable", nil, []string{"ERR-NO-STORE"}},
	{"error-description-bad-chars", []string{"ERR-DESCRIPTION-CHARSET"}, nil},
	{"error-status-403", []string{"CODE-BOUND-TO-CLIENT", "CODE-SINGLE-USE", "ERR-STATUS", "PKCE-MISSING-VERIFIER", "PKCE-WRONG-VERIFIER", "REQ-CODE-UNKNOWN", "REQ-REDIRECT-MISMATCH"}, nil},
	{"error-text-plain", []string{"AUTH-MISSING", "AUTH-PUBLIC-CLIENT", "AUTH-TWO-METHODS", "AUTH-UNKNOWN-CLIENT", "AUTH-WRONG-SECRET", "CODE-BOUND-TO-CLIENT", "CODE-SINGLE-USE", "ERR-JSON", "ERR-STATUS", "PKCE-MISSING-VERIFIER", "PKCE-WRONG-VERIFIER", "REQ-CLIENT-ID-REJECTED", "REQ-CODE-MISSING", "REQ-CODE-UNKNOWN", "REQ-GRANT-MISSING", "REQ-GRANT-ONLY-CODE", "REQ-NO-DUPLICATES", "REQ-REDIRECT-MISMATCH", "REQ-REDIRECT-MISSING"}, nil},
	{"error-uri-bad", []string{"ERR-URI"}, nil},
	{"exp-millis", []string{"IDT-EXP"}, nil},
	{"expires-in-string", []string{"RESP-EXPIRES-IN"}, nil},
	{"expires-inconsistent", nil, []string{"RESP-EXPIRES-CONSISTENT"}},
	{"get-accepted", []string{"REQ-METHOD-POST"}, nil},
	{"grant-missing-accepted", []string{"REQ-GRANT-MISSING"}, nil},
	{"header-jku", nil, []string{"IDT-HEADER-KEYS"}},
	{"iat-future", []string{"IDT-IAT"}, nil},
	{"json-body-accepted", []string{"REQ-FORM-ONLY"}, nil},
	{"long-lifetime", nil, []string{"IDT-LIFETIME", "RESP-EXPIRES-CONSISTENT"}},
	{"malformed-auth-500", []string{"AUTH-MALFORMED", "ERR-NO-5XX", "ERR-STATUS"}, nil},
	{"missing-auth-400", []string{"AUTH-MISSING"}, nil},
	{"no-amr", []string{"IDT-AMR", "IDT-CLAIMS"}, nil},
	{"no-azp", []string{"IDT-AZP", "IDT-CLAIMS"}, nil},
	{"no-cache-control", []string{"RESP-NO-STORE"}, nil},
	{"no-id-token", []string{"RESP-ID-TOKEN"}, nil},
	{"no-kid", []string{"IDT-KID"}, nil},
	{"no-pragma", []string{"RESP-PRAGMA"}, nil},
	{"no-scope", []string{"RESP-SCOPE"}, nil},
	{"no-www-authenticate", []string{"AUTH-WRONG-SECRET"}, nil},
	{"nonce-invented", nil, []string{"IDT-NONCE-ABSENT"}},
	{"pkce-downgrade-accepted", []string{"PKCE-DOWNGRADE"}, nil},
	{"pkce-missing-verifier-accepted", []string{"PKCE-MISSING-VERIFIER"}, nil},
	{"pkce-wrong-verifier-accepted", []string{"PKCE-WRONG-VERIFIER"}, nil},
	{"public-client-accepted", []string{"AUTH-PUBLIC-CLIENT"}, nil},
	{"redirect-missing-accepted", []string{"REQ-REDIRECT-MISSING"}, nil},
	{"redirect-prefix-match", []string{"REQ-REDIRECT-MISMATCH"}, nil},
	{"refresh-token", []string{"RESP-NO-REFRESH"}, nil},
	{"reuse-no-revoke", nil, []string{"CODE-REUSE-REVOKES"}},
	{"secret-in-query-accepted", []string{"AUTH-SECRET-IN-QUERY"}, nil},
	{"secret-post-accepted", []string{"AUTH-SECRET-POST"}, nil},
	{"short-codes", nil, []string{"CODE-ENTROPY"}},
	{"status-201", []string{"RESP-STATUS-200"}, nil},
	{"token-type-mac", []string{"RESP-TOKEN-TYPE"}, nil},
	{"two-methods-accepted", []string{"AUTH-TWO-METHODS"}, nil},
	{"unknown-client-400", []string{"AUTH-UNKNOWN-CLIENT"}, nil},
	{"unknown-code-500", []string{"ERR-NO-5XX", "ERR-STATUS", "REQ-CODE-UNKNOWN"}, nil},
	{"unknown-kid", []string{"IDT-KID", "IDT-SIGNATURE"}, nil},
	{"unknown-param-rejected", []string{"REQ-GRANT-ONLY-CODE", "REQ-UNKNOWN-IGNORED"}, nil},
	{"unstable-sub", []string{"IDT-SUB", "IDT-USERINFO-SUB"}, nil},
	{"userinfo-other-sub", []string{"IDT-USERINFO-SUB"}, nil},
	{"wrong-aud", []string{"IDT-AUD"}, nil},
	{"wrong-grant-error", []string{"REQ-GRANT-ONLY-CODE"}, nil},
	{"wrong-iss", []string{"IDT-ISS"}, nil},
	{"wrong-nonce", []string{"IDT-NONCE"}, nil},
}

// strictProfile promotes the SHOULD rows above to MUST, so that a defect
// only they catch also fails a run.
const strictProfile = `name: strict
extends: bankid
rows:
  CODE-REUSE-REVOKES: {level: MUST}
  CODE-ENTROPY: {level: MUST}
  ERR-NO-STORE: {level: MUST}
  RESP-EXPIRES-CONSISTENT: {level: MUST}
  IDT-HEADER-KEYS: {level: MUST}
  IDT-LIFETIME: {level: MUST}
  IDT-NONCE-ABSENT: {level: MUST}
`

// TestMain lets the test binary act as the CLI for the subprocess runs.
func TestMain(m *testing.M) {
	if os.Getenv("TOKENBENCH_TEST_AS_CLI") == "1" {
		main()
	}
	os.Exit(m.Run())
}

// conformResult is what a subprocess conform run produced.
type conformResult struct {
	exit                int
	fail, warn, known   []string
	stdout, stderr      string
	rows, skipped, pass int
}

// conformProcess runs `tokenbench conform args...` in a subprocess and
// reads its JSON report.
func conformProcess(t *testing.T, args ...string) conformResult {
	t.Helper()
	out := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], append([]string{"conform", "--out", out}, args...)...)
	cmd.Env = append(os.Environ(), "TOKENBENCH_TEST_AS_CLI=1")
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	err := cmd.Run()
	res := conformResult{stdout: so.String(), stderr: se.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		res.exit = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("conform %v: %v", args, err)
	}
	data, err := os.ReadFile(filepath.Join(out, "conformance.json"))
	if err != nil {
		t.Fatalf("conform %v (exit %d) wrote no JSON report: %v\n%s\n%s", args, res.exit, err, res.stdout, res.stderr)
	}
	var rep struct {
		Rows []struct{ ID, Status string }
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	res.rows = len(rep.Rows)
	for _, r := range rep.Rows {
		switch r.Status {
		case "fail":
			res.fail = appendOnce(res.fail, r.ID)
		case "warning":
			res.warn = appendOnce(res.warn, r.ID)
		case "known":
			res.known = appendOnce(res.known, r.ID)
		case "skipped":
			res.skipped++
		case "pass", "info":
			res.pass++
		}
	}
	sort.Strings(res.fail)
	sort.Strings(res.warn)
	return res
}

func appendOnce(s []string, v string) []string {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

func TestTeethCoverEveryDefect(t *testing.T) {
	t.Parallel()
	var inTable []string
	for _, tt := range teeth {
		inTable = append(inTable, tt.defect)
	}
	for _, d := range provider.Defects() {
		if !slices.Contains(inTable, d.Name) {
			t.Errorf("defect %q has no row in the teeth table", d.Name)
		}
	}
	for _, name := range inTable {
		if !slices.Contains(provider.DefectNames(), name) {
			t.Errorf("the teeth table names %q, which is not a defect", name)
		}
	}
}

func TestTeeth(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suite once per defect")
	}
	t.Parallel()
	strict := filepath.Join(t.TempDir(), "strict.yaml")
	if err := os.WriteFile(strict, []byte(strictProfile), 0o600); err != nil {
		t.Fatal(err)
	}
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for _, tt := range teeth {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			t.Run(tt.defect, func(t *testing.T) {
				// Slow rows only where the defect needs them: they wait for
				// a code to expire.
				filter := "!slow"
				if slices.Contains(tt.fail, "CODE-EXPIRES") {
					filter = ""
				}
				got := conformProcess(t, "--defect", tt.defect, "--code-ttl", "1s", "--label-filter", filter)
				wantExit := exitOK
				if len(tt.fail) > 0 {
					wantExit = exitFailed
				}
				check := func(what string, got, want []string) {
					sort.Strings(want)
					if !slices.Equal(got, want) {
						t.Errorf("%s: %s rows = %v, want %v", tt.defect, what, got, want)
					}
				}
				if got.exit != wantExit {
					t.Errorf("%s: exit %d, want %d\n%s", tt.defect, got.exit, wantExit, got.stderr)
				}
				check("failing", got.fail, slices.Clone(tt.fail))
				check("warning", got.warn, slices.Clone(tt.warn))
				if len(tt.fail) == 0 {
					// Only SHOULD rows catch it under bankid: promoted to
					// MUST they fail the run.
					s := conformProcess(t, "--defect", tt.defect, "--code-ttl", "1s", "--label-filter", filter, "--profile", strict)
					if s.exit != exitFailed {
						t.Errorf("%s under a strict profile: exit %d, want 1", tt.defect, s.exit)
					}
					check("failing (strict)", s.fail, slices.Clone(tt.warn))
				}
			})
		}()
	}
	wg.Wait()
}

// TestCleanAndVariantsPass checks that a correct provider, in every form the
// standards allow, passes every row with no warning: a false failure is as
// bad as a missed defect.
func TestCleanAndVariantsPass(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suite once per variant")
	}
	t.Parallel()
	runs := [][]string{{"--code-ttl", "1s"}} // the clean provider, slow rows included
	for _, v := range provider.VariantNames() {
		runs = append(runs, []string{"--variant", v, "--label-filter", "!slow"})
	}
	runs = append(runs, []string{"--variant", strings.Join(provider.VariantNames(), ","), "--code-ttl", "1s"})
	for _, args := range runs {
		got := conformProcess(t, args...)
		if got.exit != exitOK || len(got.fail) > 0 || len(got.warn) > 0 {
			t.Errorf("conform %v: exit %d, failing %v, warnings %v\n%s", args, got.exit, got.fail, got.warn, got.stdout)
		}
		if got.rows < 60 {
			t.Errorf("conform %v: %d rows in the report, want at least 60", args, got.rows)
		}
	}
}

// TestConformBadInput covers conform's own bad input: exit 2 and a message.
func TestConformBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := writeFile(t, dir, "known.yaml", "NOPE: because\n")
	noReason := writeFile(t, dir, "noreason.yaml", "CODE-ENTROPY: \"\"\n")
	file := writeFile(t, dir, "file", "x")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"conform", "--profile", "acme"}, `unknown profile "acme"`},
		{[]string{"conform", "--label-filter", "MUST &&"}, `--label-filter "MUST &&"`},
		{[]string{"conform", "--expected-failures", filepath.Join(dir, "missing.yaml")}, "missing.yaml"},
		{[]string{"conform", "--expected-failures", bad}, `"NOPE" is not a catalogue row ID`},
		{[]string{"conform", "--expected-failures", noReason}, "CODE-ENTROPY needs a reason"},
		{[]string{"conform", "--out", filepath.Join(file, "sub")}, "--out"},
		{[]string{"conform", "--defect", "nosuch"}, `unknown defect "nosuch"`},
		{[]string{"conform", "--target", writeFile(t, dir, "t.yaml", "issuer: https://x\n"), "--defect", "no-kid"}, "cannot be used with --target"},
	}
	for _, tt := range tests {
		code, out, errs := runCLI(t, nil, tt.args...)
		if code != exitBadInput || !strings.Contains(errs, tt.want) {
			t.Errorf("%v: exit %d, stderr %q, want 2 and %q\n%s", tt.args, code, errs, tt.want, out)
		}
	}
}

// TestReportsHoldNoSecrets scans every report of a run, a failing one
// included, for the client secrets in every encoding, codes, tokens and the
// test user's personal claims; with --reveal they are there, which shows the
// scan can see them.
func TestReportsHoldNoSecrets(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suite twice")
	}
	t.Parallel()
	scan := func(reveal bool) []string {
		out := t.TempDir()
		args := []string{"conform", "--out", out, "--label-filter", "!slow", "--defect", "code-reusable,refresh-token,no-pragma"}
		if reveal {
			args = append(args, "--reveal")
		}
		cmd := exec.Command(os.Args[0], args...)
		cmd.Env = append(os.Environ(), "TOKENBENCH_TEST_AS_CLI=1")
		stdout, _ := cmd.CombinedOutput()
		all := string(stdout)
		for _, name := range []string{"conformance.json", "conformance.html", "conformance.md", "conformance.junit.xml"} {
			b, err := os.ReadFile(filepath.Join(out, name))
			if err != nil {
				t.Fatal(err)
			}
			all += string(b)
		}
		var found []string
		for _, c := range provider.DefaultClients() {
			for _, s := range []string{c.Secret, basicB64(c.ID, c.Secret)} {
				if strings.Contains(all, s) {
					found = append(found, "secret "+s)
				}
			}
		}
		for _, pii := range []string{"Frode", "Nilsen", "1966-12-18"} {
			if strings.Contains(all, pii) {
				found = append(found, "personal claim "+pii)
			}
		}
		if m := jwtRe.FindString(all); m != "" {
			found = append(found, "a JWT "+m[:20]+"...")
		}
		if m := tokenRe.FindString(all); m != "" {
			found = append(found, "a 43-character token or code "+m)
		}
		return found
	}
	if found := scan(false); len(found) > 0 {
		t.Errorf("the reports hold secrets: %v", found)
	}
	if found := scan(true); len(found) < 4 {
		t.Errorf("with --reveal the scan found only %v: it cannot see what it looks for", found)
	}
}

var (
	jwtRe   = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.`)
	tokenRe = regexp.MustCompile(`(?:^|[^A-Za-z0-9_-])([A-Za-z0-9_-]{43})(?:$|[^A-Za-z0-9_-])`)
)

func basicB64(id, secret string) string {
	return base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id) + ":" + url.QueryEscape(secret)))
}

// TestTargetDiesMidRun: when the provider goes away during a run, the
// remaining specs fail with a transport error, and the reports are written.
func TestTargetDiesMidRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suite")
	}
	t.Parallel()
	p, err := provider.New(provider.Config{})
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		count int
	)
	const alive = 40 // requests served before the provider "dies"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		count++
		n := count
		mu.Unlock()
		if n > alive {
			// Hijack and drop the connection: a dead upstream.
			if hj, ok := w.(http.Hijacker); ok {
				if c, _, err := hj.Hijack(); err == nil {
					c.Close()
					return
				}
			}
		}
		p.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	p.SetIssuer(srv.URL)
	dir := t.TempDir()
	tf := writeFile(t, dir, "t.yaml", targetYAML(srv.URL, "codes: {source: authorize}\n"))
	out := filepath.Join(dir, "out")
	cmd := exec.Command(os.Args[0], "conform", "--target", tf, "--out", out, "--label-filter", "!slow")
	cmd.Env = append(os.Environ(), "TOKENBENCH_TEST_AS_CLI=1", "SECRET=tokenbench-secret")
	stdout, _ := cmd.CombinedOutput()
	if cmd.ProcessState.ExitCode() != exitFailed {
		t.Fatalf("exit %d, want 1\n%s", cmd.ProcessState.ExitCode(), stdout)
	}
	data, err := os.ReadFile(filepath.Join(out, "conformance.json"))
	if err != nil {
		t.Fatalf("no report after the provider died: %v\n%s", err, stdout)
	}
	if !strings.Contains(string(data), "EOF") && !strings.Contains(string(data), "connection reset") {
		t.Errorf("the report does not show the transport error:\n%.2000s", data)
	}
	var rep struct{ Summary struct{ Pass, Fail int } }
	json.Unmarshal(data, &rep)
	if rep.Summary.Pass == 0 || rep.Summary.Fail == 0 {
		t.Errorf("summary %+v: want rows that passed before and failed after", rep.Summary)
	}
}

// TestInterruptWritesMarkedReport: SIGINT during a run stops it and still
// writes the reports, marked interrupted.
func TestInterruptWritesMarkedReport(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suite")
	}
	t.Parallel()
	out := t.TempDir()
	// CODE-EXPIRES waits 30 s + margin: the interrupt lands during the wait.
	cmd := exec.Command(os.Args[0], "conform", "--out", out, "--code-ttl", "30s")
	cmd.Env = append(os.Environ(), "TOKENBENCH_TEST_AS_CLI=1")
	var buf syncBuffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(buf.String(), "tokenbench conform:") && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(1500 * time.Millisecond)
	started := time.Now()
	cmd.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("conform did not stop after SIGINT\n%s", buf.String())
	}
	if code := cmd.ProcessState.ExitCode(); code != exitFailed {
		t.Errorf("exit %d after SIGINT, want 1\n%s", code, buf.String())
	}
	data, err := os.ReadFile(filepath.Join(out, "conformance.json"))
	if err != nil {
		t.Fatalf("no report after SIGINT: %v\n%s", err, buf.String())
	}
	if !strings.Contains(string(data), `"interrupted": true`) {
		t.Errorf("report not marked interrupted:\n%.1500s", data)
	}
	t.Logf("stopped %s after SIGINT", time.Since(started).Round(time.Millisecond))
}

// syncBuffer is a bytes.Buffer safe to read while a process writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

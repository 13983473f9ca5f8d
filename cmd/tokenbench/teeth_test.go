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

	"github.com/tokenbench/tokenbench/internal/catalog"
	"github.com/tokenbench/tokenbench/internal/provider"
	"github.com/tokenbench/tokenbench/profiles"
)

// The teeth test: the conformance suite against the reference provider with
// each of its defects must flag exactly the rows the defect table
// (provider.Defects, Rows) says it trips, MUST rows failing and SHOULD rows
// warning under the bankid profile, and pass, with no failure and no
// warning, against the clean provider and every correct variant. Removing
// or weakening a check makes a row disappear from a defect's findings, and
// a check that grows stricter makes one appear: either fails this test.
// The defect table is the one source of what each check catches; this test
// holds no copy of it.
//
// Each run is a separate process (Ginkgo runs one suite per process): the
// test binary re-executes itself as the tokenbench CLI. The runs keep the
// embedded provider's default code lifetime (5 s): a shorter one saves
// seconds of CODE-EXPIRES's wait but leaves a loaded machine little room
// before other rows' codes expire (with 1 s, CODE-SINGLE-USE-RACE failed
// once under load against bad-at-hash, a defect that does not touch codes).

// slowRows are the rows labelled slow (they wait for a code to expire):
// a defect's run includes them only when it trips one.
var slowRows = []string{"CODE-EXPIRES", "RT-EXPIRES"}

// untoothed are the rows the suite checks under bankid that no defect
// trips, each with the reason; every other such row is in some defect's
// Rows.
var untoothed = map[string]string{
	"REQ-TLS":               "the embedded provider is plain http on loopback, which the row accepts; internal/target's tests refuse http elsewhere",
	"AUTH-BASIC-OK":         "the valid exchange every probe starts from: a provider that fails it fails nearly every row",
	"CODE-FAILED-AUTH-BURN": "an INFO row: it records what the provider does, either answer is correct",
	"RESP-EXTRA-MEMBERS":    "a client-side rule (unknown members are no failure): the extra-members variant must pass it",
	"DPOP-REFRESH-BOUND":    "always skipped: the harness authenticates confidential clients, whose refresh tokens RFC 9449 §5 does not bind to the DPoP key",
	"RT-SCOPE-NARROW":       "an INFO row: it records the scope a narrower refresh gets, or the error; either is correct",
}

// teethCase is what one defect's run must show, derived from its Rows and
// the run's profile (bankid, or everyMethodProfile for a defect with Auth).
type teethCase struct {
	defect     string
	fail, warn []string // sorted
	// promote are the rows below MUST under the run's profile: a second run
	// under a profile that makes them MUST must fail exactly them, when no
	// MUST row fails the first run.
	promote []string
	filter  string   // the label filter: slow rows only when the defect trips one
	profile string   // the run's profile: a name or a file
	args    []string // the run's --auth-method and --profile, if any
}

// everyMethodProfile writes the profile of the runs that show the client
// authentication method defects: bankid, with every method the reference
// provider serves documented, each client bound to its registered method,
// and both assertion audiences accepted.
func everyMethodProfile(t *testing.T) string {
	t.Helper()
	body := "name: every-method\nextends: bankid\nauth:\n  methods: [" + strings.Join(provider.Methods(), ", ") + "]\n" +
		"  binding: registered\n  assertion: {audiences: [token_endpoint, issuer]}\n"
	path := filepath.Join(t.TempDir(), "every-method.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// defectProfiles are the shipped profiles some defect's run is under
// (Defect.Profile).
func defectProfiles() []string {
	var out []string
	for _, d := range provider.Defects() {
		if d.Profile != "" && !slices.Contains(out, d.Profile) {
			out = append(out, d.Profile)
		}
	}
	return out
}

// refreshTTL is the grant runs' refresh token lifetime: short enough for
// RT-EXPIRES to wait it out, long enough for a loaded machine to finish a
// chain before it.
const refreshTTL = "10s"

// everyGrantProfile writes the profile of the runs that show the refresh
// token and client credentials defects: bankid, with both grants served,
// refresh tokens required, with the given rotation and family revocation
// on reuse required, and the runs' refresh lifetime.
func everyGrantProfile(t *testing.T, rotation string) string {
	t.Helper()
	body := "name: every-grant\nextends: bankid\nrequest:\n  grant_types: [authorization_code, refresh_token, client_credentials]\n" +
		"response:\n  refresh_token: required\nrefresh:\n  rotation: " + rotation + "\n  reuse_revokes_family: required\n  lifetime: " + refreshTTL + "\n" +
		"client_credentials:\n  scope: tokenbench.api\n"
	path := filepath.Join(t.TempDir(), "every-grant-"+rotation+".yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// grantArgs are the arguments of a run whose provider serves both grants.
func grantArgs(profile string) []string {
	return []string{"--provider-grants", strings.Join(provider.Grants(), ","), "--refresh-ttl", refreshTTL, "--profile", profile}
}

// teethCases derives every defect's expectations from provider.Defects.
func teethCases(t *testing.T) []teethCase {
	t.Helper()
	every, grants := everyMethodProfile(t), everyGrantProfile(t, "required")
	profs := map[string]*profiles.Profile{}
	for _, name := range append([]string{"bankid", every, grants}, defectProfiles()...) {
		p, err := profiles.Load(name)
		if err != nil {
			t.Fatal(err)
		}
		profs[name] = p
	}
	var cases []teethCase
	for _, d := range provider.Defects() {
		c := teethCase{defect: d.Name, filter: "!slow", profile: "bankid"}
		switch {
		case d.Auth != "":
			c.profile, c.args = every, []string{"--auth-method", d.Auth, "--profile", every}
		case d.Profile != "":
			c.profile, c.args = d.Profile, []string{"--profile", d.Profile}
		case d.Grants:
			c.profile, c.args = grants, grantArgs(grants)
		}
		for _, id := range d.Rows {
			switch lvl, _ := profs[c.profile].Level(id); lvl {
			case catalog.Must:
				c.fail = append(c.fail, id)
			case catalog.Should:
				c.warn = append(c.warn, id)
				c.promote = append(c.promote, id)
			case catalog.Info:
				c.promote = append(c.promote, id)
			default:
				t.Errorf("defect %s: row %s is %s under %s: no run can show it", d.Name, id, lvl, c.profile)
			}
			if slices.Contains(slowRows, id) {
				c.filter = ""
			}
		}
		sort.Strings(c.fail)
		sort.Strings(c.warn)
		sort.Strings(c.promote)
		cases = append(cases, c)
	}
	return cases
}

// promotedProfile writes a profile that extends base with rows at MUST.
func promotedProfile(t *testing.T, base string, rows []string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("name: strict\nextends: " + base + "\nrows:\n")
	for _, id := range rows {
		b.WriteString("  " + id + ": {level: MUST}\n")
	}
	path := filepath.Join(t.TempDir(), "strict.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

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
	replays             int // exchanges refused as a replayed client assertion
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
		Rows []struct {
			ID, Status string
			Exchanges  []json.RawMessage
		}
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	res.rows = len(rep.Rows)
	for _, r := range rep.Rows {
		for _, x := range r.Exchanges {
			if bytes.Contains(x, []byte("jti replayed")) {
				res.replays++
			}
		}
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

// TestEveryRowHasTeeth: every row the suite checks under bankid or the
// every-method profile is tripped by some defect, or is in untoothed with a
// reason (and then by none).
func TestEveryRowHasTeeth(t *testing.T) {
	t.Parallel()
	bankid, err := profiles.Load("bankid")
	if err != nil {
		t.Fatal(err)
	}
	var others []*profiles.Profile
	for _, name := range append([]string{everyMethodProfile(t)}, defectProfiles()...) {
		p, err := profiles.Load(name)
		if err != nil {
			t.Fatal(err)
		}
		others = append(others, p)
	}
	grants, err := profiles.Load(everyGrantProfile(t, "required"))
	if err != nil {
		t.Fatal(err)
	}
	tripped := map[string]bool{}
	for _, d := range provider.Defects() {
		for _, id := range d.Rows {
			tripped[id] = true
		}
	}
	for _, r := range catalog.All() {
		lvl, _ := bankid.Level(r.ID)
		for _, p := range others {
			if lvl == catalog.Skip {
				lvl, _ = p.Level(r.ID)
			}
		}
		if lvl == catalog.Skip {
			lvl, _ = grants.Level(r.ID)
		}
		_, exempt := untoothed[r.ID]
		switch {
		case r.Area == catalog.AreaLoad || lvl == catalog.Skip:
			if exempt {
				t.Errorf("untoothed lists %s, which the suite does not check under bankid", r.ID)
			}
		case tripped[r.ID] && exempt:
			t.Errorf("untoothed lists %s, which a defect trips", r.ID)
		case !tripped[r.ID] && !exempt:
			t.Errorf("no defect trips %s (%s under bankid): add one to internal/provider/defects.go, or say why in untoothed", r.ID, lvl)
		}
	}
}

func TestTeeth(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suite once per defect")
	}
	t.Parallel()
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for _, tt := range teethCases(t) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			t.Run(tt.defect, func(t *testing.T) {
				got := conformProcess(t, append([]string{"--defect", tt.defect, "--label-filter", tt.filter}, tt.args...)...)
				wantExit := exitOK
				if len(tt.fail) > 0 {
					wantExit = exitFailed
				}
				check := func(what string, got, want []string) {
					if !slices.Equal(got, want) {
						t.Errorf("%s: %s rows = %v, want %v (internal/provider/defects.go)", tt.defect, what, got, want)
					}
				}
				if got.exit != wantExit {
					t.Errorf("%s: exit %d, want %d\n%s", tt.defect, got.exit, wantExit, got.stderr)
				}
				check("failing", got.fail, tt.fail)
				check("warning", got.warn, tt.warn)
				if len(tt.fail) == 0 {
					// Only rows below MUST catch it under bankid: promoted
					// to MUST they fail the run.
					args := append([]string{"--defect", tt.defect, "--label-filter", tt.filter}, tt.args...)
					s := conformProcess(t, append(args, "--profile", promotedProfile(t, tt.profile, tt.promote))...)
					if s.exit != exitFailed {
						t.Errorf("%s under a strict profile: exit %d, want 1", tt.defect, s.exit)
					}
					check("failing (strict)", s.fail, tt.promote)
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
	runs := [][]string{{}} // the clean provider, slow rows included
	// Serving refresh_token and client_credentials, slow rows included.
	runs = append(runs, grantArgs(everyGrantProfile(t, "required")))
	optional := everyGrantProfile(t, "optional")
	var bankid, all []string
	for _, v := range provider.Variants() {
		switch {
		case provider.GrantVariant(v.Name):
			// Under a profile that allows it (refresh.rotation: optional).
			runs = append(runs, append([]string{"--variant", v.Name, "--label-filter", "!slow"}, grantArgs(optional)...))
			continue
		case v.Profile != "":
			// The provider is shaped by the bankid document: under the oidc
			// profile it is correct with the nonce claim absent, not null.
			runs = append(runs, []string{"--variant", v.Name + ",nonce-absent", "--profile", v.Profile, "--label-filter", "!slow"})
		default:
			bankid = append(bankid, v.Name)
			runs = append(runs, []string{"--variant", v.Name, "--label-filter", "!slow"})
		}
		all = append(all, v.Name)
	}
	// Every client authentication method, each the one valid exchanges use.
	every := everyMethodProfile(t)
	for _, m := range provider.Methods() {
		runs = append(runs, []string{"--auth-method", m, "--profile", every, "--label-filter", "!slow"})
	}
	// The current BankID platform: the provider follows the profile, with
	// every variant, and with private_key_jwt.
	runs = append(runs, []string{"--profile", "bankid-v4"},
		[]string{"--profile", "bankid-v4", "--variant", strings.Join(all, ","), "--label-filter", "!slow"},
		[]string{"--profile", "bankid-v4", "--auth-method", provider.MethodPrivateKeyJWT, "--label-filter", "!slow"},
		// DPoP: proofs on every token request, a server that demands
		// nonces among the variants.
		[]string{"--profile", "oidc-dpop", "--label-filter", "!slow"},
		[]string{"--profile", "oidc-dpop", "--variant", strings.Join(all, ","), "--label-filter", "!slow"},
		// DPoP on refresh and client credentials requests too.
		append([]string{"--label-filter", "!slow"}, grantArgs("oidc-dpop")...))
	runs = append(runs, []string{"--variant", strings.Join(bankid, ",")},
		[]string{"--variant", strings.Join(all, ","), "--profile", "oidc"})
	for _, args := range runs {
		got := conformProcess(t, args...)
		if got.exit != exitOK || len(got.fail) > 0 || len(got.warn) > 0 {
			t.Errorf("conform %v: exit %d, failing %v, warnings %v\n%s", args, got.exit, got.fail, got.warn, got.stdout)
		}
		if got.rows < 60 {
			t.Errorf("conform %v: %d rows in the report, want at least 60", args, got.rows)
		}
		// Every request authenticates afresh: the one assertion the
		// provider refuses as replayed is AUTH-JWT-JTI-REPLAY's own.
		if slices.Contains(args, provider.MethodPrivateKeyJWT) && got.replays != 1 {
			t.Errorf("conform %v: %d exchanges refused as a replayed assertion, want 1 (the replay probe's): a request was sent twice with one assertion", args, got.replays)
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
	grants := grantArgs(everyGrantProfile(t, "required"))
	scan := func(reveal bool) []string {
		out := t.TempDir()
		// Serving both grants: the refresh chains' evidence is scanned too.
		args := append([]string{"conform", "--out", out, "--label-filter", "!slow", "--defect", "code-reusable,refresh-token,no-pragma"}, grants...)
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

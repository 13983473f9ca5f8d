package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/tokenbench/tokenbench/profiles"
)

// TestREADMEBankIDV4Table: the README's table of how bankid-v4 differs
// from bankid names exactly the rows profiles.Diff finds.
func TestREADMEBankIDV4Table(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(data), "How `bankid-v4` differs from `bankid`, row by row")
	if !ok {
		t.Fatal("README has no table of how bankid-v4 differs from bankid")
	}
	table, _, _ = strings.Cut(table, "\n\n#")
	var inREADME []string
	for _, m := range regexp.MustCompile("`([A-Z]+(?:-[A-Z0-9]+)+)`").FindAllStringSubmatch(table, -1) {
		inREADME = append(inREADME, m[1])
	}
	pilot, _ := profiles.Load("bankid")
	v4, _ := profiles.Load("bankid-v4")
	ds, err := profiles.Diff(pilot, v4)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, d := range ds {
		want = append(want, d.ID)
	}
	slices.Sort(inREADME)
	slices.Sort(want)
	if !slices.Equal(slices.Compact(inREADME), want) {
		t.Errorf("README table rows:\n%v\nprofiles show bankid-v4 --against bankid:\n%v", inREADME, want)
	}
}

// TestBankIDV4Run: conform --profile bankid-v4 against the embedded
// provider, which follows it, passes with the new rows run (not skipped),
// and the reports carry the profile's "not documented by BankID" reasons.
func TestBankIDV4Run(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suite")
	}
	t.Parallel()
	out := t.TempDir()
	cmd := exec.Command(os.Args[0], "conform", "--profile", "bankid-v4", "--label-filter", "!slow", "--out", out)
	cmd.Env = append(os.Environ(), "TOKENBENCH_TEST_AS_CLI=1")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("conform --profile bankid-v4: %v\n%s", err, b)
	}
	md, err := os.ReadFile(filepath.Join(out, "conformance.md"))
	if err != nil {
		t.Fatal(err)
	}
	html, err := os.ReadFile(filepath.Join(out, "conformance.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Profile notes", "`CODE-SINGLE-USE` | MUST | pass | not documented by BankID (reuse detection)"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("conformance.md lacks %q", want)
		}
	}
	if !strings.Contains(string(html), "not documented by BankID (reuse detection)") {
		t.Error("conformance.html lacks the profile's reason for CODE-SINGLE-USE")
	}
	js, err := os.ReadFile(filepath.Join(out, "conformance.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep struct{ Rows []struct{ ID, Status string } }
	if err := json.Unmarshal(js, &rep); err != nil {
		t.Fatal(err)
	}
	status := map[string][]string{}
	for _, r := range rep.Rows {
		status[r.ID] = append(status[r.ID], r.Status)
	}
	for _, id := range []string{"PKCE-REQUIRED", "PKCE-PLAIN-REFUSED", "PKCE-VERIFIER-SYNTAX", "IDT-ALG", "IDT-AMR", "DISC-ID-TOKEN-ALGS"} {
		if got := slices.Compact(status[id]); !slices.Equal(got, []string{"pass"}) {
			t.Errorf("%s under bankid-v4: %v, want pass", id, got)
		}
	}
}

// TestDPoPReportsHoldNoProofs: with DPoP (and a server that demands
// nonces, so that the retried exchanges are evidence too) no report holds
// a proof or any other JWT; with --reveal the proofs are there, which shows
// the scan can see them.
func TestDPoPReportsHoldNoProofs(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suite twice")
	}
	t.Parallel()
	proofRe := regexp.MustCompile(`(?i)dpop: eyJ[A-Za-z0-9_-]{10,}\.eyJ`)
	scan := func(reveal bool) (jwts, proofs int) {
		out := t.TempDir()
		args := []string{"conform", "--out", out, "--label-filter", "!slow", "--profile", "oidc-dpop", "--variant", "dpop-nonce"}
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
		return len(jwtRe.FindAllString(all, -1)), len(proofRe.FindAllString(all, -1))
	}
	if jwts, proofs := scan(false); jwts > 0 || proofs > 0 {
		t.Errorf("the reports hold %d JWTs, %d of them DPoP proofs", jwts, proofs)
	}
	if _, proofs := scan(true); proofs < 10 {
		t.Errorf("with --reveal the scan found %d DPoP proofs: it cannot see what it looks for", proofs)
	}
}

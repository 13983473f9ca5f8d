package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestLoadGrants: load drives the refresh_token and client_credentials
// grants against the embedded provider, which serves the grant driven,
// and validates every response, with no error.
func TestLoadGrants(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		grant string
		args  []string
		want  []string
	}{
		{"refresh_token", []string{"--profile", "hydra"}, []string{`grant\s+refresh_token`, `chains\s+started [1-9]`, `reuse probes\s+`}},
		{"client_credentials", nil, []string{`grant\s+client_credentials`, `codes\s+obtained 0,`}},
	} {
		t.Run(tt.grant, func(t *testing.T) {
			t.Parallel()
			out := t.TempDir()
			args := append([]string{"load", "--grant", tt.grant, "--rate", "50", "--duration", "2s", "--out", out}, tt.args...)
			code, stdout, stderr := runCLI(t, nil, args...)
			if code != exitOK {
				t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
			}
			for _, want := range append(tt.want, `errors 0 \(`, `validated\s+\d+ responses, no check failed`) {
				if !regexp.MustCompile(want).MatchString(stdout) {
					t.Errorf("output does not match %q:\n%s", want, stdout)
				}
			}
			data, err := os.ReadFile(filepath.Join(out, "load.json"))
			if err != nil {
				t.Fatal(err)
			}
			var r struct {
				Grant   string
				Summary struct{ Requests, OK, Errors, Validated int64 }
				Chains  *struct{ Started int64 }
			}
			if err := json.Unmarshal(data, &r); err != nil {
				t.Fatal(err)
			}
			s := r.Summary
			if r.Grant != tt.grant || s.Requests == 0 || s.OK != s.Requests || s.Validated != s.Requests || s.Errors != 0 {
				t.Errorf("load.json: grant %q, summary %+v", r.Grant, s)
			}
			if (r.Chains != nil) != (tt.grant == "refresh_token") {
				t.Errorf("load.json: chains %+v for %s", r.Chains, tt.grant)
			}
		})
	}
}

// TestLoadGrantDefectsExit1: a refresh run against a provider that breaks a
// refresh row exits 1 naming it: a rotated-away token that still works
// (reuse probes), a refresh that does not rotate where the profile
// requires rotation (every response invalid), a code exchange starting a
// chain that fails a MUST row.
func TestLoadGrantDefectsExit1(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		defect, probes string // no probe: one chain for the whole run
		stderr, stdout string
	}{
		{"refresh-reuse-accepted", "1", "load: RT-REUSE-REJECTED failed on 20 of 20 reuse probes",
			"RT-REUSE-REJECTED FAIL: 20 of 20 probes (100.0 %); RT-REUSE-REVOKES-FAMILY FAIL: 20 of 20 probes"},
		{"refresh-not-rotated", "0", "load: every request failed (20 of 20): invalid_200 20", "RT-ROTATION"},
		{"no-id-token", "0", "load: 1 of the 1 code exchanges that started refresh chains failed a MUST row (RESP-ID-TOKEN 1)",
			"of the 1 code exchanges that started them (validated), 1 failed a MUST row; rows failed: RESP-ID-TOKEN 1"},
	} {
		t.Run(tt.defect, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runCLI(t, nil, "load", "--grant", "refresh_token", "--profile", "hydra", "--defect", tt.defect,
				"--reuse-probes", tt.probes, "--concurrency", "1", "--requests", "20", "--out", t.TempDir())
			if code != exitFailed || !strings.Contains(stderr, tt.stderr) || !strings.Contains(stdout, tt.stdout) {
				t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
			}
		})
	}
}

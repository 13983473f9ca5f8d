package main

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tokenbench/tokenbench/internal/provider"
)

// TestVerdictsSayWhatHappened: target check exits 1 when a MUST check
// fails on its exchange (OK is only said of a valid exchange); a load run
// in which every request failed exits 1 with or without SLOs; capacity
// reports no sustainable rate for an endpoint that answered no request
// successfully.
func TestVerdictsSayWhatHappened(t *testing.T) {
	t.Parallel()
	t.Run("target check, a MUST check fails", func(t *testing.T) {
		t.Parallel()
		defects, err := provider.ParseDefects("bad-at-hash")
		if err != nil {
			t.Fatal(err)
		}
		clients := provider.DefaultClients()
		p, err := provider.New(provider.Config{Clients: clients, Defects: defects})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(p.Handler())
		p.SetIssuer(srv.URL)
		t.Cleanup(srv.Close)
		tf := writeFile(t, t.TempDir(), "t.yaml", targetYAML(srv.URL, "codes: {source: authorize}\n"))
		code, out, errs := runCLI(t, map[string]string{"SECRET": clients[0].Secret}, "target", "check", "-t", tf)
		if code != exitFailed || !strings.Contains(out, "FAIL IDT-AT-HASH") || !strings.Contains(out, "verdict    FAILED: tokens were issued, but the response breaks 1 MUST row(s) of profile bankid") || strings.Contains(out, "verdict    OK") {
			t.Errorf("exit %d, want 1 and a FAILED verdict\n%s\n%s", code, out, errs)
		}
	})
	srv := refProvider(t, "the-real-secret")
	tf := writeFile(t, t.TempDir(), "t.yaml", targetYAML(srv.URL, "codes: {source: authorize}\n"))
	wrong := map[string]string{"SECRET": "a-wrong-secret"}
	for _, slo := range []string{"", "p99<30s"} {
		t.Run("load, every request failed, slo "+slo, func(t *testing.T) {
			t.Parallel()
			args := []string{"load", "-t", tf, "--rate", "50", "--requests", "10", "--out", t.TempDir()}
			if slo != "" {
				args = append(args, "--slo", slo)
			}
			code, out, errs := runCLI(t, wrong, args...)
			if code != exitFailed || !strings.Contains(errs, "load: every request failed (10 of 10): invalid_client 10") {
				t.Errorf("exit %d, want 1\n%s\n%s", code, out, errs)
			}
		})
	}
	t.Run("capacity, no request succeeded", func(t *testing.T) {
		t.Parallel()
		code, out, errs := runCLI(t, wrong, "capacity", "-t", tf, "--slo", "p99<30s", "--start", "5", "--max", "10", "--step-duration", "1s",
			"--min-requests", "1", "--max-step-duration", "1s", "--warmup", "0", "--out", t.TempDir())
		if code != exitFailed || !strings.Contains(errs, "no step met the SLO") || !strings.Contains(out, "maximum sustainable  none") || !strings.Contains(out, ": FAIL") {
			t.Errorf("exit %d, want 1 and no sustainable rate\n%s\n%s", code, out, errs)
		}
	})
}

package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tokenbench/tokenbench/internal/provider"
)

// TestHostileProvidersLeakNothing runs target check, conform and load
// against the reference provider in each hostile mode (echoing every
// credential back; token responses in a BOM, behind an XSSI prefix, with
// trailing bytes, as a form, as an HTML page; 64 MiB and 2,000 headers) and
// scans both output streams and every file written for every secret of the
// run in every encoding. With --reveal the same scan must find them (the
// revealing conform runs only the response rows: enough to show them).
//
// conform runs every row against echo (every probe's credentials come
// back), and against the modes that wrap responses the rows whose
// exchanges get tokens (response, ID token and userinfo, code, client
// authentication; for huge, each moving a MiB, the response rows and a
// load of 5 requests). The test is not
// parallel: its subprocesses would load the machine under the package's
// timing-sensitive parallel tests.
func TestHostileProvidersLeakNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suite twice per hostile mode")
	}
	filters := map[string]string{provider.HostileEcho: "!slow", provider.HostileHuge: "area:response"}
	for _, mode := range provider.HostileNames() {
		t.Run(mode, func(t *testing.T) {
			w := newWitnessed(t, provider.Config{Hostile: []string{mode}})
			run := func(reveal bool) outputs {
				var o outputs
				flag, filter := []string{}, "(area:response || area:id_token || area:code || area:auth) && !slow"
				if f, ok := filters[mode]; ok {
					filter = f
				}
				if reveal {
					flag, filter = []string{"--reveal"}, "area:response"
				}
				code, so, se := w.cli(t, append([]string{"target", "check", "--target", w.target}, flag...)...)
				o.add("target check", so, se)
				if code == exitBadInput || code == exitInternal {
					t.Errorf("target check: exit %d\n%s\n%s", code, so, se)
				}
				out := dir(t, "conform")
				code, so, se = w.conform(t, out, append([]string{"--label-filter", filter}, flag...)...)
				o.add("conform", so, se, out)
				if code == exitBadInput || code == exitInternal || !fileExists(filepath.Join(out, "conformance.json")) {
					t.Errorf("conform: exit %d\n%s\n%s", code, so, se)
				}
				out = dir(t, "load")
				requests := "20"
				if mode == provider.HostileHuge {
					requests = "5"
				}
				code, so, se = w.cli(t, append([]string{"load", "--target", w.target, "--rate", "50", "--requests", requests, "--out", out}, flag...)...)
				o.add("load", so, se, out)
				if code == exitBadInput || code == exitInternal || !fileExists(filepath.Join(out, "load.json")) {
					t.Errorf("load: exit %d\n%s\n%s", code, so, se)
				}
				return o
			}
			w.noSecrets(t, mode, run(false))
			w.seesSecrets(t, mode, run(true))
		})
	}
}

// TestHostileEchoOutcomeKeys: a provider that answers with the code it was
// sent as its error code puts provider-chosen text into a load run's
// outcome keys, which are redacted per exchange; with --reveal they show
// the codes (the scan can see them).
func TestHostileEchoOutcomeKeys(t *testing.T) {
	t.Parallel()
	for _, reveal := range []bool{false, true} {
		w := newWitnessed(t, provider.Config{Hostile: []string{provider.HostileEcho}})
		out := dir(t, "load")
		args := []string{"load", "--target", w.target, "--rate", "50", "--requests", "20", "--out", out}
		if reveal {
			args = append(args, "--reveal")
		}
		_, so, se := w.cli(t, args...)
		var o outputs
		o.add("load", so, se, out)
		data, _ := os.ReadFile(filepath.Join(out, "load.json"))
		if reveal {
			w.seesSecrets(t, "load (echo)", o)
			continue
		}
		w.noSecrets(t, "load (echo)", o)
		// every fifth of 20 requests is refused with its code as the error
		if !strings.Contains(string(data), `"[REDACTED]": 4`) {
			t.Errorf("load.json does not count the 4 refusals under a redacted key:\n%.3000s", data)
		}
	}
}

// TestHostileHugeEvidenceCapped: against 64 MiB bodies and 2,000 headers
// per response the reports stay small and say what they cut, and the
// checks still judge the response (the body was cut at the read limit).
// Not parallel, as TestHostileProvidersLeakNothing.
func TestHostileHugeEvidenceCapped(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suite")
	}
	w := newWitnessed(t, provider.Config{Hostile: []string{provider.HostileHuge}})
	code, so, se := w.cli(t, "target", "check", "--target", w.target)
	if len(so)+len(se) > 64<<10 || !strings.Contains(so, "more bytes]") || !strings.Contains(so, "more headers]") {
		t.Errorf("target check: exit %d, %d bytes of output:\n%.4000s", code, len(so)+len(se), so)
	}
	out := dir(t, "conform")
	code, so, se = w.conform(t, out, "--label-filter", "area:response")
	if len(so)+len(se) > 256<<10 {
		t.Errorf("conform printed %d bytes", len(so)+len(se))
	}
	if code != exitFailed {
		t.Errorf("conform: exit %d, want 1 (a body cut at the read limit is not a valid token response)\n%.3000s", code, so)
	}
	for _, name := range []string{"conformance.json", "conformance.html", "conformance.junit.xml", "conformance.md"} {
		data, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		if len(data) > 4<<20 {
			t.Errorf("%s is %d bytes", name, len(data))
		}
		if name == "conformance.json" {
			// the body is cut at the 1 MiB read limit, then at 16 KiB in
			// the evidence; 2,000 headers and a few more are cut at 64
			for _, want := range []string{`\[\.\.\. 10[0-9]{5} more bytes\]`, `\[\.\.\. 19[0-9]{2} more headers\]`, `body truncated at the read limit`} {
				if !regexp.MustCompile(want).Match(data) {
					t.Errorf("%s does not say %s", name, want)
				}
			}
		}
	}
	var o outputs
	o.add("huge", so, se, out)
	w.noSecrets(t, "huge", o)
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

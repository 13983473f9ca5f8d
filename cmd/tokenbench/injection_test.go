package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/internal/provider"
	"github.com/tokenbench/tokenbench/runner"
	"github.com/tokenbench/tokenbench/runner/results"
)

// hostileText is what a hostile token endpoint writes into its error
// answers: terminal control (colours, a window title, a hyperlink, a
// clear screen in C1), CI log commands on lines of their own and in the
// middle of one, Markdown links, an image, HTML and a bidi override.
const hostileText = "bad\x1b[31m red\x07 \x1b]0;pwned\x07 \x1b]8;;https://evil.example\x07click\x1b]8;;\x07 \u009b2J \u202egnp.exe\r\n" +
	"::error file=app.go,line=1::injected\n" +
	"  ##vso[task.setvariable variable=leak]1 and ##vso[task.complete result=Succeeded]\n" +
	"##[group]x\n" +
	"[click](https://evil.example/a) ![img](https://evil.example/i.png) <https://evil.example> www.evil.example <script>alert(1)</script>"

// hostileProvider is the reference provider (secret tokenbench-secret)
// whose token endpoint answers every request with a 400 carrying a new
// error code each time, hostile text in the code, the description, a
// member name and header values.
func hostileProvider(t *testing.T) *httptest.Server {
	t.Helper()
	p, err := provider.New(provider.Config{Clients: provider.DefaultClients()})
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/oauth/token" {
			p.Handler().ServeHTTP(w, r)
			return
		}
		i := n.Add(1)
		if i%2 == 0 {
			// the same text raw, in a body that is not JSON
			w.Header().Set("Content-Type", "text/plain")
			w.Header().Set("X-Hostile", "\u009b2J \u202e ::error::hdr ##vso[x]")
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(hostileText))
			return
		}
		code := fmt.Sprintf("e%d [x](https://evil.example)\x1b[2J::error::x\u202e", i)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Hostile", "\u009b2J \u202e ::error::hdr ##vso[x]")
		w.Header().Set("WWW-Authenticate", `Basic realm="`+"\u009b31m"+`"`)
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]any{"error": code, "error_description": hostileText, "\x1b]0;member\x07": hostileText})
	}))
	p.SetIssuer(srv.URL)
	t.Cleanup(srv.Close)
	return srv
}

// acting finds what could act in text meant for a terminal, a CI log or a
// Markdown page: control characters but line feeds and tabs, C1 controls,
// bidi overrides, a line that starts a CI log command, ##vso[ anywhere.
var acting = regexp.MustCompile("[\x00-\x08\x0b-\x1f\x7f\u0080-\u009f\u202a-\u202e\u2066-\u2069]|(?m)^\\s*(::|##\\[|##vso\\[|##teamcity\\[)|(?i)##vso\\[")

// mdLink finds a Markdown link, image or autolink to the hostile host.
var mdLink = regexp.MustCompile(`\]\(https?://evil|<https?://evil|https?://evil|www\.evil`)

// TestProviderTextIsData: a provider's error codes, descriptions, member
// names and header values reach stdout, stderr and every report of target
// check, conform and load escaped: nothing in them can move a terminal,
// start a CI log command or become a Markdown link; HTML shows it as text
// under a restrictive policy; outcome keys from its codes are bounded.
func TestProviderTextIsData(t *testing.T) {
	if testing.Short() {
		t.Skip("runs conform in a subprocess")
	}
	t.Parallel()
	srv := hostileProvider(t)
	dir := t.TempDir()
	if d := os.Getenv("TOKENBENCH_KEEP"); d != "" {
		dir = d
	}
	tf := writeFile(t, dir, "t.yaml", targetYAML(srv.URL, "codes: {source: authorize}\n"))
	env := map[string]string{"SECRET": "tokenbench-secret"}
	outputs := map[string]string{}

	code, out, errs := runCLI(t, env, "target", "check", "-t", tf)
	if code != exitFailed || !strings.Contains(out, "verdict    FAILED") {
		t.Fatalf("target check: exit %d\n%s\n%s", code, out, errs)
	}
	outputs["target check stdout"], outputs["target check stderr"] = out, errs
	loadDir := filepath.Join(dir, "load")
	code, out, errs = runCLI(t, env, "load", "-t", tf, "--rate", "100", "--requests", "100", "--out", loadDir)
	if code != exitFailed {
		t.Fatalf("load: exit %d\n%s\n%s", code, out, errs)
	}
	outputs["load stdout"], outputs["load stderr"] = out, errs

	confDir := filepath.Join(dir, "conform")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "conform", "-t", tf, "--out", confDir, "--label-filter", "!slow", "-v")
	cmd.Env = append(os.Environ(), "TOKENBENCH_TEST_AS_CLI=1", "SECRET=tokenbench-secret")
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	if err := cmd.Run(); cmd.ProcessState == nil || cmd.ProcessState.ExitCode() != exitFailed {
		t.Fatalf("conform: %v\n%s\n%s", err, so.String(), se.String())
	}
	outputs["conform stdout"], outputs["conform stderr"] = so.String(), se.String()
	if !strings.Contains(so.String(), `\x1b[2J`) {
		t.Errorf("conform's output does not show the provider's text escaped:\n%.3000s", so.String())
	}

	for _, f := range []string{"load/load.md", "conform/conformance.md", "conform/conformance.junit.xml"} {
		data, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		outputs[f] = string(data)
		if strings.HasSuffix(f, ".md") {
			if m := mdLink.FindString(string(data)); m != "" {
				t.Errorf("%s: the provider's text became a link: %q", f, m)
			}
		}
	}
	for name, text := range outputs {
		for _, loc := range acting.FindAllStringIndex(text, 5) {
			from, to := max(loc[0]-60, 0), min(loc[1]+60, len(text))
			t.Errorf("%s: %q can act, in %q", name, text[loc[0]:loc[1]], text[from:to])
		}
	}
	for _, f := range []string{"load/load.html", "conform/conformance.html"} {
		data, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), `http-equiv="Content-Security-Policy"`) || strings.Contains(string(data), "<script>alert") {
			t.Errorf("%s: no policy, or the provider's markup is live", f)
		}
	}

	var res results.Load
	data, err := os.ReadFile(filepath.Join(loadDir, "load.json"))
	if err != nil || json.Unmarshal(data, &res) != nil {
		t.Fatalf("load.json: %v", err)
	}
	fromCodes := 0
	for k := range res.Summary.Outcomes {
		if strings.HasPrefix(k, "e") {
			fromCodes++
		}
	}
	if other := res.Summary.Outcomes[runner.OutcomeOther]; fromCodes != runner.MaxOutcomeKeys || other != 50-runner.MaxOutcomeKeys {
		t.Errorf("%d outcome keys from 50 distinct error codes, other %d: want %d and the rest as other", fromCodes, other, runner.MaxOutcomeKeys)
	}
}

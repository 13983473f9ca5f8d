package main

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/internal/provider"
)

// TestNoticesInEveryReport: when TLS verification is off and discovery's
// issuer differs from the configured one, the stdout summary of every
// command and the header of every report say so, not only stderr; a
// merged result keeps them.
func TestNoticesInEveryReport(t *testing.T) {
	if testing.Short() {
		t.Skip("runs conform in a subprocess")
	}
	t.Parallel()
	p, err := provider.New(provider.Config{Clients: provider.DefaultClients()})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/openid-configuration" {
			p.Handler().ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		p.Handler().ServeHTTP(rec, r)
		var d map[string]any
		json.Unmarshal(rec.Body.Bytes(), &d)
		d["issuer"] = "https://issuer.example"
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(d)
	}))
	t.Cleanup(srv.Close)
	p.SetIssuer(srv.URL)
	dir := t.TempDir()
	tf := writeFile(t, dir, "t.yaml", targetYAML(srv.URL, "codes: {source: authorize}\ntls: {insecure_skip_verify: true}\n"))
	env := map[string]string{"SECRET": "tokenbench-secret"}
	notices := []string{"tls.insecure_skip_verify is set", `discovery's issuer "https://issuer.example" differs from the target's issuer`}

	code, out, errs := runCLI(t, env, "target", "check", "-t", tf)
	if code != exitOK {
		t.Fatalf("target check: exit %d\n%s\n%s", code, out, errs)
	}
	outputs := map[string]string{"target check stdout": out}
	loadOut := filepath.Join(dir, "load")
	code, out, errs = runCLI(t, env, "load", "-t", tf, "--rate", "50", "--requests", "5", "--out", loadOut)
	if code != exitOK {
		t.Fatalf("load: exit %d\n%s\n%s", code, out, errs)
	}
	outputs["load stdout"] = out
	code, out, errs = runCLI(t, env, "capacity", "-t", tf, "--slo", "error_rate<50%", "--start", "5", "--max", "5", "--step-duration", "1s",
		"--min-requests", "1", "--max-step-duration", "1s", "--warmup", "0", "--out", filepath.Join(dir, "capacity"))
	if code != exitOK {
		t.Fatalf("capacity: exit %d\n%s\n%s", code, out, errs)
	}
	outputs["capacity stdout"] = out
	confOut := filepath.Join(dir, "conform")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "conform", "-t", tf, "--out", confOut, "--label-filter", "TE:AUTH-BASIC-OK")
	cmd.Env = append(os.Environ(), "TOKENBENCH_TEST_AS_CLI=1", "SECRET=tokenbench-secret")
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("conform: %v\n%s", err, stdout)
	}
	outputs["conform stdout"] = string(stdout)
	lj := filepath.Join(loadOut, "load.json")
	for _, format := range []string{"text", "md"} {
		code, out, errs = runCLI(t, env, "report", "compare", lj, lj, "--format", format)
		if code != exitOK {
			t.Fatalf("report compare: exit %d\n%s\n%s", code, out, errs)
		}
		outputs["report compare --format "+format] = out
	}
	// a merge keeps every part's notices: here the first part has none (two
	// copies of one run: --allow-unrelated)
	var bare map[string]any
	data, err := os.ReadFile(lj)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &bare); err != nil {
		t.Fatal(err)
	}
	delete(bare["target"].(map[string]any), "notices")
	data, _ = json.Marshal(bare)
	noNotices := writeFile(t, dir, "no-notices.json", string(data))
	code, out, errs = runCLI(t, env, "report", "merge", noNotices, lj, "--allow-unrelated", "-o", filepath.Join(dir, "merged", "load.json"))
	if code != exitOK {
		t.Fatalf("report merge: exit %d\n%s\n%s", code, out, errs)
	}
	outputs["report merge stdout"] = out
	for _, f := range []string{"load/load.json", "load/load.html", "load/load.md", "merged/load.json", "merged/load.html", "merged/load.md", "conform/conformance.json", "conform/conformance.html",
		"conform/conformance.md", "conform/conformance.junit.xml", "capacity/capacity.json", "capacity/capacity.html"} {
		data, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		outputs[f] = string(data)
	}
	for name, text := range outputs {
		for _, n := range notices {
			// as HTML, XML and JSON write it
			if plain := strings.NewReplacer(`\"`, `"`, "\u200b", "").Replace(html.UnescapeString(text)); !strings.Contains(plain, n) {
				t.Errorf("%s does not say %q", name, n)
			}
		}
	}
}

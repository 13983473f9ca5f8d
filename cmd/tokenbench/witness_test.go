package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/internal/provider"
	"github.com/tokenbench/tokenbench/internal/secretscan"
	"github.com/tokenbench/tokenbench/profiles"
)

// witnessed is a reference provider on loopback that tells a secret scanner
// every secret of the run: the client secrets, every code it issues, every
// credential, code, verifier and token a request presents to it (the
// harness's random wrong secrets included), every token it issues, and the
// personal claims of its ID tokens. A target file points at it, with both
// of the embedded target's clients.
type witnessed struct {
	scan   *secretscan.Scanner
	target string
	env    map[string]string
}

func newWitnessed(t *testing.T, cfg provider.Config) *witnessed {
	t.Helper()
	w := &witnessed{scan: secretscan.New()}
	p, err := profiles.Load("bankid")
	if err != nil {
		t.Fatal(err)
	}
	personal := p.IDToken.PersonalClaims
	cfg.OnSecret = func(kind, value string) {
		w.scan.Add(kind, value)
		if kind == provider.SecretID {
			w.scan.Add("personal claim", claimValues(value, personal)...)
		}
	}
	clients := provider.DefaultClients()
	for _, c := range clients {
		w.scan.Add("client secret", c.Secret)
	}
	cfg.Clients = clients
	prov, err := provider.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(prov.Handler())
	t.Cleanup(srv.Close)
	prov.SetIssuer(srv.URL)
	enc := clients[2] // the client whose secret form-urlencoding changes
	w.env = map[string]string{"SECRET": clients[0].Secret, "SECRET_ENC": enc.Secret}
	w.target = writeFile(t, t.TempDir(), "target.yaml", "issuer: "+srv.URL+"\n"+
		"client: {id: "+clients[0].ID+", secret_env: SECRET}\n"+
		"second_client: {id: "+enc.ID+", secret_env: SECRET_ENC}\n"+
		"redirect_uri: "+clients[0].RedirectURIs[0]+"\nother_redirect_uri: "+clients[0].RedirectURIs[1]+"\n"+
		"codes: {source: authorize}\n")
	return w
}

// claimValues returns the values of the personal claims in a JWS payload.
func claimValues(jws string, personal []string) []string {
	parts := strings.Split(jws, ".")
	if len(parts) < 2 {
		return nil
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil
	}
	var claims map[string]any
	if json.Unmarshal(payload, &claims) != nil {
		return nil
	}
	var out []string
	for _, name := range personal {
		if s, ok := claims[name].(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// cli runs the command line in this process with the witness's secrets in
// the environment.
func (w *witnessed) cli(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runCLI(t, w.env, args...)
}

// conform runs conform in a subprocess (Ginkgo runs one suite per process)
// against the witness, writing into out.
func (w *witnessed) conform(t *testing.T, out string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], append([]string{"conform", "--target", w.target, "--out", out}, args...)...)
	cmd.Env = append(os.Environ(), "TOKENBENCH_TEST_AS_CLI=1", "SECRET="+w.env["SECRET"], "SECRET_ENC="+w.env["SECRET_ENC"])
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("conform %v: %v", args, err)
	}
	return code, so.String(), se.String()
}

// outputs is what some commands printed and wrote.
type outputs struct {
	streams map[string]string // name -> text
	dirs    []string          // every file under each is scanned
}

func (o *outputs) add(name, stdout, stderr string, dirs ...string) {
	if o.streams == nil {
		o.streams = map[string]string{}
	}
	o.streams[name+" stdout"] += stdout
	o.streams[name+" stderr"] += stderr
	o.dirs = append(o.dirs, dirs...)
}

// findings scans every stream and every file under the directories.
func (w *witnessed) findings(t *testing.T, o outputs) []secretscan.Finding {
	t.Helper()
	var out []secretscan.Finding
	for name, text := range o.streams {
		out = append(out, w.scan.Scan(name, []byte(text))...)
	}
	files, err := w.scan.ScanFiles(o.dirs...)
	if err != nil {
		t.Fatal(err)
	}
	return append(out, files...)
}

// noSecrets fails the test for every secret of the run found in o.
func (w *witnessed) noSecrets(t *testing.T, what string, o outputs) {
	t.Helper()
	if w.scan.Len() < 10 {
		t.Fatalf("%s: the witness saw only %d secrets: the run did not run", what, w.scan.Len())
	}
	for _, f := range w.findings(t, o) {
		t.Errorf("%s: a secret reached the output: %s", what, f)
	}
}

// seesSecrets fails the test unless the scan finds secrets of the run in o
// (a --reveal run): proof that the scan can see what it looks for.
func (w *witnessed) seesSecrets(t *testing.T, what string, o outputs) {
	t.Helper()
	found := w.findings(t, o)
	kinds := map[string]bool{}
	for _, f := range found {
		kinds[f.Kind] = true
	}
	if len(found) == 0 {
		t.Errorf("%s with --reveal: the scan found no secret, so it cannot see them", what)
	}
	t.Logf("%s with --reveal: %d findings, kinds %v", what, len(found), keys(kinds))
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// dir returns a fresh directory named name under a test's temp dir.
func dir(t *testing.T, name string) string {
	t.Helper()
	d := filepath.Join(t.TempDir(), name)
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	return d
}

package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tokenbench/tokenbench/internal/provider"
)

// runCLI runs the command line with env as the whole environment.
func runCLI(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = runWith(context.Background(), args, &out, &errb, func(k string) string { return env[k] })
	return code, out.String(), errb.String()
}

// refProvider starts a reference provider with the given client secret on
// an httptest server (loopback).
func refProvider(t *testing.T, secret string) *httptest.Server {
	t.Helper()
	clients := provider.DefaultClients()
	clients[0].Secret = secret
	p, err := provider.New(provider.Config{Clients: clients})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(p.Handler())
	p.SetIssuer(srv.URL)
	t.Cleanup(srv.Close)
	return srv
}

func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func targetYAML(issuer, codes string) string {
	return "issuer: " + issuer + "\nclient:\n  id: tokenbench\n  secret_env: SECRET\nredirect_uri: http://127.0.0.1:9/callback\n" + codes
}

func TestTargetCheckEmbedded(t *testing.T) {
	t.Parallel()
	code, out, errs := runCLI(t, nil, "target", "check")
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	for _, want := range []string{"target     embedded reference provider", "exchange   200 OK", "checks     ", " 0 failed", "verdict    OK"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestTargetCheckSources(t *testing.T) {
	t.Parallel()
	srv := refProvider(t, "tokenbench-secret")
	dir := t.TempDir()
	env := map[string]string{"SECRET": "tokenbench-secret"}

	// harvest two codes from the provider's authorize endpoint for the file
	// and command sources
	harvest := func() string {
		hc := &http.Client{Transport: &http.Transport{}, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := hc.Get(srv.URL + "/authorize?response_type=code&client_id=tokenbench&scope=openid&state=s&redirect_uri=" + url.QueryEscape("http://127.0.0.1:9/callback"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, _ := url.Parse(resp.Header.Get("Location"))
		return `{"code": "` + loc.Query().Get("code") + `"}` + "\n"
	}
	codesFile := writeFile(t, dir, "codes.jsonl", harvest())
	cmdFile := writeFile(t, dir, "cmd.jsonl", harvest())
	tests := []struct{ name, codes string }{
		{"authorize", "codes: {source: authorize}\n"},
		{"file", "codes: {source: file, path: codes.jsonl}\n"},
		{"command", "codes: {source: command, command: [cat, " + cmdFile + "]}\n"},
	}
	_ = codesFile
	for _, tt := range tests {
		p := writeFile(t, dir, tt.name+".yaml", targetYAML(srv.URL, tt.codes))
		code, out, errs := runCLI(t, env, "target", "check", "--target", p)
		if code != exitOK || !strings.Contains(out, "exchange   200 OK") {
			t.Errorf("%s: exit %d\n%s\n%s", tt.name, code, out, errs)
		}
	}
}

func TestTargetCheckFailedExchange(t *testing.T) {
	t.Parallel()
	srv := refProvider(t, "the-real-secret")
	p := writeFile(t, t.TempDir(), "t.yaml", targetYAML(srv.URL, "codes: {source: authorize}\n"))
	code, out, errs := runCLI(t, map[string]string{"SECRET": "a-wrong-secret"}, "target", "check", "--target", p)
	if code != exitFailed || !strings.Contains(out, "verdict    FAILED") || !strings.Contains(out, `error "invalid_client"`) {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	srv := refProvider(t, "tokenbench-secret")
	dir := t.TempDir()
	notJSON := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<html>hello</html>"))
	}))
	t.Cleanup(notJSON.Close)
	loginPage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/.well-known/openid-configuration" {
			w.Header().Set("Content-Type", "application/json")
			u := "http://" + r.Host
			w.Write([]byte(`{"issuer":"` + u + `","authorization_endpoint":"` + u + `/auth","token_endpoint":"` + u + `/token","jwks_uri":"` + u + `/jwks"}`))
			return
		}
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<html><head><title>Sign in</title></head><form><input name=username></form></html>"))
	}))
	t.Cleanup(loginPage.Close)
	tlsSrv := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(tlsSrv.Close)
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	env := map[string]string{"SECRET": "tokenbench-secret"}
	good := targetYAML(srv.URL, "codes: {source: authorize}\n")
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"malformed yaml", []string{"target", "check", "-t", writeFile(t, dir, "m.yaml", "issuer: [x\n")}, []string{"m.yaml:"}},
		{"unknown key", []string{"target", "check", "-t", writeFile(t, dir, "k.yaml", good+"colour: red\n")}, []string{`k.yaml:7: unknown key "colour"`}},
		{"missing target file", []string{"target", "check", "-t", filepath.Join(dir, "nope.yaml")}, []string{"nope.yaml", "no such file"}},
		{"unknown profile", []string{"target", "check", "-t", writeFile(t, dir, "p.yaml", good), "-p", "acme"}, []string{`unknown profile "acme"`}},
		{"unknown code source", []string{"target", "check", "-t", writeFile(t, dir, "s.yaml", targetYAML(srv.URL, "codes: {source: magic}\n"))}, []string{`"magic" is not one of authorize, command, file, embedded`}},
		{"missing secret variable", []string{"target", "check", "-t", writeFile(t, dir, "e.yaml", strings.Replace(good, "SECRET", "NOT_SET_ANYWHERE", 1))}, []string{"environment variable NOT_SET_ANYWHERE is not set"}},
		{"unreachable issuer", []string{"target", "check", "-t", writeFile(t, dir, "u.yaml", targetYAML(dead.URL, ""))}, []string{"issuer unreachable", dead.URL + "/.well-known/openid-configuration"}},
		{"discovery not JSON", []string{"target", "check", "-t", writeFile(t, dir, "j.yaml", targetYAML(notJSON.URL, ""))}, []string{"is not JSON", notJSON.URL}},
		{"tls failure", []string{"target", "check", "-t", writeFile(t, dir, "tls.yaml", targetYAML(tlsSrv.URL, ""))}, []string{"TLS: the certificate is signed by an unknown authority"}},
		{"login page", []string{"target", "check", "-t", writeFile(t, dir, "l.yaml", targetYAML(loginPage.URL, ""))}, []string{"login page", "Sign in"}},
		{"command cannot start", []string{"target", "check", "-t", writeFile(t, dir, "c1.yaml", targetYAML(srv.URL, "codes: {source: command, command: [/nonexistent/harvester]}\n"))}, []string{"/nonexistent/harvester"}},
		{"command dies", []string{"target", "check", "-t", writeFile(t, dir, "c2.yaml", targetYAML(srv.URL, "codes: {source: command, command: [sh, -c, 'echo boom >&2; exit 3']}\n"))}, []string{"exited after 0 codes", "boom"}},
		{"command prints garbage", []string{"target", "check", "-t", writeFile(t, dir, "c3.yaml", targetYAML(srv.URL, "codes: {source: command, command: [sh, -c, 'echo \"{not json\"']}\n"))}, []string{"line 1"}},
		{"empty codes file", []string{"target", "check", "-t", writeFile(t, dir, "f1.yaml", targetYAML(srv.URL, "codes: {source: file, path: "+writeFile(t, dir, "empty.jsonl", "")+"}\n"))}, []string{"empty.jsonl"}},
		{"malformed codes file", []string{"target", "check", "-t", writeFile(t, dir, "f2.yaml", targetYAML(srv.URL, "codes: {source: file, path: "+writeFile(t, dir, "bad.jsonl", "{\"code\": \"a\"}\n{\"cod\": 1}\n")+"}\n"))}, []string{"bad.jsonl:2"}},
		{"encrypted client key", []string{"target", "check", "-p", "oidc", "-t", writeFile(t, dir, "k1.yaml", strings.Replace(good, "  secret_env: SECRET\n",
			"  auth_method: private_key_jwt\n  key_file: "+writeFile(t, dir, "enc.pem", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n")+"\n", 1))},
			[]string{"client.key_file", "the private key is encrypted"}},
		{"a key that does not fit the alg", []string{"target", "check", "-p", "oidc", "-t", writeFile(t, dir, "k2.yaml", strings.Replace(good, "  secret_env: SECRET\n",
			"  auth_method: private_key_jwt\n  assertion_alg: RS256\n  key_file: "+ecKeyFile(t, dir)+"\n", 1))},
			[]string{`client.assertion_alg "RS256": RS256 needs an RSA key`}},
		{"a method without its credentials", []string{"target", "check", "-p", "oidc", "-t", writeFile(t, dir, "k3.yaml", strings.Replace(good, "  secret_env: SECRET\n", "  auth_method: tls_client_auth\n", 1))},
			[]string{"client.auth_method tls_client_auth needs a client certificate: tls.cert_file"}},
		{"a method the profile does not list", []string{"target", "check", "-t", writeFile(t, dir, "k4.yaml", strings.Replace(good, "  secret_env: SECRET\n", "  auth_method: client_secret_post\n  secret_env: SECRET\n", 1))},
			[]string{"client.auth_method client_secret_post: profile bankid does not document it"}},
		{"unknown auth method", []string{"target", "check", "--auth-method", "magic"}, []string{`--auth-method "magic"`}},
		{"unknown command", []string{"frobnicate"}, []string{`unknown command "frobnicate"`}},
		{"unknown flag", []string{"target", "check", "--frob"}, []string{"unknown flag: --frob"}},
		{"bad defect", []string{"serve", "--defect", "nosuch"}, []string{`unknown defect "nosuch"`}},
		{"bad stall", []string{"serve", "--stall", "1s"}, []string{"HOLD/PERIOD"}},
		{"non-loopback serve", []string{"serve", "--addr", "0.0.0.0:0"}, []string{"not a loopback address"}},
		{"invalid profile file", []string{"profiles", "validate", writeFile(t, dir, "bad-profile.yaml", "name: x\nauth:\n  methodz: []\n")}, []string{`bad-profile.yaml:3: unknown key "methodz"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, out, errs := runCLI(t, env, tt.args...)
			if code != exitBadInput {
				t.Errorf("exit %d, want 2\nstdout:\n%s\nstderr:\n%s", code, out, errs)
			}
			for _, w := range tt.want {
				if !strings.Contains(errs, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errs)
				}
			}
			if strings.Contains(errs+out, "goroutine ") || strings.Contains(errs+out, "panic:") {
				t.Errorf("a stack trace reached the user:\n%s", errs)
			}
		})
	}
}

func TestHelpEverywhere(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--help"}, {"serve", "--help"}, {"target", "check", "--help"}, {"profiles", "show", "--help"}, {"version"}} {
		code, out, errs := runCLI(t, nil, args...)
		if code != exitOK || out == "" {
			t.Errorf("%v: exit %d\n%s\n%s", args, code, out, errs)
		}
	}
}

func TestProfilesCommands(t *testing.T) {
	t.Parallel()
	code, out, _ := runCLI(t, nil, "profiles", "list")
	if code != exitOK || !strings.Contains(out, "bankid") || !strings.Contains(out, "oidc") {
		t.Errorf("list: %d\n%s", code, out)
	}
	code, out, _ = runCLI(t, nil, "profiles", "show", "bankid")
	if code != exitOK || !strings.Contains(out, "refresh_token: forbidden") || !strings.Contains(out, "resolved from [oidc bankid]") {
		t.Errorf("show: %d\n%s", code, out)
	}
	code, out, _ = runCLI(t, nil, "profiles", "show", "oidc", "--rows")
	if code != exitOK || !strings.Contains(out, "RESP-NO-REFRESH") || !strings.Contains(out, "SKIP") {
		t.Errorf("show --rows: %d\n%s", code, out)
	}
	code, out, _ = runCLI(t, nil, "profiles", "validate", "bankid", "oidc")
	if code != exitOK || !strings.Contains(out, "bankid: ok") {
		t.Errorf("validate: %d\n%s", code, out)
	}
}

// ecKeyFile writes an EC P-256 private key (PKCS#8 PEM) into dir.
func ecKeyFile(t *testing.T, dir string) string {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return writeFile(t, dir, "ec.pem", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})))
}

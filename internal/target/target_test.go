package target

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tokenbench/tokenbench/internal/catalog"
)

// fakeIssuer serves a discovery document naming itself.
func fakeIssuer(t *testing.T, tls bool, extra map[string]any) *httptest.Server {
	t.Helper()
	var srv *httptest.Server
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/openid-configuration" {
			http.NotFound(w, r)
			return
		}
		d := map[string]any{
			"issuer": srv.URL, "authorization_endpoint": srv.URL + "/authorize", "token_endpoint": srv.URL + "/token",
			"jwks_uri": srv.URL + "/jwks", "userinfo_endpoint": srv.URL + "/userinfo",
		}
		for k, v := range extra {
			d[k] = v
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(d)
	})
	if tls {
		srv = httptest.NewTLSServer(h)
	} else {
		srv = httptest.NewServer(h)
	}
	t.Cleanup(srv.Close)
	return srv
}

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func baseFile(issuer string) *File {
	return &File{Issuer: issuer, Client: Client{ID: "c", SecretEnv: "SECRET"}, RedirectURI: "https://client.example/cb"}
}

func TestResolveFromDiscovery(t *testing.T) {
	t.Parallel()
	srv := fakeIssuer(t, false, map[string]any{"code_challenge_methods_supported": []string{"S256"}})
	f := baseFile(srv.URL)
	f.Expect = Expect{CodeLifetime: 5e9, RefreshLifetime: 20e9, Rows: map[string]RowRule{"CODE-ENTROPY": {Level: catalog.Skip, Reason: "test provider"}}}
	tg, err := Resolve(context.Background(), "t.yaml", f, Options{Env: env(map[string]string{"SECRET": "s3cret"})})
	if err != nil {
		t.Fatal(err)
	}
	defer tg.Close()
	if tg.TokenEndpoint != srv.URL+"/token" || tg.JWKSURI != srv.URL+"/jwks" || tg.UserinfoEndpoint != srv.URL+"/userinfo" {
		t.Errorf("endpoints: %+v", tg)
	}
	if tg.Client.Secret != "s3cret" || tg.Scope != "openid" || tg.Profile.Name != "bankid" {
		t.Errorf("client %+v scope %q profile %q", tg.Client, tg.Scope, tg.Profile.Name)
	}
	if !tg.PKCE {
		t.Error("PKCE not enabled although discovery lists S256")
	}
	if tg.Profile.Code.Lifetime.D().Seconds() != 5 {
		t.Errorf("expect.code_lifetime not applied: %v", tg.Profile.Code.Lifetime)
	}
	if tg.Profile.Refresh.Lifetime.D().Seconds() != 20 {
		t.Errorf("expect.refresh_lifetime not applied: %v", tg.Profile.Refresh.Lifetime)
	}
	if lvl, reason := tg.Profile.Level("CODE-ENTROPY"); lvl != catalog.Skip || reason != "test provider" {
		t.Errorf("expect.rows not applied: %s %q", lvl, reason)
	}
	if len(tg.Warnings) != 0 {
		t.Errorf("warnings: %v", tg.Warnings)
	}
	if got := tg.Redactor.String("x s3cret y"); strings.Contains(got, "s3cret") {
		t.Errorf("the redactor does not know the secret: %q", got)
	}
}

func TestResolveErrors(t *testing.T) {
	t.Parallel()
	good := fakeIssuer(t, false, nil)
	notJSON := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<html><title>Login</title></html>"))
	}))
	t.Cleanup(notJSON.Close)
	missing := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(missing.Close)
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	tlsSrv := fakeIssuer(t, true, nil)
	requiresPKCE := filepath.Join(t.TempDir(), "pkce.yaml")
	if err := os.WriteFile(requiresPKCE, []byte("name: pkce\nextends: oidc\npkce: {support: required}\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		mod  func(*File)
		env  map[string]string
		want string
	}{
		{"missing secret variable", func(*File) {}, nil, "environment variable SECRET is not set"},
		{"no secret at all", func(f *File) { f.Client.SecretEnv = "" }, nil, "secret_env is required"},
		{"both secrets", func(f *File) { f.Client.Secret = "x" }, nil, "not both"},
		{"no client id", func(f *File) { f.Client.ID = "" }, nil, "client.id is required"},
		{"no redirect", func(f *File) { f.RedirectURI = "" }, nil, "redirect_uri is required"},
		{"plain http off loopback", func(f *File) { f.Issuer = "http://idp.example.com" }, nil, "allow_insecure_http: true"},
		{"not a url", func(f *File) { f.Issuer = "idp.example.com" }, nil, `issuer "idp.example.com" is not an absolute http(s) URL`},
		{"unreachable issuer", func(f *File) { f.Issuer = dead.URL }, nil, "issuer unreachable: discovery " + dead.URL + "/.well-known/openid-configuration"},
		{"discovery not JSON", func(f *File) { f.Issuer = notJSON.URL }, nil, `the answer is not JSON (Content-Type "text/html")`},
		{"discovery 404", func(f *File) { f.Issuer = missing.URL }, nil, "status 404 Not Found (want 200)"},
		{"tls unknown authority", func(f *File) { f.Issuer = tlsSrv.URL }, nil, "TLS: the certificate is signed by an unknown authority"},
		{"unknown profile", func(f *File) { f.Profile = "nosuch" }, nil, `unknown profile "nosuch"`},
		{"bad expect row", func(f *File) { f.Expect.Rows = map[string]RowRule{"NOPE": {Level: catalog.Must}} }, nil, `rows: "NOPE" is not a catalogue row ID`},
		{"bad code source", func(f *File) { f.Codes.Source = "magic" }, nil, `"magic" is not one of authorize, command, file, embedded`},
		{"bad pkce", func(f *File) { f.Codes.PKCE = "sometimes" }, nil, `"sometimes" is not one of auto, on, off`},
		{"pkce off under a profile that requires it", func(f *File) { f.Codes.PKCE = "off"; f.Profile = requiresPKCE }, nil, "requires PKCE (pkce.support: required)"},
		{"missing ca file", func(f *File) { f.TLS.CAFile = "/nonexistent.pem" }, nil, "tls.ca_file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := baseFile(good.URL)
			tt.mod(f)
			e := tt.env
			if e == nil && !strings.Contains(tt.name, "secret") {
				e = map[string]string{"SECRET": "x"}
			}
			_, err := Resolve(context.Background(), "t.yaml", f, Options{Env: env(e)})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Resolve error = %v\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

func TestResolveWarnings(t *testing.T) {
	t.Parallel()
	srv := fakeIssuer(t, false, nil)
	f := baseFile(srv.URL)
	f.Client = Client{ID: "c", Secret: "literal"}
	tg, err := Resolve(context.Background(), "t.yaml", f, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(tg.Warnings) != 1 || !strings.Contains(tg.Warnings[0], "prefer secret_env") {
		t.Errorf("warnings = %q", tg.Warnings)
	}

	// http off loopback, explicitly allowed: warned loudly. Discovery is not
	// reachable there, so endpoints come from the file.
	f = baseFile("http://idp.invalid")
	f.TokenEndpoint, f.JWKSURI, f.AllowInsecureHTTP = "http://idp.invalid/token", "http://idp.invalid/jwks", true
	tg, err = Resolve(context.Background(), "t.yaml", f, Options{Env: env(map[string]string{"SECRET": "x"})})
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(tg.Warnings, "\n")
	if !tg.InsecureHTTP || !strings.Contains(joined, "INSECURE") || !strings.Contains(joined, "discovery failed") {
		t.Errorf("InsecureHTTP %v warnings:\n%s", tg.InsecureHTTP, joined)
	}
}

func TestResolveTLSWithCAFile(t *testing.T) {
	t.Parallel()
	srv := fakeIssuer(t, true, nil)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	f := baseFile(srv.URL)
	f.TLS.CAFile = ca
	if _, err := Resolve(context.Background(), "t.yaml", f, Options{Env: env(map[string]string{"SECRET": "x"})}); err != nil {
		t.Fatalf("with ca_file: %v", err)
	}
	f.TLS = TLS{InsecureSkipVerify: true}
	tg, err := Resolve(context.Background(), "t.yaml", f, Options{Env: env(map[string]string{"SECRET": "x"})})
	if err != nil || len(tg.Warnings) != 1 || !strings.Contains(tg.Warnings[0], "insecure_skip_verify") {
		t.Fatalf("insecure_skip_verify: %v %q", err, tg.Warnings)
	}
}

func TestLoadFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "t.yaml")
	os.WriteFile(p, []byte("issuer: https://x\nclient:\n  id: c\n  secret_env: S\n  scret: oops\nredirect_uri: https://c/cb\n"), 0o600)
	if _, err := Load(p); err == nil || !strings.Contains(err.Error(), p+`:5: unknown key "scret"`) {
		t.Fatalf("Load error = %v", err)
	}
	if _, err := Load(filepath.Join("..", "..", "examples", "target.yaml")); err != nil {
		t.Fatalf("examples/target.yaml: %v", err)
	}
}

// TestExampleBrowserSection: the commented browser source in
// examples/target.yaml, uncommented, is a valid codes section.
func TestExampleBrowserSection(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("..", "..", "examples", "target.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "  # source: browser\n")
	if !ok {
		t.Fatal("examples/target.yaml has no browser source")
	}
	section := "  source: browser\n"
	for _, line := range strings.Split(rest, "\n") {
		l, ok := strings.CutPrefix(line, "  # ")
		if !ok {
			break
		}
		section += "  " + l + "\n"
	}
	p := filepath.Join(t.TempDir(), "t.yaml")
	os.WriteFile(p, []byte("issuer: https://x\nclient: {id: c, secret_env: S}\nredirect_uri: https://c/cb\ncodes:\n"+section), 0o600)
	f, err := Load(p)
	if err != nil {
		t.Fatalf("%v in\n%s", err, section)
	}
	if err := f.Codes.Validate(); err != nil || f.Codes.Browser == nil || len(f.Codes.Browser.Steps) != 7 || f.Codes.Browser.Parallel != 2 {
		t.Errorf("the browser section: %v, %+v", err, f.Codes.Browser)
	}
}

func TestIsLoopback(t *testing.T) {
	t.Parallel()
	for host, want := range map[string]bool{"127.0.0.1": true, "127.1.2.3": true, "::1": true, "[::1]": true, "localhost": true,
		"10.0.0.1": false, "example.com": false, "localhost.example.com": false} {
		if got := IsLoopback(host); got != want {
			t.Errorf("IsLoopback(%q) = %v", host, got)
		}
	}
}

package codes

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/internal/browser"
	"github.com/tokenbench/tokenbench/internal/browser/browsertest"
	"github.com/tokenbench/tokenbench/internal/provider"
	"github.com/tokenbench/tokenbench/internal/secrettest"
	"github.com/tokenbench/tokenbench/internal/yamlfile"
)

// jsProvider serves the reference provider with a JavaScript login and
// counts the logins (user steps) it sees.
func jsProvider(t *testing.T, mode string) (base string, logins *atomic.Int64) {
	t.Helper()
	p, err := provider.New(provider.Config{Login: mode})
	if err != nil {
		t.Fatal(err)
	}
	logins = new(atomic.Int64)
	h := p.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/login/api/user" {
			logins.Add(1)
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	p.SetIssuer(srv.URL)
	return srv.URL, logins
}

// referenceSteps logs in to the reference provider's JavaScript login.
const referenceSteps = `
source: browser
browser:
  step_timeout: 60s # generous: only the failure tests wait a timeout out
  steps:
    - fill: {"#user-id": "env:LOGIN_USER"}
    - click: "#next"
    - frame: "#otp-frame"
    - fill: {"#otp-code": "env:LOGIN_OTP"}
    - click: "#confirm"
`

func browserConfig(t *testing.T, src string) Config {
	t.Helper()
	var cfg Config
	if err := yamlfile.Decode("target.yaml", []byte(src), &cfg); err != nil {
		t.Fatal(err)
	}
	cfg.Browser.Executable = os.Getenv("TOKENBENCH_CHROMIUM")
	return cfg
}

func browserDeps(base string, env map[string]string, out string) Deps {
	return Deps{
		AuthorizationEndpoint: base + provider.PathAuthorize,
		ClientID:              "tokenbench",
		RedirectURI:           "http://127.0.0.1:9/callback",
		Scope:                 "openid",
		PKCE:                  true,
		OutDir:                out,
		LookupEnv:             func(k string) (string, bool) { v, ok := env[k]; return v, ok },
	}
}

var loginEnv = map[string]string{"LOGIN_USER": provider.LoginUser, "LOGIN_OTP": provider.LoginOTP}

// redeem exchanges c at the reference provider's token endpoint.
func redeem(t *testing.T, base string, c *Code) {
	t.Helper()
	form := url.Values{"grant_type": {"authorization_code"}, "code": {c.Value}, "redirect_uri": {c.RedirectURI}, "code_verifier": {c.CodeVerifier}}
	req, _ := http.NewRequest(http.MethodPost, base+provider.PathToken, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	id, secret := "tokenbench", "tokenbench-secret"
	if c.ClientID == "tokenbench-b" {
		id, secret = "tokenbench-b", "tokenbench-b-secret"
	}
	req.SetBasicAuth(id, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("redeeming %s: status %d", c, resp.StatusCode)
	}
}

func TestBrowserSource(t *testing.T) {
	browsertest.Chromium(t)
	base, logins := jsProvider(t, provider.LoginJS)
	src, err := Open(browserConfig(t, referenceSteps), browserDeps(base, loginEnv, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	ctx := context.Background()

	first, err := src.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if first.Value == "" || first.State == "" || first.Nonce == "" || first.CodeVerifier == "" || first.Seq != 1 {
		t.Errorf("first code: %s, state %q, nonce %v, verifier %v", first, first.State, first.Nonce != "", first.CodeVerifier != "")
	}
	redeem(t, base, first)

	// The session cookie from the first login makes the next codes plain
	// redirects: the steps are not needed, and no new login happens.
	a, ok := AsAuthorizer(src)
	if !ok {
		t.Fatal("the browser source is not an Authorizer")
	}
	o := a.Defaults()
	o.ClientID, o.RedirectURI, o.Nonce, o.PKCE = "tokenbench-b", "http://127.0.0.1:9/callback2", false, false
	second, err := a.Authorize(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if second.ClientID != "tokenbench-b" || second.RedirectURI != "http://127.0.0.1:9/callback2" || second.Nonce != "" || second.CodeVerifier != "" {
		t.Errorf("varied code: %s", second)
	}
	redeem(t, base, second)
	if n := logins.Load(); n != 1 {
		t.Errorf("%d logins, want 1 (the session cookie is kept across codes)", n)
	}
	if s := src.Stats(); s.Obtained != 2 || s.Used != 2 || s.Errors != 0 {
		t.Errorf("stats %+v", s)
	}
	if f := Failure(src); f != nil {
		t.Errorf("Failure = %v after logins that worked", f)
	}
	secrettest.Masked(t, src, []string{provider.LoginUser, provider.LoginOTP, first.Value}, "browser source", "5 steps")
}

func TestBrowserSourcePipeline(t *testing.T) {
	browsertest.Chromium(t)
	// No sessions: every code is a full login, two tabs at once.
	base, logins := jsProvider(t, provider.LoginJSNoSession)
	cfg := browserConfig(t, referenceSteps+"  parallel: 2\nprefetch: 3\nmax_age: 1h\n")
	var obtained atomic.Int64
	d := browserDeps(base, loginEnv, t.TempDir())
	d.OnObtained = func(Code) { obtained.Add(1) }
	src, err := Open(cfg, d)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	p, ok := src.(*Prefetcher)
	if !ok || p.parallel != 2 {
		t.Fatalf("Open returned %T (parallel %d), want a Prefetcher with codes.browser.parallel producers", src, p.parallel)
	}
	seen := map[string]bool{}
	for range 4 {
		c, err := src.Next(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if seen[c.Value] {
			t.Error("the same code twice")
		}
		seen[c.Value] = true
		redeem(t, base, c)
	}
	if n := logins.Load(); n < 4 {
		t.Errorf("%d logins for 4 codes without sessions", n)
	}
	if obtained.Load() < 4 {
		t.Errorf("OnObtained saw %d codes", obtained.Load())
	}
}

func TestBrowserSourceFailure(t *testing.T) {
	browsertest.Chromium(t)
	base, _ := jsProvider(t, provider.LoginJSNoSession)
	out := t.TempDir()
	env := map[string]string{"LOGIN_USER": provider.LoginUser, "LOGIN_OTP": "999111"}
	// The wrong one-time code: the page stays on the code step, and the
	// redirect never comes.
	cfg := browserConfig(t, strings.Replace(referenceSteps, `    - click: "#confirm"`, "    - click: \"#confirm\"\n    - timeout: 1s", 1))
	src, err := Open(cfg, browserDeps(base, env, out))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	_, err = src.Next(context.Background())
	shot := filepath.Join(out, "browser", "login-1.png")
	mustErr(t, err, ErrLoginPage, []string{
		"codes: browser: the login (codes.browser.steps) did not reach the redirect URI",
		"after the last of 6 steps, waiting for the redirect (in frame \"#otp-frame\"): the page did not go to http://127.0.0.1:9/callback within 1s",
		`title "Log in – tokenbench reference provider"`,
		"Wrong one-time code. 2 attempts left.",
		"client_id=tokenbench", "state=REDACTED",
		"screenshot " + shot,
	}, "999111", provider.LoginUser)
	if b, err := os.ReadFile(shot); err != nil || !strings.HasPrefix(string(b), "\x89PNG") {
		t.Errorf("no screenshot at %s: %v", shot, err)
	}
	if !Permanent(err) {
		t.Error("a failed login script is not permanent")
	}
	// The next code fails at once with the same evidence: no second login.
	_, again := src.Next(context.Background())
	mustErr(t, again, ErrLoginPage, []string{"no new login tried after a failed one", "screenshot " + shot}, "999111")
	if _, err := os.Stat(filepath.Join(out, "browser", "login-2.png")); err == nil {
		t.Error("a second login was tried")
	}
	if f := Failure(src); f == nil || f.Error() != err.Error() {
		t.Errorf("Failure = %v, want the first failed login", f)
	}
}

func TestBrowserSourceBadInput(t *testing.T) {
	t.Parallel()
	// Neither needs a browser: the errors come before Chromium starts.
	_, err := Open(browserConfig(t, referenceSteps), browserDeps("http://127.0.0.1:9", map[string]string{"LOGIN_USER": "u"}, ""))
	if err == nil || !strings.Contains(err.Error(), `step 4 (fill "#otp-code"): environment variable "LOGIN_OTP" is not set`) {
		t.Errorf("missing variable: %v", err)
	}
	cfg := browserConfig(t, referenceSteps)
	cfg.Browser.Executable = "/nonexistent/chromium"
	_, err = Open(cfg, browserDeps("http://127.0.0.1:9", loginEnv, ""))
	if !errors.Is(err, browser.ErrNotFound) || !strings.Contains(err.Error(), `codes: field "browser.executable"`) {
		t.Errorf("missing Chromium: %v", err)
	}
}

func TestBrowserConfigValidate(t *testing.T) {
	t.Parallel()
	steps := &BrowserConfig{Steps: []browser.Step{{Kind: browser.Click, Selector: "#go"}}}
	tests := []struct {
		name string
		cfg  Config
		want []string
	}{
		{"valid", Config{Source: "browser", Browser: steps, Params: map[string]string{"prompt": "login"}, Cookies: map[string]string{"sid": "x"}, Prefetch: 2}, nil},
		{"no section", Config{Source: "browser"}, []string{`field "browser": source browser needs a browser section`}},
		{"section elsewhere", Config{Browser: steps}, []string{`field "browser": is only used with source: browser`}},
		{"no steps", Config{Source: "browser", Browser: &BrowserConfig{}}, []string{`field "browser.steps": no steps`}},
		{"headers, parallel, negative", Config{Source: "browser", Headers: map[string]string{"X": "y"}, Parallel: 2,
			Browser: &BrowserConfig{Steps: steps.Steps, Parallel: -1, StepTimeout: yamlfile.Duration(-time.Second)}},
			[]string{`field "headers": is not used with source: browser`, `field "parallel": is not used with source: browser; codes.browser.parallel`,
				`field "browser.parallel": -1 is negative`, `field "browser.step_timeout": -1s is negative`}},
	}
	for _, tt := range tests {
		err := tt.cfg.Validate()
		if len(tt.want) == 0 {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		for _, w := range tt.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%s: got %v, want %q", tt.name, err, w)
			}
		}
	}
}

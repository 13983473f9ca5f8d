package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/internal/browser/browsertest"
	"github.com/tokenbench/tokenbench/internal/provider"
)

// jsLoginTarget starts the reference provider with its JavaScript login
// (provider.LoginJS) and writes a target file whose codes come from
// Chromium running the login script, the user ID and one-time code read
// from the environment. extra is added after the last step.
func jsLoginTarget(t *testing.T, extra string) string {
	t.Helper()
	p, err := provider.New(provider.Config{Login: provider.LoginJS, CodeTTL: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(p.Handler())
	t.Cleanup(srv.Close)
	p.SetIssuer(srv.URL)
	return writeFile(t, t.TempDir(), "target.yaml", `issuer: `+srv.URL+`
client: {id: tokenbench, secret_env: SECRET}
second_client: {id: tokenbench-enc, secret_env: SECRET_ENC}
redirect_uri: http://127.0.0.1:9/callback
other_redirect_uri: http://127.0.0.1:9/callback2
scope: openid
profile: bankid
expect: {code_lifetime: 2s}
codes:
  source: browser
  browser:
    executable: "`+os.Getenv("TOKENBENCH_CHROMIUM")+`"
    step_timeout: 60s # generous: a loaded machine is slow, not wrong
    steps:
      - fill: {"#user-id": "env:LOGIN_USER"}
      - click: "#next"
      - frame: "#otp-frame"
      - fill: {"#otp-code": "env:LOGIN_OTP"}
      - click: "#confirm"
`+extra)
}

func jsLoginEnv(otp string) map[string]string {
	return map[string]string{
		"SECRET": "tokenbench-secret", "SECRET_ENC": "s3cret:with/reserved+chars&=%",
		"LOGIN_USER": provider.LoginUser, "LOGIN_OTP": otp,
	}
}

// cliProcess runs the test binary as tokenbench with env and returns its
// exit status and output.
func cliProcess(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Env = append(os.Environ(), "TOKENBENCH_TEST_AS_CLI=1")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), so.String(), se.String()
	} else if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return 0, so.String(), se.String()
}

// TestBrowserSourceJSLogin: target check and conform pass against the
// reference provider's JavaScript login with codes from Chromium.
//
// Not parallel: Chromium's CPU stays out of the package's parallel tests.
func TestBrowserSourceJSLogin(t *testing.T) {
	browsertest.Chromium(t)
	tf := jsLoginTarget(t, "")
	env := jsLoginEnv(provider.LoginOTP)

	code, out, errs := cliProcess(t, env, "target", "check", "--target", tf)
	if code != exitOK {
		t.Fatalf("target check: exit %d\n%s\n%s", code, out, errs)
	}
	for _, want := range []string{"codes      browser", "code       obtained in", "exchange   200 OK", "verdict    OK"} {
		if !strings.Contains(out, want) {
			t.Errorf("target check output lacks %q:\n%s", want, out)
		}
	}

	outDir := t.TempDir()
	code, out, errs = cliProcess(t, env, "conform", "--target", tf, "--out", outDir)
	if code != exitOK || !strings.Contains(out, "verdict    PASS") {
		t.Fatalf("conform: exit %d\n%s\n%s", code, out, errs)
	}
	if m := regexp.MustCompile(`rows +(\d+): (\d+) passed, 0 failed`).FindStringSubmatch(out); m == nil {
		t.Errorf("conform summary:\n%s", out)
	}
	if entries, _ := os.ReadDir(filepath.Join(outDir, "browser")); len(entries) > 0 {
		t.Errorf("screenshots of failed logins after a passing run: %v", entries)
	}
}

// TestBrowserSourceWrongStep: a login that does not get through ends with
// the step, the page's URL, title and text and a screenshot, the typed
// values masked; exit 2.
func TestBrowserSourceWrongStep(t *testing.T) {
	browsertest.Chromium(t)
	// The wrong one-time code: the code step stays, with its message, and
	// the redirect never comes (1 s after the last click).
	tf := jsLoginTarget(t, "      - timeout: 1s\n")
	env := jsLoginEnv("913370")
	secrets := []string{"913370", provider.LoginUser}
	wants := []string{
		"the login (codes.browser.steps) did not reach the redirect URI",
		`after the last of 6 steps, waiting for the redirect (in frame "#otp-frame"): the page did not go to http://127.0.0.1:9/callback within 1s`,
		"/authorize?client_id=tokenbench&", "state=REDACTED", `title "Log in – tokenbench reference provider"`,
		"/login/otp?interaction=REDACTED", `text "One-time code Confirm Wrong one-time code. 2 attempts left."`,
		"; screenshot ",
	}
	check := func(what, msg string) {
		t.Helper()
		for _, w := range wants {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: the error lacks %q:\n%s", what, w, msg)
			}
		}
		for _, s := range secrets {
			if strings.Contains(msg, s) {
				t.Errorf("%s: the error shows the typed value %q:\n%s", what, s, msg)
			}
		}
	}

	code, out, errs := cliProcess(t, env, "target", "check", "--target", tf)
	if code != exitBadInput {
		t.Fatalf("target check: exit %d, want 2\n%s\n%s", code, out, errs)
	}
	check("target check", errs)
	shot := regexp.MustCompile(`screenshot (\S+\.png)`).FindStringSubmatch(errs)
	if shot == nil {
		t.Fatalf("no screenshot path in %s", errs)
	}
	t.Cleanup(func() { os.Remove(shot[1]) })
	if b, err := os.ReadFile(shot[1]); err != nil || !bytes.HasPrefix(b, []byte("\x89PNG")) {
		t.Errorf("the screenshot %s is not a PNG: %v", shot[1], err)
	}

	outDir := t.TempDir()
	code, out, errs = cliProcess(t, env, "conform", "--target", tf, "--out", outDir)
	if code != exitBadInput {
		t.Fatalf("conform: exit %d, want 2\n%s\n%s", code, out, errs)
	}
	check("conform", errs)
	want := filepath.Join(outDir, "browser", "login-1.png")
	if !strings.Contains(errs, "screenshot "+want) {
		t.Errorf("conform's screenshot is not %s:\n%s", want, errs)
	}
	if b, err := os.ReadFile(want); err != nil || !bytes.HasPrefix(b, []byte("\x89PNG")) {
		t.Errorf("no screenshot at %s: %v", want, err)
	}
	if _, err := os.Stat(filepath.Join(outDir, "browser", "login-2.png")); err == nil {
		t.Error("conform tried a second login after the first failed")
	}
	if _, err := os.Stat(filepath.Join(outDir, "conformance.json")); err != nil {
		t.Errorf("no report: %v", err)
	}
}

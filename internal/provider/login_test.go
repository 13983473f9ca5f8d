package provider

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// loginClient walks the JavaScript login's HTTP API as its scripts do,
// with a cookie jar: what a browser sends, without the browser.
type loginClient struct {
	h      *harness
	client *http.Client
}

func newLoginClient(h *harness) *loginClient {
	jar, _ := cookiejar.New(nil)
	c := *h.client
	c.Jar = jar
	return &loginClient{h: h, client: &c}
}

func (c *loginClient) get(u string) (*http.Response, string) {
	c.h.t.Helper()
	resp, err := c.client.Get(u)
	if err != nil {
		c.h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func (c *loginClient) post(path string, body map[string]string) (int, map[string]any) {
	c.h.t.Helper()
	b, _ := json.Marshal(body)
	resp, err := c.client.Post(c.h.url+path, "application/json", strings.NewReader(string(b)))
	if err != nil {
		c.h.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

var interactionRe = regexp.MustCompile(`data-interaction="([^"]+)"`)

// start sends an authorization request and returns the login's id, or ""
// when the provider redirected at once (and then the response).
func (c *loginClient) start(query string) (string, *http.Response) {
	c.h.t.Helper()
	resp, body := c.get(c.h.url + PathAuthorize + "?" + query)
	if resp.StatusCode != http.StatusOK {
		return "", resp
	}
	if strings.Contains(body, "<form") {
		c.h.t.Errorf("the login page has a form in its HTML; it must be rendered by JavaScript:\n%s", body)
	}
	m := interactionRe.FindStringSubmatch(body)
	if m == nil {
		c.h.t.Fatalf("no interaction in the login page:\n%s", body)
	}
	return m[1], resp
}

func (c *loginClient) finish(id string) *url.URL {
	c.h.t.Helper()
	resp, _ := c.get(c.h.url + "/login/finish?interaction=" + url.QueryEscape(id))
	if resp.StatusCode != http.StatusFound {
		c.h.t.Fatalf("finish: status %d, want 302", resp.StatusCode)
	}
	loc, _ := url.Parse(resp.Header.Get("Location"))
	return loc
}

const loginQuery = "response_type=code&client_id=tokenbench&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcallback&scope=openid&state=st-1&nonce=n-1"

func TestLoginJS(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{Login: LoginJS})
	c := newLoginClient(h)

	id, _ := c.start(loginQuery)
	if st, _ := c.post("/login/api/otp", map[string]string{"interaction": id, "otp": LoginOTP}); st != http.StatusBadRequest {
		t.Errorf("a one-time code before the user: status %d, want 400", st)
	}
	if st, res := c.post("/login/api/user", map[string]string{"interaction": id, "user": "someone-else"}); st != http.StatusBadRequest || res["message"] != "Unknown user ID." {
		t.Errorf("unknown user: %d %v", st, res)
	}
	if st, _ := c.post("/login/api/user", map[string]string{"interaction": id, "user": LoginUser}); st != http.StatusOK {
		t.Fatalf("user: status %d", st)
	}
	// The iframe comes from the other loopback name, and knows the page's origin.
	otpURL := strings.Replace(h.url, "127.0.0.1", "localhost", 1) + "/login/otp?interaction=" + url.QueryEscape(id)
	if resp, body := c.get(otpURL); resp.StatusCode != http.StatusOK || !strings.Contains(body, `data-parent-origin="`+h.url+`"`) {
		t.Errorf("otp page: %d\n%s", resp.StatusCode, body)
	}
	if st, res := c.post("/login/api/otp", map[string]string{"interaction": id, "otp": "000000"}); st != http.StatusBadRequest || res["status"] != "wrong" {
		t.Errorf("wrong code: %d %v", st, res)
	}
	if st, res := c.post("/login/api/otp", map[string]string{"interaction": id, "otp": LoginOTP}); st != http.StatusOK || res["status"] != "done" {
		t.Fatalf("code: %d %v", st, res)
	}
	loc := c.finish(id)
	code := loc.Query().Get("code")
	if code == "" || loc.Query().Get("state") != "st-1" {
		t.Fatalf("finish redirected to %s", loc)
	}
	if r := h.token(treq{form: validForm(code)}); r.status != http.StatusOK {
		t.Errorf("redeeming the code: %d %s", r.status, r.body)
	}
	// A login ends once.
	if resp, _ := c.get(h.url + "/login/finish?interaction=" + url.QueryEscape(id)); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("finishing again: %d, want 400", resp.StatusCode)
	}

	// The session: the next authorization redirects at once, for any client.
	for _, q := range []string{loginQuery, strings.Replace(loginQuery, "client_id=tokenbench", "client_id=tokenbench-b", 1)} {
		if id, resp := c.start(q); id != "" || resp.StatusCode != http.StatusFound || !strings.Contains(resp.Header.Get("Location"), "code=") {
			t.Errorf("with a session: %d %q, want a redirect with a code", resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	// prompt=login asks again.
	if id, _ := c.start(loginQuery + "&prompt=login"); id == "" {
		t.Error("prompt=login with a session: no login page")
	}
	// Without the cookie, prompt=none is login_required.
	fresh := newLoginClient(h)
	if _, resp := fresh.start(loginQuery + "&prompt=none"); resp.StatusCode != http.StatusFound || !strings.Contains(resp.Header.Get("Location"), "error=login_required") {
		t.Errorf("prompt=none without a session: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	// An invalid request is refused before any login.
	if _, resp := fresh.start(strings.Replace(loginQuery, "scope=openid", "scope=profile", 1)); resp.StatusCode != http.StatusFound || !strings.Contains(resp.Header.Get("Location"), "error=invalid_scope") {
		t.Errorf("invalid scope: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestLoginJSFailures(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{Login: LoginJSNoSession})
	c := newLoginClient(h)
	id, _ := c.start(loginQuery)
	c.post("/login/api/user", map[string]string{"interaction": id, "user": LoginUser})
	for i := range maxAttempts {
		st, res := c.post("/login/api/otp", map[string]string{"interaction": id, "otp": "000000"})
		want := "wrong"
		if i == maxAttempts-1 {
			want = "failed"
		}
		if st != http.StatusBadRequest || res["status"] != want {
			t.Errorf("wrong code %d: %d %v, want %s", i+1, st, res, want)
		}
	}
	if st, res := c.post("/login/api/otp", map[string]string{"interaction": id, "otp": LoginOTP}); res["status"] != "failed" {
		t.Errorf("the right code after too many wrong ones: %d %v", st, res)
	}
	if loc := c.finish(id); loc.Query().Get("error") != "access_denied" || loc.Query().Get("state") != "st-1" {
		t.Errorf("a failed login redirected to %s, want access_denied with the state", loc)
	}

	// Without sessions, every authorization logs in.
	id, _ = c.start(loginQuery)
	c.post("/login/api/user", map[string]string{"interaction": id, "user": LoginUser})
	c.post("/login/api/otp", map[string]string{"interaction": id, "otp": LoginOTP})
	if loc := c.finish(id); loc.Query().Get("code") == "" {
		t.Fatalf("finish: %s", loc)
	}
	if id, resp := c.start(loginQuery); id == "" {
		t.Errorf("js-no-session: the second authorization got %d, want the login page", resp.StatusCode)
	}

	for _, path := range []string{"/login/api/interaction?id=nope", "/login/otp?interaction=nope", "/login/finish?interaction=nope"} {
		if resp, _ := c.get(h.url + path); resp.StatusCode < 400 {
			t.Errorf("%s: status %d for an unknown login", path, resp.StatusCode)
		}
	}
	if st, _ := c.post("/login/api/user", map[string]string{"interaction": "nope", "user": LoginUser}); st != http.StatusNotFound {
		t.Errorf("user for an unknown login: %d", st)
	}
	if _, err := New(Config{Login: "form"}); err == nil || !strings.Contains(err.Error(), `unknown login mode "form"; known modes: js, js-no-session`) {
		t.Errorf("New with an unknown login mode: %v", err)
	}
}

func TestOtherLoopback(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"127.0.0.1:8080": "localhost:8080", "localhost:80": "127.0.0.1:80", "localhost": "127.0.0.1",
		"[::1]:9": "[::1]:9", "idp.example:443": "idp.example:443",
	} {
		if got := otherLoopback(in); got != want {
			t.Errorf("otherLoopback(%q) = %q, want %q", in, got, want)
		}
	}
}

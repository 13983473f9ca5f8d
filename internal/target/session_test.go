package target

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/tokenbench/tokenbench/internal/codes"
	"github.com/tokenbench/tokenbench/internal/provider"
)

// TestLoginPageDespiteSession: the reference provider's JavaScript login
// with the session-needs-acr variant honours its session only when the
// authorization request carries the acr_values its login app adds. The
// authorize source given the session cookie, but not the parameter, meets
// the login page: its message says so, shows the request's parameters and
// points at codes.params; with the parameter it gets a code (issue 11,
// item 13: the message said only "configure codes.cookies").
func TestLoginPageDespiteSession(t *testing.T) {
	t.Parallel()
	p, err := provider.New(provider.Config{Login: provider.LoginJS, Variants: []string{"session-needs-acr"}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(p.Handler())
	defer srv.Close()
	p.SetIssuer(srv.URL)
	cb := provider.DefaultClients()[0].RedirectURIs[0]
	session := loginSession(t, srv.URL, cb)

	source := func(params url.Values) *codes.Authorize {
		a, err := codes.NewAuthorize(codes.AuthorizeConfig{Endpoint: srv.URL + provider.PathAuthorize, ClientID: "tokenbench",
			RedirectURI: cb, Scope: "openid", Nonce: true, Params: params, Cookies: []*http.Cookie{session}})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	_, err = source(nil).Next(context.Background())
	if !errors.Is(err, codes.ErrLoginPage) {
		t.Fatalf("without acr_values: %v, want a login page", err)
	}
	for _, want := range []string{"although codes.cookies gave a session (cookies tokenbench_session)", "client_id=tokenbench ",
		"scope=openid", "state=…", "parameters its own login app adds", "acr_values", "add them under codes.params", "more cookies"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the message does not say %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), session.Value) {
		t.Error("the message shows the session cookie's value")
	}
	if c, err := source(url.Values{"acr_values": {"tokenbench-sso"}}).Next(context.Background()); err != nil || c.Value == "" {
		t.Errorf("with acr_values: %v", err)
	}
}

var interaction = regexp.MustCompile(`data-interaction="([^"]+)"`)

// loginSession walks the reference provider's JavaScript login as its
// scripts do and returns the session cookie it sets.
func loginSession(t *testing.T, base, redirectURI string) *http.Cookie {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	q := url.Values{"response_type": {"code"}, "client_id": {"tokenbench"}, "redirect_uri": {redirectURI}, "scope": {"openid"}, "state": {"s"}, "acr_values": {"tokenbench-sso"}}
	resp, err := hc.Get(base + provider.PathAuthorize + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := interaction.FindSubmatch(page)
	if m == nil {
		t.Fatalf("no login page: %d %s", resp.StatusCode, page)
	}
	id := string(m[1])
	post(t, hc, base+"/login/api/user", map[string]string{"interaction": id, "user": provider.LoginUser})
	post(t, hc, base+"/login/api/otp", map[string]string{"interaction": id, "otp": provider.LoginOTP})
	resp, err = hc.Get(base + "/login/finish?interaction=" + url.QueryEscape(id))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.Name == "tokenbench_session" {
			return &http.Cookie{Name: c.Name, Value: c.Value}
		}
	}
	t.Fatalf("no session cookie after the login (status %d)", resp.StatusCode)
	return nil
}

func post(t *testing.T, hc *http.Client, u string, body map[string]string) {
	t.Helper()
	b, _ := json.Marshal(body)
	resp, err := hc.Post(u, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: status %d", u, resp.StatusCode)
	}
}

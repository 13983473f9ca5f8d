package codes

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/internal/yamlfile"
)

const formPassword = "s3cret-Pa55word"

// fakeOP is an authorization endpoint at /authorize that starts a session
// (cookie sid) and sends the browser to start; the test's page handlers
// walk it on and call finish, which redirects to the redirect URI with a
// fresh code and the state of the session's authorization request.
type fakeOP struct {
	*httptest.Server
	t     *testing.T
	start string
	pages map[string]func(w http.ResponseWriter, r *http.Request, s *fakeSession)

	mu       sync.Mutex
	sessions map[string]*fakeSession
	n        atomic.Int64
}

// fakeSession is one authorization in progress on the fake.
type fakeSession struct {
	op    *fakeOP
	query url.Values            // the authorization request
	forms map[string]url.Values // what each page path received, by path
	hdrs  map[string]http.Header
	csrf  string
}

func newFakeOP(t *testing.T, start string, pages map[string]func(http.ResponseWriter, *http.Request, *fakeSession)) *fakeOP {
	op := &fakeOP{t: t, start: start, pages: pages, sessions: map[string]*fakeSession{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/authorize", func(w http.ResponseWriter, r *http.Request) {
		n := op.n.Add(1)
		sid := fmt.Sprintf("sid-%d", n)
		s := &fakeSession{op: op, query: r.URL.Query(), forms: map[string]url.Values{}, hdrs: map[string]http.Header{}, csrf: fmt.Sprintf("csrf-%d", n)}
		op.mu.Lock()
		op.sessions[sid] = s
		op.mu.Unlock()
		http.SetCookie(w, &http.Cookie{Name: "sid", Value: sid, Path: "/", HttpOnly: true})
		http.Redirect(w, r, start, http.StatusSeeOther)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		h, ok := op.pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		ck, err := r.Cookie("sid")
		op.mu.Lock()
		s := op.sessions[cookieValue(ck, err)]
		op.mu.Unlock()
		if s == nil {
			http.Error(w, "no session cookie", http.StatusBadRequest)
			return
		}
		parse := r.ParseForm
		if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
			parse = func() error { return r.ParseMultipartForm(1 << 20) }
		}
		if err := parse(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if r.Method == http.MethodPost || r.URL.RawQuery != "" {
			op.mu.Lock()
			s.forms[r.URL.Path] = r.Form
			s.hdrs[r.URL.Path] = r.Header.Clone()
			op.mu.Unlock()
		}
		h(w, r, s)
	})
	op.Server = httptest.NewServer(mux)
	t.Cleanup(op.Close)
	return op
}

func cookieValue(ck *http.Cookie, err error) string {
	if err != nil {
		return ""
	}
	return ck.Value
}

// finish redirects to the redirect URI with a code and the state.
func (s *fakeSession) finish(w http.ResponseWriter, r *http.Request) {
	q := url.Values{"code": {fmt.Sprintf("%s-%d", secretCode, s.op.n.Add(1000))}, "state": {s.query.Get("state")}}
	http.Redirect(w, r, s.query.Get("redirect_uri")+"?"+q.Encode(), http.StatusFound)
}

// got returns what page path received in s (under the lock).
func (s *fakeSession) got(path string) url.Values {
	s.op.mu.Lock()
	defer s.op.mu.Unlock()
	return s.forms[path]
}

// only returns the fake's only session.
func (op *fakeOP) only(t *testing.T) *fakeSession {
	t.Helper()
	op.mu.Lock()
	defer op.mu.Unlock()
	if len(op.sessions) != 1 {
		t.Fatalf("%d sessions, want 1", len(op.sessions))
	}
	for _, s := range op.sessions {
		return s
	}
	return nil
}

// writeHTML writes a page.
func writeHTML(w http.ResponseWriter, format string, args ...any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, "<!DOCTYPE html><html><head><title>Test page</title></head><body>"+format+"</body></html>", args...)
}

// openForm opens a form source against op with fields and submit.
func openForm(t *testing.T, op *fakeOP, fc FormConfig, env map[string]string, mutate ...func(*Config, *Deps)) *Form {
	t.Helper()
	cfg := Config{Source: SourceForm, Form: &fc}
	d := Deps{
		AuthorizationEndpoint: op.URL + "/authorize", ClientID: "client-1", RedirectURI: "https://rp.example/cb",
		Scope: "openid profile", PKCE: true, HTTPClient: op.Client(), Now: newClock(time.Second).Now, Rand: seeded(3),
		LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
	}
	for _, m := range mutate {
		m(&cfg, &d)
	}
	src, err := Open(cfg, d)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	f, ok := src.(*Form)
	if !ok {
		t.Fatalf("source is %T, want *Form", src)
	}
	return f
}

// loginConsent is a provider in the manner of node oidc-provider's
// devInteractions: a login form (hidden prompt, login, password), then a
// consent form (hidden prompt, one button), each posting to its own path.
func loginConsent() map[string]func(http.ResponseWriter, *http.Request, *fakeSession) {
	return map[string]func(http.ResponseWriter, *http.Request, *fakeSession){
		"/interaction/login": func(w http.ResponseWriter, r *http.Request, s *fakeSession) {
			writeHTML(w, `<h1>Sign-in</h1><form autocomplete="off" action="/interaction/login/submit" method="post">
  <input type="hidden" name="prompt" value="login"/>
  <input required type="text" name="login" placeholder="Enter any login">
  <input required type="password" name="password" placeholder="and password">
  <button type="submit" class="login login-submit">Sign-in</button></form>
  <div><a href="/interaction/abort">[ Cancel ]</a></div>`)
		},
		"/interaction/login/submit": func(w http.ResponseWriter, r *http.Request, s *fakeSession) {
			if r.PostForm.Get("login") == "" || r.PostForm.Get("password") != formPassword {
				http.Error(w, "bad login", http.StatusUnauthorized)
				return
			}
			http.Redirect(w, r, "/interaction/consent", http.StatusSeeOther)
		},
		"/interaction/consent": func(w http.ResponseWriter, r *http.Request, s *fakeSession) {
			writeHTML(w, `<ul><li>scopes:</li><ul><li>profile</li></ul></ul>
<form autocomplete="off" action="/interaction/consent/submit" method="post">
  <input type="hidden" name="prompt" value="consent"/>
  <button autofocus type="submit" class="login login-submit">Continue</button></form>`)
		},
		"/interaction/consent/submit": func(w http.ResponseWriter, r *http.Request, s *fakeSession) {
			if r.PostForm.Get("prompt") != "consent" {
				http.Error(w, "no prompt", http.StatusBadRequest)
				return
			}
			s.finish(w, r)
		},
	}
}

func TestFormLoginAndConsent(t *testing.T) {
	t.Parallel()
	op := newFakeOP(t, "/interaction/login", loginConsent())
	f := openForm(t, op, FormConfig{Fields: map[string]string{"login": "alice", "password": formPassword}}, nil)
	c, err := f.Next(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	s := op.only(t)
	if got, want := s.got("/interaction/login/submit").Encode(), "login=alice&password="+formPassword+"&prompt=login"; got != want {
		t.Errorf("login form sent %q, want %q", got, want)
	}
	if got, want := s.got("/interaction/consent/submit").Encode(), "prompt=consent"; got != want {
		t.Errorf("consent form sent %q, want %q", got, want)
	}
	q := s.query
	want := map[string]string{
		"response_type": "code", "client_id": "client-1", "redirect_uri": "https://rp.example/cb",
		"scope": "openid profile", "state": c.State, "nonce": c.Nonce,
		"code_challenge": S256Challenge(c.CodeVerifier), "code_challenge_method": "S256",
	}
	for k, v := range want {
		if got := q.Get(k); got != v {
			t.Errorf("authorization request %s = %q, want %q", k, got, v)
		}
	}
	if c.Nonce == "" || c.CodeVerifier == "" || !strings.HasPrefix(c.Value, secretCode) {
		t.Errorf("code %+v: want a value, a nonce and a verifier", *c)
	}
	// The clock steps 1s per reading: start, then done.
	if c.Took != time.Second || c.Seq != 1 || c.ClientID != "client-1" || c.RedirectURI != "https://rp.example/cb" {
		t.Errorf("code %v: Took %s, Seq %d", c, c.Took, c.Seq)
	}
	h := s.hdrs["/interaction/login/submit"]
	if got, want := h.Get("Origin"), op.URL; got != want {
		t.Errorf("Origin = %q, want %q", got, want)
	}
	if got, want := h.Get("Referer"), op.URL+"/interaction/login"; got != want {
		t.Errorf("Referer = %q, want %q", got, want)
	}
	if st := f.Stats(); st.Obtained != 1 || st.Used != 1 || st.Errors != 0 || st.TookTotal != time.Second {
		t.Errorf("stats %+v", st)
	}
	a, ok := AsAuthorizer(f)
	if !ok {
		t.Fatal("the form source is not an Authorizer")
	}
	if d := a.Defaults(); !d.Nonce || !d.PKCE || d.ClientID != "client-1" {
		t.Errorf("defaults %+v", d)
	}
}

func TestFormOptions(t *testing.T) {
	t.Parallel()
	op := newFakeOP(t, "/interaction/login", loginConsent())
	f := openForm(t, op, FormConfig{Fields: map[string]string{"login": "alice", "password": formPassword}}, nil)
	c, err := f.Authorize(context.Background(), Options{ClientID: "client-2", RedirectURI: "https://rp.example/other"})
	if err != nil {
		t.Fatal(err)
	}
	q := op.only(t).query
	for _, k := range []string{"nonce", "code_challenge", "code_challenge_method"} {
		if q.Has(k) {
			t.Errorf("query has %s, want none", k)
		}
	}
	if q.Get("client_id") != "client-2" || q.Get("redirect_uri") != "https://rp.example/other" {
		t.Errorf("client_id %q, redirect_uri %q", q.Get("client_id"), q.Get("redirect_uri"))
	}
	if c.ClientID != "client-2" || c.RedirectURI != "https://rp.example/other" || c.Nonce != "" || c.CodeVerifier != "" {
		t.Errorf("code %v: nonce %q, verifier %q", c, c.Nonce, c.CodeVerifier)
	}
}

func TestFormHiddenFieldsCarriedOver(t *testing.T) {
	t.Parallel()
	op := newFakeOP(t, "/login", map[string]func(http.ResponseWriter, *http.Request, *fakeSession){
		"/login": func(w http.ResponseWriter, r *http.Request, s *fakeSession) {
			if r.Method == http.MethodPost {
				if r.PostForm.Get("csrf") != s.csrf {
					http.Error(w, "csrf", http.StatusForbidden)
					return
				}
				s.finish(w, r)
				return
			}
			writeHTML(w, `<form method="POST" action="/login">
<input type="hidden" name="csrf" value="%s"><input type="hidden" name="id" value="req &amp; 42">
<input name="username"><input name="password" type="password">
<input type="checkbox" name="remember" value="yes" checked><input type="checkbox" name="spam">
<select name="lang"><option value="de">Deutsch</option><option selected>en</option></select>
<textarea name="note">
hello</textarea>
<input name="disabled-one" value="x" disabled><fieldset disabled><input name="in-disabled-set" value="y"></fieldset>
<input type="reset" name="reset" value="r"><button type="button" name="b" value="v">JS</button>
<button>Login</button></form>`, s.csrf)
		},
	})
	f := openForm(t, op, FormConfig{Fields: map[string]string{"username": "bob", "password": formPassword}}, nil)
	if _, err := f.Next(context.Background()); err != nil {
		t.Fatal(err)
	}
	s := op.only(t)
	got := s.got("/login")
	want := url.Values{"csrf": {s.csrf}, "id": {"req & 42"}, "username": {"bob"}, "password": {formPassword},
		"remember": {"yes"}, "lang": {"en"}, "note": {"hello"}}
	if got.Encode() != want.Encode() {
		t.Errorf("sent %q, want %q", got.Encode(), want.Encode())
	}
}

func TestFormEnvPassword(t *testing.T) {
	t.Parallel()
	env := map[string]string{"OP_PASSWORD": formPassword, "OP_LOGIN": "carol"}
	for _, fields := range []map[string]string{
		{"login_env": "OP_LOGIN", "password_env": "OP_PASSWORD"},
		{"login": "env:OP_LOGIN", "password": "env:OP_PASSWORD"},
	} {
		op := newFakeOP(t, "/interaction/login", loginConsent())
		f := openForm(t, op, FormConfig{Fields: fields}, env)
		if _, err := f.Next(context.Background()); err != nil {
			t.Fatalf("fields %v: %v", fields, err)
		}
		if got := op.only(t).got("/interaction/login/submit"); got.Get("login") != "carol" || got.Get("password") != formPassword {
			t.Errorf("fields %v: sent %q", fields, got.Encode())
		}
	}
}

func TestFormConfigErrors(t *testing.T) {
	t.Parallel()
	env := map[string]string{"SET": "env-secret-value"}
	tests := []struct {
		name string
		fc   FormConfig
		want []string
	}{
		{"variable not set", FormConfig{Fields: map[string]string{"password_env": "OP_PASSWORD"}},
			[]string{`codes: field "form.fields": "password_env": environment variable "OP_PASSWORD" is not set`}},
		{"env: value not set", FormConfig{Fields: map[string]string{"password": "env:NOPE"}},
			[]string{`"password": environment variable "NOPE" is not set`}},
		{"both forms", FormConfig{Fields: map[string]string{"password": "x", "password_env": "SET"}},
			[]string{`"password_env": field "password" is also given as "password"`}},
		{"no field", FormConfig{Fields: map[string]string{"_env": "SET"}}, []string{`"_env": names no field`}},
		{"bad submit", FormConfig{Submit: "=Yes"}, []string{`field "form.submit": "=Yes" has no name`}},
		{"negative steps", FormConfig{MaxSteps: -1}, []string{`field "form.max_steps": -1 is negative`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Open(Config{Source: SourceForm, Form: &tt.fc}, Deps{
				AuthorizationEndpoint: "https://op.example/authorize", ClientID: "c", RedirectURI: "https://rp.example/cb",
				LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
			})
			mustErr(t, err, nil, tt.want, "env-secret-value")
		})
	}
	_, err := Open(Config{Source: SourceForm}, Deps{})
	mustErr(t, err, nil, []string{`field "form": source form needs a form section`})
}

// twoButtons is a consent page with a deny and an allow button, in that
// order, posting to /consent; the answer records which was pressed.
func twoButtons() map[string]func(http.ResponseWriter, *http.Request, *fakeSession) {
	return map[string]func(http.ResponseWriter, *http.Request, *fakeSession){
		"/consent": func(w http.ResponseWriter, r *http.Request, s *fakeSession) {
			if r.Method == http.MethodPost {
				s.finish(w, r)
				return
			}
			writeHTML(w, `<form method="post"><input type="hidden" name="challenge" value="ch1">
<input type="submit" name="action" value="deny"><button name="action" value="allow">Allow</button>
<input type="image" name="pic" src="x.png"><input type="submit" name="other" value="x" disabled></form>`)
		},
	}
}

func TestFormSubmitChoice(t *testing.T) {
	t.Parallel()
	tests := []struct {
		submit string
		want   string
	}{
		{"", "action=deny&challenge=ch1"},              // the first submit control
		{"action=allow", "action=allow&challenge=ch1"}, // name=value
		{"action", "action=deny&challenge=ch1"},        // by name: the first with that name
		{"pic", "challenge=ch1&pic.x=0&pic.y=0"},       // an image button
		{"other", "action=deny&challenge=ch1"},         // disabled: never pressed
		{"action=Allow", "action=deny&challenge=ch1"},  // values compare exactly: not in the form, so the first
		{"nosuch", "action=deny&challenge=ch1"},        // not in the form: the first
		{"challenge", "action=deny&challenge=ch1"},     // not a submit control
	}
	for _, tt := range tests {
		t.Run(tt.submit, func(t *testing.T) {
			t.Parallel()
			op := newFakeOP(t, "/consent", twoButtons())
			f := openForm(t, op, FormConfig{Submit: tt.submit}, nil)
			if _, err := f.Next(context.Background()); err != nil {
				t.Fatal(err)
			}
			if got := op.only(t).got("/consent").Encode(); got != tt.want {
				t.Errorf("submit %q sent %q, want %q", tt.submit, got, tt.want)
			}
		})
	}
}

func TestFormActions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		form string // the form on /flow/page; it must reach /flow/next with the fields it sends
		want string // what /flow/next received
	}{
		{"relative action", `<form method="post" action="next?step=2"><input name="username"></form>`, "step=2&username=dave"},
		{"absolute path", `<form method="post" action="/flow/next"><input name="username"></form>`, "username=dave"},
		{"dot-dot", `<form method="post" action="../flow/./next"><input name="username"></form>`, "username=dave"},
		{"base href", `<base href="/flow/"><form method="post" action="next"><input name="username"></form>`, "username=dave"},
		{"GET replaces the query", `<form action="next?drop=me"><input name="username"></form>`, "username=dave"},
		{"formaction on the button", `<form method="post" action="nowhere"><input name="username"><button formaction="next">Go</button></form>`, "username=dave"},
		{"multipart", `<form method="post" action="next" enctype="multipart/form-data"><input name="username"></form>`, "username=dave"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			op := newFakeOP(t, "/flow/page", map[string]func(http.ResponseWriter, *http.Request, *fakeSession){
				"/flow/page": func(w http.ResponseWriter, r *http.Request, s *fakeSession) { writeHTML(w, "%s", tt.form) },
				"/flow/next": func(w http.ResponseWriter, r *http.Request, s *fakeSession) { s.finish(w, r) },
			})
			f := openForm(t, op, FormConfig{Fields: map[string]string{"username": "dave"}}, nil)
			if _, err := f.Next(context.Background()); err != nil {
				t.Fatal(err)
			}
			if got := op.only(t).got("/flow/next").Encode(); got != tt.want {
				t.Errorf("sent %q, want %q", got, tt.want)
			}
		})
	}
}

// TestFormProviderPages runs the source over pages shaped like real
// providers' login pages.
func TestFormProviderPages(t *testing.T) {
	t.Parallel()
	t.Run("zitadel example OP", func(t *testing.T) {
		t.Parallel()
		op := newFakeOP(t, "/login/username?authRequestID=req-1", map[string]func(http.ResponseWriter, *http.Request, *fakeSession){
			"/login/username": func(w http.ResponseWriter, r *http.Request, s *fakeSession) {
				if r.Method == http.MethodPost {
					if r.PostForm.Get("id") != "req-1" || r.PostForm.Get("username") != "test-user@127.0.0.1" || r.PostForm.Get("password") != "verysecure" {
						http.Error(w, "wrong", http.StatusBadRequest)
						return
					}
					s.finish(w, r)
					return
				}
				writeHTML(w, `<form method="POST" action="/login/username" style="height: 200px; width: 200px;">
            <input type="hidden" name="id" value="%s">
            <div><label for="username">Username:</label><input id="username" name="username" autocomplete="username" style="width: 100%%"></div>
            <div><label for="password">Password:</label><input id="password" name="password" type="password" autocomplete="current-password" style="width: 100%%"></div>
            <p style="color:red; min-height: 1rem;"></p>
            <button type="submit">Login</button></form>`, r.URL.Query().Get("authRequestID"))
			},
		})
		f := openForm(t, op, FormConfig{Fields: map[string]string{"username": "test-user@127.0.0.1", "password_env": "ZPW"}}, map[string]string{"ZPW": "verysecure"})
		if _, err := f.Next(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("Keycloak-style login", func(t *testing.T) {
		t.Parallel()
		op := newFakeOP(t, "/realms/r/protocol/openid-connect/auth/page", map[string]func(http.ResponseWriter, *http.Request, *fakeSession){
			"/realms/r/protocol/openid-connect/auth/page": func(w http.ResponseWriter, r *http.Request, s *fakeSession) {
				writeHTML(w, `<div id="kc-form"><form id="kc-form-login" onsubmit="login.disabled = true; return true;"
  action="%s/realms/r/login-actions/authenticate?session_code=SC1&amp;execution=EX1&amp;client_id=client-1&amp;tab_id=TAB1" method="post">
  <input tabindex="1" id="username" class="pf-c-form-control" name="username" value="" type="text" autofocus autocomplete="off" aria-invalid=""/>
  <input tabindex="2" id="password" class="pf-c-form-control" name="password" type="password" autocomplete="off" aria-invalid=""/>
  <input tabindex="3" id="rememberMe" name="rememberMe" type="checkbox">
  <input type="hidden" id="id-hidden-input" name="credentialId" />
  <input tabindex="4" class="pf-c-button pf-m-primary" name="login" id="kc-login" type="submit" value="Sign In"/>
</form></div><form id="kc-select-try-another-way-form" action="x" method="post"><input type="hidden" name="tryAnotherWay" value="on"/></form>`, "http://"+r.Host)
			},
			"/realms/r/login-actions/authenticate": func(w http.ResponseWriter, r *http.Request, s *fakeSession) {
				want := url.Values{"username": {"erin"}, "password": {formPassword}, "credentialId": {""}, "login": {"Sign In"},
					"session_code": {"SC1"}, "execution": {"EX1"}, "client_id": {"client-1"}, "tab_id": {"TAB1"}}
				if r.Form.Encode() != want.Encode() {
					http.Error(w, "got "+r.Form.Encode(), http.StatusBadRequest)
					return
				}
				s.finish(w, r)
			},
		})
		f := openForm(t, op, FormConfig{Fields: map[string]string{"username": "erin", "password": formPassword}, Submit: "login"}, nil)
		if _, err := f.Next(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}

// TestFormPostResponseMode: a page that posts the code to the redirect URI
// (response_mode=form_post) is read, never sent.
func TestFormPostResponseMode(t *testing.T) {
	t.Parallel()
	op := newFakeOP(t, "/login", map[string]func(http.ResponseWriter, *http.Request, *fakeSession){
		"/login": func(w http.ResponseWriter, r *http.Request, s *fakeSession) {
			if r.Method == http.MethodPost {
				writeHTML(w, `<form method="post" action="%s"><input type="hidden" name="code" value="%s"><input type="hidden" name="state" value="%s">
<noscript><button>Continue</button></noscript></form><script>document.forms[0].submit()</script>`, s.query.Get("redirect_uri"), secretCode, s.query.Get("state"))
				return
			}
			writeHTML(w, `<form method="post"><input name="username"><input name="password" type="password"></form>`)
		},
	})
	f := openForm(t, op, FormConfig{Fields: map[string]string{"username": "u", "password": formPassword}}, nil)
	c, err := f.Next(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if c.Value != secretCode {
		t.Errorf("Value = %q, want %q", c.Value, secretCode)
	}
}

// TestFormPageChangesShape: a login page whose fields were renamed is an
// error that quotes the URL without secrets and lists the form's fields.
func TestFormPageChangesShape(t *testing.T) {
	t.Parallel()
	renamed := loginConsent()
	renamed["/interaction/login"] = func(w http.ResponseWriter, r *http.Request, s *fakeSession) {
		writeHTML(w, `<h1>Sign in to Example</h1><form action="/interaction/login/submit" method="post">
  <input type="hidden" name="prompt" value="login"/><input type="hidden" name="csrf" value="%s"/>
  <input type="email" name="email"><input type="password" name="passwd">
  <button type="submit" name="go" value="1">Next</button></form>`, s.csrf)
	}
	op := newFakeOP(t, "/interaction/login?session=SESSION-TOKEN-1&ui_locales=en", renamed)
	f := openForm(t, op, FormConfig{Fields: map[string]string{"login": "alice", "password": formPassword}}, nil)
	_, err := f.Next(context.Background())
	mustErr(t, err, ErrLoginPage, []string{
		`codes: form: the page at ` + op.URL + `/interaction/login?session=`,
		`(title "Test page", text "Sign in to Example")`,
		"has a form the configuration cannot fill: no configured value for email, passwd",
		`form #1 fields: prompt (hidden), csrf (hidden), email (email), passwd (password), go (submit "Next")`,
		"codes.form.fields has login, password",
	}, formPassword, "SESSION-TOKEN-1", "alice", "csrf-1")
	if !Permanent(err) {
		t.Errorf("Permanent(%v) = false, want true: the same page will come back", err)
	}
	if st := f.Stats(); st.Errors != 1 || st.Obtained != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestFormErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		start   string
		pages   map[string]func(http.ResponseWriter, *http.Request, *fakeSession)
		fc      FormConfig
		timeout time.Duration
		wantErr error
		want    []string
	}{
		{
			name:  "no form",
			start: "/page",
			pages: map[string]func(http.ResponseWriter, *http.Request, *fakeSession){
				"/page": func(w http.ResponseWriter, r *http.Request, s *fakeSession) {
					writeHTML(w, "<p>Please enable JavaScript</p>")
				},
			},
			wantErr: ErrLoginPage,
			want:    []string{`the page at `, `/page (title "Test page", text "Please enable JavaScript"): the page has no form`},
		},
		{
			name:  "several forms, none matching",
			start: "/page",
			pages: map[string]func(http.ResponseWriter, *http.Request, *fakeSession){
				"/page": func(w http.ResponseWriter, r *http.Request, s *fakeSession) {
					writeHTML(w, `<form id="a"><input name="q"></form><form><input type="hidden" name="h" value="1"></form>`)
				},
			},
			fc:      FormConfig{Fields: map[string]string{"username": "x"}},
			wantErr: ErrLoginPage,
			want:    []string{`the page has 2 forms, none with a password field or a configured field: form #1 (id "a"): q (text); form #2: h (hidden)`},
		},
		{
			name:  "the same form again (wrong password)",
			start: "/login",
			pages: map[string]func(http.ResponseWriter, *http.Request, *fakeSession){
				"/login": func(w http.ResponseWriter, r *http.Request, s *fakeSession) {
					msg := ""
					if r.Method == http.MethodPost {
						msg = "Invalid username or password."
					}
					writeHTML(w, `<span id="input-error">%s</span><form method="post" action="/login?session_code=%d"><input name="username"><input name="password" type="password"></form>`, msg, s.op.n.Add(1))
				},
			},
			fc:      FormConfig{Fields: map[string]string{"username": "x", "password": formPassword}},
			wantErr: ErrLoginPage,
			want:    []string{`text "Invalid username or password.") shows the form just submitted again: wrong values in codes.form.fields`, "fields: username (text), password (password)"},
		},
		{
			name:  "error redirect",
			start: "/deny",
			pages: map[string]func(http.ResponseWriter, *http.Request, *fakeSession){
				"/deny": func(w http.ResponseWriter, r *http.Request, s *fakeSession) {
					q := url.Values{"error": {"access_denied"}, "error_description": {"End-User aborted interaction"}, "state": {s.query.Get("state")}}
					http.Redirect(w, r, s.query.Get("redirect_uri")+"?"+q.Encode(), http.StatusSeeOther)
				},
			},
			want: []string{`error "access_denied"`, `error_description "End-User aborted interaction"`},
		},
		{
			name:  "state mismatch",
			start: "/forge",
			pages: map[string]func(http.ResponseWriter, *http.Request, *fakeSession){
				"/forge": func(w http.ResponseWriter, r *http.Request, s *fakeSession) {
					http.Redirect(w, r, s.query.Get("redirect_uri")+"?code="+secretCode+"&state=forged", http.StatusFound)
				},
			},
			wantErr: ErrStateMismatch,
			want:    []string{`state "forged" is not the`},
		},
		{
			name:  "a loop of redirects",
			start: "/loop?n=1",
			pages: map[string]func(http.ResponseWriter, *http.Request, *fakeSession){
				"/loop": func(w http.ResponseWriter, r *http.Request, s *fakeSession) {
					http.Redirect(w, r, "/loop?n=2&login_challenge=SECRET-CHALLENGE", http.StatusFound)
				},
			},
			fc:      FormConfig{MaxSteps: 4},
			wantErr: ErrLoginPage,
			want:    []string{"no redirect to the redirect URI within 4 requests (codes.form.max_steps); the next would be GET " + "http://", "/loop?login_challenge=REDACTED&n=REDACTED"},
		},
		{
			name:  "server error",
			start: "/boom",
			pages: map[string]func(http.ResponseWriter, *http.Request, *fakeSession){
				"/boom": func(w http.ResponseWriter, r *http.Request, s *fakeSession) {
					http.Error(w, "interaction session not found", http.StatusInternalServerError)
				},
			},
			want: []string{"GET http://", "/boom: status 500 (text/plain; charset=utf-8) instead of a redirect or an HTML page", `body: "interaction session not found"`},
		},
		{
			name:  "timeout per code",
			start: "/slow",
			pages: map[string]func(http.ResponseWriter, *http.Request, *fakeSession){
				"/slow": func(w http.ResponseWriter, r *http.Request, s *fakeSession) { <-r.Context().Done() },
			},
			timeout: 30 * time.Millisecond,
			wantErr: context.DeadlineExceeded,
			want:    []string{"no code within 30ms"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			op := newFakeOP(t, tt.start, tt.pages)
			f := openForm(t, op, tt.fc, nil, func(c *Config, d *Deps) { c.Timeout = yamlfile.Duration(tt.timeout) })
			_, err := f.Next(context.Background())
			mustErr(t, err, tt.wantErr, tt.want, secretCode, formPassword, "SECRET-CHALLENGE")
		})
	}
}

func TestFormConcurrent(t *testing.T) {
	t.Parallel()
	op := newFakeOP(t, "/interaction/login", loginConsent())
	f := openForm(t, op, FormConfig{Fields: map[string]string{"login": "alice", "password": formPassword}}, nil)
	const total = 40
	got := make(chan *Code, total)
	var wg sync.WaitGroup
	for range total {
		wg.Go(func() {
			c, err := f.Next(context.Background())
			if err != nil {
				t.Error(err)
				return
			}
			got <- c
		})
	}
	wg.Wait()
	close(got)
	values, seqs, states := map[string]bool{}, map[int]bool{}, map[string]bool{}
	for c := range got {
		values[c.Value], seqs[c.Seq], states[c.State] = true, true, true
	}
	if len(values) != total || len(seqs) != total || len(states) != total {
		t.Errorf("%d distinct values, %d seqs, %d states; want %d of each", len(values), len(seqs), len(states), total)
	}
	if st := f.Stats(); st.Obtained != total || st.Used != total || st.Errors != 0 {
		t.Errorf("stats %+v", st)
	}
	// Each session finished with its own cookies: no session was walked twice.
	op.mu.Lock()
	for sid, s := range op.sessions {
		if s.forms["/interaction/consent/submit"] == nil {
			t.Errorf("session %s never consented", sid)
		}
	}
	op.mu.Unlock()
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	_, err := f.Next(context.Background())
	mustErr(t, err, ErrClosed, nil)
}

func TestFormPrefetched(t *testing.T) {
	t.Parallel()
	op := newFakeOP(t, "/interaction/login", loginConsent())
	src, err := Open(Config{Source: SourceForm, Form: &FormConfig{Fields: map[string]string{"login": "a", "password": formPassword}}, Prefetch: 4, Parallel: 2},
		Deps{AuthorizationEndpoint: op.URL + "/authorize", ClientID: "c", RedirectURI: "https://rp.example/cb", Scope: "openid", HTTPClient: op.Client()})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if _, ok := AsAuthorizer(src); !ok {
		t.Errorf("the prefetched form source %T is not an Authorizer", src)
	}
	seen := map[string]bool{}
	for range 10 {
		c, err := src.Next(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if seen[c.Value] {
			t.Errorf("code #%d handed out twice", c.Seq)
		}
		seen[c.Value] = true
	}
}

// TestFormCookiesAndHeaders: configured cookies and headers go to the
// authorization endpoint's origin.
func TestFormCookiesAndHeaders(t *testing.T) {
	t.Parallel()
	var hdr atomic.Value
	op := newFakeOP(t, "/done", map[string]func(http.ResponseWriter, *http.Request, *fakeSession){
		"/done": func(w http.ResponseWriter, r *http.Request, s *fakeSession) {
			ck, _ := r.Cookie("pre")
			hdr.Store(r.Header.Get("X-Tenant") + "|" + cookieValue(ck, nil))
			s.finish(w, r)
		},
	})
	f := openForm(t, op, FormConfig{}, map[string]string{"T": "acme"}, func(c *Config, d *Deps) {
		c.Headers = map[string]string{"X-Tenant": "env:T"}
		c.Cookies = map[string]string{"pre": "set"}
	})
	if _, err := f.Next(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got, want := hdr.Load(), "acme|set"; got != want {
		t.Errorf("header|cookie = %q, want %q", got, want)
	}
}

func TestPageTitle(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]string{
		"<html><head><TITLE>\n  Sign in &amp; go </TITLE></head></html>": "Sign in & go",
		"<title>a</title><svg><title>b</title></svg>":                    "a",
		"no title": "",
		"<title>" + strings.Repeat("x", 100) + "</title>": strings.Repeat("x", 80) + "…",
	} {
		if got := pageTitle([]byte(body)); got != want {
			t.Errorf("pageTitle(%q) = %q, want %q", body, got, want)
		}
	}
}

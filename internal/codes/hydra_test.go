package codes

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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

// fakeHydra mimics Ory Hydra's headless login and consent flow: a public
// server with /oauth2/auth (and a login and a consent page that must never
// be fetched) and an admin server with the login and consent request API.
// Like Hydra it binds each flow to a CSRF cookie, answers the admin PUTs
// with a JSON-escaped redirect_to and redirects to the redirect URI with the
// code and the state.
type fakeHydra struct {
	t      *testing.T
	public *httptest.Server
	admin  *httptest.Server

	// Scenario knobs, set before use.
	requestedAudience []string
	authPage          bool   // /oauth2/auth answers 200 HTML instead of redirecting
	final             string // "" | "error" | "wrong-state" | "hydra-error" | "loop" | "login-404" | "admin-hang"

	mu       sync.Mutex
	flows    map[string]*fakeFlow // by login_challenge, consent_challenge and verifiers
	authReqs []url.Values         // the query of every first /oauth2/auth request
	logins   []map[string]any     // login accept bodies
	consents []map[string]any     // consent accept bodies
	pageHits atomic.Int64         // GETs of /login or /consent: never wanted
	seq      atomic.Int64
	issued   map[string]bool
}

type fakeFlow struct {
	query     url.Values
	csrf      string
	loginCh   string
	loginV    string
	consentCh string
	consentV  string
	subject   string
}

func newFakeHydra(t *testing.T, tlsServers bool) *fakeHydra {
	f := &fakeHydra{t: t, flows: map[string]*fakeFlow{}, issued: map[string]bool{}}
	pub := http.NewServeMux()
	pub.HandleFunc("GET /oauth2/auth", f.auth)
	pub.HandleFunc("/login", f.page)
	pub.HandleFunc("/consent", f.page)
	adm := http.NewServeMux()
	adm.HandleFunc("PUT /admin/oauth2/auth/requests/login/accept", f.acceptLogin)
	adm.HandleFunc("GET /admin/oauth2/auth/requests/consent", f.getConsent)
	adm.HandleFunc("PUT /admin/oauth2/auth/requests/consent/accept", f.acceptConsent)
	if tlsServers {
		f.public = httptest.NewTLSServer(pub)
		f.admin = httptest.NewTLSServer(adm)
	} else {
		f.public = httptest.NewServer(pub)
		f.admin = httptest.NewServer(adm)
	}
	t.Cleanup(f.public.Close)
	t.Cleanup(f.admin.Close)
	return f
}

func (f *fakeHydra) id(prefix string) string { return fmt.Sprintf("%s-%d", prefix, f.seq.Add(1)) }

func (f *fakeHydra) page(w http.ResponseWriter, r *http.Request) {
	f.pageHits.Add(1)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	io.WriteString(w, "<html><head><title>Login</title></head><body><form></form></body></html>")
}

func (f *fakeHydra) redirect(w http.ResponseWriter, to string) {
	w.Header().Set("Location", to)
	w.WriteHeader(http.StatusFound)
}

func (f *fakeHydra) auth(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f.mu.Lock()
	defer f.mu.Unlock()
	cookie := func() string {
		if c, err := r.Cookie("oauth2_csrf"); err == nil {
			return c.Value
		}
		return ""
	}
	switch {
	case q.Has("login_verifier"):
		fl := f.flows[q.Get("login_verifier")]
		if fl == nil || fl.loginV != q.Get("login_verifier") || cookie() != fl.csrf || q.Get("client_id") != fl.query.Get("client_id") {
			http.Error(w, `{"error":"invalid_request","error_description":"bad login verifier or CSRF cookie"}`, http.StatusForbidden)
			return
		}
		fl.consentCh = f.id("consent-challenge")
		f.flows[fl.consentCh] = fl
		f.redirect(w, f.public.URL+"/consent?consent_challenge="+fl.consentCh)
	case q.Has("consent_verifier"):
		fl := f.flows[q.Get("consent_verifier")]
		if fl == nil || fl.consentV != q.Get("consent_verifier") || cookie() != fl.csrf {
			http.Error(w, `{"error":"invalid_request","error_description":"bad consent verifier or CSRF cookie"}`, http.StatusForbidden)
			return
		}
		back := url.Values{}
		state := fl.query.Get("state")
		switch f.final {
		case "error":
			back.Set("error", "access_denied")
			back.Set("error_description", "The resource owner denied the request")
		case "wrong-state":
			state = "not-the-state"
			fallthrough
		default:
			code := f.id("CODE-SECRET")
			f.issued[code] = true
			back.Set("code", code)
			back.Set("scope", fl.query.Get("scope"))
		}
		back.Set("state", state)
		f.redirect(w, fl.query.Get("redirect_uri")+"?"+back.Encode())
	default:
		f.authReqs = append(f.authReqs, q)
		if f.authPage {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, "<!doctype html><title>Please sign in</title><form method=post><input name=username></form>")
			return
		}
		switch f.final {
		case "hydra-error":
			f.redirect(w, f.public.URL+"/oauth2/fallbacks/error?error=invalid_request&error_description="+url.QueryEscape("The 'redirect_uri' parameter does not match any of the OAuth 2.0 Client's pre-registered redirect urls."))
			return
		case "loop":
			f.redirect(w, f.public.URL+"/oauth2/auth?again=1")
			return
		}
		fl := &fakeFlow{query: q, csrf: f.id("csrf"), loginCh: f.id("login-challenge")}
		f.flows[fl.loginCh] = fl
		http.SetCookie(w, &http.Cookie{Name: "oauth2_csrf", Value: fl.csrf, Path: "/", HttpOnly: true})
		f.redirect(w, f.public.URL+"/login?login_challenge="+fl.loginCh)
	}
}

// writeRedirectTo answers like Hydra's admin API: {"redirect_to": ...} with
// every & written as \u0026.
func writeRedirectTo(w http.ResponseWriter, to string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	fmt.Fprintf(w, `{"redirect_to":"%s"}`, strings.ReplaceAll(to, "&", `\u0026`))
}

func (f *fakeHydra) body(w http.ResponseWriter, r *http.Request) (map[string]any, bool) {
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		http.Error(w, `{"error":"invalid_request","error_description":"want application/json"}`, http.StatusBadRequest)
		return nil, false
	}
	var m map[string]any
	if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
		http.Error(w, `{"error":"invalid_request"}`, http.StatusBadRequest)
		return nil, false
	}
	return m, true
}

func (f *fakeHydra) acceptLogin(w http.ResponseWriter, r *http.Request) {
	if f.final == "admin-hang" {
		// The server notices the client leaving only once the body is read.
		io.Copy(io.Discard, r.Body)
		<-r.Context().Done()
		return
	}
	if f.final == "login-404" {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"error":"Unable to locate the resource","error_description":""}`)
		return
	}
	m, ok := f.body(w, r)
	if !ok {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	ch := r.URL.Query().Get("login_challenge")
	fl := f.flows[ch]
	if fl == nil || fl.loginCh != ch || fl.loginV != "" {
		http.Error(w, `{"error":"Not Found"}`, http.StatusNotFound)
		return
	}
	f.logins = append(f.logins, m)
	fl.subject, _ = m["subject"].(string)
	fl.loginV = f.id("login-verifier")
	f.flows[fl.loginV] = fl
	writeRedirectTo(w, f.public.URL+"/oauth2/auth?client_id="+url.QueryEscape(fl.query.Get("client_id"))+"&login_verifier="+fl.loginV+"&response_type=code")
}

func (f *fakeHydra) getConsent(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ch := r.URL.Query().Get("consent_challenge")
	fl := f.flows[ch]
	if fl == nil || fl.consentCh != ch {
		http.Error(w, `{"error":"Not Found"}`, http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{
		"challenge":                       ch,
		"requested_scope":                 strings.Fields(fl.query.Get("scope")),
		"requested_access_token_audience": f.requestedAudience,
		"subject":                         fl.subject,
		"client":                          map[string]any{"client_id": fl.query.Get("client_id")},
		"skip":                            false,
	})
}

func (f *fakeHydra) acceptConsent(w http.ResponseWriter, r *http.Request) {
	m, ok := f.body(w, r)
	if !ok {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	ch := r.URL.Query().Get("consent_challenge")
	fl := f.flows[ch]
	if fl == nil || fl.consentCh != ch || fl.consentV != "" {
		http.Error(w, `{"error":"Not Found"}`, http.StatusNotFound)
		return
	}
	f.consents = append(f.consents, m)
	fl.consentV = f.id("consent-verifier")
	f.flows[fl.consentV] = fl
	writeRedirectTo(w, f.public.URL+"/oauth2/auth?client_id="+url.QueryEscape(fl.query.Get("client_id"))+"&consent_verifier="+fl.consentV+"&response_type=code")
}

// open builds a hydra source against f through Open.
func (f *fakeHydra) open(t *testing.T, hc *HydraConfig, change func(*Config, *Deps)) Source {
	t.Helper()
	if hc == nil {
		hc = &HydraConfig{}
	}
	if hc.AdminURL == "" {
		hc.AdminURL = f.admin.URL + "/"
	}
	cfg := Config{Source: SourceHydra, Hydra: hc}
	d := Deps{
		AuthorizationEndpoint: f.public.URL + "/oauth2/auth",
		ClientID:              "client-1",
		RedirectURI:           "http://127.0.0.1:9/callback",
		Scope:                 "openid offline",
		PKCE:                  true,
		HTTPClient:            f.public.Client(),
		Rand:                  seeded(7),
	}
	if change != nil {
		change(&cfg, &d)
	}
	src, err := Open(cfg, d)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return src
}

func TestHydra(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		hydra    *HydraConfig
		setup    func(f *fakeHydra)
		change   func(*Config, *Deps)
		options  func(Options) Options // nil: Next
		wantErr  error
		wantMsg  []string // substrings of the error; nil with wantErr nil: success
		check    func(t *testing.T, f *fakeHydra, c *Code)
		notInErr []string // never in the error message
	}{
		{
			name: "defaults: PKCE S256 and nonce arrive, subject and requested scopes granted",
			change: func(c *Config, d *Deps) {
				c.Params = map[string]string{"prompt": "login", "kept": "yes"}
			},
			check: func(t *testing.T, f *fakeHydra, c *Code) {
				q := f.authReqs[0]
				want := map[string]string{
					"response_type": "code", "client_id": "client-1", "redirect_uri": "http://127.0.0.1:9/callback",
					"scope": "openid offline", "state": c.State, "nonce": c.Nonce,
					"code_challenge": S256Challenge(c.CodeVerifier), "code_challenge_method": "S256",
					"prompt": "login", "kept": "yes",
				}
				for k, v := range want {
					if got := q[k]; len(got) != 1 || got[0] != v {
						t.Errorf("authorization request %s = %q, want [%q]", k, got, v)
					}
				}
				if len(q) != len(want) {
					t.Errorf("authorization request has %d parameters, want %d: %v", len(q), len(want), q)
				}
				if c.Nonce == "" || len(c.CodeVerifier) < 43 {
					t.Errorf("nonce %q, verifier %q: want both", c.Nonce, c.CodeVerifier)
				}
				if got := f.logins[0]; got["subject"] != DefaultHydraSubject || got["remember"] != false {
					t.Errorf("login accept body %v, want subject %q and remember false", got, DefaultHydraSubject)
				}
				got := f.consents[0]
				if fmt.Sprint(got["grant_scope"]) != "[openid offline]" || fmt.Sprint(got["grant_access_token_audience"]) != "[]" || got["remember"] != false {
					t.Errorf("consent accept body %v, want the requested scopes, no audience, remember false", got)
				}
			},
		},
		{
			name: "options: no nonce, no PKCE, another client and redirect URI",
			options: func(o Options) Options {
				return Options{ClientID: "client-2", RedirectURI: "http://127.0.0.1:9/callback2"}
			},
			check: func(t *testing.T, f *fakeHydra, c *Code) {
				q := f.authReqs[0]
				for _, k := range []string{"nonce", "code_challenge", "code_challenge_method"} {
					if q.Has(k) {
						t.Errorf("authorization request has %s = %q, want none", k, q.Get(k))
					}
				}
				if q.Get("client_id") != "client-2" || q.Get("redirect_uri") != "http://127.0.0.1:9/callback2" {
					t.Errorf("client_id %q, redirect_uri %q: want client-2 and callback2", q.Get("client_id"), q.Get("redirect_uri"))
				}
				if c.ClientID != "client-2" || c.RedirectURI != "http://127.0.0.1:9/callback2" || c.Nonce != "" || c.CodeVerifier != "" {
					t.Errorf("code %v: want client-2, callback2, no nonce, no PKCE", c)
				}
			},
		},
		{
			name:  "configured subject and scopes; requested audience granted",
			hydra: &HydraConfig{Subject: "alice", Scopes: []string{"openid"}},
			setup: func(f *fakeHydra) { f.requestedAudience = []string{"https://api.example"} },
			check: func(t *testing.T, f *fakeHydra, c *Code) {
				if got := f.logins[0]["subject"]; got != "alice" {
					t.Errorf("subject %v, want alice", got)
				}
				got := f.consents[0]
				if fmt.Sprint(got["grant_scope"]) != "[openid]" || fmt.Sprint(got["grant_access_token_audience"]) != "[https://api.example]" {
					t.Errorf("consent accept body %v, want grant_scope [openid] and the requested audience", got)
				}
			},
		},
		{
			name:     "an error redirect quotes error and error_description",
			setup:    func(f *fakeHydra) { f.final = "error" },
			wantMsg:  []string{`error "access_denied"`, `error_description "The resource owner denied the request"`},
			notInErr: []string{"challenge-", "verifier-", "csrf-"},
		},
		{
			name:    "a state other than the one sent",
			setup:   func(f *fakeHydra) { f.final = "wrong-state" },
			wantErr: ErrStateMismatch,
		},
		{
			name:     "Hydra's error page (an unregistered redirect URI) is an error response",
			setup:    func(f *fakeHydra) { f.final = "hydra-error" },
			wantMsg:  []string{`error "invalid_request"`, "pre-registered redirect urls"},
			notInErr: []string{"challenge-"},
		},
		{
			name:     "the login page changes shape: 200 HTML instead of a redirect",
			setup:    func(f *fakeHydra) { f.authPage = true },
			wantErr:  ErrLoginPage,
			wantMsg:  []string{"codes: hydra: GET http://127.0.0.1:", "/oauth2/auth?client_id=client-1&code_challenge=REDACTED", "status 200 with an HTML page (\"Please sign in\")"},
			notInErr: []string{"CODE-SECRET"},
		},
		{
			name:     "the admin API does not know the challenge: URL without its value, status, body",
			setup:    func(f *fakeHydra) { f.final = "login-404" },
			wantMsg:  []string{"codes: hydra: PUT http://127.0.0.1:", "/admin/oauth2/auth/requests/login/accept?login_challenge=REDACTED: status 404 (application/json) instead of 200 with redirect_to", "Unable to locate the resource"},
			notInErr: []string{"login-challenge-"},
		},
		{
			name:    "redirects that never reach the redirect URI are bounded",
			setup:   func(f *fakeHydra) { f.final = "loop" },
			wantMsg: []string{"no redirect to the redirect URI within 10 requests"},
		},
		{
			name:    "an unreachable admin API",
			hydra:   &HydraConfig{AdminURL: "http://127.0.0.1:1"},
			wantMsg: []string{"codes: hydra: PUT http://127.0.0.1:1/admin/oauth2/auth/requests/login/accept?login_challenge=REDACTED: ", "connection refused"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeHydra(t, false)
			if tt.setup != nil {
				tt.setup(f)
			}
			clk := newClock(time.Second)
			src := f.open(t, tt.hydra, func(c *Config, d *Deps) {
				d.Now = clk.Now
				if tt.change != nil {
					tt.change(c, d)
				}
			})
			a, ok := AsAuthorizer(src)
			if !ok {
				t.Fatal("the hydra source is not an Authorizer")
			}
			var c *Code
			var err error
			if tt.options != nil {
				c, err = a.Authorize(context.Background(), tt.options(a.Defaults()))
			} else {
				c, err = src.Next(context.Background())
			}
			if f.pageHits.Load() != 0 {
				t.Errorf("the login or consent page was fetched %d times", f.pageHits.Load())
			}
			if tt.wantErr != nil || tt.wantMsg != nil {
				mustErr(t, err, tt.wantErr, tt.wantMsg, tt.notInErr...)
				if st := src.Stats(); st.Errors != 1 || st.Obtained != 0 {
					t.Errorf("stats %+v, want 1 error, nothing obtained", st)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			f.mu.Lock()
			issued := f.issued[c.Value]
			f.mu.Unlock()
			if !issued || c.Seq != 1 || c.State == "" {
				t.Errorf("code %v (value issued: %v): want an issued code, Seq 1, a state", c, issued)
			}
			if c.Took != time.Second || !c.ObtainedAt.Equal(t0.Add(time.Second)) {
				t.Errorf("Took %s, ObtainedAt %s: want 1s and t0+1s from the fake clock", c.Took, c.ObtainedAt)
			}
			if st := src.Stats(); st.Obtained != 1 || st.Used != 1 || st.TookTotal != time.Second {
				t.Errorf("stats %+v, want 1 obtained and used, Took 1s", st)
			}
			if tt.check != nil {
				f.mu.Lock()
				defer f.mu.Unlock()
				tt.check(t, f, c)
			}
		})
	}
}

func TestHydraConcurrent(t *testing.T) {
	t.Parallel()
	f := newFakeHydra(t, true) // TLS: the client's TLS configuration must carry over
	src := f.open(t, nil, nil)
	const total = 40
	got := make(chan *Code, total)
	var wg sync.WaitGroup
	for range total {
		wg.Go(func() {
			c, err := src.Next(context.Background())
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
	f.mu.Lock()
	defer f.mu.Unlock()
	for c := range got {
		if !f.issued[c.Value] {
			t.Errorf("%v was not issued by the fake", c)
		}
		values[c.Value], seqs[c.Seq], states[c.State] = true, true, true
	}
	if len(values) != total || len(seqs) != total || len(states) != total {
		t.Errorf("%d distinct values, %d seqs, %d states; want %d of each", len(values), len(seqs), len(states), total)
	}
	if st := src.Stats(); st.Obtained != total || st.Errors != 0 {
		t.Errorf("stats %+v, want %d obtained and no error", st, total)
	}
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	_, err := src.Next(context.Background())
	mustErr(t, err, ErrClosed, nil)
}

func TestHydraRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  Config
		d    Deps
		want []string
	}{
		{"no admin URL", Config{Source: SourceHydra, Hydra: &HydraConfig{}},
			Deps{AuthorizationEndpoint: "https://op/auth", ClientID: "c", RedirectURI: "https://rp/cb"}, []string{"source hydra needs hydra.admin_url"}},
		{"bad admin URL, endpoint, client, redirect URI", Config{Source: SourceHydra, Hydra: &HydraConfig{AdminURL: "ftp://x"}},
			Deps{AuthorizationEndpoint: "/auth", RedirectURI: "https://rp/cb#f"},
			[]string{`"hydra.admin_url": "ftp://x" is not an absolute http(s) URL`, `authorization endpoint "/auth"`, "client id is empty", `redirect URI "https://rp/cb#f"`}},
		{"a header from an unset variable", Config{Source: SourceHydra, Hydra: &HydraConfig{AdminURL: "http://a"}, Headers: map[string]string{"X-A": "env:TB_HYDRA_TEST_UNSET"}},
			Deps{AuthorizationEndpoint: "https://op/auth", ClientID: "c", RedirectURI: "https://rp/cb", LookupEnv: func(string) (string, bool) { return "", false }},
			[]string{`"X-A": environment variable "TB_HYDRA_TEST_UNSET" is not set`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Open(tt.cfg, tt.d)
			mustErr(t, err, nil, tt.want)
		})
	}
}

func TestHydraTransport(t *testing.T) {
	t.Parallel()
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	defer srv.Close()
	base := srv.Client()
	rt, own := hydraTransport(base)
	tr, ok := rt.(*http.Transport)
	if !ok || own != tr || tr == base.Transport {
		t.Fatalf("hydraTransport(*http.Transport) = %T (own %v): want a clone", rt, own != nil)
	}
	if tr.TLSClientConfig == nil || !tr.TLSClientConfig.RootCAs.Equal(base.Transport.(*http.Transport).TLSClientConfig.RootCAs) {
		t.Error("the clone lost the TLS configuration")
	}
	custom := roundTripperFunc(func(*http.Request) (*http.Response, error) { return nil, errors.New("x") })
	if rt, own := hydraTransport(&http.Client{Transport: custom}); own != nil || fmt.Sprintf("%p", rt) != fmt.Sprintf("%p", custom) {
		t.Errorf("hydraTransport(custom) = %T, own %v: want the custom RoundTripper itself", rt, own != nil)
	}
	if rt, own := hydraTransport(nil); own == nil || rt == http.DefaultTransport {
		t.Error("hydraTransport(nil): want a clone of http.DefaultTransport")
	}
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestRedactURL(t *testing.T) {
	t.Parallel()
	u, _ := url.Parse("https://user:pw@op.example/oauth2/auth?client_id=c1&state=S&login_verifier=V&scope=openid+offline#frag")
	got := redactURL(u)
	want := "https://op.example/oauth2/auth?client_id=c1&login_verifier=REDACTED&scope=openid+offline&state=REDACTED"
	if got != want {
		t.Errorf("redactURL = %q, want %q", got, want)
	}
}

func TestHydraTimeout(t *testing.T) {
	t.Parallel()
	f := newFakeHydra(t, false)
	// An admin API that never answers: the per-code timeout (codes.timeout)
	// must end the wait, with an error that says so and is not permanent.
	f.final = "admin-hang"
	src := f.open(t, nil, func(c *Config, d *Deps) { c.Timeout = yamlfile.Duration(200 * time.Millisecond) })
	start := time.Now()
	_, err := src.Next(context.Background())
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("Next took %s with a 200ms timeout", took)
	}
	mustErr(t, err, context.DeadlineExceeded, []string{"codes: hydra: PUT http://127.0.0.1:", "no code within 200ms"})
	if Permanent(err) {
		t.Errorf("Permanent(%v) = true, want false: a slow provider may recover", err)
	}
}

package codes

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const secretCode = "SECRET-CODE-42"

// authServer is an authorization endpoint at /authorize and a redirect
// target at /cb that counts its hits (there must be none: redirects are not
// followed).
type authServer struct {
	*httptest.Server
	respond func(w http.ResponseWriter, r *http.Request, cb string)
	cbHits  atomic.Int64

	mu   sync.Mutex
	reqs []*http.Request
}

func newAuthServer(t *testing.T, respond func(w http.ResponseWriter, r *http.Request, cb string)) *authServer {
	s := &authServer{respond: respond}
	mux := http.NewServeMux()
	mux.HandleFunc("/authorize", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.reqs = append(s.reqs, r.Clone(context.Background()))
		s.mu.Unlock()
		s.respond(w, r, s.URL+"/cb")
	})
	mux.HandleFunc("/cb", func(w http.ResponseWriter, r *http.Request) { s.cbHits.Add(1) })
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

func (s *authServer) last(t *testing.T) *http.Request {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.reqs) == 0 {
		t.Fatal("the authorization endpoint got no request")
	}
	return s.reqs[len(s.reqs)-1]
}

// redirect answers with status and a Location to the callback carrying
// params, where "$state" stands for the state received.
func redirect(status int, params ...string) func(http.ResponseWriter, *http.Request, string) {
	return func(w http.ResponseWriter, r *http.Request, cb string) {
		q := url.Values{}
		for i := 0; i+1 < len(params); i += 2 {
			v := params[i+1]
			if v == "$state" {
				v = r.URL.Query().Get("state")
			}
			q.Add(params[i], v)
		}
		w.Header().Set("Location", cb+"?"+q.Encode())
		w.WriteHeader(status)
	}
}

// noSession takes the session cookies and headers away.
func noSession(c *AuthorizeConfig) { c.Cookies, c.Header = nil, nil }

func TestAuthorize(t *testing.T) {
	t.Parallel()
	var b64url = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	tests := []struct {
		name      string
		respond   func(http.ResponseWriter, *http.Request, string)
		config    func(*AuthorizeConfig)
		options   func(Options) Options
		wantErr   error    // nil with wantMsg nil: success
		wantMsg   []string // substrings of the error
		checkCode func(t *testing.T, c *Code, r *http.Request, redirectURI string)
	}{
		{
			name:    "302 with nonce and PKCE: every parameter sent, the challenge matches the verifier",
			respond: redirect(http.StatusFound, "code", secretCode, "state", "$state"),
			checkCode: func(t *testing.T, c *Code, r *http.Request, redirectURI string) {
				q := r.URL.Query()
				want := map[string]string{
					"response_type": "code", "client_id": "client-1", "redirect_uri": redirectURI,
					"scope": "openid profile", "state": c.State, "nonce": c.Nonce,
					"code_challenge": S256Challenge(c.CodeVerifier), "code_challenge_method": "S256",
					"prompt": "none", "kept": "yes",
				}
				for k, v := range want {
					if got := q[k]; len(got) != 1 || got[0] != v {
						t.Errorf("query %s = %q, want [%q]", k, got, v)
					}
				}
				if len(q) != len(want) {
					t.Errorf("query has %d parameters, want %d: %v", len(q), len(want), q)
				}
				if n := len(c.CodeVerifier); n < 43 || n > 128 || !b64url.MatchString(c.CodeVerifier) {
					t.Errorf("verifier %q: want 43-128 unreserved characters (RFC 7636 §4.1)", c.CodeVerifier)
				}
				if len(c.State) < 22 || len(c.Nonce) < 22 {
					t.Errorf("state %q, nonce %q: want 16 random bytes each", c.State, c.Nonce)
				}
				if got, want := r.Header.Get("X-Session"), "hdr-value"; got != want {
					t.Errorf("header X-Session = %q, want %q", got, want)
				}
				if ck, err := r.Cookie("sid"); err != nil || ck.Value != "cookie-value" {
					t.Errorf("cookie sid = %v, %v; want cookie-value", ck, err)
				}
				if got, want := r.Host, "login.example"; got != want {
					t.Errorf("Host = %q, want %q", got, want)
				}
				if c.Value != secretCode || c.ClientID != "client-1" || c.RedirectURI != redirectURI {
					t.Errorf("code = %+v", *c)
				}
				if got, want := c.Seq, 1; got != want {
					t.Errorf("Seq = %d, want %d", got, want)
				}
				// The clock steps 1s per reading: start, then done.
				if got, want := c.ObtainedAt, t0.Add(time.Second); !got.Equal(want) {
					t.Errorf("ObtainedAt = %s, want %s", got, want)
				}
				if got, want := c.Took, time.Second; got != want {
					t.Errorf("Took = %s, want %s", got, want)
				}
				if !c.ExpiresAt.IsZero() {
					t.Errorf("ExpiresAt = %s, want zero", c.ExpiresAt)
				}
			},
		},
		{
			name:    "no nonce and no PKCE when the options say so",
			respond: redirect(http.StatusFound, "code", secretCode, "state", "$state"),
			options: func(o Options) Options { o.Nonce, o.PKCE = false, false; return o },
			checkCode: func(t *testing.T, c *Code, r *http.Request, _ string) {
				q := r.URL.Query()
				for _, k := range []string{"nonce", "code_challenge", "code_challenge_method"} {
					if q.Has(k) {
						t.Errorf("query has %s, want none", k)
					}
				}
				if c.Nonce != "" || c.CodeVerifier != "" {
					t.Errorf("Nonce %q, CodeVerifier %q: want both empty", c.Nonce, c.CodeVerifier)
				}
			},
		},
		{
			name:    "a plain challenge with the given verifier when the options say so",
			respond: redirect(http.StatusFound, "code", secretCode, "state", "$state"),
			options: func(o Options) Options { o.PKCE, o.PKCEPlain, o.Verifier = true, true, "short-verifier+"; return o },
			checkCode: func(t *testing.T, c *Code, r *http.Request, _ string) {
				q := r.URL.Query()
				if q.Get("code_challenge") != "short-verifier+" || q.Get("code_challenge_method") != "plain" || c.CodeVerifier != "short-verifier+" {
					t.Errorf("challenge %q method %q verifier %q: want the verifier itself, plain", q.Get("code_challenge"), q.Get("code_challenge_method"), c.CodeVerifier)
				}
			},
		},
		{
			name:    "the S256 challenge of the given verifier",
			respond: redirect(http.StatusFound, "code", secretCode, "state", "$state"),
			options: func(o Options) Options { o.PKCE, o.Verifier = true, "v42"; return o },
			checkCode: func(t *testing.T, c *Code, r *http.Request, _ string) {
				q := r.URL.Query()
				if q.Get("code_challenge") != S256Challenge("v42") || q.Get("code_challenge_method") != "S256" || c.CodeVerifier != "v42" {
					t.Errorf("challenge %q method %q verifier %q", q.Get("code_challenge"), q.Get("code_challenge_method"), c.CodeVerifier)
				}
			},
		},
		{
			name:    "other client and redirect URI from the options",
			respond: redirect(http.StatusFound, "code", secretCode, "state", "$state"),
			options: func(o Options) Options { o.ClientID = "client-2"; o.RedirectURI += "?x=1"; return o },
			checkCode: func(t *testing.T, c *Code, r *http.Request, redirectURI string) {
				q := r.URL.Query()
				if q.Get("client_id") != "client-2" || q.Get("redirect_uri") != redirectURI+"?x=1" {
					t.Errorf("client_id %q, redirect_uri %q", q.Get("client_id"), q.Get("redirect_uri"))
				}
				if c.ClientID != "client-2" || c.RedirectURI != redirectURI+"?x=1" {
					t.Errorf("code client %q, redirect URI %q", c.ClientID, c.RedirectURI)
				}
			},
		},
		{name: "303", respond: redirect(http.StatusSeeOther, "code", secretCode, "state", "$state")},
		{name: "307", respond: redirect(http.StatusTemporaryRedirect, "code", secretCode, "state", "$state")},
		{
			name: "relative Location",
			respond: func(w http.ResponseWriter, r *http.Request, _ string) {
				w.Header().Set("Location", "/cb?code="+secretCode+"&state="+r.URL.Query().Get("state"))
				w.WriteHeader(http.StatusFound)
			},
		},
		{
			name: "code in the fragment (response_mode=fragment)",
			respond: func(w http.ResponseWriter, r *http.Request, cb string) {
				w.Header().Set("Location", cb+"#code="+secretCode+"&state="+r.URL.Query().Get("state"))
				w.WriteHeader(http.StatusFound)
			},
		},
		{
			name:    "state mismatch",
			respond: redirect(http.StatusFound, "code", secretCode, "state", "forged"),
			wantErr: ErrStateMismatch,
			wantMsg: []string{`state "forged" is not the`},
		},
		{
			name:    "state missing",
			respond: redirect(http.StatusFound, "code", secretCode),
			wantErr: ErrStateMismatch,
			wantMsg: []string{`state "" is not the`},
		},
		{
			name:    "error redirect",
			respond: redirect(http.StatusFound, "error", "access_denied", "error_description", "user said no", "state", "$state"),
			wantMsg: []string{`error "access_denied"`, `error_description "user said no"`},
		},
		{
			name: "login page",
			respond: func(w http.ResponseWriter, r *http.Request, _ string) {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				fmt.Fprint(w, "<html><head><TITLE>\n  Sign in &amp; go </TITLE></head><body><form></form></body></html>")
			},
			config:  noSession,
			wantErr: ErrLoginPage,
			wantMsg: []string{`codes: authorize: the provider answered with a login page (200 text/html, "Sign in & go") instead of redirecting with a code; configure codes.cookies/headers for an authenticated session, or use the command or file source`},
		},
		{
			name: "redirect to a login page",
			respond: func(w http.ResponseWriter, r *http.Request, _ string) {
				w.Header().Set("Location", "/interaction/abc123?prompt=login")
				w.WriteHeader(http.StatusSeeOther)
			},
			config:  noSession,
			wantErr: ErrLoginPage,
			wantMsg: []string{`/interaction/abc123" (a login or consent page?)`, "configure codes.cookies or codes.headers"},
		},
		{
			name: "login page although a session cookie was given",
			respond: func(w http.ResponseWriter, r *http.Request, _ string) {
				// A login app that honours its session only with its own parameter.
				if _, err := r.Cookie("sid"); err == nil && r.URL.Query().Get("tenant") == "acme" {
					t.Error("the session was honoured")
				}
				w.Header().Set("Location", "/login?return_to=x&ticket=one-time")
				w.WriteHeader(http.StatusFound)
			},
			config:  func(c *AuthorizeConfig) { c.Params = url.Values{"foo": {"bar"}} },
			wantErr: ErrLoginPage,
			wantMsg: []string{`redirected to "http://127.0.0.1:`, `/login" (query parameters return_to, ticket) (a login or consent page?)`,
				"although codes.cookies gave a session (cookies sid)", "client_id=client-1 ", "state=…", "foo=…", "scope=openid",
				"parameters its own login app adds", "add them under codes.params", "more cookies than those given"},
		},
		{
			name: "login page at the authorization endpoint although a session header was given",
			respond: func(w http.ResponseWriter, r *http.Request, _ string) {
				w.Header().Set("Content-Type", "text/html")
				fmt.Fprint(w, "<title>Log in</title>")
			},
			config:  func(c *AuthorizeConfig) { c.Header = http.Header{"Cookie": {"sid=session-secret-value"}} },
			wantErr: ErrLoginPage,
			wantMsg: []string{`(200 text/html, "Log in") instead of redirecting with a code, although codes.cookies gave a session (cookies sid) and codes.headers sent Cookie;`, "response_type=code", "codes.params"},
		},
		{
			name: "server error",
			respond: func(w http.ResponseWriter, r *http.Request, _ string) {
				http.Error(w, "database down", http.StatusInternalServerError)
			},
			wantMsg: []string{"status 500", `body: "database down"`},
		},
		{
			name:    "redirect elsewhere",
			respond: redirect(http.StatusFound, "code", secretCode, "state", "$state"),
			config:  func(c *AuthorizeConfig) { c.RedirectURI += "/other" },
			wantMsg: []string{"not to the redirect URI", `/cb"`},
		},
		{
			name:    "no code",
			respond: redirect(http.StatusFound, "state", "$state"),
			wantMsg: []string{"carries neither code nor error"},
		},
		{
			name:    "two codes",
			respond: redirect(http.StatusFound, "code", secretCode, "code", secretCode+"b", "state", "$state"),
			wantMsg: []string{"carries 2 code parameters"},
		},
		{
			name: "redirect without Location",
			respond: func(w http.ResponseWriter, r *http.Request, _ string) {
				w.WriteHeader(http.StatusFound)
			},
			wantMsg: []string{"without a Location"},
		},
		{
			name: "timeout per code",
			respond: func(w http.ResponseWriter, r *http.Request, _ string) {
				<-r.Context().Done()
			},
			config:  func(c *AuthorizeConfig) { c.Timeout = 20 * time.Millisecond },
			wantErr: context.DeadlineExceeded,
			wantMsg: []string{"no answer within 20ms"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newAuthServer(t, tt.respond)
			clk := newClock(time.Second)
			cfg := AuthorizeConfig{
				Endpoint: srv.URL + "/authorize?kept=yes", ClientID: "client-1", RedirectURI: srv.URL + "/cb",
				Scope: "openid profile", PKCE: true, Nonce: true,
				Params: url.Values{"prompt": {"none"}}, Header: http.Header{"X-Session": {"hdr-value"}, "Host": {"login.example"}},
				Cookies:    []*http.Cookie{{Name: "sid", Value: "cookie-value"}},
				HTTPClient: srv.Client(), Now: clk.Now, Rand: seeded(1),
			}
			if tt.config != nil {
				tt.config(&cfg)
			}
			a, err := NewAuthorize(cfg)
			if err != nil {
				t.Fatal(err)
			}
			o := a.Defaults()
			if tt.options != nil {
				o = tt.options(o)
			}
			c, err := a.Authorize(context.Background(), o)
			if got := srv.cbHits.Load(); got != 0 {
				t.Errorf("the redirect target got %d requests, want 0 (redirects must not be followed)", got)
			}
			st := a.Stats()
			if tt.wantErr != nil || tt.wantMsg != nil {
				mustErr(t, err, tt.wantErr, tt.wantMsg, secretCode, "cookie-value", "hdr-value", "session-secret-value", "one-time")
				if st.Errors != 1 || st.Obtained != 0 {
					t.Errorf("stats %+v, want 1 error, 0 obtained", st)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Value != secretCode {
				t.Errorf("Value = %q, want %q", c.Value, secretCode)
			}
			if st.Obtained != 1 || st.Used != 1 || st.Errors != 0 {
				t.Errorf("stats %+v, want 1 obtained and used", st)
			}
			if tt.checkCode != nil {
				tt.checkCode(t, c, srv.last(t), srv.URL+"/cb")
			}
		})
	}
}

func TestAuthorizeErrorIsTyped(t *testing.T) {
	t.Parallel()
	srv := newAuthServer(t, redirect(http.StatusFound, "error", "temporarily_unavailable", "state", "$state"))
	a, err := NewAuthorize(AuthorizeConfig{Endpoint: srv.URL + "/authorize", ClientID: "c", RedirectURI: srv.URL + "/cb", HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.Next(context.Background())
	var ae *AuthorizeError
	if !errors.As(err, &ae) {
		t.Fatalf("error %v is not an *AuthorizeError", err)
	}
	if got, want := ae.ErrorCode, "temporarily_unavailable"; got != want {
		t.Errorf("ErrorCode = %q, want %q", got, want)
	}
	if Permanent(err) {
		t.Errorf("Permanent(%v) = true, want false", err)
	}
}

func TestNewAuthorizeRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  AuthorizeConfig
		want []string
	}{
		{"relative endpoint", AuthorizeConfig{Endpoint: "/authorize", ClientID: "c", RedirectURI: "https://rp/cb"}, []string{`endpoint "/authorize"`}},
		{"no client", AuthorizeConfig{Endpoint: "https://op/a", RedirectURI: "https://rp/cb"}, []string{"client id is empty"}},
		{"redirect URI with fragment", AuthorizeConfig{Endpoint: "https://op/a", ClientID: "c", RedirectURI: "https://rp/cb#x"}, []string{`redirect URI "https://rp/cb#x"`}},
		{"reserved params", AuthorizeConfig{Endpoint: "https://op/a", ClientID: "c", RedirectURI: "https://rp/cb", Params: url.Values{"state": {"x"}, "nonce": {"y"}}},
			[]string{`param "state"`, `param "nonce"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewAuthorize(tt.cfg)
			mustErr(t, err, nil, tt.want)
		})
	}
}

func TestAuthorizeConcurrent(t *testing.T) {
	t.Parallel()
	srv := newAuthServer(t, nil)
	var n atomic.Int64
	srv.respond = func(w http.ResponseWriter, r *http.Request, cb string) {
		redirect(http.StatusFound, "code", fmt.Sprintf("code-%d", n.Add(1)), "state", "$state")(w, r, cb)
	}
	a, err := NewAuthorize(AuthorizeConfig{Endpoint: srv.URL + "/authorize", ClientID: "c", RedirectURI: srv.URL + "/cb",
		PKCE: true, HTTPClient: srv.Client(), Rand: seeded(2)})
	if err != nil {
		t.Fatal(err)
	}
	const total = 40
	codes := make(chan *Code, total)
	var wg sync.WaitGroup
	for range total {
		wg.Go(func() {
			c, err := a.Next(context.Background())
			if err != nil {
				t.Error(err)
				return
			}
			codes <- c
		})
	}
	wg.Wait()
	close(codes)
	values, seqs, states := map[string]bool{}, map[int]bool{}, map[string]bool{}
	for c := range codes {
		values[c.Value], seqs[c.Seq], states[c.State] = true, true, true
	}
	if len(values) != total || len(seqs) != total || len(states) != total {
		t.Errorf("%d distinct values, %d seqs, %d states; want %d of each", len(values), len(seqs), len(states), total)
	}
	for i := 1; i <= total; i++ {
		if !seqs[i] {
			t.Errorf("no code with Seq %d", i)
		}
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = a.Next(context.Background())
	mustErr(t, err, ErrClosed, nil)
}

func TestS256Challenge(t *testing.T) {
	t.Parallel()
	// RFC 7636 Appendix B.
	got := S256Challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
	if want := "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"; got != want {
		t.Errorf("S256Challenge = %q, want %q", got, want)
	}
}

package provider

import (
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Login modes, the values of Config.Login: how the authorization endpoint
// has the user authenticate. The default ("") auto-approves.
const (
	// LoginJS is a login page rendered by JavaScript, like BankID's: a
	// user-ID step on the page, then a one-time-code step in an iframe
	// from another origin (localhost for 127.0.0.1 and back). A login sets
	// a session cookie; while it lasts, authorization requests redirect
	// with a code at once (prompt=login asks again).
	LoginJS = "js"
	// LoginJSNoSession is LoginJS without the session: every authorization
	// request logs in (BankID's OIDC platform has no single sign-on).
	LoginJSNoSession = "js-no-session"
)

// LoginModes returns the login modes New accepts besides "".
func LoginModes() []string { return []string{LoginJS, LoginJSNoSession} }

// The test user of the login modes: the user ID and one-time code to enter.
const (
	LoginUser = "tokenbench-user"
	LoginOTP  = "424242"
)

// Login bounds: a login must finish within loginTTL (BankID gives the user
// ten minutes), a session lasts sessionTTL, at most maxLogins logins may be
// under way, and three wrong one-time codes end a login.
const (
	loginTTL    = 10 * time.Minute
	sessionTTL  = time.Hour
	maxLogins   = 10000
	maxAttempts = 3
	sessionName = "tokenbench_session"
)

//go:embed login/app.js login/otp.js login/style.css
var loginAssets embed.FS

var loginPage = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Log in – tokenbench reference provider</title><link rel="stylesheet" href="/login/style.css"></head>
<body><main id="app" data-interaction="{{.ID}}" data-otp-origin="{{.OTPOrigin}}"><noscript>This login needs JavaScript.</noscript></main>
<script src="/login/app.js"></script></body></html>
`))

var otpPage = template.Must(template.New("otp").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>One-time code</title><link rel="stylesheet" href="/login/style.css"></head>
<body><div id="otp" data-interaction="{{.ID}}" data-parent-origin="{{.Origin}}"><noscript>This step needs JavaScript.</noscript></div>
<script src="/login/otp.js"></script></body></html>
`))

func validateLogin(mode string) error {
	if mode != "" && !slices.Contains(LoginModes(), mode) {
		return fmt.Errorf("provider: unknown login mode %q; known modes: %s", mode, strings.Join(LoginModes(), ", "))
	}
	return nil
}

// loginRoutes adds the login mode's pages and API.
func (p *Provider) loginRoutes(mux *http.ServeMux) {
	mux.Handle("GET /login/app.js", asset("login/app.js", "text/javascript; charset=utf-8"))
	mux.Handle("GET /login/otp.js", asset("login/otp.js", "text/javascript; charset=utf-8"))
	mux.Handle("GET /login/style.css", asset("login/style.css", "text/css; charset=utf-8"))
	mux.HandleFunc("GET /login/otp", p.handleOTPPage)
	mux.HandleFunc("GET /login/api/interaction", p.handleInteraction)
	mux.HandleFunc("POST /login/api/user", p.handleLoginUser)
	mux.HandleFunc("POST /login/api/otp", p.handleLoginOTP)
	mux.HandleFunc("GET /login/finish", p.handleLoginFinish)
}

func asset(name, contentType string) http.Handler {
	b, err := loginAssets.ReadFile(name)
	if err != nil {
		panic(err) // embedded above: a build without it cannot happen
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(b)
	})
}

// login answers a valid authorization request g in a login mode: a code at
// once for a session (unless prompt=login), login_required for prompt=none
// without one, else the login page.
//
// https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest (prompt)
func (p *Provider) login(w http.ResponseWriter, r *http.Request, q url.Values, act active, g *grant, state string) {
	prompt := strings.Fields(q.Get("prompt"))
	honoured := !p.variants.on(vSessionNeedsACR) || slices.Contains(strings.Fields(q.Get("acr_values")), sessionACR)
	if p.cfg.Login == LoginJS && !slices.Contains(prompt, "login") && honoured {
		if ck, err := r.Cookie(sessionName); err == nil {
			if at, ok := p.logins.session(ck.Value, p.now()); ok {
				p.issueCode(w, act, g, at, state)
				return
			}
		}
	}
	if slices.Contains(prompt, "none") {
		redirect(w, g.redirectURI, url.Values{"error": {"login_required"}, "error_description": {"the user is not logged in"}}, state)
		return
	}
	id, err := p.randomToken()
	if err != nil {
		authorizePage(w, http.StatusInternalServerError, "could not start a login")
		return
	}
	in := &interaction{grant: g, state: state, origin: origin(r, r.Host), otpOrigin: origin(r, otherLoopback(r.Host))}
	if !p.logins.start(id, in, p.now()) {
		authorizePage(w, http.StatusServiceUnavailable, fmt.Sprintf("too many logins under way (%d)", maxLogins))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", cacheNoStore)
	_ = loginPage.Execute(w, struct{ ID, OTPOrigin string }{id, in.otpOrigin})
}

// origin is the origin of the request r as if sent to host.
func origin(r *http.Request, host string) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + host
}

// otherLoopback names the same loopback server by its other name (127.0.0.1
// and localhost), so that the one-time-code iframe comes from another site
// than the page, as BankID's does; other hosts are kept.
func otherLoopback(hostport string) string {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		host, port = hostport, ""
	}
	switch host {
	case "127.0.0.1":
		host = "localhost"
	case "localhost":
		host = "127.0.0.1"
	default:
		return hostport
	}
	if port == "" {
		return host
	}
	return net.JoinHostPort(host, port)
}

func (p *Provider) handleOTPPage(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("interaction")
	in, ok := p.logins.get(id, p.now())
	if !ok {
		authorizePage(w, http.StatusBadRequest, "the login is unknown or has expired")
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", cacheNoStore)
	_ = otpPage.Execute(w, struct{ ID, Origin string }{id, in.origin})
}

func (p *Provider) handleInteraction(w http.ResponseWriter, r *http.Request) {
	in, ok := p.logins.get(r.URL.Query().Get("id"), p.now())
	if !ok {
		loginJSON(w, http.StatusNotFound, map[string]string{"message": "This login is unknown or has expired."})
		return
	}
	loginJSON(w, http.StatusOK, map[string]string{"client_id": in.grant.clientID})
}

// loginRequest is the body of the login API's POSTs.
type loginRequest struct {
	Interaction string `json:"interaction"`
	User        string `json:"user"`
	OTP         string `json:"otp"`
}

// readLogin reads a login API request for a login under way.
func (p *Provider) readLogin(w http.ResponseWriter, r *http.Request) (loginRequest, bool) {
	var req loginRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&req); err != nil {
		loginJSON(w, http.StatusBadRequest, map[string]string{"message": "The request is not valid JSON."})
		return req, false
	}
	if _, ok := p.logins.get(req.Interaction, p.now()); !ok {
		loginJSON(w, http.StatusNotFound, map[string]string{"message": "This login is unknown or has expired."})
		return req, false
	}
	return req, true
}

func (p *Provider) handleLoginUser(w http.ResponseWriter, r *http.Request) {
	req, ok := p.readLogin(w, r)
	if !ok {
		return
	}
	if req.User != LoginUser {
		loginJSON(w, http.StatusBadRequest, map[string]string{"message": "Unknown user ID."})
		return
	}
	p.logins.update(req.Interaction, func(in *interaction) { in.user = true })
	loginJSON(w, http.StatusOK, map[string]string{"status": "code"})
}

func (p *Provider) handleLoginOTP(w http.ResponseWriter, r *http.Request) {
	req, ok := p.readLogin(w, r)
	if !ok {
		return
	}
	var status string
	var left int
	now := p.now()
	p.logins.update(req.Interaction, func(in *interaction) {
		switch {
		case !in.user || in.failed:
			status = "failed"
		case req.OTP == LoginOTP:
			in.done, in.at, status = true, now, "done"
		default:
			in.attempts++
			left = maxAttempts - in.attempts
			if status = "wrong"; left == 0 {
				in.failed, status = true, "failed"
			}
		}
	})
	switch status {
	case "done":
		loginJSON(w, http.StatusOK, map[string]string{"status": status})
	case "wrong":
		loginJSON(w, http.StatusBadRequest, map[string]any{"status": status, "message": fmt.Sprintf("Wrong one-time code. %d attempts left.", left)})
	default:
		loginJSON(w, http.StatusBadRequest, map[string]string{"status": "failed", "message": "The login failed."})
	}
}

// handleLoginFinish ends a login: a code (and, with sessions, a session
// cookie) when the user got through, access_denied when not.
func (p *Provider) handleLoginFinish(w http.ResponseWriter, r *http.Request) {
	in, ok := p.logins.finish(r.URL.Query().Get("interaction"), p.now())
	switch {
	case !ok:
		authorizePage(w, http.StatusBadRequest, "the login is unknown or has expired")
	case !in.done:
		redirect(w, in.grant.redirectURI, url.Values{"error": {"access_denied"}, "error_description": {"the user did not log in"}}, in.state)
	default:
		if p.cfg.Login == LoginJS {
			if sid, err := p.randomToken(); err == nil {
				p.logins.addSession(sid, in.at, p.now())
				http.SetCookie(w, &http.Cookie{Name: sessionName, Value: sid, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
			}
		}
		p.issueCode(w, p.roll(), in.grant, in.at, in.state)
	}
}

func loginJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", cacheNoStore)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

package codes

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// HydraConfig configures the hydra source: tokenbench acts as Ory Hydra's
// login and consent app through Hydra's admin API.
type HydraConfig struct {
	AdminURL string   `yaml:"admin_url"`         // e.g. http://127.0.0.1:4445
	Subject  string   `yaml:"subject,omitempty"` // the user to log in (default "tokenbench-user")
	Scopes   []string `yaml:"scopes,flow,omitempty"`
}

// DefaultHydraSubject is the subject the hydra source logs in when
// codes.hydra.subject is not set.
const DefaultHydraSubject = "tokenbench-user"

// hydraMaxSteps bounds the requests of one authorization (authorization
// endpoint, Hydra's redirects, the admin calls). A login and a consent take
// six.
const hydraMaxSteps = 10

// Hydra obtains codes from Ory Hydra by acting as its login and consent app:
// it sends the authorization request with a fresh cookie jar, follows
// Hydra's redirects by hand, accepts the login challenge (with the
// configured subject) and the consent challenge (granting the requested
// scopes and audience) through the admin API, and reads the code from the
// redirect to the redirect URI, checking the state. Safe for concurrent use.
//
// https://www.ory.sh/docs/hydra/guides/custom-ui-oauth2
type Hydra struct {
	endpoint *url.URL // the authorization endpoint
	admin    *url.URL // the admin API's base URL
	subject  string
	scopes   []string // granted instead of the requested ones when set
	scope    string   // the scope parameter sent
	params   url.Values
	header   http.Header
	cookies  []*http.Cookie
	defaults Options
	timeout  time.Duration

	transport  http.RoundTripper
	ownTr      *http.Transport // the clone closed on Close; nil when shared
	reqTimeout time.Duration   // http.Client.Timeout of every request (the target's HTTP client's)
	now        func() time.Time
	rand       *lockedReader
	rec        recorder
	seq        atomic.Int64
	closed     atomic.Bool
}

// newHydraSource builds the hydra source.
func newHydraSource(cfg Config, d Deps, now func() time.Time) (Source, error) {
	if cfg.Hydra == nil {
		return nil, errors.New("codes: hydra: the hydra section is missing")
	}
	var errs []error
	endpoint, err := url.Parse(d.AuthorizationEndpoint)
	if err != nil || !endpoint.IsAbs() || endpoint.Host == "" {
		errs = append(errs, fmt.Errorf("codes: hydra: authorization endpoint %q is not an absolute URL", d.AuthorizationEndpoint))
	}
	admin, err := url.Parse(cfg.Hydra.AdminURL)
	if err != nil || !admin.IsAbs() || admin.Host == "" || (admin.Scheme != "http" && admin.Scheme != "https") {
		errs = append(errs, fmt.Errorf("codes: hydra: field \"hydra.admin_url\": %q is not an absolute http(s) URL", cfg.Hydra.AdminURL))
	} else {
		admin.RawQuery, admin.Fragment = "", ""
		admin.Path = strings.TrimSuffix(admin.Path, "/")
		admin.RawPath = ""
	}
	if d.ClientID == "" {
		errs = append(errs, errors.New("codes: hydra: the client id is empty"))
	}
	if err := checkRedirectURI(d.RedirectURI); err != nil {
		errs = append(errs, err)
	}
	header, herr := cfg.Header(d.LookupEnv)
	cookies, cerr := cfg.CookieList(d.LookupEnv)
	errs = append(errs, herr, cerr)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	h := &Hydra{
		endpoint: endpoint,
		admin:    admin,
		subject:  cmp.Or(cfg.Hydra.Subject, DefaultHydraSubject),
		scopes:   slices.Clone(cfg.Hydra.Scopes),
		scope:    d.Scope,
		params:   cfg.Query(),
		header:   header,
		cookies:  cookies,
		defaults: Options{
			Nonce:       slices.Contains(strings.Fields(d.Scope), "openid"),
			PKCE:        d.PKCE,
			ClientID:    d.ClientID,
			RedirectURI: d.RedirectURI,
		},
		timeout: cfg.Timeout.D(),
		now:     now,
		rand:    &lockedReader{r: d.Rand},
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.rand.r == nil {
		h.rand.r = rand.Reader
	}
	if d.HTTPClient != nil {
		h.reqTimeout = d.HTTPClient.Timeout
	}
	h.transport, h.ownTr = hydraTransport(d.HTTPClient)
	return h, nil
}

// hydraTransport returns the transport for the hydra source's requests: a
// clone of hc's *http.Transport (same TLS configuration, dialers and proxy
// setting, a pool of its own), hc's RoundTripper itself when it is of
// another type (it carries its own TLS settings), or a clone of
// http.DefaultTransport. own is the transport to close idle connections of
// on Close, nil when shared.
func hydraTransport(hc *http.Client) (rt http.RoundTripper, own *http.Transport) {
	var tr http.RoundTripper = http.DefaultTransport
	if hc != nil && hc.Transport != nil {
		tr = hc.Transport
	}
	if t, ok := tr.(*http.Transport); ok {
		own = t.Clone()
		return own, own
	}
	return tr, nil
}

// Defaults returns the options Next uses: a nonce when the scope has
// openid, PKCE as configured, the target's client and redirect URI.
func (h *Hydra) Defaults() Options { return h.defaults }

// Next obtains a code with the default options.
func (h *Hydra) Next(ctx context.Context) (*Code, error) { return h.Authorize(ctx, h.defaults) }

// Stats returns the counts so far. Used equals Obtained: codes are handed
// out as soon as they arrive.
func (h *Hydra) Stats() Stats { return h.rec.snapshot() }

// Close makes later calls fail with ErrClosed. Requests under way finish.
func (h *Hydra) Close() error {
	if !h.closed.Swap(true) && h.ownTr != nil {
		h.ownTr.CloseIdleConnections()
	}
	return nil
}

// Authorize runs one authorization varied by o through Hydra's login and
// consent and returns the code.
func (h *Hydra) Authorize(ctx context.Context, o Options) (*Code, error) {
	return h.rec.track(h.authorize(ctx, o))
}

func (h *Hydra) authorize(ctx context.Context, o Options) (*Code, error) {
	if h.closed.Load() {
		return nil, errClosed("hydra")
	}
	w, err := startWalk(ctx, "hydra", walkRequest{h.endpoint, h.params, h.scope, h.defaults, h.rand, h.timeout, h.cookies}, o)
	if err != nil {
		return nil, err
	}
	defer w.cancel()
	ctx, c, u, redirect, jar := w.ctx, w.code, w.first, w.redirect, w.jar
	f := &hydraFlow{h: h, client: &http.Client{
		Transport:     h.transport,
		Jar:           jar,
		Timeout:       h.reqTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}

	start := h.now()
	next := u
	for next != nil {
		loc, err := f.get(ctx, next)
		if err != nil {
			return nil, err
		}
		q := loc.Query()
		switch {
		case sameEndpoint(loc, redirect):
			if err := codeFromLocation(c, loc); err != nil {
				return nil, err
			}
			next = nil
		case q.Get("error") != "":
			// Hydra's own error page (urls.error), e.g. for a redirect URI
			// the client did not register.
			return nil, &AuthorizeError{ErrorCode: q.Get("error"), Description: q.Get("error_description"), URI: q.Get("error_uri")}
		case q.Get("login_challenge") != "":
			next, err = f.acceptLogin(ctx, q.Get("login_challenge"))
		case q.Get("consent_challenge") != "":
			next, err = f.acceptConsent(ctx, q.Get("consent_challenge"))
		default: // Hydra's own hops, e.g. /oauth2/auth?login_verifier=...
			next = loc
		}
		if err != nil {
			return nil, err
		}
	}
	done := h.now()
	c.ObtainedAt = done
	c.Took = done.Sub(start)
	c.Seq = int(h.seq.Add(1))
	return c, nil
}

// hydraFlow is one authorization in progress: its browser and its step count.
type hydraFlow struct {
	h      *Hydra
	client *http.Client
	steps  int
}

// step counts a request and fails beyond hydraMaxSteps.
func (f *hydraFlow) step(method string, u *url.URL) error {
	f.steps++
	if f.steps > hydraMaxSteps {
		return fmt.Errorf("codes: hydra: no redirect to the redirect URI within %d requests (the next would be %s %s); is Hydra's login or consent URL pointing elsewhere?",
			hydraMaxSteps, method, redactURL(u))
	}
	return nil
}

// get GETs u on the public side, with the browser's cookies, and returns the
// redirect's Location resolved against u. Anything but a redirect is an
// error: a 200 HTML page is ErrLoginPage.
func (f *hydraFlow) get(ctx context.Context, u *url.URL) (*url.URL, error) {
	if err := f.step(http.MethodGet, u); err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("codes: hydra: GET %s: %w", redactURL(u), unwrapURLError(err))
	}
	setHeader(req, f.h.header)
	resp, body, err := f.do(req)
	if err != nil {
		return nil, err
	}
	switch resp.StatusCode {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
	case http.StatusOK:
		if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt == "text/html" {
			title := "no title"
			if t := pageTitle(body); t != "" {
				title = fmt.Sprintf("%q", t)
			}
			return nil, mark(ErrLoginPage, fmt.Errorf("codes: hydra: GET %s: status 200 with an HTML page (%s) instead of a redirect; the hydra source expects Hydra to redirect to its login and consent URLs with a login_challenge or consent_challenge, and answers them through the admin API", redactURL(u), title))
		}
		fallthrough
	default:
		return nil, unexpected(req, resp, body, "a redirect")
	}
	location := resp.Header.Get("Location")
	if location == "" {
		return nil, fmt.Errorf("codes: hydra: GET %s: status %d without a Location header", redactURL(u), resp.StatusCode)
	}
	loc, err := u.Parse(location)
	if err != nil {
		return nil, fmt.Errorf("codes: hydra: GET %s: the Location header is not a URL: %w", redactURL(u), unwrapURLError(err))
	}
	return loc, nil
}

// acceptLogin accepts a login request with the configured subject and
// returns where Hydra sends the browser next.
//
// https://www.ory.sh/docs/hydra/reference/api#tag/oAuth2/operation/acceptOAuth2LoginRequest
func (f *hydraFlow) acceptLogin(ctx context.Context, challenge string) (*url.URL, error) {
	return f.accept(ctx, "login", "login_challenge", challenge, map[string]any{
		"subject":  f.h.subject,
		"remember": false,
	})
}

// acceptConsent reads a consent request and accepts it, granting the
// requested scopes (or the configured ones) and audience, and returns where
// Hydra sends the browser next.
//
// https://www.ory.sh/docs/hydra/reference/api#tag/oAuth2/operation/acceptOAuth2ConsentRequest
func (f *hydraFlow) acceptConsent(ctx context.Context, challenge string) (*url.URL, error) {
	u := f.adminURL("consent", "", "consent_challenge", challenge)
	if err := f.step(http.MethodGet, u); err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("codes: hydra: GET %s: %w", redactURL(u), unwrapURLError(err))
	}
	req.Header.Set("Accept", "application/json")
	resp, body, err := f.do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, unexpected(req, resp, body, "200 with the consent request")
	}
	var cr struct {
		RequestedScope    []string `json:"requested_scope"`
		RequestedAudience []string `json:"requested_access_token_audience"`
	}
	if err := json.Unmarshal(body, &cr); err != nil {
		return nil, fmt.Errorf("codes: hydra: GET %s: status 200 but the body is not a consent request: %w", redactURL(u), err)
	}
	grant := cr.RequestedScope
	if len(f.h.scopes) > 0 {
		grant = f.h.scopes
	}
	return f.accept(ctx, "consent", "consent_challenge", challenge, map[string]any{
		"grant_scope":                 nonNil(grant),
		"grant_access_token_audience": nonNil(cr.RequestedAudience),
		"remember":                    false,
	})
}

// accept PUTs body to the admin API's .../requests/{kind}/accept and returns
// the redirect_to of its answer.
func (f *hydraFlow) accept(ctx context.Context, kind, param, challenge string, body map[string]any) (*url.URL, error) {
	u := f.adminURL(kind, "/accept", param, challenge)
	if err := f.step(http.MethodPut, u); err != nil {
		return nil, err
	}
	b, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("codes: hydra: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, u.String(), bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("codes: hydra: PUT %s: %w", redactURL(u), unwrapURLError(err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, rb, err := f.do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, unexpected(req, resp, rb, "200 with redirect_to")
	}
	// The URL comes JSON-escaped (& as \u0026): decoding the JSON undoes it.
	var out struct {
		RedirectTo string `json:"redirect_to"`
	}
	if err := json.Unmarshal(rb, &out); err != nil || out.RedirectTo == "" {
		return nil, fmt.Errorf("codes: hydra: PUT %s: status 200 but no redirect_to in the body %q", redactURL(u), excerpt(rb, 200))
	}
	next, err := u.Parse(out.RedirectTo)
	if err != nil || !next.IsAbs() {
		return nil, fmt.Errorf("codes: hydra: PUT %s: redirect_to is not an absolute URL", redactURL(u))
	}
	return next, nil
}

// adminURL is {admin}/admin/oauth2/auth/requests/{kind}{suffix}?{param}={challenge}.
func (f *hydraFlow) adminURL(kind, suffix, param, challenge string) *url.URL {
	u := *f.h.admin
	u.Path += "/admin/oauth2/auth/requests/" + kind + suffix
	u.RawQuery = url.Values{param: {challenge}}.Encode()
	return &u
}

// do sends req with the flow's client and reads the body (up to 64 KiB).
func (f *hydraFlow) do(req *http.Request) (*http.Response, []byte, error) {
	resp, err := f.client.Do(req)
	if err != nil {
		err = unwrapURLError(err) // its message repeats the URL with the query
		if c := context.Cause(req.Context()); c != nil && errors.Is(err, context.DeadlineExceeded) {
			err = c
		}
		return nil, nil, fmt.Errorf("codes: hydra: %s %s: %w", req.Method, redactURL(req.URL), err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return nil, nil, fmt.Errorf("codes: hydra: %s %s: status %d; reading the body: %w", req.Method, redactURL(req.URL), resp.StatusCode, unwrapURLError(err))
	}
	return resp, body, nil
}

// unexpected describes an answer that is not the one wanted.
func unexpected(req *http.Request, resp *http.Response, body []byte, want string) error {
	return fmt.Errorf("codes: hydra: %s %s: status %d (%s) instead of %s; body: %q",
		req.Method, redactURL(req.URL), resp.StatusCode, cmp.Or(resp.Header.Get("Content-Type"), "no Content-Type"), want, excerpt(body, 200))
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// publicParams are the query parameters whose values may be shown in an
// error; every other value (state, nonce, code_challenge, challenges,
// verifiers, codes) is replaced.
var publicParams = []string{
	"response_type", "client_id", "redirect_uri", "scope", "code_challenge_method",
	"prompt", "response_mode", "error", "error_description", "error_hint",
}

// redactURL returns u without user info or fragment, with the values of
// query parameters that may carry secrets replaced by "REDACTED" (their
// names are kept: they tell which step of the flow failed).
func redactURL(u *url.URL) string {
	v := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil && len(q) == 0 && u.RawQuery != "" {
		v.RawQuery = "REDACTED"
		return v.String()
	}
	for k, vs := range q {
		if !slices.Contains(publicParams, k) {
			for i := range vs {
				vs[i] = "REDACTED"
			}
		}
	}
	v.RawQuery = q.Encode()
	return v.String()
}

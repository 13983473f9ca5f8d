package codes

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// FormConfig configures the form source: the values to fill into the login
// and consent forms met on the way from the authorization endpoint to the
// redirect URI.
type FormConfig struct {
	// Fields are form field values by name; a value "env:NAME" is read from
	// the environment. A key ending in _env names the variable directly
	// (password_env: OP_PASSWORD fills the field password).
	Fields map[string]string `yaml:"fields,omitempty"`
	// Submit says which submit control to press when a form has several:
	// its name, or name=value. A form without it gets its first submit
	// control pressed.
	Submit string `yaml:"submit,omitempty"`
	// MaxSteps bounds the requests sent per code (default 10).
	MaxSteps int `yaml:"max_steps,omitempty"`
}

// DefaultFormMaxSteps is FormConfig.MaxSteps when not set.
const DefaultFormMaxSteps = 10

// maxPage is the most of a page the form source reads.
const maxPage = 1 << 20

// values resolves Fields: "env:NAME" values and NAME_env keys read through
// lookup (os.LookupEnv when nil). Errors name the key and the variable,
// never a value.
func (fc *FormConfig) values(lookup func(string) (string, bool)) (map[string]string, error) {
	if lookup == nil {
		lookup = os.LookupEnv
	}
	out := make(map[string]string, len(fc.Fields))
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("codes: field \"form.fields\": %q: %s", key, fmt.Sprintf(format, args...)))
	}
	for _, k := range sortedKeys(fc.Fields) {
		v := fc.Fields[k]
		name, fromEnv := strings.CutSuffix(k, "_env")
		switch {
		case k == "":
			bad(k, "a field name is empty")
			continue
		case fromEnv && name == "":
			bad(k, "names no field (want FIELD_env: VARIABLE)")
			continue
		case fromEnv:
			if _, dup := fc.Fields[name]; dup {
				bad(k, "field %q is also given as %q; give one", name, name)
				continue
			}
			if v == "" {
				bad(k, "names no environment variable")
				continue
			}
			got, ok := lookup(v)
			if !ok {
				bad(k, "environment variable %q is not set", v)
				continue
			}
			out[name] = got
		default:
			got, err := resolveEnv(v, lookup)
			if err != nil {
				bad(k, "%v", err)
				continue
			}
			out[k] = got
		}
	}
	return out, errors.Join(errs...)
}

// Form obtains codes the way a person with a browser would: it sends the
// authorization request, follows the redirects by hand with a cookie jar of
// its own per code, and fills and submits the HTML forms met on the way
// (login, consent) from configured values until the provider redirects to
// the redirect URI. It parses pages with an HTML parser, runs no scripts
// and knows no provider: a page whose form it cannot fill is an error that
// quotes the page's URL (secret-bearing query values hidden) and lists the
// form's fields. Safe for concurrent use; codes are obtained in parallel.
//
// https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
type Form struct {
	endpoint *url.URL
	scope    string
	params   url.Values
	header   http.Header // sent to the authorization endpoint's origin
	cookies  []*http.Cookie
	fields   map[string]string
	submit   submitSpec
	maxSteps int
	timeout  time.Duration
	defaults Options
	client   *http.Client // copied per code, with a jar of its own
	now      func() time.Time
	rand     *lockedReader
	rec      recorder
	seq      atomic.Int64
	closed   atomic.Bool
}

// newFormSource builds the form source from the target's codes section.
// Environment variables are read here: a missing one is bad input.
func newFormSource(cfg Config, d Deps, now func() time.Time) (Source, error) {
	if cfg.Form == nil {
		return nil, errors.New("codes: form: the form section is missing")
	}
	var errs []error
	endpoint, err := url.Parse(d.AuthorizationEndpoint)
	if err != nil || !endpoint.IsAbs() || endpoint.Host == "" {
		errs = append(errs, fmt.Errorf("codes: form: authorization endpoint %q is not an absolute URL", d.AuthorizationEndpoint))
	}
	if d.ClientID == "" {
		errs = append(errs, errors.New("codes: form: the client id is empty"))
	}
	if err := checkRedirectURI(d.RedirectURI); err != nil {
		errs = append(errs, err)
	}
	fields, ferr := cfg.Form.values(d.LookupEnv)
	submit, serr := parseSubmit(cfg.Form.Submit)
	if serr != nil {
		serr = fmt.Errorf("codes: field \"form.submit\": %w", serr)
	}
	if cfg.Form.MaxSteps < 0 {
		errs = append(errs, fmt.Errorf("codes: field \"form.max_steps\": %d is negative", cfg.Form.MaxSteps))
	}
	header, herr := cfg.Header(d.LookupEnv)
	cookies, cerr := cfg.CookieList(d.LookupEnv)
	if err := errors.Join(append(errs, ferr, serr, herr, cerr)...); err != nil {
		return nil, err
	}
	f := &Form{
		endpoint: endpoint,
		scope:    d.Scope,
		params:   cfg.Query(),
		header:   header,
		cookies:  cookies,
		fields:   fields,
		submit:   submit,
		maxSteps: cfg.Form.MaxSteps,
		timeout:  cfg.Timeout.D(),
		defaults: Options{
			Nonce:       slices.Contains(strings.Fields(d.Scope), "openid"),
			PKCE:        d.PKCE,
			ClientID:    d.ClientID,
			RedirectURI: d.RedirectURI,
		},
		now:  now,
		rand: &lockedReader{r: d.Rand},
	}
	if f.maxSteps == 0 {
		f.maxSteps = DefaultFormMaxSteps
	}
	if f.now == nil {
		f.now = time.Now
	}
	if f.rand.r == nil {
		f.rand.r = rand.Reader
	}
	f.client = &http.Client{}
	if d.HTTPClient != nil {
		c := *d.HTTPClient
		f.client = &c
	}
	f.client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return f, nil
}

// Defaults returns the options Next uses: a nonce when the scope has openid,
// PKCE as configured, the target's client and redirect URI.
func (f *Form) Defaults() Options { return f.defaults }

// Next obtains a code with the default options.
func (f *Form) Next(ctx context.Context) (*Code, error) { return f.Authorize(ctx, f.defaults) }

// Stats returns the counts so far. Used equals Obtained: codes are handed
// out as soon as they arrive.
func (f *Form) Stats() Stats { return f.rec.snapshot() }

// Close makes later calls fail with ErrClosed. Authorizations under way
// finish.
func (f *Form) Close() error {
	f.closed.Store(true)
	return nil
}

// Authorize sends one authorization request varied by o, logs in and
// consents through the provider's forms, and returns the code from the
// redirect. The state is random and checked. Took is the whole walk, from
// the authorization request to the redirect.
func (f *Form) Authorize(ctx context.Context, o Options) (*Code, error) {
	return f.rec.track(f.authorize(ctx, o))
}

func (f *Form) authorize(ctx context.Context, o Options) (*Code, error) {
	if f.closed.Load() {
		return nil, errClosed("form")
	}
	ws, err := startWalk(ctx, "form", walkRequest{f.endpoint, f.params, f.scope, f.defaults, f.rand, f.timeout, f.cookies}, o)
	if err != nil {
		return nil, err
	}
	defer ws.cancel()
	c := ws.code
	client := *f.client
	client.Jar = ws.jar
	w := &formWalk{f: f, client: &client, redirect: ws.redirect}

	start := f.now()
	if err := w.run(ws.ctx, c, ws.first); err != nil {
		return nil, err
	}
	done := f.now()
	c.ObtainedAt = done
	c.Took = done.Sub(start)
	c.Seq = int(f.seq.Add(1))
	return c, nil
}

// formWalk is one authorization in progress: its browser, its step count and
// the form it submitted last.
type formWalk struct {
	f        *Form
	client   *http.Client
	redirect *url.URL
	steps    int
	last     string // formKey of the form submitted last: seeing it again means the submission was refused
}

// pendingRequest is the next request of a walk.
type pendingRequest struct {
	method      string
	u           *url.URL
	body        []byte
	contentType string
	referer     *url.URL // the page the request comes from, nil for none
}

// run walks from the authorization request at u to the redirect URI and
// reads the code into c.
func (w *formWalk) run(ctx context.Context, c *Code, u *url.URL) error {
	next := &pendingRequest{method: http.MethodGet, u: u}
	for {
		if sameEndpoint(next.u, w.redirect) {
			// A form that posts to the redirect URI (response_mode=form_post,
			// OAuth 2.0 Form Post Response Mode §2): read the code from it
			// instead of sending it to the client.
			loc := *next.u
			if next.method == http.MethodPost && next.contentType == enctypeURLEncoded {
				loc.RawQuery = string(next.body)
			}
			return codeFromLocation(c, &loc)
		}
		w.steps++
		if w.steps > w.f.maxSteps {
			return mark(ErrLoginPage, fmt.Errorf("codes: form: no redirect to the redirect URI within %d requests (codes.form.max_steps); the next would be %s %s",
				w.f.maxSteps, next.method, redactURL(next.u)))
		}
		resp, body, err := w.do(ctx, next)
		if err != nil {
			return err
		}
		switch resp.StatusCode {
		case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
			location := resp.Header.Get("Location")
			if location == "" {
				return fmt.Errorf("codes: form: %s %s: status %d without a Location header", next.method, redactURL(next.u), resp.StatusCode)
			}
			loc, err := next.u.Parse(location)
			if err != nil {
				return fmt.Errorf("codes: form: %s %s: the Location header is not a URL: %w", next.method, redactURL(next.u), unwrapURLError(err))
			}
			if resp.StatusCode == http.StatusTemporaryRedirect || resp.StatusCode == http.StatusPermanentRedirect {
				// The method and body are kept (RFC 9110 §15.4.8, §15.4.9).
				next = &pendingRequest{method: next.method, u: loc, body: next.body, contentType: next.contentType, referer: next.referer}
			} else {
				next = &pendingRequest{method: http.MethodGet, u: loc, referer: next.referer}
			}
		case http.StatusOK:
			if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "text/html" && mt != "application/xhtml+xml" {
				return unexpectedPage(next, resp, body, "a redirect or an HTML page")
			}
			if next, err = w.page(next.u, body); err != nil {
				return err
			}
		default:
			return unexpectedPage(next, resp, body, "a redirect or an HTML page")
		}
	}
}

// page reads the HTML page fetched from u and returns the submission of its
// form.
func (w *formWalk) page(u *url.URL, body []byte) (*pendingRequest, error) {
	p, err := parsePage(body, u)
	if err != nil {
		return nil, mark(ErrLoginPage, fmt.Errorf("codes: form: the page at %s does not parse as HTML: %w", redactURL(u), err))
	}
	form, err := chooseForm(p.forms, w.f.fields)
	if err != nil {
		return nil, mark(ErrLoginPage, fmt.Errorf("codes: form: the page at %s (%s): %w%s", redactURL(u), p.describe(), err, configuredNames(w.f.fields)))
	}
	key := formKey(p, form)
	if key == w.last {
		return nil, mark(ErrLoginPage, fmt.Errorf("codes: form: the page at %s (%s) shows the form just submitted again: wrong values in codes.form.fields, or a field the provider wants that is not configured; %s fields: %s%s",
			redactURL(u), p.describe(), form.describe(), form.fieldList(), configuredNames(w.f.fields)))
	}
	w.last = key
	s, err := form.fill(p, w.f.fields, w.f.submit)
	if err != nil {
		var ue *unfilledError
		if errors.As(err, &ue) {
			return nil, mark(ErrLoginPage, fmt.Errorf("codes: form: the page at %s (%s) has a form the configuration cannot fill: %v; %s fields: %s%s",
				redactURL(u), p.describe(), err, form.describe(), form.fieldList(), configuredNames(w.f.fields)))
		}
		return nil, mark(ErrLoginPage, fmt.Errorf("codes: form: the page at %s (%s), %s: %v; its fields: %s",
			redactURL(u), p.describe(), form.describe(), err, form.fieldList()))
	}
	req := &pendingRequest{method: s.method, u: s.action, referer: u}
	if s.method == http.MethodGet {
		a := *s.action
		a.RawQuery = s.query()
		req.u = &a
		return req, nil
	}
	if req.body, req.contentType, err = s.body(); err != nil {
		return nil, fmt.Errorf("codes: form: encoding the form at %s: %w", redactURL(u), err)
	}
	return req, nil
}

// formKey identifies a form across page loads: where it goes (without the
// query, which may carry a fresh session token) and which fields it has.
func formKey(p *htmlPage, f *htmlForm) string {
	action, err := p.base.Parse(f.action)
	if err != nil {
		return ""
	}
	names := make([]string, 0, len(f.controls))
	for _, c := range f.controls {
		names = append(names, c.typ+":"+c.name)
	}
	return f.method + " " + withoutQuery(action) + " " + strings.Join(names, ",")
}

// describe is the page's status line for an error: title and visible text.
func (p *htmlPage) describe() string {
	s := "no title"
	if p.title != "" {
		s = fmt.Sprintf("title %q", p.title)
	}
	if p.text != "" {
		s += fmt.Sprintf(", text %q", excerpt([]byte(p.text), 120))
	}
	return s
}

// configuredNames lists the configured field names (never their values) for
// an error message.
func configuredNames(fields map[string]string) string {
	if len(fields) == 0 {
		return "; codes.form.fields is empty"
	}
	return "; codes.form.fields has " + strings.Join(sortedKeys(fields), ", ")
}

// do sends one request of the walk with the walk's cookies and returns the
// response with its body read (at most maxPage bytes).
func (w *formWalk) do(ctx context.Context, p *pendingRequest) (*http.Response, []byte, error) {
	var body io.Reader
	if p.body != nil {
		body = bytes.NewReader(p.body)
	}
	req, err := http.NewRequestWithContext(ctx, p.method, p.u.String(), body)
	if err != nil {
		return nil, nil, fmt.Errorf("codes: form: %s %s: %w", p.method, redactURL(p.u), unwrapURLError(err))
	}
	req.Header.Set("Accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8")
	if p.contentType != "" {
		req.Header.Set("Content-Type", p.contentType)
	}
	if p.referer != nil {
		sameOrigin := strings.EqualFold(p.referer.Scheme, p.u.Scheme) && strings.EqualFold(p.referer.Host, p.u.Host)
		// What a browser sends (strict-origin-when-cross-origin): some login
		// pages check Origin or Referer against CSRF.
		origin := (&url.URL{Scheme: p.referer.Scheme, Host: p.referer.Host}).String()
		if p.method == http.MethodPost {
			req.Header.Set("Origin", origin)
		}
		if sameOrigin {
			ref := *p.referer
			ref.User, ref.Fragment, ref.RawFragment = nil, "", ""
			req.Header.Set("Referer", ref.String())
		} else {
			req.Header.Set("Referer", origin+"/")
		}
	}
	if strings.EqualFold(p.u.Scheme, w.f.endpoint.Scheme) && strings.EqualFold(p.u.Host, w.f.endpoint.Host) {
		setHeader(req, w.f.header)
	}
	resp, err := w.client.Do(req)
	if err != nil {
		err = unwrapURLError(err)
		if cause := context.Cause(ctx); cause != nil && errors.Is(err, context.DeadlineExceeded) {
			err = cause
		}
		return nil, nil, fmt.Errorf("codes: form: %s %s: %w", p.method, redactURL(p.u), err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxPage))
	if err != nil {
		return nil, nil, fmt.Errorf("codes: form: %s %s: status %d; reading the body: %w", p.method, redactURL(p.u), resp.StatusCode, unwrapURLError(err))
	}
	return resp, b, nil
}

// unexpectedPage is the error for an answer the walk cannot go on from.
func unexpectedPage(p *pendingRequest, resp *http.Response, body []byte, want string) error {
	return fmt.Errorf("codes: form: %s %s: status %d (%s) instead of %s; body: %q",
		p.method, redactURL(p.u), resp.StatusCode, cmp.Or(resp.Header.Get("Content-Type"), "no Content-Type"), want, excerpt(body, 200))
}

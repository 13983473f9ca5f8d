package codes

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// AuthorizeConfig configures an Authorize source.
type AuthorizeConfig struct {
	Endpoint    string // the authorization endpoint; a query it has is kept
	ClientID    string
	RedirectURI string
	Scope       string
	PKCE        bool        // send an S256 code_challenge by default
	Nonce       bool        // send a nonce by default
	Params      url.Values  // extra query parameters; they replace the endpoint's own, never the ones the source sets
	Header      http.Header // extra request headers
	Cookies     []*http.Cookie
	Timeout     time.Duration // per code, on top of the caller's context; 0 = none
	HTTPClient  *http.Client  // nil: http.DefaultClient; copied, with redirects never followed
	Now         func() time.Time
	Rand        io.Reader // state, nonce and verifier bytes; nil: crypto/rand.Reader; read under a lock
}

// reservedParams are the query parameters the Authorize source sets itself.
var reservedParams = []string{
	"response_type", "client_id", "redirect_uri", "scope", "state", "nonce",
	"code_challenge", "code_challenge_method",
}

// Authorize obtains codes by sending the authorization request to a provider
// that auto-approves (or recognises a session given in cookies or headers)
// and reading the code from the redirect's Location. It never follows the
// redirect, logs in or consents. Safe for concurrent use.
//
// https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
type Authorize struct {
	cfg      AuthorizeConfig
	endpoint *url.URL
	client   *http.Client
	now      func() time.Time
	rand     *lockedReader
	rec      recorder
	seq      atomic.Int64
	closed   atomic.Bool
}

// NewAuthorize checks cfg and returns an Authorize source. It sends nothing.
func NewAuthorize(cfg AuthorizeConfig) (*Authorize, error) {
	var errs []error
	endpoint, err := url.Parse(cfg.Endpoint)
	if err != nil || !endpoint.IsAbs() || endpoint.Host == "" {
		errs = append(errs, fmt.Errorf("codes: authorize: endpoint %q is not an absolute URL", cfg.Endpoint))
	}
	if cfg.ClientID == "" {
		errs = append(errs, errors.New("codes: authorize: the client id is empty"))
	}
	if err := checkRedirectURI(cfg.RedirectURI); err != nil {
		errs = append(errs, err)
	}
	for _, p := range reservedParams {
		if _, ok := cfg.Params[p]; ok {
			errs = append(errs, fmt.Errorf("codes: authorize: param %q is set by the source and cannot be given", p))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	client := http.DefaultClient
	if cfg.HTTPClient != nil {
		client = cfg.HTTPClient
	}
	c := *client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	a := &Authorize{cfg: cfg, endpoint: endpoint, client: &c, now: cfg.Now, rand: &lockedReader{r: cfg.Rand}}
	if a.now == nil {
		a.now = time.Now
	}
	if a.rand.r == nil {
		a.rand.r = rand.Reader
	}
	return a, nil
}

func checkRedirectURI(s string) error {
	u, err := url.Parse(s)
	if err != nil || !u.IsAbs() || u.Fragment != "" {
		return fmt.Errorf("codes: authorize: redirect URI %q is not an absolute URL without a fragment", s)
	}
	return nil
}

// Defaults returns the options Next uses.
func (a *Authorize) Defaults() Options {
	return Options{Nonce: a.cfg.Nonce, PKCE: a.cfg.PKCE, ClientID: a.cfg.ClientID, RedirectURI: a.cfg.RedirectURI}
}

// Next obtains a code with the default options.
func (a *Authorize) Next(ctx context.Context) (*Code, error) { return a.Authorize(ctx, a.Defaults()) }

// Stats returns the counts so far. Used equals Obtained: codes are handed
// out as soon as they arrive.
func (a *Authorize) Stats() Stats { return a.rec.snapshot() }

// Close makes later calls fail with ErrClosed. Requests under way finish.
func (a *Authorize) Close() error {
	a.closed.Store(true)
	return nil
}

// Authorize sends one authorization request varied by o and returns the code
// from the redirect. The state is random and checked; the nonce and the PKCE
// verifier (43 characters, S256) are random when o asks for them.
//
// https://www.rfc-editor.org/rfc/rfc7636#section-4.1
func (a *Authorize) Authorize(ctx context.Context, o Options) (*Code, error) {
	return a.rec.track(a.authorize(ctx, o))
}

func (a *Authorize) authorize(ctx context.Context, o Options) (*Code, error) {
	if a.closed.Load() {
		return nil, errClosed("authorize")
	}
	if o.ClientID == "" {
		o.ClientID = a.cfg.ClientID
	}
	if o.RedirectURI == "" {
		o.RedirectURI = a.cfg.RedirectURI
	} else if err := checkRedirectURI(o.RedirectURI); err != nil {
		return nil, err
	}
	c, u, err := authRequest(a.endpoint, a.cfg.Params, a.cfg.Scope, o, a.rand)
	if err != nil {
		return nil, err
	}
	redirect, _ := url.Parse(o.RedirectURI)

	if a.cfg.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, a.cfg.Timeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("codes: authorize: GET %q: %w", a.cfg.Endpoint, err)
	}
	setHeader(req, a.cfg.Header)
	for _, ck := range a.cfg.Cookies {
		req.AddCookie(ck)
	}

	start := a.now()
	resp, err := a.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its message repeats the URL with the query
		}
		if a.cfg.Timeout > 0 && errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("codes: authorize: GET %q: no answer within %s: %w", a.cfg.Endpoint, a.cfg.Timeout, err)
		}
		return nil, fmt.Errorf("codes: authorize: GET %q: %w", a.cfg.Endpoint, err)
	}
	body, readErr := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	done := a.now()

	switch resp.StatusCode {
	case http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect:
		if err := a.fromRedirect(c, req.URL, redirect, resp.Header.Get("Location")); err != nil {
			return nil, err
		}
	case http.StatusOK:
		if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt == "text/html" {
			title := "no title"
			if t := pageTitle(body); t != "" {
				title = fmt.Sprintf("%q", t)
			}
			if a.hasSession() {
				return nil, mark(ErrLoginPage, fmt.Errorf("codes: authorize: the provider answered with a login page (200 text/html, %s) instead of redirecting with a code, although %s; %s", title, a.sessionGiven(), sessionHint(req.URL)))
			}
			return nil, mark(ErrLoginPage, fmt.Errorf("codes: authorize: the provider answered with a login page (200 text/html, %s) instead of redirecting with a code; configure codes.cookies/headers for an authenticated session, or use the command or file source", title))
		}
		fallthrough
	default:
		if readErr != nil {
			return nil, fmt.Errorf("codes: authorize: GET %q: status %d instead of a redirect with a code; reading the body: %w", a.cfg.Endpoint, resp.StatusCode, readErr)
		}
		return nil, fmt.Errorf("codes: authorize: GET %q: status %d (%s) instead of a redirect with a code; body: %q",
			a.cfg.Endpoint, resp.StatusCode, resp.Header.Get("Content-Type"), excerpt(body, 200))
	}
	c.ObtainedAt = done
	c.Took = done.Sub(start)
	c.Seq = int(a.seq.Add(1))
	return c, nil
}

// setHeader sets the configured extra headers h on req; a Host header sets
// req.Host. Shared by the sources that send the authorization request.
func setHeader(req *http.Request, h http.Header) {
	for k, vs := range h {
		if http.CanonicalHeaderKey(k) == "Host" && len(vs) > 0 {
			req.Host = vs[0]
			continue
		}
		req.Header[http.CanonicalHeaderKey(k)] = slices.Clone(vs)
	}
}

// authRequest builds one authorization request varied by o (whose ClientID
// and RedirectURI are set): the Code it will yield, with its client, redirect
// URI, random state and, when o asks, random nonce and PKCE verifier; and the
// URL to GET, endpoint's own query kept, params added, the source's own
// parameters set. Shared by the sources that send the authorization request.
//
// https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
// https://www.rfc-editor.org/rfc/rfc7636#section-4.1
func authRequest(endpoint *url.URL, params url.Values, scope string, o Options, rnd io.Reader) (*Code, *url.URL, error) {
	c := &Code{ClientID: o.ClientID, RedirectURI: o.RedirectURI}
	var err error
	if c.State, err = randomString(rnd, 16); err != nil {
		return nil, nil, err
	}
	q := endpoint.Query()
	for k, vs := range params {
		q[k] = slices.Clone(vs)
	}
	q.Set("response_type", "code")
	q.Set("client_id", o.ClientID)
	q.Set("redirect_uri", o.RedirectURI)
	if scope != "" {
		q.Set("scope", scope)
	}
	q.Set("state", c.State)
	if o.Nonce {
		if c.Nonce, err = randomString(rnd, 16); err != nil {
			return nil, nil, err
		}
		q.Set("nonce", c.Nonce)
	}
	if o.PKCE {
		// 32 random bytes make a 43-character verifier, RFC 7636 §4.1's minimum.
		c.CodeVerifier = o.Verifier
		if c.CodeVerifier == "" {
			if c.CodeVerifier, err = randomString(rnd, 32); err != nil {
				return nil, nil, err
			}
		}
		if o.PKCEPlain {
			q.Set("code_challenge", c.CodeVerifier)
			q.Set("code_challenge_method", "plain")
		} else {
			q.Set("code_challenge", S256Challenge(c.CodeVerifier))
			q.Set("code_challenge_method", "S256")
		}
	}
	u := *endpoint
	u.RawQuery = q.Encode()
	return c, &u, nil
}

// fromRedirect reads the code from a redirect's Location into c, checking it
// goes to the redirect URI and carries the state sent.
//
// https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
func (a *Authorize) fromRedirect(c *Code, reqURL, redirect *url.URL, location string) error {
	if location == "" {
		return errors.New("codes: authorize: a redirect without a Location header")
	}
	loc, err := reqURL.Parse(location)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its message repeats the Location, code included
		}
		return fmt.Errorf("codes: authorize: the Location header is not a URL: %w", err)
	}
	if !sameEndpoint(loc, redirect) {
		if loc.Query().Get("code") == "" && loc.Query().Get("error") == "" {
			// Most providers send a browser without a session to their own
			// login or consent page.
			if a.hasSession() {
				return mark(ErrLoginPage, fmt.Errorf("codes: authorize: the provider redirected to %q%s (a login or consent page?) instead of to the redirect URI %q with a code, although %s; %s",
					withoutQuery(loc), paramNames(loc.Query()), c.RedirectURI, a.sessionGiven(), sessionHint(reqURL)))
			}
			return mark(ErrLoginPage, fmt.Errorf("codes: authorize: the provider redirected to %q (a login or consent page?) instead of to the redirect URI %q with a code; configure codes.cookies or codes.headers for an authenticated session that has already consented, or use the command or file source", withoutQuery(loc), c.RedirectURI))
		}
		return fmt.Errorf("codes: authorize: the provider redirected to %q, not to the redirect URI %q", withoutQuery(loc), c.RedirectURI)
	}
	return codeFromLocation(c, loc)
}

// codeFromLocation reads the code from loc, a redirect to c's redirect URI,
// into c: an error response is an *AuthorizeError, a state other than
// c.State is ErrStateMismatch.
//
// https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
func codeFromLocation(c *Code, loc *url.URL) error {
	params := loc.Query()
	if !params.Has("code") && !params.Has("error") && loc.Fragment != "" {
		if fp, err := url.ParseQuery(loc.Fragment); err == nil { // response_mode=fragment
			params = fp
		}
	}
	if e := params.Get("error"); e != "" {
		return &AuthorizeError{ErrorCode: e, Description: params.Get("error_description"), URI: params.Get("error_uri")}
	}
	if got := params.Get("state"); got != c.State {
		return mark(ErrStateMismatch, fmt.Errorf("codes: authorize: the redirect's state %q is not the %q sent", got, c.State))
	}
	switch vs := params["code"]; {
	case len(vs) == 0:
		return fmt.Errorf("codes: authorize: the redirect to %q carries neither code nor error", withoutQuery(loc))
	case len(vs) > 1:
		return fmt.Errorf("codes: authorize: the redirect to %q carries %d code parameters", withoutQuery(loc), len(vs))
	case vs[0] == "":
		return fmt.Errorf("codes: authorize: the redirect to %q carries an empty code", withoutQuery(loc))
	default:
		c.Value = vs[0]
	}
	return nil
}

// AuthorizeError is an error response from the authorization endpoint: the
// redirect carried an error parameter instead of a code.
//
// https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
type AuthorizeError struct {
	ErrorCode   string // the error parameter, e.g. "access_denied"
	Description string // error_description, "" when absent
	URI         string // error_uri, "" when absent
}

func (e *AuthorizeError) Error() string {
	s := fmt.Sprintf("codes: authorize: the provider redirected with error %q", e.ErrorCode)
	if e.Description != "" {
		s += fmt.Sprintf(", error_description %q", e.Description)
	}
	if e.URI != "" {
		s += fmt.Sprintf(", error_uri %q", e.URI)
	}
	return s
}

// sameEndpoint reports whether loc goes to the redirect URI: the same
// scheme, host and port (case-insensitively) and the same path. A query the
// redirect URI has is not compared.
func sameEndpoint(loc, redirect *url.URL) bool {
	p := func(u *url.URL) string {
		if u.EscapedPath() == "" {
			return "/"
		}
		return u.EscapedPath()
	}
	return strings.EqualFold(loc.Scheme, redirect.Scheme) &&
		strings.EqualFold(loc.Host, redirect.Host) &&
		p(loc) == p(redirect)
}

// withoutQuery returns u without query, fragment or user info: what may be
// printed of a Location that could carry a code.
func withoutQuery(u *url.URL) string {
	v := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}
	return v.String()
}

// S256Challenge returns the S256 code_challenge of a PKCE verifier:
// BASE64URL(SHA256(verifier)) without padding.
//
// https://www.rfc-editor.org/rfc/rfc7636#section-4.2
func S256Challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// randomString returns n bytes read from r, base64url-encoded without
// padding.
func randomString(r io.Reader, n int) (string, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", fmt.Errorf("codes: reading random bytes: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// lockedReader serialises reads from an io.Reader that may not be safe for
// concurrent use (a seeded test generator).
type lockedReader struct {
	mu sync.Mutex
	r  io.Reader
}

func (l *lockedReader) Read(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Read(p)
}

// excerpt returns b as valid UTF-8 with whitespace collapsed, cut to at most
// n characters ("…" marks a cut).
func excerpt(b []byte, n int) string {
	s := strings.Join(strings.Fields(strings.ToValidUTF8(string(b), "\uFFFD")), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

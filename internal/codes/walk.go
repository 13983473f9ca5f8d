package codes

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"time"
)

// walkRequest is what an authorization walk (the form and hydra sources,
// which follow the provider's pages from the authorization endpoint to the
// redirect URI) is made from.
type walkRequest struct {
	endpoint *url.URL
	params   url.Values
	scope    string
	defaults Options
	rand     io.Reader
	timeout  time.Duration
	cookies  []*http.Cookie
}

// walk is a started authorization walk.
type walk struct {
	ctx      context.Context // bounded by the per-code timeout
	cancel   context.CancelFunc
	code     *Code    // state, nonce and PKCE verifier filled in
	first    *url.URL // the authorization request
	redirect *url.URL // where the walk ends
	jar      *cookiejar.Jar
}

// startWalk defaults and checks the options, builds the authorization
// request with a random state (and nonce and PKCE challenge as asked),
// bounds the walk by the per-code timeout, and gives it a cookie jar of its
// own: a browser per code, because the provider's session and CSRF cookies
// must come back and must not mix between concurrent walks.
func startWalk(ctx context.Context, kind string, r walkRequest, o Options) (*walk, error) {
	if o.ClientID == "" {
		o.ClientID = r.defaults.ClientID
	}
	if o.RedirectURI == "" {
		o.RedirectURI = r.defaults.RedirectURI
	} else if err := checkRedirectURI(o.RedirectURI); err != nil {
		return nil, err
	}
	c, u, err := authRequest(r.endpoint, r.params, r.scope, o, r.rand)
	if err != nil {
		return nil, err
	}
	redirect, _ := url.Parse(o.RedirectURI)
	w := &walk{ctx: ctx, cancel: func() {}, code: c, first: u, redirect: redirect}
	if r.timeout > 0 {
		w.ctx, w.cancel = context.WithTimeoutCause(ctx, r.timeout,
			fmt.Errorf("codes: %s: no code within %s: %w", kind, r.timeout, context.DeadlineExceeded))
	}
	if w.jar, err = cookiejar.New(nil); err != nil {
		w.cancel()
		return nil, fmt.Errorf("codes: %s: %w", kind, err)
	}
	if len(r.cookies) > 0 {
		w.jar.SetCookies(r.endpoint, r.cookies)
	}
	return w, nil
}

package codes

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tokenbench/tokenbench/internal/browser"
	"github.com/tokenbench/tokenbench/internal/yamlfile"
)

// BrowserConfig configures the browser source: the login script a headless
// Chromium runs on the provider's login pages.
type BrowserConfig struct {
	// Executable is the Chromium to run: a path or a name on PATH (default:
	// chromium, chromium-browser, google-chrome, ... on PATH).
	Executable string `yaml:"executable,omitempty"`
	// Parallel is how many logins run at once, each in its own tab
	// (default 1).
	Parallel int `yaml:"parallel,omitempty"`
	// StepTimeout bounds each step's waits (default 10s); a timeout step
	// changes it for the steps after it.
	StepTimeout yamlfile.Duration `yaml:"step_timeout,omitempty"`
	// Steps is the login script; a fill value "env:NAME" is read from the
	// environment.
	Steps []browser.Step `yaml:"steps"`
}

// DefaultBrowserParallel is BrowserConfig.Parallel when not set.
const DefaultBrowserParallel = 1

// validate checks the section on its own.
func (bc *BrowserConfig) validate() []error {
	var errs []error
	if err := browser.Validate(bc.Steps); err != nil {
		errs = append(errs, fmt.Errorf("codes: field \"browser.steps\": %w", err))
	}
	if bc.Parallel < 0 {
		errs = append(errs, fmt.Errorf("codes: field \"browser.parallel\": %d is negative", bc.Parallel))
	}
	if bc.StepTimeout < 0 {
		errs = append(errs, fmt.Errorf("codes: field \"browser.step_timeout\": %s is negative", bc.StepTimeout.D()))
	}
	return errs
}

// resolve returns the steps with every "env:NAME" fill value read through
// lookup, and those values (the secrets to mask). Errors name the step, the
// selector and the variable, never a value.
func (bc *BrowserConfig) resolve(lookup func(string) (string, bool)) ([]browser.Step, []string, error) {
	steps := make([]browser.Step, len(bc.Steps))
	var secrets []string
	var errs []error
	for i, s := range bc.Steps {
		s.Fields = slices.Clone(s.Fields)
		for j, f := range s.Fields {
			if !strings.HasPrefix(f.Value, "env:") {
				continue
			}
			v, err := resolveEnv(f.Value, lookup)
			if err != nil {
				errs = append(errs, fmt.Errorf("codes: field \"browser.steps\": step %d (fill %q): %w", i+1, f.Selector, err))
				continue
			}
			s.Fields[j].Value = v
			if v != "" {
				secrets = append(secrets, v)
			}
		}
		steps[i] = s
	}
	return steps, secrets, errors.Join(errs...)
}

// Browser obtains codes from providers whose login is a JavaScript
// application: it opens the authorization request (state, nonce and PKCE
// as the authorize source builds them) in a tab of a headless Chromium, runs
// the login script, and reads the code from the redirect to the redirect
// URI, which it intercepts: the redirect target is never loaded. One
// Chromium with a fresh profile serves the source's whole life, and each
// tab keeps its cookies, so a session cookie the provider sets makes the
// tab's next code a plain redirect. Safe for concurrent use; at most
// Parallel logins run at once, each in a tab with cookies of its own.
//
// https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
type Browser struct {
	endpoint    *url.URL
	scope       string
	params      url.Values
	steps       []browser.Step
	secrets     []string // the env: values typed
	stepTimeout time.Duration
	timeout     time.Duration
	defaults    Options
	outDir      string // where screenshots go; "" = a temporary directory made on the first failure
	chromium    *browser.Browser

	now      func() time.Time
	rand     *lockedReader
	rec      recorder
	seq      atomic.Int64
	attempts atomic.Int64
	closed   atomic.Bool

	mu     sync.Mutex
	recent []string // the latest codes obtained, masked in errors
	failed error    // the first failed login: later calls fail with it at once
}

// recentCodes is how many of the latest codes a failed login's evidence is
// checked for.
const recentCodes = 64

// newBrowserSource checks the configuration, reads the environment and
// starts Chromium. A missing Chromium or variable is bad input.
func newBrowserSource(cfg Config, d Deps, now func() time.Time) (*Browser, error) {
	if cfg.Browser == nil {
		return nil, errors.New("codes: browser: the browser section is missing")
	}
	var errs []error
	endpoint, err := url.Parse(d.AuthorizationEndpoint)
	if err != nil || !endpoint.IsAbs() || endpoint.Host == "" {
		errs = append(errs, fmt.Errorf("codes: browser: authorization endpoint %q is not an absolute URL", d.AuthorizationEndpoint))
	}
	if d.ClientID == "" {
		errs = append(errs, errors.New("codes: browser: the client id is empty"))
	}
	if err := checkRedirectURI(d.RedirectURI); err != nil {
		errs = append(errs, err)
	}
	steps, secrets, serr := cfg.Browser.resolve(d.LookupEnv)
	cookies, cerr := cfg.CookieList(d.LookupEnv)
	if err := errors.Join(append(errs, serr, cerr)...); err != nil {
		return nil, err
	}
	s := &Browser{
		endpoint:    endpoint,
		scope:       d.Scope,
		params:      cfg.Query(),
		steps:       steps,
		secrets:     secrets,
		stepTimeout: cfg.Browser.StepTimeout.D(),
		timeout:     cfg.Timeout.D(),
		defaults: Options{
			Nonce:       slices.Contains(strings.Fields(d.Scope), "openid"),
			PKCE:        d.PKCE,
			ClientID:    d.ClientID,
			RedirectURI: d.RedirectURI,
		},
		outDir: d.OutDir,
		now:    now,
		rand:   &lockedReader{r: d.Rand},
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.rand.r == nil {
		s.rand.r = rand.Reader
	}
	o := browser.Options{Executable: cfg.Browser.Executable, Tabs: cmp.Or(cfg.Browser.Parallel, DefaultBrowserParallel)}
	for _, c := range cookies {
		o.Cookies = append(o.Cookies, browser.Cookie{URL: endpoint.String(), Name: c.Name, Value: c.Value})
	}
	if s.chromium, err = browser.Launch(o); err != nil {
		if errors.Is(err, browser.ErrNotFound) {
			return nil, fmt.Errorf("codes: field \"browser.executable\": %w", err)
		}
		return nil, fmt.Errorf("codes: browser: %w", err)
	}
	return s, nil
}

// Defaults returns the options Next uses: a nonce when the scope has
// openid, PKCE as configured, the target's client and redirect URI.
func (s *Browser) Defaults() Options { return s.defaults }

// Next obtains a code with the default options.
func (s *Browser) Next(ctx context.Context) (*Code, error) { return s.Authorize(ctx, s.defaults) }

// Stats returns the counts so far. Used equals Obtained: codes are handed
// out as soon as they arrive.
func (s *Browser) Stats() Stats { return s.rec.snapshot() }

// Close stops Chromium and removes its profile; logins under way fail and
// later calls fail with ErrClosed.
func (s *Browser) Close() error {
	s.closed.Store(true)
	return s.chromium.Close()
}

// Authorize logs in through the browser with an authorization request
// varied by o and returns the code from the redirect. The state is random
// and checked. Took is the whole login, from opening the tab to the
// redirect.
func (s *Browser) Authorize(ctx context.Context, o Options) (*Code, error) {
	return s.rec.track(s.authorize(ctx, o))
}

func (s *Browser) authorize(ctx context.Context, o Options) (*Code, error) {
	if s.closed.Load() {
		return nil, errClosed("browser")
	}
	if err := s.failure(); err != nil {
		return nil, err
	}
	ws, err := startWalk(ctx, "browser", walkRequest{s.endpoint, s.params, s.scope, s.defaults, s.rand, s.timeout, nil}, o)
	if err != nil {
		return nil, err
	}
	defer ws.cancel()
	c := ws.code
	attempt := s.attempts.Add(1)
	start := s.now()
	stop, err := s.chromium.Walk(ws.ctx, browser.Walk{
		URL:         ws.first.String(),
		Stop:        ws.redirect,
		IsStop:      func(u *url.URL) bool { return sameEndpoint(u, ws.redirect) },
		Steps:       s.steps,
		StepTimeout: s.stepTimeout,
		Screenshot:  s.screenshot(attempt),
		Secrets:     s.masked(c),
		ShowURL:     redactURL,
	})
	if err != nil {
		return nil, s.walkError(ctx, err)
	}
	done := s.now()
	loc := *stop.URL
	if stop.Method == http.MethodPost && len(stop.Body) > 0 {
		// response_mode=form_post: the parameters are the form.
		loc.RawQuery = string(stop.Body)
	}
	if err := codeFromLocation(c, &loc); err != nil {
		return nil, err
	}
	s.remember(c.Value)
	c.ObtainedAt = done
	c.Took = done.Sub(start)
	c.Seq = int(s.seq.Add(1))
	return c, nil
}

// walkError is the error of a failed login: a step that failed is the
// login script not matching the provider's pages (permanent: the next login
// would fail the same way); a dead browser is permanent too.
func (s *Browser) walkError(ctx context.Context, err error) error {
	var se *browser.StepError
	switch {
	case s.closed.Load():
		return errClosed("browser")
	case errors.As(err, &se):
		err = mark(ErrLoginPage, fmt.Errorf("codes: browser: the login (codes.browser.steps) did not reach the redirect URI: %w", err))
		s.mu.Lock()
		if s.failed == nil {
			s.failed = err
		}
		s.mu.Unlock()
		return err
	case errors.Is(err, browser.ErrExited):
		return mark(ErrBrowserExited, fmt.Errorf("codes: browser: %w", err))
	case ctx.Err() != nil:
		return fmt.Errorf("codes: browser: %w", context.Cause(ctx))
	}
	return fmt.Errorf("codes: browser: %w", err)
}

// Failure returns the first failed login, nil when none failed: the login
// script did not match the provider's pages.
func (s *Browser) Failure() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failed
}

// failure is the first failed login, reported again: every login would wait
// its timeouts out to fail the same way.
func (s *Browser) failure() error {
	if err := s.Failure(); err != nil {
		return mark(ErrLoginPage, fmt.Errorf("codes: browser: no new login tried after a failed one: %w", err))
	}
	return nil
}

// screenshot is where a failed login's screenshot goes: OUT/browser/login-N.png.
func (s *Browser) screenshot(attempt int64) string {
	dir := s.outDir
	if dir == "" {
		dir = os.TempDir()
		return filepath.Join(dir, fmt.Sprintf("tokenbench-browser-%d-login-%d.png", os.Getpid(), attempt))
	}
	return filepath.Join(dir, "browser", fmt.Sprintf("login-%d.png", attempt))
}

// masked is what a failed login's evidence must not show: the env: values
// typed, the request's state, nonce and verifier, and the latest codes.
func (s *Browser) masked(c *Code) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := slices.Concat(s.secrets, s.recent)
	for _, v := range []string{c.State, c.Nonce, c.CodeVerifier} {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

func (s *Browser) remember(code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.recent) == recentCodes {
		s.recent = s.recent[1:]
	}
	s.recent = append(s.recent, code)
}

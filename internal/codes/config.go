package codes

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/tokenbench/tokenbench/internal/yamlfile"
)

// Source kinds, the values of Config.Source.
const (
	SourceAuthorize = "authorize" // the default
	SourceCommand   = "command"
	SourceFile      = "file"
	SourceEmbedded  = "embedded" // authorize against the built-in reference provider
	SourceForm      = "form"     // follow the login/consent pages, filling their forms
	SourceHydra     = "hydra"    // act as Ory Hydra's login and consent app
	SourceBrowser   = "browser"  // log in with a headless Chromium running a script
)

// Config is the `codes:` section of the user's target file.
type Config struct {
	Source   string            `yaml:"source"`             // authorize (default) | command | file | embedded | form | hydra | browser
	Command  []string          `yaml:"command,omitempty"`  // argv for command
	Path     string            `yaml:"path,omitempty"`     // JSON lines file for file; relative to the target file
	Params   map[string]string `yaml:"params,omitempty"`   // extra authorize query parameters
	Headers  map[string]string `yaml:"headers,omitempty"`  // extra authorize request headers; a value "env:NAME" is read from the environment
	Cookies  map[string]string `yaml:"cookies,omitempty"`  // cookies sent to the authorization endpoint; "env:NAME" as above
	PKCE     string            `yaml:"pkce,omitempty"`     // auto | on | off (the caller resolves auto)
	Prefetch int               `yaml:"prefetch,omitempty"` // codes obtained ahead of use (0 = none)
	Parallel int               `yaml:"parallel,omitempty"` // concurrent authorize requests when prefetching (default 1)
	MaxAge   yamlfile.Duration `yaml:"max_age,omitempty"`  // codes older than this are dropped, not used
	Timeout  yamlfile.Duration `yaml:"timeout,omitempty"`  // per code
	Form     *FormConfig       `yaml:"form,omitempty"`     // for source form
	Hydra    *HydraConfig      `yaml:"hydra,omitempty"`    // for source hydra
	Browser  *BrowserConfig    `yaml:"browser,omitempty"`  // for source browser
}

// Validate checks c on its own (no environment, no files) and returns every
// problem found, each naming its field.
func (c *Config) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("codes: field %q: %s", field, fmt.Sprintf(format, args...)))
	}
	switch c.Source {
	case "", SourceAuthorize, SourceEmbedded, SourceCommand, SourceFile, SourceForm, SourceHydra, SourceBrowser:
	default:
		bad("source", "%q is not one of authorize, command, file, embedded, form, hydra, browser", c.Source)
	}
	switch kind := c.kind(); {
	case kind == SourceForm && c.Form == nil:
		bad("form", "source form needs a form section (the field values to fill in)")
	case kind != SourceForm && c.Form != nil:
		bad("form", "is only used with source: form")
	case kind == SourceHydra && (c.Hydra == nil || c.Hydra.AdminURL == ""):
		bad("hydra", "source hydra needs hydra.admin_url")
	case kind != SourceHydra && c.Hydra != nil:
		bad("hydra", "is only used with source: hydra")
	case kind == SourceBrowser && c.Browser == nil:
		bad("browser", "source browser needs a browser section (the login steps)")
	case kind != SourceBrowser && c.Browser != nil:
		bad("browser", "is only used with source: browser")
	case kind == SourceBrowser:
		errs = append(errs, c.Browser.validate()...)
		if len(c.Headers) > 0 {
			bad("headers", "is not used with source: browser (Chromium sends its own headers); give a session in codes.cookies")
		}
		if c.Parallel > 0 {
			bad("parallel", "is not used with source: browser; codes.browser.parallel sets the logins at once")
		}
	}
	kind := c.kind()
	switch {
	case kind == SourceCommand && len(c.Command) == 0:
		bad("command", "source command needs the program to run")
	case kind == SourceCommand && c.Command[0] == "":
		bad("command", "the program name is empty")
	case kind != SourceCommand && len(c.Command) > 0:
		bad("command", "is only used with source: command")
	}
	switch {
	case kind == SourceFile && c.Path == "":
		bad("path", "source file needs the path of the codes file")
	case kind != SourceFile && c.Path != "":
		bad("path", "is only used with source: file")
	}
	if !c.authorizes() {
		for _, f := range []struct {
			name string
			n    int
		}{{"params", len(c.Params)}, {"headers", len(c.Headers)}, {"cookies", len(c.Cookies)}, {"parallel", c.Parallel}} {
			if f.n > 0 {
				bad(f.name, "is only used with source: authorize, embedded, form, hydra or browser")
			}
		}
	}
	for _, k := range sortedKeys(c.Params) {
		if slices.Contains(reservedParams, k) {
			bad("params", "%q is set by the source and cannot be given", k)
		}
	}
	for _, k := range sortedKeys(c.Cookies) {
		if err := (&http.Cookie{Name: k, Value: "v"}).Valid(); err != nil {
			bad("cookies", "%q is not a valid cookie name", k)
		}
	}
	switch c.PKCE {
	case "", "auto", "on", "off":
	default:
		bad("pkce", "%q is not one of auto, on, off", c.PKCE)
	}
	if c.Prefetch < 0 {
		bad("prefetch", "%d is negative", c.Prefetch)
	}
	if c.Parallel < 0 {
		bad("parallel", "%d is negative", c.Parallel)
	}
	return errors.Join(errs...)
}

func (c *Config) kind() string {
	if c.Source == "" {
		return SourceAuthorize
	}
	return c.Source
}

func (c *Config) authorizes() bool {
	k := c.kind()
	return k == SourceAuthorize || k == SourceEmbedded || k == SourceForm || k == SourceHydra || k == SourceBrowser
}

// Query returns Params as url.Values.
func (c *Config) Query() url.Values {
	q := url.Values{}
	for k, v := range c.Params {
		q.Set(k, v)
	}
	return q
}

// Header returns Headers with "env:NAME" values read through lookup
// (os.LookupEnv when nil). A variable that is not set is an error naming the
// header and the variable, never the value.
func (c *Config) Header(lookup func(string) (string, bool)) (http.Header, error) {
	h := http.Header{}
	var errs []error
	for _, k := range sortedKeys(c.Headers) {
		v, err := resolveEnv(c.Headers[k], lookup)
		if err != nil {
			errs = append(errs, fmt.Errorf("codes: field \"headers\": %q: %w", k, err))
			continue
		}
		h.Add(k, v)
	}
	return h, errors.Join(errs...)
}

// CookieList returns Cookies, sorted by name, with "env:NAME" values read
// as for Header.
func (c *Config) CookieList(lookup func(string) (string, bool)) ([]*http.Cookie, error) {
	var out []*http.Cookie
	var errs []error
	for _, k := range sortedKeys(c.Cookies) {
		v, err := resolveEnv(c.Cookies[k], lookup)
		if err != nil {
			errs = append(errs, fmt.Errorf("codes: field \"cookies\": %q: %w", k, err))
			continue
		}
		ck := &http.Cookie{Name: k, Value: v}
		if err := ck.Valid(); err != nil {
			errs = append(errs, fmt.Errorf("codes: field \"cookies\": %q: the value is not a valid cookie value", k))
			continue
		}
		out = append(out, ck)
	}
	return out, errors.Join(errs...)
}

func resolveEnv(v string, lookup func(string) (string, bool)) (string, error) {
	name, ok := strings.CutPrefix(v, "env:")
	if !ok {
		return v, nil
	}
	if lookup == nil {
		lookup = os.LookupEnv
	}
	got, ok := lookup(name)
	if !ok {
		return "", fmt.Errorf("environment variable %q is not set", name)
	}
	return got, nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Deps is what Open needs besides the Config: values from the resolved
// target, and the injected clock, randomness and environment.
type Deps struct {
	AuthorizationEndpoint string // for authorize; for embedded, the built-in provider's
	ClientID              string
	RedirectURI           string
	Scope                 string
	PKCE                  bool // codes.pkce with auto resolved by the caller
	HTTPClient            *http.Client
	BaseDir               string // the target file's directory: a relative Path is read from there
	OutDir                string // where evidence goes (a failed browser login's screenshot); "" = the temporary directory

	Now        func() time.Time            // nil: time.Now
	Rand       io.Reader                   // nil: crypto/rand.Reader
	LookupEnv  func(string) (string, bool) // nil: os.LookupEnv
	OnObtained func(Code)                  // see WithOnObtained
}

// Open validates cfg and builds its source. Authorize and embedded send a
// nonce when the scope includes openid. The source is wrapped in Prefetch
// when cfg asks for prefetching or a maximum age, or d.OnObtained is set.
// The command source is started.
func Open(cfg Config, d Deps) (Source, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	now := d.Now
	if now == nil {
		now = time.Now
	}
	defaults := Code{ClientID: d.ClientID, RedirectURI: d.RedirectURI}
	var src Source
	parallel := cfg.Parallel
	switch cfg.kind() {
	case SourceAuthorize, SourceEmbedded:
		header, herr := cfg.Header(d.LookupEnv)
		cookies, cerr := cfg.CookieList(d.LookupEnv)
		if err := errors.Join(herr, cerr); err != nil {
			return nil, err
		}
		a, err := NewAuthorize(AuthorizeConfig{
			Endpoint: d.AuthorizationEndpoint, ClientID: d.ClientID, RedirectURI: d.RedirectURI, Scope: d.Scope,
			PKCE: d.PKCE, Nonce: slices.Contains(strings.Fields(d.Scope), "openid"),
			Params: cfg.Query(), Header: header, Cookies: cookies, Timeout: cfg.Timeout.D(),
			HTTPClient: d.HTTPClient, Now: now, Rand: d.Rand,
		})
		if err != nil {
			return nil, err
		}
		src = a
	case SourceCommand:
		c, err := NewCommand(cfg.Command, defaults, now)
		if err != nil {
			return nil, err
		}
		src = c
		if cfg.Timeout > 0 {
			src = &timeoutSource{Source: c, timeout: cfg.Timeout.D()}
		}
	case SourceForm:
		f, err := newFormSource(cfg, d, now)
		if err != nil {
			return nil, err
		}
		src = f
	case SourceHydra:
		h, err := newHydraSource(cfg, d, now)
		if err != nil {
			return nil, err
		}
		src = h
	case SourceBrowser:
		b, err := newBrowserSource(cfg, d, now)
		if err != nil {
			return nil, err
		}
		src = b
		parallel = cmp.Or(cfg.Browser.Parallel, DefaultBrowserParallel)
	case SourceFile:
		path := cfg.Path
		if !filepath.IsAbs(path) && d.BaseDir != "" {
			path = filepath.Join(d.BaseDir, path)
		}
		f, err := NewFile(path, defaults, now)
		if err != nil {
			return nil, err
		}
		src = f
	}
	if cfg.Prefetch > 0 || cfg.MaxAge > 0 || d.OnObtained != nil {
		src = Prefetch(src, cfg.Prefetch, cfg.MaxAge.D(), now, WithParallel(parallel), WithOnObtained(d.OnObtained))
	}
	return src, nil
}

// timeoutSource bounds each Next of its Source.
type timeoutSource struct {
	Source
	timeout time.Duration
}

func (t *timeoutSource) Next(ctx context.Context) (*Code, error) {
	ctx, cancel := context.WithTimeoutCause(ctx, t.timeout, fmt.Errorf("no code within %s: %w", t.timeout, context.DeadlineExceeded))
	defer cancel()
	return t.Source.Next(ctx)
}

func (t *timeoutSource) Unwrap() Source { return t.Source }

// Package browser drives a headless Chromium through the DevTools protocol
// to get through login pages that only a browser can: pages rendered by
// JavaScript, one-time-code steps inside iframes. A Walk opens a page in a
// new tab, runs a short script of Steps (wait, fill, click, frame, top,
// sleep, expect_url) and returns the first request the page makes to a stop
// URL, intercepted before it is sent. It knows nothing of OAuth.
//
// Failure is evidence: a step that times out, or a page that is not what the
// steps expect, is a *StepError naming the step, the page's URL, title and
// visible text, with a screenshot.
package browser

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"sync"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// Names are the programs looked up on PATH when no executable is given.
var Names = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"}

// ErrNotFound: no Chromium to run.
var ErrNotFound = errors.New("browser: Chromium not found")

// ErrExited: the browser process is gone.
var ErrExited = errors.New("browser: Chromium exited")

// Find returns the Chromium to run: executable when given (a path, or a
// name looked up on PATH), else the first of Names on PATH.
func Find(executable string) (string, error) {
	if executable != "" {
		p, err := exec.LookPath(executable)
		if err != nil {
			return "", fmt.Errorf("%w: %q: %v", ErrNotFound, executable, errors.Unwrap(err))
		}
		return p, nil
	}
	for _, n := range Names {
		if p, err := exec.LookPath(n); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w on PATH (looked for %s); install it (Debian: apt-get install chromium) or give its path", ErrNotFound, fmt.Sprint(Names))
}

// Options configure Launch.
type Options struct {
	Executable string   // a path or a name on PATH; "" = the first of Names on PATH
	Tabs       int      // at most this many walks at once, each in its own tab (default 1)
	Cookies    []Cookie // set in every tab before its first walk
}

// Cookie is a cookie set in each tab before its first walk.
type Cookie struct {
	URL, Name, Value string // URL: the cookie's scope, e.g. the authorization endpoint
}

// flags are Chromium's command line: headless, no sandbox (tokenbench often
// runs as root in CI), no traffic of its own (updates, sync, QUIC probes) on
// a closed network, and site isolation off so that a cross-site iframe (a
// BankID client) stays in the page's process, where frame steps reach it and
// the page's request interception sees its requests.
func flags() []chromedp.ExecAllocatorOption {
	return []chromedp.ExecAllocatorOption{
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-breakpad", true),
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("disable-features", "SitePerProcess,IsolateOrigins,Translate,OptimizationHints,MediaRouter"),
		chromedp.Flag("disable-site-isolation-trials", true),
		chromedp.WindowSize(1024, 900),
	}
}

// Browser is one Chromium process with a fresh profile (a new user data
// directory, removed on Close). Each tab has cookies of its own (a browser
// context, as a private window has), so that logins in parallel tabs do
// not take each other's login cookies; a tab that ended a walk at its stop
// serves the next walk with its cookies (the session it got), and opening
// a tab costs more than most logins. Safe for concurrent use.
type Browser struct {
	path    string
	ctx     context.Context // the browser's chromedp context
	stop    func()
	tabs    chan struct{}   // a token per walk under way
	idle    chan *pooledTab // tabs ready for the next walk
	cookies []Cookie        // set in every new tab
	closed  chan struct{}
	once    sync.Once
}

// pooledTab is a tab and the cancel func that closes it.
type pooledTab struct {
	ctx   context.Context
	close context.CancelFunc
}

// Launch starts Chromium and waits until it answers. Close stops it.
func Launch(o Options) (*Browser, error) {
	path, err := Find(o.Executable)
	if err != nil {
		return nil, err
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append(flags(), chromedp.ExecPath(path))...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	b := &Browser{
		path:    path,
		ctx:     ctx,
		stop:    func() { cancelCtx(); cancelAlloc() },
		tabs:    make(chan struct{}, max(o.Tabs, 1)),
		cookies: o.Cookies,
		idle:    make(chan *pooledTab, max(o.Tabs, 1)),
		closed:  make(chan struct{}),
	}
	if err := chromedp.Do(ctx); err != nil {
		b.stop()
		return nil, fmt.Errorf("browser: starting %s: %w", path, err)
	}
	return b, nil
}

// Path is the Chromium executable running.
func (b *Browser) Path() string { return b.path }

// Name is the executable's base name, for messages.
func (b *Browser) Name() string { return filepath.Base(b.path) }

// Close stops Chromium, closing every tab, and removes its profile. Walks
// under way fail.
func (b *Browser) Close() error {
	b.once.Do(func() {
		close(b.closed)
		b.stop()
	})
	return nil
}

// tab returns an idle tab, or opens one.
func (b *Browser) tab() (*pooledTab, error) {
	select {
	case t := <-b.idle:
		return t, nil
	default:
	}
	// A window of its own (a background tab gets no animation frames) in a
	// browser context of its own (cookies).
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		return nil, b.died(fmt.Errorf("browser: opening a tab: %w", err))
	}
	if len(b.cookies) > 0 {
		cs := make([]*network.CookieParam, len(b.cookies))
		for i, c := range b.cookies {
			cs[i] = &network.CookieParam{Name: c.Name, Value: c.Value, URL: c.URL}
		}
		if _, err := chromedp.Call(ctx, network.SetCookies, network.SetCookiesParams{Cookies: cs}); err != nil {
			cancel()
			return nil, b.died(fmt.Errorf("browser: setting the cookies: %w", err))
		}
	}
	return &pooledTab{ctx: ctx, close: cancel}, nil
}

// release keeps t for the next walk, or closes it.
func (b *Browser) release(t *pooledTab, keep bool) {
	if keep && b.alive() == nil {
		select {
		case b.idle <- t:
			return
		default:
		}
	}
	t.close()
}

// alive reports an error matching ErrExited when the browser is closed or
// its process is gone.
func (b *Browser) alive() error {
	select {
	case <-b.closed:
		return fmt.Errorf("%w: closed", ErrExited)
	default:
	}
	if b.ctx.Err() != nil {
		return fmt.Errorf("%w: %s", ErrExited, b.path)
	}
	return nil
}

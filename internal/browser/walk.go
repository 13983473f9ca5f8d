package browser

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// DefaultStepTimeout bounds each step's waits when Walk.StepTimeout is 0.
const DefaultStepTimeout = 10 * time.Second

// pollEvery is how often a wait looks at the page again.
const pollEvery = 25 * time.Millisecond

// Walk is one trip through a login.
type Walk struct {
	URL string // the page to open
	// Stop is where the walk ends: the first request whose scheme, host and
	// path are Stop's (IsStop, when set, decides) is intercepted, never
	// sent, and returned.
	Stop   *url.URL
	IsStop func(*url.URL) bool
	Steps  []Step
	// StepTimeout bounds each step's waits, and the wait for the stop after
	// the last step (0: DefaultStepTimeout).
	StepTimeout time.Duration
	// Screenshot is the file a failed walk's screenshot is written to; ""
	// takes none.
	Screenshot string
	// Secrets are masked wherever an error or a screenshot could show them
	// (the values typed, codes).
	Secrets []string
	// ShowURL renders a URL for an error message; nil shows it without its
	// query and fragment.
	ShowURL func(*url.URL) string
}

// Stopped is the request to the stop URL that ended a walk. It was never sent.
type Stopped struct {
	Method string
	URL    *url.URL // with the fragment, when the redirect had one
	Body   []byte   // a POSTed form (response_mode=form_post)
}

// walk is a Walk under way in its tab.
type walk struct {
	Walk
	tab     *tab
	tabCtx  context.Context // the tab's chromedp context
	ctx     context.Context // tabCtx, cancelled with the caller's
	frames  []string        // iframe selectors entered
	frameID cdp.FrameID     // the frame they lead to, "" until resolved
	stopped chan struct{}
	once    sync.Once
	stop    *Stopped
}

// Walk opens w.URL in a tab of its own (a new one, or one an earlier walk
// ended at its stop), runs w.Steps and returns the request the page made to
// w.Stop. A walk that reaches the stop before its last step (a session
// cookie made the login unnecessary) ends there, successfully. It waits
// for a free tab first (Options.Tabs). Safe for concurrent use.
func (b *Browser) Walk(ctx context.Context, w Walk) (*Stopped, error) {
	if err := b.alive(); err != nil {
		return nil, err
	}
	if w.StepTimeout <= 0 {
		w.StepTimeout = DefaultStepTimeout
	}
	if w.IsStop == nil {
		w.IsStop = func(u *url.URL) bool { return sameURL(u, w.Stop) }
	}
	if w.ShowURL == nil {
		w.ShowURL = func(u *url.URL) string { return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String() }
	}
	select {
	case b.tabs <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("browser: waiting for a free tab: %w", context.Cause(ctx))
	case <-b.closed:
		return nil, b.alive()
	}
	defer func() { <-b.tabs }()

	t, err := b.tab()
	if err != nil {
		return nil, err
	}
	// Every wait has its bound; the whole walk has their sum, so that a
	// browser that stops answering cannot hold a walk for ever.
	bound := w.bound()
	callCtx, cancel := context.WithTimeoutCause(t.ctx, bound,
		fmt.Errorf("Chromium did not answer within %s, the sum of the steps' time: %w", bound, context.DeadlineExceeded))
	defer cancel()
	defer context.AfterFunc(ctx, cancel)()

	r := &walk{Walk: w, tabCtx: t.ctx, ctx: callCtx, stopped: make(chan struct{})}
	stop, err := r.run(ctx)
	// A tab that got to its stop is at a known place; any other is closed.
	cancel()
	b.release(t, err == nil)
	if err != nil && ctx.Err() == nil {
		err = b.died(err)
	}
	return stop, err
}

// died marks err as ErrExited when the browser is gone.
func (b *Browser) died(err error) error {
	if a := b.alive(); a != nil && !errors.Is(err, ErrExited) {
		return fmt.Errorf("%w (%v)", a, err)
	}
	return err
}

func (r *walk) run(ctx context.Context) (*Stopped, error) {
	paused := chromedp.Events(r.ctx, fetch.RequestPaused)
	if _, err := chromedp.Call(r.ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: stopPattern(r.Stop)}}}); err != nil {
		return nil, fmt.Errorf("browser: intercepting the requests to %s: %w", r.ShowURL(r.Stop), err)
	}
	go r.intercept(paused)
	var err error
	if r.tab, err = newTab(r.ctx); err != nil {
		return nil, fmt.Errorf("browser: reading the tab's frames: %w", err)
	}

	navCtx, cancel := context.WithTimeout(r.ctx, r.StepTimeout)
	nav, err := chromedp.Call(navCtx, page.Navigate, page.NavigateParams{URL: r.URL})
	late := navCtx.Err() != nil && r.ctx.Err() == nil
	cancel()
	if r.done() {
		return r.stop, nil
	}
	switch {
	case late:
		err = fmt.Errorf("the page did not load within %s", r.StepTimeout)
	case err == nil && nav.ErrorText != "":
		err = errors.New(nav.ErrorText)
	}
	if err != nil {
		return nil, r.fail(ctx, 0, "opening the page", err)
	}
	for i, s := range r.Steps {
		if err := r.step(ctx, s); err != nil {
			if errors.Is(err, errStopped) {
				return r.stop, nil
			}
			return nil, r.fail(ctx, i+1, s.String(), err)
		}
	}
	err = r.until(ctx, r.StepTimeout, func(context.Context) error { return retry("") }, nil)
	if errors.Is(err, errStopped) {
		return r.stop, nil
	}
	var te *errTimeout
	if errors.As(err, &te) {
		err = fmt.Errorf("the page did not go to %s within %s", r.ShowURL(r.Stop), r.StepTimeout)
	}
	return nil, r.fail(ctx, len(r.Steps)+1, "waiting for the redirect", err)
}

// errStopped ends a wait: the page went to the stop URL.
var errStopped = errors.New("browser: stopped")

func (r *walk) done() bool {
	select {
	case <-r.stopped:
		return true
	default:
		return false
	}
}

// intercept answers the paused requests: the first to the stop URL is
// recorded and failed (never sent); the others go on. The answers are sent
// on the tab's context, not the walk's: a request left paused would hold
// the tab's next navigation.
func (r *walk) intercept(paused iter.Seq2[fetch.EventRequestPaused, error]) {
	for ev, err := range paused {
		if err != nil {
			return
		}
		ctx, cancel := context.WithTimeout(r.tabCtx, answerTimeout)
		u, perr := url.Parse(ev.Request.URL + ev.Request.URLFragment)
		if perr == nil && r.IsStop(u) {
			// Stopped first: the navigation the failure aborts must find
			// the walk stopped.
			r.once.Do(func() {
				s := &Stopped{Method: ev.Request.Method, URL: u}
				for _, e := range ev.Request.PostDataEntries {
					s.Body = append(s.Body, e.Bytes...)
				}
				r.stop = s
				close(r.stopped)
			})
			_, _ = chromedp.Call(ctx, fetch.FailRequest, fetch.FailRequestParams{RequestID: ev.RequestID, ErrorReason: network.ErrorReasonAborted})
		} else {
			_, _ = chromedp.Call(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
		}
		cancel()
	}
}

// answerTimeout bounds the answer to a paused request.
const answerTimeout = 10 * time.Second

// until polls f every pollEvery until it returns nil, a permanent error, or
// d passes (an *errTimeout saying what explain says then, or else what f
// said last). It returns errStopped as soon as the page goes to the stop
// URL.
func (r *walk) until(ctx context.Context, d time.Duration, f func(context.Context) error, explain func(context.Context) string) error {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	var last error
	for {
		if r.done() {
			return errStopped
		}
		err := f(r.ctx)
		switch {
		case r.done():
			return errStopped
		case err == nil:
			return nil
		case r.ctx.Err() != nil:
			return r.cause(ctx)
		case !isNotReady(err):
			return err
		}
		last = err
		select {
		case <-r.stopped:
			return errStopped
		case <-ctx.Done():
			return r.cause(ctx)
		case <-deadline.C:
			why := last.Error()
			if explain != nil {
				if e := explain(r.ctx); e != "" {
					why = e
				}
			}
			return &errTimeout{d: d, why: why}
		case <-tick.C:
		}
	}
}

// cause is why the caller's context ended.
func (r *walk) cause(ctx context.Context) error {
	if err := context.Cause(ctx); err != nil {
		return err
	}
	return context.Cause(r.ctx)
}

// bound is the most a walk may take: opening the page, every step's waits
// (and sleeps), the wait for the stop after the last step, and a margin.
func (w *Walk) bound() time.Duration {
	d := w.StepTimeout
	total := 2 * d // opening the page, and the margin
	for _, s := range w.Steps {
		switch s.Kind {
		case Timeout:
			d = s.Duration
		case Sleep:
			total += s.Duration
		default:
			total += d
		}
	}
	return total + d
}

// step runs one step.
func (r *walk) step(ctx context.Context, s Step) error {
	switch s.Kind {
	case Top:
		r.frames, r.frameID = nil, ""
		return nil
	case Timeout:
		r.StepTimeout = s.Duration
		return nil
	case Sleep:
		t := time.NewTimer(s.Duration)
		defer t.Stop()
		select {
		case <-t.C:
			return nil
		case <-r.stopped:
			return errStopped
		case <-ctx.Done():
			return r.cause(ctx)
		}
	case ExpectURL:
		return r.until(ctx, r.StepTimeout, func(ctx context.Context) error {
			u, err := r.tab.url(ctx)
			if err != nil {
				return err
			}
			if !matchURL(s.Pattern, u) {
				return retry("the page's URL does not match %q", s.Pattern)
			}
			return nil
		}, nil)
	case Frame:
		chain := append(r.frames[:len(r.frames):len(r.frames)], s.Selector)
		err := r.until(ctx, r.StepTimeout, func(ctx context.Context) error {
			id, err := r.tab.frame(ctx, chain)
			if err != nil {
				return err
			}
			// The frame counts as entered once its document answers.
			_, err = r.tab.state(ctx, id)
			return err
		}, nil)
		if err == nil {
			r.frames, r.frameID = chain, ""
		}
		return err
	}
	// wait, click, fill: one element after the other, all within the
	// step's time.
	deadline := time.Now().Add(r.StepTimeout)
	targets := []Field{{Selector: s.Selector}}
	if s.Kind == Fill {
		targets = s.Fields
	}
	for _, f := range targets {
		enabled := s.Kind != Wait
		err := r.until(ctx, time.Until(deadline), func(ctx context.Context) error {
			frame, err := r.frame(ctx)
			if err != nil {
				return err
			}
			obj, err := r.tab.find(ctx, frame, f.Selector, enabled)
			if err == nil {
				switch s.Kind {
				case Click:
					err = r.tab.click(ctx, obj)
				case Fill:
					err = r.tab.typeInto(ctx, obj, f.Value)
				}
			}
			if isStale(err) {
				r.frameID = "" // the iframe may have been replaced: find it again
			}
			return err
		}, func(ctx context.Context) string {
			frame, err := r.frame(ctx)
			if err != nil {
				return err.Error()
			}
			if why := r.tab.diagnose(ctx, frame, f.Selector, enabled); why != "" {
				return fmt.Sprintf("%q: %s", f.Selector, why)
			}
			return ""
		})
		var te *errTimeout
		if errors.As(err, &te) {
			te.d = r.StepTimeout
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// stopPattern is the request pattern intercepting the requests to stop (any
// query): scheme, host as a browser writes it (lower case, no default
// port) and path, with the pattern's wildcards escaped.
func stopPattern(stop *url.URL) string {
	host := strings.ToLower(stop.Hostname())
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	scheme := strings.ToLower(stop.Scheme)
	if p := stop.Port(); p != "" && !(scheme == "http" && p == "80") && !(scheme == "https" && p == "443") {
		host += ":" + p
	}
	path := stop.EscapedPath()
	if path == "" {
		path = "/"
	}
	esc := strings.NewReplacer(`\`, `\\`, "*", `\*`, "?", `\?`)
	return esc.Replace(scheme+"://"+host+path) + "*"
}

// sameURL reports whether u goes to stop: same scheme, host and port
// (case-insensitively, default ports implied) and path.
func sameURL(u, stop *url.URL) bool {
	return stopPattern(u) == stopPattern(stop)
}

// frame returns the frame the steps act in: the main frame, or the one the
// frame steps lead to, resolved once (and again after it went away).
func (r *walk) frame(ctx context.Context) (cdp.FrameID, error) {
	if len(r.frames) == 0 {
		return r.tab.main, nil
	}
	if r.frameID != "" {
		return r.frameID, nil
	}
	id, err := r.tab.frame(ctx, r.frames)
	if err == nil {
		r.frameID = id
	}
	return id, err
}

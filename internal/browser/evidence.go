package browser

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// View is what a page (or a frame in it) showed when a walk failed, with
// every secret masked.
type View struct {
	URL, Title, Text string
}

// StepError is a walk that failed: a step that did not complete, with what
// the page showed. Err is why.
type StepError struct {
	Step  int    // 1-based; 0 while opening the page, len(steps)+1 after the last step
	Steps int    // how many steps the walk has
	What  string // the step (Step.String), or what the walk was doing
	In    []string
	Err   error
	Page  View  // the page
	Frame *View // the frame the step acted in, when it was in one
	// Screenshot is the path of the screenshot written, "" when none was
	// (ScreenshotErr says why, when one was asked for).
	Screenshot    string
	ScreenshotErr error
}

func (e *StepError) Error() string {
	var b strings.Builder
	switch {
	case e.Step == 0:
		fmt.Fprintf(&b, "browser: %s", e.What)
	case e.Step > e.Steps:
		fmt.Fprintf(&b, "browser: after the last of %d steps, %s", e.Steps, e.What)
	default:
		fmt.Fprintf(&b, "browser: step %d of %d, %s", e.Step, e.Steps, e.What)
	}
	if len(e.In) > 0 {
		fmt.Fprintf(&b, " (in frame %s)", strings.Join(quoteAll(e.In), " > "))
	}
	fmt.Fprintf(&b, ": %v; page %s", e.Err, e.Page.describe())
	if e.Frame != nil {
		fmt.Fprintf(&b, "; frame %s", e.Frame.describe())
	}
	switch {
	case e.Screenshot != "":
		fmt.Fprintf(&b, "; screenshot %s", e.Screenshot)
	case e.ScreenshotErr != nil:
		fmt.Fprintf(&b, "; no screenshot: %v", e.ScreenshotErr)
	}
	return b.String()
}

func (e *StepError) Unwrap() error { return e.Err }

func (f View) describe() string {
	s := f.URL
	if s == "" {
		s = "(unknown URL)"
	}
	if f.Title != "" {
		s += fmt.Sprintf(" (title %q)", f.Title)
	}
	if f.Text != "" {
		s += fmt.Sprintf(", text %q", f.Text)
	} else {
		s += ", no visible text"
	}
	return s
}

// errTimeout is a wait that ran out of time.
type errTimeout struct {
	d   time.Duration
	why string
}

func (e *errTimeout) Error() string {
	if e.why == "" {
		return fmt.Sprintf("not done within %s", e.d)
	}
	return fmt.Sprintf("%s (waited %s)", e.why, e.d)
}

// fail gathers the evidence of a failed step: the page's and the frame's
// URL, title and text, and a screenshot, every secret masked. When the
// caller gave up (rather than ran out of time), it is just the cause.
func (r *walk) fail(ctx context.Context, step int, what string, err error) error {
	if ctx.Err() != nil && !errors.Is(context.Cause(ctx), context.DeadlineExceeded) {
		return fmt.Errorf("browser: step %d of %d, %s: %w", step, len(r.Steps), what, context.Cause(ctx))
	}
	// The caller's context may be over: the evidence has time of its own.
	ectx, cancel := context.WithTimeout(r.tabCtx, 10*time.Second)
	defer cancel()
	// A page still loading holds the screenshot: stop it where it is.
	sctx, scancel := context.WithTimeout(ectx, time.Second)
	_, _ = chromedp.Call(sctx, page.StopLoading, cdp.Empty{})
	scancel()
	e := &StepError{Step: step, Steps: len(r.Steps), What: what, In: r.frames, Err: r.maskErr(err)}
	e.Page = r.show(r.read(ectx, func(ctx context.Context) (state, error) { return r.tab.state(ctx, r.tab.main) }))
	if len(r.frames) > 0 {
		f := r.show(r.read(ectx, func(ctx context.Context) (state, error) {
			id, err := r.tab.frame(ctx, r.frames)
			if err != nil {
				return state{}, err
			}
			return r.tab.state(ctx, id)
		}))
		e.Frame = &f
	}
	if r.Screenshot != "" {
		r.tab.mask(ectx, r.Secrets)
		png, err := r.tab.screenshot(ectx)
		if err == nil {
			err = os.MkdirAll(filepath.Dir(r.Screenshot), 0o755)
		}
		if err == nil {
			err = os.WriteFile(r.Screenshot, png, 0o644)
		}
		if err != nil {
			e.ScreenshotErr = err
		} else {
			e.Screenshot = r.Screenshot
		}
	}
	return e
}

// read reads a frame's state, trying again while the page changes; at
// worst it has the main frame's URL.
func (r *walk) read(ctx context.Context, f func(context.Context) (state, error)) state {
	for range 3 {
		s, err := f(ctx)
		if err == nil {
			return s
		}
		if !isNotReady(err) || ctx.Err() != nil {
			break
		}
		time.Sleep(pollEvery)
	}
	u, _ := r.tab.url(ctx)
	return state{URL: u}
}

// show is what an error may show of a frame: the URL as ShowURL renders it,
// the title, and the visible text cut to 300 characters, secrets masked.
func (r *walk) show(s state) View {
	f := View{Title: r.mask(s.Title), Text: r.mask(excerpt(s.Text, 300))}
	if u, err := url.Parse(s.URL); err == nil && s.URL != "" {
		f.URL = r.mask(r.ShowURL(u))
	}
	return f
}

// Mask replaces a secret in a message.
const Mask = "[REDACTED]"

func (r *walk) mask(s string) string {
	for _, x := range r.Secrets {
		if x != "" {
			s = strings.ReplaceAll(s, x, Mask)
		}
	}
	return s
}

// maskErr is err with every secret masked out of its message.
func (r *walk) maskErr(err error) error {
	if m := r.mask(err.Error()); m != err.Error() {
		return errors.New(m)
	}
	return err
}

// excerpt collapses whitespace and cuts s to n characters ("…" marks a cut).
func excerpt(s string, n int) string {
	s = strings.Join(strings.Fields(strings.ToValidUTF8(s, "\uFFFD")), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strconv.Quote(s)
	}
	return out
}

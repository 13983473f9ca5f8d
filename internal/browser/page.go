package browser

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// tab is one open tab: its frames are reached through isolated JavaScript
// worlds of tokenbench's own, so that the page's scripts neither see nor
// disturb what the steps do. Not safe for concurrent use.
type tab struct {
	main   cdp.FrameID
	worlds map[cdp.FrameID]runtime.ExecutionContextID
}

// notReady is a condition a wait polls past: the element, frame or page is
// not there yet, or (stale) a frame or its document was replaced under the
// call.
type notReady struct {
	why   string
	stale bool
}

func (e *notReady) Error() string { return e.why }

func retry(format string, args ...any) error { return &notReady{why: fmt.Sprintf(format, args...)} }

func stale(format string, args ...any) error {
	return &notReady{why: fmt.Sprintf(format, args...), stale: true}
}

// pageError is a JavaScript exception thrown by the steps' own code: a
// selector that is not valid CSS. Waiting does not change it.
type pageError struct{ msg string }

func (e *pageError) Error() string { return e.msg }

// newTab learns the tab's main frame.
func newTab(ctx context.Context) (*tab, error) {
	tree, err := chromedp.Call(ctx, page.GetFrameTree, cdp.Empty{})
	if err != nil {
		return nil, err
	}
	return &tab{main: tree.FrameTree.Frame.ID, worlds: map[cdp.FrameID]runtime.ExecutionContextID{}}, nil
}

// world returns tokenbench's isolated world in frame, creating it when the
// frame has none (or its document was replaced).
func (t *tab) world(ctx context.Context, frame cdp.FrameID) (runtime.ExecutionContextID, error) {
	if id, ok := t.worlds[frame]; ok {
		return id, nil
	}
	res, err := chromedp.Call(ctx, page.CreateIsolatedWorld, page.CreateIsolatedWorldParams{FrameID: frame, WorldName: "tokenbench"})
	if err != nil {
		return 0, stale("the frame is not ready: %v", err)
	}
	t.worlds[frame] = res.ExecutionContextID
	return res.ExecutionContextID, nil
}

// eval evaluates expr in frame: by value into out when out is not nil,
// else returning the object (ObjectID "" for null).
func (t *tab) eval(ctx context.Context, frame cdp.FrameID, expr string, out any) (*runtime.RemoteObject, error) {
	id, err := t.world(ctx, frame)
	if err != nil {
		return nil, err
	}
	byValue := out != nil
	res, err := chromedp.Call(ctx, runtime.Evaluate, runtime.EvaluateParams{
		Expression: expr, ContextID: id, ReturnByValue: &byValue, ObjectGroup: "tokenbench",
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil, err
		}
		delete(t.worlds, frame) // navigated away: a new document, a new world
		return nil, stale("the page changed: %v", err)
	}
	if ex := res.ExceptionDetails; ex != nil {
		msg := ex.Text
		if ex.Exception != nil && ex.Exception.Description != "" {
			msg = firstLine(ex.Exception.Description)
		}
		return nil, &pageError{msg}
	}
	if out != nil && len(res.Result.Value) > 0 {
		if err := json.Unmarshal([]byte(res.Result.Value), out); err != nil {
			return nil, fmt.Errorf("browser: decoding a result from the page: %w", err)
		}
	}
	return res.Result, nil
}

// frame resolves a chain of iframe selectors from the main frame to the
// frame the steps act in.
func (t *tab) frame(ctx context.Context, chain []string) (cdp.FrameID, error) {
	id := t.main
	for _, sel := range chain {
		obj, err := t.eval(ctx, id, "document.querySelector("+jsString(sel)+")", nil)
		if err != nil {
			return "", err
		}
		if obj.ObjectID == "" {
			return "", retry("no element matches the frame selector %q", sel)
		}
		d, err := chromedp.Call(ctx, dom.DescribeNode, dom.DescribeNodeParams{ObjectID: obj.ObjectID})
		if err != nil {
			return "", retry("the frame %q is not ready: %v", sel, err)
		}
		if n := d.Node.NodeName; n != "IFRAME" && n != "FRAME" {
			return "", &pageError{fmt.Sprintf("the frame selector %q matches a <%s>, not an <iframe>", sel, strings.ToLower(n))}
		}
		if d.Node.FrameID == "" {
			return "", retry("the iframe %q has no document yet", sel)
		}
		id = d.Node.FrameID
	}
	return id, nil
}

// findJS returns the first element matching a selector when it is visible
// (and enabled, when asked), else null.
const findJS = `(function (sel, enabled) {
	const el = document.querySelector(sel);
	if (!el) return null;
	const r = el.getBoundingClientRect();
	if (r.width === 0 || r.height === 0) return null;
	const s = getComputedStyle(el);
	if (s.visibility === 'hidden' || s.display === 'none') return null;
	if (enabled && el.disabled) return null;
	return el;
})(%s, %t)`

// diagnoseJS says why findJS finds nothing.
const diagnoseJS = `(function (sel, enabled) {
	const all = document.querySelectorAll(sel);
	if (all.length === 0) return 'no element matches';
	const el = all[0];
	const r = el.getBoundingClientRect();
	const s = getComputedStyle(el);
	if (r.width === 0 || r.height === 0 || s.visibility === 'hidden' || s.display === 'none')
		return 'the element (<' + el.tagName.toLowerCase() + '>) is there but not visible';
	if (enabled && el.disabled) return 'the element (<' + el.tagName.toLowerCase() + '>) is disabled';
	return '';
})(%s, %t)`

// find returns the visible element matching sel in frame.
func (t *tab) find(ctx context.Context, frame cdp.FrameID, sel string, enabled bool) (runtime.RemoteObjectID, error) {
	obj, err := t.eval(ctx, frame, fmt.Sprintf(findJS, jsString(sel), enabled), nil)
	if err != nil {
		return "", err
	}
	if obj.ObjectID == "" {
		return "", retry("no visible element matches %q", sel)
	}
	return obj.ObjectID, nil
}

// diagnose says why sel finds no usable element in frame, "" when unknown.
func (t *tab) diagnose(ctx context.Context, frame cdp.FrameID, sel string, enabled bool) string {
	var why string
	if _, err := t.eval(ctx, frame, fmt.Sprintf(diagnoseJS, jsString(sel), enabled), &why); err != nil {
		return ""
	}
	return why
}

// click clicks the element with the mouse, at its centre, as a person
// would: the page sees trusted mousedown, mouseup and click events.
func (t *tab) click(ctx context.Context, obj runtime.RemoteObjectID) error {
	if _, err := chromedp.Call(ctx, dom.ScrollIntoViewIfNeeded, dom.ScrollIntoViewIfNeededParams{ObjectID: obj}); err != nil {
		return retry("scrolling to the element: %v", err)
	}
	q, err := chromedp.Call(ctx, dom.GetContentQuads, dom.GetContentQuadsParams{ObjectID: obj})
	if err != nil || len(q.Quads) == 0 || len(q.Quads[0]) < 8 {
		return retry("the element has no box on the screen")
	}
	var x, y float64
	for i := 0; i < 8; i += 2 {
		x += q.Quads[0][i] / 4
		y += q.Quads[0][i+1] / 4
	}
	for _, ev := range []input.DispatchMouseEventParams{
		{Type: input.DispatchMouseEventTypeMouseMoved, X: x, Y: y},
		{Type: input.DispatchMouseEventTypeMousePressed, X: x, Y: y, Button: input.MouseButtonLeft, Buttons: 1, ClickCount: 1},
		{Type: input.DispatchMouseEventTypeMouseReleased, X: x, Y: y, Button: input.MouseButtonLeft, ClickCount: 1},
	} {
		if _, err := chromedp.Call(ctx, input.DispatchMouseEvent, ev); err != nil {
			return fmt.Errorf("browser: clicking: %w", err)
		}
	}
	return nil
}

// typeInto focuses the element, selects what it holds and types value key
// by key, so that the page sees trusted keydown, input and keyup events.
func (t *tab) typeInto(ctx context.Context, obj runtime.RemoteObjectID, value string) error {
	focus := `function () { this.focus(); try { if (typeof this.select === 'function') this.select(); } catch (e) {} }`
	if _, err := chromedp.Call(ctx, runtime.CallFunctionOn, runtime.CallFunctionOnParams{FunctionDeclaration: focus, ObjectID: obj}); err != nil {
		return retry("focusing the element: %v", err)
	}
	if _, err := chromedp.Call(ctx, dom.Focus, dom.FocusParams{ObjectID: obj}); err != nil {
		return retry("focusing the element: %v", err)
	}
	if value == "" {
		// Select-then-delete empties a field that must be empty.
		value = "\b"
	}
	for _, r := range value {
		for _, ev := range kb.Encode(r) {
			if _, err := chromedp.Call(ctx, input.DispatchKeyEvent, *ev); err != nil {
				return fmt.Errorf("browser: typing: %w", err)
			}
		}
	}
	return nil
}

// state is what a frame shows: its URL, title and visible text.
type state struct {
	URL   string `json:"url"`
	Title string `json:"title"`
	Text  string `json:"text"`
}

const stateJS = `({url: location.href, title: document.title, text: document.body ? document.body.innerText : ''})`

// state reads a frame's URL, title and visible text.
func (t *tab) state(ctx context.Context, frame cdp.FrameID) (state, error) {
	var s state
	_, err := t.eval(ctx, frame, stateJS, &s)
	return s, err
}

// url returns the main frame's URL, with its fragment.
func (t *tab) url(ctx context.Context) (string, error) {
	tree, err := chromedp.Call(ctx, page.GetFrameTree, cdp.Empty{})
	if err != nil {
		return "", retry("reading the page's URL: %v", err)
	}
	return tree.FrameTree.Frame.URL + tree.FrameTree.Frame.URLFragment, nil
}

// maskJS replaces every secret in the page's inputs and text with a mask.
const maskJS = `(function (secrets) {
	const has = (s) => secrets.some((x) => s.includes(x));
	const mask = (s) => { for (const x of secrets) s = s.split(x).join('[REDACTED]'); return s; };
	for (const el of document.querySelectorAll('input, textarea')) if (has(el.value)) el.value = mask(el.value);
	if (!document.body) return;
	const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
	for (let n = w.nextNode(); n; n = w.nextNode()) if (has(n.data)) n.data = mask(n.data);
})(%s)`

// mask hides secrets in every frame of the tab, before a screenshot.
func (t *tab) mask(ctx context.Context, secrets []string) {
	if len(secrets) == 0 {
		return
	}
	tree, err := chromedp.Call(ctx, page.GetFrameTree, cdp.Empty{})
	if err != nil {
		return
	}
	list, _ := json.Marshal(secrets)
	var walk func(*page.FrameTree)
	walk = func(ft *page.FrameTree) {
		var none any
		_, _ = t.eval(ctx, ft.Frame.ID, fmt.Sprintf(maskJS, list), &none)
		for _, c := range ft.ChildFrames {
			walk(c)
		}
	}
	walk(tree.FrameTree)
}

// screenshot returns a PNG of the tab's viewport.
func (t *tab) screenshot(ctx context.Context) ([]byte, error) {
	res, err := chromedp.Call(ctx, page.CaptureScreenshot, page.CaptureScreenshotParams{Format: page.CaptureScreenshotFormatPng})
	if err != nil {
		return nil, err
	}
	return res.Data, nil
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s) // escapes U+2028 and U+2029 too
	return string(b)
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// isNotReady reports whether err is a condition worth waiting past.
func isNotReady(err error) bool {
	var nr *notReady
	return errors.As(err, &nr)
}

// isStale reports whether err says a frame or its document went away.
func isStale(err error) bool {
	var nr *notReady
	return errors.As(err, &nr) && nr.stale
}

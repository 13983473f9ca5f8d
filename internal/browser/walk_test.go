package browser_test

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/internal/browser"
	"github.com/tokenbench/tokenbench/internal/browser/browsertest"
)

// The login under test: a page rendered by JavaScript after a delay asks
// for a user, then shows a one-time-code client in an iframe from another
// site (localhost instead of 127.0.0.1, as BankID's client comes from
// BankID's domain); the client tells the page by postMessage, and the page
// goes on to a URL that redirects to the callback.
const loginPage = `<!doctype html><title>Log in</title><div id="app">Loading…</div><script>
setTimeout(() => {
  document.getElementById('app').innerHTML = '<input id="user"><button id="next">Next</button>';
  document.getElementById('next').addEventListener('click', (e) => {
    if (!e.isTrusted) return;
    const user = document.getElementById('user').value;
    document.getElementById('app').innerHTML = '<p>Hello ' + user + '</p><iframe id="client" src="OTP_URL"></iframe>';
  });
}, 150);
window.addEventListener('message', (e) => { if (e.data === 'ok') location.assign('/finish'); });
</script>`

const otpPage = `<!doctype html><title>One-time code</title><div id="o"></div><script>
setTimeout(() => {
  document.getElementById('o').innerHTML = '<input id="otp" type="password"><button id="ok">OK</button><p id="msg"></p>';
  document.getElementById('ok').addEventListener('click', () => {
    if (document.getElementById('otp').value === '4711') parent.postMessage('ok', '*');
    else document.getElementById('msg').textContent = 'Wrong one-time code';
  });
}, 150);
</script>`

const callback = "http://127.0.0.1:9/callback"

func servers(t *testing.T) string {
	client := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, otpPage)
	}))
	t.Cleanup(client.Close)
	otp := strings.Replace(client.URL, "127.0.0.1", "localhost", 1) + "/otp"
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, strings.Replace(loginPage, "OTP_URL", otp, 1))
	})
	mux.HandleFunc("/finish", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, callback+"?code=c0de-v4lue&state=st", http.StatusFound)
	})
	mux.HandleFunc("/direct", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, callback+"?code=direct&state=st", http.StatusFound)
	})
	mux.HandleFunc("/formpost", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<!doctype html><body onload="document.forms[0].submit()"><form method="post" action="%s">
<input type="hidden" name="code" value="posted"><input type="hidden" name="state" value="st"></form>`, callback)
	})
	mux.HandleFunc("/session", func(w http.ResponseWriter, r *http.Request) {
		if c, err := r.Cookie("sid"); err == nil && c.Value == "s3ssion" {
			http.Redirect(w, r, callback+"?code=with-session&state=st", http.StatusFound)
			return
		}
		fmt.Fprint(w, `<!doctype html><title>No session</title><p>Log in first</p>`)
	})
	mux.HandleFunc("/hang", func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // never answers
	})
	mux.HandleFunc("/static", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><title>Static</title><p>Nothing to see for secret-user</p><div id="box">a box</div><button id="hidden" style="display:none">Go</button>`)
	})
	site := httptest.NewServer(mux)
	t.Cleanup(site.Close)
	return site.URL
}

func launch(t *testing.T, tabs int) *browser.Browser {
	browsertest.Chromium(t)
	b, err := browser.Launch(browser.Options{Executable: os.Getenv("TOKENBENCH_CHROMIUM"), Tabs: tabs})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

var loginSteps = []browser.Step{
	{Kind: browser.Fill, Fields: []browser.Field{{Selector: "#user", Value: "secret-user"}}},
	{Kind: browser.Click, Selector: "#next"},
	{Kind: browser.Frame, Selector: "iframe#client"},
	{Kind: browser.Fill, Fields: []browser.Field{{Selector: "#otp", Value: "4711"}}},
	{Kind: browser.Click, Selector: "#ok"},
}

func TestWalk(t *testing.T) {
	site := servers(t)
	b := launch(t, 2)
	stop, _ := url.Parse(callback)
	// Generous: these walks succeed however slow the machine; only the
	// failure cases wait their (short) timeouts out.
	const slow = 60 * time.Second

	tests := []struct {
		name   string
		path   string
		steps  []browser.Step
		method string
		query  string // the stop URL's query, or the body of a POST
	}{
		{"JavaScript login with a cross-site iframe", "/login", loginSteps, "GET", "code=c0de-v4lue&state=st"},
		{"a redirect before the first step ends the walk", "/direct", loginSteps, "GET", "code=direct&state=st"},
		{"a form posted to the stop URL", "/formpost", []browser.Step{{Kind: browser.Sleep, Duration: time.Hour}}, "POST", "code=posted&state=st"},
		{"wait, expect_url, top, sleep", "/login", append([]browser.Step{
			{Kind: browser.ExpectURL, Pattern: site + "/log*"},
			{Kind: browser.Wait, Selector: "#user"},
			{Kind: browser.Sleep, Duration: time.Millisecond},
		}, append(loginSteps[:4:4], browser.Step{Kind: browser.Top}, browser.Step{Kind: browser.Frame, Selector: "#client"}, loginSteps[4])...), "GET", "code=c0de-v4lue&state=st"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := b.Walk(context.Background(), browser.Walk{URL: site + tt.path, Stop: stop, Steps: tt.steps, StepTimeout: slow})
			if err != nil {
				t.Fatal(err)
			}
			q := got.URL.RawQuery
			if tt.method == "POST" {
				q = string(got.Body)
			}
			if got.Method != tt.method || q != tt.query {
				t.Errorf("stopped at %s %s (query or body %q), want %s with %q", got.Method, got.URL, q, tt.method, tt.query)
			}
		})
	}

	t.Run("parallel tabs", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for range 4 {
			wg.Go(func() {
				_, err := b.Walk(context.Background(), browser.Walk{URL: site + "/login", Stop: stop, Steps: loginSteps, StepTimeout: slow})
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
	})
}

// TestWalkCookies: the cookies given reach the site from every tab, and
// each tab keeps its own.
func TestWalkCookies(t *testing.T) {
	site := servers(t)
	browsertest.Chromium(t)
	b, err := browser.Launch(browser.Options{Executable: os.Getenv("TOKENBENCH_CHROMIUM"), Tabs: 2,
		Cookies: []browser.Cookie{{URL: site + "/", Name: "sid", Value: "s3ssion"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	stop, _ := url.Parse(callback)
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			got, err := b.Walk(context.Background(), browser.Walk{URL: site + "/session", Stop: stop,
				Steps: []browser.Step{{Kind: browser.Wait, Selector: "#never"}}, StepTimeout: time.Minute})
			if err != nil || got.URL.Query().Get("code") != "with-session" {
				t.Errorf("walk with the session cookie: %v, %v", got, err)
			}
		})
	}
	wg.Wait()
}

func TestWalkFailure(t *testing.T) {
	site := servers(t)
	b := launch(t, 1)
	stop, _ := url.Parse(callback)
	const slow = 60 * time.Second
	short := browser.Step{Kind: browser.Timeout, Duration: 500 * time.Millisecond}

	tests := []struct {
		name     string
		path     string
		steps    []browser.Step
		step     int
		want     []string // in the error
		timedOut bool
		open     time.Duration // the step timeout before the first step (default slow)
	}{
		{"a wait that times out on a static page", "/static", []browser.Step{short, {Kind: browser.Wait, Selector: "#user"}}, 2,
			[]string{`step 2 of 2, wait "#user"`, `"#user": no element matches`, `title "Static"`, `text "Nothing to see for [REDACTED] a box"`, site + "/static"}, true, 0},
		{"a hidden element", "/static", []browser.Step{short, {Kind: browser.Click, Selector: "#hidden"}}, 2,
			[]string{`"#hidden": the element (<button>) is there but not visible`}, true, 0},
		{"a wrong one-time code inside the frame", "/login", append(loginSteps[:3:3],
			browser.Step{Kind: browser.Fill, Fields: []browser.Field{{Selector: "#otp", Value: "0000"}}},
			browser.Step{Kind: browser.Click, Selector: "#ok"},
			short,
			browser.Step{Kind: browser.Wait, Selector: "#welcome"}), 7,
			[]string{`step 7 of 7, wait "#welcome" (in frame "iframe#client")`, `text "Hello [REDACTED]"`, `frame http://localhost:`, `text "OK Wrong one-time code"`}, true, 0},
		{"no redirect after the last step", "/static", []browser.Step{{Kind: browser.Wait, Selector: "p"}, short}, 3,
			[]string{"after the last of 2 steps, waiting for the redirect: the page did not go to http://127.0.0.1:9/callback within 500ms"}, true, 0},
		{"an invalid selector fails at once", "/static", []browser.Step{{Kind: browser.Wait, Selector: "#3"}}, 1,
			[]string{`wait "#3"`, "is not a valid selector"}, false, 0},
		{"a frame step on an element that is no iframe", "/static", []browser.Step{{Kind: browser.Frame, Selector: "#box"}}, 1,
			[]string{`the frame selector "#box" matches a <div>, not an <iframe>`}, false, 0},
		{"an unexpected URL", "/static", []browser.Step{short, {Kind: browser.ExpectURL, Pattern: "https://elsewhere/*"}}, 2,
			[]string{`expect_url "https://elsewhere/*"`, `the page's URL does not match`}, true, 0},
		{"a page that never loads", "/hang", loginSteps, 0,
			[]string{"browser: opening the page: the page did not load within 500ms"}, true, 500 * time.Millisecond},
	}
	dir := os.Getenv("BROWSER_TEST_SHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			shot := filepath.Join(dir, fmt.Sprintf("shot-%d.png", i))
			_, err := b.Walk(context.Background(), browser.Walk{
				URL: site + tt.path, Stop: stop, Steps: tt.steps, StepTimeout: cmp.Or(tt.open, slow), Screenshot: shot,
				Secrets: []string{"secret-user"},
			})
			var se *browser.StepError
			if !errors.As(err, &se) {
				t.Fatalf("got %v, want a *browser.StepError", err)
			}
			msg := err.Error()
			if se.Step != tt.step {
				t.Errorf("failed at step %d, want %d: %s", se.Step, tt.step, msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("the error does not say %q:\n%s", w, msg)
				}
			}
			if strings.Contains(msg, "secret-user") {
				t.Errorf("the error shows a secret:\n%s", msg)
			}
			if got := strings.Contains(msg, "waited 500ms") || strings.Contains(msg, "within 500ms"); got != tt.timedOut {
				t.Errorf("timed out: %v, want %v:\n%s", got, tt.timedOut, msg)
			}
			png, rerr := os.ReadFile(shot)
			if rerr != nil || se.Screenshot != shot || !bytes.HasPrefix(png, []byte("\x89PNG")) {
				t.Errorf("screenshot %q (%v), want a PNG at %s", se.Screenshot, rerr, shot)
			}
		})
	}
}

package exchange

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"sync/atomic"
	"testing"
	"time"
)

func TestAppendFormIsQueryEscape(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	values := []string{"", "abc", "a b+c", "https://c.example/cb?x=1&y=2", "ü€", string(all)}
	for range 200 {
		b := make([]byte, rng.IntN(20))
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		values = append(values, string(b))
	}
	f := NewClient().Fast(0)
	for _, v := range values {
		ps := []Param{{v, v}, {"code", v}}
		if got, want := string(appendForm(nil, ps)), encodeParams(ps); got != want {
			t.Errorf("appendForm(%q) = %q, want %q", v, got, want)
		}
		for range 2 { // the memo missed, then hit
			if got, want := string(f.form(nil, ps)), encodeParams(ps); got != want {
				t.Errorf("form(%q) = %q, want %q", v, got, want)
			}
		}
		f.memoMisses.Store(0) // the next miss renews the memo
		if got, want := string(appendQueryEscape(nil, v)), url.QueryEscape(v); got != want {
			t.Errorf("appendQueryEscape(%q) = %q, want %q", v, got, want)
		}
	}
}

// countingServer counts the connections it accepts and closes.
func countingServer(t *testing.T, h http.HandlerFunc) (srv *httptest.Server, opened, closed *atomic.Int64) {
	t.Helper()
	opened, closed = new(atomic.Int64), new(atomic.Int64)
	srv = httptest.NewUnstartedServer(h)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		switch s {
		case http.StateNew:
			opened.Add(1)
		case http.StateClosed:
			closed.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, opened, closed
}

func TestFastClientKeepsConnectionsAlive(t *testing.T) {
	t.Parallel()
	srv, opened, closed := countingServer(t, func(w http.ResponseWriter, _ *http.Request) { okJSON(w) })
	srv.Config.SetKeepAlivesEnabled(true)
	f := NewClient().Fast(0)
	spec := TokenRequest(srv.URL+"/token", Basic{Credentials{ID: "c", Secret: "s"}}, "CODE", "https://c/cb", "")
	for i := range 5 {
		if x := f.Do(context.Background(), spec); x.Err != nil || x.Status() != 200 || x.OAuthError() != "" || !x.HasTokens() {
			t.Fatalf("#%d: status %d err %v", i, x.Status(), x.Err)
		}
	}
	if n := opened.Load(); n != 1 {
		t.Errorf("5 exchanges one after the other opened %d connections, want 1", n)
	}
	// The server closes an idle connection without a word: the next
	// exchange must notice and dial, not fail on the dead one.
	f.probeIdle = 0
	srv.CloseClientConnections()
	for closed.Load() < 1 {
		time.Sleep(time.Millisecond)
	}
	if x := f.Do(context.Background(), spec); x.Err != nil || x.Status() != 200 {
		t.Fatalf("after the server closed the idle connection: status %d err %v", x.Status(), x.Err)
	}
	if n := opened.Load(); n != 2 {
		t.Errorf("opened %d connections, want 2", n)
	}
	f.CloseIdle()
	for closed.Load() < 2 {
		time.Sleep(time.Millisecond)
	}
}

func TestFastClientTimesOutAndIsCancelled(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	t.Cleanup(func() { close(release); srv.Close() })
	spec := TokenRequest(srv.URL, Basic{Credentials{ID: "c", Secret: "s"}}, "CODE", "https://c/cb", "")
	x := NewClient().Fast(20*time.Millisecond).Do(context.Background(), spec)
	if x.Response != nil || !x.IsTimeout() {
		t.Errorf("a server that never answers: response %v, err %v, want a timeout", x.Response, x.Err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(10*time.Millisecond, cancel)
	x = NewClient().Fast(time.Hour).Do(ctx, spec)
	if x.Response != nil || x.Err == nil {
		t.Errorf("a cancelled exchange: response %v, err %v", x.Response, x.Err)
	}
}

func TestFastClientTLSAndDelegation(t *testing.T) {
	t.Parallel()
	srv, ch := echoServer(t, true, okJSON)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	c := NewClient(WithTLS(&tls.Config{RootCAs: pool}))
	f := c.Fast(0)
	spec := TokenRequest(srv.URL+"/token", Basic{Credentials{ID: "my client", Secret: "a+b"}}, "CODE", "https://c/cb", "V")
	for _, s := range []Spec{spec, spec.With(JSONBody()), spec.With(Header("X-Extra", "1")), spec.With(Method("GET"))} {
		want := c.Do(context.Background(), s)
		got := f.Do(context.Background(), s)
		if got.Err != nil || got.Status() != 200 {
			t.Fatalf("%s: status %d err %v", s.Body, got.Status(), got.Err)
		}
		if !reflect.DeepEqual(got.Request, want.Request) {
			t.Errorf("request\n got %+v\nwant %+v", got.Request, want.Request)
		}
		if a, b := <-ch, <-ch; a != b {
			t.Errorf("the server saw\n%+v\nfrom Client and\n%+v\nfrom FastClient", a, b)
		}
	}
}

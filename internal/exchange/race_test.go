package exchange

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// raceServer answers every token request with invalid_grant and keeps
// the bodies it read.
type raceServer struct {
	srv  *httptest.Server
	mu   sync.Mutex
	wire []string // each request's body
}

func newRaceServer(t *testing.T, useTLS bool) *raceServer {
	t.Helper()
	rs := &raceServer{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rs.mu.Lock()
		rs.wire = append(rs.wire, string(b))
		rs.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Header()["x-raw-case"] = []string{"kept"} // not canonical: only the raw lines show it so
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":"invalid_grant"}`))
	})
	rs.srv = httptest.NewUnstartedServer(h)
	if useTLS {
		rs.srv.StartTLS()
	} else {
		rs.srv.Start()
	}
	t.Cleanup(rs.srv.Close)
	return rs
}

// TestRaceReleasesTogether: every racer's connection is opened, then
// every request head written, then every last byte, over plain HTTP and
// TLS; every racer gets its own response, recorded as Do records one.
func TestRaceReleasesTogether(t *testing.T) {
	t.Parallel()
	for _, useTLS := range []bool{false, true} {
		t.Run(map[bool]string{false: "http", true: "https"}[useTLS], func(t *testing.T) {
			t.Parallel()
			rs := newRaceServer(t, useTLS)
			var opts []Option
			if useTLS {
				opts = append(opts, WithTLS(&tls.Config{RootCAs: rs.srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs}))
			}
			c := NewClient(opts...)
			var steps []string
			c.onRaceStep = func(step string, i int) { steps = append(steps, step) }
			const n = 8
			spec := TokenRequest(rs.srv.URL+"/token", Basic{Credentials{ID: "c", Secret: "s"}}, "CODE", "https://c.example/cb", "")
			specs := make([]Spec, n)
			for i := range specs {
				specs[i] = spec.With(Probe("racer"))
			}
			xs := c.Race(context.Background(), specs)
			if len(xs) != n {
				t.Fatalf("%d exchanges, want %d", len(xs), n)
			}
			for i, x := range xs {
				if x.Err != nil || x.Status() != http.StatusBadRequest || x.OAuthError() != "invalid_grant" {
					t.Fatalf("racer %d: status %d, error %q, err %v", i, x.Status(), x.OAuthError(), x.Err)
				}
				if got := x.RawHeaderValues("x-raw-case"); len(got) != 1 || x.Response.RawHeader == nil {
					t.Errorf("racer %d: raw header lines %v", i, x.Response.RawHeader)
				}
				if x.Probe != "racer" || x.Request.Method != http.MethodPost || x.Request.Header.Get("Authorization") == "" ||
					string(x.Request.Body) != "grant_type=authorization_code&code=CODE&redirect_uri=https%3A%2F%2Fc.example%2Fcb" {
					t.Errorf("racer %d: request recorded as %+v", i, x.Request)
				}
				if x.Timings.Sent.IsZero() || x.Timings.Done.Before(x.Timings.Sent) || x.Timings.FirstByte.IsZero() {
					t.Errorf("racer %d: timings %+v", i, x.Timings)
				}
			}
			// Every connection open, then every head written, then every
			// last byte: no request can be complete before all are in flight.
			want := strings.Repeat("open ", n) + strings.Repeat("head ", n) + strings.Repeat("release ", n)
			if got := strings.Join(steps, " ") + " "; got != want {
				t.Errorf("steps %s, want %s", got, want)
			}
			rs.mu.Lock()
			defer rs.mu.Unlock()
			if len(rs.wire) != n {
				t.Errorf("the server saw %d requests, want %d", len(rs.wire), n)
			}
			for i, b := range rs.wire {
				if b != string(xs[0].Request.Body) {
					t.Errorf("request %d: the server read %q", i, b)
				}
			}
		})
	}
}

// TestRaceTransportErrors: a racer whose connection cannot be made has an
// exchange with the error and no response; the others are not affected.
func TestRaceTransportErrors(t *testing.T) {
	t.Parallel()
	rs := newRaceServer(t, false)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + l.Addr().String() + "/token"
	l.Close()
	c := NewClient()
	creds := Credentials{ID: "c", Secret: "s"}
	xs := c.Race(context.Background(), []Spec{
		TokenRequest(rs.srv.URL+"/token", Basic{creds}, "A", "https://c.example/cb", ""),
		TokenRequest(dead, Basic{creds}, "B", "https://c.example/cb", ""),
		{URL: "://not a url"},
	})
	if xs[0].Status() != http.StatusBadRequest || xs[0].Err != nil {
		t.Errorf("live racer: %d %v", xs[0].Status(), xs[0].Err)
	}
	if xs[1].Response != nil || xs[1].Err == nil || !strings.Contains(xs[1].Err.Error(), "refused") {
		t.Errorf("dead racer: %v %v", xs[1].Response, xs[1].Err)
	}
	if xs[2].Response != nil || xs[2].Err == nil {
		t.Errorf("bad spec: %v %v", xs[2].Response, xs[2].Err)
	}
}

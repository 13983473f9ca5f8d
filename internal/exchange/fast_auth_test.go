package exchange

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/internal/redact"
)

// TestFastClientClientCertificate: a request that presents a TLS client
// certificate (tls_client_auth, self_signed_tls_client_auth) goes through
// the Client, which presents it; one without goes the fast way and
// presents none.
func TestFastClientClientCertificate(t *testing.T) {
	t.Parallel()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cn := "none"
		if len(r.TLS.PeerCertificates) > 0 {
			cn = r.TLS.PeerCertificates[0].Subject.CommonName
		}
		w.Write([]byte(cn))
	}))
	srv.TLS = &tls.Config{ClientAuth: tls.RequestClientCert}
	srv.StartTLS()
	defer srv.Close()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	f := NewClient(WithTLS(&tls.Config{RootCAs: pool})).Fast(0)
	defer f.CloseIdle()
	auth := func(method, cn string) Authenticator {
		cert, err := SelfSignedCertificate(pkix.Name{CommonName: cn}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		a, err := NewTLSClient(method, "client-"+cn, cert, "")
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	for _, tt := range []struct {
		a         Authenticator
		want      string
		endpoints int // FastClient's own, after the request
	}{
		{auth(MethodTLS, "a"), "a", 0},
		{auth(MethodSelfSignedTLS, "b"), "b", 0},
		{Basic{Credentials{"c", "s"}}, "none", 1},
		{auth(MethodTLS, "a"), "a", 1},
	} {
		x := f.Do(context.Background(), TokenRequest(srv.URL, tt.a, "code", "https://c/cb", ""))
		if x.Err != nil {
			t.Fatalf("%s: %v", tt.a.Method(), x.Err)
		}
		if got := string(x.Response.Body); got != tt.want {
			t.Errorf("%s: the server saw certificate %q, want %q", tt.a.Method(), got, tt.want)
		}
		if n := f.endpointCount(); n != tt.endpoints {
			t.Errorf("%s: FastClient has %d endpoints of its own, want %d", tt.a.Method(), n, tt.endpoints)
		}
	}
}

// TestFastClientSpecErr: a request that could not be built (an assertion
// that could not be signed) is recorded with its error and not sent.
func TestFastClientSpecErr(t *testing.T) {
	t.Parallel()
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits++ }))
	defer srv.Close()
	s := TokenRequest(srv.URL, Basic{Credentials{"c", "s"}}, "code", "https://c/cb", "")
	s.Err = errors.New("no signature")
	x := NewClient().Fast(0).Do(context.Background(), s)
	if !errors.Is(x.Err, s.Err) || x.Response != nil || hits != 0 {
		t.Errorf("err %v, response %v, %d requests sent", x.Err, x.Response, hits)
	}
}

// TestFastClientJWT: a client assertion (private_key_jwt,
// client_secret_jwt) goes the fast way in the body, fresh for each
// request; FastClient records it as the Client does, so that its
// Secrets (what the load path masks an outcome key against) and what a
// Registering client registers are the same.
func TestFastClientJWT(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var got []url.Values
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		v, _ := url.ParseQuery(string(b))
		mu.Lock()
		got = append(got, v)
		mu.Unlock()
		// A fixed Date: the two clients' requests may straddle a second.
		w.Header().Set("Date", "Fri, 04 Dec 2026 00:00:00 GMT")
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"error":"invalid_client"}`))
	}))
	defer srv.Close()
	for _, j := range jwtAuthenticators(t) {
		std, fastReg := redact.New(), redact.New()
		c := NewClient()
		f := NewClient().Registering(fastReg).Fast(0)
		for i := range 3 {
			s := TokenRequest(srv.URL, j.a, "code", "https://c/cb", "")
			if s.Err != nil {
				t.Fatal(s.Err)
			}
			assertion, _ := s.Get(ParamClientAssertion)
			want := c.Registering(std).Do(context.Background(), s)
			fx := f.Do(context.Background(), s)
			if fx.Err != nil || want.Err != nil {
				t.Fatalf("%s: %v, %v", j.name, fx.Err, want.Err)
			}
			if f.endpointCount() != 1 {
				t.Fatalf("%s: FastClient did not send the request itself", j.name)
			}
			if !reflect.DeepEqual(fx.Request, want.Request) || !reflect.DeepEqual(fx.Response, want.Response) {
				t.Errorf("%s #%d: FastClient recorded\n%+v\n%+v\nthe Client\n%+v\n%+v", j.name, i, fx.Request, fx.Response, want.Request, want.Response)
			}
			gs, ws := fx.Secrets(), want.Secrets()
			slices.Sort(gs)
			slices.Sort(ws)
			if !slices.Equal(gs, ws) || !slices.Contains(gs, assertion) {
				t.Errorf("%s #%d: FastClient's secrets %q, the Client's %q (the assertion among them)", j.name, i, gs, ws)
			}
			if m := fastReg.String("x " + assertion); m != "x "+redact.Mask {
				t.Errorf("%s #%d: a Registering FastClient did not register the assertion: %q", j.name, i, m)
			}
		}
		f.CloseIdle()
		c.CloseIdle()
	}
	mu.Lock()
	defer mu.Unlock()
	seen := map[string]bool{}
	for _, v := range got {
		if v.Get(ParamClientAssertionType) != AssertionTypeJWT || v.Get(ParamClientAssertion) == "" {
			t.Fatalf("a request without a client assertion: %v", v)
		}
		seen[v.Get(ParamClientAssertion)] = true
	}
	if want := len(got) / 2; len(seen) != want {
		t.Errorf("%d different assertions in %d requests, want %d (each Spec signed afresh, sent by both clients)", len(seen), len(got), want)
	}
}

// TestFastClientTimeoutHandedOver: a request FastClient hands to the
// Client (here one with a header of its own) is bounded by FastClient's
// timeout too, not only by the Client's own (30 s, past the 20 s after
// which the server answers).
func TestFastClientTimeoutHandedOver(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // then the server sees the client hang up
		select {
		case <-r.Context().Done():
		case <-time.After(20 * time.Second):
		}
	}))
	defer srv.Close()
	s := TokenRequest(srv.URL, Basic{Credentials{"c", "s"}}, "code", "https://c/cb", "")
	s.Header = http.Header{"X-Probe": {"1"}}
	x := NewClient().Fast(50*time.Millisecond).Do(context.Background(), s)
	if x.Response != nil || !x.IsTimeout() {
		t.Errorf("response %v, error %v: want a timeout", x.Response, x.Err)
	}
}

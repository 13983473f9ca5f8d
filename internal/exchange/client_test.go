package exchange

import (
	"context"
	"crypto/x509"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"crypto/tls"

	"github.com/tokenbench/tokenbench/internal/redact"
)

// seen is what a test server received.
type seen struct {
	method, path, rawQuery, contentType, auth, acceptEncoding string
	body                                                      string
}

func echoServer(t *testing.T, tls bool, respond func(w http.ResponseWriter)) (*httptest.Server, chan seen) {
	t.Helper()
	ch := make(chan seen, 16)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		ch <- seen{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Content-Type"), r.Header.Get("Authorization"), r.Header.Get("Accept-Encoding"), string(b)}
		respond(w)
	})
	var s *httptest.Server
	if tls {
		s = httptest.NewTLSServer(h)
	} else {
		s = httptest.NewServer(h)
	}
	t.Cleanup(s.Close)
	return s, ch
}

func okJSON(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.Write([]byte(`{"access_token":"at-123456","token_type":"Bearer"}`))
}

func TestMutationsOnTheWire(t *testing.T) {
	t.Parallel()
	srv, ch := echoServer(t, false, okJSON)
	c := NewClient()
	creds := Credentials{ID: "my client", Secret: "a+b:c/d e"}
	base := TokenRequest(srv.URL+"/token", Basic{creds}, "CODE1", "https://c.example/cb", "")
	basic := BasicAuthorization("my client", "a+b:c/d e")
	tests := []struct {
		name string
		ms   []Mutation
		want seen
	}{
		{"valid", nil, seen{method: "POST", path: "/token", contentType: "application/x-www-form-urlencoded", auth: basic,
			body: "grant_type=authorization_code&code=CODE1&redirect_uri=https%3A%2F%2Fc.example%2Fcb"}},
		{"drop", []Mutation{Drop("grant_type")}, seen{method: "POST", path: "/token", contentType: "application/x-www-form-urlencoded", auth: basic,
			body: "code=CODE1&redirect_uri=https%3A%2F%2Fc.example%2Fcb"}},
		{"empty", []Mutation{Empty("redirect_uri")}, seen{method: "POST", path: "/token", contentType: "application/x-www-form-urlencoded", auth: basic,
			body: "grant_type=authorization_code&code=CODE1&redirect_uri="}},
		{"duplicate", []Mutation{Duplicate("code")}, seen{method: "POST", path: "/token", contentType: "application/x-www-form-urlencoded", auth: basic,
			body: "grant_type=authorization_code&code=CODE1&redirect_uri=https%3A%2F%2Fc.example%2Fcb&code=CODE1"}},
		{"add unknown", []Mutation{Add("foo", "bar")}, seen{method: "POST", path: "/token", contentType: "application/x-www-form-urlencoded", auth: basic,
			body: "grant_type=authorization_code&code=CODE1&redirect_uri=https%3A%2F%2Fc.example%2Fcb&foo=bar"}},
		{"GET moves params to query", []Mutation{Method("GET")}, seen{method: "GET", path: "/token", auth: basic,
			rawQuery: "grant_type=authorization_code&code=CODE1&redirect_uri=https%3A%2F%2Fc.example%2Fcb"}},
		{"json body", []Mutation{JSONBody()}, seen{method: "POST", path: "/token", contentType: "application/json", auth: basic,
			body: `{"grant_type":"authorization_code","code":"CODE1","redirect_uri":"https://c.example/cb"}`}},
		{"no auth", []Mutation{NoAuth()}, seen{method: "POST", path: "/token", contentType: "application/x-www-form-urlencoded",
			body: "grant_type=authorization_code&code=CODE1&redirect_uri=https%3A%2F%2Fc.example%2Fcb"}},
		{"raw basic", []Mutation{RawBasic()}, seen{method: "POST", path: "/token", contentType: "application/x-www-form-urlencoded", auth: "Basic bXkgY2xpZW50OmErYjpjL2QgZQ==",
			body: "grant_type=authorization_code&code=CODE1&redirect_uri=https%3A%2F%2Fc.example%2Fcb"}},
		{"verbatim authorization", []Mutation{Authorization("Basic !!!")}, seen{method: "POST", path: "/token", contentType: "application/x-www-form-urlencoded", auth: "Basic !!!",
			body: "grant_type=authorization_code&code=CODE1&redirect_uri=https%3A%2F%2Fc.example%2Fcb"}},
		{"secret post", []Mutation{CredentialsInBody()}, seen{method: "POST", path: "/token", contentType: "application/x-www-form-urlencoded",
			body: "grant_type=authorization_code&code=CODE1&redirect_uri=https%3A%2F%2Fc.example%2Fcb&client_id=my+client&client_secret=a%2Bb%3Ac%2Fd+e"}},
		{"two methods", []Mutation{SecretInBody()}, seen{method: "POST", path: "/token", contentType: "application/x-www-form-urlencoded", auth: basic,
			body: "grant_type=authorization_code&code=CODE1&redirect_uri=https%3A%2F%2Fc.example%2Fcb&client_secret=a%2Bb%3Ac%2Fd+e"}},
		{"client_id with basic", []Mutation{ClientIDInBody()}, seen{method: "POST", path: "/token", contentType: "application/x-www-form-urlencoded", auth: basic,
			body: "grant_type=authorization_code&code=CODE1&redirect_uri=https%3A%2F%2Fc.example%2Fcb&client_id=my+client"}},
		{"public client", []Mutation{PublicClient()}, seen{method: "POST", path: "/token", contentType: "application/x-www-form-urlencoded",
			body: "grant_type=authorization_code&code=CODE1&redirect_uri=https%3A%2F%2Fc.example%2Fcb&client_id=my+client"}},
		{"secret in query", []Mutation{CredentialsInQuery()}, seen{method: "POST", path: "/token", contentType: "application/x-www-form-urlencoded",
			rawQuery: "client_id=my+client&client_secret=a%2Bb%3Ac%2Fd+e",
			body:     "grant_type=authorization_code&code=CODE1&redirect_uri=https%3A%2F%2Fc.example%2Fcb"}},
		{"content type", []Mutation{ContentType("text/plain")}, seen{method: "POST", path: "/token", contentType: "text/plain", auth: basic,
			body: "grant_type=authorization_code&code=CODE1&redirect_uri=https%3A%2F%2Fc.example%2Fcb"}},
	}
	for _, tt := range tests {
		x := c.Do(context.Background(), base.With(tt.ms...))
		if x.Err != nil {
			t.Fatalf("%s: %v", tt.name, x.Err)
		}
		got := <-ch
		if got != tt.want {
			t.Errorf("%s: server saw\n %+v\nwant\n %+v", tt.name, got, tt.want)
		}
		if string(x.Request.Body) != tt.want.body {
			t.Errorf("%s: recorded body %q, want %q", tt.name, x.Request.Body, tt.want.body)
		}
	}
	// the base spec is never changed by With
	if v, _ := base.Get("code"); v != "CODE1" || len(base.Params) != 3 || base.Auth.Secret != creds.Secret {
		t.Errorf("base spec changed: %+v", base)
	}
}

func TestBasicAuthorizationEncodesFirst(t *testing.T) {
	t.Parallel()
	// RFC 6749 §2.3.1: form-urlencode id and secret, then base64.
	got := BasicAuthorization("my client", "a+b:c/d e")
	want := "Basic bXkrY2xpZW50OmElMkJiJTNBYyUyRmQrZQ=="
	if got != want {
		t.Errorf("BasicAuthorization = %q, want %q", got, want)
	}
}

func TestRawHeaderSeesWhatGoHides(t *testing.T) {
	t.Parallel()
	for _, useTLS := range []bool{false, true} {
		srv, _ := echoServer(t, useTLS, func(w http.ResponseWriter) {
			w.Header()["Pragma"] = []string{"no-cache"} // no Cache-Control
			w.Header()["X-Dup"] = []string{"a", "b"}
			okJSON(w)
		})
		var opts []Option
		if useTLS {
			pool := x509.NewCertPool()
			pool.AddCert(srv.Certificate())
			opts = append(opts, WithTLS(&tls.Config{RootCAs: pool}))
		}
		c := NewClient(opts...)
		for i := 0; i < 2; i++ { // the second exchange reuses the connection
			x := c.Do(context.Background(), Spec{Method: "POST", URL: srv.URL, Body: BodyForm})
			if x.Err != nil {
				t.Fatal(x.Err)
			}
			if got := x.Header("Cache-Control"); got != "no-cache" {
				t.Logf("net/http's parsed Cache-Control = %q (it synthesises one from Pragma)", got)
			}
			if got := x.RawHeaderValues("Cache-Control"); len(got) != 0 {
				t.Errorf("tls=%v #%d: raw Cache-Control = %q, the server sent none", useTLS, i, got)
			}
			if got := x.RawHeaderValues("pragma"); len(got) != 1 || got[0] != "no-cache" {
				t.Errorf("tls=%v #%d: raw Pragma = %q", useTLS, i, got)
			}
			if got := x.RawHeaderValues("X-Dup"); strings.Join(got, ",") != "a,b" {
				t.Errorf("tls=%v #%d: raw X-Dup = %q", useTLS, i, got)
			}
		}
	}
}

func TestNeverFollowsRedirectsNorCompresses(t *testing.T) {
	t.Parallel()
	hits := make(chan string, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits <- r.URL.Path + " ae=" + r.Header.Get("Accept-Encoding")
		if r.URL.Path == "/token" {
			http.Redirect(w, r, "/elsewhere", http.StatusTemporaryRedirect)
		}
	}))
	defer srv.Close()
	x := NewClient().Do(context.Background(), Spec{Method: "POST", URL: srv.URL + "/token", Body: BodyForm})
	if x.Err != nil || x.Status() != http.StatusTemporaryRedirect {
		t.Fatalf("status %d err %v, want the 307 itself", x.Status(), x.Err)
	}
	if got := <-hits; got != "/token ae=" {
		t.Errorf("first request %q", got)
	}
	select {
	case h := <-hits:
		t.Errorf("the redirect was followed: %q", h)
	default:
	}
}

func TestBodyLimitAndJSON(t *testing.T) {
	t.Parallel()
	srv, _ := echoServer(t, false, func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"error":"invalid_grant","n":1,"padding":"` + strings.Repeat("x", 100) + `"}`))
	})
	x := NewClient(WithBodyLimit(50)).Do(context.Background(), Spec{Method: "POST", URL: srv.URL, Body: BodyForm})
	if !x.Response.Truncated || len(x.Response.Body) != 50 {
		t.Fatalf("truncated=%v len=%d", x.Response.Truncated, len(x.Response.Body))
	}
	if _, err := x.Members(); err == nil {
		t.Error("a truncated body parsed as JSON")
	}
	x = NewClient().Do(context.Background(), Spec{Method: "POST", URL: srv.URL, Body: BodyForm})
	if x.OAuthError() != "invalid_grant" || !x.Has("n") || x.HasTokens() || x.MediaType() != "application/json" {
		t.Errorf("OAuthError %q Has(n) %v HasTokens %v MediaType %q", x.OAuthError(), x.Has("n"), x.HasTokens(), x.MediaType())
	}
	if _, ok := x.StringMember("n"); ok {
		t.Error(`String("n") accepted a number`)
	}
}

func TestTimingsAndTransportError(t *testing.T) {
	t.Parallel()
	srv, _ := echoServer(t, false, okJSON)
	sched := time.Now().Add(-time.Second)
	x := NewClient().DoScheduled(context.Background(), Spec{Method: "POST", URL: srv.URL, Body: BodyForm}, sched)
	tm := x.Timings
	if !tm.Scheduled.Equal(sched) || tm.Sent.Before(tm.Scheduled) || tm.FirstByte.Before(tm.Sent) || tm.Done.Before(tm.FirstByte) {
		t.Errorf("timings out of order: %+v", tm)
	}
	if tm.Latency() < time.Second || tm.ServiceTime() >= tm.Latency() {
		t.Errorf("latency %v service %v", tm.Latency(), tm.ServiceTime())
	}
	srv.Close()
	x = NewClient().Do(context.Background(), Spec{Method: "POST", URL: srv.URL, Body: BodyForm})
	if x.Err == nil || x.Response != nil || x.Status() != 0 {
		t.Errorf("closed server: err %v response %v", x.Err, x.Response)
	}
}

func TestRedactedFormatHidesSecrets(t *testing.T) {
	t.Parallel()
	const secret = "S3cr3t-Value-42"
	srv, _ := echoServer(t, false, func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Set-Cookie", "sid=abcdef")
		w.Write([]byte(`{"access_token":"AT-verysecret","id_token":"eyJ.x.y","refresh_token":"RT-1","token_type":"Bearer","name":"Frode","note":"echo S3cr3t-Value-42"}`))
	})
	spec := TokenRequest(srv.URL+"/token", Basic{Credentials{ID: "client", Secret: secret}}, "CODE-abcdef", "https://c/cb", "VERIFIER-xyz").With(SecretInBody(), Header("Cookie", "session=s3ss10n"))
	spec.Query = []Param{{"client_secret", secret}}
	x := NewClient().Do(context.Background(), spec)
	r := redact.New("name")
	r.AddClient("client", secret)
	out := x.Redacted(r).Format()
	for _, leak := range []string{secret, url.QueryEscape(secret), "CODE-abcdef", "VERIFIER-xyz", "AT-verysecret", "eyJ.x.y", "RT-1", "Frode", "s3ss10n", "abcdef",
		strings.TrimPrefix(BasicAuthorization("client", secret), "Basic "), strings.TrimPrefix(rawBasicAuthorization("client", secret), "Basic ")} {
		if strings.Contains(out, leak) {
			t.Errorf("redacted output contains %q:\n%s", leak, out)
		}
	}
	for _, keep := range []string{"POST /token?client_secret=", "Authorization: Basic [REDACTED]", "grant_type=authorization_code", `"token_type":"Bearer"`, "HTTP/1.1 200 OK"} {
		if !strings.Contains(out, keep) {
			t.Errorf("redacted output lacks %q:\n%s", keep, out)
		}
	}
	// nil redactor reveals
	if out := x.Redacted(nil).Format(); !strings.Contains(out, "AT-verysecret") {
		t.Errorf("Redacted(nil) hid the token:\n%s", out)
	}
}

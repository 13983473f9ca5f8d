package provider

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
)

// testKey is one signing key shared by every test provider: generating a
// 2048-bit key per provider would dominate the test time.
var testKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// testClock is a settable clock.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// harness is a provider behind an httptest server and a client that does
// not follow redirects.
type harness struct {
	t      *testing.T
	p      *Provider
	url    string
	clock  *testClock
	client *http.Client
}

// Test client credentials (DefaultClients).
const (
	clientA, secretA = "tokenbench", "tokenbench-secret"
	clientB, secretB = "tokenbench-b", "tokenbench-b-secret"
	clientEnc        = "tokenbench-enc"
	secretEnc        = "s3cret:with/reserved+chars&=%"
	callback         = "http://127.0.0.1:9/callback"
	callback2        = "http://127.0.0.1:9/callback2"
)

// newHarness starts cfg's provider on an httptest server. Key defaults to
// the shared test key and Now to a test clock set to the current time.
func newHarness(t *testing.T, cfg Config) *harness {
	t.Helper()
	h := &harness{t: t, clock: &testClock{t: time.Now().Truncate(time.Second)}}
	if cfg.Key == nil {
		cfg.Key = testKey()
	}
	if cfg.Now == nil {
		cfg.Now = h.clock.Now
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	srv := httptest.NewServer(p.Handler())
	t.Cleanup(srv.Close)
	p.SetIssuer(srv.URL)
	h.p, h.url = p, srv.URL
	// The mTLS alias, as Start serves it: every endpoint over TLS, asking
	// for a client certificate.
	mtls := httptest.NewUnstartedServer(p.Handler())
	mtls.TLS = p.pki.serverTLS()
	mtls.StartTLS()
	t.Cleanup(mtls.Close)
	p.mtls.Store(&mtls.URL)
	// Each test has its own transport: httptest.Server.Close closes the idle
	// connections of http.DefaultTransport, which breaks other parallel
	// tests' requests that share it.
	h.client = &http.Client{
		Transport:     &http.Transport{},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       20 * time.Second,
	}
	return h
}

// withDefects is the clean config with the named defects always on.
func withDefects(names ...string) Config {
	m := map[string]float64{}
	for _, n := range names {
		m[n] = 1
	}
	return Config{Defects: m}
}

// authz describes an authorization request; zero fields get defaults.
type authz struct {
	client, redirect, scope, nonce, challenge, method string
	noState                                           bool
}

// authorize sends an authorization request and returns the response.
func (h *harness) authorize(a authz) *http.Response {
	h.t.Helper()
	q := url.Values{"response_type": {"code"}, "client_id": {clientA}, "redirect_uri": {callback}, "scope": {"openid"}, "state": {"st-1"}}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("client_id", a.client)
	set("redirect_uri", a.redirect)
	set("scope", a.scope)
	set("nonce", a.nonce)
	set("code_challenge", a.challenge)
	set("code_challenge_method", a.method)
	if a.noState {
		q.Del("state")
	}
	resp, err := h.client.Get(h.url + PathAuthorize + "?" + q.Encode())
	if err != nil {
		h.t.Fatalf("authorize: %v", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp
}

// code gets a fresh authorization code for a.
func (h *harness) code(a authz) string {
	h.t.Helper()
	resp := h.authorize(a)
	if resp.StatusCode != http.StatusFound {
		h.t.Fatalf("authorize: status %d, want 302", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		h.t.Fatalf("authorize: Location: %v", err)
	}
	code := loc.Query().Get("code")
	if code == "" {
		h.t.Fatalf("authorize: no code in %q", loc)
	}
	return code
}

// basic returns an RFC 6749 §2.3.1 Basic Authorization header value.
func basic(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret)))
}

// treq is a token request; zero fields get a valid request's defaults.
type treq struct {
	method      string     // "" = POST
	contentType string     // "" = form; "-" = none
	form        url.Values // encoded as the body unless body is set
	body        string
	query       string // raw URL query
	auth        string // Authorization value; "" = Basic for client A; "-" = none
}

// validForm is the body of a valid exchange of code.
func validForm(code string) url.Values {
	return url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {callback}}
}

// result is a token endpoint response.
type result struct {
	status int
	header http.Header
	body   []byte
}

// token sends a token request.
func (h *harness) token(r treq) *result {
	h.t.Helper()
	return h.do(r, PathToken)
}

func (h *harness) do(r treq, path string) *result {
	h.t.Helper()
	resp, err := h.client.Do(h.request(r, path))
	if err != nil {
		h.t.Fatalf("%s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatalf("%s: reading body: %v", path, err)
	}
	return &result{status: resp.StatusCode, header: resp.Header, body: b}
}

// request builds the HTTP request for r.
func (h *harness) request(r treq, path string) *http.Request {
	h.t.Helper()
	method := r.method
	if method == "" {
		method = http.MethodPost
	}
	body := r.body
	if body == "" && r.form != nil {
		body = r.form.Encode()
	}
	u := h.url + path
	if r.query != "" {
		u += "?" + r.query
	}
	var rd io.Reader
	if method != http.MethodGet {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		h.t.Fatalf("%s: %v", path, err)
	}
	switch r.contentType {
	case "":
		if method != http.MethodGet {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	case "-":
	default:
		req.Header.Set("Content-Type", r.contentType)
	}
	switch r.auth {
	case "":
		req.Header.Set("Authorization", basic(clientA, secretA))
	case "-":
	default:
		req.Header["Authorization"] = []string{r.auth}
	}
	return req
}

// wireHeader sends r over a plain TCP connection and returns the values of
// a response header exactly as they were on the wire. net/http's client
// would add "Cache-Control: no-cache" to a response with "Pragma: no-cache"
// and no Cache-Control (RFC 7234 §5.4), hiding what the server sent.
func (h *harness) wireHeader(r treq, path, name string) []string {
	h.t.Helper()
	req := h.request(r, path)
	req.Close = true
	conn, err := net.Dial("tcp", req.URL.Host)
	if err != nil {
		h.t.Fatalf("dial: %v", err)
	}
	defer conn.Close()
	if err := req.Write(conn); err != nil {
		h.t.Fatalf("write: %v", err)
	}
	raw, err := io.ReadAll(conn)
	if err != nil {
		h.t.Fatalf("read: %v", err)
	}
	head, _, _ := strings.Cut(string(raw), "\r\n\r\n")
	var out []string
	for _, line := range strings.Split(head, "\r\n")[1:] {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, name) {
			out = append(out, strings.TrimSpace(v))
		}
	}
	return out
}

// exchange redeems a fresh code of a default authorization request.
func (h *harness) exchange() *result {
	h.t.Helper()
	return h.token(treq{form: validForm(h.code(authz{}))})
}

// members decodes a JSON object body (nil when it is not one).
func (r *result) members() map[string]json.RawMessage {
	var m map[string]json.RawMessage
	if json.Unmarshal(r.body, &m) != nil {
		return nil
	}
	return m
}

// str returns a string member ("" when absent or not a string).
func (r *result) str(name string) string {
	var s string
	_ = json.Unmarshal(r.members()[name], &s)
	return s
}

// outcome summarises a token response as "<status> tokens" or
// "<status> <error>".
func (r *result) outcome() string {
	if r.str("access_token") != "" || r.str("id_token") != "" {
		return fmt.Sprintf("%d tokens", r.status)
	}
	return fmt.Sprintf("%d %s", r.status, r.str("error"))
}

// jwt is a decoded compact JWS.
type jwt struct {
	raw       string
	header    map[string]json.RawMessage
	claims    map[string]json.RawMessage
	signature []byte
}

// idToken decodes the response's id_token without verifying it.
func (r *result) idToken(t *testing.T) jwt {
	t.Helper()
	raw := r.str("id_token")
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		t.Fatalf("id_token %q is not a compact JWS", raw)
	}
	j := jwt{raw: raw}
	for i, dst := range []*map[string]json.RawMessage{&j.header, &j.claims} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			t.Fatalf("id_token part %d: %v", i, err)
		}
		if err := json.Unmarshal(b, dst); err != nil {
			t.Fatalf("id_token part %d: %v", i, err)
		}
	}
	var err error
	if j.signature, err = base64.RawURLEncoding.DecodeString(parts[2]); err != nil {
		t.Fatalf("id_token signature: %v", err)
	}
	return j
}

// str returns a string claim or header ("" when absent).
func str(m map[string]json.RawMessage, name string) string {
	var s string
	_ = json.Unmarshal(m[name], &s)
	return s
}

// num returns a number claim (0 when absent).
func num(m map[string]json.RawMessage, name string) int64 {
	var n int64
	_ = json.Unmarshal(m[name], &n)
	return n
}

// get fetches a path and returns the body.
func (h *harness) get(path string) *result {
	h.t.Helper()
	return h.do(treq{method: http.MethodGet, auth: "-"}, path)
}

// verify verifies an ID token against the provider's JWKS with jwx,
// selecting the key by kid.
func (h *harness) verify(idToken string) error {
	h.t.Helper()
	set, err := jwk.Parse(h.get(PathJWKS).body)
	if err != nil {
		h.t.Fatalf("jwks: %v", err)
	}
	_, err = jws.Verify([]byte(idToken), jws.WithKeySet(set, jws.WithRequireKid(true)))
	return err
}

// userinfo calls userinfo with a bearer token.
func (h *harness) userinfo(accessToken string) *result {
	h.t.Helper()
	return h.do(treq{method: http.MethodGet, auth: "Bearer " + accessToken}, PathUserinfo)
}

// s256 is the S256 code_challenge of a verifier.
func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// vschar reports whether s is a non-empty string of RFC 6749 VSCHAR.
func vschar(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}

package exchange

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tokenbench/tokenbench/internal/redact"
)

// DefaultBodyLimit caps how much of a response body is read.
const DefaultBodyLimit = 1 << 20

// Client sends Specs and records Exchanges. It speaks HTTP/1.1 only, keeps a
// keep-alive pool sized for load, never follows redirects, never retries and
// never asks for compressed bodies. A Spec with a TLS client certificate
// goes over a pool of its own. Safe for concurrent use.
type Client struct {
	hc        *http.Client
	tr        *http.Transport
	limit     int64
	now       func() time.Time
	userAgent string
	registry  *redact.Redactor
	// onRaceStep sees Race's steps in order (tests only).
	onRaceStep func(step string, racer int)

	pools *certPools // shared by the copies Registering makes
}

// certPools are the connection pools of client certificates.
type certPools struct {
	mu      sync.Mutex
	clients map[*tls.Certificate]*http.Client
}

// maxCertPools bounds the pools kept for client certificates; a request
// with yet another certificate gets a connection of its own.
const maxCertPools = 8

// Option configures a Client.
type Option func(*Client)

// WithTLS sets the TLS configuration for https endpoints.
func WithTLS(cfg *tls.Config) Option {
	return func(c *Client) { c.tr.TLSClientConfig = cfg }
}

// WithBodyLimit caps the response body read (default 1 MiB).
func WithBodyLimit(n int64) Option { return func(c *Client) { c.limit = n } }

// WithTimeout bounds a whole exchange (default 30 s).
func WithTimeout(d time.Duration) Option { return func(c *Client) { c.hc.Timeout = d } }

// WithPool sizes the keep-alive pool: idle connections kept per host.
func WithPool(idlePerHost int) Option {
	return func(c *Client) {
		c.tr.MaxIdleConnsPerHost = idlePerHost
		c.tr.MaxIdleConns = idlePerHost * 4
	}
}

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option { return func(c *Client) { c.userAgent = ua } }

// NewClient returns a Client.
func NewClient(opts ...Option) *Client {
	c := &Client{limit: DefaultBodyLimit, now: time.Now, userAgent: "tokenbench", pools: &certPools{}}
	c.tr = &http.Transport{
		Proxy:                 nil, // a probe talks to the endpoint it was given
		DisableCompression:    true,
		ForceAttemptHTTP2:     false,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 0,
	}
	c.hc = &http.Client{
		Transport: c.tr,
		Timeout:   30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	for _, o := range opts {
		o(c)
	}
	c.dialers(c.tr)
	return c
}

var dialer = &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}

// dialers sets tr's dial functions: plain TCP, and TLS terminated here,
// below the recorder, so that the recorder sees the plain HTTP/1.1 bytes.
func (c *Client) dialers(tr *http.Transport) {
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dialer.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &recConn{Conn: conn}, nil
	}
	base := tr.TLSClientConfig
	tr.DialTLSContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dialer.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		cfg := &tls.Config{}
		if base != nil {
			cfg = base.Clone()
		}
		if cfg.ServerName == "" {
			host, _, _ := net.SplitHostPort(addr)
			cfg.ServerName = host
		}
		cfg.NextProtos = []string{"http/1.1"}
		tc := tls.Client(conn, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, err
		}
		return &recConn{Conn: tc}, nil
	}
}

// httpFor returns the client that sends s: the shared pool, or the pool of
// s's TLS client certificate.
func (c *Client) httpFor(s *Spec) *http.Client {
	if s.Cert == nil {
		return c.hc
	}
	c.pools.mu.Lock()
	defer c.pools.mu.Unlock()
	if hc, ok := c.pools.clients[s.Cert]; ok {
		return hc
	}
	tr := c.tr.Clone()
	cfg := &tls.Config{}
	if c.tr.TLSClientConfig != nil {
		cfg = c.tr.TLSClientConfig.Clone()
	}
	cert := s.Cert
	// Presented whatever CA names the server lists: a self-signed
	// certificate (RFC 8705 §2.2) is never among them, and crypto/tls would
	// otherwise send none.
	cfg.Certificates, cfg.GetClientCertificate = nil, func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return cert, nil }
	tr.TLSClientConfig = cfg
	c.dialers(tr)
	hc := &http.Client{Transport: tr, Timeout: c.hc.Timeout, CheckRedirect: c.hc.CheckRedirect}
	if len(c.pools.clients) >= maxCertPools {
		tr.DisableKeepAlives = true
		return hc
	}
	if c.pools.clients == nil {
		c.pools.clients = map[*tls.Certificate]*http.Client{}
	}
	c.pools.clients[s.Cert] = hc
	return hc
}

// HTTPClient returns the underlying client (no redirects followed), for
// discovery and JWKS fetches that share the pool and TLS settings.
func (c *Client) HTTPClient() *http.Client { return c.hc }

// Registering returns a client that shares c's connections and settings
// and registers the secrets of every exchange it records with r
// (Exchange.Register: what it sent, every token it got back, the personal
// claims of the ID tokens) before Do returns it. Registering(nil) registers
// nothing: for load runs, which would register millions of values and
// instead redact what they record against each exchange's own secrets
// (runner).
func (c *Client) Registering(r *redact.Redactor) *Client {
	u := *c
	u.registry = r
	return &u
}

// CloseIdle closes idle keep-alive connections, of every pool.
func (c *Client) CloseIdle() {
	c.tr.CloseIdleConnections()
	c.pools.mu.Lock()
	defer c.pools.mu.Unlock()
	for _, hc := range c.pools.clients {
		hc.CloseIdleConnections()
	}
}

// Do sends s now and records the Exchange.
func (c *Client) Do(ctx context.Context, s Spec) *Exchange {
	return c.DoScheduled(ctx, s, time.Time{})
}

// DoScheduled sends s and records the Exchange with the given intended send
// time (zero means now), from which the load runner measures latency.
func (c *Client) DoScheduled(ctx context.Context, s Spec, scheduled time.Time) *Exchange {
	x := c.do(ctx, s, scheduled)
	if s.DPoP != nil {
		x = c.dpopNonce(ctx, s, x)
	}
	x.Register(c.registry)
	return x
}

// dpopNonce keeps the DPoP-Nonce a response gives, and when the response
// asks for it (use_dpop_nonce), sends the request once more with a new
// proof carrying it (RFC 9449 §8): the retry's Exchange, with x as its
// NonceRetry. A replayed proof is not signed anew; the client assertion
// is (Spec.resign).
func (c *Client) dpopNonce(ctx context.Context, s Spec, x *Exchange) *Exchange {
	if x.Response == nil {
		return x
	}
	nonce := x.Response.Header.Get(HeaderDPoPNonce)
	s.DPoP.Key.SetNonce(s.URL, nonce)
	if !x.needsNonce() || nonce == "" || s.DPoP.Replay || s.DPoP.Change.NoNonce || s.DPoP.Change.Nonce != "" {
		return x
	}
	s.DPoP = &DPoPSpec{Key: s.DPoP.Key, AccessToken: s.DPoP.AccessToken, Change: s.DPoP.Change}
	s.resign()
	retry := c.do(ctx, s, x.Timings.Scheduled)
	if retry.Response != nil {
		s.DPoP.Key.SetNonce(s.URL, retry.Response.Header.Get(HeaderDPoPNonce))
	}
	x.Register(c.registry)
	retry.NonceRetry = x
	return retry
}

func (c *Client) do(ctx context.Context, s Spec, scheduled time.Time) *Exchange {
	x := &Exchange{Probe: s.Probe}
	req, err := c.build(ctx, s, x)
	if err != nil {
		x.Err = err
		now := c.now()
		x.Timings = Timings{Scheduled: orNow(scheduled, now), Sent: now, Done: now}
		return x
	}
	var (
		mu   sync.Mutex
		conn *recConn
	)
	trace := &httptrace.ClientTrace{
		GotConn: func(info httptrace.GotConnInfo) {
			if rc, ok := info.Conn.(*recConn); ok {
				rc.start()
				mu.Lock()
				conn = rc
				mu.Unlock()
			}
		},
		GotFirstResponseByte: func() {
			mu.Lock()
			x.Timings.FirstByte = c.now()
			mu.Unlock()
		},
	}
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
	hc := c.httpFor(&s)
	sent := c.now()
	resp, err := hc.Do(req)
	mu.Lock()
	rc := conn
	mu.Unlock()
	var raw []byte
	if rc != nil {
		raw = rc.stop()
	}
	if err != nil {
		done := c.now()
		x.Err = err
		mu.Lock()
		x.Timings = Timings{Scheduled: orNow(scheduled, sent), Sent: sent, FirstByte: x.Timings.FirstByte, Done: done}
		mu.Unlock()
		return x
	}
	defer resp.Body.Close()
	body, readErr := io.ReadAll(io.LimitReader(resp.Body, c.limit+1))
	done := c.now()
	r := &Response{Status: resp.StatusCode, Proto: resp.Proto, Header: resp.Header, RawHeader: parseRawHeader(raw)}
	if int64(len(body)) > c.limit {
		body, r.Truncated = body[:c.limit], true
	}
	r.Body = body
	x.Response = r
	if readErr != nil {
		x.Err = fmt.Errorf("exchange: reading the response body: %w", readErr)
	}
	mu.Lock()
	x.Timings = Timings{Scheduled: orNow(scheduled, sent), Sent: sent, FirstByte: x.Timings.FirstByte, Done: done}
	mu.Unlock()
	return x
}

func orNow(t, now time.Time) time.Time {
	if t.IsZero() {
		return now
	}
	return t
}

// build turns a Spec into an http.Request and records it on x.
func (c *Client) build(ctx context.Context, s Spec, x *Exchange) (*http.Request, error) {
	if s.Err != nil {
		return nil, s.Err
	}
	u, err := url.Parse(s.URL)
	if err != nil {
		return nil, fmt.Errorf("exchange: url %q: %w", s.URL, err)
	}
	query := append([]Param(nil), s.Query...)
	var body []byte
	contentType := s.ContentType
	switch {
	case s.Body == BodyJSON:
		body = encodeJSON(s.Params)
		if contentType == "" {
			contentType = "application/json"
		}
	case s.Body == BodyNone:
		query = append(query, s.Params...)
	default:
		body = []byte(encodeParams(s.Params))
		if contentType == "" {
			contentType = "application/x-www-form-urlencoded"
		}
	}
	if len(query) > 0 {
		q := encodeParams(query)
		if u.RawQuery != "" {
			q = u.RawQuery + "&" + q
		}
		u.RawQuery = q
	}
	method := s.Method
	if method == "" {
		method = http.MethodPost
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, fmt.Errorf("exchange: %w", err)
	}
	req.Header.Set("User-Agent", c.userAgent)
	req.Header.Set("Accept", "application/json")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if a, ok := s.authorization(); ok {
		req.Header["Authorization"] = []string{a}
	}
	if s.DPoP != nil {
		proof, err := s.DPoP.proof(method, u.String())
		if err != nil {
			return nil, err
		}
		req.Header.Set(HeaderDPoP, proof)
	}
	for k, vs := range s.Header {
		req.Header[k] = vs
	}
	if body == nil {
		req.ContentLength = 0
	}
	recorded := req.Header.Clone()
	recorded.Set("Host", u.Host)
	if body != nil {
		recorded.Set("Content-Length", strconv.Itoa(len(body)))
	}
	x.Request = Request{Method: method, URL: u.String(), Header: recorded, Body: body}
	return req, nil
}

// encodeJSON writes the parameters as one JSON object, in order, keeping
// duplicates (a probe asked for them).
func encodeJSON(ps []Param) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, p := range ps {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(p.Name)
		v, _ := json.Marshal(p.Value)
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// recConn records the bytes read from a connection while armed, so that the
// response header can be seen as it was on the wire.
type recConn struct {
	net.Conn
	mu  sync.Mutex
	rec *bytes.Buffer
}

const maxRecorded = 64 << 10

func (c *recConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.mu.Lock()
		if c.rec != nil && c.rec.Len() < maxRecorded {
			c.rec.Write(p[:n])
		}
		c.mu.Unlock()
	}
	return n, err
}

func (c *recConn) start() {
	c.mu.Lock()
	c.rec = new(bytes.Buffer)
	c.mu.Unlock()
}

func (c *recConn) stop() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rec == nil {
		return nil
	}
	b := c.rec.Bytes()
	c.rec = nil
	return b
}

// parseRawHeader returns the header lines of the final (non-1xx) response
// in raw, or nil when raw holds no complete header.
func parseRawHeader(raw []byte) []HeaderLine {
	for len(raw) > 0 {
		end := bytes.Index(raw, []byte("\r\n\r\n"))
		if end < 0 {
			return nil
		}
		block := string(raw[:end])
		raw = raw[end+4:]
		lines := strings.Split(block, "\r\n")
		status := strings.Fields(lines[0])
		if len(status) >= 2 && len(status[1]) == 3 && status[1][0] == '1' && status[1] != "101" {
			continue // an interim response; the final one follows
		}
		out := make([]HeaderLine, 0, len(lines)-1)
		for _, l := range lines[1:] {
			if (strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t")) && len(out) > 0 {
				out[len(out)-1].Value += " " + strings.TrimSpace(l) // obs-fold
				continue
			}
			name, value, ok := strings.Cut(l, ":")
			if !ok {
				continue
			}
			out = append(out, HeaderLine{Name: name, Value: strings.TrimSpace(value)})
		}
		return out
	}
	return nil
}

// IsTimeout reports whether an exchange failed by timing out.
func (x *Exchange) IsTimeout() bool {
	if x.Err == nil {
		return false
	}
	var ne net.Error
	return errors.Is(x.Err, context.DeadlineExceeded) || (errors.As(x.Err, &ne) && ne.Timeout())
}

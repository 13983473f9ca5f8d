package exchange

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// FastClient sends token requests over its own HTTP/1.1 keep-alive
// connections and records Exchanges field for field as the Client it was
// made from does: the same Request, and for the same response bytes the same
// Response. It is the load runner's client: per exchange it writes one
// buffer and reads into a reused one, with no goroutine, context, timer or
// bufio.Reader of its own.
//
// It parses the plain form of a response itself (HTTP/1.1, a final status,
// well-formed header lines, one Content-Length); anything else (a 1xx
// interim response, a chunked or close-delimited body, obs-fold, a
// duplicate Content-Length, ...) it reads with net/http's own parser. A Spec
// other than a form POST without extra headers or query (a mutation's) it
// hands to the Client. It honours ctx's deadline and cancellation but, like
// the Client, never retries, follows a redirect or speaks HTTP/2. Safe for
// concurrent use.
type FastClient struct {
	c       *Client
	timeout time.Duration
	dial    func(ctx context.Context, network, addr string) (net.Conn, error)
	maxIdle int
	// probeIdle: a connection idle longer than this is checked for a
	// close by the server before it is reused.
	probeIdle time.Duration
	slack     time.Duration // see wireConn.setDeadline

	endpoints  sync.Map // Spec.URL -> *endpoint
	auth       atomic.Pointer[authEntry]
	slow       atomic.Int64 // responses read by net/http's parser
	memo       atomic.Pointer[formMemo]
	memoMisses atomic.Int64
}

// Fast returns a FastClient with c's TLS configuration, body limit, clock,
// user agent and keep-alive pool size. timeout bounds each exchange, from
// the request's write to the end of its body (0: c's timeout).
func (c *Client) Fast(timeout time.Duration) *FastClient {
	if timeout <= 0 {
		timeout = c.hc.Timeout
	}
	return &FastClient{
		c:         c,
		timeout:   timeout,
		dial:      (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		maxIdle:   max(c.tr.MaxIdleConnsPerHost, 1),
		probeIdle: 10 * time.Millisecond,
		slack:     min(timeout/100, 5*time.Millisecond),
	}
}

// endpoint is a token endpoint URL parsed once, with its idle connections.
type endpoint struct {
	url        string // as Client records it (url.URL.String)
	host       string // the Host header
	requestURI string
	addr       string // host:port to dial
	tls        bool
	serverName string

	mu   sync.Mutex
	idle []*wireConn // most recently used last
}

type authEntry struct {
	id, secret string
	raw        bool
	value      string
}

// plain reports whether s is a request FastClient builds itself: not one
// that presents a TLS client certificate (tls_client_auth,
// self_signed_tls_client_auth: the Client keeps a connection pool per
// certificate), one with a DPoP proof (the Client follows the server's
// nonce) or one that could not be built (the Client records why).
func plain(s *Spec) bool {
	return (s.Method == "" || s.Method == http.MethodPost) && (s.Body == "" || s.Body == BodyForm) &&
		len(s.Header) == 0 && len(s.Query) == 0 && s.Cert == nil && s.DPoP == nil && s.Err == nil
}

// endpoint returns the parsed URL, or nil when the Client should send it.
func (f *FastClient) endpoint(raw string) *endpoint {
	if ep, ok := f.endpoints.Load(raw); ok {
		return ep.(*endpoint)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.User != nil || u.Fragment != "" || u.Opaque != "" || !asciiHost(u.Host) {
		return nil
	}
	ep := &endpoint{url: u.String(), host: u.Host, requestURI: u.RequestURI(), tls: u.Scheme == "https", serverName: u.Hostname()}
	port := u.Port()
	if port == "" {
		port = "80"
		if ep.tls {
			port = "443"
		}
	}
	ep.addr = net.JoinHostPort(u.Hostname(), port)
	if f.endpointCount() >= maxEndpoints {
		return nil // a load run has one endpoint: past a few, the Client sends
	}
	got, _ := f.endpoints.LoadOrStore(raw, ep)
	return got.(*endpoint)
}

// maxEndpoints bounds the URLs a FastClient keeps connections for.
const maxEndpoints = 16

func (f *FastClient) endpointCount() int {
	n := 0
	f.endpoints.Range(func(any, any) bool { n++; return n < maxEndpoints })
	return n
}

// asciiHost reports whether a URL host is sent as it is (no IDNA, no zone).
func asciiHost(h string) bool {
	if h == "" {
		return false
	}
	for i := 0; i < len(h); i++ {
		if c := h[i]; c <= ' ' || c >= 0x7f || c == '%' {
			return false
		}
	}
	return true
}

// authorization returns the Authorization header of s, computed once per
// credentials.
func (f *FastClient) authorization(s *Spec) (string, bool) {
	if s.Authorization != nil || s.Auth == nil {
		return s.authorization()
	}
	if a := f.auth.Load(); a != nil && a.id == s.Auth.ID && a.secret == s.Auth.Secret && a.raw == s.RawBasic {
		return a.value, true
	}
	v, ok := s.authorization()
	f.auth.Store(&authEntry{id: s.Auth.ID, secret: s.Auth.Secret, raw: s.RawBasic, value: v})
	return v, ok
}

// Do sends s now.
func (f *FastClient) Do(ctx context.Context, s Spec) *Exchange {
	return f.DoScheduled(ctx, s, time.Time{})
}

// DoScheduled sends s and records the Exchange with the given intended send
// time (zero means now), as Client.DoScheduled does, and registers its
// secrets as the Client does (nothing for a Client made by
// Registering(nil), the load runner's).
func (f *FastClient) DoScheduled(ctx context.Context, s Spec, scheduled time.Time) *Exchange {
	x := f.do(ctx, s, scheduled)
	if f.c.registry != nil {
		x.Register(f.c.registry)
	}
	return x
}

func (f *FastClient) do(ctx context.Context, s Spec, scheduled time.Time) *Exchange {
	var ep *endpoint
	if plain(&s) {
		ep = f.endpoint(s.URL)
	}
	if ep == nil {
		// The Client's exchange is bounded by ctx alone: give it this
		// client's timeout unless ctx ends sooner.
		if d, ok := ctx.Deadline(); !ok || d.After(f.c.now().Add(f.timeout)) {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, f.timeout)
			defer cancel()
		}
		x := f.c.do(ctx, s, scheduled)
		if s.DPoP != nil {
			x = f.c.dpopNonce(ctx, s, x)
		}
		return x
	}
	sent := f.c.now()
	deadline := sent.Add(f.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	cn, err := f.get(ctx, ep, sent, deadline)
	var blk *block
	if cn != nil {
		blk = cn.block()
	} else {
		blk = new(block)
	}
	x := &blk.x
	x.Probe = s.Probe
	contentType := s.ContentType
	if contentType == "" {
		contentType = "application/x-www-form-urlencoded"
	}
	auth, hasAuth := f.authorization(&s)
	body := f.form(blk.reqBody[:0], s.Params) // in the block unless long
	body = body[:len(body):len(body)]
	x.Request = f.record(blk, ep, contentType, auth, hasAuth, body)
	fail := func(cn *wireConn, err error) *Exchange {
		if cn != nil {
			cn.Close()
		}
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		x.Err = &url.Error{Op: "Post", URL: ep.url, Err: err}
		x.Timings = Timings{Scheduled: orNow(scheduled, sent), Sent: sent, FirstByte: x.Timings.FirstByte, Done: f.c.now()}
		return x
	}
	if err != nil {
		return fail(nil, err)
	}
	stop := func() bool { return true }
	if ctx.Done() != nil {
		cn.deadline = time.Time{} // the cancellation below may move it
		stop = context.AfterFunc(ctx, func() { cn.SetDeadline(time.Unix(1, 0)) })
		defer stop()
	}
	if err := cn.setDeadline(deadline, f.slack); err != nil {
		return fail(cn, err)
	}
	cn.out = appendRequest(cn.out[:0], ep, f.c.userAgent, contentType, auth, hasAuth, body)
	if _, err := cn.io.Write(cn.out); err != nil {
		return fail(cn, err)
	}
	reuse, err := f.read(cn, blk)
	if x.Response == nil {
		return fail(cn, err)
	}
	if err != nil {
		x.Err = err
	}
	done := blk.done
	if done.IsZero() {
		done = f.c.now()
	}
	x.Timings = Timings{Scheduled: orNow(scheduled, sent), Sent: sent, FirstByte: x.Timings.FirstByte, Done: done}
	if reuse && err == nil && stop() {
		f.put(ep, cn, x.Timings.Done)
	} else {
		cn.Close()
	}
	return x
}

// block is one exchange's memory in one allocation: the Exchange, its
// Response, and the backing arrays of their headers when these are short.
type block struct {
	x        Exchange
	r        Response
	reqVals  [6]string
	respVals [8]string
	raw      [8]HeaderLine
	reqBody  [256]byte
	done     time.Time // when the body was complete, when read knows it
}

// record is the Request as Client.build records it for a plain Spec.
func (f *FastClient) record(blk *block, ep *endpoint, contentType, auth string, hasAuth bool, body []byte) Request {
	n := 5
	if hasAuth {
		n++
	}
	vals := blk.reqVals[:n:n]
	vals[0], vals[1], vals[2], vals[3], vals[4] = f.c.userAgent, "application/json", contentType, ep.host, strconv.Itoa(len(body))
	h := make(http.Header, n)
	h["User-Agent"], h["Accept"], h["Content-Type"], h["Host"], h["Content-Length"] = vals[0:1:1], vals[1:2:2], vals[2:3:3], vals[3:4:4], vals[4:5:5]
	if hasAuth {
		vals[5] = auth
		h["Authorization"] = vals[5:6:6]
	}
	return Request{Method: http.MethodPost, URL: ep.url, Header: h, Body: body}
}

// wireConn is one keep-alive connection and its buffers.
type wireConn struct {
	net.Conn
	tcp       net.Conn      // the TCP connection under TLS, for the liveness probe
	io        io.ReadWriter // raw system calls on a plain TCP connection, else Conn
	buf       []byte        // read buffer; buf[:w] holds the response read so far
	w         int
	out       []byte // the request being written
	deadline  time.Time
	idleSince time.Time
	sc        headScan // the response being read
	// The memory of the exchanges on this connection, handed out in turn:
	// blocks, and bytes for the responses' heads and bodies. One allocation
	// serves many exchanges (up to slabBlocks, slabBytes), twice as many as
	// the last each time, so that a connection used once costs no more
	// than an exchange and a busy one makes no allocation per exchange for
	// these. What an Exchange holds keeps its whole slab alive.
	blocks []block
	blockN int // the last block slab's size
	slab   []byte
}

const (
	slabBlocks = 32
	slabBytes  = 64 << 10
)

// block returns the next exchange's block.
func (cn *wireConn) block() *block {
	if len(cn.blocks) == 0 {
		cn.blockN = min(max(2*cn.blockN, 1), slabBlocks)
		cn.blocks = make([]block, cn.blockN)
	}
	b := &cn.blocks[0]
	cn.blocks = cn.blocks[1:]
	return b
}

// keep returns a copy of p in the connection's slab, its capacity its
// length (an append to it cannot reach the next response's bytes).
func (cn *wireConn) keep(p []byte) []byte {
	if cap(cn.slab)-len(cn.slab) < len(p) {
		if len(p) > slabBytes/4 {
			return bytes.Clone(p)
		}
		cn.slab = make([]byte, 0, min(max(2*cap(cn.slab), len(p)), slabBytes))
	}
	n := len(cn.slab)
	cn.slab = append(cn.slab, p...)
	return cn.slab[n:len(cn.slab):len(cn.slab)]
}

// setDeadline sets the connection's deadline unless the one already set is
// earlier by less than slack: back to back exchanges then share one timer
// update, and one may time out up to slack early.
func (cn *wireConn) setDeadline(d time.Time, slack time.Duration) error {
	if diff := d.Sub(cn.deadline); diff >= 0 && diff < slack {
		return nil
	}
	cn.deadline = d
	return cn.SetDeadline(d)
}

// get returns an idle connection to ep that the server has not closed, or
// dials one.
func (f *FastClient) get(ctx context.Context, ep *endpoint, now, deadline time.Time) (*wireConn, error) {
	for {
		ep.mu.Lock()
		n := len(ep.idle)
		if n == 0 {
			ep.mu.Unlock()
			break
		}
		cn := ep.idle[n-1]
		ep.idle[n-1] = nil
		ep.idle = ep.idle[:n-1]
		ep.mu.Unlock()
		if now.Sub(cn.idleSince) < f.probeIdle || alive(cn.tcp) {
			return cn, nil
		}
		cn.Close()
	}
	dctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	conn, err := f.dial(dctx, "tcp", ep.addr)
	if err != nil {
		return nil, err
	}
	cn := &wireConn{Conn: conn, tcp: conn, io: conn, buf: make([]byte, 4096)}
	if r := newRawIO(conn); r != nil && !ep.tls {
		cn.io = r
	}
	if ep.tls {
		cfg := &tls.Config{}
		if f.c.tr.TLSClientConfig != nil {
			cfg = f.c.tr.TLSClientConfig.Clone()
		}
		if cfg.ServerName == "" {
			cfg.ServerName = ep.serverName
		}
		cfg.NextProtos = []string{"http/1.1"}
		tc := tls.Client(conn, cfg)
		if err := tc.HandshakeContext(dctx); err != nil {
			conn.Close()
			return nil, err
		}
		cn.Conn, cn.io = tc, tc
	}
	return cn, nil
}

// put keeps cn for reuse, or closes it when the pool is full.
func (f *FastClient) put(ep *endpoint, cn *wireConn, now time.Time) {
	cn.idleSince = now
	ep.mu.Lock()
	if len(ep.idle) < f.maxIdle {
		ep.idle = append(ep.idle, cn)
		cn = nil
	}
	ep.mu.Unlock()
	if cn != nil {
		cn.Close()
	}
}

// CloseIdle closes the idle connections.
func (f *FastClient) CloseIdle() {
	f.endpoints.Range(func(_, v any) bool {
		ep := v.(*endpoint)
		ep.mu.Lock()
		idle := ep.idle
		ep.idle = nil
		ep.mu.Unlock()
		for _, cn := range idle {
			cn.Close()
		}
		return true
	})
}

var errTooMany1xx = errors.New("net/http: too many 1xx informational responses")

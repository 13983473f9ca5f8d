package exchange

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// RaceSettle is how long Race waits, once every request but its last byte
// is written, before it releases the last bytes: time for the server to
// read the request heads and park every handler on its unfinished body.
const RaceSettle = 20 * time.Millisecond

// Race sends specs at the same moment with last-byte synchronisation: it
// opens a new connection per spec (TLS handshake included), writes each
// request but its last byte, waits RaceSettle, then writes the last bytes
// one right after the other. A server acts on a request only when it is
// complete, so it sees all of them complete within the time of len(specs)
// one-byte writes: a race window of a few hundred microseconds is hit
// where requests released by goroutines started together arrive spread
// over milliseconds. Each Exchange is as Do records it (the request as
// sent, the response with its raw header lines); Timings.Sent is the
// moment its last byte was written. Each racer presents its spec's client
// certificate, and every exchange is registered as Do registers it. The
// connections are closed afterwards.
// Safe for concurrent use.
//
// https://portswigger.net/research/smashing-the-state-machine
func (c *Client) Race(ctx context.Context, specs []Spec) []*Exchange {
	if c.hc.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.hc.Timeout)
		defer cancel()
	}
	racers := make([]*racer, len(specs))
	for i, s := range specs {
		racers[i] = c.prepare(ctx, s)
		c.raceStep("open", i)
	}
	defer func() {
		for _, r := range racers {
			r.close()
		}
	}()
	// Every connection is open and every request but its last byte sent
	// before any request is complete.
	for i, r := range racers {
		r.writeHead()
		c.raceStep("head", i)
	}
	select {
	case <-time.After(RaceSettle):
	case <-ctx.Done():
	}
	var wg sync.WaitGroup
	for i, r := range racers {
		r.release(c.now)
		c.raceStep("release", i)
	}
	for _, r := range racers {
		wg.Go(func() { r.read(c) })
	}
	wg.Wait()
	xs := make([]*Exchange, len(racers))
	for i, r := range racers {
		xs[i] = r.x
		r.x.Register(c.registry)
	}
	return xs
}

// raceStep reports a step of Race to the test hook, if any.
func (c *Client) raceStep(step string, racer int) {
	if c.onRaceStep != nil {
		c.onRaceStep(step, racer)
	}
}

// racer is one request of a Race and its connection.
type racer struct {
	x    *Exchange
	req  *http.Request
	wire []byte // the request as written on the wire
	conn *recConn
	err  error // the first error; the exchange has no response then
}

// prepare builds the request of s and opens its connection.
func (c *Client) prepare(ctx context.Context, s Spec) *racer {
	r := &racer{x: &Exchange{Probe: s.Probe}}
	now := c.now()
	r.x.Timings = Timings{Scheduled: now, Sent: now, Done: now}
	if r.req, r.err = c.build(ctx, s, r.x); r.err != nil {
		return r
	}
	var b bytes.Buffer
	if r.err = r.req.Write(&b); r.err != nil {
		r.err = fmt.Errorf("exchange: race: %w", r.err)
		return r
	}
	r.wire = b.Bytes()
	// The transport of s's client certificate, if any (httpFor).
	tr := c.httpFor(&s).Transport.(*http.Transport)
	dial := tr.DialContext
	if r.req.URL.Scheme == "https" {
		dial = tr.DialTLSContext
	}
	conn, err := dial(ctx, "tcp", hostPort(r.req.URL))
	if err != nil {
		r.err = err
		return r
	}
	r.conn = conn.(*recConn)
	r.conn.start() // everything read from here is the response
	if d, ok := ctx.Deadline(); ok {
		_ = r.conn.SetDeadline(d)
	}
	return r
}

// writeHead writes the request but its last byte.
func (r *racer) writeHead() {
	if r.err != nil {
		return
	}
	if _, err := r.conn.Write(r.wire[:len(r.wire)-1]); err != nil {
		r.err = err
	}
}

// release writes the last byte.
func (r *racer) release(now func() time.Time) {
	if r.err != nil {
		return
	}
	r.x.Timings.Scheduled = now()
	r.x.Timings.Sent = r.x.Timings.Scheduled
	if _, err := r.conn.Write(r.wire[len(r.wire)-1:]); err != nil {
		r.err = err
	}
}

// read reads the response and completes the exchange.
func (r *racer) read(c *Client) {
	x := r.x
	defer func() {
		if r.err != nil && x.Err == nil {
			x.Err = r.err
		}
	}()
	if r.err != nil {
		return
	}
	fb := &firstByte{r: r.conn, now: c.now}
	resp, err := http.ReadResponse(bufio.NewReader(fb), r.req)
	if err != nil {
		x.Timings.Done = c.now()
		x.Timings.FirstByte = fb.at
		r.err = fmt.Errorf("exchange: race: reading the response: %w", err)
		return
	}
	defer resp.Body.Close()
	body, readErr := io.ReadAll(io.LimitReader(resp.Body, c.limit+1))
	x.Timings.Done = c.now()
	x.Timings.FirstByte = fb.at
	res := &Response{Status: resp.StatusCode, Proto: resp.Proto, Header: resp.Header, RawHeader: parseRawHeader(r.conn.stop())}
	if int64(len(body)) > c.limit {
		body, res.Truncated = body[:c.limit], true
	}
	res.Body = body
	x.Response = res
	if readErr != nil {
		x.Err = fmt.Errorf("exchange: reading the response body: %w", readErr)
	}
}

func (r *racer) close() {
	if r.conn != nil {
		_ = r.conn.Close()
	}
}

// firstByte notes when the first byte of the response arrived.
type firstByte struct {
	r   io.Reader
	now func() time.Time
	at  time.Time
}

func (f *firstByte) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if n > 0 && f.at.IsZero() {
		f.at = f.now()
	}
	return n, err
}

// hostPort is u's host with the scheme's default port when it names none.
func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	port := "80"
	if u.Scheme == "https" {
		port = "443"
	}
	return net.JoinHostPort(u.Hostname(), port)
}

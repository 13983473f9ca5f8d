package exchange_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/tokenbench/tokenbench/internal/checks"
	"github.com/tokenbench/tokenbench/internal/codes"
	"github.com/tokenbench/tokenbench/internal/exchange"
	"github.com/tokenbench/tokenbench/internal/provider"
	"github.com/tokenbench/tokenbench/internal/target"
)

// rawServer answers each request on path /N with responses[N], byte for
// byte, written in pieces of at most chunk bytes (0: at once), and closes
// the connection after it when the response has no Content-Length or says
// so in closeAfter.
type rawServer struct {
	ln         net.Listener
	responses  []string
	closeAfter map[int]bool
	chunk      int
	mu         sync.Mutex
	conns      int
}

func newRawServer(t *testing.T, responses []string, closeAfter map[int]bool, chunk int) *rawServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &rawServer{ln: ln, responses: responses, closeAfter: closeAfter, chunk: chunk}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns++
			s.mu.Unlock()
			go s.serve(c)
		}
	}()
	return s
}

func (s *rawServer) url(i int) string {
	return "http://" + s.ln.Addr().String() + "/" + strconv.Itoa(i)
}

func (s *rawServer) serve(c net.Conn) {
	defer c.Close()
	br := bufio.NewReader(c)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		fields := strings.Fields(line)
		if len(fields) < 2 {
			return
		}
		i, err := strconv.Atoi(strings.TrimPrefix(fields[1], "/"))
		if err != nil || i < 0 || i >= len(s.responses) {
			return
		}
		n := 0
		for {
			h, err := br.ReadString('\n')
			if err != nil {
				return
			}
			if h == "\r\n" {
				break
			}
			if name, v, ok := strings.Cut(h, ":"); ok && strings.EqualFold(name, "Content-Length") {
				n, _ = strconv.Atoi(strings.TrimSpace(v))
			}
		}
		if _, err := io.CopyN(io.Discard, br, int64(n)); err != nil {
			return
		}
		resp := []byte(s.responses[i])
		for len(resp) > 0 {
			k := len(resp)
			if s.chunk > 0 {
				k = min(k, s.chunk)
			}
			if _, err := c.Write(resp[:k]); err != nil {
				return
			}
			resp = resp[k:]
		}
		if s.closeAfter[i] {
			return
		}
	}
}

// response joins a status line, header lines and a body.
func response(status string, lines []string, body string) string {
	return status + "\r\n" + strings.Join(lines, "\r\n") + "\r\n\r\n" + body
}

// without returns lines without those whose name is one of names.
func without(lines []string, names ...string) []string {
	var out []string
	for _, l := range lines {
		name, _, _ := strings.Cut(l, ":")
		keep := true
		for _, n := range names {
			keep = keep && !strings.EqualFold(name, n)
		}
		if keep {
			out = append(out, l)
		}
	}
	return out
}

func TestFastClientSeesWhatClientSees(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tg, err := target.Embedded(ctx, provider.Config{Fast: true}, target.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tg.Close() })
	spec := exchange.TokenRequest(tg.TokenEndpoint, tg.Auth, "bench", tg.RedirectURI, "")
	real := tg.HTTP.Do(ctx, spec)
	if real.Err != nil || real.Status() != 200 {
		t.Fatalf("the reference provider: status %d, %v", real.Status(), real.Err)
	}
	var lines []string
	for _, l := range real.Response.RawHeader {
		lines = append(lines, l.Name+": "+l.Value)
	}
	body := string(real.Response.Body)
	noCL := without(lines, "Content-Length")
	cl := "Content-Length: " + strconv.Itoa(len(body))
	chunked := fmt.Sprintf("%x\r\n%s\r\n%x\r\n%s\r\n0\r\n\r\n", 10, body[:10], len(body)-10, body[10:])
	errBody := `{"error":"invalid_grant","error_description":"the code was used"}`
	lower := make([]string, len(lines))
	for i, l := range lines {
		name, v, _ := strings.Cut(l, ":")
		lower[i] = strings.ToLower(name) + ":" + v
	}
	cases := []struct {
		name  string
		raw   string
		close bool
		plain bool // FastClient parses it itself
	}{
		{"as the provider sends it", response("HTTP/1.1 200 OK", lines, body), false, true},
		{"duplicate headers", response("HTTP/1.1 200 OK", append(lines, "Cache-Control: no-cache", "X-Dup: a", "X-Dup: b"), body), false, true},
		{"obs-fold", response("HTTP/1.1 200 OK", append(without(lines, "Cache-Control"), "Cache-Control: no-cache,\r\n no-store"), body), false, false},
		{"chunked", response("HTTP/1.1 200 OK", append(noCL, "Transfer-Encoding: chunked"), chunked), false, false},
		{"chunked and a Content-Length", response("HTTP/1.1 200 OK", append(lines, "Transfer-Encoding: chunked"), chunked), false, false},
		{"no Content-Length, closed", response("HTTP/1.1 200 OK", noCL, body), true, false},
		{"no Content-Length, Connection: close", response("HTTP/1.1 200 OK", append(noCL, "Connection: close"), body), true, false},
		{"1xx interim responses first", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>; rel=preload\r\nCache-Control: public\r\n\r\n" +
			response("HTTP/1.1 200 OK", lines, body), false, false},
		{"lower-case names", response("HTTP/1.1 200 OK", lower, body), false, true},
		{"Pragma without Cache-Control", response("HTTP/1.1 200 OK", without(lines, "Cache-Control"), body), false, true},
		{"Connection: close", response("HTTP/1.1 200 OK", append(lines, "Connection: close"), body), true, true},
		{"Connection: keep-alive", response("HTTP/1.1 200 OK", append(lines, "Connection: keep-alive", "Keep-Alive: timeout=5"), body), false, true},
		{"whitespace around values", response("HTTP/1.1 200 OK", append(without(lines, "Cache-Control", "Content-Type"), "Cache-Control: \t no-store \t", "Content-Type:application/json"), body), false, true},
		{"a space before the colon", response("HTTP/1.1 200 OK", append(without(lines, "Cache-Control"), "Cache-Control : no-store"), body), false, false},
		{"two equal Content-Lengths", response("HTTP/1.1 200 OK", append(lines, cl), body), false, false},
		{"two different Content-Lengths", response("HTTP/1.1 200 OK", append(lines, "Content-Length: 3"), body), true, false},
		{"a body cut short", response("HTTP/1.1 200 OK", append(noCL, "Content-Length: "+strconv.Itoa(len(body)+10)), body), true, true},
		{"bare LF line ends", strings.ReplaceAll(response("HTTP/1.1 200 OK", lines, ""), "\r\n", "\n") + body, false, false},
		{"HTTP/1.0", response("HTTP/1.0 200 OK", lines, body), true, false},
		{"an OAuth error", response("HTTP/1.1 400 Bad Request", []string{"Content-Type: application/json", "Cache-Control: no-store", "Content-Length: " + strconv.Itoa(len(errBody))}, errBody), false, true},
		{"a header over 4 KiB", response("HTTP/1.1 200 OK", append(lines, "X-Pad: "+strings.Repeat("p", 9000)), body), false, true},
		{"no content", response("HTTP/1.1 204 No Content", without(lines, "Content-Length"), ""), false, false},
		{"a malformed status line", response("HTTP/1.1 2x0 OK", lines, body), true, false},
		{"status without reason", response("HTTP/1.1 200", lines, body), false, true},
		{"a Trailer header", response("HTTP/1.1 200 OK", append(lines, "Trailer: X-Sum"), body), false, false},
		{"a non-ASCII space at a value's end", response("HTTP/1.1 200 OK", append(lines, "X-Note: hi\u00a0"), body), false, true},
		{"a control byte in a value", response("HTTP/1.1 200 OK", append(lines, "X-Bad: a\x01b"), body), true, false},
		{"an empty body", response("HTTP/1.1 200 OK", append(noCL, "Content-Length: 0"), ""), false, true},
		{"a 500 page", response("HTTP/1.1 500 Internal Server Error", []string{"Content-Type: text/html", "Content-Length: 9"}, "<h1>x</h1>"[:9]), false, true},
	}
	var raws []string
	closeAfter := map[int]bool{}
	for i, c := range cases {
		raws = append(raws, c.raw)
		closeAfter[i] = c.close
	}
	cc := tg.CheckContext(&codes.Code{Value: "bench", RedirectURI: tg.RedirectURI})
	// At once, and in pieces that split every line (a head in many pieces
	// may go to net/http's parser: the result must be the same).
	for _, chunk := range []int{0, 7} {
		srv := newRawServer(t, raws, closeAfter, chunk)
		for _, limit := range []int64{exchange.DefaultBodyLimit, 100} {
			std := exchange.NewClient(exchange.WithBodyLimit(limit))
			fast := exchange.NewClient(exchange.WithBodyLimit(limit)).Fast(0)
			for i, c := range cases {
				name := fmt.Sprintf("%s/pieces %d/limit %d", c.name, chunk, limit)
				s := spec
				s.URL = srv.url(i)
				want := std.Do(ctx, s)
				for round := range 2 { // the second on a reused connection, when there is one
					slow := exchange.SlowReads(fast)
					got := fast.Do(ctx, s)
					compareExchanges(t, fmt.Sprintf("%s/#%d", name, round), got, want, cc)
					if c.plain && chunk == 0 && exchange.SlowReads(fast) != slow {
						t.Errorf("%s/#%d: net/http's parser read a response in the plain form", name, round)
					}
				}
			}
			std.CloseIdle()
			fast.CloseIdle()
		}
	}
}

// compareExchanges fails unless got and want carry the same request, the
// same response and the same check results.
func compareExchanges(t *testing.T, name string, got, want *exchange.Exchange, cc *checks.Context) {
	t.Helper()
	if !reflect.DeepEqual(got.Request, want.Request) {
		t.Errorf("%s: request\n got %+v\nwant %+v", name, got.Request, want.Request)
	}
	if !reflect.DeepEqual(got.Response, want.Response) {
		t.Errorf("%s: response\n got %s\nwant %s", name, show(got.Response), show(want.Response))
	}
	if (got.Err == nil) != (want.Err == nil) || got.IsTimeout() != want.IsTimeout() {
		t.Errorf("%s: error %v, want %v", name, got.Err, want.Err)
	}
	// What the load path masks an outcome key against (runner/redact.go).
	gs, ws := got.Secrets(), want.Secrets()
	slices.Sort(gs)
	slices.Sort(ws)
	if !slices.Equal(gs, ws) {
		t.Errorf("%s: secrets\n got %q\nwant %q", name, gs, ws)
	}
	for _, set := range [][]checks.Check{checks.Success(), checks.ErrorResponse()} {
		gr := checks.Validate(context.Background(), got, cc, set)
		wr := checks.Validate(context.Background(), want, cc, set)
		for k := range wr {
			g, w := gr[k], wr[k]
			same := g.ID == w.ID && g.Level == w.Level && g.Failed() == w.Failed() && g.Passed() == w.Passed()
			if same && want.Err == nil && g.Err != nil {
				same = g.Err.Error() == w.Err.Error()
			}
			if !same {
				t.Errorf("%s: check %s: got %v, want %v", name, w.ID, g.Err, w.Err)
			}
		}
	}
}

func show(r *exchange.Response) string {
	if r == nil {
		return "no response"
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%d %s header %v raw %v truncated %v body %d bytes %q", r.Status, r.Proto, r.Header, r.RawHeader, r.Truncated, len(r.Body), r.Body[:min(len(r.Body), 40)])
	return b.String()
}

package exchange

import (
	"bufio"
	"context"
	"io"
	"net"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// tokenResponse is a token response as the reference provider sends it,
// with a 1 KiB body.
var tokenResponse = "HTTP/1.1 200 OK\r\nCache-Control: no-store\r\nContent-Type: application/json;charset=utf-8\r\nPragma: no-cache\r\n" +
	"Date: Fri, 04 Dec 2026 16:12:18 GMT\r\nContent-Length: 1037\r\n\r\n" + `{"access_token":"` + strings.Repeat("a", 1012) + `","n":1}`

// cannedServer answers every request on a connection with resp.
func cannedServer(b *testing.B, resp string) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					n := 0
					for {
						l, err := br.ReadString('\n')
						if err != nil {
							return
						}
						if l == "\r\n" {
							break
						}
						if v, ok := strings.CutPrefix(l, "Content-Length: "); ok {
							n, _ = strconv.Atoi(strings.TrimSpace(v))
						}
					}
					io.CopyN(io.Discard, br, int64(n))
					if _, err := io.WriteString(c, resp); err != nil {
						return
					}
				}
			}()
		}
	}()
	return "http://" + ln.Addr().String() + "/token"
}

// BenchmarkExchangeLoopback is one token exchange on loopback, with each
// client, against a server that answers at once.
func BenchmarkExchangeLoopback(b *testing.B) {
	url := cannedServer(b, tokenResponse)
	spec := TokenRequest(url, Basic{Credentials{ID: "tokenbench", Secret: "tokenbench-secret"}}, "bench", "http://127.0.0.1:9/callback", "")
	for _, c := range []struct {
		name string
		do   func(context.Context, Spec) *Exchange
	}{{"FastClient", NewClient().Fast(0).Do}, {"Client", NewClient().Do}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if x := c.do(context.Background(), spec); x.Err != nil || x.Status() != 200 {
					b.Fatal(x.Status(), x.Err)
				}
			}
		})
	}
}

// BenchmarkParseHead is FastClient's share of reading a response head.
func BenchmarkParseHead(b *testing.B) {
	raw := []byte(tokenResponse)
	b.ReportAllocs()
	for b.Loop() {
		var sc headScan
		if complete, plain := sc.scan(raw); !complete || !plain {
			b.Fatal("not plain")
		}
		if _, ok := sc.length(raw); !ok {
			b.Fatal("not plain")
		}
		sc.head(string(raw[sc.statusEnd+2:sc.end-2]), new(block))
	}
}

// cannedConn answers every write with resp, at once: no syscall, no wait.
type cannedConn struct {
	net.Conn // nil: only Read, Write, Close and SetDeadline are used
	resp     string
	unread   string
}

func (c *cannedConn) Write(p []byte) (int, error) { c.unread = c.resp; return len(p), nil }
func (c *cannedConn) Read(p []byte) (int, error) {
	if c.unread == "" {
		return 0, io.EOF
	}
	n := copy(p, c.unread)
	c.unread = c.unread[n:]
	return n, nil
}
func (c *cannedConn) Close() error                     { return nil }
func (c *cannedConn) SetDeadline(t time.Time) error    { return nil }
func (c *cannedConn) SetReadDeadline(time.Time) error  { return nil }
func (c *cannedConn) SetWriteDeadline(time.Time) error { return nil }

// BenchmarkFastClientCPU is FastClient's own work per exchange (building
// and recording the request, parsing and recording the response), over a
// connection that answers at once, with a live heap the size of a load
// run's histograms (which sets how often the collector runs).
func BenchmarkFastClientCPU(b *testing.B) {
	ballast := make([]byte, 10<<20)
	defer runtime.KeepAlive(ballast)
	f := NewClient().Fast(0)
	f.dial = func(context.Context, string, string) (net.Conn, error) { return &cannedConn{resp: tokenResponse}, nil }
	spec := TokenRequest("http://127.0.0.1:9/token", Basic{Credentials{ID: "tokenbench", Secret: "tokenbench-secret"}}, "bench", "http://127.0.0.1:9/callback", "")
	b.ReportAllocs()
	for b.Loop() {
		if x := f.Do(context.Background(), spec); x.Err != nil || x.Status() != 200 {
			b.Fatal(x.Status(), x.Err)
		}
	}
}

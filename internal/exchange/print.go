package exchange

import (
	"fmt"
	"mime"
	"net/http"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/tokenbench/tokenbench/internal/redact"
)

// Redacted returns a copy of x with every secret masked by r: credentials
// in headers, secret parameters in the URL and body, tokens and personal
// claims in JSON bodies, and, by value anywhere, every secret registered
// with r and every secret x itself carries (Secrets), registered or not. A
// nil r returns an unredacted copy (the --reveal mode).
func (x *Exchange) Redacted(r *redact.Redactor) *Exchange {
	r = r.With(x.Secrets()...)
	c := &Exchange{Probe: x.Probe, Err: x.Err, Timings: x.Timings}
	c.Request = Request{
		Method: x.Request.Method,
		URL:    r.URL(x.Request.URL),
		Header: redactHeader(r, x.Request.Header),
		Body:   redactBody(r, x.Request.Header.Get("Content-Type"), x.Request.Body),
	}
	if x.Response != nil {
		resp := *x.Response
		resp.Header = redactHeader(r, x.Response.Header)
		resp.RawHeader = make([]HeaderLine, len(x.Response.RawHeader))
		for i, l := range x.Response.RawHeader {
			resp.RawHeader[i] = HeaderLine{l.Name, r.Header(l.Name, l.Value)}
		}
		if x.Response.RawHeader == nil {
			resp.RawHeader = nil
		}
		resp.Body = redactBody(r, x.Response.Header.Get("Content-Type"), x.Response.Body)
		c.Response = &resp
	}
	if x.Err != nil {
		c.Err = redactedError(r.String(x.Err.Error()))
	}
	return c
}

type redactedError string

func (e redactedError) Error() string { return string(e) }

func redactHeader(r *redact.Redactor, h http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, vs := range h {
		for _, v := range vs {
			out[k] = append(out[k], r.Header(k, v))
		}
	}
	return out
}

func redactBody(r *redact.Redactor, contentType string, body []byte) []byte {
	if body == nil {
		return nil
	}
	mt, _, _ := mime.ParseMediaType(contentType)
	trimmed := strings.TrimSpace(string(body))
	switch {
	case mt == "application/x-www-form-urlencoded":
		return []byte(r.Query(string(body)))
	case strings.HasPrefix(trimmed, "{") || strings.HasPrefix(trimmed, "["):
		return r.JSON(body)
	case strings.Contains(trimmed, "=") && !strings.ContainsAny(trimmed, " <\n"):
		return []byte(r.Query(string(body)))
	}
	return r.Bytes(body)
}

// Evidence caps: the Format methods show at most this much of each body and
// this many header lines of each message, and say how much they left out
// ("[... N more bytes]", "[... N more headers]"). The Exchange itself,
// which the checks read, keeps everything it read.
const (
	MaxFormatBody    = 16 << 10
	MaxFormatHeaders = 64
)

// Format writes the exchange as HTTP/1.1 text: FormatRequest, a blank
// line, then FormatResponse, each capped (MaxFormatBody, MaxFormatHeaders).
// Call it on a Redacted copy.
func (x *Exchange) Format() string {
	return x.FormatRequest() + "\n" + x.FormatResponse()
}

// FormatRequest writes the request as HTTP/1.1 text: the request line,
// headers and body. Call it on a Redacted copy.
func (x *Exchange) FormatRequest() string {
	var b strings.Builder
	path := x.Request.URL
	host := ""
	if i := strings.Index(path, "://"); i >= 0 {
		rest := path[i+3:]
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			host, path = rest[:j], rest[j:]
		} else {
			host, path = rest, "/"
		}
	}
	fmt.Fprintf(&b, "%s %s HTTP/1.1\n", x.Request.Method, path)
	if x.Request.Header.Get("Host") == "" && host != "" {
		fmt.Fprintf(&b, "Host: %s\n", host)
	}
	writeHeader(&b, x.Request.Header)
	writeBody(&b, x.Request.Body)
	return b.String()
}

// FormatResponse writes the response as HTTP/1.1 text: the status line,
// headers (as on the wire when captured) and body; or why there is none.
// Call it on a Redacted copy.
func (x *Exchange) FormatResponse() string {
	var b strings.Builder
	switch {
	case x.Response == nil:
		fmt.Fprintf(&b, "(no response: %v)\n", x.Err)
	default:
		fmt.Fprintf(&b, "%s %d %s\n", x.Response.Proto, x.Response.Status, http.StatusText(x.Response.Status))
		if x.Response.RawHeader != nil {
			for i, l := range x.Response.RawHeader {
				if i == MaxFormatHeaders {
					fmt.Fprintf(&b, "[... %d more headers]\n", len(x.Response.RawHeader)-i)
					break
				}
				fmt.Fprintf(&b, "%s: %s\n", l.Name, l.Value)
			}
		} else {
			writeHeader(&b, x.Response.Header)
		}
		writeBody(&b, x.Response.Body)
		if x.Response.Truncated {
			b.WriteString("(body truncated at the read limit)\n")
		}
		if x.Err != nil {
			fmt.Fprintf(&b, "(error: %v)\n", x.Err)
		}
	}
	return b.String()
}

// writeBody writes a body after a blank line, cut at MaxFormatBody bytes
// (on a UTF-8 boundary).
func writeBody(b *strings.Builder, body []byte) {
	if len(body) == 0 {
		return
	}
	shown := body
	if len(shown) > MaxFormatBody {
		cut := MaxFormatBody
		for cut > MaxFormatBody-utf8.UTFMax && !utf8.RuneStart(body[cut]) {
			cut--
		}
		shown = body[:cut]
	}
	fmt.Fprintf(b, "\n%s\n", shown)
	if n := len(body) - len(shown); n > 0 {
		fmt.Fprintf(b, "[... %d more bytes]\n", n)
	}
}

// writeHeader writes header lines, Host first, the rest sorted, at most
// MaxFormatHeaders of them.
func writeHeader(b *strings.Builder, h http.Header) {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if i := indexOf(keys, "Host"); i > 0 {
		keys = append([]string{"Host"}, append(keys[:i:i], keys[i+1:]...)...)
	}
	n, total := 0, 0
	for _, k := range keys {
		total += len(h[k])
	}
	for _, k := range keys {
		for _, v := range h[k] {
			if n == MaxFormatHeaders {
				fmt.Fprintf(b, "[... %d more headers]\n", total-n)
				return
			}
			fmt.Fprintf(b, "%s: %s\n", k, v)
			n++
		}
	}
}

func indexOf(ss []string, s string) int {
	for i, x := range ss {
		if x == s {
			return i
		}
	}
	return -1
}

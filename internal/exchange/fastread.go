package exchange

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"strings"
	"unsafe"

	"golang.org/x/net/http/httpguts"
)

// maxFastHeader bounds the response head FastClient parses itself; a
// longer one goes to net/http's parser.
const maxFastHeader = 64 << 10

// read reads the response to the request just written on cn into
// blk's Exchange (no Response when none came), and says whether cn may
// carry another exchange. A non-nil error with a Response is a body that
// could not be read whole.
func (f *FastClient) read(cn *wireConn, blk *block) (reuse bool, err error) {
	x := &blk.x
	cn.w = 0
	sc := &cn.sc
	reads := 0
	for {
		if cn.w == len(cn.buf) {
			if len(cn.buf) >= maxFastHeader {
				return false, f.readSlow(cn, x)
			}
			nb := make([]byte, 2*len(cn.buf))
			copy(nb, cn.buf[:cn.w])
			cn.buf = nb
		}
		n, err := cn.io.Read(cn.buf[cn.w:])
		if n > 0 {
			if reads++; reads == 1 {
				x.Timings.FirstByte = f.c.now()
			}
		}
		cn.w += n
		complete, plain := sc.scan(cn.buf[:cn.w])
		if !plain || (!complete && reads > 16) {
			// net/http's parser judges, and reads a head that comes in
			// many pieces without scanning it again each time.
			return false, f.readSlow(cn, x)
		}
		if complete {
			break
		}
		if err != nil {
			if cn.w > 0 && err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return false, err
		}
	}
	length, ok := sc.length(cn.buf)
	if !ok {
		return false, f.readSlow(cn, x)
	}
	reuse = true
	want := length
	if want > f.c.limit {
		want = f.c.limit + 1 // as Client reads: one byte past the limit
		reuse = false
	}
	// The head's text and the body share one allocation when the body is
	// here whole (the usual case): the strings alias its head part, which
	// nothing can reach as bytes, and the body is the rest.
	off := sc.statusEnd + 2
	var text string
	var body []byte
	if have := int64(cn.w - sc.end); have >= want {
		if reads == 1 {
			blk.done = x.Timings.FirstByte // the whole response came in one read
		}
		mem := cn.keep(cn.buf[off : sc.end+int(want)])
		text = unsafe.String(&mem[0], sc.end-2-off)
		body = mem[sc.end-off:]
		if have > want {
			reuse = false // bytes past the response: not ours to guess at
		}
	} else {
		text = string(cn.buf[off : sc.end-2])
		body = make([]byte, want)
		got := copy(body, cn.buf[sc.end:cn.w])
		var n int
		n, err = io.ReadFull(cn.io, body[got:])
		body = body[:got+n]
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
	}
	h := sc.head(text, blk)
	reuse = reuse && !h.close
	r := &blk.r
	*r = Response{Status: sc.status, Proto: "HTTP/1.1", Header: h.header, RawHeader: h.raw}
	if int64(len(body)) > f.c.limit {
		body, r.Truncated = body[:f.c.limit], true
	}
	r.Body = body
	x.Response = r
	if err != nil {
		return false, fmt.Errorf("exchange: reading the response body: %w", err)
	}
	return reuse, nil
}

// maxFastLines bounds the header lines FastClient parses itself.
const maxFastLines = 32

// headScan is a response head scanned in one pass: the status, and where
// each header line's name and value are. It recognises the plain form: an
// HTTP/1.1 status line with a final status that has a body, then lines of
// a token, a colon and a value without control bytes (tabs aside), each
// ended by CRLF, then CRLF. Anything else (a bare LF, obs-fold, a space
// before the colon, a 1xx, ...) is for net/http's parser.
type headScan struct {
	status    int
	statusEnd int // the CR ending the status line
	end       int // the head's length, blank line included
	n         int
	lines     [maxFastLines]lineSpan
	canonical uint32 // bit i: line i's name is in canonical form
}

// lineSpan is where a header line's name, colon and CR are.
type lineSpan struct{ name, colon, cr int32 }

// scan scans b, the bytes received so far. complete says the head ended
// within b; plain false says it is not (or cannot become) in the plain form.
func (sc *headScan) scan(b []byte) (complete, plain bool) {
	i := 0
	for i < len(b) && b[i] != '\r' && b[i] != '\n' {
		i++
	}
	switch {
	case i+1 >= len(b):
		return false, i < maxFastHeader
	case b[i] != '\r' || b[i+1] != '\n' || !sc.statusLine(b[:i]):
		return true, false
	}
	sc.statusEnd, sc.n, sc.canonical = i, 0, 0
	p := i + 2
	for {
		if p+1 >= len(b) {
			return false, true
		}
		if b[p] == '\r' { // the blank line
			if b[p+1] != '\n' {
				return true, false
			}
			sc.end = p + 2
			return true, true
		}
		name, canonical, upper := p, true, true
		for ; p < len(b) && b[p] != ':'; p++ {
			c := b[p]
			if !tokenByte[c] {
				return true, false
			}
			if upper && 'a' <= c && c <= 'z' || !upper && 'A' <= c && c <= 'Z' {
				canonical = false
			}
			upper = c == '-'
		}
		if p == len(b) {
			return false, true
		}
		if p == name || sc.n == maxFastLines {
			return true, false
		}
		colon := p
		for p++; p+8 <= len(b) && !ctlIn(binary.LittleEndian.Uint64(b[p:])); {
			p += 8 // eight bytes without a control byte (nor the CR)
		}
		for ; p < len(b) && b[p] != '\r'; p++ {
			if c := b[p]; c < ' ' && c != '\t' || c == 0x7f {
				return true, false
			}
		}
		if p+1 >= len(b) {
			return false, true
		}
		if b[p+1] != '\n' {
			return true, false
		}
		if canonical {
			sc.canonical |= 1 << sc.n
		}
		sc.lines[sc.n] = lineSpan{int32(name), int32(colon), int32(p)}
		sc.n++
		p += 2
	}
}

// ctlIn reports whether any byte of w is below 0x20 or is 0x7f (it may
// say so of a byte from 0x80 up, which the caller then looks at).
func ctlIn(w uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	below := (w - 0x20*ones) &^ w & highs
	del := w ^ 0x7f*ones
	return below|((del-ones)&^del&highs) != 0
}

// statusLine parses "HTTP/1.1 NNN[ reason]" with a final status that has a
// body; false for any other.
func (sc *headScan) statusLine(l []byte) bool {
	if len(l) < 12 || string(l[:9]) != "HTTP/1.1 " || (len(l) > 12 && l[12] != ' ') {
		return false
	}
	for _, c := range l[9:12] {
		if c < '0' || c > '9' {
			return false
		}
	}
	sc.status = int(l[9]-'0')*100 + int(l[10]-'0')*10 + int(l[11]-'0')
	return sc.status >= 200 && sc.status < 600 && sc.status != 204 && sc.status != 304
}

// length finds the head's framing: its one Content-Length; false when it
// needs net/http's parser after all (no or several Content-Lengths, a
// Transfer-Encoding or a Trailer).
func (sc *headScan) length(b []byte) (n int64, ok bool) {
	lengths := 0
	for _, l := range sc.lines[:sc.n] {
		name := b[l.name:l.colon]
		switch {
		case asciiEqualFold(name, "Content-Length"):
			lengths++
			if n, ok = parseLength(trimOWS(string(b[l.colon+1 : l.cr]))); !ok {
				return 0, false
			}
		case asciiEqualFold(name, "Transfer-Encoding"), asciiEqualFold(name, "Trailer"):
			return 0, false
		}
	}
	return n, lengths == 1
}

// asciiEqualFold reports whether b is s, ignoring ASCII case.
func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		if b[i]|0x20 != s[i]|0x20 {
			return false
		}
	}
	return true
}

// head is a response head in the plain form.
type head struct {
	header http.Header
	raw    []HeaderLine
	close  bool // Connection: close
}

// head builds what net/http's ReadResponse and parseRawHeader make of the
// head scanned, given text, the header lines' part of it.
func (sc *headScan) head(text string, blk *block) (h head) {
	n := sc.n
	off := sc.statusEnd + 2
	var vals []string
	if n <= len(blk.raw) {
		h.raw, vals = blk.raw[:n:n], blk.respVals[:n:n]
	} else {
		h.raw, vals = make([]HeaderLine, n), make([]string, n)
	}
	h.header = make(http.Header, n)
	for i, l := range sc.lines[:n] {
		name, value := text[int(l.name)-off:int(l.colon)-off], text[int(l.colon)+1-off:int(l.cr)-off]
		key := name
		if sc.canonical&(1<<i) == 0 {
			key = textproto.CanonicalMIMEHeaderKey(name)
		}
		v := trimOWS(value)
		rv := v
		if len(v) > 0 && (v[0] >= 0x80 || v[len(v)-1] >= 0x80) {
			rv = strings.TrimSpace(value) // what parseRawHeader keeps
		}
		h.raw[i], vals[i] = HeaderLine{Name: name, Value: rv}, v
		if vv := h.header[key]; vv != nil {
			h.header[key] = append(vv, v)
		} else {
			h.header[key] = vals[i : i+1 : i+1]
		}
	}
	// What http.ReadResponse does to the header it parsed.
	if httpguts.HeaderValuesContainsToken(h.header["Connection"], "close") {
		h.close = true
		delete(h.header, "Connection")
	}
	if p := h.header["Pragma"]; len(p) > 0 && p[0] == "no-cache" {
		if _, ok := h.header["Cache-Control"]; !ok {
			h.header["Cache-Control"] = []string{"no-cache"}
		}
	}
	return h
}

// tokenByte marks the bytes of an RFC 9110 token.
var tokenByte = func() (t [256]bool) {
	for c := range t {
		t[c] = httpguts.IsTokenRune(rune(c)) && c < 0x80
	}
	return t
}()

// trimOWS trims spaces and tabs, as net/textproto does to header values.
func trimOWS(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// parseLength parses a Content-Length of digits only.
func parseLength(s string) (int64, bool) {
	if s == "" || len(s) > 18 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int64(s[i]-'0')
	}
	return n, true
}

// readSlow reads the response with net/http's parser, as the Client's
// transport does: the bytes cn has buffered, then the connection; interim
// 1xx responses skipped; the header lines as received from the captured
// bytes. The connection is not reused after it.
func (f *FastClient) readSlow(cn *wireConn, x *Exchange) error {
	f.slow.Add(1)
	capt := &capture{b: append([]byte(nil), cn.buf[:cn.w]...)}
	capt.src = cn.io
	br := bufio.NewReader(io.MultiReader(bytes.NewReader(cn.buf[:cn.w]), capt))
	req := &http.Request{Method: x.Request.Method}
	var resp *http.Response
	for n1xx := 0; ; n1xx++ {
		var err error
		if resp, err = http.ReadResponse(br, req); err != nil {
			return err
		}
		if resp.StatusCode < 100 || resp.StatusCode > 199 || resp.StatusCode == http.StatusSwitchingProtocols {
			break
		}
		if n1xx == 5 {
			return errTooMany1xx
		}
	}
	defer resp.Body.Close()
	body, readErr := io.ReadAll(io.LimitReader(resp.Body, f.c.limit+1))
	r := &Response{Status: resp.StatusCode, Proto: resp.Proto, Header: resp.Header, RawHeader: parseRawHeader(capt.b)}
	if int64(len(body)) > f.c.limit {
		body, r.Truncated = body[:f.c.limit], true
	}
	r.Body = body
	x.Response = r
	if readErr != nil {
		return fmt.Errorf("exchange: reading the response body: %w", readErr)
	}
	return nil
}

// capture reads from src and keeps what it read, as recConn does.
type capture struct {
	src io.Reader
	b   []byte
}

func (c *capture) Read(p []byte) (int, error) {
	n, err := c.src.Read(p)
	if n > 0 && len(c.b) < maxRecorded {
		c.b = append(c.b, p[:n]...)
	}
	return n, err
}

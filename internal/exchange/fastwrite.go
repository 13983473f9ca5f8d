package exchange

import "strconv"

// The FastClient's request bytes: the request line and headers as net/http
// writes them, and the form body (RFC 6749 Appendix B), memoised per worker.

// appendRequest writes the request as net/http does: Host, User-Agent and
// Content-Length first, then the other headers sorted by name.
func appendRequest(b []byte, ep *endpoint, userAgent, contentType, auth string, hasAuth bool, body []byte) []byte {
	b = append(b, "POST "...)
	b = append(b, ep.requestURI...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, ep.host...)
	b = append(b, "\r\nUser-Agent: "...)
	b = append(b, userAgent...)
	b = append(b, "\r\nContent-Length: "...)
	b = strconv.AppendInt(b, int64(len(body)), 10)
	b = append(b, "\r\nAccept: application/json\r\n"...)
	if hasAuth {
		b = append(b, "Authorization: "...)
		b = append(b, auth...)
		b = append(b, "\r\n"...)
	}
	b = append(b, "Content-Type: "...)
	b = append(b, contentType...)
	b = append(b, "\r\n\r\n"...)
	return append(b, body...)
}

// formMemo is the parameters of one request with their encodings: a load
// run sends the same grant_type and redirect_uri each time, and a code
// that changes.
type formMemo struct{ params, encoded []string }

// form is appendForm with the encodings of parameters that were in the
// memo taken from there. A miss renews the memo, at most once every 1024
// requests: parameters that change each time cost a comparison, not an
// allocation.
func (f *FastClient) form(b []byte, ps []Param) []byte {
	m := f.memo.Load()
	miss := false
	for i, p := range ps {
		if i > 0 {
			b = append(b, '&')
		}
		if m != nil && 2*i+1 < len(m.params) && m.params[2*i] == p.Name && m.params[2*i+1] == p.Value {
			b = append(b, m.encoded[i]...)
			continue
		}
		miss = true
		b = appendQueryEscape(b, p.Name)
		b = append(b, '=')
		b = appendQueryEscape(b, p.Value)
	}
	if miss && f.memoMisses.Add(1)%1024 == 1 {
		n := &formMemo{params: make([]string, 0, 2*len(ps)), encoded: make([]string, 0, len(ps))}
		for _, p := range ps {
			n.params = append(n.params, p.Name, p.Value)
			n.encoded = append(n.encoded, string(appendForm(nil, []Param{p})))
		}
		f.memo.Store(n)
	}
	return b
}

// appendForm appends the parameters form-encoded, byte for byte as
// encodeParams (url.QueryEscape) does.
func appendForm(b []byte, ps []Param) []byte {
	for i, p := range ps {
		if i > 0 {
			b = append(b, '&')
		}
		b = appendQueryEscape(b, p.Name)
		b = append(b, '=')
		b = appendQueryEscape(b, p.Value)
	}
	return b
}

// appendQueryEscape is url.QueryEscape appending to b: unreserved bytes as
// they are, space as '+', everything else %XX.
func appendQueryEscape(b []byte, s string) []byte {
	const hex = "0123456789ABCDEF"
	for len(s) > 0 {
		i := 0
		for i < len(s) && unreserved[s[i]] {
			i++
		}
		b = append(b, s[:i]...)
		if i == len(s) {
			break
		}
		if c := s[i]; c == ' ' {
			b = append(b, '+')
		} else {
			b = append(b, '%', hex[c>>4], hex[c&15])
		}
		s = s[i+1:]
	}
	return b
}

// unreserved marks the bytes url.QueryEscape keeps (RFC 3986 §2.3).
var unreserved = func() (t [256]bool) {
	for c := range t {
		t[c] = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~'
	}
	return t
}()

package provider

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
)

// Hostile is a mode in which the provider attacks the harness through what
// it sends back: not a defect (no requirement row is about it), but what a
// broken or malicious provider does to a tool pointed at it. The harness
// must leak no secret and write no flood against any of them.
type Hostile struct {
	Name    string
	Summary string
}

// Hostile mode names.
const (
	HostileEcho     = "echo"
	HostileBOM      = "bom"
	HostileXSSI     = "xssi"
	HostileTrailing = "trailing"
	HostileText     = "text"
	HostileHTML     = "html"
	HostileHuge     = "huge"
)

// Hostile sizes.
const (
	hugeBody     = 64 << 20 // bytes of padding in a huge body
	hugeHeaders  = 2000
	echoRefusal  = 5 // echo: every echoRefusal-th success is refused with the code as its error
	xssiPrefix   = ")]}'\n"
	trailingText = "\n<!-- end of response -->\n"
)

// HostileModes lists the hostile modes.
func HostileModes() []Hostile {
	return []Hostile{
		{HostileEcho, "echoes the Authorization header, the request body, the code and the bearer token back: in X-Echo-* headers of every token and userinfo response, in error bodies, in userinfo; every 5th valid token request is refused with the code it sent as the error code"},
		{HostileBOM, "starts every token and userinfo body with a UTF-8 byte order mark"},
		{HostileXSSI, `starts every token and userinfo body with the XSSI prefix )]}'`},
		{HostileTrailing, "ends every token and userinfo body with bytes after the JSON"},
		{HostileText, "sends token and userinfo bodies as text/plain, form-encoded (access_token=...&id_token=...)"},
		{HostileHTML, "sends token and userinfo bodies as an HTML page: hidden inputs and the JSON in a <pre>"},
		{HostileHuge, "adds 2,000 headers and 64 MiB of padding to every token and userinfo response"},
	}
}

// HostileNames lists the hostile mode names.
func HostileNames() []string {
	var out []string
	for _, h := range HostileModes() {
		out = append(out, h.Name)
	}
	return out
}

// ParseHostile parses a comma-separated list of hostile mode names.
func ParseHostile(spec string) ([]string, error) {
	var out []string
	for item := range strings.SplitSeq(spec, ",") {
		if item = strings.TrimSpace(item); item != "" && !slices.Contains(out, item) {
			out = append(out, item)
		}
	}
	return out, validateHostile(out)
}

func validateHostile(names []string) error {
	for _, n := range names {
		if !slices.Contains(HostileNames(), n) {
			return fmt.Errorf("provider: unknown hostile mode %q; known modes: %s", n, strings.Join(HostileNames(), ", "))
		}
	}
	if slices.Contains(names, HostileText) && slices.Contains(names, HostileHTML) {
		return fmt.Errorf("provider: hostile modes %s and %s both choose the body's format; pick one", HostileText, HostileHTML)
	}
	return nil
}

// hostile wraps the token or userinfo endpoint: it reports the secrets of
// every request and response to Config.OnSecret, and applies the hostile
// modes to the response. Without either it returns next.
func (p *Provider) hostile(next http.Handler) http.Handler {
	if len(p.cfg.Hostile) == 0 && p.cfg.OnSecret == nil {
		return next
	}
	var successes atomic.Int64
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in := readRequest(r)
		p.witnessRequest(in)
		c := &captured{header: http.Header{}}
		next.ServeHTTP(c, r)
		p.witnessResponse(c.body.Bytes())
		if len(p.cfg.Hostile) == 0 {
			c.writeTo(w)
			return
		}
		on := func(m string) bool { return slices.Contains(p.cfg.Hostile, m) }
		token := r.URL.Path == PathToken
		if on(HostileEcho) {
			refuse := token && c.status == http.StatusOK && successes.Add(1)%echoRefusal == 0
			echo(c, in, token, refuse)
		}
		if c.body.Len() > 0 {
			switch {
			case on(HostileText):
				c.reformat("text/plain;charset=utf-8", formBody)
			case on(HostileHTML):
				c.reformat("text/html;charset=utf-8", htmlBody)
			}
			body := c.body.Bytes()
			if on(HostileTrailing) {
				body = append(body, trailingText...)
			}
			if on(HostileXSSI) {
				body = append([]byte(xssiPrefix), body...)
			}
			if on(HostileBOM) {
				body = append([]byte("\ufeff"), body...)
			}
			c.body = *bytes.NewBuffer(body)
		}
		if on(HostileHuge) {
			writeHuge(w, c)
			return
		}
		c.writeTo(w)
	})
}

// request is what the hostile wrapper read of a request.
type request struct {
	auth   string
	body   string
	params url.Values // body and query parameters
}

// readRequest reads (and puts back) the request body.
func readRequest(r *http.Request) request {
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(io.LimitReader(r.Body, maxTokenBody+1))
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	params, _ := url.ParseQuery(string(body))
	for k, vs := range r.URL.Query() {
		params[k] = append(params[k], vs...)
	}
	return request{auth: r.Header.Get("Authorization"), body: string(body), params: params}
}

// captured is a response held back to be rewritten.
type captured struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (c *captured) Header() http.Header { return c.header }

func (c *captured) WriteHeader(status int) {
	if c.status == 0 {
		c.status = status
	}
}

func (c *captured) Write(b []byte) (int, error) {
	c.WriteHeader(http.StatusOK)
	return c.body.Write(b)
}

func (c *captured) writeTo(w http.ResponseWriter) {
	for k, vs := range c.header {
		w.Header()[k] = vs
	}
	w.Header().Del("Content-Length")
	w.WriteHeader(max(c.status, http.StatusOK))
	_, _ = w.Write(c.body.Bytes())
}

// echo copies what the client sent into the response: X-Echo-* headers,
// the members of an error or userinfo body, and, when refuse is set, a 400
// whose error code is the code the client sent.
func echo(c *captured, in request, token, refuse bool) {
	code := in.params.Get("code")
	bearer := strings.TrimSpace(strings.TrimPrefix(in.auth, "Bearer"))
	c.header.Set("X-Echo-Authorization", in.auth)
	c.header.Set("X-Echo-Body", in.body)
	if token {
		c.header.Set("X-Echo-Code", code)
	} else {
		c.header.Set("X-Echo-Token", bearer)
	}
	switch {
	case refuse:
		c.status = http.StatusBadRequest
		c.set(object([]member{{"error", code}, {"error_description", "echo: Authorization " + in.auth}}))
	case token && c.status >= 400:
		var e struct {
			Error string `json:"error"`
			Desc  string `json:"error_description"`
		}
		_ = json.Unmarshal(c.body.Bytes(), &e)
		c.set(object([]member{{"error", e.Error},
			{"error_description", e.Desc + "; received Authorization " + in.auth + " and body " + in.body},
			{"echo_authorization", in.auth}, {"echo_body", in.body}, {"echo_code", code}}))
	case !token && c.status == http.StatusOK:
		var m map[string]any
		if json.Unmarshal(c.body.Bytes(), &m) == nil {
			m["echo_token"], m["echo_authorization"] = bearer, in.auth
			b, _ := json.Marshal(m)
			c.set(b)
		}
	case !token:
		c.set(object([]member{{"error", "invalid_token"}, {"error_description", "unknown token " + bearer}, {"echo_authorization", in.auth}}))
	}
}

// set replaces a JSON body.
func (c *captured) set(body []byte) {
	c.header.Set("Content-Type", "application/json")
	c.body = *bytes.NewBuffer(body)
}

// reformat rewrites a JSON object body with format.
func (c *captured) reformat(contentType string, format func([]member, []byte) []byte) {
	ms, ok := members(c.body.Bytes())
	if !ok {
		return
	}
	c.header.Set("Content-Type", contentType)
	c.body = *bytes.NewBuffer(format(ms, c.body.Bytes()))
}

// members splits a JSON object into its members, in order, values as text
// (strings unquoted).
func members(body []byte) ([]member, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, false
	}
	var ms []member
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return nil, false
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, false
		}
		var s string
		if json.Unmarshal(raw, &s) != nil {
			s = string(raw)
		}
		ms = append(ms, member{k.(string), s})
	}
	return ms, true
}

// formBody is name=value&... in member order (as some providers answer
// token requests).
func formBody(ms []member, _ []byte) []byte {
	var b strings.Builder
	for i, m := range ms {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(m.name) + "=" + url.QueryEscape(m.value.(string)))
	}
	return []byte(b.String())
}

// htmlBody is a page with one hidden input per member (as a form_post
// response) and the JSON in a <pre>.
func htmlBody(ms []member, js []byte) []byte {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html><head><title>Token response</title></head><body>\n<form method=\"post\" action=\"/callback\">\n")
	for _, m := range ms {
		fmt.Fprintf(&b, "<input type=\"hidden\" name=\"%s\" value=\"%s\">\n", html.EscapeString(m.name), html.EscapeString(m.value.(string)))
	}
	fmt.Fprintf(&b, "</form>\n<pre>%s</pre>\n</body></html>\n", html.EscapeString(string(js)))
	return []byte(b.String())
}

// writeHuge writes c with hugeHeaders more headers and hugeBody bytes of
// padding, streamed: inside the JSON object when the body is one (the
// tokens come first), else after the body. It stops when the client stops
// reading.
func writeHuge(w http.ResponseWriter, c *captured) {
	for i := range hugeHeaders {
		c.header.Set(fmt.Sprintf("X-Hostile-%04d", i), strings.Repeat("h", 48))
	}
	body := c.body.Bytes()
	head, tail := body, []byte(nil)
	if t := bytes.TrimSpace(body); len(t) > 1 && t[0] == '{' && t[len(t)-1] == '}' {
		head, tail = append(slices.Clone(t[:len(t)-1]), `,"x_padding":"`...), []byte(`"}`)
	}
	c.body = *bytes.NewBuffer(nil)
	for k, vs := range c.header {
		w.Header()[k] = vs
	}
	w.Header().Del("Content-Length")
	w.WriteHeader(max(c.status, http.StatusOK))
	if _, err := w.Write(head); err != nil {
		return
	}
	pad := bytes.Repeat([]byte("a"), 32<<10)
	for n := 0; n < hugeBody; n += len(pad) {
		if _, err := w.Write(pad); err != nil {
			return
		}
	}
	_, _ = w.Write(tail)
}

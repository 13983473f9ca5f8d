package exchange

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"html"
	"mime"
	"net/url"
	"strings"

	"github.com/tokenbench/tokenbench/internal/jsonscan"
	"github.com/tokenbench/tokenbench/internal/redact"
)

// Register registers the secrets x carries (Secrets) with r, and the
// values of the personal claims in the claim sets it received (the payload
// of every ID token in the response, the first JSON object of the body: a
// UserInfo response). A nil r registers nothing.
func (x *Exchange) Register(r *redact.Redactor) {
	if r == nil || x == nil {
		return
	}
	r.AddSecret(x.Secrets()...)
	for _, c := range x.claimSets() {
		r.AddClaims(c)
	}
}

// Secrets returns the secret values x carries, for redaction by value:
//
//   - the credentials of the request's Authorization header (a Basic
//     secret, raw and form-decoded, and the credential itself; a Bearer
//     token);
//   - the values of the secret parameters (redact.SecretParam: code,
//     code_verifier, client_secret, tokens) in the request URL and body;
//   - every token in the response body, found even when the body is not
//     valid JSON (a BOM, an XSSI prefix such as ")]}'", trailing bytes, a
//     form-encoded text/plain body, an HTML page): the values of token
//     members and parameters, and every compact JWS.
//
// It is a net, not a parser: it may return more than the secrets, never on
// purpose fewer. At most maxBodySecrets come from the response body.
func (x *Exchange) Secrets() []string {
	if x == nil {
		return nil
	}
	var out []string
	for _, v := range x.Request.Header.Values("Authorization") {
		out = credentials(v, out)
	}
	if u, err := url.Parse(x.Request.URL); err == nil {
		out = secretParams(u.RawQuery, out)
	}
	out = requestBodySecrets(x.Request.Header.Get("Content-Type"), x.Request.Body, out)
	if x.Response != nil {
		out = bodySecrets(x.Response.Body, out)
	}
	return out
}

// maxBodySecrets bounds what one response body can register: a hostile
// body with a million "access_token=" must not grow the registry without
// bound.
const maxBodySecrets = 64

// credentials appends the secrets of an Authorization header value.
func credentials(v string, dst []string) []string {
	scheme, cred, found := strings.Cut(strings.TrimSpace(v), " ")
	if !found {
		return append(dst, v)
	}
	cred = strings.TrimSpace(cred)
	dst = append(dst, cred)
	if !strings.EqualFold(scheme, "Basic") {
		return dst
	}
	raw, err := base64.StdEncoding.DecodeString(cred)
	if err != nil {
		return dst
	}
	_, secret, ok := strings.Cut(string(raw), ":")
	if !ok {
		return dst
	}
	dst = append(dst, secret)
	if dec, err := url.QueryUnescape(secret); err == nil && dec != secret {
		dst = append(dst, dec)
	}
	return dst
}

// secretParams appends the values of the secret parameters of a query or
// form body (what parses of it when it does not parse whole).
func secretParams(q string, dst []string) []string {
	vs, _ := url.ParseQuery(q)
	for name, values := range vs {
		if redact.SecretParam(name) {
			dst = append(dst, values...)
		}
	}
	return dst
}

func requestBodySecrets(contentType string, body []byte, dst []string) []string {
	if len(body) == 0 {
		return dst
	}
	if mt, _, _ := mime.ParseMediaType(contentType); mt == "application/json" {
		var m map[string]any
		if json.Unmarshal(body, &m) == nil {
			for name, v := range m {
				if s, ok := v.(string); ok && redact.SecretParam(name) {
					dst = append(dst, s)
				}
			}
		}
	}
	return secretParams(string(body), dst)
}

// tokenNames are the members and parameters whose values bodySecrets takes
// (the secret JSON members of redact.SecretMember).
var tokenNames = []string{"access_token", "id_token", "refresh_token", "device_code", "code_verifier", "client_secret", "code"}

// bodySecrets appends the tokens in a response body, however it is wrapped,
// and those of its text with HTML character references undone (JSON shown
// in an HTML page).
func bodySecrets(body []byte, dst []string) []string {
	n := len(dst)
	dst = tokensIn(body, dst, n)
	if bytes.IndexByte(body, '&') >= 0 {
		if u := html.UnescapeString(string(body)); u != string(body) {
			dst = tokensIn([]byte(u), dst, n)
		}
	}
	return dst
}

// tokensIn appends the tokens in b until dst has maxBodySecrets more than
// its first n.
func tokensIn(body []byte, dst []string, n int) []string {
	full := func() bool { return len(dst)-n >= maxBodySecrets }
	for _, name := range tokenNames {
		for off := 0; off < len(body) && !full(); {
			i := bytes.Index(body[off:], []byte(name))
			if i < 0 {
				break
			}
			i += off
			off = i + len(name)
			if i > 0 && nameByte(body[i-1]) || off < len(body) && nameByte(body[off]) {
				continue // part of a longer name ("authorization_code")
			}
			dst = valueAfter(body[off:], dst)
		}
	}
	for _, jws := range compactJWSs(body) {
		if full() {
			break
		}
		dst = append(dst, jws)
	}
	return dst
}

func nameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// valueAfter appends the value that follows a member or parameter name:
// `": "v"` (JSON), `=v` (a form), or an HTML input's `" value="v"`. A bare
// word after a colon is prose ("code: expired"), not a value.
func valueAfter(rest []byte, dst []string) []string {
	i := 0
	for i < len(rest) && i < 8 && strings.IndexByte(`"' `+"\t", rest[i]) >= 0 {
		i++
	}
	if i < len(rest) && (rest[i] == ':' || rest[i] == '=') {
		sep := rest[i]
		i++
		for i < len(rest) && (rest[i] == ' ' || rest[i] == '\t') {
			i++
		}
		if sep == ':' && (i == len(rest) || rest[i] != '"' && rest[i] != '\'') {
			return dst
		}
		return value(rest[i:], dst)
	}
	// <input name="access_token" value="...">
	end := min(len(rest), 64)
	if gt := bytes.IndexByte(rest[:end], '>'); gt >= 0 {
		end = gt
	}
	if j := bytes.Index(rest[:end], []byte("value=")); j >= 0 {
		return value(rest[j+len("value="):], dst)
	}
	return dst
}

// value appends a value as written (a JSON string, a quoted or bare word)
// and as decoded (JSON, HTML or percent escapes undone).
func value(s []byte, dst []string) []string {
	if len(s) == 0 {
		return dst
	}
	var raw string
	switch q := s[0]; q {
	case '"', '\'':
		end := 1
		for end < len(s) && s[end] != q {
			if s[end] == '\\' {
				end++
			}
			end++
		}
		end = min(end, len(s))
		raw = string(s[1:end])
		if q == '"' {
			var dec string
			if json.Unmarshal(s[:min(end+1, len(s))], &dec) == nil && dec != raw {
				dst = append(dst, dec)
			}
		}
	default:
		end := 0
		for end < len(s) && strings.IndexByte("&\"'<>,;}] \t\r\n", s[end]) < 0 {
			end++
		}
		raw = string(s[:end])
	}
	switch raw {
	case "", "null", "true", "false":
		return dst
	}
	dst = append(dst, raw)
	if dec, err := url.QueryUnescape(raw); err == nil && dec != raw {
		dst = append(dst, dec)
	}
	if dec := html.UnescapeString(raw); dec != raw {
		dst = append(dst, dec)
	}
	return dst
}

// compactJWSs returns every compact JWS (or JWE) in b: a run of base64url
// segments joined by dots whose first segment starts a JSON object ("eyJ").
func compactJWSs(b []byte) []string {
	var out []string
	for off := 0; off < len(b) && len(out) < maxBodySecrets; {
		i := bytes.Index(b[off:], []byte("eyJ"))
		if i < 0 {
			break
		}
		i += off
		end := i
		dots := 0
		for end < len(b) && (b64url(b[end]) || b[end] == '.') {
			if b[end] == '.' {
				dots++
			}
			end++
		}
		if dots >= 2 {
			out = append(out, string(b[i:end]))
		}
		off = end
	}
	return out
}

func b64url(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

// claimSets returns the payloads of the JWSs in the response body and the
// first JSON object in it (past a BOM, an XSSI prefix or HTML), whose
// personal claims are secrets too.
func (x *Exchange) claimSets() []map[string]json.RawMessage {
	if x.Response == nil {
		return nil
	}
	var out []map[string]json.RawMessage
	for _, jws := range compactJWSs(x.Response.Body) {
		seg := strings.Split(jws, ".")
		payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(seg[1], "="))
		if err != nil {
			continue
		}
		if m, _, err := jsonscan.ParseMembers(payload); err == nil {
			out = append(out, m)
		}
	}
	body := x.Response.Body
	for tries, off := 0, 0; tries < 4 && off < len(body); tries++ {
		i := bytes.IndexByte(body[off:], '{')
		if i < 0 {
			break
		}
		var m map[string]json.RawMessage
		if json.NewDecoder(bytes.NewReader(body[off+i:])).Decode(&m) == nil {
			return append(out, m)
		}
		off += i + 1
	}
	return out
}

package redact

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
)

// Minimum lengths of a form that is masked: shorter ones would match
// ordinary text (or base64 data) by chance and garble it.
const (
	MinLen       = 4 // a value or a text form of it, in bytes
	MinBase64Len = 8 // a base64 form, in characters
)

// Forms returns the encodings of v that a Redactor masks, v itself first:
//
//   - URL query and path escaping, with upper- or lower-case hex digits;
//   - JSON string escaping, with and without HTML escaping of & < >, with
//     & < > " ' as \u00XX (either case) and with / as \/;
//   - HTML and XML character references (html.EscapeString, html/template's
//     &#43; &#61; &#96;, the named &quot; &apos;, encoding/xml's &#xA;) and
//     a Markdown table cell's \| &lt; &gt; &amp;;
//   - any two of these in a row (a form body echoed inside a JSON string
//     inside an HTML page);
//   - base64 (standard and URL alphabets, padded and not) of v and of its
//     URL escapings, alone and as the characters that encode them inside a
//     longer base64 text at each of the three alignments (a Basic credential
//     "id:secret"), each also through the text escapings above.
//
// Text forms shorter than MinLen and base64 forms shorter than MinBase64Len
// are left out. The result has no duplicates.
func Forms(v string) []string {
	if len(v) < MinLen {
		return nil
	}
	out := make([]string, 0, 32)
	add := func(f string, min int) bool {
		if len(f) < min || slices.Contains(out, f) {
			return false
		}
		out = append(out, f)
		return true
	}
	add(v, MinLen)
	// Text escapings, one and two deep (none changes a token-like value).
	if !inert(v) {
		first := []string{v}
		for _, enc := range textEncodings {
			if f := enc(v); add(f, MinLen) {
				first = append(first, f)
			}
		}
		for _, f := range first[1:] {
			for _, enc := range textEncodings {
				add(enc(f), MinLen)
			}
		}
	}
	// Base64 of the value and of its URL escapings, then escaped once.
	plains := []string{v}
	if !inert(v) {
		for _, p := range []string{url.QueryEscape(v), url.PathEscape(v), pathSegment(v)} {
			if !slices.Contains(plains, p) {
				plains = append(plains, p)
			}
		}
	}
	for _, plain := range plains {
		for _, b := range base64Forms(plain) {
			if add(b, MinBase64Len) && !inert(b) {
				for _, enc := range textEncodings {
					add(enc(b), MinBase64Len)
				}
			}
		}
	}
	return out
}

// inert reports whether no text escaping changes s: it has only letters,
// digits and "-._~".
func inert(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~') {
			return false
		}
	}
	return true
}

// textEncodings are the text escapings Forms applies.
var textEncodings = []func(string) string{
	url.QueryEscape,
	url.PathEscape,
	pathSegment,
	func(s string) string { return lowerHex(url.QueryEscape(s)) },
	func(s string) string { return lowerHex(url.PathEscape(s)) },
	func(s string) string { return lowerHex(pathSegment(s)) },
	func(s string) string { return jsonString(s, true) },
	func(s string) string { return jsonString(s, false) },
	func(s string) string { return jsonHexLower.Replace(jsonString(s, false)) },
	func(s string) string { return jsonHexUpper.Replace(jsonString(s, false)) },
	func(s string) string { return strings.ReplaceAll(jsonString(s, true), "/", `\/`) },
	htmlText.Replace,
	htmlTemplate.Replace,
	htmlNamed.Replace,
	htmlNoApos.Replace,
	htmlNoAposNamed.Replace,
	markdownCell.Replace,
	xmlText.Replace,
}

var (
	// applied to the inside of a JSON string, where '"' is already `\"`
	jsonHexLower    = strings.NewReplacer(`\"`, `\u0022`, "&", `\u0026`, "<", `\u003c`, ">", `\u003e`, "'", `\u0027`)
	jsonHexUpper    = strings.NewReplacer(`\"`, `\u0022`, "&", `\u0026`, "<", `\u003C`, ">", `\u003E`, "'", `\u0027`)
	htmlText        = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;")
	htmlTemplate    = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;", "+", "&#43;", "=", "&#61;", "`", "&#96;")
	htmlNamed       = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&apos;")
	htmlNoApos      = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;")
	htmlNoAposNamed = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")
	markdownCell    = strings.NewReplacer("|", `\|`, "<", "&lt;", ">", "&gt;", "&", "&amp;")
	xmlText         = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;", "\t", "&#x9;", "\n", "&#xA;", "\r", "&#xD;")
)

// pathSegment percent-encodes s as an RFC 3986 path segment: unlike
// url.PathEscape it leaves the sub-delimiters ',' and ';' alone.
func pathSegment(s string) string {
	const keep = "-._~!$&'()*+,;=:@"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(keep, c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte("0123456789ABCDEF"[c>>4])
		b.WriteByte("0123456789ABCDEF"[c&15])
	}
	return b.String()
}

// jsonString returns s as the inside of a JSON string.
func jsonString(s string, escapeHTML bool) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r >= 0x7f || strings.ContainsRune(`"\<>&`, r) }) {
		return s
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(escapeHTML)
	_ = enc.Encode(s) // a string always encodes
	out := bytes.TrimSuffix(b.Bytes(), []byte("\n"))
	return string(out[1 : len(out)-1])
}

// lowerHex lower-cases the hex digits of every %XX escape.
func lowerHex(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	b := []byte(s)
	for i := 0; i+2 < len(b); i++ {
		if b[i] == '%' {
			b[i+1], b[i+2] = lower(b[i+1]), lower(b[i+2])
			i += 2
		}
	}
	return string(b)
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'F' {
		return c + 'a' - 'A'
	}
	return c
}

// base64Forms returns p base64-encoded in both alphabets, padded and not,
// and, for each alignment a in 0..2, the characters of the encoding of
// (a bytes, p, more bytes) that depend on p's bytes alone: what p looks
// like inside any longer base64 text.
func base64Forms(p string) []string {
	out := make([]string, 0, 10)
	buf := make([]byte, 2+len(p))
	for _, enc := range [][2]*base64.Encoding{{base64.StdEncoding, base64.RawStdEncoding}, {base64.URLEncoding, base64.RawURLEncoding}} {
		out = append(out, enc[0].EncodeToString([]byte(p)), enc[1].EncodeToString([]byte(p)))
		raw := enc[1]
		for a := range 3 {
			clear(buf)
			copy(buf[a:], p)
			s := raw.EncodeToString(buf[:a+len(p)])
			// Character j holds bits [6j, 6j+6); p's bits are [8a, 8(a+len)).
			from := (8*a + 5) / 6
			to := 8 * (a + len(p)) / 6
			if to > from {
				out = append(out, s[from:to])
			}
		}
	}
	return out
}

package redact

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
)

// secretParams are form and query parameters whose values are secrets.
var secretParams = map[string]bool{
	"code": true, "client_secret": true, "code_verifier": true, "refresh_token": true,
	"access_token": true, "id_token": true, "client_assertion": true, "password": true,
	"assertion": true, "device_code": true, "token": true,
}

// secretMembers are JSON members whose values are secrets.
var secretMembers = map[string]bool{
	"access_token": true, "id_token": true, "refresh_token": true, "code": true,
	"client_secret": true, "code_verifier": true, "device_code": true,
}

// SecretParam reports whether a form or query parameter holds a secret
// (code, client_secret, code_verifier, a token, ...).
func SecretParam(name string) bool { return secretParams[name] }

// SecretMember reports whether a JSON member holds a secret (a token, a
// code, a verifier, a client secret).
func SecretMember(name string) bool { return secretMembers[name] }

// Header redacts one header value by name: credentials keep only their
// scheme, cookies only their names.
func (r *Redactor) Header(name, value string) string {
	if r == nil {
		return value
	}
	switch strings.ToLower(name) {
	case "authorization", "proxy-authorization":
		scheme, _, found := strings.Cut(value, " ")
		if !found {
			if value == "" {
				return ""
			}
			return Mask
		}
		return scheme + " " + Mask
	case "cookie":
		var parts []string
		for _, c := range strings.Split(value, ";") {
			name, _, _ := strings.Cut(strings.TrimSpace(c), "=")
			parts = append(parts, name+"="+Mask)
		}
		return strings.Join(parts, "; ")
	case "set-cookie":
		name, _, _ := strings.Cut(value, "=")
		return name + "=" + Mask
	}
	return r.String(value)
}

// Query redacts secret parameters in an application/x-www-form-urlencoded
// string (a body or a URL query), keeping parameter order and duplicates.
// Text that does not parse is redacted by value only.
func (r *Redactor) Query(q string) string {
	if r == nil || q == "" {
		return q
	}
	parts := strings.Split(q, "&")
	for i, p := range parts {
		name, _, hasValue := strings.Cut(p, "=")
		dec, err := url.QueryUnescape(name)
		if err == nil && hasValue && secretParams[dec] {
			parts[i] = name + "=" + url.QueryEscape(Mask)
		}
	}
	return r.String(strings.Join(parts, "&"))
}

// URL redacts the query of a URL.
func (r *Redactor) URL(u string) string {
	if r == nil {
		return u
	}
	base, q, found := strings.Cut(u, "?")
	if !found {
		return r.String(u)
	}
	return r.String(base) + "?" + r.Query(q)
}

// JSON redacts secret members and personal claims anywhere in a JSON
// document, keeping member order. Text that is not JSON is redacted by
// value only.
func (r *Redactor) JSON(body []byte) []byte {
	if r == nil {
		return body
	}
	if !json.Valid(body) {
		return r.Bytes(body)
	}
	var out bytes.Buffer
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := r.copyValue(&out, dec, ""); err != nil {
		return r.Bytes(body)
	}
	return r.Bytes(out.Bytes())
}

// copyValue re-encodes one JSON value from dec into out; member is the name
// of the member holding it ("" at the top or in arrays).
func (r *Redactor) copyValue(out *bytes.Buffer, dec *json.Decoder, member string) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	hide := secretMembers[member] || r.claims[member]
	switch t := tok.(type) {
	case json.Delim:
		closing := map[json.Delim]byte{'{': '}', '[': ']'}[t]
		if hide {
			out.WriteString(`"` + Mask + `"`)
			return skip(dec)
		}
		out.WriteByte(byte(t))
		first := true
		for dec.More() {
			if !first {
				out.WriteByte(',')
			}
			first = false
			name := ""
			if t == '{' {
				k, err := dec.Token()
				if err != nil {
					return err
				}
				name, _ = k.(string)
				kb, _ := json.Marshal(name)
				out.Write(kb)
				out.WriteByte(':')
			}
			if err := r.copyValue(out, dec, name); err != nil {
				return err
			}
		}
		if _, err := dec.Token(); err != nil {
			return err
		}
		out.WriteByte(closing)
	case string:
		if hide {
			out.WriteString(fmt.Sprintf(`"%s (%d chars)"`, Mask, len(t)))
			return nil
		}
		b, _ := json.Marshal(t)
		out.Write(b)
	case nil:
		out.WriteString("null")
	default:
		if hide {
			out.WriteString(`"` + Mask + `"`)
			return nil
		}
		b, _ := json.Marshal(t)
		out.Write(b)
	}
	return nil
}

// skip consumes the rest of an object or array whose opening was read.
func skip(dec *json.Decoder) error {
	depth := 1
	for depth > 0 {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
	}
	return nil
}

package checks

import (
	"github.com/tokenbench/tokenbench/internal/jsonscan"

	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"sort"
	"strconv"
	"strings"

	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/tokenbench/tokenbench/internal/exchange"
)

// Evidence is an Exchange parsed once for every check: the response's JSON
// members, the ID token (header, claims, signing input, signature) and the
// JWKS key its kid selects. Checks only read it, so one Evidence may be read
// by several goroutines. Building it may fill the Exchange's lazily cached
// members (for a body that is not a JSON object), so NewEvidence must not
// run concurrently with other users of the same Exchange.
type Evidence struct {
	X *exchange.Exchange

	// Members are the top-level members of the response body, undecoded
	// and aliasing it; MembersErr says why the body is not a JSON object
	// (Members may still hold the object before trailing data).
	Members    map[string]json.RawMessage
	MembersErr error

	// IDToken is the parsed id_token; nil when the member is absent, not a
	// string or could not be parsed, and then IDTokenErr (a *Failure of
	// IDT-JWS) says why when a string was there.
	IDToken    *IDToken
	IDTokenErr error

	// Key is the JWKS key the ID token's kid (and alg) selects; KeyErr
	// says why there is none: a *Failure of IDT-KID, or a skip when the
	// token's alg does not use a JWKS key. Both are zero when Context.Keys
	// is nil.
	Key    jwk.Key
	KeyErr error

	rawKey any // Key as a crypto public key, converted once per key set
}

// NewEvidence parses x for the checks: the body's members, the ID token, and
// (when c.Keys is set) the key for the token's kid, which may fetch or
// refresh a remote key set under ctx. It never fails: what could not be
// parsed is recorded for the checks to report.
func NewEvidence(ctx context.Context, x *exchange.Exchange, c *Context) *Evidence {
	ev := &Evidence{X: x}
	if x == nil || x.Response == nil {
		ev.MembersErr = ErrNoResponse
		return ev
	}
	if m, _, err := jsonscan.ParseMembers(x.Response.Body); err == nil {
		ev.Members = m
	} else {
		// Not a JSON object: the exchange's own parser says why, and keeps
		// the object before trailing data.
		ev.Members, ev.MembersErr = x.Members()
	}
	if raw, ok := ev.Members["id_token"]; ok {
		if tok, ok := jsonStringBytes(raw); ok && len(tok) > 0 {
			ev.IDToken, ev.IDTokenErr = parseIDToken(tok)
		}
	}
	if ev.IDToken != nil && c != nil && c.Keys != nil {
		ev.Key, ev.rawKey, ev.KeyErr = selectKey(ctx, c.Keys, ev.IDToken)
	}
	return ev
}

// member returns a top-level member of the body.
func (ev *Evidence) member(name string) (json.RawMessage, bool) {
	raw, ok := ev.Members[name]
	return raw, ok
}

// bodySkip is the skip for member checks when the body is no JSON object:
// RESP-EXTRA-MEMBERS (success) or ERR-JSON (error) reports that.
func (ev *Evidence) bodySkip(owner string) error {
	if ev.X == nil || ev.X.Response == nil {
		return skip("no response")
	}
	if ev.Members == nil {
		return skip("the body is not a JSON object (%s reports it)", owner)
	}
	return nil
}

// IDToken is an ID token split and decoded, never verified by parsing.
// String and GoString show the alg, kid and claim names only: the token
// itself is a secret (SigningInput and Signature reconstruct it).
type IDToken struct {
	Header map[string]json.RawMessage // JOSE header members, undecoded
	Claims map[string]json.RawMessage // payload members, undecoded
	Alg    string                     // header alg when a string, else ""
	Kid    string                     // header kid when a string, else ""
	// SigningInput is "header.payload" as received (ASCII), what the
	// signature covers.
	SigningInput []byte
	Signature    []byte // decoded

	dupHeader, dupClaims []string // member names that occur more than once
}

// Claim returns a claim's raw JSON value.
func (t *IDToken) Claim(name string) (json.RawMessage, bool) {
	raw, ok := t.Claims[name]
	return raw, ok
}

// StringClaim returns a claim that is a JSON string.
func (t *IDToken) StringClaim(name string) (string, bool) {
	return jsonString(t.Claims[name])
}

// NumberClaim returns a claim that is a JSON number.
func (t *IDToken) NumberClaim(name string) (float64, bool) {
	return jsonNumber(t.Claims[name])
}

// String describes the token without revealing it: alg, kid, claim names.
func (t *IDToken) String() string {
	if t == nil {
		return "IDToken(nil)"
	}
	names := make([]string, 0, len(t.Claims))
	for k := range t.Claims {
		names = append(names, k)
	}
	sort.Strings(names)
	return "IDToken{alg=" + strconv.Quote(t.Alg) + " kid=" + strconv.Quote(t.Kid) +
		" claims=[" + strings.Join(names, " ") + "]}"
}

// GoString is String, so %#v does not print the token either.
func (t *IDToken) GoString() string { return t.String() }

// RedactedClaims returns the claims with the values of the personal ones
// replaced by the JSON string "[redacted]", for evidence in reports.
func (t *IDToken) RedactedClaims(personal []string) map[string]json.RawMessage {
	out := make(map[string]json.RawMessage, len(t.Claims))
	for k, v := range t.Claims {
		if contains(personal, k) {
			v = json.RawMessage(`"` + redacted + `"`)
		}
		out[k] = v
	}
	return out
}

// parseIDToken splits a compact serialisation and decodes its header and
// payload, whose members alias one decoded buffer. A failure is a *Failure
// of IDT-JWS that shows no part of the token (JSON syntax errors name at
// most one character).
//
// https://www.rfc-editor.org/rfc/rfc7515#section-7.1
func parseIDToken(tok []byte) (*IDToken, error) {
	bad := func(got, msg string, err error) error {
		return &Failure{ID: "IDT-JWS", Field: "id_token", Got: got,
			Want: "a compact JWS: three base64url parts joined by dots", Msg: msg, Err: err}
	}
	switch n := bytes.Count(tok, []byte{'.'}); n {
	case 2:
	case 4:
		return nil, bad("a JWE (five parts)", "encrypted ID tokens are not validated", ErrEncrypted)
	default:
		return nil, bad(strconv.Itoa(n+1)+" dot-separated parts", "", ErrMalformedJWS)
	}
	i := bytes.IndexByte(tok, '.')
	j := bytes.LastIndexByte(tok, '.')
	h, p, s := tok[:i], tok[i+1:j], tok[j+1:]
	for k, part := range [3][]byte{h, p, s} {
		if at := invalidBase64URL(part); at >= 0 {
			return nil, bad("a byte outside the base64url alphabet in the "+partName(k)+" at offset "+strconv.Itoa(at), "RFC 7515 requires unpadded base64url", ErrMalformedJWS)
		}
	}
	if len(h) == 0 || len(p) == 0 {
		return nil, bad("an empty header or payload", "", ErrMalformedJWS)
	}
	enc := base64.RawURLEncoding
	buf := make([]byte, enc.DecodedLen(len(h))+enc.DecodedLen(len(p))+enc.DecodedLen(len(s)))
	hn, err := enc.Decode(buf, h)
	if err != nil {
		return nil, bad("a header that is not base64url", err.Error(), ErrMalformedJWS)
	}
	pn, err := enc.Decode(buf[hn:], p)
	if err != nil {
		return nil, bad("a payload that is not base64url", err.Error(), ErrMalformedJWS)
	}
	sn, err := enc.Decode(buf[hn+pn:], s)
	if err != nil {
		return nil, bad("a signature that is not base64url", err.Error(), ErrMalformedJWS)
	}
	t := &IDToken{SigningInput: tok[:j], Signature: buf[hn+pn : hn+pn+sn]}
	if t.Header, t.dupHeader, err = jsonscan.ParseMembers(buf[:hn]); err != nil {
		return nil, bad("a header that is not a JSON object", err.Error(), ErrMalformedJWS)
	}
	if t.Claims, t.dupClaims, err = jsonscan.ParseMembers(buf[hn : hn+pn]); err != nil {
		return nil, bad("a payload that is not a JSON object", err.Error(), ErrMalformedJWS)
	}
	if alg, ok := jsonStringBytes(t.Header["alg"]); ok {
		t.Alg = intern(alg)
	}
	t.Kid, _ = jsonString(t.Header["kid"])
	return t, nil
}

func partName(k int) string {
	switch k {
	case 0:
		return "header"
	case 1:
		return "payload"
	}
	return "signature"
}

// invalidBase64URL returns the offset of the first byte outside the
// unpadded base64url alphabet, or -1.
func invalidBase64URL(b []byte) int {
	for i, c := range b {
		if !isBase64URL(c) {
			return i
		}
	}
	return -1
}

func isBase64URL(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

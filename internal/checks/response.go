package checks

import (
	"errors"
	"math"
	"net/url"
	"strconv"
	"strings"

	"github.com/tokenbench/tokenbench/internal/exchange"
)

// The success response rows (RESP-*).
//
// https://www.rfc-editor.org/rfc/rfc6749#section-5.1

// noResponse is the failure of a status row when the request failed at the
// transport. The error text loses the request URL, which a probe may have
// loaded with a secret (AUTH-SECRET-IN-QUERY).
func noResponse(id string, x *exchange.Exchange) error {
	msg := "the request failed before a response"
	if x != nil && x.Err != nil {
		err := x.Err
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		msg += ": " + err.Error()
	}
	return &Failure{ID: id, Field: "status", Got: "no response", Msg: msg, Err: ErrNoResponse}
}

func hasResponse(x *exchange.Exchange) bool { return x != nil && x.Response != nil }

// RESP-STATUS-200: the status is 200.
func checkStatus200(ev *Evidence, _ *Context) error {
	if !hasResponse(ev.X) {
		return noResponse("RESP-STATUS-200", ev.X)
	}
	if s := ev.X.Status(); s != 200 {
		return &Failure{ID: "RESP-STATUS-200", Field: "status", Got: strconv.Itoa(s), Want: "200", Err: ErrStatus}
	}
	return nil
}

// mediaTypeFailure checks the Content-Type's media type, case-insensitively,
// with any parameters; nil when it matches.
func mediaTypeFailure(id string, x *exchange.Exchange, want string) error {
	if want == "" {
		want = "application/json"
	}
	if i := strings.IndexByte(want, ';'); i >= 0 {
		want = strings.TrimSpace(want[:i])
	}
	lines := x.RawHeaderValues("Content-Type")
	switch {
	case len(lines) == 0:
		return &Failure{ID: id, Field: "Content-Type", Got: "no Content-Type", Want: want, Err: ErrMediaType}
	case len(lines) > 1:
		return &Failure{ID: id, Field: "Content-Type", Got: showHeader(lines), Want: "one " + want,
			Msg: "several Content-Type header lines", Err: ErrMediaType}
	}
	if mt := x.MediaType(); !strings.EqualFold(mt, want) {
		return &Failure{ID: id, Field: "Content-Type", Got: quote(lines[0]), Want: want + " (parameters allowed)", Err: ErrMediaType}
	}
	return nil
}

// RESP-CONTENT-TYPE: the media type is the profile's (application/json);
// parameters such as charset are allowed.
func checkContentType(ev *Evidence, c *Context) error {
	if !hasResponse(ev.X) {
		return skip("no response")
	}
	return mediaTypeFailure("RESP-CONTENT-TYPE", ev.X, c.profile().Response.ContentType)
}

// RESP-NO-STORE: Cache-Control holds the no-store directive, on any of
// its header lines.
func checkNoStore(ev *Evidence, _ *Context) error {
	return noStore("RESP-NO-STORE", ev)
}

func noStore(id string, ev *Evidence) error {
	if !hasResponse(ev.X) {
		return skip("no response")
	}
	vals := ev.X.RawHeaderValues("Cache-Control")
	if !hasDirective(vals, "no-store") {
		return &Failure{ID: id, Field: "Cache-Control", Got: showHeader(vals), Want: "the no-store directive", Err: ErrNoStore}
	}
	return nil
}

// RESP-PRAGMA: a Pragma header line as received holds no-cache (Go's client
// may synthesise headers, so only raw lines count when captured).
func checkPragma(ev *Evidence, _ *Context) error {
	if !hasResponse(ev.X) {
		return skip("no response")
	}
	vals := ev.X.RawHeaderValues("Pragma")
	if !hasDirective(vals, "no-cache") {
		return &Failure{ID: "RESP-PRAGMA", Field: "Pragma", Got: showHeader(vals), Want: "no-cache", Err: ErrPragma}
	}
	return nil
}

// RESP-ACCESS-TOKEN: a non-empty JSON string of VSCHAR (%x20-7E).
//
// https://www.rfc-editor.org/rfc/rfc6749#appendix-A.12
func checkAccessToken(ev *Evidence, _ *Context) error {
	if err := ev.bodySkip("RESP-EXTRA-MEMBERS"); err != nil {
		return err
	}
	const id, field = "RESP-ACCESS-TOKEN", "access_token"
	raw, ok := ev.member(field)
	if !ok {
		return &Failure{ID: id, Field: field, Got: "absent", Want: "a non-empty string", Err: ErrMissing}
	}
	tok, ok := jsonStringBytes(raw)
	if !ok {
		return &Failure{ID: id, Field: field, Got: jsonKind(raw), Want: "a string", Err: ErrType}
	}
	if len(tok) == 0 {
		return &Failure{ID: id, Field: field, Got: "an empty string", Want: "a non-empty string", Err: ErrEmpty}
	}
	if i := indexNotIn(tok, isVSChar); i >= 0 {
		return &Failure{ID: id, Field: field, Got: secretShape(raw) + " with " + describeByte(tok, i),
			Want: "only VSCHAR %x20-7E", Err: ErrCharset}
	}
	return nil
}

// describeByte names the byte at i without quoting its neighbours.
func describeByte(b []byte, i int) string {
	return "byte 0x" + strconv.FormatUint(uint64(b[i]), 16) + " at offset " + strconv.Itoa(i)
}

func isVSChar(c byte) bool { return c >= 0x20 && c <= 0x7e }

// isNQSChar is the set of RFC 6749 error and error_description
// characters: %x20-21 / %x23-5B / %x5D-7E.
func isNQSChar(c byte) bool { return c >= 0x20 && c <= 0x7e && c != '"' && c != '\\' }

// isNQChar is the scope-token and error_uri set: %x21 / %x23-5B / %x5D-7E.
func isNQChar(c byte) bool { return c > 0x20 && c <= 0x7e && c != '"' && c != '\\' }

func indexNotIn[T ~[]byte | ~string](s T, ok func(byte) bool) int {
	for i := 0; i < len(s); i++ {
		if !ok(s[i]) {
			return i
		}
	}
	return -1
}

// RESP-TOKEN-TYPE: "Bearer", compared case-insensitively.
//
// https://www.rfc-editor.org/rfc/rfc6749#section-7.1
func checkTokenType(ev *Evidence, c *Context) error {
	if err := ev.bodySkip("RESP-EXTRA-MEMBERS"); err != nil {
		return err
	}
	const id, field = "RESP-TOKEN-TYPE", "token_type"
	want := "Bearer"
	if c != nil && c.TokenType != "" {
		want = c.TokenType
	}
	raw, ok := ev.member(field)
	if !ok {
		return &Failure{ID: id, Field: field, Got: "absent", Want: strconv.Quote(want), Err: ErrMissing}
	}
	s, ok := jsonStringBytes(raw)
	if !ok {
		return &Failure{ID: id, Field: field, Got: jsonKind(raw) + " " + showRaw(raw), Want: "a string " + strconv.Quote(want), Err: ErrType}
	}
	if !strings.EqualFold(string(s), want) {
		return &Failure{ID: id, Field: field, Got: quote(string(s)), Want: strconv.Quote(want) + " (any case)", Err: ErrTokenType}
	}
	return nil
}

// expiresIn reads expires_in as an integer number of seconds.
func expiresIn(ev *Evidence) (int64, bool) {
	f, ok := jsonNumber(ev.Members["expires_in"])
	if !ok || f != math.Trunc(f) || f <= 0 || f > 1<<53 {
		return 0, false
	}
	return int64(f), true
}

// RESP-EXPIRES-IN: a JSON number (not a string), a positive integer, equal
// to the profile's value when it fixes one. Absence fails; the row's level
// makes that a warning where the standard only recommends it.
func checkExpiresIn(ev *Evidence, c *Context) error {
	if err := ev.bodySkip("RESP-EXTRA-MEMBERS"); err != nil {
		return err
	}
	const id, field = "RESP-EXPIRES-IN", "expires_in"
	want := "a positive integer"
	fixed := c.profile().Response.ExpiresIn
	if fixed != 0 {
		want = strconv.Itoa(fixed)
	}
	raw, ok := ev.member(field)
	if !ok {
		return &Failure{ID: id, Field: field, Got: "absent", Want: want, Err: ErrMissing}
	}
	if !isJSONNumber(raw) {
		msg := ""
		if isJSONString(raw) {
			msg = "RFC 6749 §5.1 defines a JSON number; a string is a leniency of clients, not conformance"
		}
		return &Failure{ID: id, Field: field, Got: jsonKind(raw) + " " + showRaw(raw), Want: "a JSON number, " + want, Msg: msg, Err: ErrType}
	}
	n, ok := expiresIn(ev)
	if !ok {
		return &Failure{ID: id, Field: field, Got: showRaw(raw), Want: want, Err: ErrExpiresIn}
	}
	if fixed != 0 && n != int64(fixed) {
		return &Failure{ID: id, Field: field, Got: showRaw(raw), Want: want, Msg: "the profile fixes the value", Err: ErrExpiresIn}
	}
	return nil
}

// RESP-EXPIRES-CONSISTENT: expires_in is within the profile's tolerance of
// the ID token's exp − iat. Skipped when either side is missing or invalid
// (RESP-EXPIRES-IN, IDT-EXP and IDT-IAT report those).
func checkExpiresConsistent(ev *Evidence, c *Context) error {
	if err := ev.bodySkip("RESP-EXTRA-MEMBERS"); err != nil {
		return err
	}
	n, ok := expiresIn(ev)
	if !ok {
		return skip("no valid expires_in (RESP-EXPIRES-IN reports it)")
	}
	if ev.IDToken == nil {
		return skip("no parsed ID token")
	}
	exp, ok1 := secondsClaim(ev.IDToken, "exp")
	iat, ok2 := secondsClaim(ev.IDToken, "iat")
	if !ok1 || !ok2 {
		return skip("no valid exp and iat (IDT-EXP, IDT-IAT report it)")
	}
	tol := c.profile().Response.ExpiresTolerance.D()
	if tol == 0 {
		tol = DefaultExpiresTolerance
	}
	life := exp - iat
	if math.Abs(float64(n)-life) > tol.Seconds() {
		return &Failure{ID: "RESP-EXPIRES-CONSISTENT", Field: "expires_in",
			Got:  strconv.FormatInt(n, 10) + " s, ID token exp − iat = " + strconv.FormatFloat(life, 'f', -1, 64) + " s",
			Want: "within " + tol.String() + " of each other", Err: ErrInconsistent}
	}
	return nil
}

// RESP-SCOPE: when present, a JSON string of space-delimited scope-tokens
// containing openid; when absent, a failure only if the profile requires it
// (RFC 6749 lets a server omit a scope identical to the requested one).
//
// https://www.rfc-editor.org/rfc/rfc6749#section-3.3
func checkScope(ev *Evidence, c *Context) error {
	if err := ev.bodySkip("RESP-EXTRA-MEMBERS"); err != nil {
		return err
	}
	const id, field = "RESP-SCOPE", "scope"
	raw, ok := ev.member(field)
	if !ok {
		if c.profile().Response.Scope == "required" {
			return &Failure{ID: id, Field: field, Got: "absent", Want: "a scope containing openid", Msg: "the profile requires scope", Err: ErrMissing}
		}
		return nil
	}
	s, ok := jsonStringBytes(raw)
	if !ok {
		return &Failure{ID: id, Field: field, Got: jsonKind(raw), Want: "a string", Err: ErrType}
	}
	if msg := scopeSyntax(s); msg != "" {
		return &Failure{ID: id, Field: field, Got: quote(string(s)), Want: "scope-tokens (%x21 / %x23-5B / %x5D-7E) separated by single spaces", Msg: msg, Err: ErrScope}
	}
	if !hasScopeToken(string(s), "openid") {
		return &Failure{ID: id, Field: field, Got: quote(string(s)), Want: "a scope containing openid", Err: ErrScope}
	}
	return nil
}

// scopeSyntax says what is wrong with a scope value, or "".
func scopeSyntax(s []byte) string {
	if len(s) == 0 {
		return "empty"
	}
	prevSpace := true
	for i, ch := range s {
		switch {
		case ch == ' ':
			if prevSpace {
				return "empty scope-token at offset " + strconv.Itoa(i)
			}
			prevSpace = true
		case isNQChar(ch):
			prevSpace = false
		default:
			return describeByte(s, i) + " is not a scope-token character"
		}
	}
	if prevSpace {
		return "trailing space"
	}
	return ""
}

func hasScopeToken(scope, tok string) bool {
	for scope != "" {
		var t string
		t, scope, _ = strings.Cut(scope, " ")
		if t == tok {
			return true
		}
	}
	return false
}

// RESP-NO-REFRESH: refresh_token as the profile documents it: forbidden
// means no member at all (not even null), required means a non-empty
// string; optional leaves nothing to check.
func checkRefreshToken(ev *Evidence, c *Context) error {
	if err := ev.bodySkip("RESP-EXTRA-MEMBERS"); err != nil {
		return err
	}
	const id, field = "RESP-NO-REFRESH", "refresh_token"
	raw, present := ev.member(field)
	switch mode := c.profile().Response.RefreshToken; mode {
	case "forbidden":
		if present {
			return &Failure{ID: id, Field: field, Got: secretShape(raw), Want: "no refresh_token member",
				Msg: "the profile documents that refresh tokens are not issued", Err: ErrRefreshToken}
		}
		return nil
	case "required":
		if !present {
			return &Failure{ID: id, Field: field, Got: "absent", Want: "a non-empty string", Msg: "the profile requires a refresh token", Err: ErrRefreshToken}
		}
		if s, ok := jsonStringBytes(raw); !ok || len(s) == 0 {
			return &Failure{ID: id, Field: field, Got: secretShape(raw), Want: "a non-empty string", Err: ErrType}
		}
		return nil
	default:
		return skip("the profile makes refresh tokens optional")
	}
}

// openidRequested reports whether the requested scope asks for an ID token.
func (c *Context) openidRequested() bool {
	return c.Scope == "" || hasScopeToken(c.Scope, "openid")
}

// RESP-ID-TOKEN: id_token is a non-empty JSON string when openid was
// requested.
//
// https://openid.net/specs/openid-connect-core-1_0.html#TokenResponse
func checkIDTokenMember(ev *Evidence, c *Context) error {
	if err := ev.bodySkip("RESP-EXTRA-MEMBERS"); err != nil {
		return err
	}
	if !c.openidRequested() {
		return skip("the requested scope %s has no openid", quote(c.Scope))
	}
	const id, field = "RESP-ID-TOKEN", "id_token"
	raw, ok := ev.member(field)
	if !ok {
		return &Failure{ID: id, Field: field, Got: "absent", Want: "a string", Err: ErrMissing}
	}
	s, ok := jsonStringBytes(raw)
	if !ok {
		return &Failure{ID: id, Field: field, Got: jsonKind(raw), Want: "a string", Err: ErrType}
	}
	if len(s) == 0 {
		return &Failure{ID: id, Field: field, Got: "an empty string", Want: "an ID token", Err: ErrEmpty}
	}
	return nil
}

// RESP-EXTRA-MEMBERS: unknown members are never a failure (RFC 6749 §5.1:
// the client MUST ignore them). The row fails only when the body is not a
// JSON object at all, which is also where that is reported.
func checkExtraMembers(ev *Evidence, _ *Context) error {
	if !hasResponse(ev.X) {
		return skip("no response")
	}
	if ev.MembersErr != nil {
		return &Failure{ID: "RESP-EXTRA-MEMBERS", Field: "body", Got: bodyShape(ev.X), Want: "a JSON object",
			Msg: strings.TrimPrefix(ev.MembersErr.Error(), "exchange: "), Err: ErrNotObject}
	}
	return nil
}

// bodyShape describes a body without showing it (it may hold tokens).
func bodyShape(x *exchange.Exchange) string {
	n := len(x.Response.Body)
	if n == 0 {
		return "an empty body"
	}
	return "a body of " + strconv.Itoa(n) + " bytes"
}

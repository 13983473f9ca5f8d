package checks

import (
	"net/url"
	"strconv"
	"strings"
)

// The error response rows (ERR-*), for a negative probe's response.
//
// https://www.rfc-editor.org/rfc/rfc6749#section-5.2

// isRegisteredError reports whether code is an error a token endpoint may
// return: RFC 6749 §5.2, the IANA "OAuth Extensions Error" registry entries
// a token endpoint can produce, and the profile's own codes.
//
// https://www.iana.org/assignments/oauth-parameters/oauth-parameters.xhtml#extensions-error
func isRegisteredError(code string, profileCodes []string) bool {
	switch code {
	case "invalid_request", "invalid_client", "invalid_grant", "unauthorized_client",
		"unsupported_grant_type", "invalid_scope", // RFC 6749 §5.2
		"access_denied", "server_error", "temporarily_unavailable", // RFC 6749 §4.1.2.1, used by token endpoints too
		"authorization_pending", "slow_down", "expired_token", // RFC 8628 §3.5
		"invalid_target",                       // RFC 8707 §2
		"invalid_dpop_proof", "use_dpop_nonce", // RFC 9449
		"invalid_authorization_details",    // RFC 9396
		"insufficient_user_authentication", // RFC 9470
		"unsupported_token_type",           // RFC 7009 §2.2.1
		"invalid_token":                    // RFC 6750 §3.1
		return true
	}
	return contains(profileCodes, code)
}

// ERR-STATUS: 400, or 401 when the error is invalid_client.
func checkErrStatus(ev *Evidence, _ *Context) error {
	const id = "ERR-STATUS"
	if !hasResponse(ev.X) {
		return noResponse(id, ev.X)
	}
	s := ev.X.Status()
	if s == 400 {
		return nil
	}
	code, _ := jsonString(ev.Members["error"])
	if s == 401 && code == "invalid_client" {
		return nil
	}
	want := "400"
	if code == "invalid_client" {
		want = "400 or 401"
	}
	msg := ""
	if code != "" && indexNotIn(code, isNQSChar) < 0 {
		msg = "error " + quote(code)
	}
	return &Failure{ID: id, Field: "status", Got: strconv.Itoa(s), Want: want, Msg: msg, Err: ErrStatus}
}

// ERR-JSON: media type application/json and a JSON object body with a
// string error member; every problem is reported.
func checkErrJSON(ev *Evidence, _ *Context) error {
	const id = "ERR-JSON"
	if !hasResponse(ev.X) {
		return skip("no response (ERR-NO-5XX reports it)")
	}
	var fs []error
	if err := mediaTypeFailure(id, ev.X, "application/json"); err != nil {
		fs = append(fs, err)
	}
	switch raw, ok := ev.member("error"); {
	case ev.MembersErr != nil && ev.Members == nil:
		fs = append(fs, &Failure{ID: id, Field: "body", Got: bodyShape(ev.X), Want: "a JSON object",
			Msg: strings.TrimPrefix(ev.MembersErr.Error(), "exchange: "), Err: ErrNotObject})
	case ev.MembersErr != nil:
		fs = append(fs, &Failure{ID: id, Field: "body", Want: "one JSON object",
			Msg: strings.TrimPrefix(ev.MembersErr.Error(), "exchange: "), Err: ErrNotObject})
	case !ok:
		fs = append(fs, &Failure{ID: id, Field: "error", Got: "absent", Want: "a string error code", Err: ErrMissing})
	case !isJSONString(raw):
		fs = append(fs, &Failure{ID: id, Field: "error", Got: jsonKind(raw), Want: "a string error code", Err: ErrType})
	}
	return joinFailures(fs)
}

// ERR-CODE-CHARSET: error is 1*(%x20-21 / %x23-5B / %x5D-7E) and a
// registered code. Skipped when there is no string error (ERR-JSON).
func checkErrCode(ev *Evidence, c *Context) error {
	const id, field = "ERR-CODE-CHARSET", "error"
	code, ok := jsonString(ev.Members["error"])
	if !ok {
		return skip("no string error member (ERR-JSON reports it)")
	}
	if code == "" {
		return &Failure{ID: id, Field: field, Got: `""`, Want: "a registered error code", Err: ErrEmpty}
	}
	if i := indexNotIn(code, isNQSChar); i >= 0 {
		return &Failure{ID: id, Field: field, Got: quote(code), Want: "%x20-21 / %x23-5B / %x5D-7E",
			Msg: describeByte([]byte(code), i), Err: ErrCharset}
	}
	if !isRegisteredError(code, c.profile().Errors.Codes) {
		return &Failure{ID: id, Field: field, Got: quote(code), Want: "an RFC 6749 §5.2 or IANA-registered code, or one the profile names", Err: ErrErrorCode}
	}
	return nil
}

// ERR-DESCRIPTION-CHARSET: error_description, when present, is a string of
// %x20-21 / %x23-5B / %x5D-7E. CR, LF and TAB only are a warning; anything
// else outside the set (quotes, backslashes, controls, non-ASCII) fails.
func checkErrDescription(ev *Evidence, _ *Context) error {
	if err := ev.bodySkip("ERR-JSON"); err != nil {
		return err
	}
	const id, field = "ERR-DESCRIPTION-CHARSET", "error_description"
	raw, ok := ev.member(field)
	if !ok {
		return nil
	}
	s, ok := jsonString(raw)
	if !ok {
		return &Failure{ID: id, Field: field, Got: jsonKind(raw), Want: "a string", Err: ErrType}
	}
	if s == "" {
		return &Failure{ID: id, Field: field, Got: `""`, Want: "at least one character", Msg: "RFC 6749 Appendix A.6", Err: ErrEmpty}
	}
	warnOnly := true
	first := -1
	for i := 0; i < len(s); i++ {
		if isNQSChar(s[i]) {
			continue
		}
		if first < 0 {
			first = i
		}
		if s[i] != '\r' && s[i] != '\n' && s[i] != '\t' {
			warnOnly = false
			first = i
			break
		}
	}
	if first < 0 {
		return nil
	}
	// The description is not quoted: servers echo request values (codes) in it.
	f := &Failure{ID: id, Field: field, Got: shape(raw), Want: "%x20-21 / %x23-5B / %x5D-7E",
		Msg: describeByte([]byte(s), first), Err: ErrCharset}
	if warnOnly {
		f.Warning = true
		f.Msg = "CR, LF or TAB: " + f.Msg
	}
	return f
}

// ERR-URI: error_uri, when present, is a string of %x21 / %x23-5B /
// %x5D-7E that parses as a URI reference.
//
// https://www.rfc-editor.org/rfc/rfc3986#section-4.1
func checkErrURI(ev *Evidence, _ *Context) error {
	if err := ev.bodySkip("ERR-JSON"); err != nil {
		return err
	}
	const id, field = "ERR-URI", "error_uri"
	raw, ok := ev.member(field)
	if !ok {
		return nil
	}
	s, ok := jsonString(raw)
	if !ok {
		return &Failure{ID: id, Field: field, Got: jsonKind(raw), Want: "a string", Err: ErrType}
	}
	if s == "" {
		return &Failure{ID: id, Field: field, Got: `""`, Want: "a URI reference", Err: ErrEmpty}
	}
	if i := indexNotIn(s, isNQChar); i >= 0 {
		return &Failure{ID: id, Field: field, Got: quote(s), Want: "%x21 / %x23-5B / %x5D-7E",
			Msg: describeByte([]byte(s), i), Err: ErrCharset}
	}
	if _, err := url.Parse(s); err != nil {
		return &Failure{ID: id, Field: field, Got: quote(s), Want: "a URI reference", Msg: strings.TrimPrefix(err.Error(), "parse "), Err: ErrErrorURI}
	}
	return nil
}

// ERR-NO-STORE: Cache-Control holds no-store on the error response too.
func checkErrNoStore(ev *Evidence, _ *Context) error {
	return noStore("ERR-NO-STORE", ev)
}

// ERR-NO-5XX: there is a response and its status is below 500.
func checkNo5xx(ev *Evidence, _ *Context) error {
	const id = "ERR-NO-5XX"
	if !hasResponse(ev.X) {
		return noResponse(id, ev.X)
	}
	if s := ev.X.Status(); s >= 500 {
		return &Failure{ID: id, Field: "status", Got: strconv.Itoa(s), Want: "a status below 500", Err: ErrServerError}
	}
	return nil
}

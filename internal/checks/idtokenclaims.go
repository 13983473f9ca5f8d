package checks

import (
	"encoding/json"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// The ID token rows about identity claims: IDT-ISS, IDT-AUD, IDT-AZP,
// IDT-SUB, IDT-NONCE*, IDT-AMR and the claim types.
//
// https://openid.net/specs/openid-connect-core-1_0.html#IDToken

// IDT-ISS: iss equals the expected issuer exactly (no normalisation of
// case or a trailing slash).
func checkIss(ev *Evidence, c *Context) error {
	t, err := token(ev)
	if err != nil {
		return err
	}
	if c.Issuer == "" {
		return skip("no expected issuer configured")
	}
	const id, claim = "IDT-ISS", "iss"
	raw, ok := t.Claims[claim]
	if !ok {
		return &Failure{ID: id, Field: claim, Got: "absent", Want: quote(c.Issuer), Err: ErrMissing}
	}
	iss, ok := jsonStringBytes(raw)
	if !ok {
		return &Failure{ID: id, Field: claim, Got: jsonKind(raw), Want: "a string", Err: ErrType}
	}
	if string(iss) != c.Issuer {
		return &Failure{ID: id, Field: claim, Got: c.showClaim(claim, raw), Want: quote(c.Issuer), Msg: "exact string comparison", Err: ErrIssuer}
	}
	return nil
}

// audience returns aud as a list, and whether it was a string or an array
// of strings.
func audience(raw json.RawMessage) ([][]byte, bool) {
	if s, ok := jsonStringBytes(raw); ok {
		return [][]byte{s}, true
	}
	return jsonStringElems(raw)
}

// IDT-AUD: aud is the client id, or an array containing it.
func checkAud(ev *Evidence, c *Context) error {
	t, err := token(ev)
	if err != nil {
		return err
	}
	if c.ClientID == "" {
		return skip("no client id configured")
	}
	const id, claim = "IDT-AUD", "aud"
	raw, ok := t.Claims[claim]
	if !ok {
		return &Failure{ID: id, Field: claim, Got: "absent", Want: quote(c.ClientID), Err: ErrMissing}
	}
	auds, ok := audience(raw)
	if !ok {
		return &Failure{ID: id, Field: claim, Got: jsonKind(raw), Want: "a string or an array of strings", Err: ErrType}
	}
	if !containsBytes(auds, c.ClientID) {
		return &Failure{ID: id, Field: claim, Got: c.showClaim(claim, raw), Want: quote(c.ClientID) + " or an array containing it", Err: ErrAudience}
	}
	return nil
}

// IDT-AZP: with profile azp "required", azp is present; with "multi_aud"
// (the default), it is required when aud has several distinct values. When
// present it equals the client id.
func checkAzp(ev *Evidence, c *Context) error {
	t, err := token(ev)
	if err != nil {
		return err
	}
	if c.ClientID == "" {
		return skip("no client id configured")
	}
	const id, claim = "IDT-AZP", "azp"
	raw, ok := t.Claims[claim]
	if !ok {
		mode := c.profile().IDToken.Azp
		if mode == "required" {
			return &Failure{ID: id, Field: claim, Got: "absent", Want: quote(c.ClientID), Msg: "the profile requires azp", Err: ErrMissing}
		}
		if auds, _ := audience(t.Claims["aud"]); distinct(auds) > 1 {
			return &Failure{ID: id, Field: claim, Got: "absent", Want: quote(c.ClientID),
				Msg: "aud has " + strconv.Itoa(distinct(auds)) + " values", Err: ErrMissing}
		}
		return nil
	}
	azp, ok := jsonStringBytes(raw)
	if !ok {
		return &Failure{ID: id, Field: claim, Got: jsonKind(raw), Want: "a string", Err: ErrType}
	}
	if string(azp) != c.ClientID {
		return &Failure{ID: id, Field: claim, Got: c.showClaim(claim, raw), Want: quote(c.ClientID), Err: ErrAzp}
	}
	return nil
}

func distinct(list [][]byte) int {
	n := 0
	for i, s := range list {
		if !containsBytes(list[:i], string(s)) {
			n++
		}
	}
	return n
}

// IDT-SUB: a non-empty string of at most 255 ASCII characters, equal to
// Context.ExpectSub when that is set.
func checkSub(ev *Evidence, c *Context) error {
	t, err := token(ev)
	if err != nil {
		return err
	}
	const id, claim = "IDT-SUB", "sub"
	raw, ok := t.Claims[claim]
	if !ok {
		return &Failure{ID: id, Field: claim, Got: "absent", Want: "a subject identifier", Err: ErrMissing}
	}
	sub, ok := jsonStringBytes(raw)
	switch {
	case !ok:
		return &Failure{ID: id, Field: claim, Got: jsonKind(raw), Want: "a string", Err: ErrType}
	case len(sub) == 0:
		return &Failure{ID: id, Field: claim, Got: `""`, Want: "a non-empty string", Err: ErrEmpty}
	case len(sub) > 255:
		return &Failure{ID: id, Field: claim, Got: "a string of " + strconv.Itoa(len(sub)) + " bytes", Want: "at most 255 ASCII characters", Err: ErrSubject}
	}
	for i := 0; i < len(sub); i++ {
		if sub[i] >= 0x80 {
			return &Failure{ID: id, Field: claim, Got: c.showClaim(claim, raw), Want: "ASCII only", Msg: "non-ASCII byte at offset " + strconv.Itoa(i), Err: ErrSubject}
		}
	}
	if c.ExpectSub != "" && string(sub) != c.ExpectSub {
		want := quote(c.ExpectSub)
		if c.personal(claim) {
			want = redacted + " (the subject of the earlier exchange)"
		}
		return &Failure{ID: id, Field: claim, Got: c.showClaim(claim, raw), Want: want, Msg: "sub changed for the same user", Err: ErrSubjectChanged}
	}
	return nil
}

// IDT-NONCE: when a nonce was sent, the nonce claim equals it.
func checkNonce(ev *Evidence, c *Context) error {
	if c.Nonce == "" {
		return skip("no nonce was sent at authorize")
	}
	t, err := token(ev)
	if err != nil {
		return err
	}
	const id, claim = "IDT-NONCE", "nonce"
	raw, ok := t.Claims[claim]
	if !ok {
		return &Failure{ID: id, Field: claim, Got: "absent", Want: quote(c.Nonce), Err: ErrMissing}
	}
	n, ok := jsonStringBytes(raw)
	if !ok {
		return &Failure{ID: id, Field: claim, Got: jsonKind(raw), Want: quote(c.Nonce), Err: ErrType}
	}
	if string(n) != c.Nonce {
		return &Failure{ID: id, Field: claim, Got: quote(string(n)), Want: quote(c.Nonce), Err: ErrNonce}
	}
	return nil
}

// IDT-NONCE-ABSENT: when no nonce was sent, there is no nonce claim, or a
// null one where the profile allows that.
func checkNonceAbsent(ev *Evidence, c *Context) error {
	if c.Nonce != "" {
		return skip("a nonce was sent at authorize (IDT-NONCE checks it)")
	}
	t, err := token(ev)
	if err != nil {
		return err
	}
	raw, ok := t.Claims["nonce"]
	switch {
	case !ok:
		return nil
	case isJSONNull(raw) && c.profile().IDToken.NonceNull:
		return nil
	}
	msg := "none was sent at authorize"
	if isJSONNull(raw) {
		msg += "; the profile does not allow null"
	}
	return &Failure{ID: "IDT-NONCE-ABSENT", Field: "nonce", Got: c.showClaim("nonce", raw), Want: "no nonce claim", Msg: msg, Err: ErrNoncePresent}
}

// IDT-AMR: amr is an array of strings containing every value the profile
// promises. Skipped when it promises none and amr is absent.
func checkAMR(ev *Evidence, c *Context) error {
	t, err := token(ev)
	if err != nil {
		return err
	}
	const id, claim = "IDT-AMR", "amr"
	want, allowed := c.profile().IDToken.AMRContains, c.profile().IDToken.AMRValues
	wantText := "an array of strings"
	if len(want) > 0 {
		wantText += " containing " + strings.Join(want, ", ")
	}
	if len(allowed) > 0 {
		wantText += " of " + strings.Join(allowed, ", ")
	}
	raw, ok := t.Claims[claim]
	if !ok {
		if len(want) == 0 && len(allowed) == 0 {
			return skip("the profile promises no amr values")
		}
		return &Failure{ID: id, Field: claim, Got: "absent", Want: wantText, Err: ErrMissing}
	}
	amr, ok := jsonStringElems(raw)
	if !ok {
		return &Failure{ID: id, Field: claim, Got: jsonKind(raw), Want: wantText, Err: ErrType}
	}
	var missing, other []string
	for _, w := range want {
		if !containsBytes(amr, w) {
			missing = append(missing, w)
		}
	}
	if len(allowed) > 0 {
		for _, v := range amr {
			if !slices.Contains(allowed, string(v)) {
				other = append(other, strconv.Quote(string(v)))
			}
		}
		if len(amr) == 0 {
			missing = append(missing, "a value")
		}
	}
	switch {
	case len(missing) > 0:
		return &Failure{ID: id, Field: claim, Got: c.showClaim(claim, raw), Want: wantText, Msg: "missing " + strings.Join(missing, ", "), Err: ErrAMR}
	case len(other) > 0:
		return &Failure{ID: id, Field: claim, Got: c.showClaim(claim, raw), Want: wantText, Msg: "undocumented values " + strings.Join(other, ", "), Err: ErrAMR}
	}
	return nil
}

// IDT-CLAIMS: every claim the profile lists is present with its type; every
// missing or mistyped claim is reported, ordered by name.
func checkClaims(ev *Evidence, c *Context) error {
	t, err := token(ev)
	if err != nil {
		return err
	}
	want := c.profile().IDToken.Claims
	if len(want) == 0 {
		return skip("the profile lists no claims")
	}
	var fs []error
	for name, typ := range want {
		raw, ok := t.Claims[name]
		if !ok {
			fs = append(fs, &Failure{ID: "IDT-CLAIMS", Field: name, Got: "absent", Want: typeText(typ), Err: ErrMissing})
			continue
		}
		if msg, sentinel := claimType(typ, raw); sentinel != nil {
			fs = append(fs, &Failure{ID: "IDT-CLAIMS", Field: name, Got: c.showClaim(name, raw), Want: typeText(typ), Msg: msg, Err: sentinel})
		}
	}
	sort.Slice(fs, func(i, j int) bool { return fs[i].(*Failure).Field < fs[j].(*Failure).Field })
	return joinFailures(fs)
}

// typeText names a profile claim type for a failure.
func typeText(typ string) string {
	switch typ {
	case "date":
		return "a date YYYY-MM-DD"
	case "string_or_null":
		return "a string or null"
	case "string_or_array":
		return "a string or an array of strings"
	case "array", "object":
		return "an " + typ
	}
	return "a " + typ
}

// claimType returns the sentinel (and a reason beyond the type, if any)
// when raw is not of the profile type typ, else nil.
func claimType(typ string, raw json.RawMessage) (string, error) {
	kind := jsonKind(raw)
	ok := false
	switch typ {
	case "string":
		ok = kind == "a string"
	case "number":
		ok = kind == "a number"
	case "boolean":
		ok = kind == "a boolean"
	case "array":
		ok = kind == "an array"
	case "object":
		ok = kind == "an object"
	case "string_or_null":
		ok = kind == "a string" || kind == "null"
	case "string_or_array":
		_, ok = audience(raw)
	case "date":
		s, isStr := jsonString(raw)
		if !isStr {
			break
		}
		if !validDate(s) {
			return "not a YYYY-MM-DD calendar date", ErrDate
		}
		return "", nil
	default:
		return "the profile names an unknown type " + quote(typ), ErrType
	}
	if ok {
		return "", nil
	}
	return "", ErrType
}

// validDate reports whether s is YYYY-MM-DD and a real calendar date. Year
// 0000 is accepted (OIDC Core §5.1: the year omitted).
//
// https://openid.net/specs/openid-connect-core-1_0.html#StandardClaims
func validDate(s string) bool {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	num := func(p string) int {
		n := 0
		for i := 0; i < len(p); i++ {
			if p[i] < '0' || p[i] > '9' {
				return -1
			}
			n = n*10 + int(p[i]-'0')
		}
		return n
	}
	y, m, d := num(s[:4]), num(s[5:7]), num(s[8:])
	if y < 0 || m < 1 || m > 12 || d < 1 {
		return false
	}
	days := [...]int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[m-1]
	if m == 2 && y%4 == 0 && (y%100 != 0 || y%400 == 0) {
		days = 29
	}
	return d <= days
}

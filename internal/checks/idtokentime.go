package checks

import (
	"math"
	"strconv"
	"time"
)

// The ID token rows about time: IDT-EXP, IDT-IAT, IDT-LIFETIME and
// IDT-AUTH-TIME, and the NumericDate claims they read.
//
// https://openid.net/specs/openid-connect-core-1_0.html#IDToken

// maxSeconds is the largest NumericDate taken for seconds: 1e11 s is the
// year 5138, while 1e11 ms is 1973.
const maxSeconds = 1e11

// numericDate reads a NumericDate claim. A failure says what is wrong:
// absent, not a number, or milliseconds.
func numericDate(id, claim string, t *IDToken) (float64, error) {
	raw, ok := t.Claims[claim]
	if !ok {
		return 0, &Failure{ID: id, Field: claim, Got: "absent", Want: "a NumericDate (seconds since the epoch)", Err: ErrMissing}
	}
	v, ok := jsonNumber(raw)
	if !ok {
		return 0, &Failure{ID: id, Field: claim, Got: jsonKind(raw) + " " + showRaw(raw), Want: "a JSON number", Err: ErrType}
	}
	if math.Abs(v) > maxSeconds {
		return 0, &Failure{ID: id, Field: claim, Got: showRaw(raw), Want: "seconds since the epoch",
			Msg: "looks like milliseconds, which would be " + fmtTime(v/1000), Err: ErrMilliseconds}
	}
	return v, nil
}

// secondsClaim reads a NumericDate claim that is plausibly in seconds.
func secondsClaim(t *IDToken, name string) (float64, bool) {
	v, ok := t.NumberClaim(name)
	return v, ok && math.Abs(v) <= maxSeconds
}

// fmtTime renders a NumericDate as RFC 3339 UTC.
func fmtTime(sec float64) string {
	return time.Unix(int64(sec), 0).UTC().Format(time.RFC3339)
}

// fmtDate renders a NumericDate as "1495714163 (2017-05-25T12:09:23Z)".
func fmtDate(sec float64) string {
	return strconv.FormatFloat(sec, 'f', -1, 64) + " (" + fmtTime(sec) + ")"
}

func unixSeconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

// IDT-EXP: exp is a NumericDate in seconds after now − skew.
func checkExp(ev *Evidence, c *Context) error {
	t, err := token(ev)
	if err != nil {
		return err
	}
	exp, err := numericDate("IDT-EXP", "exp", t)
	if err != nil {
		return err
	}
	now, skew := unixSeconds(c.now()), c.skew()
	if exp <= now-skew.Seconds() {
		return &Failure{ID: "IDT-EXP", Field: "exp", Got: fmtDate(exp), Want: "after " + fmtTime(now) + " − " + skew.String(), Msg: "expired", Err: ErrExpired}
	}
	return nil
}

// IDT-IAT: iat is a NumericDate in seconds within skew of now, and not
// after exp.
func checkIat(ev *Evidence, c *Context) error {
	t, err := token(ev)
	if err != nil {
		return err
	}
	const id = "IDT-IAT"
	iat, err := numericDate(id, "iat", t)
	if err != nil {
		return err
	}
	var fs []error
	now, skew := unixSeconds(c.now()), c.skew()
	if math.Abs(iat-now) > skew.Seconds() {
		msg := "issued in the future"
		if iat < now {
			msg = "issued " + time.Duration((now-iat)*1e9).Round(time.Second).String() + " ago"
		}
		fs = append(fs, &Failure{ID: id, Field: "iat", Got: fmtDate(iat), Want: "within " + skew.String() + " of " + fmtTime(now), Msg: msg, Err: ErrIssuedAt})
	}
	if exp, ok := secondsClaim(t, "exp"); ok && iat > exp {
		fs = append(fs, &Failure{ID: id, Field: "iat", Got: fmtDate(iat), Want: "not after exp " + fmtDate(exp), Err: ErrIssuedAfterExp})
	}
	return joinFailures(fs)
}

// IDT-LIFETIME: exp − iat is within the profile's range.
func checkLifetime(ev *Evidence, c *Context) error {
	t, err := token(ev)
	if err != nil {
		return err
	}
	r := c.profile().IDToken.Lifetime
	if r.Min == 0 && r.Max == 0 {
		return skip("the profile sets no ID token lifetime")
	}
	exp, ok1 := secondsClaim(t, "exp")
	iat, ok2 := secondsClaim(t, "iat")
	if !ok1 || !ok2 {
		return skip("no valid exp and iat (IDT-EXP, IDT-IAT report it)")
	}
	life := time.Duration((exp - iat) * 1e9)
	if !r.Contains(life) {
		want := "at least " + r.Min.D().String()
		switch {
		case r.Min != 0 && r.Max != 0:
			want = "between " + r.Min.D().String() + " and " + r.Max.D().String()
		case r.Max != 0:
			want = "at most " + r.Max.D().String()
		}
		return &Failure{ID: "IDT-LIFETIME", Field: "exp − iat", Got: life.String(), Want: want, Err: ErrLifetime}
	}
	return nil
}

// IDT-AUTH-TIME: present when the profile requires it; when present a
// NumericDate not after iat (nor now) beyond the skew, and plausible: not
// earlier than iat minus the profile's maximum session age (a code obtained
// moments ago came from a login within that age; 0 is 1970).
func checkAuthTime(ev *Evidence, c *Context) error {
	t, err := token(ev)
	if err != nil {
		return err
	}
	const id, claim = "IDT-AUTH-TIME", "auth_time"
	if _, ok := t.Claims[claim]; !ok {
		if c.profile().IDToken.AuthTime == "required" {
			return &Failure{ID: id, Field: claim, Got: "absent", Want: "a NumericDate", Msg: "the profile requires auth_time", Err: ErrMissing}
		}
		return nil
	}
	at, err := numericDate(id, claim, t)
	if err != nil {
		return err
	}
	skew := c.skew().Seconds()
	if iat, ok := secondsClaim(t, "iat"); ok && at > iat+skew {
		return &Failure{ID: id, Field: claim, Got: fmtDate(at), Want: "not after iat " + fmtDate(iat), Msg: "authenticated after the token was issued", Err: ErrAuthTime}
	}
	if now := unixSeconds(c.now()); at > now+skew {
		return &Failure{ID: id, Field: claim, Got: fmtDate(at), Want: "not after now " + fmtTime(now), Msg: "authenticated in the future", Err: ErrAuthTime}
	}
	if iat, ok := secondsClaim(t, "iat"); ok && at < iat-c.maxAuthAge().Seconds() {
		age := time.Duration((iat - at) * 1e9).Round(time.Second)
		return &Failure{ID: id, Field: claim, Got: fmtDate(at) + ", " + age.String() + " before iat",
			Want: "within " + c.maxAuthAge().String() + " before iat " + fmtDate(iat),
			Msg:  "implausible for a code obtained moments ago (id_token.max_auth_age)", Err: ErrAuthTimeStale}
	}
	return nil
}

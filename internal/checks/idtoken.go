package checks

import (
	"crypto"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
)

// The ID token rows (IDT-*), except IDT-USERINFO-SUB (UserinfoSub).
//
// https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation

// token returns the parsed ID token or the skip that explains its absence.
func token(ev *Evidence) (*IDToken, error) {
	switch {
	case ev.IDToken != nil:
		return ev.IDToken, nil
	case ev.IDTokenErr != nil:
		return nil, skip("the ID token could not be parsed (IDT-JWS reports it)")
	case ev.X == nil || ev.X.Response == nil:
		return nil, skip("no response")
	}
	return nil, skip("no id_token string in the response (RESP-ID-TOKEN reports it)")
}

// IDT-JWS: a compact JWS (three base64url parts, JSON object header and
// payload, each with unique member names) with a string alg that is not
// none and a non-empty signature, and no crit extensions this harness would
// have to understand.
//
// https://www.rfc-editor.org/rfc/rfc7515#section-5.2
func checkJWS(ev *Evidence, _ *Context) error {
	if ev.IDTokenErr != nil {
		return ev.IDTokenErr
	}
	t, err := token(ev)
	if err != nil {
		return err
	}
	const id = "IDT-JWS"
	var fs []error
	switch raw, ok := t.Header["alg"]; {
	case !ok:
		fs = append(fs, &Failure{ID: id, Field: "alg", Got: "absent", Want: "a JWS alg", Err: ErrMissing})
	case !isJSONString(raw):
		fs = append(fs, &Failure{ID: id, Field: "alg", Got: jsonKind(raw), Want: "a string", Err: ErrType})
	case t.Alg == "":
		fs = append(fs, &Failure{ID: id, Field: "alg", Got: `""`, Want: "a JWS alg", Err: ErrEmpty})
	case isNone(t.Alg):
		fs = append(fs, &Failure{ID: id, Field: "alg", Got: quote(t.Alg), Want: "a signature algorithm",
			Msg: "an unsecured ID token from the token endpoint is never acceptable", Err: ErrAlgNone})
	}
	if len(t.Signature) == 0 && !isNone(t.Alg) {
		fs = append(fs, &Failure{ID: id, Field: "signature", Got: "empty", Want: "a signature", Err: ErrMalformedJWS})
	}
	if len(t.dupHeader) > 0 {
		fs = append(fs, &Failure{ID: id, Field: "header", Got: "duplicate " + strings.Join(t.dupHeader, ", "), Want: "unique names",
			Msg: "RFC 7515 §4", Err: ErrMalformedJWS})
	}
	if len(t.dupClaims) > 0 {
		fs = append(fs, &Failure{ID: id, Field: "payload", Got: "duplicate " + strings.Join(t.dupClaims, ", "), Want: "unique claim names",
			Msg: "RFC 7519 §4", Err: ErrMalformedJWS})
	}
	if _, ok := t.Header["crit"]; ok {
		fs = append(fs, &Failure{ID: id, Field: "crit", Got: showRaw(t.Header["crit"]), Want: "no crit header",
			Msg: "critical extensions this harness does not understand must be rejected (RFC 7515 §4.1.11)", Err: ErrMalformedJWS})
	}
	return joinFailures(fs)
}

// IDT-ALG: the header alg is one of the acceptable algs.
func checkAlg(ev *Evidence, c *Context) error {
	t, err := token(ev)
	if err != nil {
		return err
	}
	algs := c.algs()
	if t.Alg != "" && !isNone(t.Alg) && contains(algs, t.Alg) {
		return nil
	}
	got := quote(t.Alg)
	if t.Alg == "" {
		got = "no string alg"
	}
	return &Failure{ID: "IDT-ALG", Field: "alg", Got: got, Want: "one of " + strings.Join(algs, ", "), Err: ErrAlgNotAllowed}
}

// IDT-KID: the header has a kid, and the JWKS a key with it whose kty (and
// curve) fit the alg, whose alg, when set, is the header's, and whose use,
// when set, is sig. An unknown kid refreshes a remote set once first.
//
// https://openid.net/specs/openid-connect-core-1_0.html#Signing
func checkKID(ev *Evidence, c *Context) error {
	t, err := token(ev)
	if err != nil {
		return err
	}
	const id = "IDT-KID"
	raw, ok := t.Header["kid"]
	switch {
	case !ok:
		return &Failure{ID: id, Field: "kid", Got: "absent", Want: "a kid naming a JWKS key", Err: ErrNoKID}
	case !isJSONString(raw):
		return &Failure{ID: id, Field: "kid", Got: jsonKind(raw), Want: "a string", Err: ErrType}
	case t.Kid == "":
		return &Failure{ID: id, Field: "kid", Got: `""`, Want: "a kid naming a JWKS key", Err: ErrNoKID}
	case c.Keys == nil:
		return skip("no JWKS configured")
	case ev.Key == nil && ev.KeyErr == nil:
		return skip("the evidence was built without the key set")
	}
	return ev.KeyErr
}

// IDT-SIGNATURE: the signature verifies with the selected key under the
// header alg. An alg outside the acceptable list is still verified (IDT-ALG
// reports it); a token without a usable key fails.
func checkSignature(ev *Evidence, c *Context) error {
	t, err := token(ev)
	if err != nil {
		return err
	}
	const id = "IDT-SIGNATURE"
	switch {
	case t.Alg == "" || isNone(t.Alg):
		return &Failure{ID: id, Field: "alg", Got: quote(t.Alg), Want: "a signed ID token", Msg: "nothing to verify", Err: ErrSignature}
	case isMAC(t.Alg) && c.ClientSecret == "":
		return skip("%s is keyed with the client secret, which this context does not hold", t.Alg)
	case isMAC(t.Alg):
		// OIDC Core §10.1: the key is the octets of the UTF-8 client_secret.
		if err := verifySignature(t, []byte(c.ClientSecret)); err != nil {
			return &Failure{ID: id, Field: "signature", Got: "an " + t.Alg + " signature that does not verify with the client secret",
				Want: "a valid signature", Msg: err.Error(), Err: ErrSignature}
		}
		return nil
	case c.Keys == nil:
		return skip("no JWKS configured")
	case ev.Key == nil && ev.KeyErr == nil:
		return skip("the evidence was built without the key set")
	case ev.Key == nil:
		return &Failure{ID: id, Field: "signature", Got: "unverified", Want: "a signature that verifies",
			Msg: "no usable key for kid " + strconv.Quote(t.Kid) + "; IDT-KID says why", Err: ErrSignature}
	}
	if err := verifySignature(t, ev.rawKey); err != nil {
		return &Failure{ID: id, Field: "signature", Got: "a signature that does not verify with kid " + strconv.Quote(ev.Key.KeyID()) + " as " + t.Alg,
			Want: "a valid signature", Msg: err.Error(), Err: ErrSignature}
	}
	return nil
}

// verifySignature is jws.Verify(token, jws.WithKey(alg, key)) over the
// already split token: the same verifier, without parsing it again.
func verifySignature(t *IDToken, key any) error {
	v, err := jws.NewVerifier(jwa.SignatureAlgorithm(t.Alg))
	if err != nil {
		return err
	}
	return v.Verify(t.SigningInput, t.Signature, key)
}

// IDT-HEADER-KEYS: the header carries none of jku, jwk, x5u (a verifier
// must not take keys from the token itself).
func checkHeaderKeys(ev *Evidence, _ *Context) error {
	t, err := token(ev)
	if err != nil {
		return err
	}
	var found []string
	for _, name := range [...]string{"jku", "jwk", "x5u"} {
		if _, ok := t.Header[name]; ok {
			found = append(found, name)
		}
	}
	if len(found) > 0 {
		return &Failure{ID: "IDT-HEADER-KEYS", Field: "header", Got: strings.Join(found, ", "), Want: "none of jku, jwk, x5u", Err: ErrHeaderKeys}
	}
	return nil
}

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

// atHashFunc is the hash whose left half at_hash encodes: the one of the
// alg (SHA-512 for EdDSA with Ed25519), or 0 when the alg names none.
func atHashFunc(alg string, key jwk.Key) crypto.Hash {
	switch {
	case alg == "EdDSA":
		if k, ok := key.(jwk.OKPPublicKey); ok && k.Crv() == jwa.Ed25519 {
			return crypto.SHA512
		}
		return 0
	case alg == "ES256K", strings.HasSuffix(alg, "256"):
		return crypto.SHA256
	case strings.HasSuffix(alg, "384"):
		return crypto.SHA384
	case strings.HasSuffix(alg, "512"):
		return crypto.SHA512
	}
	return 0
}

// IDT-AT-HASH: present when the profile requires it; when present the
// base64url of the left half of the alg's hash of the access token.
//
// https://openid.net/specs/openid-connect-core-1_0.html#CodeIDToken
func checkAtHash(ev *Evidence, c *Context) error {
	t, err := token(ev)
	if err != nil {
		return err
	}
	const id, claim = "IDT-AT-HASH", "at_hash"
	raw, ok := t.Claims[claim]
	if !ok {
		if c.profile().IDToken.AtHash == "required" {
			return &Failure{ID: id, Field: claim, Got: "absent", Want: "the access token's hash", Msg: "the profile requires at_hash", Err: ErrMissing}
		}
		return nil
	}
	got, ok := jsonStringBytes(raw)
	if !ok {
		return &Failure{ID: id, Field: claim, Got: jsonKind(raw), Want: "a string", Err: ErrType}
	}
	at, ok := jsonStringBytes(ev.Members["access_token"])
	if !ok || len(at) == 0 {
		return skip("no access_token to hash (RESP-ACCESS-TOKEN reports it)")
	}
	h := atHashFunc(t.Alg, ev.Key)
	var sum []byte
	var buf [sha512.Size]byte
	switch h {
	case crypto.SHA256:
		s := sha256.Sum256(at)
		sum = append(buf[:0], s[:]...)
	case crypto.SHA384:
		s := sha512.Sum384(at)
		sum = append(buf[:0], s[:]...)
	case crypto.SHA512:
		s := sha512.Sum512(at)
		sum = append(buf[:0], s[:]...)
	default:
		return skip("alg %s names no hash for at_hash", quote(t.Alg))
	}
	var enc [86]byte // base64url of at most 32 bytes (half of SHA-512)
	n := base64.RawURLEncoding.EncodedLen(len(sum) / 2)
	base64.RawURLEncoding.Encode(enc[:n], sum[:len(sum)/2])
	if string(got) != string(enc[:n]) {
		return &Failure{ID: id, Field: claim, Got: quote(string(got)), Want: quote(string(enc[:n])) + " (left half of " + h.String() + " of the access token)", Err: ErrAtHash}
	}
	return nil
}

// IDT-AMR: amr is an array of strings containing every value the profile
// promises. Skipped when it promises none and amr is absent.
func checkAMR(ev *Evidence, c *Context) error {
	t, err := token(ev)
	if err != nil {
		return err
	}
	const id, claim = "IDT-AMR", "amr"
	want := c.profile().IDToken.AMRContains
	wantText := "an array of strings"
	if len(want) > 0 {
		wantText += " containing " + strings.Join(want, ", ")
	}
	raw, ok := t.Claims[claim]
	if !ok {
		if len(want) == 0 {
			return skip("the profile promises no amr values")
		}
		return &Failure{ID: id, Field: claim, Got: "absent", Want: wantText, Err: ErrMissing}
	}
	amr, ok := jsonStringElems(raw)
	if !ok {
		return &Failure{ID: id, Field: claim, Got: jsonKind(raw), Want: wantText, Err: ErrType}
	}
	var missing []string
	for _, w := range want {
		if !containsBytes(amr, w) {
			missing = append(missing, w)
		}
	}
	if len(missing) > 0 {
		return &Failure{ID: id, Field: claim, Got: c.showClaim(claim, raw), Want: wantText, Msg: "missing " + strings.Join(missing, ", "), Err: ErrAMR}
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

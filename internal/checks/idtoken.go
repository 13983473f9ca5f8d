package checks

import (
	"crypto"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
)

// The ID token rows about the JWS (IDT-JWS, IDT-ALG, IDT-KID,
// IDT-SIGNATURE, the header keys) and IDT-AT-HASH; idtokenclaims.go holds
// the identity claims, idtokentime.go the times, and IDT-USERINFO-SUB is
// UserinfoSub.
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
		msg := err.Error()
		if derEncoded(t) {
			msg = "the signature is ASN.1 DER-encoded, where a JWS carries R‖S (RFC 7518 §3.4): " + msg
		}
		return &Failure{ID: id, Field: "signature", Got: "a signature that does not verify with kid " + strconv.Quote(ev.Key.KeyID()) + " as " + t.Alg,
			Want: "a valid signature", Msg: msg, Err: ErrSignature}
	}
	return nil
}

// derEncoded reports whether an ECDSA signature has the shape of an ASN.1
// DER SEQUENCE of two INTEGERs rather than R‖S.
//
// https://www.rfc-editor.org/rfc/rfc7518#section-3.4
func derEncoded(t *IDToken) bool {
	sig := t.Signature
	return strings.HasPrefix(t.Alg, "ES") && len(sig) > 8 && sig[0] == 0x30 && int(sig[1]) == len(sig)-2 && sig[2] == 0x02
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

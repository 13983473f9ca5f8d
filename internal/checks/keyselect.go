package checks

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
)

// isMAC reports whether alg is an HMAC: keyed with the client secret, not a
// JWKS key.
func isMAC(alg string) bool { return strings.HasPrefix(alg, "HS") }

// isNone reports whether alg is the unsecured "none" (any case).
func isNone(alg string) bool { return strings.EqualFold(alg, "none") }

// keyMismatch says why key cannot verify an alg signature, or "" when it
// can: the kty (and curve) the alg needs, the key's alg when set, its use
// when set, and its key_ops when set.
//
// https://www.rfc-editor.org/rfc/rfc7518#section-3.1
// https://www.rfc-editor.org/rfc/rfc7517#section-4
func keyMismatch(key jwk.Key, alg string) string {
	kty, crv := wantKty(alg)
	if kty == "" {
		return "alg " + strconv.Quote(alg) + " is not a JWS signature algorithm this harness verifies"
	}
	if got := key.KeyType(); got != kty {
		return "kty " + strconv.Quote(got.String()) + " cannot verify " + alg + ", which needs " + kty.String()
	}
	if crv != "" {
		var got jwa.EllipticCurveAlgorithm
		switch k := key.(type) {
		case jwk.ECDSAPublicKey:
			got = k.Crv()
		case jwk.ECDSAPrivateKey:
			got = k.Crv()
		case jwk.OKPPublicKey: // an OKPPrivateKey is one too
			got = k.Crv()
		}
		if !crvFits(alg, got) {
			return "crv " + strconv.Quote(got.String()) + " cannot verify " + alg
		}
	}
	if a := key.Algorithm().String(); a != "" && a != alg {
		return "key alg " + strconv.Quote(a) + " is not the header alg " + strconv.Quote(alg)
	}
	if u := key.KeyUsage(); u != "" && u != string(jwk.ForSignature) {
		return "key use " + strconv.Quote(u) + " is not \"sig\""
	}
	if ops := key.KeyOps(); len(ops) > 0 {
		ok := false
		for _, op := range ops {
			ok = ok || op == jwk.KeyOpVerify
		}
		if !ok {
			return "key_ops lack \"verify\""
		}
	}
	return ""
}

// wantKty returns the key type an alg needs and, for EC and OKP, a marker
// that the curve matters.
func wantKty(alg string) (jwa.KeyType, string) {
	switch alg {
	case "RS256", "RS384", "RS512", "PS256", "PS384", "PS512":
		return jwa.RSA, ""
	case "ES256", "ES384", "ES512", "ES256K":
		return jwa.EC, "crv"
	case "EdDSA":
		return jwa.OKP, "crv"
	}
	return "", ""
}

func crvFits(alg string, crv jwa.EllipticCurveAlgorithm) bool {
	switch alg {
	case "ES256":
		return crv == jwa.P256
	case "ES384":
		return crv == jwa.P384
	case "ES512":
		return crv == jwa.P521
	case "ES256K":
		return crv == "secp256k1" // RFC 8812 §3.1; jwx v2 has no constant without the es256k build tag
	case "EdDSA":
		return crv == jwa.Ed25519 || crv == jwa.Ed448
	}
	return false
}

// selectKey finds the key for a token: the first with its kid whose type,
// alg, use and key_ops fit the header alg, refreshing the set once when no
// key has the kid. Without a kid it takes the only key that fits, if exactly
// one does (OIDC Core §10.1), though IDT-KID still fails. Errors are
// *Failure of IDT-KID, or a skip when the alg uses no JWKS key.
func selectKey(ctx context.Context, ks KeySet, tok *IDToken) (jwk.Key, any, error) {
	alg := tok.Alg
	switch {
	case alg == "" || isNone(alg):
		return nil, nil, skip("no alg to select a key by (IDT-JWS reports it)")
	case isMAC(alg):
		return nil, nil, skip("%s ID tokens are keyed with the client secret, not a JWKS key", alg)
	}
	set, err := ks.Keys(ctx)
	if err != nil {
		return nil, nil, &Failure{ID: "IDT-KID", Field: "jwks_uri", Msg: err.Error(), Err: ErrJWKS}
	}
	if tok.Kid == "" {
		var found jwk.Key
		n := 0
		for i := 0; i < set.Len(); i++ {
			if k, _ := set.Key(i); keyMismatch(k, alg) == "" {
				found = k
				n++
			}
		}
		if n == 1 {
			return found, rawOf(ks, found), nil
		}
		return nil, nil, &Failure{ID: "IDT-KID", Field: "kid", Got: "no kid", Want: "a kid naming a JWKS key",
			Msg: strconv.Itoa(n) + " keys in the JWKS fit " + alg, Err: ErrNoKID}
	}
	cands := keysWithKID(set, tok.Kid)
	if len(cands) == 0 {
		if _, err := ks.Key(ctx, tok.Kid); err != nil {
			sentinel := error(ErrUnknownKID)
			if !errors.Is(err, ErrUnknownKID) {
				sentinel = ErrJWKS
			}
			return nil, nil, &Failure{ID: "IDT-KID", Field: "kid", Got: strconv.Quote(tok.Kid),
				Want: "a kid in the JWKS (has " + kidList(set) + ")", Msg: strings.TrimPrefix(err.Error(), "checks: "), Err: sentinel}
		}
		if set, err = ks.Keys(ctx); err != nil {
			return nil, nil, &Failure{ID: "IDT-KID", Field: "jwks_uri", Msg: err.Error(), Err: ErrJWKS}
		}
		cands = keysWithKID(set, tok.Kid)
	}
	var why []string
	for _, k := range cands {
		w := keyMismatch(k, alg)
		if w == "" {
			return k, rawOf(ks, k), nil
		}
		why = append(why, w)
	}
	return nil, nil, &Failure{ID: "IDT-KID", Field: "kid", Got: strconv.Quote(tok.Kid),
		Want: "a key that can verify " + alg, Msg: strings.Join(why, "; "), Err: ErrKeyMismatch}
}

func rawOf(ks KeySet, k jwk.Key) any {
	if rk, ok := ks.(rawKeyer); ok {
		if raw, ok := rk.rawKey(k); ok {
			return raw
		}
	}
	raw, err := jwk.PublicRawKeyOf(k)
	if err != nil {
		return k // let the verifier say why
	}
	return raw
}

func keysWithKID(set jwk.Set, kid string) []jwk.Key {
	var out []jwk.Key
	for i := 0; i < set.Len(); i++ {
		if k, _ := set.Key(i); k != nil && k.KeyID() == kid {
			out = append(out, k)
		}
	}
	return out
}

// kidList renders a set's kids for a failure, at most eight.
func kidList(set jwk.Set) string {
	var b strings.Builder
	n := set.Len()
	for i := 0; i < n && i < 8; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		k, _ := set.Key(i)
		b.WriteString(strconv.Quote(k.KeyID()))
	}
	if n > 8 {
		b.WriteString(", …")
	}
	if n == 0 {
		return "no keys"
	}
	return b.String()
}

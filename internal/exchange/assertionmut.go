package exchange

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
)

// AssertionEdit changes a client assertion before it is signed.
type AssertionEdit func(*Assertion) error

// AssertionWith replaces the client assertion of a Spec authenticated by a
// JWT authenticator with one the authenticator builds and the edits change:
// the vocabulary of the AUTH-JWT-* probes. On a Spec without a JWT
// authenticator it sets Err.
func AssertionWith(edits ...AssertionEdit) Mutation {
	return func(s *Spec) {
		j, ok := s.Authn.(*JWT)
		if !ok {
			s.Err = fmt.Errorf("exchange: the request is not authenticated with a client assertion (%s)", authnMethod(s))
			return
		}
		a, err := j.Assertion()
		for _, e := range edits {
			if err == nil {
				err = e(&a)
			}
		}
		var compact string
		if err == nil {
			compact, err = a.Encode()
		}
		if err != nil {
			s.Err = fmt.Errorf("exchange: building the probe's client assertion: %w", err)
			return
		}
		j.attach(s, compact, nil, AssertionWith(edits...))
	}
}

func authnMethod(s *Spec) string {
	if s.Authn == nil {
		return "no authenticator"
	}
	return s.Authn.Method()
}

// Audience sets aud (RFC 7523 §3 (3)).
func Audience(aud string) AssertionEdit {
	return func(a *Assertion) error { a.Aud = aud; return nil }
}

// ExpiredBy moves iat and exp d into the past: exp is d ago (RFC 7523 §3 (4)).
func ExpiredBy(d time.Duration) AssertionEdit {
	return func(a *Assertion) error {
		life := a.Expires.Sub(a.IssuedAt)
		a.Expires = a.Expires.Add(-d - life)
		a.IssuedAt = a.Expires.Add(-life)
		return nil
	}
}

// NoExpiry leaves exp out.
func NoExpiry() AssertionEdit {
	return func(a *Assertion) error { a.Expires = time.Time{}; return nil }
}

// Issuer sets iss alone, so that iss and sub differ (RFC 7523 §3 (1)).
func Issuer(iss string) AssertionEdit {
	return func(a *Assertion) error { a.Iss = iss; return nil }
}

// Subject sets sub alone (RFC 7523 §3 (2)).
func Subject(sub string) AssertionEdit {
	return func(a *Assertion) error { a.Sub = sub; return nil }
}

// AlgNone makes an unsecured JWT: alg "none", no kid, an empty signature
// (RFC 8725 §3.1).
func AlgNone() AssertionEdit {
	return func(a *Assertion) error { a.Alg, a.Kid = "none", ""; return nil }
}

// HMACWithPublicKey signs HS256 keyed with the bytes of the client's own
// public key as a PEM "PUBLIC KEY" block: the algorithm confusion of
// RFC 8725 §2.1, which fools a verifier that lets the token pick the
// algorithm for a key it holds as bytes.
func HMACWithPublicKey() AssertionEdit {
	return func(a *Assertion) error {
		if a.PublicKey == nil {
			return errors.New("HMAC confusion needs a public key (private_key_jwt)")
		}
		p, err := PublicPEM(a.PublicKey)
		if err != nil {
			return err
		}
		a.Alg, a.Key = AlgHS256, p
		return nil
	}
}

// ForeignKey signs with a fresh key of the same type as the client's, which
// no registration knows (RFC 7523 §3 (9)).
func ForeignKey() AssertionEdit {
	return func(a *Assertion) error {
		var err error
		switch a.PublicKey.(type) {
		case *rsa.PublicKey:
			a.Key, err = rsa.GenerateKey(rand.Reader, 2048)
		case *ecdsa.PublicKey:
			a.Key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		default:
			k := make([]byte, 32)
			_, err = rand.Read(k)
			a.Key = k
		}
		return err
	}
}

// FlipSignatureByte flips one bit of one byte in the middle of the client
// assertion's signature, leaving header and claims as the authenticator
// signed them (RFC 7523 §3 (9)).
func FlipSignatureByte() Mutation {
	return func(s *Spec) {
		v, ok := s.Get(ParamClientAssertion)
		i := strings.LastIndexByte(v, '.')
		if !ok || i < 0 {
			s.Err = errors.New("exchange: no client assertion to flip a signature byte of")
			return
		}
		sig, err := base64.RawURLEncoding.DecodeString(v[i+1:])
		if err != nil || len(sig) == 0 {
			s.Err = errors.New("exchange: the client assertion has no signature to flip a byte of")
			return
		}
		sig[len(sig)/2] ^= 0x01
		Set(ParamClientAssertion, v[:i+1]+base64.RawURLEncoding.EncodeToString(sig))(s)
	}
}

package provider

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
)

// Key IDs published in the JWKS. KeyID is the seed's.
const (
	KeyID      = "bankid-oauth"
	kidNextRSA = "bankid-oauth-next"    // multi-key-jwks: published, never used
	kidEC      = "bankid-oauth-ec"      // multi-key-jwks: published, never used
	kidRetired = "bankid-oauth-retired" // unknown-kid: named, never published
	rsaKeyBits = 2048
)

// keys is the provider's key material: the signing key (RS256, or an EC
// P-256 key for ES256) and the JWKS document built once from it.
type keys struct {
	alg     string // RS256 or ES256
	signing *rsa.PrivateKey
	ec      *ecdsa.PrivateKey // ES256 only
	rs256   jws.Signer
	es256   jws.Signer
	hs256   jws.Signer
	jwks    []byte
}

// newKeys uses key, or generates one, and builds the JWKS (with two more
// public keys when multi is set). With alg ES256 it signs with a fresh EC
// P-256 key published under KeyID instead.
func newKeys(key *rsa.PrivateKey, alg string, rnd io.Reader, multi bool) (*keys, error) {
	var err error
	if key == nil && alg != AlgES256 {
		if key, err = rsa.GenerateKey(rnd, rsaKeyBits); err != nil {
			return nil, fmt.Errorf("provider: generating the signing key: %w", err)
		}
	}
	k := &keys{alg: alg, signing: key}
	if alg == AlgES256 {
		if k.ec, err = ecdsa.GenerateKey(elliptic.P256(), rnd); err != nil {
			return nil, fmt.Errorf("provider: generating the EC signing key: %w", err)
		}
	}
	if k.rs256, err = jws.NewSigner(jwa.RS256); err != nil {
		return nil, fmt.Errorf("provider: %w", err)
	}
	if k.es256, err = jws.NewSigner(jwa.ES256); err != nil {
		return nil, fmt.Errorf("provider: %w", err)
	}
	if k.hs256, err = jws.NewSigner(jwa.HS256); err != nil {
		return nil, fmt.Errorf("provider: %w", err)
	}

	set := jwk.NewSet()
	if multi {
		// The extra keys come first, so a verifier must select by kid.
		other, err := rsa.GenerateKey(rnd, rsaKeyBits)
		if err != nil {
			return nil, fmt.Errorf("provider: generating the extra RSA key: %w", err)
		}
		if err := addPublic(set, &other.PublicKey, kidNextRSA, jwa.RS256); err != nil {
			return nil, err
		}
		ec, err := ecdsa.GenerateKey(elliptic.P256(), rnd)
		if err != nil {
			return nil, fmt.Errorf("provider: generating the EC key: %w", err)
		}
		if err := addPublic(set, &ec.PublicKey, kidEC, jwa.ES256); err != nil {
			return nil, err
		}
	}
	if k.ec != nil {
		err = addPublic(set, &k.ec.PublicKey, KeyID, jwa.ES256)
	} else {
		err = addPublic(set, &key.PublicKey, KeyID, jwa.RS256)
	}
	if err != nil {
		return nil, err
	}
	if k.jwks, err = json.Marshal(set); err != nil {
		return nil, fmt.Errorf("provider: encoding the JWKS: %w", err)
	}
	return k, nil
}

// sign signs a JWS signing input with the signing key: RS256, or ES256 as
// RFC 7518 §3.4 wants it (R‖S, 64 bytes), or with der the ASN.1 DER
// encoding crypto/ecdsa and X.509 use (the es256-der-signature defect).
//
// https://www.rfc-editor.org/rfc/rfc7518#section-3.4
func (k *keys) sign(input []byte, der bool, rnd io.Reader) ([]byte, error) {
	switch {
	case k.ec != nil && der:
		sum := sha256.Sum256(input)
		return ecdsa.SignASN1(rnd, k.ec, sum[:])
	case k.ec != nil:
		return k.es256.Sign(input, k.ec)
	}
	return k.rs256.Sign(input, k.signing)
}

// addPublic adds a public key to set with kid, use "sig" and alg.
func addPublic(set jwk.Set, pub any, kid string, alg jwa.SignatureAlgorithm) error {
	k, err := jwk.FromRaw(pub)
	if err != nil {
		return fmt.Errorf("provider: key %q: %w", kid, err)
	}
	for name, v := range map[string]any{jwk.KeyIDKey: kid, jwk.KeyUsageKey: jwk.ForSignature, jwk.AlgorithmKey: alg} {
		if err := k.Set(name, v); err != nil {
			return fmt.Errorf("provider: key %q: setting %s: %w", kid, name, err)
		}
	}
	return set.AddKey(k)
}

package provider

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
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

// keys is the provider's key material: the RS256 signing key and the JWKS
// document built once from it.
type keys struct {
	signing *rsa.PrivateKey
	rs256   jws.Signer
	hs256   jws.Signer
	jwks    []byte
}

// newKeys uses key, or generates one, and builds the JWKS (with two more
// public keys when multi is set).
func newKeys(key *rsa.PrivateKey, rnd io.Reader, multi bool) (*keys, error) {
	var err error
	if key == nil {
		if key, err = rsa.GenerateKey(rnd, rsaKeyBits); err != nil {
			return nil, fmt.Errorf("provider: generating the signing key: %w", err)
		}
	}
	k := &keys{signing: key}
	if k.rs256, err = jws.NewSigner(jwa.RS256); err != nil {
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
	if err := addPublic(set, &key.PublicKey, KeyID, jwa.RS256); err != nil {
		return nil, err
	}
	if k.jwks, err = json.Marshal(set); err != nil {
		return nil, fmt.Errorf("provider: encoding the JWKS: %w", err)
	}
	return k, nil
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

package exchange

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/lestrrat-go/jwx/v2/jwk"

	"github.com/tokenbench/tokenbench/internal/redact"
)

// ClientKey is a client's private key for private_key_jwt, as loaded from
// a PEM or JWK file. It masks itself wherever it is printed.
type ClientKey struct {
	// Signer is an *rsa.PrivateKey or an *ecdsa.PrivateKey on P-256.
	Signer crypto.Signer
	// KeyID is the JWK's kid, else the RFC 7638 thumbprint of the public
	// key (SHA-256, base64url).
	KeyID string
	// Alg is the JWK's alg, "" when the file does not say.
	Alg string
	// Format names what the file held ("PKCS#8 PEM", "JWK Set", ...).
	Format string
	// secrets are the encodings of the private key a leak would show.
	secrets []string
}

// Assertion algorithms a client key can sign with (RFC 7518 §3.1).
const (
	AlgRS256 = "RS256"
	AlgPS256 = "PS256"
	AlgES256 = "ES256"
	AlgHS256 = "HS256"
	AlgHS384 = "HS384"
	AlgHS512 = "HS512"
)

// ErrEncryptedKey is returned for a password-protected private key.
var ErrEncryptedKey = errors.New("the private key is encrypted; tokenbench reads unencrypted keys only (decrypt it with: openssl pkey -in KEY -out PLAIN)")

// ParseClientKey reads a private key from PEM (PKCS#8 "PRIVATE KEY", PKCS#1
// "RSA PRIVATE KEY" or SEC1 "EC PRIVATE KEY"), a JWK, or a JWK Set holding
// exactly one private key. RSA keys must have at least 2048 bits (RFC 7518
// §3.3); EC keys must be on P-256 (ES256, RFC 7518 §3.4).
func ParseClientKey(data []byte) (*ClientKey, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		return parseJWKKey(trimmed)
	}
	return parsePEMKey(trimmed)
}

func parsePEMKey(data []byte) (*ClientKey, error) {
	rest := data
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return nil, errors.New("no PEM private key block and no JWK found (want a PEM PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY block, or JWK JSON)")
		}
		if b.Type == "ENCRYPTED PRIVATE KEY" || strings.Contains(b.Headers["Proc-Type"], "ENCRYPTED") {
			return nil, ErrEncryptedKey
		}
		var (
			key    any
			err    error
			format string
		)
		switch b.Type {
		case "PRIVATE KEY":
			format = "PKCS#8 PEM"
			key, err = x509.ParsePKCS8PrivateKey(b.Bytes)
		case "RSA PRIVATE KEY":
			format = "PKCS#1 PEM"
			key, err = x509.ParsePKCS1PrivateKey(b.Bytes)
		case "EC PRIVATE KEY":
			format = "SEC1 PEM"
			key, err = x509.ParseECPrivateKey(b.Bytes)
		case "EC PARAMETERS", "CERTIFICATE":
			continue // openssl writes EC parameters first; a certificate may sit next to the key
		case "PUBLIC KEY", "RSA PUBLIC KEY":
			return nil, fmt.Errorf("the PEM block is a %s, not a private key", b.Type)
		default:
			return nil, fmt.Errorf("PEM block %q is not a private key (want PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)", b.Type)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", format, err)
		}
		k, err := newClientKey(key, format)
		if err != nil {
			return nil, err
		}
		k.secrets = append(k.secrets, DERSecrets(b.Bytes)...)
		return k, nil
	}
}

// DERSecrets are the encodings of a private key's DER a leak would show:
// its base64, and each 64-character line of it in a PEM block.
func DERSecrets(der []byte) []string {
	b64 := base64.StdEncoding.EncodeToString(der)
	out := []string{b64}
	for len(b64) > 64 {
		out = append(out, b64[:64])
		b64 = b64[64:]
	}
	return append(out, b64)
}

func parseJWKKey(data []byte) (*ClientKey, error) {
	var probe struct {
		Keys json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("JWK: %w", err)
	}
	if probe.Keys == nil {
		k, err := jwk.ParseKey(data)
		if err != nil {
			return nil, fmt.Errorf("JWK: %w", err)
		}
		return fromJWK(k, "JWK", data)
	}
	set, err := jwk.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("JWK Set: %w", err)
	}
	var found jwk.Key
	for i := 0; i < set.Len(); i++ {
		k, _ := set.Key(i)
		if isPrivate(k) {
			if found != nil {
				return nil, errors.New("JWK Set: more than one private key; keep only the one to sign with")
			}
			found = k
		}
	}
	if found == nil {
		return nil, errors.New("JWK Set: no private key (a set of public keys cannot sign)")
	}
	return fromJWK(found, "JWK Set", data)
}

func isPrivate(k jwk.Key) bool {
	switch k.(type) {
	case jwk.RSAPrivateKey, jwk.ECDSAPrivateKey, jwk.OKPPrivateKey, jwk.SymmetricKey:
		return true
	}
	return false
}

func fromJWK(k jwk.Key, format string, data []byte) (*ClientKey, error) {
	if !isPrivate(k) {
		return nil, fmt.Errorf("%s: the key is public (no \"d\"): a public key cannot sign", format)
	}
	var raw any
	if err := k.Raw(&raw); err != nil {
		return nil, fmt.Errorf("%s: %w", format, err)
	}
	ck, err := newClientKey(raw, format)
	if err != nil {
		return nil, err
	}
	if kid := k.KeyID(); kid != "" {
		ck.KeyID = kid
	}
	if alg := k.Algorithm(); alg != nil {
		ck.Alg = alg.String()
	}
	var members map[string]any
	if json.Unmarshal(data, &members) == nil {
		ck.secrets = append(ck.secrets, jwkSecrets(members)...)
	}
	return ck, nil
}

// jwkSecrets are the private members of every key in a JWK or JWK Set.
func jwkSecrets(m map[string]any) []string {
	var out []string
	for _, name := range []string{"d", "p", "q", "dp", "dq", "qi", "k"} {
		if s, ok := m[name].(string); ok && s != "" {
			out = append(out, s)
		}
	}
	if keys, ok := m["keys"].([]any); ok {
		for _, k := range keys {
			if km, ok := k.(map[string]any); ok {
				out = append(out, jwkSecrets(km)...)
			}
		}
	}
	return out
}

// newClientKey checks the key type and computes the default kid.
func newClientKey(key any, format string) (*ClientKey, error) {
	var signer crypto.Signer
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if bits := k.N.BitLen(); bits < 2048 {
			return nil, fmt.Errorf("%s: the RSA key has %d bits; RS256 and PS256 need at least 2048 (RFC 7518 §3.3)", format, bits)
		}
		signer = k
	case *ecdsa.PrivateKey:
		if k.Curve != elliptic.P256() {
			return nil, fmt.Errorf("%s: the EC key is on %s; ES256 needs P-256 (RFC 7518 §3.4)", format, k.Curve.Params().Name)
		}
		signer = k
	case ecdsa.PrivateKey:
		return newClientKey(&k, format)
	case rsa.PrivateKey:
		return newClientKey(&k, format)
	default:
		return nil, fmt.Errorf("%s: key type %T cannot sign a client assertion (want RSA or EC P-256)", format, key)
	}
	kid, err := Thumbprint(signer.Public())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", format, err)
	}
	ck := &ClientKey{Signer: signer, KeyID: kid, Format: format}
	if d, err := x509.MarshalPKCS8PrivateKey(signer); err == nil {
		ck.secrets = DERSecrets(d)
	}
	return ck, nil
}

// Thumbprint is the RFC 7638 JWK thumbprint of a public key: SHA-256,
// base64url without padding.
//
// https://www.rfc-editor.org/rfc/rfc7638#section-3
func Thumbprint(pub crypto.PublicKey) (string, error) {
	k, err := jwk.FromRaw(pub)
	if err != nil {
		return "", err
	}
	sum, err := k.Thumbprint(crypto.SHA256)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(sum), nil
}

// DefaultAlg is the assertion algorithm for the key: the JWK's alg when it
// names one, else RS256 for RSA and ES256 for EC P-256.
func (k *ClientKey) DefaultAlg() string {
	if k.Alg != "" {
		return k.Alg
	}
	if _, ok := k.Signer.(*ecdsa.PrivateKey); ok {
		return AlgES256
	}
	return AlgRS256
}

// CheckAlg reports whether the key can sign with alg (RS256, PS256, ES256).
func (k *ClientKey) CheckAlg(alg string) error {
	_, isRSA := k.Signer.(*rsa.PrivateKey)
	switch alg {
	case AlgRS256, AlgPS256:
		if isRSA {
			return nil
		}
		return fmt.Errorf("%s needs an RSA key; this is an EC P-256 key (use ES256)", alg)
	case AlgES256:
		if !isRSA {
			return nil
		}
		return fmt.Errorf("%s needs an EC P-256 key; this is an RSA key (use RS256 or PS256)", alg)
	}
	return fmt.Errorf("%q is not an assertion algorithm tokenbench signs with (want RS256, PS256 or ES256)", alg)
}

// Secrets returns the encodings of the private key (base64 DER and its
// PEM lines, JWK private members), for redaction by value.
func (k *ClientKey) Secrets() []string { return append([]string(nil), k.secrets...) }

// PublicPEM is the public key as a PEM "PUBLIC KEY" block
// (SubjectPublicKeyInfo).
func PublicPEM(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// String shows the key type, kid and format, never the key.
func (k *ClientKey) String() string {
	if k == nil {
		return "no client key"
	}
	kind := "RSA"
	if _, ok := k.Signer.(*ecdsa.PrivateKey); ok {
		kind = "EC P-256"
	}
	return fmt.Sprintf("%s private key %s (kid %q, from %s)", kind, redact.Mask, k.KeyID, k.Format)
}

// GoString is String.
func (k *ClientKey) GoString() string { return "&exchange.ClientKey{" + k.String() + "}" }

// GomegaString is String.
func (k *ClientKey) GomegaString() string { return k.String() }

// LogValue is String.
func (k *ClientKey) LogValue() slog.Value { return slog.StringValue(k.String()) }

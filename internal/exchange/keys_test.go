package exchange

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"strings"
	"sync"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwk"
)

// testKeys are generated once: RSA generation is slow under -race.
var testKeys = sync.OnceValue(func() struct {
	rsa  *rsa.PrivateKey
	ec   *ecdsa.PrivateKey
	p384 *ecdsa.PrivateKey
	rsa1 *rsa.PrivateKey
} {
	r, _ := rsa.GenerateKey(rand.Reader, 2048)
	e, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	return struct {
		rsa  *rsa.PrivateKey
		ec   *ecdsa.PrivateKey
		p384 *ecdsa.PrivateKey
		rsa1 *rsa.PrivateKey
	}{r, e, p, small}
})

func pemOf(typ string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}

func pkcs8(t testing.TB, k any) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pemOf("PRIVATE KEY", der)
}

func jwkJSON(t testing.TB, k any, set map[string]any) string {
	t.Helper()
	key, err := jwk.FromRaw(k)
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range set {
		if err := key.Set(name, v); err != nil {
			t.Fatal(err)
		}
	}
	b, err := json.Marshal(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestParseClientKey: every accepted format yields the key, its default
// kid (the JWK's, else the RFC 7638 thumbprint) and algorithm; every
// refused one says why.
func TestParseClientKey(t *testing.T) {
	t.Parallel()
	k := testKeys()
	rsaThumb, _ := Thumbprint(&k.rsa.PublicKey)
	ecThumb, _ := Thumbprint(&k.ec.PublicKey)
	ecDER, _ := x509.MarshalECPrivateKey(k.ec)
	p384DER, _ := x509.MarshalECPrivateKey(k.p384)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	encrypted := "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00000000000000000000000000000000\n\nAAAA\n-----END RSA PRIVATE KEY-----\n"
	pub := jwkJSON(t, &k.ec.PublicKey, nil)
	tests := []struct {
		name, data string
		kid, alg   string // want
		format     string
		err        string // want a refusal containing this
	}{
		{name: "PKCS#8 RSA", data: pkcs8(t, k.rsa), kid: rsaThumb, alg: "RS256", format: "PKCS#8 PEM"},
		{name: "PKCS#1 RSA", data: pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(k.rsa)), kid: rsaThumb, alg: "RS256", format: "PKCS#1 PEM"},
		{name: "SEC1 EC after EC PARAMETERS", data: pemOf("EC PARAMETERS", []byte{6, 8, 42, 134, 72, 206, 61, 3, 1, 7}) + pemOf("EC PRIVATE KEY", ecDER), kid: ecThumb, alg: "ES256", format: "SEC1 PEM"},
		{name: "PKCS#8 EC", data: pkcs8(t, k.ec), kid: ecThumb, alg: "ES256", format: "PKCS#8 PEM"},
		{name: "JWK with kid and alg", data: jwkJSON(t, k.rsa, map[string]any{"kid": "k1", "alg": "PS256"}), kid: "k1", alg: "PS256", format: "JWK"},
		{name: "JWK without kid", data: jwkJSON(t, k.ec, nil), kid: ecThumb, alg: "ES256", format: "JWK"},
		{name: "JWK Set: one private among public", data: `{"keys":[` + pub + `,` + jwkJSON(t, k.rsa, map[string]any{"kid": "sig"}) + `]}`, kid: "sig", alg: "RS256", format: "JWK Set"},
		{name: "JWK Set: two private", data: `{"keys":[` + jwkJSON(t, k.ec, nil) + `,` + jwkJSON(t, k.rsa, nil) + `]}`, err: "more than one private key"},
		{name: "JWK Set: public only", data: `{"keys":[` + pub + `]}`, err: "no private key"},
		{name: "public JWK", data: pub, err: "the key is public"},
		{name: "encrypted PEM", data: encrypted, err: "encrypted"},
		{name: "PKCS#8 encrypted", data: pemOf("ENCRYPTED PRIVATE KEY", []byte{1}), err: "encrypted"},
		{name: "RSA 1024", data: pkcs8(t, k.rsa1), err: "1024 bits"},
		{name: "EC P-384", data: pemOf("EC PRIVATE KEY", p384DER), err: "P-384"},
		{name: "Ed25519", data: pkcs8(t, edKey), err: "cannot sign a client assertion"},
		{name: "public key PEM", data: pemOf("PUBLIC KEY", []byte{1}), err: "not a private key"},
		{name: "certificate only", data: pemOf("CERTIFICATE", []byte{1}), err: "no PEM private key block"},
		{name: "garbage", data: "hello", err: "no PEM private key block"},
		{name: "broken JSON", data: "{", err: "JWK"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseClientKey([]byte(tt.data))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.KeyID != tt.kid || got.DefaultAlg() != tt.alg || got.Format != tt.format {
				t.Errorf("kid %q alg %q format %q, want %q %q %q", got.KeyID, got.DefaultAlg(), got.Format, tt.kid, tt.alg, tt.format)
			}
			if len(got.Secrets()) == 0 {
				t.Error("no secrets to register for redaction")
			}
		})
	}
	if _, err := ParseClientKey([]byte(encrypted)); !errors.Is(err, ErrEncryptedKey) {
		t.Errorf("encrypted key: %v is not ErrEncryptedKey", err)
	}
}

// TestThumbprintRFC7638: the example of RFC 7638 §3.1.
func TestThumbprintRFC7638(t *testing.T) {
	t.Parallel()
	n := "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
	nb, _ := base64.RawURLEncoding.DecodeString(n)
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(nb), E: 65537}
	got, err := Thumbprint(pub)
	if err != nil {
		t.Fatal(err)
	}
	if want := "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"; got != want {
		t.Errorf("Thumbprint = %q, want %q", got, want)
	}
}

// TestCheckAlg: a key signs only with the algorithms of its type.
func TestCheckAlg(t *testing.T) {
	t.Parallel()
	k := testKeys()
	r, _ := newClientKey(k.rsa, "test")
	e, _ := newClientKey(k.ec, "test")
	tests := []struct {
		key *ClientKey
		alg string
		ok  bool
	}{
		{r, "RS256", true}, {r, "PS256", true}, {r, "ES256", false}, {r, "HS256", false},
		{e, "ES256", true}, {e, "RS256", false}, {e, "PS256", false}, {e, "none", false},
	}
	for _, tt := range tests {
		if err := tt.key.CheckAlg(tt.alg); (err == nil) != tt.ok {
			t.Errorf("%s key, %s: error %v, want ok=%v", tt.key, tt.alg, err, tt.ok)
		}
	}
}

package provider

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"sync"

	"github.com/lestrrat-go/jwx/v2/jwk"
)

// Credentials are what a client registered for private_key_jwt or a TLS
// method authenticates with, as PEM for a target file's key_file,
// cert_file and cert_key_file. They are throwaway: the provider makes
// them on first use and forgets them when it stops.
type Credentials struct {
	KeyPEM     []byte // private_key_jwt: the private key, PKCS#8
	KeyID      string // its kid: the RFC 7638 thumbprint
	CertPEM    []byte // TLS methods: the client certificate
	CertKeyPEM []byte // and its private key, PKCS#8
}

// registration is what the provider holds for a client's key or
// certificate: the public half it verifies against, and the private half
// it hands out once, made on first use.
type registration struct {
	once sync.Once
	err  error

	signer crypto.Signer    // private_key_jwt: RSA 2048
	pub    crypto.PublicKey // its public key
	pubPEM []byte           // as a PEM PUBLIC KEY (the hmac-confusion defect keys with it)
	kid    string

	cert    *x509.Certificate // TLS methods
	certKey *ecdsa.PrivateKey
}

// registration returns a client's key or certificate, made on first use;
// nil for a client registered for a secret method.
func (p *Provider) registration(c Client) (*registration, error) {
	r := p.registrations[c.ID]
	if r == nil {
		return nil, nil
	}
	r.once.Do(func() { r.err = p.register(c, r) })
	return r, r.err
}

func (p *Provider) register(c Client, r *registration) error {
	switch c.method() {
	case MethodPrivateKeyJWT:
		key, err := rsa.GenerateKey(p.rand, rsaKeyBits)
		if err != nil {
			return fmt.Errorf("provider: client %q: generating its key: %w", c.ID, err)
		}
		r.signer, r.pub = key, &key.PublicKey
		der, err := x509.MarshalPKIXPublicKey(r.pub)
		if err != nil {
			return err
		}
		r.pubPEM = pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
		jk, err := jwk.FromRaw(r.pub)
		if err != nil {
			return err
		}
		sum, err := jk.Thumbprint(crypto.SHA256)
		if err != nil {
			return err
		}
		r.kid = base64.RawURLEncoding.EncodeToString(sum)
	case MethodTLS, MethodSelfSignedTLS:
		cert, key, err := p.pki.clientCert(pkix.Name{CommonName: c.ID, Organization: []string{"tokenbench clients"}}, c.method() == MethodSelfSignedTLS)
		if err != nil {
			return fmt.Errorf("provider: client %q: issuing its certificate: %w", c.ID, err)
		}
		r.cert, r.certKey = cert, key
	}
	return nil
}

// Credentials returns the key or certificate of the client id, for a
// target file; zero Credentials for a client of a secret method.
func (p *Provider) Credentials(id string) (Credentials, error) {
	c, ok := p.clients[id]
	if !ok {
		return Credentials{}, fmt.Errorf("provider: no client %q", id)
	}
	r, err := p.registration(c)
	if err != nil || r == nil {
		return Credentials{}, err
	}
	var out Credentials
	if r.signer != nil {
		der, err := x509.MarshalPKCS8PrivateKey(r.signer)
		if err != nil {
			return out, err
		}
		out.KeyPEM, out.KeyID = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), r.kid
	}
	if r.cert != nil {
		der, err := x509.MarshalPKCS8PrivateKey(r.certKey)
		if err != nil {
			return out, err
		}
		out.CertPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: r.cert.Raw})
		out.CertKeyPEM = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	}
	return out, nil
}

// CACertificatePEM is the throwaway CA that signed the HTTPS listener's
// certificate and the tls_client_auth clients' certificates: a target's
// tls.ca_file.
func (p *Provider) CACertificatePEM() []byte { return p.pki.pem }

// needsRegistration reports whether a client of method authenticates with
// a key or certificate the provider makes.
func needsRegistration(method string) bool {
	return method == MethodPrivateKeyJWT || method == MethodTLS || method == MethodSelfSignedTLS
}

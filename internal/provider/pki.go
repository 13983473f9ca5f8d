package provider

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"time"
)

// pki is the provider's throwaway certificate authority, made at New: it
// signs the HTTPS listener's server certificate (127.0.0.1, ::1,
// localhost) and the certificates of the clients registered for
// tls_client_auth. Nothing outside one provider's life trusts it.
type pki struct {
	cert   *x509.Certificate
	key    *ecdsa.PrivateKey
	pem    []byte // the CA certificate, PEM
	pool   *x509.CertPool
	server tls.Certificate
	rand   io.Reader
	now    time.Time
}

// certLifetime is how long the throwaway certificates are valid.
const certLifetime = 7 * 24 * time.Hour

func newPKI(rnd io.Reader, now time.Time) (*pki, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rnd)
	if err != nil {
		return nil, fmt.Errorf("provider: generating the CA key: %w", err)
	}
	k := &pki{key: key, rand: rnd, now: now}
	tmpl := k.template(pkix.Name{CommonName: "tokenbench throwaway CA", Organization: []string{"tokenbench reference provider"}})
	tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
	tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature
	tmpl.ExtKeyUsage = nil
	der, err := x509.CreateCertificate(rnd, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("provider: the CA certificate: %w", err)
	}
	if k.cert, err = x509.ParseCertificate(der); err != nil {
		return nil, fmt.Errorf("provider: the CA certificate: %w", err)
	}
	k.pem = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	k.pool = x509.NewCertPool()
	k.pool.AddCert(k.cert)

	skey, err := ecdsa.GenerateKey(elliptic.P256(), rnd)
	if err != nil {
		return nil, fmt.Errorf("provider: generating the server key: %w", err)
	}
	st := k.template(pkix.Name{CommonName: "127.0.0.1"})
	st.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	st.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
	st.DNSNames = []string{"localhost"}
	sder, err := x509.CreateCertificate(rnd, st, k.cert, &skey.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("provider: the server certificate: %w", err)
	}
	k.server = tls.Certificate{Certificate: [][]byte{sder, der}, PrivateKey: skey}
	return k, nil
}

func (k *pki) template(subject pkix.Name) *x509.Certificate {
	serial, _ := randSerial(k.rand)
	return &x509.Certificate{
		SerialNumber: serial, Subject: subject,
		NotBefore: k.now.Add(-time.Hour), NotAfter: k.now.Add(certLifetime),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
}

func randSerial(rnd io.Reader) (*big.Int, error) {
	b := make([]byte, 16)
	if _, err := io.ReadFull(rnd, b); err != nil {
		return big.NewInt(1), err
	}
	b[0] &= 0x7f
	return new(big.Int).SetBytes(b), nil
}

// clientCert issues a client certificate for subject, signed by the CA or,
// with selfSigned, by its own key.
func (k *pki) clientCert(subject pkix.Name, selfSigned bool) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), k.rand)
	if err != nil {
		return nil, nil, err
	}
	tmpl := k.template(subject)
	parent, signer := k.cert, crypto.Signer(k.key)
	if selfSigned {
		parent, signer = tmpl, key
	}
	der, err := x509.CreateCertificate(k.rand, tmpl, parent, &key.PublicKey, signer)
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	return cert, key, err
}

// serverTLS is the HTTPS listener's configuration: it asks for a client
// certificate and takes any (the token endpoint judges it against the
// client's registration, RFC 8705 §2).
func (k *pki) serverTLS() *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{k.server},
		ClientAuth:   tls.RequestClientCert,
		MinVersion:   tls.VersionTLS12,
		NextProtos:   []string{"http/1.1"},
	}
}

package exchange

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"time"

	"github.com/tokenbench/tokenbench/internal/redact"
)

// TLSClient authenticates with a TLS client certificate and client_id in
// the body: tls_client_auth (a certificate of a PKI the server trusts) or
// self_signed_tls_client_auth (a self-signed certificate the client
// registered). It sends to the token endpoint's mTLS alias when the server
// names one (RFC 8705 §5). It masks the certificate's key wherever it is
// printed.
//
// https://www.rfc-editor.org/rfc/rfc8705#section-2
type TLSClient struct {
	method   string
	id       string
	cert     *tls.Certificate
	endpoint string
	subject  string
}

// NewTLSClient returns the authenticator for method (tls_client_auth or
// self_signed_tls_client_auth) as client id with cert; endpoint, when not
// "", replaces the request's URL (the mtls_endpoint_aliases token
// endpoint).
func NewTLSClient(method, id string, cert *tls.Certificate, endpoint string) (*TLSClient, error) {
	if !IsTLSMethod(method) {
		return nil, fmt.Errorf("exchange: %q is not a TLS client authentication method", method)
	}
	if id == "" || cert == nil || len(cert.Certificate) == 0 {
		return nil, errors.New("exchange: TLS client authentication needs the client id and a certificate")
	}
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		return nil, fmt.Errorf("exchange: the client certificate: %w", err)
	}
	return &TLSClient{method: method, id: id, cert: cert, endpoint: endpoint, subject: leaf.Subject.String()}, nil
}

// Method is tls_client_auth or self_signed_tls_client_auth.
func (c *TLSClient) Method() string { return c.method }

// ClientID is the client's id.
func (c *TLSClient) ClientID() string { return c.id }

// Endpoint is the URL the requests go to, "" for the token endpoint.
func (c *TLSClient) Endpoint() string { return c.endpoint }

// Certificate is the client certificate.
func (c *TLSClient) Certificate() *tls.Certificate { return c.cert }

// Authenticate adds client_id and the certificate, and points the request
// at the mTLS endpoint.
func (c *TLSClient) Authenticate(s *Spec) {
	Set(ParamClientID, c.id)(s)
	s.Cert, s.Authn = c.cert, c
	if c.endpoint != "" {
		s.URL = c.endpoint
	}
}

// NoCertificate sends the request without the TLS client certificate.
func NoCertificate() Mutation { return func(s *Spec) { s.Cert = nil } }

// ForeignCertificate presents a fresh self-signed certificate with the
// same subject as the request's, on a key no registration knows: a server
// that matches the subject alone, without the chain or the registered
// key, takes it (RFC 8705 §2.1.2, §2.2.2).
func ForeignCertificate() Mutation {
	return func(s *Spec) {
		subject := pkix.Name{CommonName: "tokenbench"}
		if s.Cert != nil && len(s.Cert.Certificate) > 0 {
			if leaf, err := x509.ParseCertificate(s.Cert.Certificate[0]); err == nil {
				subject = leaf.Subject
			}
		}
		cert, err := SelfSignedCertificate(subject, time.Now())
		if err != nil {
			s.Err = fmt.Errorf("exchange: making a foreign certificate: %w", err)
			return
		}
		s.Cert = cert
	}
}

// SelfSignedCertificate returns a fresh EC P-256 self-signed client
// certificate for subject, valid an hour either side of now.
func SelfSignedCertificate(subject pkix.Name, now time.Time) (*tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: subject,
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

// String shows the method, client and certificate subject, never the key.
func (c *TLSClient) String() string {
	if c == nil {
		return "no TLS client authenticator"
	}
	return fmt.Sprintf("%s as client %q (certificate %q, key %s)", c.method, c.id, c.subject, redact.Mask)
}

// GoString is String.
func (c *TLSClient) GoString() string { return "&exchange.TLSClient{" + c.String() + "}" }

// GomegaString is String.
func (c *TLSClient) GomegaString() string { return c.String() }

// LogValue is String.
func (c *TLSClient) LogValue() slog.Value { return slog.StringValue(c.String()) }

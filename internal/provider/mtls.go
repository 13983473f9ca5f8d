package provider

import (
	"crypto/x509"
	"net/http"
)

// authenticateTLS authenticates a client registered for tls_client_auth or
// self_signed_tls_client_auth by the certificate on the TLS connection
// (only the mTLS listener asks for one) and client_id: tls_client_auth
// needs a certificate that chains to the provider's CA, for client
// authentication, with the registered subject (tls_client_auth_subject_dn);
// self_signed_tls_client_auth needs exactly the registered certificate.
// Every failure is 401 invalid_client.
//
// https://www.rfc-editor.org/rfc/rfc8705#section-2
func (p *Provider) authenticateTLS(r *http.Request, c Client, act active) (Client, authMethod, *oauthError) {
	method := authTLS
	if c.method() == MethodSelfSignedTLS {
		method = authSelfSignedTLS
	}
	if act.on(dTLSClientAuthUnsupported) && method == authTLS {
		return Client{}, 0, invalidClient("tls_client_auth is not supported")
	}
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		if act.on(dMTLSNoCertAccepted) {
			return c, method, nil
		}
		return Client{}, 0, invalidClient("the client is registered for " + c.method() + " and presented no client certificate")
	}
	reg, err := p.registration(c)
	if err != nil || reg == nil || reg.cert == nil {
		return Client{}, 0, serverError("the client's certificate is not available")
	}
	got := r.TLS.PeerCertificates[0]
	subjectOnly := act.on(dMTLSSubjectOnly)
	ok := got.Subject.String() == reg.cert.Subject.String()
	switch {
	case !ok || subjectOnly:
	case method == authTLS:
		_, err := got.Verify(x509.VerifyOptions{Roots: p.pki.pool, CurrentTime: p.now(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
		ok = err == nil
	default:
		ok = got.Equal(reg.cert)
	}
	if !ok {
		return Client{}, 0, invalidClient("the client certificate is not the one registered for the client")
	}
	return c, method, nil
}

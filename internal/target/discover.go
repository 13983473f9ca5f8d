package target

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"time"
)

// Discovery is the part of an OpenID Provider Metadata document tokenbench
// reads.
//
// https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderMetadata
type Discovery struct {
	Issuer                            string   `json:"issuer"`
	AuthorizationEndpoint             string   `json:"authorization_endpoint"`
	TokenEndpoint                     string   `json:"token_endpoint"`
	JWKSURI                           string   `json:"jwks_uri"`
	UserinfoEndpoint                  string   `json:"userinfo_endpoint"`
	IntrospectionEndpoint             string   `json:"introspection_endpoint"` // RFC 8414 §2
	GrantTypesSupported               []string `json:"grant_types_supported"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
	IDTokenSigningAlgValuesSupported  []string `json:"id_token_signing_alg_values_supported"`
	CodeChallengeMethodsSupported     []string `json:"code_challenge_methods_supported"`
	// MTLSEndpointAliases are the endpoints for mutual TLS (RFC 8705 §5).
	MTLSEndpointAliases struct {
		TokenEndpoint string `json:"token_endpoint"`
	} `json:"mtls_endpoint_aliases"`
}

// discover fetches the OpenID Provider Metadata.
func discover(ctx context.Context, hc *http.Client, issuer string) (*Discovery, error) {
	u := strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration"
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("target: discovery %s: %w", u, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("target: issuer unreachable: discovery %s: %s", u, DescribeTransportError(err))
	}
	defer resp.Body.Close()
	body := make([]byte, 0, 4096)
	buf := make([]byte, 4096)
	for len(body) < 1<<20 {
		n, err := resp.Body.Read(buf)
		body = append(body, buf[:n]...)
		if err != nil {
			break
		}
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("target: discovery %s: status %d %s (want 200): %s", u, resp.StatusCode, http.StatusText(resp.StatusCode), excerpt(body))
	}
	var d Discovery
	if err := json.Unmarshal(body, &d); err != nil {
		mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
		return nil, fmt.Errorf("target: discovery %s: the answer is not JSON (Content-Type %q): %v: %s", u, mt, err, excerpt(body))
	}
	return &d, nil
}

func excerpt(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 120 {
		s = s[:120] + "..."
	}
	return fmt.Sprintf("%q", s)
}

// DescribeTransportError explains a connection or TLS failure in words,
// naming the certificate check that failed.
func DescribeTransportError(err error) string {
	var (
		ua  x509.UnknownAuthorityError
		he  x509.HostnameError
		ci  x509.CertificateInvalidError
		rh  tls.RecordHeaderError
		cve *tls.CertificateVerificationError
	)
	switch {
	case errors.As(err, &ua):
		name := ""
		if ua.Cert != nil {
			name = ua.Cert.Issuer.String()
		}
		return fmt.Sprintf("TLS: the certificate is signed by an unknown authority (%s); give the CA in tls.ca_file", name)
	case errors.As(err, &he):
		return fmt.Sprintf("TLS: the certificate is not valid for host %q (%v)", he.Host, he)
	case errors.As(err, &ci):
		switch ci.Reason {
		case x509.Expired:
			return fmt.Sprintf("TLS: the certificate has expired or is not yet valid (%v)", ci)
		default:
			return fmt.Sprintf("TLS: the certificate is invalid: %v", ci)
		}
	case errors.As(err, &rh):
		return "TLS: the server did not answer with TLS (is it plain http on that port?)"
	case errors.As(err, &cve):
		return fmt.Sprintf("TLS: certificate verification failed: %v", cve.Err)
	}
	return err.Error()
}

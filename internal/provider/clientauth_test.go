package provider

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jws"
)

// Clients of DefaultClients registered for the other methods.
const (
	clientPost, secretPost = "tokenbench-post", "tokenbench-post-secret"
	clientSJWT, secretSJWT = "tokenbench-sjwt", "tokenbench-sjwt-secret-of-32-bytes-or-more"
	clientJWT, secretJWT   = "tokenbench-jwt", "tokenbench-jwt-secret"
	clientTLS              = "tokenbench-tls"
	clientSSTLS            = "tokenbench-sstls"
)

// assertion is a client assertion a test builds by hand (the provider's
// tests share no code with the harness's authenticators).
type assertion struct {
	alg    jwa.SignatureAlgorithm
	key    any // signing key; nil: the client's registered one
	header map[string]any
	claims map[string]any
}

// newAssertion is a valid assertion for client, signed with its key (or
// secret for client_secret_jwt).
func (h *harness) newAssertion(client string) *assertion {
	h.t.Helper()
	now := h.clock.Now()
	jti := make([]byte, 16)
	_, _ = rand.Read(jti)
	a := &assertion{alg: jwa.RS256, header: map[string]any{}, claims: map[string]any{
		"iss": client, "sub": client, "aud": h.url + PathToken, "jti": base64.RawURLEncoding.EncodeToString(jti),
		"iat": now.Unix(), "exp": now.Add(time.Minute).Unix()}}
	if client == clientSJWT {
		a.alg, a.key = jwa.HS256, []byte(secretSJWT)
		return a
	}
	creds, err := h.p.Credentials(client)
	if err != nil {
		h.t.Fatal(err)
	}
	b, _ := pem.Decode(creds.KeyPEM)
	a.key, err = x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		h.t.Fatal(err)
	}
	a.header["kid"] = creds.KeyID
	return a
}

// sign encodes the assertion; alg "none" has an empty signature.
func (a *assertion) sign(t *testing.T) string {
	t.Helper()
	if a.alg == jwa.NoSignature {
		hdr, _ := json.Marshal(map[string]any{"alg": "none"})
		pl, _ := json.Marshal(a.claims)
		return base64.RawURLEncoding.EncodeToString(hdr) + "." + base64.RawURLEncoding.EncodeToString(pl) + "."
	}
	hdrs := jws.NewHeaders()
	for k, v := range a.header {
		_ = hdrs.Set(k, v)
	}
	pl, _ := json.Marshal(a.claims)
	out, err := jws.Sign(pl, jws.WithKey(a.alg, a.key, jws.WithProtectedHeaders(hdrs)))
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// assertionToken redeems a fresh code of the assertion's client with it.
func (h *harness) assertionToken(client, compact string) *result {
	h.t.Helper()
	return h.token(treq{auth: "-", form: formWith(h.code(authz{client: client}),
		"client_assertion_type", assertionTypeJWT, "client_assertion", compact)})
}

// jwtOutcome builds client's assertion, lets edit change it, and redeems a
// code with it.
func jwtOutcome(client string, edit func(h *harness, a *assertion)) func(*testing.T, *harness) string {
	return func(t *testing.T, h *harness) string {
		a := h.newAssertion(client)
		if edit != nil {
			edit(h, a)
		}
		return h.assertionToken(client, a.sign(t)).outcome()
	}
}

// tlsClient is an HTTP client for the mTLS alias presenting cert (nil:
// none).
func (h *harness) tlsClient(cert *tls.Certificate) *http.Client {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(h.p.CACertificatePEM())
	cfg := &tls.Config{RootCAs: pool}
	if cert != nil {
		cfg.Certificates = []tls.Certificate{*cert}
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}, Timeout: 20 * time.Second}
}

// clientCert is the certificate the provider issued to client.
func (h *harness) clientCert(client string) *tls.Certificate {
	h.t.Helper()
	creds, err := h.p.Credentials(client)
	if err != nil {
		h.t.Fatal(err)
	}
	c, err := tls.X509KeyPair(creds.CertPEM, creds.CertKeyPEM)
	if err != nil {
		h.t.Fatal(err)
	}
	return &c
}

// foreignCert is a self-signed certificate with the subject of client's.
func (h *harness) foreignCert(client string) *tls.Certificate {
	h.t.Helper()
	leaf, _ := x509.ParseCertificate(h.clientCert(client).Certificate[0])
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: leaf.Subject, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		h.t.Fatal(err)
	}
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// tlsToken redeems a fresh code of client at the mTLS alias, presenting
// cert, with client_id in the body.
func (h *harness) tlsToken(client string, cert *tls.Certificate) *result {
	h.t.Helper()
	form := formWith(h.code(authz{client: client}), "client_id", client)
	req, _ := http.NewRequest(http.MethodPost, h.p.MTLSBase()+PathToken, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := h.tlsClient(cert).Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return &result{status: resp.StatusCode, header: resp.Header, body: b}
}

// postOutcome redeems a fresh code of client with client_id and secret in
// the body.
func postOutcome(client, secret string) func(*testing.T, *harness) string {
	return func(t *testing.T, h *harness) string {
		return h.token(treq{auth: "-", form: formWith(h.code(authz{client: client}), "client_id", client, "client_secret", secret)}).outcome()
	}
}

// authMethodProbes are the wire probes of the client authentication
// method defects (defectProbes includes them).
func authMethodProbes() map[string]defectProbe {
	return map[string]defectProbe{
		dPostUnsupported: {func(t *testing.T, h *harness) string {
			return postOutcome(clientPost, secretPost)(t, h) + ", listed " + discoveryLists(h, MethodPost)
		}, "200 tokens, listed true", "401 invalid_client, listed false"},
		dPostSecretUnchecked: {postOutcome(clientPost, "wrong"), "401 invalid_client", "200 tokens"},
		dMethodNotBound: {func(t *testing.T, h *harness) string {
			b := h.token(treq{auth: basic(clientJWT, secretJWT), form: validForm(h.code(authz{client: clientJWT}))}).outcome()
			return b + ", post " + postOutcome(clientJWT, secretJWT)(t, h)
		}, "401 invalid_client, post 401 invalid_client", "200 tokens, post 200 tokens"},
		dTwoMethodsAssertion: {func(t *testing.T, h *harness) string {
			return h.token(treq{auth: basic(clientJWT, secretJWT), form: formWith(h.code(authz{client: clientJWT}),
				"client_assertion_type", assertionTypeJWT, "client_assertion", h.newAssertion(clientJWT).sign(t))}).outcome()
		}, "400 invalid_request", "200 tokens"},
		dPrivateKeyJWTUnsupported: {func(t *testing.T, h *harness) string {
			return jwtOutcome(clientJWT, nil)(t, h) + ", listed " + discoveryLists(h, MethodPrivateKeyJWT)
		}, "200 tokens, listed true", "401 invalid_client, listed false"},
		dJWTAudUnchecked: {jwtOutcome(clientJWT, func(h *harness, a *assertion) { a.claims["aud"] = "https://other.example/token" }),
			"401 invalid_client", "200 tokens"},
		dJWTExpUnchecked: {func(t *testing.T, h *harness) string {
			past := jwtOutcome(clientJWT, func(h *harness, a *assertion) { a.claims["exp"] = h.clock.Now().Add(-10 * time.Minute).Unix() })(t, h)
			none := jwtOutcome(clientJWT, func(h *harness, a *assertion) { delete(a.claims, "exp") })(t, h)
			return past + ", " + none
		}, "401 invalid_client, 401 invalid_client", "200 tokens, 200 tokens"},
		dJWTReplayAccepted: {func(t *testing.T, h *harness) string {
			compact := h.newAssertion(clientJWT).sign(t)
			return h.assertionToken(clientJWT, compact).outcome() + ", " + h.assertionToken(clientJWT, compact).outcome()
		}, "200 tokens, 401 invalid_client", "200 tokens, 200 tokens"},
		dJWTSignatureUnchecked: {func(t *testing.T, h *harness) string {
			flipped := jwtOutcome(clientJWT, func(h *harness, a *assertion) {
				a.key, _ = rsa.GenerateKey(rand.Reader, 2048) // an unregistered key
			})(t, h)
			none := jwtOutcome(clientJWT, func(h *harness, a *assertion) { a.alg = jwa.NoSignature })(t, h)
			return flipped + ", alg none " + none
		}, "401 invalid_client, alg none 401 invalid_client", "200 tokens, alg none 401 invalid_client"},
		dJWTAlgNoneAccepted: {jwtOutcome(clientJWT, func(h *harness, a *assertion) { a.alg = jwa.NoSignature }),
			"401 invalid_client", "200 tokens"},
		dJWTHMACConfusion: {jwtOutcome(clientJWT, func(h *harness, a *assertion) {
			creds, _ := h.p.Credentials(clientJWT)
			b, _ := pem.Decode(creds.KeyPEM)
			k, _ := x509.ParsePKCS8PrivateKey(b.Bytes)
			der, _ := x509.MarshalPKIXPublicKey(&k.(*rsa.PrivateKey).PublicKey)
			a.alg, a.key = jwa.HS256, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
		}), "401 invalid_client", "200 tokens"},
		dJWTIssSubUnchecked: {jwtOutcome(clientJWT, func(h *harness, a *assertion) { a.claims["iss"] = "someone-else" }),
			"401 invalid_client", "200 tokens"},
		dSecretJWTUnsupported: {func(t *testing.T, h *harness) string {
			return jwtOutcome(clientSJWT, nil)(t, h) + ", listed " + discoveryLists(h, MethodSecretJWT)
		}, "200 tokens, listed true", "401 invalid_client, listed false"},
		dTLSClientAuthUnsupported: {func(t *testing.T, h *harness) string {
			return h.tlsToken(clientTLS, h.clientCert(clientTLS)).outcome() + ", listed " + discoveryLists(h, MethodTLS)
		}, "200 tokens, listed true", "401 invalid_client, listed false"},
		dMTLSNoCertAccepted: {func(t *testing.T, h *harness) string {
			return h.tlsToken(clientTLS, nil).outcome() + ", " + h.tlsToken(clientSSTLS, nil).outcome()
		}, "401 invalid_client, 401 invalid_client", "200 tokens, 200 tokens"},
		dMTLSSubjectOnly: {func(t *testing.T, h *harness) string {
			return h.tlsToken(clientTLS, h.foreignCert(clientTLS)).outcome() + ", " + h.tlsToken(clientSSTLS, h.foreignCert(clientSSTLS)).outcome()
		}, "401 invalid_client, 401 invalid_client", "200 tokens, 200 tokens"},
		dDiscAuthMethodsBasicOnly: {func(t *testing.T, h *harness) string {
			return discoveryLists(h, MethodBasic) + " " + discoveryLists(h, MethodPrivateKeyJWT) + ", jwt " + jwtOutcome(clientJWT, nil)(t, h)
		}, "true true, jwt 200 tokens", "true false, jwt 200 tokens"},
	}
}

// discoveryLists reports whether discovery lists method.
func discoveryLists(h *harness, method string) string {
	var d struct {
		Methods []string `json:"token_endpoint_auth_methods_supported"`
	}
	_ = json.Unmarshal(h.get(PathDiscovery).body, &d)
	for _, m := range d.Methods {
		if m == method {
			return "true"
		}
	}
	return "false"
}

// TestClientAuthMethods: the clean provider authenticates each client with
// the method it is registered for, and only with it.
func TestClientAuthMethods(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	tests := []struct {
		name, want string
		probe      func(t *testing.T) string
	}{
		{"post", "200 tokens", func(t *testing.T) string { return postOutcome(clientPost, secretPost)(t, h) }},
		{"post, wrong secret", "401 invalid_client", func(t *testing.T) string { return postOutcome(clientPost, "x")(t, h) }},
		{"post client with Basic", "401 invalid_client", func(t *testing.T) string {
			return h.token(treq{auth: basic(clientPost, secretPost), form: validForm(h.code(authz{client: clientPost}))}).outcome()
		}},
		{"Basic client with post", "401 invalid_client", func(t *testing.T) string { return postOutcome(clientA, secretA)(t, h) }},
		{"private_key_jwt RS256", "200 tokens", func(t *testing.T) string { return jwtOutcome(clientJWT, nil)(t, h) }},
		{"private_key_jwt PS256", "200 tokens", func(t *testing.T) string {
			return jwtOutcome(clientJWT, func(h *harness, a *assertion) { a.alg = jwa.PS256 })(t, h)
		}},
		{"private_key_jwt aud = issuer", "200 tokens", func(t *testing.T) string {
			return jwtOutcome(clientJWT, func(h *harness, a *assertion) { a.claims["aud"] = h.url })(t, h)
		}},
		{"private_key_jwt aud = mTLS alias, in an array", "200 tokens", func(t *testing.T) string {
			return jwtOutcome(clientJWT, func(h *harness, a *assertion) { a.claims["aud"] = []string{"x", h.p.MTLSBase() + PathToken} })(t, h)
		}},
		{"private_key_jwt, unknown kid", "401 invalid_client", func(t *testing.T) string {
			return jwtOutcome(clientJWT, func(h *harness, a *assertion) { a.header["kid"] = "other" })(t, h)
		}},
		{"private_key_jwt, sub another client", "401 invalid_client", func(t *testing.T) string {
			return jwtOutcome(clientJWT, func(h *harness, a *assertion) { a.claims["sub"], a.claims["iss"] = clientSJWT, clientSJWT })(t, h)
		}},
		{"private_key_jwt, no jti", "401 invalid_client", func(t *testing.T) string {
			return jwtOutcome(clientJWT, func(h *harness, a *assertion) { delete(a.claims, "jti") })(t, h)
		}},
		{"private_key_jwt plus Basic", "400 invalid_request", func(t *testing.T) string {
			return h.token(treq{auth: basic(clientA, secretA), form: formWith(h.code(authz{client: clientJWT}),
				"client_assertion_type", assertionTypeJWT, "client_assertion", h.newAssertion(clientJWT).sign(t))}).outcome()
		}},
		{"private_key_jwt, wrong assertion type", "401 invalid_client", func(t *testing.T) string {
			return h.token(treq{auth: "-", form: formWith(h.code(authz{client: clientJWT}),
				"client_assertion_type", "urn:other", "client_assertion", h.newAssertion(clientJWT).sign(t))}).outcome()
		}},
		{"client_secret_jwt", "200 tokens", func(t *testing.T) string { return jwtOutcome(clientSJWT, nil)(t, h) }},
		{"client_secret_jwt signed with another secret", "401 invalid_client", func(t *testing.T) string {
			return jwtOutcome(clientSJWT, func(h *harness, a *assertion) { a.key = []byte("another secret, also 32 bytes long!") })(t, h)
		}},
		{"tls_client_auth", "200 tokens", func(t *testing.T) string { return h.tlsToken(clientTLS, h.clientCert(clientTLS)).outcome() }},
		{"tls_client_auth with the self-signed client's certificate", "401 invalid_client", func(t *testing.T) string {
			return h.tlsToken(clientTLS, h.clientCert(clientSSTLS)).outcome()
		}},
		{"self_signed_tls_client_auth", "200 tokens", func(t *testing.T) string {
			return h.tlsToken(clientSSTLS, h.clientCert(clientSSTLS)).outcome()
		}},
		{"TLS client on the plain listener", "401 invalid_client", func(t *testing.T) string {
			return h.token(treq{auth: "-", form: formWith(h.code(authz{client: clientTLS}), "client_id", clientTLS)}).outcome()
		}},
	}
	for _, tt := range tests {
		if got := tt.probe(t); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}

// TestCredentialsAndDiscovery: every client of a key or certificate method
// gets its credentials; discovery lists every method and the mTLS alias.
func TestCredentialsAndDiscovery(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	for _, c := range DefaultClients() {
		creds, err := h.p.Credentials(c.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantKey, wantCert := c.Method == MethodPrivateKeyJWT, c.Method == MethodTLS || c.Method == MethodSelfSignedTLS
		if (creds.KeyPEM != nil) != wantKey || (creds.CertPEM != nil) != wantCert || (creds.CertKeyPEM != nil) != wantCert {
			t.Errorf("%s (%s): key %v, certificate %v", c.ID, c.method(), creds.KeyPEM != nil, creds.CertPEM != nil)
		}
	}
	var d struct {
		Methods []string          `json:"token_endpoint_auth_methods_supported"`
		Aliases map[string]string `json:"mtls_endpoint_aliases"`
	}
	if err := json.Unmarshal(h.get(PathDiscovery).body, &d); err != nil {
		t.Fatal(err)
	}
	if strings.Join(d.Methods, ",") != strings.Join(Methods(), ",") || d.Aliases["token_endpoint"] != h.p.MTLSBase()+PathToken {
		t.Errorf("discovery: methods %v, aliases %v", d.Methods, d.Aliases)
	}
	if _, err := h.p.Credentials("nosuch"); err == nil {
		t.Error("Credentials of an unknown client: no error")
	}
	if _, err := New(Config{Clients: []Client{{ID: "x", Secret: "y", RedirectURIs: []string{callback}, Method: "magic"}}}); err == nil {
		t.Error("a client with an unknown method was accepted")
	}
}

package target

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/tokenbench/tokenbench/internal/exchange"
	"github.com/tokenbench/tokenbench/internal/inputfile"
	"github.com/tokenbench/tokenbench/profiles"
)

// ClientAuth is one configured client's authentication: the method it is
// registered for (client.auth_method) and an authenticator for every
// method its credentials allow (a secret: Basic, post and
// client_secret_jwt; a key: private_key_jwt; a certificate: the TLS
// methods).
type ClientAuth struct {
	Field  string // "client" or "second_client"
	ID     string
	Method string
	Second bool
	By     map[string]exchange.Authenticator
}

// Auth is the authenticator of the method the client is registered for.
func (c ClientAuth) Auth() exchange.Authenticator { return c.By[c.Method] }

// clientMaterial is a client's credentials as the target file gives them.
type clientMaterial struct {
	field    string
	id       string
	method   string
	secret   string
	key      *exchange.ClientKey
	keyID    string
	alg      string
	audience string
	cert     *tls.Certificate
}

// path resolves a file named in the target file: relative to the file's
// directory.
func (t *Target) path(p string) string {
	if p == "" || filepath.IsAbs(p) || t.embedded || t.file == nil || t.Source == "" {
		return p
	}
	return filepath.Join(filepath.Dir(t.Source), p)
}

// material reads a client's credentials and checks that its auth_method has
// what it needs. tlsFile is the target's tls section, whose certificate is
// the client's (field "client") unless the client names its own.
func (t *Target) material(field string, c Client, env func(string) string, tlsFile TLS) (*clientMaterial, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("target: %s: %s.%s", t.Source, field, fmt.Sprintf(format, args...))
	}
	m := &clientMaterial{field: field, id: c.ID, method: first(c.AuthMethod, exchange.MethodBasic),
		keyID: c.KeyID, alg: c.AssertionAlg, audience: first(c.AssertionAudience, profiles.AudienceTokenEndpoint)}
	if c.ID == "" {
		return nil, bad("id is required")
	}
	if !exchange.IsMethod(m.method) {
		return nil, bad("auth_method: %q is not one of %s", c.AuthMethod, strings.Join(exchange.Methods(), ", "))
	}
	if m.audience != profiles.AudienceTokenEndpoint && m.audience != profiles.AudienceIssuer {
		return nil, bad("assertion_audience: %q is not token_endpoint or issuer", c.AssertionAudience)
	}
	var err error
	if m.secret, err = t.secret(field, c, env); err != nil {
		return nil, err
	}
	needsSecret := m.method == exchange.MethodBasic || m.method == exchange.MethodPost || m.method == exchange.MethodSecretJWT
	if needsSecret && m.secret == "" {
		return nil, bad("secret_env is required for auth_method %s (the environment variable that holds the client secret)", m.method)
	}
	if c.KeyFile != "" {
		data, err := inputfile.Read(t.path(c.KeyFile), inputfile.MaxConfig)
		if err != nil {
			return nil, bad("key_file: %v", err)
		}
		if m.key, err = exchange.ParseClientKey(data); err != nil {
			return nil, bad("key_file %q: %v", c.KeyFile, err)
		}
		if m.alg != "" {
			if err := m.key.CheckAlg(m.alg); err != nil {
				return nil, bad("assertion_alg %q: %v", m.alg, err)
			}
		}
	}
	switch {
	case m.method == exchange.MethodPrivateKeyJWT && m.key == nil:
		return nil, bad("key_file is required for auth_method private_key_jwt (PEM or JWK private key)")
	case m.key == nil && (c.KeyID != "" || (c.AssertionAlg != "" && m.method != exchange.MethodSecretJWT)):
		return nil, bad("key_id and assertion_alg need key_file")
	case m.method == exchange.MethodSecretJWT && c.AssertionAlg != "" && !strings.HasPrefix(c.AssertionAlg, "HS"):
		return nil, bad("assertion_alg %q: client_secret_jwt signs with HS256, HS384 or HS512", c.AssertionAlg)
	}
	certFile, keyFile, certField := c.CertFile, c.CertKeyFile, field+".cert_file"
	if certFile == "" && keyFile == "" && field == "client" {
		certFile, keyFile, certField = tlsFile.CertFile, tlsFile.KeyFile, "tls.cert_file"
	}
	if (certFile == "") != (keyFile == "") {
		return nil, fmt.Errorf("target: %s: %s and its key file go together", t.Source, certField)
	}
	if certFile != "" {
		cert, err := tls.LoadX509KeyPair(t.path(certFile), t.path(keyFile))
		if err != nil {
			return nil, fmt.Errorf("target: %s: %s/key_file: %w", t.Source, certField, err)
		}
		m.cert = &cert
	}
	if exchange.IsTLSMethod(m.method) && m.cert == nil {
		if field == "client" {
			return nil, bad("auth_method %s needs a client certificate: tls.cert_file and tls.key_file (or client.cert_file and client.cert_key_file)", m.method)
		}
		return nil, bad("auth_method %s needs a client certificate: %s.cert_file and %s.cert_key_file", m.method, field, field)
	}
	return m, nil
}

// secret reads a client's secret: "" when none is configured.
func (t *Target) secret(field string, c Client, env func(string) string) (string, error) {
	switch {
	case c.SecretEnv != "" && c.Secret != "":
		return "", fmt.Errorf("target: %s: %s: give secret_env or secret, not both", t.Source, field)
	case c.SecretEnv != "":
		s := env(c.SecretEnv)
		if s == "" {
			return "", fmt.Errorf("target: %s: %s.secret_env: environment variable %s is not set (export %s=... with the client secret)", t.Source, field, c.SecretEnv, c.SecretEnv)
		}
		return s, nil
	case c.Secret != "":
		t.warn("%s.secret is written in the target file; prefer secret_env so the secret stays out of files", field)
		return c.Secret, nil
	}
	return "", nil
}

// checkMethod refuses a client whose method the profile does not document
// or whose assertion algorithm it does not accept.
func (t *Target) checkMethod(m *clientMaterial) error {
	p := t.Profile
	if !p.AcceptsAuthMethod(m.method) {
		return fmt.Errorf("target: %s: %s.auth_method %s: profile %s does not document it (auth.methods: %s)", t.Source, m.field, m.method, p.Name, strings.Join(p.Auth.Methods, ", "))
	}
	return nil
}

// authenticators builds every authenticator a client's credentials allow.
// It runs once discovery and the profile are known (the assertion audience
// and lifetime depend on them).
func (t *Target) authenticators(m *clientMaterial, second bool) (ClientAuth, error) {
	ca := ClientAuth{Field: m.field, ID: m.id, Method: m.method, Second: second, By: map[string]exchange.Authenticator{}}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("target: %s: %s.%s", t.Source, m.field, fmt.Sprintf(format, args...))
	}
	creds := exchange.Credentials{ID: m.id, Secret: m.secret}
	cfg := exchange.JWTConfig{ClientID: m.id, Audience: t.TokenEndpoint, Lifetime: t.assertionLifetime()}
	if m.audience == profiles.AudienceIssuer {
		cfg.Audience = t.Issuer
	}
	if m.secret != "" {
		ca.By[exchange.MethodBasic] = exchange.Basic{Credentials: creds}
		ca.By[exchange.MethodPost] = exchange.Post{Credentials: creds}
		sc := cfg
		if strings.HasPrefix(m.alg, "HS") {
			sc.Alg = m.alg
		}
		j, err := exchange.NewSecretJWT(sc, m.secret)
		if err != nil {
			return ca, bad("assertion_alg: %v", err)
		}
		ca.By[exchange.MethodSecretJWT] = j
	}
	if m.key != nil {
		kc := cfg
		if !strings.HasPrefix(m.alg, "HS") {
			kc.Alg = m.alg
		}
		j, err := exchange.NewPrivateKeyJWT(kc, m.key, m.keyID)
		if err != nil {
			return ca, bad("key_file: %v", err)
		}
		if auds := t.Profile.AssertionAudiences(); m.method == exchange.MethodPrivateKeyJWT && !slices.Contains(auds, m.audience) {
			t.warn("%s.assertion_audience %s: profile %s documents %s as the audience of client assertions (auth.assertion.audiences)", m.field, m.audience, t.Profile.Name, strings.Join(auds, ", "))
		}
		if algs := t.Profile.Auth.Assertion.Algs; m.method == exchange.MethodPrivateKeyJWT && len(algs) > 0 && !slices.Contains(algs, j.Alg()) {
			return ca, bad("assertion_alg %s: profile %s accepts only %s (auth.assertion.algs)", j.Alg(), t.Profile.Name, strings.Join(algs, ", "))
		}
		ca.By[exchange.MethodPrivateKeyJWT] = j
	}
	if m.cert != nil {
		// The wire is the same for both TLS methods: the registration tells
		// them apart, and else the certificate's kind.
		method := m.method
		if !exchange.IsTLSMethod(method) {
			method = exchange.MethodTLS
			if selfSigned(m.cert) {
				method = exchange.MethodSelfSignedTLS
			}
		}
		a, err := exchange.NewTLSClient(method, m.id, m.cert, t.MTLSTokenEndpoint)
		if err != nil {
			return ca, bad("cert_file: %v", err)
		}
		ca.By[method] = a
	}
	return ca, nil
}

// selfSigned reports whether a certificate is signed by its own key.
func selfSigned(c *tls.Certificate) bool {
	leaf, err := x509.ParseCertificate(c.Certificate[0])
	return err == nil && bytes.Equal(leaf.RawIssuer, leaf.RawSubject) &&
		leaf.CheckSignature(leaf.SignatureAlgorithm, leaf.RawTBSCertificate, leaf.Signature) == nil
}

// assertionLifetime is how long the harness's assertions live: the
// default, shortened to the profile's documented maximum.
func (t *Target) assertionLifetime() time.Duration {
	if max := t.Profile.Auth.Assertion.MaxLifetime.D(); max > 0 && max < exchange.DefaultAssertionLifetime {
		return max
	}
	return exchange.DefaultAssertionLifetime
}

// registerMaterial registers every secret a client's credentials hold with
// the redactor: the secret, the private key's encodings, the certificate's
// key.
func (t *Target) registerMaterial(m *clientMaterial) {
	if t.Redactor == nil {
		return
	}
	t.Redactor.AddClient(m.id, m.secret)
	if m.key != nil {
		t.Redactor.AddSecret(m.key.Secrets()...)
	}
	if m.cert != nil {
		if der, err := x509.MarshalPKCS8PrivateKey(m.cert.PrivateKey); err == nil {
			t.Redactor.AddSecret(exchange.DERSecrets(der)...)
		}
	}
}

// ClientAuths returns the configured clients' authentication: the client,
// then the second client when there is one.
func (t *Target) ClientAuths() []ClientAuth { return append([]ClientAuth(nil), t.clientAuths...) }

// AuthFor returns an authenticator for method on behalf of a configured
// client, and whether it is the second client's (whose codes must be
// obtained for it). The client registered for the method (or one the
// profile makes interchangeable with it) comes first; under a profile whose
// auth.binding is "any", any client holding the credentials does. Without
// one, the reason says why, for a skipped row.
func (t *Target) AuthFor(method string) (exchange.Authenticator, bool, string) {
	for _, c := range t.clientAuths {
		if a := c.By[method]; a != nil && t.Profile.Interchangeable(c.Method, method) {
			return a, c.Second, ""
		}
	}
	if t.Profile.Auth.Binding == profiles.BindingAny {
		for _, c := range t.clientAuths {
			if a := c.By[method]; a != nil {
				return a, c.Second, ""
			}
		}
	}
	var have []string
	for _, c := range t.clientAuths {
		have = append(have, fmt.Sprintf("%s %q is registered for %s", c.Field, c.ID, c.Method))
	}
	why := "the profile does not say a client may use another method than the one it is registered for"
	switch t.Profile.Auth.Binding {
	case profiles.BindingRegistered:
		why = "profile " + t.Profile.Name + " binds each client to its registered method"
	case profiles.BindingAny:
		why = "none holds the credentials " + method + " needs"
	}
	return nil, false, fmt.Sprintf("no configured client authenticates with %s (%s; %s): set auth_method %s on client or second_client", method, strings.Join(have, ", "), why, method)
}

// CertOnEveryConnection reports whether tls.cert_file is presented on
// every connection (the client's auth_method is not a TLS method), so that
// no request can go without it.
func (t *Target) CertOnEveryConnection() bool { return t.certGlobal }

package target

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/internal/exchange"
)

// keyFiles writes an RSA key, an EC key, an encrypted key, a certificate
// and its key into dir, and returns their paths by name.
func keyFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ek, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	cert, err := exchange.SelfSignedCertificate(pkix.Name{CommonName: "c"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	certKey, _ := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	rder, _ := x509.MarshalPKCS8PrivateKey(rk)
	eder, _ := x509.MarshalECPrivateKey(ek)
	files := map[string][]byte{
		"rsa.pem":       pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: rder}),
		"ec.pem":        pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: eder}),
		"encrypted.pem": pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte{1, 2}}),
		"cert.pem":      pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}),
		"cert-key.pem":  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: certKey}),
	}
	out := map[string]string{}
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		out[name] = p
	}
	return out
}

// TestResolveAuthMethods: each auth_method resolves to its authenticator,
// whose assertions name the right audience, and the other credentials a
// client holds make authenticators for the other methods.
func TestResolveAuthMethods(t *testing.T) {
	t.Parallel()
	srv := fakeIssuer(t, false, map[string]any{"mtls_endpoint_aliases": map[string]string{"token_endpoint": "https://127.0.0.1:1/token"}})
	dir := t.TempDir()
	files := keyFiles(t, dir)
	tests := []struct {
		name   string
		client Client
		tls    TLS
		want   string   // Auth's method
		also   []string // other methods the client's credentials allow
		global bool     // the certificate is on every connection
	}{
		{name: "default Basic", client: Client{ID: "c", SecretEnv: "SECRET"}, want: exchange.MethodBasic,
			also: []string{exchange.MethodPost, exchange.MethodSecretJWT}},
		{name: "post", client: Client{ID: "c", SecretEnv: "SECRET", AuthMethod: "client_secret_post"}, want: exchange.MethodPost},
		{name: "secret JWT", client: Client{ID: "c", SecretEnv: "SECRET", AuthMethod: "client_secret_jwt", AssertionAlg: "HS512"}, want: exchange.MethodSecretJWT},
		{name: "private key JWT, relative path", client: Client{ID: "c", AuthMethod: "private_key_jwt", KeyFile: "ec.pem"}, want: exchange.MethodPrivateKeyJWT},
		{name: "private key JWT with a secret", client: Client{ID: "c", SecretEnv: "SECRET", AuthMethod: "private_key_jwt", KeyFile: files["rsa.pem"], KeyID: "k1", AssertionAudience: "issuer"},
			want: exchange.MethodPrivateKeyJWT, also: []string{exchange.MethodBasic, exchange.MethodPost}},
		{name: "tls_client_auth", client: Client{ID: "c", AuthMethod: "tls_client_auth"}, tls: TLS{CertFile: "cert.pem", KeyFile: files["cert-key.pem"]}, want: exchange.MethodTLS},
		{name: "self-signed, own cert files", client: Client{ID: "c", AuthMethod: "self_signed_tls_client_auth", CertFile: files["cert.pem"], CertKeyFile: files["cert-key.pem"]}, want: exchange.MethodSelfSignedTLS},
		{name: "Basic with a connection certificate", client: Client{ID: "c", SecretEnv: "SECRET"}, tls: TLS{CertFile: files["cert.pem"], KeyFile: files["cert-key.pem"]},
			want: exchange.MethodBasic, also: []string{exchange.MethodSelfSignedTLS}, global: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := baseFile(srv.URL)
			f.Client, f.TLS, f.Profile = tt.client, tt.tls, "oidc"
			tg, err := Resolve(context.Background(), filepath.Join(dir, "t.yaml"), f, Options{Env: env(map[string]string{"SECRET": "s3cret-value"})})
			if err != nil {
				t.Fatal(err)
			}
			defer tg.Close()
			if tg.Auth.Method() != tt.want || tg.Auth.ClientID() != "c" {
				t.Fatalf("Auth %v, want %s", tg.Auth, tt.want)
			}
			by := tg.ClientAuths()[0].By
			for _, m := range tt.also {
				if by[m] == nil {
					t.Errorf("no %s authenticator from the client's other credentials", m)
				}
			}
			if tg.CertOnEveryConnection() != tt.global {
				t.Errorf("CertOnEveryConnection %v", tg.CertOnEveryConnection())
			}
			s := exchange.TokenRequest(tg.TokenEndpoint, tg.Auth, "code", "https://c/cb", "")
			if s.Err != nil {
				t.Fatal(s.Err)
			}
			if j, ok := tg.Auth.(*exchange.JWT); ok {
				wantAud := tg.TokenEndpoint
				if tt.client.AssertionAudience == "issuer" {
					wantAud = tg.Issuer
				}
				if j.Audience() != wantAud {
					t.Errorf("aud %q, want %q", j.Audience(), wantAud)
				}
			}
			if exchange.IsTLSMethod(tt.want) && (s.URL != "https://127.0.0.1:1/token" || s.Cert == nil) {
				t.Errorf("TLS request to %q with certificate %v: want the mTLS alias and a certificate", s.URL, s.Cert != nil)
			}
			if key, ok := map[string]string{"private key JWT with a secret": "rsa.pem"}[tt.name]; ok {
				data, _ := os.ReadFile(files[key])
				line := strings.Split(string(data), "\n")[3]
				if got := tg.Redactor.String("x " + line); strings.Contains(got, line) {
					t.Errorf("the redactor does not know the private key: %q", got)
				}
			}
		})
	}
}

// TestResolveAuthErrors: every bad client authentication setting is bad
// input whose message names the target file key.
func TestResolveAuthErrors(t *testing.T) {
	t.Parallel()
	srv := fakeIssuer(t, false, nil)
	files := keyFiles(t, t.TempDir())
	tests := []struct {
		name    string
		client  Client
		tls     TLS
		profile string
		second  *Client
		want    string
	}{
		{name: "unknown method", client: Client{ID: "c", SecretEnv: "SECRET", AuthMethod: "magic"}, want: `client.auth_method: "magic" is not one of client_secret_basic`},
		{name: "post without secret", client: Client{ID: "c", AuthMethod: "client_secret_post"}, want: "client.secret_env is required for auth_method client_secret_post"},
		{name: "jwt without key", client: Client{ID: "c", AuthMethod: "private_key_jwt"}, want: "client.key_file is required for auth_method private_key_jwt"},
		{name: "unreadable key", client: Client{ID: "c", AuthMethod: "private_key_jwt", KeyFile: "/nonexistent.pem"}, want: "client.key_file: open /nonexistent.pem"},
		{name: "encrypted key", client: Client{ID: "c", AuthMethod: "private_key_jwt", KeyFile: files["encrypted.pem"]}, want: "client.key_file \"" + files["encrypted.pem"] + "\": the private key is encrypted"},
		{name: "alg does not fit the key", client: Client{ID: "c", AuthMethod: "private_key_jwt", KeyFile: files["rsa.pem"], AssertionAlg: "ES256"}, want: `client.assertion_alg "ES256": ES256 needs an EC P-256 key`},
		{name: "alg without key", client: Client{ID: "c", SecretEnv: "SECRET", AssertionAlg: "RS256"}, want: "client.key_id and assertion_alg need key_file"},
		{name: "secret jwt with RS256", client: Client{ID: "c", SecretEnv: "SECRET", AuthMethod: "client_secret_jwt", AssertionAlg: "RS256"}, want: "client_secret_jwt signs with HS256"},
		{name: "bad audience", client: Client{ID: "c", AuthMethod: "private_key_jwt", KeyFile: files["rsa.pem"], AssertionAudience: "anyone"}, want: `client.assertion_audience: "anyone" is not token_endpoint or issuer`},
		{name: "tls without cert", client: Client{ID: "c", AuthMethod: "tls_client_auth"}, want: "client.auth_method tls_client_auth needs a client certificate: tls.cert_file"},
		{name: "second tls without cert", client: Client{ID: "c", SecretEnv: "SECRET"}, second: &Client{ID: "d", AuthMethod: "self_signed_tls_client_auth"}, want: "second_client.auth_method self_signed_tls_client_auth needs a client certificate: second_client.cert_file"},
		{name: "cert without key", client: Client{ID: "c", SecretEnv: "SECRET"}, tls: TLS{CertFile: files["cert.pem"]}, want: "tls.cert_file and its key file go together"},
		{name: "method not documented", client: Client{ID: "c", AuthMethod: "private_key_jwt", KeyFile: files["rsa.pem"]}, profile: "bankid", want: "client.auth_method private_key_jwt: profile bankid does not document it (auth.methods: client_secret_basic)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := baseFile(srv.URL)
			f.Client, f.TLS, f.SecondClient, f.Profile = tt.client, tt.tls, tt.second, tt.profile
			if f.Profile == "" {
				f.Profile = "oidc"
			}
			_, err := Resolve(context.Background(), "t.yaml", f, Options{Env: env(map[string]string{"SECRET": "x"})})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Resolve error = %v\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

// TestAuthFor: which client authenticates the rows of a method, by the
// profile's binding, and why none does.
func TestAuthFor(t *testing.T) {
	t.Parallel()
	srv := fakeIssuer(t, false, nil)
	dir := t.TempDir()
	files := keyFiles(t, dir)
	profile := func(binding string) string {
		p := filepath.Join(dir, "p-"+binding+".yaml")
		body := "name: p\nextends: oidc\nauth:\n  interchangeable: [client_secret_basic, client_secret_post]\n"
		if binding != "" {
			body += "  binding: " + binding + "\n"
		}
		os.WriteFile(p, []byte(body), 0o600)
		return p
	}
	tests := []struct {
		binding, method string
		field           string // the client whose authenticator it is; "" none
	}{
		{"registered", exchange.MethodPrivateKeyJWT, "client"},
		{"registered", exchange.MethodPost, "second_client"}, // interchangeable with the second client's Basic
		{"registered", exchange.MethodSecretJWT, ""},
		{"registered", exchange.MethodTLS, ""},
		{"any", exchange.MethodSecretJWT, "client"},
		{"", exchange.MethodBasic, "second_client"},
		{"", exchange.MethodSecretJWT, ""},
	}
	for _, tt := range tests {
		f := baseFile(srv.URL)
		f.Client = Client{ID: "c", SecretEnv: "SECRET", AuthMethod: "private_key_jwt", KeyFile: files["rsa.pem"]}
		f.SecondClient = &Client{ID: "d", SecretEnv: "SECRET"}
		f.Profile = profile(tt.binding)
		tg, err := Resolve(context.Background(), "t.yaml", f, Options{Env: env(map[string]string{"SECRET": "x"})})
		if err != nil {
			t.Fatal(err)
		}
		a, second, why := tg.AuthFor(tt.method)
		switch {
		case tt.field == "" && (a != nil || !strings.Contains(why, "no configured client authenticates with "+tt.method)):
			t.Errorf("binding %q, %s: %v (%q), want none with a reason", tt.binding, tt.method, a, why)
		case tt.field != "" && (a == nil || a.Method() != tt.method || second != (tt.field == "second_client")):
			t.Errorf("binding %q, %s: %v second=%v (%q), want %s's", tt.binding, tt.method, a, second, why, tt.field)
		}
		tg.Close()
	}
}

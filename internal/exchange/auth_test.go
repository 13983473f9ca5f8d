package exchange

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/internal/secrettest"
)

// authenticators returns one authenticator per method.
func authenticators(t testing.TB) map[string]Authenticator {
	t.Helper()
	cert, err := SelfSignedCertificate(pkix.Name{CommonName: "client-tls"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	tlsAuth, err := NewTLSClient(MethodTLS, "client-tls", cert, "https://mtls.op.example/token")
	if err != nil {
		t.Fatal(err)
	}
	auths := jwtAuthenticators(t)
	return map[string]Authenticator{
		MethodBasic:         Basic{Credentials{"client-b", "secret-b"}},
		MethodPost:          Post{Credentials{"client-p", "secret-p"}},
		MethodPrivateKeyJWT: auths[0].a,
		MethodSecretJWT:     auths[3].a,
		MethodTLS:           tlsAuth,
	}
}

// sent is what a request built from a Spec carries, as a server sees it.
type sent struct {
	url    string
	header string         // Authorization
	body   url.Values     // form parameters
	query  url.Values     // URL query
	cert   bool           // a TLS client certificate
	err    error          // Spec.Err
	params map[string]int // parameter counts
}

func view(s Spec) sent {
	v := sent{url: s.URL, body: url.Values{}, query: url.Values{}, cert: s.Cert != nil, err: s.Err, params: map[string]int{}}
	if a, ok := s.authorization(); ok {
		v.header = a
	}
	for _, p := range s.Params {
		v.body.Add(p.Name, p.Value)
		v.params[p.Name]++
	}
	for _, p := range s.Query {
		v.query.Add(p.Name, p.Value)
	}
	return v
}

// TestAuthenticate: each method adds exactly its part (RFC 6749 §2.3.1,
// RFC 7523 §2.2, RFC 8705 §2) and records itself.
func TestAuthenticate(t *testing.T) {
	t.Parallel()
	for method, a := range authenticators(t) {
		t.Run(method, func(t *testing.T) {
			t.Parallel()
			s := TokenRequest("https://op.example/token", a, "code", "https://c/cb", "")
			v := view(s)
			if s.Authn != a || a.Method() != method {
				t.Errorf("Authn %v, Method %q", s.Authn, a.Method())
			}
			hasBasic := strings.HasPrefix(v.header, "Basic ")
			_, hasSecret := v.body[ParamClientSecret]
			_, hasAssertion := v.body[ParamClientAssertion]
			checks := map[string]bool{
				"Basic header":           hasBasic == (method == MethodBasic),
				"client_secret":          hasSecret == (method == MethodPost),
				"client_assertion":       hasAssertion == (method == MethodPrivateKeyJWT || method == MethodSecretJWT),
				"certificate":            v.cert == (method == MethodTLS),
				"client_id for post/TLS": (v.body.Get(ParamClientID) == a.ClientID()) == (method == MethodPost || method == MethodTLS),
				"mTLS alias":             (v.url == "https://mtls.op.example/token") == (method == MethodTLS),
			}
			for what, ok := range checks {
				if !ok {
					t.Errorf("%s: wrong (%+v)", what, v)
				}
			}
		})
	}
}

// TestAuthMutations: the method-independent mutations do what they say
// for every method.
func TestAuthMutations(t *testing.T) {
	t.Parallel()
	other := Post{Credentials{"other", "other-secret"}}
	for method, a := range authenticators(t) {
		t.Run(method, func(t *testing.T) {
			t.Parallel()
			base := TokenRequest("https://op.example/token", a, "code", "https://c/cb", "")
			none := view(base.With(NoAuth()))
			if none.header != "" || none.cert || len(none.body) != 3 {
				t.Errorf("NoAuth left authentication: %+v", none)
			}
			pub := view(base.With(PublicClient()))
			if pub.header != "" || pub.cert || pub.body.Get(ParamClientID) != a.ClientID() || len(pub.body) != 4 {
				t.Errorf("PublicClient: %+v", pub)
			}
			as := view(base.With(As(other)))
			if as.header != "" || as.cert || as.body.Get(ParamClientSecret) != "other-secret" || as.params[ParamClientID] != 1 {
				t.Errorf("As(other): %+v", as)
			}
			q := view(base.With(CredentialsInQuery()))
			if q.header != "" || len(q.body) != 3 {
				t.Errorf("CredentialsInQuery left authentication in the header or body: %+v", q)
			}
			if method != MethodTLS && q.query.Get(ParamClientSecret) == "" && q.query.Get(ParamClientAssertion) == "" {
				t.Errorf("CredentialsInQuery: no secret in the query: %+v", q)
			}
			wrong := view(base.With(WrongCredentials()))
			if wrong.err != nil || wrong.header == view(base).header && wrong.body.Encode() == view(base).body.Encode() && method != MethodTLS {
				t.Errorf("WrongCredentials changed nothing: %+v", wrong)
			}
			if method == MethodTLS {
				w := base.With(WrongCredentials())
				if w.Cert == nil || w.Cert == base.Cert {
					t.Error("WrongCredentials kept the TLS certificate")
				}
			}
		})
	}
}

// TestSpecErr: a request that could not be built is recorded, not sent.
func TestSpecErr(t *testing.T) {
	t.Parallel()
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits++ }))
	defer srv.Close()
	s := TokenRequest(srv.URL, Basic{Credentials{"c", "s"}}, "code", "https://c/cb", "").With(AssertionWith(NoExpiry()))
	x := NewClient().Do(context.Background(), s)
	if x.Err == nil || x.Response != nil || hits != 0 {
		t.Errorf("err %v, response %v, %d requests sent", x.Err, x.Response, hits)
	}
}

// TestClientCertificate: a request presents its own certificate, over a
// pool of its own, and one without presents none.
func TestClientCertificate(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	seen := map[string]int{}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cn := "none"
		if len(r.TLS.PeerCertificates) > 0 {
			cn = r.TLS.PeerCertificates[0].Subject.CommonName
		}
		mu.Lock()
		seen[cn]++
		mu.Unlock()
		w.Write([]byte(cn))
	}))
	// The server names acceptable CAs that issued none of the client
	// certificates (node's https server lists its ca): each is sent anyway.
	other, _ := SelfSignedCertificate(pkix.Name{CommonName: "some CA"}, time.Now())
	otherLeaf, _ := x509.ParseCertificate(other.Certificate[0])
	cas := x509.NewCertPool()
	cas.AddCert(otherLeaf)
	srv.TLS = &tls.Config{ClientAuth: tls.RequestClientCert, ClientCAs: cas}
	srv.StartTLS()
	defer srv.Close()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	c := NewClient(WithTLS(&tls.Config{RootCAs: pool}))
	a, _ := SelfSignedCertificate(pkix.Name{CommonName: "a"}, time.Now())
	b, _ := SelfSignedCertificate(pkix.Name{CommonName: "b"}, time.Now())
	for _, tt := range []struct {
		cert *tls.Certificate
		want string
	}{{a, "a"}, {nil, "none"}, {b, "b"}, {a, "a"}, {nil, "none"}} {
		x := c.Do(context.Background(), Spec{Method: http.MethodPost, URL: srv.URL, Body: BodyForm, Cert: tt.cert})
		if x.Err != nil {
			t.Fatal(x.Err)
		}
		if got := string(x.Response.Body); got != tt.want {
			t.Errorf("the server saw certificate %q, want %q", got, tt.want)
		}
	}
	c.CloseIdle()
}

// TestAuthMasked: no authenticator or key shows its secret when printed.
func TestAuthMasked(t *testing.T) {
	t.Parallel()
	k := testKeys()
	ck, _ := newClientKey(k.rsa, "test")
	auths := authenticators(t)
	cases := []secrettest.Case{
		{Name: "Basic", V: auths[MethodBasic], Secrets: []string{"secret-b"}, Keep: []string{"client-b"}},
		{Name: "Post", V: auths[MethodPost], Secrets: []string{"secret-p"}, Keep: []string{"client-p"}},
		{Name: "private_key_jwt", V: auths[MethodPrivateKeyJWT], Secrets: ck.Secrets(), Keep: []string{"client-1", "RS256"}},
		{Name: "client_secret_jwt", V: auths[MethodSecretJWT], Secrets: []string{"s3cret-for-hmac"}, Keep: []string{"client-1"}},
		{Name: "TLS", V: auths[MethodTLS], Keep: []string{"client-tls"}},
		{Name: "ClientKey", V: ck, Secrets: ck.Secrets(), Keep: []string{ck.KeyID}},
	}
	spec := TokenRequest("https://op.example/token", auths[MethodPrivateKeyJWT], "code-xyz", "https://c/cb", "")
	assertion, _ := spec.Get(ParamClientAssertion)
	cases = append(cases, secrettest.Case{Name: "Spec with an assertion", V: spec, Secrets: []string{assertion}, Keep: []string{"client_assertion"}})
	secrettest.Run(t, cases)
}

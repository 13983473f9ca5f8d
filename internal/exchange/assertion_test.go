package exchange

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jws"
)

const testAud = "https://op.example/token"

var fixedNow = time.Unix(1_700_000_000, 0)

// jwtAuthenticators returns one authenticator per signing algorithm, with
// the key that verifies it.
func jwtAuthenticators(t testing.TB) []struct {
	name   string
	a      *JWT
	verify any
} {
	t.Helper()
	k := testKeys()
	rk, _ := newClientKey(k.rsa, "test")
	ek, _ := newClientKey(k.ec, "test")
	cfg := JWTConfig{ClientID: "client-1", Audience: testAud, Now: func() time.Time { return fixedNow }}
	mk := func(alg string, key *ClientKey) *JWT {
		c := cfg
		c.Alg = alg
		a, err := NewPrivateKeyJWT(c, key, "")
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	sj, err := NewSecretJWT(cfg, "s3cret-for-hmac")
	if err != nil {
		t.Fatal(err)
	}
	return []struct {
		name   string
		a      *JWT
		verify any
	}{
		{"RS256", mk("RS256", rk), &k.rsa.PublicKey},
		{"PS256", mk("PS256", rk), &k.rsa.PublicKey},
		{"ES256", mk("ES256", ek), &k.ec.PublicKey},
		{"HS256", sj, []byte("s3cret-for-hmac")},
	}
}

// decode splits a compact JWS into its header and claims.
func decode(t testing.TB, compact string) (map[string]any, map[string]any) {
	t.Helper()
	parts := strings.Split(compact, ".")
	if len(parts) != 3 {
		t.Fatalf("%q is not a compact JWS", compact)
	}
	var h, c map[string]any
	for i, dst := range []*map[string]any{&h, &c} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, dst); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
	}
	return h, c
}

// TestJWTSign: the assertion is what RFC 7523 §3 and OIDC Core §9 ask for,
// verifies with the client's key, and every one has a new jti.
func TestJWTSign(t *testing.T) {
	t.Parallel()
	for _, tt := range jwtAuthenticators(t) {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			seen := map[string]bool{}
			for range 20 {
				s := CodeGrant(testAud, "c", "https://c/cb", "")
				tt.a.Authenticate(&s)
				if s.Err != nil {
					t.Fatal(s.Err)
				}
				if v, _ := s.Get(ParamClientAssertionType); v != AssertionTypeJWT {
					t.Fatalf("client_assertion_type %q", v)
				}
				compact, _ := s.Get(ParamClientAssertion)
				if _, err := jws.Verify([]byte(compact), jws.WithKey(jwa.SignatureAlgorithm(tt.name), tt.verify)); err != nil {
					t.Fatalf("does not verify: %v", err)
				}
				h, c := decode(t, compact)
				if h["alg"] != tt.name || h["typ"] != "JWT" {
					t.Errorf("header %v", h)
				}
				if c["iss"] != "client-1" || c["sub"] != "client-1" || c["aud"] != testAud {
					t.Errorf("claims %v", c)
				}
				if c["iat"] != float64(fixedNow.Unix()) || c["exp"] != float64(fixedNow.Add(DefaultAssertionLifetime).Unix()) {
					t.Errorf("iat %v exp %v", c["iat"], c["exp"])
				}
				jti, _ := c["jti"].(string)
				if len(jti) < 22 || seen[jti] {
					t.Fatalf("jti %q: too short or repeated", jti)
				}
				seen[jti] = true
				if s.Authn != tt.a {
					t.Error("the spec does not record its authenticator")
				}
			}
		})
	}
}

// TestAssertionEdits: each probe's edit changes exactly what it names and
// is still signed by the authenticator's own code.
func TestAssertionEdits(t *testing.T) {
	t.Parallel()
	auths := jwtAuthenticators(t)
	rs := auths[0]
	k := testKeys()
	pemKey, _ := PublicPEM(&k.rsa.PublicKey)
	tests := []struct {
		name     string
		m        Mutation
		verifies bool   // with the client's key and alg
		alg      string // want header alg
		check    func(h, c map[string]any) string
		hmacKey  []byte // verifies as HS256 with this key
	}{
		{"audience", AssertionWith(Audience("https://other.example")), true, "RS256",
			func(h, c map[string]any) string { return want(c["aud"] == "https://other.example", "aud %v", c["aud"]) }, nil},
		{"expired", AssertionWith(ExpiredBy(10 * time.Minute)), true, "RS256",
			func(h, c map[string]any) string {
				return want(c["exp"] == float64(fixedNow.Add(-10*time.Minute).Unix()) && c["exp"].(float64)-c["iat"].(float64) == 60, "exp %v iat %v", c["exp"], c["iat"])
			}, nil},
		{"no exp", AssertionWith(NoExpiry()), true, "RS256",
			func(h, c map[string]any) string { _, has := c["exp"]; return want(!has, "exp %v", c["exp"]) }, nil},
		{"iss not sub", AssertionWith(Issuer("other")), true, "RS256",
			func(h, c map[string]any) string { return want(c["iss"] == "other" && c["sub"] == "client-1", "%v", c) }, nil},
		{"sub another client", AssertionWith(Subject("client-2")), true, "RS256",
			func(h, c map[string]any) string {
				return want(c["iss"] == "client-1" && c["sub"] == "client-2", "%v", c)
			}, nil},
		{"alg none", AssertionWith(AlgNone()), false, "none",
			func(h, c map[string]any) string { _, kid := h["kid"]; return want(!kid, "header %v", h) }, nil},
		{"HMAC with the public key", AssertionWith(HMACWithPublicKey()), false, "HS256", nil, pemKey},
		{"foreign key", AssertionWith(ForeignKey()), false, "RS256", nil, nil},
		{"flipped signature byte", FlipSignatureByte(), false, "RS256", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := TokenRequest(testAud, rs.a, "c", "https://c/cb", "")
			before, _ := s.Get(ParamClientAssertion)
			s = s.With(tt.m)
			if s.Err != nil {
				t.Fatal(s.Err)
			}
			compact, _ := s.Get(ParamClientAssertion)
			if compact == before {
				t.Fatal("the assertion did not change")
			}
			h, c := decode(t, compact)
			if h["alg"] != tt.alg {
				t.Errorf("alg %v, want %s", h["alg"], tt.alg)
			}
			_, err := jws.Verify([]byte(compact), jws.WithKey(jwa.RS256, rs.verify))
			if (err == nil) != tt.verifies {
				t.Errorf("verifies with the client key: %v, want %v", err == nil, tt.verifies)
			}
			if tt.check != nil {
				if msg := tt.check(h, c); msg != "" {
					t.Error(msg)
				}
			}
			if tt.hmacKey != nil {
				if _, err := jws.Verify([]byte(compact), jws.WithKey(jwa.HS256, tt.hmacKey)); err != nil {
					t.Errorf("not an HS256 MAC keyed with the public key PEM: %v", err)
				}
			}
			if tt.name == "alg none" && !strings.HasSuffix(compact, ".") {
				t.Errorf("alg none with a signature: %q", compact)
			}
		})
	}
	// An edit on a request that has no client assertion is an error, not a
	// silently valid request.
	s := TokenRequest(testAud, Basic{Credentials{"c", "s"}}, "c", "https://c/cb", "").With(AssertionWith(NoExpiry()))
	if s.Err == nil {
		t.Error("AssertionWith on a Basic request set no error")
	}
}

func want(ok bool, format string, args ...any) string {
	if ok {
		return ""
	}
	b, _ := json.Marshal(args)
	return format + " " + string(b)
}

// TestNewJWTRefuses: the constructors name what is wrong.
func TestNewJWTRefuses(t *testing.T) {
	t.Parallel()
	k := testKeys()
	rk, _ := newClientKey(k.rsa, "test")
	cfg := JWTConfig{ClientID: "c", Audience: testAud}
	for _, tt := range []struct {
		name string
		err  error
		want string
	}{
		{"EC alg on RSA", func() error { c := cfg; c.Alg = "ES256"; _, err := NewPrivateKeyJWT(c, rk, ""); return err }(), "needs an EC P-256 key"},
		{"HS256 private key", func() error { c := cfg; c.Alg = "HS256"; _, err := NewPrivateKeyJWT(c, rk, ""); return err }(), "not an assertion algorithm"},
		{"no key", func() error { _, err := NewPrivateKeyJWT(cfg, nil, ""); return err }(), "needs a private key"},
		{"RS256 secret", func() error { c := cfg; c.Alg = "RS256"; _, err := NewSecretJWT(c, "s"); return err }(), "not an algorithm for client_secret_jwt"},
		{"no secret", func() error { _, err := NewSecretJWT(cfg, ""); return err }(), "needs the client secret"},
		{"no audience", func() error { _, err := NewSecretJWT(JWTConfig{ClientID: "c"}, "s"); return err }(), "audience"},
	} {
		if tt.err == nil || !strings.Contains(tt.err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.name, tt.err, tt.want)
		}
	}
}

// BenchmarkAssertion is the load path's cost per request: one fresh signed
// assertion added to a token request.
func BenchmarkAssertion(b *testing.B) {
	for _, tt := range jwtAuthenticators(b) {
		if tt.name == "PS256" {
			continue
		}
		b.Run(tt.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s := CodeGrant(testAud, "code", "https://c/cb", "verifier")
				tt.a.Authenticate(&s)
				if s.Err != nil {
					b.Fatal(s.Err)
				}
			}
		})
	}
	b.Run("Basic", func(b *testing.B) {
		b.ReportAllocs()
		a := Basic{Credentials{"client-1", "secret"}}
		for b.Loop() {
			s := CodeGrant(testAud, "code", "https://c/cb", "verifier")
			a.Authenticate(&s)
		}
	})
}

// TestSignAndEncodeAgree: the load path (Sign) and the probes' path
// (Assertion, then Encode) make the same assertion: the same header and
// claims, both verifying, so that a probe changes only what its edit names.
func TestSignAndEncodeAgree(t *testing.T) {
	t.Parallel()
	for _, tt := range jwtAuthenticators(t) {
		signed, err := tt.a.Sign()
		if err != nil {
			t.Fatal(err)
		}
		a, err := tt.a.Assertion()
		if err != nil {
			t.Fatal(err)
		}
		encoded, err := a.Encode()
		if err != nil {
			t.Fatal(err)
		}
		h1, c1 := decode(t, signed)
		h2, c2 := decode(t, encoded)
		delete(c1, "jti")
		delete(c2, "jti")
		j1, _ := json.Marshal([]any{h1, c1})
		j2, _ := json.Marshal([]any{h2, c2})
		if string(j1) != string(j2) {
			t.Errorf("%s: Sign made %s, Encode %s", tt.name, j1, j2)
		}
		for _, compact := range []string{signed, encoded} {
			if _, err := jws.Verify([]byte(compact), jws.WithKey(jwa.SignatureAlgorithm(tt.name), tt.verify)); err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
		}
	}
}

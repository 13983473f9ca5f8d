package checks

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
	"github.com/tokenbench/tokenbench/internal/exchange"
	"github.com/tokenbench/tokenbench/profiles"
)

// testKeys are generated once per test binary: RSA generation is slow.
type testKeys struct {
	rsa   *rsa.PrivateKey   // kid rsa-1: alg RS256, use sig
	rsa2  *rsa.PrivateKey   // kid rsa-2: no alg, no use; also kid enc-1 with use enc
	ec    *ecdsa.PrivateKey // kid ec-1: P-256, alg ES256
	ec384 *ecdsa.PrivateKey // kid ec-384: P-384, no alg
	set   jwk.Set           // the public JWKS with all of them
}

var sharedKeys = sync.OnceValue(func() *testKeys {
	k := &testKeys{}
	var err error
	if k.rsa, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		panic(err)
	}
	if k.rsa2, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		panic(err)
	}
	if k.ec, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		panic(err)
	}
	if k.ec384, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader); err != nil {
		panic(err)
	}
	k.set = jwk.NewSet()
	add := func(pub any, kid, alg, use string) {
		key, err := jwk.FromRaw(pub)
		if err != nil {
			panic(err)
		}
		_ = key.Set(jwk.KeyIDKey, kid)
		if alg != "" {
			_ = key.Set(jwk.AlgorithmKey, jwa.SignatureAlgorithm(alg))
		}
		if use != "" {
			_ = key.Set(jwk.KeyUsageKey, use)
		}
		_ = k.set.AddKey(key)
	}
	add(&k.ec.PublicKey, "ec-1", "ES256", "sig")
	add(&k.rsa2.PublicKey, "enc-1", "", "enc")
	add(&k.rsa.PublicKey, "rsa-1", "RS256", "sig")
	add(&k.rsa2.PublicKey, "rsa-2", "", "")
	add(&k.ec384.PublicKey, "ec-384", "", "")
	return k
})

// testNow is the fixed clock of the scenarios.
var testNow = time.Unix(1_700_000_000, 0).UTC()

const (
	testAccessToken  = "SlAV32hkKG-secretAccessToken.xyz~1"
	testRefreshToken = "8xLOxBtZp8-secretRefreshToken"
	testNonce        = "n-0S6_WzA2Mj"
	testClientID     = "client-1"
	testIssuer       = "https://op.example.com"
)

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func atHashOf(token string) string {
	sum := sha256.Sum256([]byte(token))
	return b64(sum[:16])
}

// signToken signs header and claims (JSON values, or json.RawMessage text)
// with jwx's signer for alg.
func signToken(t testing.TB, header, claims any, alg string, key any) string {
	t.Helper()
	h, err := json.Marshal(header)
	if err != nil {
		t.Fatal(err)
	}
	p, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	input := b64(h) + "." + b64(p)
	signer, err := jws.NewSigner(jwa.SignatureAlgorithm(alg))
	if err != nil {
		t.Fatal(err)
	}
	sig, err := signer.Sign([]byte(input), key)
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + b64(sig)
}

// signJSON signs hand-written header and payload JSON texts.
func signJSON(t testing.TB, header, payload, alg string, key any) string {
	t.Helper()
	input := b64([]byte(header)) + "." + b64([]byte(payload))
	signer, err := jws.NewSigner(jwa.SignatureAlgorithm(alg))
	if err != nil {
		t.Fatal(err)
	}
	sig, err := signer.Sign([]byte(input), key)
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + b64(sig)
}

func mustProfile(t testing.TB, name string) *profiles.Profile {
	t.Helper()
	p, err := profiles.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// scenario is one token response under construction: a passing BankID
// response unless a test changes it.
type scenario struct {
	status     int
	header     [][2]string
	members    map[string]any // the body; id_token is signed in when absent
	body       []byte         // overrides members
	noIDToken  bool
	jose       map[string]any
	claims     map[string]any
	alg        string
	key        any
	ctx        Context
	noResponse bool

	lastIDToken string // set by build
}

func newScenario(t testing.TB, profile string) *scenario {
	t.Helper()
	k := sharedKeys()
	now := testNow.Unix()
	return &scenario{
		status: 200,
		header: [][2]string{
			{"Cache-Control", "no-store"},
			{"Pragma", "no-cache"},
			{"Content-Type", "application/json;charset=utf-8"},
		},
		members: map[string]any{
			"access_token": testAccessToken,
			"token_type":   "Bearer",
			"expires_in":   3600,
			"scope":        "openid",
		},
		jose: map[string]any{"kid": "rsa-1", "typ": "JWT", "alg": "RS256"},
		claims: map[string]any{
			"iss":                testIssuer,
			"sub":                "9578-6000-4-30799",
			"aud":                testClientID,
			"azp":                testClientID,
			"exp":                now + 3587,
			"iat":                now,
			"auth_time":          now - 13,
			"nonce":              testNonce,
			"at_hash":            atHashOf(testAccessToken),
			"amr":                []string{"BankID"},
			"name":               "Frode Beckmann Nilsen",
			"given_name":         "Frode Beckmann",
			"family_name":        "Nilsen",
			"preferred_username": "Frode Beckmann Nilsen",
			"birthdate":          "1966-12-18",
		},
		alg: "RS256",
		key: k.rsa,
		ctx: Context{
			Profile:  mustProfile(t, profile),
			Issuer:   testIssuer,
			ClientID: testClientID,
			Nonce:    testNonce,
			Scope:    "openid",
			Keys:     NewStaticKeySet(k.set),
			Now:      func() time.Time { return testNow },
		},
	}
}

// setHeader replaces (or with value "" removes) every line of a header.
func (s *scenario) setHeader(name string, values ...string) {
	var out [][2]string
	for _, l := range s.header {
		if !strings.EqualFold(l[0], name) {
			out = append(out, l)
		}
	}
	for _, v := range values {
		out = append(out, [2]string{name, v})
	}
	s.header = out
}

func (s *scenario) idToken(t testing.TB) string {
	return signToken(t, s.jose, s.claims, s.alg, s.key)
}

func (s *scenario) build(t testing.TB) *exchange.Exchange {
	t.Helper()
	if s.noResponse {
		return &exchange.Exchange{Err: &url.Error{Op: "Post", URL: "https://op.example.com/token?client_secret=hunter2-secret",
			Err: errors.New("dial tcp: connection refused")}}
	}
	body := s.body
	if body == nil {
		m := maps.Clone(s.members)
		if _, ok := m["id_token"]; !ok && !s.noIDToken {
			m["id_token"] = s.idToken(t)
		}
		s.lastIDToken, _ = m["id_token"].(string)
		var err error
		if body, err = json.Marshal(m); err != nil {
			t.Fatal(err)
		}
	}
	resp := &exchange.Response{Status: s.status, Proto: "HTTP/1.1", Header: http.Header{}, RawHeader: []exchange.HeaderLine{}, Body: body}
	for _, l := range s.header {
		resp.Header.Add(l[0], l[1])
		resp.RawHeader = append(resp.RawHeader, exchange.HeaderLine{Name: l[0], Value: l[1]})
	}
	return &exchange.Exchange{Response: resp}
}

// secrets are values no failure text may contain: tokens, the client
// secret in a URL, personal claim values, and the ID token last built.
func (s *scenario) secrets() []string {
	out := []string{testAccessToken, testRefreshToken, "hunter2-secret", "Frode", "Nilsen", "1966-12-18"}
	if tok := s.lastIDToken; len(tok) > 20 {
		out = append(out, tok)
		if i := strings.LastIndexByte(tok, '.'); i >= 0 && len(tok)-i > 20 {
			out = append(out, tok[i+1:])
		}
	}
	return out
}

// expect is what a table case wants of one check's result.
type expect struct {
	err     error // sentinel of a failure; nil with skip false: a pass
	field   string
	skip    bool
	warning bool
	text    string // in the failure's text, when set
}

var (
	pass   = expect{}
	skipIt = expect{skip: true}
)

func fails(err error, field string) expect { return expect{err: err, field: field} }

// failsSaying is fails, with text in the failure's message.
func failsSaying(err error, field, text string) expect {
	return expect{err: err, field: field, text: text}
}

func mustCheck(t testing.TB, id string) Check {
	t.Helper()
	ch, ok := Lookup(id)
	if !ok {
		t.Fatalf("no check %s", id)
	}
	return ch
}

// runCheck builds the exchange and runs one check through Validate.
func runCheck(t testing.TB, s *scenario, id string) Result {
	t.Helper()
	res := Validate(context.Background(), s.build(t), &s.ctx, []Check{mustCheck(t, id)})
	if len(res) != 1 || res[0].ID != id {
		t.Fatalf("Validate returned %+v", res)
	}
	return res[0]
}

// assertResult checks a result against the expectation, and that no
// failure text holds a secret.
func assertResult(t testing.TB, r Result, want expect, secrets []string) {
	t.Helper()
	if r.Err != nil {
		for _, sec := range secrets {
			if strings.Contains(r.Err.Error(), sec) {
				t.Errorf("%s: error text leaks %q: %v", r.ID, sec, r.Err)
			}
		}
	}
	switch {
	case want.skip:
		if reason, ok := r.Skipped(); !ok || reason == "" {
			t.Errorf("%s: got %v, want a skip with a reason", r.ID, r.Err)
		}
	case want.err == nil:
		if !r.Passed() {
			t.Errorf("%s: got %v, want a pass", r.ID, r.Err)
		}
	default:
		if !r.Failed() {
			t.Fatalf("%s: got %v, want a failure %v", r.ID, r.Err, want.err)
		}
		if !errors.Is(r.Err, want.err) {
			t.Errorf("%s: got %v, want errors.Is %v", r.ID, r.Err, want.err)
		}
		fs := r.Failures()
		if len(fs) == 0 {
			t.Fatalf("%s: %v holds no *Failure", r.ID, r.Err)
		}
		fields := []string{}
		for _, f := range fs {
			if f.ID != r.ID {
				t.Errorf("failure ID %q in result %q", f.ID, r.ID)
			}
			fields = append(fields, f.Field)
		}
		if want.field != "" && !contains(fields, want.field) {
			t.Errorf("%s: failure fields %q, want %q (%v)", r.ID, fields, want.field, r.Err)
		}
		if want.text != "" && !strings.Contains(r.Err.Error(), want.text) {
			t.Errorf("%s: %v does not say %q", r.ID, r.Err, want.text)
		}
		if got := fs[0].Warning; got != want.warning {
			t.Errorf("%s: Warning = %v, want %v (%v)", r.ID, got, want.warning, r.Err)
		}
	}
}

// tcase is one table row: a change to the passing scenario and the result
// the check must give.
type tcase struct {
	name    string
	profile string // "bankid" when empty
	mutate  func(t testing.TB, s *scenario)
	want    expect
}

func runTable(t *testing.T, id string, cases []tcase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := tc.profile
			if p == "" {
				p = "bankid"
			}
			s := newScenario(t, p)
			if tc.mutate != nil {
				tc.mutate(t, s)
			}
			assertResult(t, runCheck(t, s, id), tc.want, s.secrets())
		})
	}
}

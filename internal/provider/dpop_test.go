package provider

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
)

// dpopKey signs DPoP proofs for the tests: the provider shares no code with
// the harness's signer (internal/exchange), so it has its own.
type dpopKey struct {
	priv *ecdsa.PrivateKey
	n    int
}

func newDPoPKey(t testing.TB) *dpopKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &dpopKey{priv: k}
}

// proofEdit changes a proof: its header and claims before signing, or the
// compact form after.
type proofEdit struct {
	header  func(h map[string]any)
	claims  func(c map[string]any)
	flipSig bool
}

// proof signs a proof for method and url (with ath for accessToken).
func (k *dpopKey) proof(t testing.TB, h *harness, method, url, accessToken string, e proofEdit) string {
	t.Helper()
	k.n++
	pub, _ := jwk.FromRaw(k.priv.Public())
	hdr := map[string]any{"typ": "dpop+jwt", "alg": "ES256", "jwk": pub}
	claims := map[string]any{"jti": fmt.Sprintf("jti-%d-%d", time.Now().UnixNano(), k.n), "htm": method, "htu": url, "iat": h.clock.Now().Unix()}
	if accessToken != "" {
		claims["ath"] = b64sha256(accessToken)
	}
	if e.header != nil {
		e.header(hdr)
	}
	if e.claims != nil {
		e.claims(claims)
	}
	headers := jws.NewHeaders()
	for name, v := range hdr {
		if name != "alg" {
			if err := headers.Set(name, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	payload, _ := json.Marshal(claims)
	signed, err := jws.Sign(payload, jws.WithKey(jwa.ES256, k.priv, jws.WithProtectedHeaders(headers)))
	if err != nil {
		t.Fatal(err)
	}
	out := string(signed)
	if e.flipSig {
		i := strings.LastIndexByte(out, '.')
		sig, _ := base64.RawURLEncoding.DecodeString(out[i+1:])
		sig[10] ^= 1
		out = out[:i+1] + base64.RawURLEncoding.EncodeToString(sig)
	}
	return out
}

// dpopToken redeems a fresh code with a proof changed by e and returns
// the outcome.
func dpopToken(t *testing.T, h *harness, k *dpopKey, e proofEdit) *result {
	return h.token(treq{form: validForm(h.code(authz{})), dpop: k.proof(t, h, http.MethodPost, h.url+PathToken, "", e)})
}

// dpopProbe is a wire probe of a DPoP defect: the outcome of a token
// request whose proof e changes.
func dpopProbe(e proofEdit) func(*testing.T, *harness) string {
	return func(t *testing.T, h *harness) string { return dpopToken(t, h, newDPoPKey(t), e).outcome() }
}

// dpopProbes are the wire tests of the DPoP defects (TestDefectsAtTheWire).
func dpopProbes() map[string]defectProbe {
	return map[string]defectProbe{
		dDPoPHTMUnchecked:       {dpopProbe(proofEdit{claims: func(c map[string]any) { c["htm"] = "GET" }}), "400 invalid_dpop_proof", "200 tokens"},
		dDPoPHTUUnchecked:       {dpopProbe(proofEdit{claims: func(c map[string]any) { c["htu"] = c["htu"].(string) + "/other" }}), "400 invalid_dpop_proof", "200 tokens"},
		dDPoPIATUnchecked:       {dpopProbe(proofEdit{claims: func(c map[string]any) { c["iat"] = c["iat"].(int64) - 600 }}), "400 invalid_dpop_proof", "200 tokens"},
		dDPoPSignatureUnchecked: {dpopProbe(proofEdit{flipSig: true}), "400 invalid_dpop_proof", "200 tokens"},
		dDPoPTypUnchecked:       {dpopProbe(proofEdit{header: func(hd map[string]any) { hd["typ"] = "JWT" }}), "400 invalid_dpop_proof", "200 tokens"},
		dDPoPPrivateKeyOK: {func(t *testing.T, h *harness) string {
			k := newDPoPKey(t)
			priv, _ := jwk.FromRaw(k.priv)
			return dpopToken(t, h, k, proofEdit{header: func(hd map[string]any) { hd["jwk"] = priv }}).outcome()
		}, "400 invalid_dpop_proof", "200 tokens"},
		dDPoPReplayOK: {func(t *testing.T, h *harness) string {
			k := newDPoPKey(t)
			proof := k.proof(t, h, http.MethodPost, h.url+PathToken, "", proofEdit{})
			first := h.token(treq{form: validForm(h.code(authz{})), dpop: proof})
			second := h.token(treq{form: validForm(h.code(authz{})), dpop: proof})
			return first.outcome() + ", " + second.outcome()
		}, "200 tokens, 400 invalid_dpop_proof", "200 tokens, 200 tokens"},
		dDPoPTokenTypeBearer: {func(t *testing.T, h *harness) string {
			return dpopToken(t, h, newDPoPKey(t), proofEdit{}).str("token_type")
		}, "DPoP", "Bearer"},
		dDPoPBoundAsBearer: {func(t *testing.T, h *harness) string {
			at := dpopToken(t, h, newDPoPKey(t), proofEdit{}).str("access_token")
			return fmt.Sprint(h.userinfo(at).status)
		}, "401", "200"},
		dDPoPNonceNoHeader: {func(t *testing.T, h *harness) string {
			r := dpopToken(t, h, newDPoPKey(t), proofEdit{claims: func(c map[string]any) { c["nonce"] = "stale" }})
			return r.outcome() + " nonce " + fmt.Sprint(r.header.Get("DPoP-Nonce") != "")
		}, "400 use_dpop_nonce nonce true", "400 use_dpop_nonce nonce false"},
		// Against the jwt-access-tokens variant (probeConfig).
		dDPoPJWTNoCnf: {func(t *testing.T, h *harness) string {
			k := newDPoPKey(t)
			return atCnf(t, dpopToken(t, h, k, proofEdit{}).str("access_token"), k)
		}, "cnf.jkt the proof key's", "no cnf.jkt"},
		// Against the dpop-nonce-clock variant (probeConfig): iat 10 minutes
		// old with a nonce the server never gave.
		dDPoPNonceUnverified: {dpopProbe(proofEdit{claims: func(c map[string]any) { c["iat"] = c["iat"].(int64) - 600; c["nonce"] = "never-given" }}),
			"400 use_dpop_nonce", "200 tokens"},
	}
}

// TestDPoP: the reference provider's DPoP (RFC 9449) as the harness and a
// client see it: a bound token, userinfo with the proof's ath, the nonce of
// the dpop-nonce variant, and a request without a proof.
func TestDPoP(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{DPoP: true})
	k := newDPoPKey(t)
	r := dpopToken(t, h, k, proofEdit{})
	at := r.str("access_token")
	ui := func(e proofEdit, ath string) int {
		return h.do(treq{method: http.MethodGet, auth: "DPoP " + at, dpop: k.proof(t, h, http.MethodGet, h.url+PathUserinfo, ath, e)}, PathUserinfo).status
	}
	other := newDPoPKey(t)
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"token_type", r.str("token_type"), "DPoP"},
		{"userinfo with the proof", fmt.Sprint(ui(proofEdit{}, at)), "200"},
		{"userinfo without ath", fmt.Sprint(ui(proofEdit{}, "")), "401"},
		{"userinfo with a proof of another key", fmt.Sprint(h.do(treq{method: http.MethodGet, auth: "DPoP " + at,
			dpop: other.proof(t, h, http.MethodGet, h.url+PathUserinfo, at, proofEdit{})}, PathUserinfo).status), "401"},
		{"userinfo as Bearer", fmt.Sprint(h.userinfo(at).status), "401"},
		{"no proof: a Bearer token", h.token(treq{form: validForm(h.code(authz{}))}).str("token_type"), "Bearer"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, tt.got, tt.want)
		}
	}

	n := newHarness(t, Config{DPoP: true, Variants: []string{vDPoPNonce}})
	first := dpopToken(t, n, k, proofEdit{})
	nonce := first.header.Get("DPoP-Nonce")
	second := dpopToken(t, n, k, proofEdit{claims: func(c map[string]any) { c["nonce"] = nonce }})
	if got := first.outcome() + ", " + second.outcome(); got != "400 use_dpop_nonce, 200 tokens" || nonce == "" {
		t.Errorf("dpop-nonce: %s (nonce %q), want 400 use_dpop_nonce with a nonce, then 200 tokens", got, nonce)
	}
}

// atCnf says whether a JWT access token's cnf.jkt is the thumbprint of k
// (RFC 9449 §6.1), or what else it is.
func atCnf(t *testing.T, at string, k *dpopKey) string {
	t.Helper()
	parts := strings.Split(at, ".")
	if len(parts) != 3 {
		return "opaque"
	}
	var c struct {
		Cnf struct {
			JKT string `json:"jkt"`
		} `json:"cnf"`
	}
	if err := json.Unmarshal(mustPayload(t, at), &c); err != nil {
		t.Fatal(err)
	}
	pub, _ := jwk.FromRaw(k.priv.Public())
	thumb, _ := pub.Thumbprint(crypto.SHA256)
	switch c.Cnf.JKT {
	case "":
		return "no cnf.jkt"
	case base64.RawURLEncoding.EncodeToString(thumb):
		return "cnf.jkt the proof key's"
	}
	return "cnf.jkt " + c.Cnf.JKT
}

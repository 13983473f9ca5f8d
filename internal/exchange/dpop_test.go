package exchange

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jws"

	"github.com/tokenbench/tokenbench/internal/redact"
)

// decodedProof verifies a proof with the jwk it carries and returns its
// header and claims.
func decodedProof(t *testing.T, proof string) (map[string]any, map[string]any) {
	t.Helper()
	msg, err := jws.Parse([]byte(proof))
	if err != nil {
		t.Fatalf("proof: %v", err)
	}
	sig := msg.Signatures()[0]
	key := sig.ProtectedHeaders().JWK()
	if key == nil {
		t.Fatal("proof without jwk")
	}
	_, verifyErr := jws.Verify([]byte(proof), jws.WithKey(sig.ProtectedHeaders().Algorithm(), key))
	parts := strings.Split(proof, ".")
	var hdr, claims map[string]any
	for i, dst := range []*map[string]any{&hdr, &claims} {
		b, _ := base64.RawURLEncoding.DecodeString(parts[i])
		if err := json.Unmarshal(b, dst); err != nil {
			t.Fatal(err)
		}
	}
	hdr["verifies"] = verifyErr == nil
	return hdr, claims
}

func TestDPoPProof(t *testing.T) {
	t.Parallel()
	for _, alg := range []string{AlgES256, AlgRS256, AlgPS256} {
		k, err := NewDPoPKey(alg, nil)
		if err != nil {
			t.Fatal(err)
		}
		k.now = func() time.Time { return time.Unix(1_800_000_000, 0) }
		p1, _ := k.Proof("POST", "https://as.example/token?x=1#f", "", ProofChange{})
		p2, _ := k.Proof("GET", "https://rs.example/userinfo", "at-1", ProofChange{})
		h1, c1 := decodedProof(t, p1)
		_, c2 := decodedProof(t, p2)
		sum := sha256.Sum256([]byte("at-1"))
		switch {
		case h1["typ"] != ProofType || h1["alg"] != alg || h1["verifies"] != true:
			t.Errorf("%s: header %v", alg, h1)
		case c1["htm"] != "POST" || c1["htu"] != "https://as.example/token" || c1["iat"] != float64(1_800_000_000):
			t.Errorf("%s: claims %v", alg, c1)
		case c1["jti"] == c2["jti"] || c1["jti"] == "":
			t.Errorf("%s: jti %v, %v: want fresh ones", alg, c1["jti"], c2["jti"])
		case c1["ath"] != nil || c2["ath"] != base64.RawURLEncoding.EncodeToString(sum[:]):
			t.Errorf("%s: ath %v, %v", alg, c1["ath"], c2["ath"])
		}
		if jwkMap, _ := h1["jwk"].(map[string]any); jwkMap["d"] != nil {
			t.Errorf("%s: the proof's jwk carries the private key", alg)
		}
	}
	if _, err := NewDPoPKey("HS256", nil); err == nil || !strings.Contains(err.Error(), `"HS256"`) {
		t.Errorf("NewDPoPKey(HS256): %v", err)
	}
}

func TestProofChanges(t *testing.T) {
	t.Parallel()
	k, _ := NewDPoPKey(AlgES256, nil)
	tests := []struct {
		name  string
		ch    ProofChange
		check func(h, c map[string]any) bool
	}{
		{"htm", ProofChange{HTM: "GET"}, func(h, c map[string]any) bool { return c["htm"] == "GET" && h["verifies"] == true }},
		{"htu", ProofChange{HTU: "https://other"}, func(h, c map[string]any) bool { return c["htu"] == "https://other" }},
		{"iat", ProofChange{IATOffset: -10 * time.Minute}, func(h, c map[string]any) bool {
			return time.Since(time.Unix(int64(c["iat"].(float64)), 0)) > 9*time.Minute
		}},
		{"typ", ProofChange{Typ: "JWT"}, func(h, c map[string]any) bool { return h["typ"] == "JWT" }},
		{"private jwk", ProofChange{PrivateJWK: true}, func(h, c map[string]any) bool { return h["jwk"].(map[string]any)["d"] != nil }},
		{"signature", ProofChange{FlipSig: true}, func(h, c map[string]any) bool { return h["verifies"] == false }},
	}
	for _, tt := range tests {
		p, err := k.Proof("POST", "https://as.example/token", "", tt.ch)
		if err != nil {
			t.Fatal(err)
		}
		h, c := decodedProof(t, p)
		if !tt.check(h, c) {
			t.Errorf("%s: header %v claims %v", tt.name, h, c)
		}
	}
}

// TestDPoPNonceRetry: a use_dpop_nonce answer is retried once with a proof
// carrying the server's nonce, later requests carry it from the start, a
// replayed proof is not re-signed, and every proof is registered for
// redaction and masked in the evidence.
func TestDPoPNonceRetry(t *testing.T) {
	t.Parallel()
	var (
		mu     sync.Mutex
		proofs []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proof := r.Header.Get("DPoP")
		mu.Lock()
		proofs = append(proofs, proof)
		mu.Unlock()
		parts := strings.Split(proof, ".")
		b, _ := base64.RawURLEncoding.DecodeString(parts[1])
		var c map[string]any
		_ = json.Unmarshal(b, &c)
		w.Header().Set("Content-Type", "application/json")
		if c["nonce"] != "n-1" {
			w.Header().Set("DPoP-Nonce", "n-1")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error":"use_dpop_nonce"}`))
			return
		}
		_, _ = w.Write([]byte(`{"access_token":"at-secret-value","token_type":"DPoP"}`))
	}))
	t.Cleanup(srv.Close)
	k, _ := NewDPoPKey(AlgES256, nil)
	reg := redact.New()
	c := NewClient().Registering(reg)
	s := Spec{Method: http.MethodPost, URL: srv.URL + "/token", Body: BodyForm, Params: []Param{{"grant_type", "x"}}}
	x := c.Do(context.Background(), s.With(WithDPoP(k)))
	if x.Status() != 200 || x.NonceRetry == nil || x.NonceRetry.OAuthError() != ErrUseDPoPNonce {
		t.Fatalf("first request: %d, retry of %v", x.Status(), x.NonceRetry)
	}
	y := c.Do(context.Background(), s.With(WithDPoP(k)))
	if y.Status() != 200 || y.NonceRetry != nil {
		t.Errorf("second request: %d, retried %v: want the nonce from the start", y.Status(), y.NonceRetry != nil)
	}
	z := c.Do(context.Background(), s.With(WithDPoP(k), ReplayProof(x.NonceRetry.Request.Header.Get(HeaderDPoP))))
	if z.Status() != 400 || z.NonceRetry != nil {
		t.Errorf("replayed proof without the nonce: %d, retried %v: want 400, not re-signed", z.Status(), z.NonceRetry != nil)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(proofs) != 4 {
		t.Fatalf("%d requests, want 4", len(proofs))
	}
	for _, p := range proofs {
		if reg.String("x "+p) != "x "+redact.Mask {
			t.Errorf("a proof is not registered for redaction")
		}
	}
	r := x.Redacted(reg)
	if got := r.Request.Header.Get(HeaderDPoP); got != redact.Mask {
		t.Errorf("redacted DPoP header %q", got)
	}
}

func TestDPoPKeyFile(t *testing.T) {
	t.Parallel()
	der, _ := x509.MarshalECPrivateKey(testKeys().ec)
	ck, err := ParseClientKey([]byte(pemOf("EC PRIVATE KEY", der)))
	if err != nil {
		t.Fatal(err)
	}
	k, err := NewDPoPKey(AlgES256, ck.Signer)
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := Thumbprint(ck.Signer.Public()); k.JKT() != want {
		t.Errorf("JKT %s, want the key's thumbprint %s", k.JKT(), want)
	}
	if _, err := NewDPoPKey(AlgRS256, ck.Signer); err == nil {
		t.Error("RS256 with an EC key: no error")
	}
	if strings.Contains(k.String(), k.Secrets()[0]) || len(k.Secrets()) == 0 {
		t.Errorf("String %q shows the key, or no secrets", k.String())
	}
}

// TestDPoPNonceRetryResignsAssertion: the retry of a use_dpop_nonce answer
// carries a new client assertion (RFC 7523 §3: a jti is used once; node
// oidc-provider refuses the reused one with invalid_client), built as the
// first was (an AssertionWith probe keeps its edits), while an assertion a
// probe set itself (AUTH-JWT-JTI-REPLAY) is sent again as it is.
func TestDPoPNonceRetryResignsAssertion(t *testing.T) {
	t.Parallel()
	var (
		mu   sync.Mutex
		seen []string // client_assertion of every request
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		mu.Lock()
		seen = append(seen, r.PostForm.Get(ParamClientAssertion))
		mu.Unlock()
		if len(seen)%2 == 1 { // every first request of a pair: a new nonce
			w.Header().Set("DPoP-Nonce", fmt.Sprintf("n-%d", len(seen)))
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error":"use_dpop_nonce"}`))
			return
		}
		_, _ = w.Write([]byte(`{"access_token":"at","token_type":"DPoP"}`))
	}))
	t.Cleanup(srv.Close)
	a := jwtAuthenticators(t)[0].a
	k, _ := NewDPoPKey(AlgES256, nil)
	c := NewClient()
	base := Spec{Method: http.MethodPost, URL: srv.URL + "/token", Body: BodyForm, Params: []Param{{"grant_type", "x"}}}
	earlier := base.With(a.Authenticate)
	a.Authenticate(&base)
	fixed, _ := base.Get(ParamClientAssertion)
	replayed, _ := earlier.Get(ParamClientAssertion) // an earlier request's, as AUTH-JWT-JTI-REPLAY sends it
	tests := []struct {
		name  string
		ms    []Mutation
		fresh bool
	}{
		{"as authenticated", nil, true},
		{"AssertionWith another audience", []Mutation{AssertionWith(Audience("other"))}, true},
		{"an assertion the probe set", []Mutation{Set(ParamClientAssertion, replayed)}, false},
	}
	for i, tt := range tests {
		x := c.Do(context.Background(), base.With(append([]Mutation{WithDPoP(k)}, tt.ms...)...))
		mu.Lock()
		first, retry := seen[2*i], seen[2*i+1]
		mu.Unlock()
		if x.NonceRetry == nil || (first != retry) != tt.fresh {
			t.Errorf("%s: retried %v, a new assertion %v, want %v", tt.name, x.NonceRetry != nil, first != retry, tt.fresh)
		}
		if tt.fresh && i == 1 {
			claims := func(s string) string {
				b, _ := base64.RawURLEncoding.DecodeString(strings.Split(s, ".")[1])
				return string(b)
			}
			if !strings.Contains(claims(retry), `"aud":"other"`) {
				t.Errorf("%s: the retry's assertion lost the edit: %s", tt.name, claims(retry))
			}
		}
	}
	if got, _ := base.Get(ParamClientAssertion); got != fixed {
		t.Errorf("the retry changed the caller's Spec")
	}
}

package provider

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestPlatformV4 shows the switches a profile of the current BankID
// platform turns on (target.FollowProfile): ES256 with R‖S signatures that
// verify with the JWKS, nonce and PKCE required at authorize, refresh
// tokens, client_id next to Basic, 300 s tokens and the v4 claims.
func TestPlatformV4(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{SigningAlg: AlgES256, RequireNonce: true, RequirePKCE: true, Grants: Grants(),
		ClientIDWithBasic: true, TokenTTL: 300 * time.Second, AMR: []string{"bid"}, Claims: []string{ClaimACR, ClaimAltSub, ClaimTyp}})
	withPKCE := authz{nonce: "n-1", challenge: s256(verifier43), method: "S256"}

	tests := []struct {
		name string
		got  func() string
		want string
	}{
		{"authorize without nonce", func() string { return authzOutcome(h, authz{challenge: s256(verifier43), method: "S256"}) }, "invalid_request"},
		{"authorize without PKCE", func() string { return authzOutcome(h, authz{nonce: "n-1"}) }, "invalid_request"},
		{"authorize with both", func() string { return authzOutcome(h, withPKCE) }, "code"},
		{"client_id next to Basic", func() string {
			return h.token(treq{form: formWith(h.code(withPKCE), "code_verifier", verifier43, "client_id", clientA)}).outcome()
		}, "200 tokens"},
		{"the token response", func() string {
			r := h.token(treq{form: formWith(h.code(withPKCE), "code_verifier", verifier43)})
			j := r.idToken(t)
			return fmt.Sprint(string(r.members()["expires_in"]), " refresh ", r.str("refresh_token") != "", " ",
				str(j.header, "alg"), " ", len(j.signature), " verifies ", h.verify(j.raw) == nil, " ",
				num(j.claims, "exp")-num(j.claims, "iat"), " ", string(j.claims["amr"]), " ", str(j.claims, "acr"), " ",
				str(j.claims, "typ"), " ", str(j.claims, "bankid_altsub") != "")
		}, "300 refresh true ES256 64 verifies true 300 [\"bid\"] urn:bankid:bid;LOA=4 ID true"},
		{"discovery", func() string {
			return strings.Join([]string{discoveryMember("id_token_signing_alg_values_supported")(t, h)}, "")
		}, `["ES256"]`},
	}
	for _, tt := range tests {
		if got := tt.got(); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
	if _, err := New(Config{SigningAlg: "PS256"}); err == nil || !strings.Contains(err.Error(), `SigningAlg "PS256"`) {
		t.Errorf("New(PS256): %v", err)
	}
	if _, err := New(Config{Claims: []string{"email"}}); err == nil || !strings.Contains(err.Error(), `claim "email"`) {
		t.Errorf("New(claim email): %v", err)
	}
}

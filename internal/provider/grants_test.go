package provider

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// grantConfig is cfg serving both grants.
func grantConfig(cfg Config) Config {
	cfg.Grants = Grants()
	return cfg
}

func refreshForm(rt string, extra ...string) url.Values {
	f := url.Values{"grant_type": {GrantRefreshToken}, "refresh_token": {rt}}
	for i := 0; i+1 < len(extra); i += 2 {
		f.Set(extra[i], extra[i+1])
	}
	return f
}

// TestRefreshChain walks one chain through rotation, reuse and family
// revocation, clean and under each defect that changes a step.
func TestRefreshChain(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		cfg      Config
		rotated  bool   // the refresh returns a new token
		reuse    string // outcome of presenting the first token again
		newest   string // outcome of the newest token after that
		userinfo int    // userinfo with the refresh's access token after that
	}{
		{"clean", Config{}, true, "400 invalid_grant", "400 invalid_grant", http.StatusUnauthorized},
		{"no rotation variant", Config{Variants: []string{vRefreshNoRotation}}, false, "200 tokens", "200 tokens", http.StatusOK},
		{dRefreshNotRotated, withDefects(dRefreshNotRotated), false, "200 tokens", "200 tokens", http.StatusOK},
		{dRefreshReuseAccepted, withDefects(dRefreshReuseAccepted), true, "200 tokens", "200 tokens", http.StatusOK},
		{dRefreshReuseKeepsFamily, withDefects(dRefreshReuseKeepsFamily), true, "400 invalid_grant", "200 tokens", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, grantConfig(tt.cfg))
			x := h.exchange()
			first := x.str("refresh_token")
			if x.status != 200 || first == "" {
				t.Fatalf("code exchange: %s, refresh token %t", x.outcome(), first != "")
			}
			r := h.token(treq{form: refreshForm(first)})
			if r.outcome() != "200 tokens" {
				t.Fatalf("refresh: %s", r.outcome())
			}
			next := r.str("refresh_token")
			if got := next != "" && next != first; got != tt.rotated {
				t.Errorf("rotated = %t, want %t", got, tt.rotated)
			}
			if next == "" {
				next = first
			}
			if got := h.token(treq{form: refreshForm(first)}).outcome(); got != tt.reuse {
				t.Errorf("reuse of the first token: %s, want %s", got, tt.reuse)
			}
			if got := h.token(treq{form: refreshForm(next)}).outcome(); got != tt.newest {
				t.Errorf("newest token after the reuse: %s, want %s", got, tt.newest)
			}
			if got := h.userinfo(r.str("access_token")).status; got != tt.userinfo {
				t.Errorf("userinfo with the refresh's access token: %d, want %d", got, tt.userinfo)
			}
		})
	}
}

// TestRefreshRefusals covers the refusals of one refresh request, clean and
// under the defect that breaks each.
func TestRefreshRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  Config
		req  func(h *harness, rt string) treq
		want string
	}{
		{"missing", Config{}, func(_ *harness, _ string) treq {
			return treq{form: url.Values{"grant_type": {GrantRefreshToken}}}
		}, "400 invalid_request"},
		{dRefreshMissingWrongError, withDefects(dRefreshMissingWrongError), func(_ *harness, _ string) treq {
			return treq{form: url.Values{"grant_type": {GrantRefreshToken}}}
		}, "400 invalid_grant"},
		{"unknown", Config{}, func(_ *harness, _ string) treq { return treq{form: refreshForm("nope")} }, "400 invalid_grant"},
		{dRefreshUnknownWrongError, withDefects(dRefreshUnknownWrongError), func(_ *harness, _ string) treq { return treq{form: refreshForm("nope")} }, "400 invalid_request"},
		{"other client", Config{}, func(_ *harness, rt string) treq {
			return treq{form: refreshForm(rt), auth: basic(clientB, secretB)}
		}, "400 invalid_grant"},
		{dRefreshNotBound, withDefects(dRefreshNotBound), func(_ *harness, rt string) treq {
			return treq{form: refreshForm(rt), auth: basic(clientB, secretB)}
		}, "200 tokens"},
		{"wider scope", Config{}, func(_ *harness, rt string) treq { return treq{form: refreshForm(rt, "scope", "openid profile")} }, "400 invalid_scope"},
		{dRefreshScopeWidened, withDefects(dRefreshScopeWidened), func(_ *harness, rt string) treq {
			return treq{form: refreshForm(rt, "scope", "openid profile")}
		}, "200 tokens"},
		{"expired", Config{}, func(h *harness, rt string) treq {
			h.clock.Advance(DefaultRefreshTTL)
			return treq{form: refreshForm(rt)}
		}, "400 invalid_grant"},
		{dRefreshNeverExpires, withDefects(dRefreshNeverExpires), func(h *harness, rt string) treq {
			h.clock.Advance(DefaultRefreshTTL)
			return treq{form: refreshForm(rt)}
		}, "200 tokens"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, grantConfig(tt.cfg))
			x := h.exchange()
			if got := h.token(tt.req(h, x.str("refresh_token"))).outcome(); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

// TestRefreshRevokedOnCodeReuse: a reused code revokes its refresh tokens,
// unless refresh-survives-code-reuse.
func TestRefreshRevokedOnCodeReuse(t *testing.T) {
	t.Parallel()
	for cfg, want := range map[*Config]string{{}: "400 invalid_grant", ptr(withDefects(dRefreshSurvivesCodeReuse)): "200 tokens"} {
		h := newHarness(t, grantConfig(*cfg))
		code := h.code(authz{})
		x := h.token(treq{form: validForm(code)})
		h.token(treq{form: validForm(code)})
		if got := h.token(treq{form: refreshForm(x.str("refresh_token"))}).outcome(); got != want {
			t.Errorf("%v: refresh after the code's reuse: %s, want %s", cfg.Defects, got, want)
		}
	}
}

func ptr[T any](v T) *T { return &v }

// TestRefreshedIDToken: OIDC Core §12.2 keeps sub and auth_time and drops
// the nonce; refresh-idt-other-sub changes sub.
func TestRefreshedIDToken(t *testing.T) {
	t.Parallel()
	for _, defect := range []string{"", dRefreshIDTOtherSub} {
		cfg := Config{}
		if defect != "" {
			cfg = withDefects(defect)
		}
		h := newHarness(t, grantConfig(cfg))
		x := h.token(treq{form: validForm(h.code(authz{nonce: "n-1"}))})
		h.clock.Advance(2 * time.Second)
		r := h.token(treq{form: refreshForm(x.str("refresh_token"))})
		before, after := x.idToken(t), r.idToken(t)
		if err := h.verify(r.str("id_token")); err != nil {
			t.Errorf("%q: refreshed ID token: %v", defect, err)
		}
		sameSub := str(before.claims, "sub") == str(after.claims, "sub")
		if sameSub != (defect == "") {
			t.Errorf("%q: same sub = %t", defect, sameSub)
		}
		if num(before.claims, "auth_time") != num(after.claims, "auth_time") || num(after.claims, "iat") <= num(before.claims, "iat") {
			t.Errorf("%q: auth_time %d -> %d, iat %d -> %d", defect, num(before.claims, "auth_time"), num(after.claims, "auth_time"), num(before.claims, "iat"), num(after.claims, "iat"))
		}
		if _, ok := after.claims["nonce"]; ok {
			t.Errorf("%q: the refreshed ID token has a nonce", defect)
		}
	}
}

// TestClientCredentials: an access token only, for an authenticated client;
// the defects add what must not be there or let anyone in.
func TestClientCredentials(t *testing.T) {
	t.Parallel()
	cc := url.Values{"grant_type": {GrantClientCredentials}, "scope": {"tokenbench.api"}}
	tests := []struct {
		name    string
		cfg     Config
		auth    string
		want    string
		members []string // present
		absent  []string
	}{
		{"clean", Config{}, "", "200 tokens", []string{"access_token", "scope", "token_type"}, []string{"refresh_token", "id_token"}},
		{"unauthenticated", Config{}, "-", "401 invalid_client", nil, nil},
		{dCCUnauthenticated, withDefects(dCCUnauthenticated), "-", "200 tokens", nil, nil},
		{dCCRefreshToken, withDefects(dCCRefreshToken), "", "200 tokens", []string{"refresh_token"}, nil},
		{dCCIDToken, withDefects(dCCIDToken), "", "200 tokens", []string{"id_token"}, nil},
		{vCCNoScope, Config{Variants: []string{vCCNoScope}}, "", "200 tokens", nil, []string{"scope"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, grantConfig(tt.cfg))
			r := h.token(treq{form: cc, auth: tt.auth})
			if got := r.outcome(); got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
			for _, m := range tt.members {
				if _, ok := r.members()[m]; !ok {
					t.Errorf("no %s", m)
				}
			}
			for _, m := range tt.absent {
				if _, ok := r.members()[m]; ok {
					t.Errorf("%s present", m)
				}
			}
		})
	}
}

// TestGrantsOff: without Config.Grants, both grants are unsupported and
// discovery lists the code alone, as the seed says.
func TestGrantsOff(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	for _, f := range []url.Values{refreshForm("x"), {"grant_type": {GrantClientCredentials}}} {
		if got := h.token(treq{form: f}).outcome(); got != "400 unsupported_grant_type" {
			t.Errorf("%s: %s", f.Get("grant_type"), got)
		}
	}
	if x := h.exchange(); x.str("refresh_token") != "" {
		t.Error("a refresh token without the refresh_token grant")
	}
}

// grantProbes show each grant defect and grant variant at the wire, both
// grants served.
func grantProbes() map[string]defectProbe {
	chain := func(h *harness) (*result, *result) {
		x := h.exchange()
		return x, h.token(treq{form: refreshForm(x.str("refresh_token"))})
	}
	cc := func(h *harness) *result {
		return h.token(treq{form: url.Values{"grant_type": {GrantClientCredentials}, "scope": {"tokenbench.api"}}})
	}
	has := func(r *result, m string) string { _, ok := r.members()[m]; return fmt.Sprint(ok) }
	return map[string]defectProbe{
		dRefreshNotIssued: {func(_ *testing.T, h *harness) string { return has(h.exchange(), "refresh_token") }, "true", "false"},
		dRefreshNoStore: {func(_ *testing.T, h *harness) string {
			// On the wire: net/http's client adds Cache-Control: no-cache
			// to a response with Pragma: no-cache and none.
			return fmt.Sprint(h.wireHeader(treq{form: refreshForm(h.exchange().str("refresh_token"))}, PathToken, "Cache-Control"))
		}, "[no-store]", "[]"},
		dRefreshNotRotated: {func(_ *testing.T, h *harness) string {
			x, r := chain(h)
			return fmt.Sprint(r.str("refresh_token") == x.str("refresh_token"))
		}, "false", "true"},
		dRefreshReuseAccepted: {func(_ *testing.T, h *harness) string {
			x, _ := chain(h)
			return h.token(treq{form: refreshForm(x.str("refresh_token"))}).outcome()
		}, "400 invalid_grant", "200 tokens"},
		dRefreshReuseKeepsFamily: {func(_ *testing.T, h *harness) string {
			x, r := chain(h)
			h.token(treq{form: refreshForm(x.str("refresh_token"))})
			return h.token(treq{form: refreshForm(r.str("refresh_token"))}).outcome()
		}, "400 invalid_grant", "200 tokens"},
		dRefreshNotBound: {func(_ *testing.T, h *harness) string {
			return h.token(treq{form: refreshForm(h.exchange().str("refresh_token")), auth: basic(clientB, secretB)}).outcome()
		}, "400 invalid_grant", "200 tokens"},
		dRefreshScopeWidened: {func(_ *testing.T, h *harness) string {
			return h.token(treq{form: refreshForm(h.exchange().str("refresh_token"), "scope", "openid profile")}).outcome()
		}, "400 invalid_scope", "200 tokens"},
		dRefreshIDTOtherSub: {func(t *testing.T, h *harness) string {
			x, r := chain(h)
			return fmt.Sprint(str(x.idToken(t).claims, "sub") == str(r.idToken(t).claims, "sub"))
		}, "true", "false"},
		dRefreshNeverExpires: {func(_ *testing.T, h *harness) string {
			x := h.exchange()
			h.clock.Advance(DefaultRefreshTTL)
			return h.token(treq{form: refreshForm(x.str("refresh_token"))}).outcome()
		}, "400 invalid_grant", "200 tokens"},
		dRefreshSurvivesCodeReuse: {func(_ *testing.T, h *harness) string {
			code := h.code(authz{})
			x := h.token(treq{form: validForm(code)})
			h.token(treq{form: validForm(code)})
			return h.token(treq{form: refreshForm(x.str("refresh_token"))}).outcome()
		}, "400 invalid_grant", "200 tokens"},
		dRefreshMissingWrongError: {outcomeOf(func(*harness) treq { return treq{form: url.Values{"grant_type": {GrantRefreshToken}}} }),
			"400 invalid_request", "400 invalid_grant"},
		dRefreshUnknownWrongError: {outcomeOf(func(*harness) treq { return treq{form: refreshForm("nope")} }),
			"400 invalid_grant", "400 invalid_request"},
		dShortRefreshTokens: {func(_ *testing.T, h *harness) string { return fmt.Sprint(len(h.exchange().str("refresh_token"))) }, "43", "8"},
		dCCNoStore: {func(_ *testing.T, h *harness) string {
			return fmt.Sprint(h.wireHeader(treq{form: url.Values{"grant_type": {GrantClientCredentials}}}, PathToken, "Cache-Control"))
		}, "[no-store]", "[]"},
		dCCRefreshToken: {func(_ *testing.T, h *harness) string { return has(cc(h), "refresh_token") }, "false", "true"},
		dCCIDToken:      {func(_ *testing.T, h *harness) string { return has(cc(h), "id_token") }, "false", "true"},
		dCCUnauthenticated: {outcomeOf(func(*harness) treq {
			return treq{form: url.Values{"grant_type": {GrantClientCredentials}}, auth: "-"}
		}), "401 invalid_client", "200 tokens"},
		dDiscGrantsCodeOnly: {func(_ *testing.T, h *harness) string {
			var d struct {
				Grants []string `json:"grant_types_supported"`
			}
			_ = json.Unmarshal(h.get(PathDiscovery).body, &d)
			return strings.Join(d.Grants, " ")
		}, "authorization_code refresh_token client_credentials", "authorization_code"},
		// Variants: the clean answer, then the variant's.
		vRefreshNoRotation: {func(_ *testing.T, h *harness) string {
			x, r := chain(h)
			return has(r, "refresh_token") + " " + h.token(treq{form: refreshForm(x.str("refresh_token"))}).outcome()
		}, "true 400 invalid_grant", "false 200 tokens"},
		vRefreshNoIDToken: {func(_ *testing.T, h *harness) string { _, r := chain(h); return has(r, "id_token") }, "true", "false"},
		vCCNoScope:        {func(_ *testing.T, h *harness) string { return has(cc(h), "scope") }, "true", "false"},
		vRefreshScopeKept: {func(_ *testing.T, h *harness) string {
			x := h.exchange()
			r := h.token(treq{form: refreshForm(x.str("refresh_token"), "scope", x.str("scope")+" profile")})
			return r.outcome() + " " + fmt.Sprint(r.str("scope") == x.str("scope"))
		}, "400 invalid_scope false", "200 tokens true"},
	}
}

// TestGrantDefectsAtTheWire shows every grant defect's and grant variant's
// effect: the clean answer from the provider serving both grants, the
// defective (or variant) one with it switched on.
func TestGrantDefectsAtTheWire(t *testing.T) {
	t.Parallel()
	probes := grantProbes()
	for _, d := range grantDefects() {
		if _, ok := probes[d.Name]; !ok {
			t.Errorf("grant defect %s has no wire test", d.Name)
		}
	}
	for _, v := range VariantNames() {
		if _, ok := probes[v]; GrantVariant(v) && !ok {
			t.Errorf("grant variant %s has no wire test", v)
		}
	}
	for name, dp := range probes {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := dp.probe(t, newHarness(t, grantConfig(Config{}))); got != dp.clean {
				t.Errorf("clean provider: %s, want %s", got, dp.clean)
			}
			cfg := withDefects(name)
			if GrantVariant(name) {
				cfg = Config{Variants: []string{name}}
			}
			if got := dp.probe(t, newHarness(t, grantConfig(cfg))); got != dp.defect {
				t.Errorf("with %s: %s, want %s", name, got, dp.defect)
			}
		})
	}
}

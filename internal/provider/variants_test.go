package provider

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// variantProbes has one probe per variant, in the defect probes' form.
func variantProbes() map[string]defectProbe {
	return map[string]defectProbe{
		vLowercaseBearer: {successProbe(func(t *testing.T, h *harness, r *result) string { return r.str("token_type") }), "Bearer", "bearer"},
		vPlainJSON: {func(t *testing.T, h *harness) string {
			return h.exchange().header.Get("Content-Type") + ", " + h.token(treq{form: validForm("unknown")}).header.Get("Content-Type")
		}, "application/json;charset=utf-8, application/json;charset=utf-8", "application/json, application/json"},
		vCacheControlExtra: {successProbe(func(t *testing.T, h *harness, r *result) string { return r.header.Get("Cache-Control") }),
			"no-store", "no-store, no-cache, max-age=0"},
		vExtraMembers: {successProbe(func(t *testing.T, h *harness, r *result) string { return fmt.Sprint(memberOrder(t, r.body)) }),
			"[access_token expires_in id_token scope token_type]",
			"[access_token expires_in id_token scope token_type x_tokenbench_note not-before-policy x_tokenbench_object]"},
		vAudArray: {claimProbe("aud", authz{}), `"tokenbench"`, `["tokenbench","other-audience"]`},
		vMultiKeyJWKS: {func(t *testing.T, h *harness) string {
			var set struct {
				Keys []struct{ Kid, Kty string } `json:"keys"`
			}
			_ = json.Unmarshal(h.get(PathJWKS).body, &set)
			return fmt.Sprint(set.Keys)
		}, "[{bankid-oauth RSA}]", "[{bankid-oauth-next RSA} {bankid-oauth-ec EC} {bankid-oauth RSA}]"},
		vNoErrorDesc: {errorProbe(func(r *result) string { return string(r.body) }),
			`{"error":"invalid_grant","error_description":"the code is unknown"}`, `{"error":"invalid_grant"}`},
		vShuffledMembers: {func(t *testing.T, h *harness) string {
			r := h.exchange()
			claims := memberOrder(t, mustPayload(t, r.str("id_token")))
			return fmt.Sprintf("%v %s %v", memberOrder(t, r.body), claims[0], memberOrder(t, h.token(treq{form: validForm("unknown")}).body))
		}, "[access_token expires_in id_token scope token_type] amr [error error_description]",
			"[token_type scope id_token expires_in access_token] sub [error_description error]"},
		vNonceAbsent: {claimProbe("nonce", authz{}), "null", "<absent>"},
		vDPoPNonce: {func(t *testing.T, h *harness) string {
			r := dpopToken(t, h, newDPoPKey(t), proofEdit{})
			return r.outcome() + " nonce " + fmt.Sprint(r.header.Get("DPoP-Nonce") != "")
		}, "200 tokens nonce false", "400 use_dpop_nonce nonce true"},
		vJWTAccessTokens: {func(t *testing.T, h *harness) string {
			k := newDPoPKey(t)
			bound := atCnf(t, dpopToken(t, h, k, proofEdit{}).str("access_token"), k)
			return bound + ", bearer " + atCnf(t, h.exchange().str("access_token"), k)
		}, "opaque, bearer opaque", "cnf.jkt the proof key's, bearer no cnf.jkt"},
		vDPoPNonceClock: {func(t *testing.T, h *harness) string {
			k := newDPoPKey(t)
			stale := dpopToken(t, h, k, proofEdit{claims: func(c map[string]any) { c["iat"] = c["iat"].(int64) - 600; c["nonce"] = dpopNonce }})
			return stale.outcome() + ", " + dpopToken(t, h, k, proofEdit{}).outcome()
		}, "400 invalid_dpop_proof, 200 tokens", "200 tokens, 400 use_dpop_nonce"},
		vNoUserinfo: {func(t *testing.T, h *harness) string {
			var d map[string]any
			_ = json.Unmarshal(h.get(PathDiscovery).body, &d)
			_, listed := d["userinfo_endpoint"]
			return fmt.Sprintf("listed %v, userinfo %d", listed, h.userinfo(h.exchange().str("access_token")).status)
		}, "listed true, userinfo 200", "listed false, userinfo 404"},
		vIntrospection: {func(t *testing.T, h *harness) string {
			var d map[string]any
			_ = json.Unmarshal(h.get(PathDiscovery).body, &d)
			at := h.exchange().str("access_token")
			valid := h.do(treq{form: url.Values{"token": {at}}}, PathIntrospect)
			unknown := h.do(treq{form: url.Values{"token": {"nope"}}}, PathIntrospect)
			noAuth := h.do(treq{auth: "-", form: url.Values{"token": {at}}}, PathIntrospect)
			return fmt.Sprintf("%v, %d %s, %d %s, %s", d["introspection_endpoint"] != nil, valid.status, valid.body, unknown.status, unknown.body, noAuth.outcome())
		}, "false, 404 404 page not found\n, 404 404 page not found\n, 404 ",
			`true, 200 {"active":true}, 200 {"active":false}, 401 invalid_client`},
		vSessionNeedsACR: {func(t *testing.T, h *harness) string {
			lh := newHarness(t, Config{Login: LoginJS, Variants: h.p.cfg.Variants})
			c := newLoginClient(lh)
			id, _ := c.start(loginQuery)
			c.post("/login/api/user", map[string]string{"interaction": id, "user": LoginUser})
			c.post("/login/api/otp", map[string]string{"interaction": id, "otp": LoginOTP})
			c.finish(id)
			plain, _ := c.start(loginQuery)
			acr, _ := c.start(loginQuery + "&acr_values=" + sessionACR)
			return fmt.Sprintf("session without acr_values: login page %v; with: login page %v", plain != "", acr != "")
		}, "session without acr_values: login page false; with: login page false", "session without acr_values: login page true; with: login page false"},
		vNonceRequired: {func(t *testing.T, h *harness) string {
			loc, _ := url.Parse(h.authorize(authz{}).Header.Get("Location"))
			with := h.authorize(authz{nonce: "n-1"}).StatusCode
			return fmt.Sprintf("without %q, with %d", loc.Query().Get("error"), with)
		}, `without "", with 302`, `without "invalid_request", with 302`},
		vLoneSecretIgnored: {func(t *testing.T, h *harness) string {
			lone := h.token(treq{form: formWith(h.code(authz{}), "client_secret", secretA)}).outcome()
			pair := h.token(treq{form: formWith(h.code(authz{}), "client_id", clientA, "client_secret", secretA)}).outcome()
			return lone + ", " + pair
		}, "400 invalid_request, 400 invalid_request", "200 tokens, 400 invalid_request"},
	}
}

// variantConfig is the configuration, less the variant, of both providers
// a variant's wire test compares.
func variantConfig(name string) Config {
	if name == vDPoPNonce || name == vDPoPNonceClock || name == vJWTAccessTokens {
		return Config{DPoP: true}
	}
	return Config{}
}

// mustPayload returns the decoded payload of a compact JWS.
func mustPayload(t *testing.T, jws string) []byte {
	t.Helper()
	parts := strings.Split(jws, ".")
	if len(parts) != 3 {
		t.Fatalf("%q is not a compact JWS", jws)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatalf("payload: %v", err)
	}
	return b
}

// TestVariantsAtTheWire shows each variant's effect and that the provider
// stays conformant in the basics with it.
func TestVariantsAtTheWire(t *testing.T) {
	t.Parallel()
	probes := variantProbes()
	for _, v := range Variants() {
		if _, ok := probes[v.Name]; !ok && !GrantVariant(v.Name) { // TestGrantDefectsAtTheWire
			t.Errorf("variant %s has no wire test", v.Name)
		}
	}
	for name, vp := range probes {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := vp.probe(t, newHarness(t, variantConfig(name))); got != vp.clean {
				t.Errorf("clean provider: %s, want %s", got, vp.clean)
			}
			cfg := variantConfig(name)
			cfg.Variants = []string{name}
			h := newHarness(t, cfg)
			if got := vp.probe(t, h); got != vp.defect {
				t.Errorf("with %s: %s, want %s", name, got, vp.defect)
			}
			checkConformant(t, h, name)
		})
	}
}

// TestCleanConformant runs the basic conformance checks on the clean
// provider, the baseline of TestVariantsAtTheWire.
func TestCleanConformant(t *testing.T) {
	t.Parallel()
	checkConformant(t, newHarness(t, Config{}), "")
}

// checkConformant checks the RFC 6749 / OIDC Core basics of one successful
// exchange and one error, reading them as a lenient-where-allowed client
// would, for a provider with variant (or "").
func checkConformant(t *testing.T, h *harness, variant string) {
	t.Helper()
	a := authz{}
	if variant == vNonceRequired {
		a.nonce = "n-1"
	}
	r := h.token(treq{form: validForm(h.code(a))})
	if r.status != http.StatusOK {
		t.Fatalf("status %d", r.status)
	}
	if mt, _, err := mime.ParseMediaType(r.header.Get("Content-Type")); err != nil || mt != "application/json" {
		t.Errorf("Content-Type %q is not application/json", r.header.Get("Content-Type"))
	}
	if !hasToken(r.header.Get("Cache-Control"), "no-store") || r.header.Get("Pragma") != "no-cache" {
		t.Errorf("Cache-Control %q, Pragma %q", r.header.Get("Cache-Control"), r.header.Get("Pragma"))
	}
	m := r.members()
	var expiresIn float64
	if err := json.Unmarshal(m["expires_in"], &expiresIn); err != nil || expiresIn <= 0 {
		t.Errorf("expires_in %s is not a positive number", m["expires_in"])
	}
	at := r.str("access_token")
	if !vschar(at) || !strings.EqualFold(r.str("token_type"), "Bearer") || !slices.Contains(strings.Fields(r.str("scope")), "openid") {
		t.Errorf("access_token %q, token_type %q, scope %q", at, r.str("token_type"), r.str("scope"))
	}
	if _, ok := m["refresh_token"]; ok {
		t.Errorf("refresh_token present: %v", ok)
	}

	j := r.idToken(t)
	if err := h.verify(j.raw); err != nil || str(j.header, "alg") != "RS256" {
		t.Errorf("ID token (alg %s) does not verify: %v", j.header["alg"], err)
	}
	c := j.claims
	var aud []string
	if err := json.Unmarshal(c["aud"], &aud); err != nil {
		aud = []string{str(c, "aud")}
	}
	if !slices.Contains(aud, clientA) || str(c, "azp") != clientA || str(c, "iss") != h.url {
		t.Errorf("aud %s, azp %s, iss %s", c["aud"], c["azp"], c["iss"])
	}
	if num(c, "exp")-num(c, "iat") != int64(expiresIn) || num(c, "auth_time") > num(c, "iat") {
		t.Errorf("exp %d, iat %d, auth_time %d, expires_in %v", num(c, "exp"), num(c, "iat"), num(c, "auth_time"), expiresIn)
	}
	if n, ok := c["nonce"]; ok && string(n) != "null" && string(n) != `"`+a.nonce+`"` {
		t.Errorf("nonce %s, sent %q", n, a.nonce)
	}
	if str(c, "at_hash") != atHash(at) || str(c, "sub") != userSub {
		t.Errorf("at_hash %s, sub %s", c["at_hash"], c["sub"])
	}
	if u := h.userinfo(at); variant != vNoUserinfo && (u.status != http.StatusOK || u.str("sub") != str(c, "sub")) {
		t.Errorf("userinfo %d sub %q", u.status, u.str("sub"))
	}

	e := h.token(treq{form: validForm("unknown")})
	code := e.str("error")
	if e.status != http.StatusBadRequest || code != errInvalidGrant || !hasToken(e.header.Get("Cache-Control"), "no-store") {
		t.Errorf("error: %d %q Cache-Control %q", e.status, code, e.header.Get("Cache-Control"))
	}
	if mt, _, _ := mime.ParseMediaType(e.header.Get("Content-Type")); mt != "application/json" {
		t.Errorf("error Content-Type %q", e.header.Get("Content-Type"))
	}
	if d, ok := e.members()["error_description"]; ok && descriptionSafe(e.str("error_description")) != e.str("error_description") {
		t.Errorf("error_description %s outside the charset", d)
	}
}

// hasToken reports whether a comma-separated header value has token.
func hasToken(header, token string) bool {
	for f := range strings.SplitSeq(header, ",") {
		if strings.EqualFold(strings.TrimSpace(f), token) {
			return true
		}
	}
	return false
}

func TestParseVariants(t *testing.T) {
	t.Parallel()
	got, err := ParseVariants(" aud-array,plain-json ,")
	if err != nil || !slices.Equal(got, []string{"aud-array", "plain-json"}) {
		t.Errorf("ParseVariants = %v, %v", got, err)
	}
	if _, err := ParseVariants("aud-array,nope"); err == nil || !strings.Contains(err.Error(), `unknown variant "nope"`) {
		t.Errorf("ParseVariants(nope) error %v", err)
	}
	if !slices.IsSorted(VariantNames()) || len(Variants()) != 21 {
		t.Errorf("Variants %v", VariantNames())
	}
}

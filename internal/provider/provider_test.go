package provider

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestDiscoveryAndJWKS(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})

	d := h.get(PathDiscovery)
	if d.status != http.StatusOK {
		t.Fatalf("discovery: status %d", d.status)
	}
	for name, want := range map[string]string{
		"issuer":                 h.url,
		"authorization_endpoint": h.url + "/authorize",
		"token_endpoint":         h.url + "/oauth/token",
		"userinfo_endpoint":      h.url + "/userinfo",
		"jwks_uri":               h.url + "/jwks",
	} {
		if got := d.str(name); got != want {
			t.Errorf("discovery %s = %q, want %q", name, got, want)
		}
	}
	for name, want := range map[string][]string{
		"response_types_supported":              {"code"},
		"subject_types_supported":               {"public"},
		"id_token_signing_alg_values_supported": {"RS256"},
		"token_endpoint_auth_methods_supported": Methods(),
		"grant_types_supported":                 {"authorization_code"},
		"code_challenge_methods_supported":      {"S256"},
		"scopes_supported":                      {"openid", "profile"},
	} {
		var got []string
		if err := json.Unmarshal(d.members()[name], &got); err != nil || !slices.Equal(got, want) {
			t.Errorf("discovery %s = %v (%v), want %v", name, got, err, want)
		}
	}
	var claims []string
	_ = json.Unmarshal(d.members()["claims_supported"], &claims)
	for _, c := range []string{"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "amr", "azp", "birthdate"} {
		if !slices.Contains(claims, c) {
			t.Errorf("claims_supported %v lacks %s", claims, c)
		}
	}

	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(h.get(PathJWKS).body, &set); err != nil {
		t.Fatalf("jwks: %v", err)
	}
	if len(set.Keys) != 1 {
		t.Fatalf("jwks has %d keys, want 1", len(set.Keys))
	}
	k := set.Keys[0]
	for name, want := range map[string]string{"kid": "bankid-oauth", "kty": "RSA", "use": "sig", "alg": "RS256", "e": "AQAB"} {
		if k[name] != want {
			t.Errorf("jwk %s = %v, want %s", name, k[name], want)
		}
	}
	n, _ := base64.RawURLEncoding.DecodeString(k["n"].(string))
	if len(n)*8 != 2048 {
		t.Errorf("jwk modulus has %d bits, want 2048", len(n)*8)
	}
	if _, ok := k["d"]; ok {
		t.Error("jwk publishes the private exponent")
	}
}

// TestCleanFlow runs authorize -> token -> verify -> userinfo -> reuse
// against the clean provider and checks the response byte for byte where
// the seed fixes it.
func TestCleanFlow(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})

	authTime := h.clock.Now()
	code := h.code(authz{nonce: "n-0S6_WzA2Mj"})
	h.clock.Advance(3 * time.Second)
	r := h.token(treq{form: validForm(code)})

	if r.status != http.StatusOK {
		t.Fatalf("status %d, body %s", r.status, r.body)
	}
	for name, want := range map[string]string{
		"Cache-Control": "no-store",
		"Pragma":        "no-cache",
		"Content-Type":  "application/json;charset=utf-8",
	} {
		if got := r.header.Values(name); !slices.Equal(got, []string{want}) {
			t.Errorf("header %s = %q, want exactly %q", name, got, want)
		}
	}
	if got, want := memberOrder(t, r.body), []string{"access_token", "expires_in", "id_token", "scope", "token_type"}; !slices.Equal(got, want) {
		t.Errorf("members %v, want %v", got, want)
	}
	m := r.members()
	if string(m["expires_in"]) != "3600" {
		t.Errorf("expires_in = %s, want the number 3600", m["expires_in"])
	}
	if r.str("scope") != "openid" || r.str("token_type") != "Bearer" {
		t.Errorf("scope %q, token_type %q", r.str("scope"), r.str("token_type"))
	}
	at := r.str("access_token")
	if raw, err := base64.RawURLEncoding.DecodeString(at); err != nil || len(raw) != 32 {
		t.Errorf("access_token %q is not 32 bytes base64url", at)
	}

	idt := r.idToken(t)
	header, _ := base64.RawURLEncoding.DecodeString(strings.Split(idt.raw, ".")[0])
	if got, want := string(header), `{"kid":"bankid-oauth","typ":"JWT","alg":"RS256"}`; got != want {
		t.Errorf("ID token header %s, want %s", got, want)
	}
	if err := h.verify(idt.raw); err != nil {
		t.Errorf("ID token does not verify against /jwks: %v", err)
	}
	var names []string
	for k := range idt.claims {
		names = append(names, k)
	}
	slices.Sort(names)
	wantNames := []string{"amr", "at_hash", "aud", "auth_time", "azp", "birthdate", "exp", "family_name", "given_name",
		"iat", "iss", "name", "nonce", "preferred_username", "sub"}
	if !slices.Equal(names, wantNames) {
		t.Errorf("claims %v, want the seed's %v", names, wantNames)
	}
	now := h.clock.Now().Unix()
	for name, want := range map[string]string{
		"amr":                `["BankID"]`,
		"at_hash":            `"` + atHash(at) + `"`,
		"aud":                `"tokenbench"`,
		"azp":                `"tokenbench"`,
		"birthdate":          `"1966-12-18"`,
		"family_name":        `"Nilsen"`,
		"given_name":         `"Frode Beckmann"`,
		"iss":                `"` + h.url + `"`,
		"name":               `"Frode Beckmann Nilsen"`,
		"nonce":              `"n-0S6_WzA2Mj"`,
		"preferred_username": `"Frode Beckmann Nilsen"`,
		"sub":                `"9578-6000-4-30799"`,
	} {
		if got := string(idt.claims[name]); got != want {
			t.Errorf("claim %s = %s, want %s", name, got, want)
		}
	}
	if got := num(idt.claims, "iat"); got != now {
		t.Errorf("iat = %d, want %d", got, now)
	}
	if got := num(idt.claims, "exp"); got != now+3600 {
		t.Errorf("exp = %d, want iat + 3600", got)
	}
	if got := num(idt.claims, "auth_time"); got != authTime.Unix() {
		t.Errorf("auth_time = %d, want the authorize time %d", got, authTime.Unix())
	}

	u := h.userinfo(at)
	if u.status != http.StatusOK || u.str("sub") != userSub || u.str("birthdate") != "1966-12-18" {
		t.Fatalf("userinfo: %d %s", u.status, u.body)
	}

	// A reused code is rejected and revokes the first access token.
	again := h.token(treq{form: validForm(code)})
	if got := again.outcome(); got != "400 invalid_grant" {
		t.Errorf("reuse: %s, want 400 invalid_grant", got)
	}
	u = h.userinfo(at)
	if u.status != http.StatusUnauthorized || u.header.Get("WWW-Authenticate") != `Bearer realm="tokenbench", error="invalid_token"` {
		t.Errorf("userinfo after reuse: %d %q, want 401 invalid_token", u.status, u.header.Get("WWW-Authenticate"))
	}
}

// memberOrder returns the top-level member names of a JSON object in order.
func memberOrder(t *testing.T, body []byte) []string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(string(body)))
	if _, err := dec.Token(); err != nil {
		t.Fatalf("body %s: %v", body, err)
	}
	var names []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("body %s: %v", body, err)
		}
		names = append(names, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatalf("body %s: %v", body, err)
		}
	}
	return names
}

func TestNonceNullWhenAbsent(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	idt := h.exchange().idToken(t)
	if raw, ok := idt.claims["nonce"]; !ok || string(raw) != "null" {
		t.Errorf("nonce = %s (present %v), want null as in the seed", raw, ok)
	}
}

func TestClientIDInBodyRejected(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	code := h.code(authz{})
	f := validForm(code)
	f.Set("client_id", clientA)
	r := h.token(treq{form: f})
	if got := r.outcome(); got != "400 invalid_request" {
		t.Fatalf("client_id in body: %s, want 400 invalid_request", got)
	}
	if got := r.str("error_description"); got != "client_id parameter is not supported" {
		t.Errorf("error_description %q", got)
	}
	// The check comes before the code lookup: the code is still good.
	if got := h.token(treq{form: validForm(code)}).outcome(); got != "200 tokens" {
		t.Errorf("code after rejected request: %s, want 200 tokens", got)
	}
}

// TestTokenErrors covers every negative path of the clean token endpoint.
func TestTokenErrors(t *testing.T) {
	t.Parallel()
	with := func(code string, kv ...string) url.Values {
		f := validForm(code)
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == "<del>" {
				f.Del(kv[i])
			} else {
				f.Set(kv[i], kv[i+1])
			}
		}
		return f
	}
	verifier := strings.Repeat("v", 43)
	tests := []struct {
		name string
		req  func(h *harness) treq
		want string // outcome
	}{
		{"GET", func(h *harness) treq {
			return treq{method: http.MethodGet, query: validForm(h.code(authz{})).Encode()}
		}, "405 invalid_request"},
		{"PUT", func(h *harness) treq { return treq{method: http.MethodPut, form: validForm(h.code(authz{}))} }, "405 invalid_request"},
		{"no Content-Type", func(h *harness) treq { return treq{contentType: "-", form: validForm(h.code(authz{}))} }, "400 invalid_request"},
		{"JSON body", func(h *harness) treq {
			return treq{contentType: "application/json", body: `{"grant_type":"authorization_code","code":"` + h.code(authz{}) + `","redirect_uri":"` + callback + `"}`}
		}, "400 invalid_request"},
		{"text/plain", func(h *harness) treq { return treq{contentType: "text/plain", form: validForm(h.code(authz{}))} }, "400 invalid_request"},
		{"form with charset", func(h *harness) treq {
			return treq{contentType: "application/x-www-form-urlencoded; charset=UTF-8", form: validForm(h.code(authz{}))}
		}, "200 tokens"},
		{"code twice", func(h *harness) treq {
			c := h.code(authz{})
			return treq{body: validForm(c).Encode() + "&code=" + c}
		}, "400 invalid_request"},
		{"empty and filled code", func(h *harness) treq { return treq{body: validForm(h.code(authz{})).Encode() + "&code="} }, "400 invalid_request"},
		{"grant_type twice", func(h *harness) treq {
			return treq{body: validForm(h.code(authz{})).Encode() + "&grant_type=authorization_code"}
		}, "400 invalid_request"},
		{"unknown parameter ignored", func(h *harness) treq { return treq{form: with(h.code(authz{}), "foo", "bar")} }, "200 tokens"},
		{"query parameters ignored", func(h *harness) treq {
			return treq{form: validForm(h.code(authz{})), query: "grant_type=password&code=x&client_id=" + clientA}
		}, "200 tokens"},
		{"grant_type missing", func(h *harness) treq { return treq{form: with(h.code(authz{}), "grant_type", "<del>")} }, "400 invalid_request"},
		{"grant_type empty", func(h *harness) treq { return treq{form: with(h.code(authz{}), "grant_type", "")} }, "400 invalid_request"},
		{"grant_type refresh_token", func(h *harness) treq { return treq{form: with(h.code(authz{}), "grant_type", "refresh_token")} }, "400 unsupported_grant_type"},
		{"grant_type client_credentials", func(h *harness) treq {
			return treq{form: with(h.code(authz{}), "grant_type", "client_credentials")}
		}, "400 unsupported_grant_type"},
		{"grant_type password", func(h *harness) treq { return treq{form: with(h.code(authz{}), "grant_type", "password")} }, "400 unsupported_grant_type"},
		{"grant_type device_code", func(h *harness) treq {
			return treq{form: with(h.code(authz{}), "grant_type", "urn:ietf:params:oauth:grant-type:device_code")}
		}, "400 unsupported_grant_type"},
		{"code missing", func(h *harness) treq { return treq{form: with("", "code", "<del>")} }, "400 invalid_request"},
		{"code empty", func(h *harness) treq { return treq{form: with("", "code", "")} }, "400 invalid_request"},
		{"code unknown", func(h *harness) treq { return treq{form: validForm("bm90LWEtY29kZQ")} }, "400 invalid_grant"},
		{"redirect_uri missing", func(h *harness) treq { return treq{form: with(h.code(authz{}), "redirect_uri", "<del>")} }, "400 invalid_request"},
		{"redirect_uri empty", func(h *harness) treq { return treq{form: with(h.code(authz{}), "redirect_uri", "")} }, "400 invalid_request"},
		{"redirect_uri trailing slash", func(h *harness) treq { return treq{form: with(h.code(authz{}), "redirect_uri", callback+"/")} }, "400 invalid_grant"},
		{"redirect_uri extra query", func(h *harness) treq { return treq{form: with(h.code(authz{}), "redirect_uri", callback+"?x=1")} }, "400 invalid_grant"},
		{"redirect_uri changed case", func(h *harness) treq {
			return treq{form: with(h.code(authz{}), "redirect_uri", "http://127.0.0.1:9/Callback")}
		}, "400 invalid_grant"},
		{"redirect_uri other registered", func(h *harness) treq { return treq{form: with(h.code(authz{}), "redirect_uri", callback2)} }, "400 invalid_grant"},
		{"client_id with Basic", func(h *harness) treq { return treq{form: with(h.code(authz{}), "client_id", clientA)} }, "400 invalid_request"},
		{"no Authorization", func(h *harness) treq { return treq{auth: "-", form: validForm(h.code(authz{}))} }, "401 invalid_client"},
		{"public client", func(h *harness) treq { return treq{auth: "-", form: with(h.code(authz{}), "client_id", clientA)} }, "401 invalid_client"},
		{"client_secret_post", func(h *harness) treq {
			return treq{auth: "-", form: with(h.code(authz{}), "client_id", clientA, "client_secret", secretA)}
		}, "401 invalid_client"},
		{"Basic and client_secret", func(h *harness) treq { return treq{form: with(h.code(authz{}), "client_secret", secretA)} }, "400 invalid_request"},
		{"secret in query", func(h *harness) treq {
			return treq{auth: "-", form: validForm(h.code(authz{})), query: url.Values{"client_id": {clientA}, "client_secret": {secretA}}.Encode()}
		}, "401 invalid_client"},
		{"Basic !!!", func(h *harness) treq { return treq{auth: "Basic !!!", form: validForm(h.code(authz{}))} }, "401 invalid_client"},
		{"Bearer x", func(h *harness) treq { return treq{auth: "Bearer x", form: validForm(h.code(authz{}))} }, "401 invalid_client"},
		{"empty Authorization", func(h *harness) treq { return treq{auth: " ", form: validForm(h.code(authz{}))} }, "401 invalid_client"},
		{"Basic without colon", func(h *harness) treq {
			return treq{auth: "Basic " + base64.StdEncoding.EncodeToString([]byte(clientA)), form: validForm(h.code(authz{}))}
		}, "401 invalid_client"},
		{"Basic bad percent-encoding", func(h *harness) treq {
			return treq{auth: "Basic " + base64.StdEncoding.EncodeToString([]byte(clientA+":%zz")), form: validForm(h.code(authz{}))}
		}, "401 invalid_client"},
		{"lower-case basic scheme", func(h *harness) treq {
			return treq{auth: "basic " + strings.TrimPrefix(basic(clientA, secretA), "Basic "), form: validForm(h.code(authz{}))}
		}, "200 tokens"},
		{"unknown client", func(h *harness) treq { return treq{auth: basic("nobody", secretA), form: validForm(h.code(authz{}))} }, "401 invalid_client"},
		{"wrong secret", func(h *harness) treq { return treq{auth: basic(clientA, "wrong"), form: validForm(h.code(authz{}))} }, "401 invalid_client"},
		{"encoded Basic credentials", func(h *harness) treq {
			return treq{auth: basic(clientEnc, secretEnc), form: validForm(h.code(authz{client: clientEnc}))}
		}, "200 tokens"},
		{"undecoded Basic credentials", func(h *harness) treq {
			raw := "Basic " + base64.StdEncoding.EncodeToString([]byte(clientEnc+":"+secretEnc))
			return treq{auth: raw, form: validForm(h.code(authz{client: clientEnc}))}
		}, "401 invalid_client"},
		{"code of another client", func(h *harness) treq { return treq{auth: basic(clientB, secretB), form: validForm(h.code(authz{}))} }, "400 invalid_grant"},
		{"expired code", func(h *harness) treq {
			c := h.code(authz{})
			h.clock.Advance(DefaultCodeTTL)
			return treq{form: validForm(c)}
		}, "400 invalid_grant"},
		{"code just before expiry", func(h *harness) treq {
			c := h.code(authz{})
			h.clock.Advance(DefaultCodeTTL - time.Second)
			return treq{form: validForm(c)}
		}, "200 tokens"},
		{"PKCE right verifier", func(h *harness) treq {
			return treq{form: with(h.code(authz{challenge: s256(verifier), method: "S256"}), "code_verifier", verifier)}
		}, "200 tokens"},
		{"PKCE wrong verifier", func(h *harness) treq {
			return treq{form: with(h.code(authz{challenge: s256(verifier), method: "S256"}), "code_verifier", verifier+"x")}
		}, "400 invalid_grant"},
		{"PKCE missing verifier", func(h *harness) treq {
			return treq{form: validForm(h.code(authz{challenge: s256(verifier), method: "S256"}))}
		}, "400 invalid_grant"},
		{"PKCE downgrade", func(h *harness) treq { return treq{form: with(h.code(authz{}), "code_verifier", verifier)} }, "400 invalid_grant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, Config{})
			r := h.token(tt.req(h))
			if got := r.outcome(); got != tt.want {
				t.Fatalf("%s, want %s (body %s)", got, tt.want, r.body)
			}
			if r.status == http.StatusOK {
				return
			}
			checkErrorResponse(t, r)
		})
	}
}

// checkErrorResponse checks the clean provider's error format: JSON with
// error and an ASCII error_description, no-store, 401 with the Basic
// challenge, 405 with Allow.
func checkErrorResponse(t *testing.T, r *result) {
	t.Helper()
	for name, want := range map[string]string{
		"Cache-Control": "no-store",
		"Pragma":        "no-cache",
		"Content-Type":  "application/json;charset=utf-8",
	} {
		if got := r.header.Get(name); got != want {
			t.Errorf("header %s = %q, want %q", name, got, want)
		}
	}
	if got, want := memberOrder(t, r.body), []string{"error", "error_description"}; !slices.Equal(got, want) {
		t.Errorf("members %v, want %v", got, want)
	}
	if d := r.str("error_description"); d == "" || descriptionSafe(d) != d {
		t.Errorf("error_description %q is empty or outside the RFC 6749 charset", d)
	}
	switch r.status {
	case http.StatusUnauthorized:
		if got := r.header.Get("WWW-Authenticate"); got != `Basic realm="tokenbench"` {
			t.Errorf("WWW-Authenticate = %q", got)
		}
	case http.StatusMethodNotAllowed:
		if got := r.header.Get("Allow"); got != "POST" {
			t.Errorf("Allow = %q", got)
		}
	}
}

// TestTokenCheckOrder pins the order of the token endpoint's checks with
// requests that break two rules at once.
func TestTokenCheckOrder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		req      func(h *harness) treq
		want     string
		wantDesc string // substring
	}{
		{"method before Content-Type", func(h *harness) treq { return treq{method: http.MethodDelete, contentType: "text/plain"} }, "405 invalid_request", "POST"},
		{"Content-Type before auth", func(h *harness) treq { return treq{contentType: "text/plain", auth: "-"} }, "400 invalid_request", "Content-Type"},
		{"duplicates before auth", func(h *harness) treq { return treq{body: "code=a&code=b", auth: "-"} }, "400 invalid_request", "more than once"},
		{"auth before grant_type", func(h *harness) treq { return treq{body: "code=a", auth: "-"} }, "401 invalid_client", ""},
		{"client_id before grant_type", func(h *harness) treq { return treq{body: "client_id=" + clientA} }, "400 invalid_request", "client_id"},
		{"grant_type before code", func(h *harness) treq { return treq{body: "grant_type=password"} }, "400 unsupported_grant_type", ""},
		{"code before redirect_uri", func(h *harness) treq { return treq{body: "grant_type=authorization_code"} }, "400 invalid_request", "code"},
		{"redirect_uri before code lookup", func(h *harness) treq { return treq{body: "grant_type=authorization_code&code=unknown"} }, "400 invalid_request", "redirect_uri"},
		{"client binding before redirect_uri", func(h *harness) treq {
			f := validForm(h.code(authz{}))
			f.Set("redirect_uri", callback2)
			return treq{auth: basic(clientB, secretB), form: f}
		}, "400 invalid_grant", "another client"},
		{"redirect_uri before PKCE", func(h *harness) treq {
			f := validForm(h.code(authz{challenge: s256(strings.Repeat("a", 43)), method: "S256"}))
			f.Set("redirect_uri", callback2)
			return treq{form: f}
		}, "400 invalid_grant", "redirect_uri"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, Config{})
			r := h.token(tt.req(h))
			if got := r.outcome(); got != tt.want || !strings.Contains(r.str("error_description"), tt.wantDesc) {
				t.Errorf("%s %q, want %s with %q", got, r.str("error_description"), tt.want, tt.wantDesc)
			}
		})
	}
}

// TestCodeBurning documents which failures use up a code: any failure after
// the code lookup does; failed client authentication (before it) does not.
func TestCodeBurning(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})

	code := h.code(authz{})
	bad := validForm(code)
	bad.Set("redirect_uri", callback2)
	if got := h.token(treq{form: bad}).outcome(); got != "400 invalid_grant" {
		t.Fatalf("mismatch: %s", got)
	}
	if got := h.token(treq{form: validForm(code)}).outcome(); got != "400 invalid_grant" {
		t.Errorf("after a redirect mismatch: %s, want 400 invalid_grant (burned)", got)
	}

	code = h.code(authz{})
	if got := h.token(treq{auth: basic(clientA, "wrong"), form: validForm(code)}).outcome(); got != "401 invalid_client" {
		t.Fatalf("wrong secret: %s", got)
	}
	if got := h.token(treq{form: validForm(code)}).outcome(); got != "200 tokens" {
		t.Errorf("after failed authentication: %s, want 200 tokens (not burned)", got)
	}
}

func TestBasicPlusIsSpace(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{Clients: []Client{{ID: "a b", Secret: "c d", RedirectURIs: []string{callback}}}})
	code := h.code(authz{client: "a b"})
	raw := "Basic " + base64.StdEncoding.EncodeToString([]byte("a+b:c+d"))
	if got := h.token(treq{auth: raw, form: validForm(code)}).outcome(); got != "200 tokens" {
		t.Errorf("'+' as space: %s, want 200 tokens", got)
	}
}

func TestAuthorize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		a         authz
		query     string // replaces the default query when set
		status    int
		wantError string // error parameter of the redirect; "" = a code
	}{
		{name: "ok", a: authz{}, status: 302},
		{name: "ok with PKCE and nonce", a: authz{challenge: s256(strings.Repeat("a", 43)), method: "S256", nonce: "n"}, status: 302},
		{name: "unknown client", a: authz{client: "nobody"}, status: 400},
		{name: "unregistered redirect", a: authz{redirect: callback + "/"}, status: 400},
		{name: "missing client", query: "response_type=code&redirect_uri=" + url.QueryEscape(callback) + "&scope=openid", status: 400},
		{name: "missing redirect", query: "response_type=code&client_id=tokenbench&scope=openid", status: 400},
		{name: "response_type token", query: "response_type=token&client_id=tokenbench&redirect_uri=" + url.QueryEscape(callback) + "&scope=openid&state=st-1", status: 302, wantError: "unsupported_response_type"},
		{name: "response_type missing", query: "client_id=tokenbench&redirect_uri=" + url.QueryEscape(callback) + "&scope=openid&state=st-1", status: 302, wantError: "invalid_request"},
		{name: "scope without openid", a: authz{scope: "profile"}, status: 302, wantError: "invalid_scope"},
		{name: "plain PKCE", a: authz{challenge: strings.Repeat("a", 43), method: "plain"}, status: 302, wantError: "invalid_request"},
		{name: "unknown PKCE method", a: authz{challenge: strings.Repeat("a", 43), method: "S512"}, status: 302, wantError: "invalid_request"},
		{name: "PKCE without method", a: authz{challenge: strings.Repeat("a", 43)}, status: 302, wantError: "invalid_request"},
		{name: "method without challenge", a: authz{method: "S256"}, status: 302, wantError: "invalid_request"},
		{name: "short challenge", a: authz{challenge: "abc", method: "S256"}, status: 302, wantError: "invalid_request"},
		{name: "repeated state", query: "response_type=code&client_id=tokenbench&redirect_uri=" + url.QueryEscape(callback) + "&scope=openid&state=st-1&state=st-2", status: 302, wantError: "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, Config{})
			var resp *http.Response
			if tt.query != "" {
				var err error
				if resp, err = h.client.Get(h.url + PathAuthorize + "?" + tt.query); err != nil {
					t.Fatal(err)
				}
				_ = resp.Body.Close()
			} else {
				resp = h.authorize(tt.a)
			}
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
			}
			loc := resp.Header.Get("Location")
			if tt.status != http.StatusFound {
				if loc != "" {
					t.Errorf("redirected to %q on a %d", loc, tt.status)
				}
				return
			}
			u, err := url.Parse(loc)
			if err != nil || !strings.HasPrefix(loc, callback+"?") {
				t.Fatalf("Location %q", loc)
			}
			q := u.Query()
			if tt.wantError == "" {
				if c := q.Get("code"); len(c) != 43 || q.Get("state") != "st-1" {
					t.Errorf("code %q state %q", c, q.Get("state"))
				}
				return
			}
			if q.Get("error") != tt.wantError || q.Has("code") {
				t.Errorf("Location %q, want error=%s and no code", loc, tt.wantError)
			}
			if tt.name != "repeated state" && q.Get("state") != "st-1" {
				t.Errorf("state %q not echoed", q.Get("state"))
			}
		})
	}
}

func TestAuthorizeKeepsRedirectQueryAndPOST(t *testing.T) {
	t.Parallel()
	const withQuery = "http://127.0.0.1:9/cb?tenant=a%2Fb"
	h := newHarness(t, Config{Clients: []Client{{ID: clientA, Secret: secretA, RedirectURIs: []string{withQuery}}}})
	form := url.Values{"response_type": {"code"}, "client_id": {clientA}, "redirect_uri": {withQuery}, "scope": {"openid profile email"}}
	resp, err := h.client.PostForm(h.url+PathAuthorize, form)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, withQuery+"&code=") {
		t.Fatalf("POST authorize: %d %q, want the registered query kept", resp.StatusCode, loc)
	}
	u, _ := url.Parse(loc)
	f := validForm(u.Query().Get("code"))
	f.Set("redirect_uri", withQuery)
	r := h.token(treq{form: f})
	if r.status != http.StatusOK || r.str("scope") != "openid profile" {
		t.Errorf("token: %s scope %q, want the granted scope %q", r.outcome(), r.str("scope"), "openid profile")
	}
}

func TestUserinfoErrors(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	at := h.exchange().str("access_token")

	r := h.do(treq{method: http.MethodGet, auth: "-"}, PathUserinfo)
	if r.status != 401 || r.header.Get("WWW-Authenticate") != `Bearer realm="tokenbench"` {
		t.Errorf("no token: %d %q", r.status, r.header.Get("WWW-Authenticate"))
	}
	r = h.userinfo("unknown")
	if r.status != 401 || !strings.Contains(r.header.Get("WWW-Authenticate"), `error="invalid_token"`) {
		t.Errorf("unknown token: %d %q", r.status, r.header.Get("WWW-Authenticate"))
	}
	if r = h.do(treq{method: http.MethodPost, auth: "Bearer " + at, contentType: "-"}, PathUserinfo); r.status != 200 {
		t.Errorf("POST: %d", r.status)
	}
	h.clock.Advance(DefaultTokenTTL)
	if r = h.userinfo(at); r.status != 401 {
		t.Errorf("expired token: %d, want 401", r.status)
	}
}

package checks

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestRespStatus200(t *testing.T) {
	t.Parallel()
	runTable(t, "RESP-STATUS-200", []tcase{
		{name: "200", want: pass},
		{name: "201", mutate: func(_ testing.TB, s *scenario) { s.status = 201 }, want: fails(ErrStatus, "status")},
		{name: "400 with tokens", mutate: func(_ testing.TB, s *scenario) { s.status = 400 }, want: fails(ErrStatus, "status")},
		{name: "no response, URL with a secret", mutate: func(_ testing.TB, s *scenario) { s.noResponse = true }, want: fails(ErrNoResponse, "status")},
	})
}

func TestRespContentType(t *testing.T) {
	t.Parallel()
	ct := func(v ...string) func(testing.TB, *scenario) {
		return func(_ testing.TB, s *scenario) { s.setHeader("Content-Type", v...) }
	}
	runTable(t, "RESP-CONTENT-TYPE", []tcase{
		{name: "bankid charset without space", want: pass},
		{name: "no charset", mutate: ct("application/json"), want: pass},
		{name: "charset with space", mutate: ct("application/json; charset=UTF-8"), want: pass},
		{name: "upper case", mutate: ct("Application/JSON"), want: pass},
		{name: "text/plain", mutate: ct("text/plain"), want: fails(ErrMediaType, "Content-Type")},
		{name: "jwt", mutate: ct("application/jwt"), want: fails(ErrMediaType, "Content-Type")},
		{name: "json suffix is not json", mutate: ct("application/problem+json"), want: fails(ErrMediaType, "Content-Type")},
		{name: "absent", mutate: ct(), want: fails(ErrMediaType, "Content-Type")},
		{name: "two lines", mutate: ct("application/json", "text/html"), want: fails(ErrMediaType, "Content-Type")},
		{name: "unparsable", mutate: ct("application/json;;;="), want: fails(ErrMediaType, "Content-Type")},
		{name: "no response", mutate: func(_ testing.TB, s *scenario) { s.noResponse = true }, want: skipIt},
	})
}

func TestRespNoStore(t *testing.T) {
	t.Parallel()
	cc := func(v ...string) func(testing.TB, *scenario) {
		return func(_ testing.TB, s *scenario) { s.setHeader("Cache-Control", v...) }
	}
	runTable(t, "RESP-NO-STORE", []tcase{
		{name: "no-store", want: pass},
		{name: "no-store, no-cache", mutate: cc("no-store, no-cache"), want: pass},
		{name: "upper case", mutate: cc("No-Store"), want: pass},
		{name: "among others", mutate: cc("private, max-age=0,no-store"), want: pass},
		{name: "on a second line", mutate: cc("no-cache", "no-store"), want: pass},
		{name: "no-cache only", mutate: cc("no-cache"), want: fails(ErrNoStore, "Cache-Control")},
		{name: "absent", mutate: cc(), want: fails(ErrNoStore, "Cache-Control")},
		{name: "inside a quoted argument", mutate: cc(`private="a, no-store"`), want: fails(ErrNoStore, "Cache-Control")},
		{name: "prefix of another directive", mutate: cc("no-stored"), want: fails(ErrNoStore, "Cache-Control")},
	})
}

func TestRespPragma(t *testing.T) {
	t.Parallel()
	runTable(t, "RESP-PRAGMA", []tcase{
		{name: "no-cache", want: pass},
		{name: "upper case among others", mutate: func(_ testing.TB, s *scenario) { s.setHeader("Pragma", "foo, NO-CACHE") }, want: pass},
		{name: "absent", mutate: func(_ testing.TB, s *scenario) { s.setHeader("Pragma") }, want: fails(ErrPragma, "Pragma")},
		{name: "other value", mutate: func(_ testing.TB, s *scenario) { s.setHeader("Pragma", "cache") }, want: fails(ErrPragma, "Pragma")},
	})
	t.Run("only raw lines count", func(t *testing.T) {
		t.Parallel()
		s := newScenario(t, "bankid")
		s.setHeader("Pragma")
		x := s.build(t)
		x.Response.Header.Set("Pragma", "no-cache") // as if synthesised by the client
		r := Validate(t.Context(), x, &s.ctx, []Check{mustCheck(t, "RESP-PRAGMA")})[0]
		assertResult(t, r, fails(ErrPragma, "Pragma"), nil)
	})
}

func TestRespAccessToken(t *testing.T) {
	t.Parallel()
	at := func(v any) func(testing.TB, *scenario) {
		return func(_ testing.TB, s *scenario) { s.members["access_token"] = v }
	}
	runTable(t, "RESP-ACCESS-TOKEN", []tcase{
		{name: "vschar", want: pass},
		{name: "space and tilde are vschar", mutate: at("a b~" + testAccessToken), want: pass},
		{name: "absent", mutate: func(_ testing.TB, s *scenario) { delete(s.members, "access_token") }, want: fails(ErrMissing, "access_token")},
		{name: "number", mutate: at(12345), want: fails(ErrType, "access_token")},
		{name: "null", mutate: at(nil), want: fails(ErrType, "access_token")},
		{name: "empty", mutate: at(""), want: fails(ErrEmpty, "access_token")},
		{name: "newline", mutate: at(testAccessToken + "\n"), want: fails(ErrCharset, "access_token")},
		{name: "non-ascii", mutate: at(testAccessToken + "é"), want: fails(ErrCharset, "access_token")},
		{name: "body not json", mutate: func(_ testing.TB, s *scenario) { s.body = []byte("access_token=" + testAccessToken) }, want: skipIt},
	})
}

func TestRespTokenType(t *testing.T) {
	t.Parallel()
	tt := func(v any) func(testing.TB, *scenario) {
		return func(_ testing.TB, s *scenario) { s.members["token_type"] = v }
	}
	runTable(t, "RESP-TOKEN-TYPE", []tcase{
		{name: "Bearer", want: pass},
		{name: "bearer", mutate: tt("bearer"), want: pass},
		{name: "BEARER", mutate: tt("BEARER"), want: pass},
		{name: "DPoP", mutate: tt("DPoP"), want: fails(ErrTokenType, "token_type")},
		{name: "padded", mutate: tt("Bearer "), want: fails(ErrTokenType, "token_type")},
		{name: "absent", mutate: func(_ testing.TB, s *scenario) { delete(s.members, "token_type") }, want: fails(ErrMissing, "token_type")},
		{name: "array", mutate: tt([]string{"Bearer"}), want: fails(ErrType, "token_type")},
	})
}

func TestRespExpiresIn(t *testing.T) {
	t.Parallel()
	ei := func(v any) func(testing.TB, *scenario) {
		return func(_ testing.TB, s *scenario) { s.members["expires_in"] = v }
	}
	runTable(t, "RESP-EXPIRES-IN", []tcase{
		{name: "3600 as bankid fixes", want: pass},
		{name: "any positive integer under oidc", profile: "oidc", mutate: ei(60), want: pass},
		{name: "integral float", mutate: ei(json.RawMessage("3600.0")), want: pass},
		{name: "string", mutate: ei("3600"), want: fails(ErrType, "expires_in")},
		{name: "zero", profile: "oidc", mutate: ei(0), want: fails(ErrExpiresIn, "expires_in")},
		{name: "negative", profile: "oidc", mutate: ei(-5), want: fails(ErrExpiresIn, "expires_in")},
		{name: "fraction", profile: "oidc", mutate: ei(1.5), want: fails(ErrExpiresIn, "expires_in")},
		{name: "not the profile's value", mutate: ei(7200), want: fails(ErrExpiresIn, "expires_in")},
		{name: "absent", profile: "oidc", mutate: func(_ testing.TB, s *scenario) { delete(s.members, "expires_in") }, want: fails(ErrMissing, "expires_in")},
	})
}

func TestRespExpiresConsistent(t *testing.T) {
	t.Parallel()
	runTable(t, "RESP-EXPIRES-CONSISTENT", []tcase{
		{name: "3600 vs 3587", want: pass},
		{name: "3600 vs 600", mutate: func(_ testing.TB, s *scenario) { s.claims["exp"] = testNow.Unix() + 600 }, want: fails(ErrInconsistent, "expires_in")},
		{name: "expires_in absent", mutate: func(_ testing.TB, s *scenario) { delete(s.members, "expires_in") }, want: skipIt},
		{name: "iat absent", mutate: func(_ testing.TB, s *scenario) { delete(s.claims, "iat") }, want: skipIt},
		{name: "no id_token", mutate: func(_ testing.TB, s *scenario) { s.noIDToken = true }, want: skipIt},
	})
}

func TestRespScope(t *testing.T) {
	t.Parallel()
	sc := func(v any) func(testing.TB, *scenario) {
		return func(_ testing.TB, s *scenario) { s.members["scope"] = v }
	}
	runTable(t, "RESP-SCOPE", []tcase{
		{name: "openid", want: pass},
		{name: "several", mutate: sc("profile openid email"), want: pass},
		{name: "absent under oidc", profile: "oidc", mutate: func(_ testing.TB, s *scenario) { delete(s.members, "scope") }, want: pass},
		{name: "absent under bankid", mutate: func(_ testing.TB, s *scenario) { delete(s.members, "scope") }, want: fails(ErrMissing, "scope")},
		{name: "no openid", mutate: sc("profile"), want: fails(ErrScope, "scope")},
		{name: "openid as a prefix", mutate: sc("openidx"), want: fails(ErrScope, "scope")},
		{name: "double space", mutate: sc("openid  profile"), want: fails(ErrScope, "scope")},
		{name: "comma separated is one token", mutate: sc("openid,profile"), want: fails(ErrScope, "scope")},
		{name: "trailing space", mutate: sc("openid "), want: fails(ErrScope, "scope")},
		{name: "quote", mutate: sc(`openid "x"`), want: fails(ErrScope, "scope")},
		{name: "array", mutate: sc([]string{"openid"}), want: fails(ErrType, "scope")},
		{name: "empty", mutate: sc(""), want: fails(ErrScope, "scope")},
	})
}

func TestRespNoRefresh(t *testing.T) {
	t.Parallel()
	required := func(_ testing.TB, s *scenario) {
		p := *s.ctx.Profile
		p.Response.RefreshToken = "required"
		s.ctx.Profile = &p
	}
	runTable(t, "RESP-NO-REFRESH", []tcase{
		{name: "absent under bankid", want: pass},
		{name: "present under bankid", mutate: func(_ testing.TB, s *scenario) { s.members["refresh_token"] = testRefreshToken }, want: fails(ErrRefreshToken, "refresh_token")},
		{name: "null under bankid", mutate: func(_ testing.TB, s *scenario) { s.members["refresh_token"] = nil }, want: fails(ErrRefreshToken, "refresh_token")},
		{name: "optional under oidc", profile: "oidc", mutate: func(_ testing.TB, s *scenario) { s.members["refresh_token"] = testRefreshToken }, want: skipIt},
		{name: "required and present", mutate: func(t testing.TB, s *scenario) { required(t, s); s.members["refresh_token"] = testRefreshToken }, want: pass},
		{name: "required and absent", mutate: required, want: fails(ErrRefreshToken, "refresh_token")},
		{name: "required and empty", mutate: func(t testing.TB, s *scenario) { required(t, s); s.members["refresh_token"] = "" }, want: fails(ErrType, "refresh_token")},
	})
}

func TestRespIDToken(t *testing.T) {
	t.Parallel()
	runTable(t, "RESP-ID-TOKEN", []tcase{
		{name: "present", want: pass},
		{name: "absent", mutate: func(_ testing.TB, s *scenario) { s.noIDToken = true }, want: fails(ErrMissing, "id_token")},
		{name: "object", mutate: func(_ testing.TB, s *scenario) { s.members["id_token"] = map[string]any{"a": 1} }, want: fails(ErrType, "id_token")},
		{name: "empty", mutate: func(_ testing.TB, s *scenario) { s.members["id_token"] = "" }, want: fails(ErrEmpty, "id_token")},
		{name: "openid not requested", mutate: func(_ testing.TB, s *scenario) { s.noIDToken = true; s.ctx.Scope = "profile" }, want: skipIt},
	})
}

func TestRespExtraMembers(t *testing.T) {
	t.Parallel()
	runTable(t, "RESP-EXTRA-MEMBERS", []tcase{
		{name: "standard members", want: pass},
		{name: "unknown members", mutate: func(_ testing.TB, s *scenario) {
			s.members["x_vendor"] = map[string]any{"nested": []int{1, 2}}
			s.members["session_state"] = "abc"
		}, want: pass},
		{name: "not json", mutate: func(_ testing.TB, s *scenario) { s.body = []byte("<html>" + testAccessToken) }, want: fails(ErrNotObject, "body")},
		{name: "array", mutate: func(_ testing.TB, s *scenario) { s.body = []byte(`["` + testAccessToken + `"]`) }, want: fails(ErrNotObject, "body")},
		{name: "trailing data", mutate: func(_ testing.TB, s *scenario) { s.body = []byte(`{"a":1} {"b":2}`) }, want: fails(ErrNotObject, "body")},
		{name: "empty", mutate: func(_ testing.TB, s *scenario) { s.body = []byte{} }, want: fails(ErrNotObject, "body")},
	})
}

// TestSuccessPasses runs every success check on correct responses, with
// the freedoms correct providers take, and wants nothing but passes and
// reasoned skips.
func TestSuccessPasses(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		profile string
		mutate  func(testing.TB, *scenario)
		skipped []string // rows that must be skipped, not passed
	}{
		{name: "bankid as documented", profile: "bankid", skipped: []string{"IDT-NONCE-ABSENT"}},
		{name: "bankid without a nonce sent: nonce null", profile: "bankid", mutate: func(_ testing.TB, s *scenario) {
			s.ctx.Nonce = ""
			s.claims["nonce"] = nil
		}, skipped: []string{"IDT-NONCE"}},
		{name: "oidc with the freedoms", profile: "oidc", mutate: func(_ testing.TB, s *scenario) {
			s.setHeader("Content-Type", "application/json")
			s.setHeader("Cache-Control", "no-store, no-cache")
			s.members["token_type"] = "bearer"
			s.members["refresh_token"] = testRefreshToken
			s.members["x_extra"] = []any{1, "two"}
			delete(s.members, "scope")
			s.claims["aud"] = []string{"other-rp", testClientID}
			s.claims["azp"] = testClientID
			delete(s.claims, "at_hash")
			delete(s.claims, "auth_time")
			s.jose = map[string]any{"alg": "ES256", "kid": "ec-1"}
			s.alg, s.key = "ES256", sharedKeys().ec
			s.ctx.Algs = []string{"RS256", "ES256"}
		}, skipped: []string{"RESP-NO-REFRESH", "IDT-LIFETIME", "IDT-NONCE-ABSENT", "IDT-AMR"}},
		{name: "oidc with members in another order", profile: "oidc", mutate: func(t testing.TB, s *scenario) {
			tok := s.idToken(t)
			s.lastIDToken = tok
			s.body = []byte(`{"scope":"openid","id_token":"` + tok + `",` + "\n  " +
				`"expires_in":3600,"token_type":"Bearer","access_token":"` + testAccessToken + `"}`)
		}, skipped: []string{"RESP-NO-REFRESH", "IDT-LIFETIME", "IDT-NONCE-ABSENT", "IDT-AMR"}},
		{name: "PS256 and at_hash of SHA-256", profile: "oidc", mutate: func(_ testing.TB, s *scenario) {
			s.jose = map[string]any{"alg": "PS256", "kid": "rsa-2"}
			s.alg, s.key = "PS256", sharedKeys().rsa2
			s.ctx.Algs = []string{"PS256"}
		}, skipped: []string{"RESP-NO-REFRESH", "IDT-LIFETIME", "IDT-NONCE-ABSENT", "IDT-AMR"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newScenario(t, tc.profile)
			if tc.mutate != nil {
				tc.mutate(t, s)
			}
			for _, r := range Validate(t.Context(), s.build(t), &s.ctx, Success()) {
				if contains(tc.skipped, r.ID) {
					assertResult(t, r, skipIt, s.secrets())
					continue
				}
				assertResult(t, r, pass, s.secrets())
			}
		})
	}
}

func TestValidateReportsEveryFailure(t *testing.T) {
	t.Parallel()
	s := newScenario(t, "bankid")
	s.status = 500
	s.setHeader("Cache-Control")
	s.members["token_type"] = "mac"
	s.claims["iss"] = "https://evil.example"
	s.claims["exp"] = testNow.Unix() - 3600
	res := Validate(t.Context(), s.build(t), &s.ctx, Success())
	if len(res) != len(Success()) {
		t.Fatalf("%d results for %d checks", len(res), len(Success()))
	}
	var failed []string
	for _, r := range res {
		if r.Failed() {
			failed = append(failed, r.ID)
		}
	}
	got := strings.Join(failed, " ")
	for _, id := range []string{"RESP-STATUS-200", "RESP-NO-STORE", "RESP-TOKEN-TYPE", "IDT-ISS", "IDT-EXP"} {
		if !strings.Contains(got, id) {
			t.Errorf("failed rows %q lack %s", got, id)
		}
	}
}

package checks

import (
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"

	"github.com/tokenbench/tokenbench/internal/yamlfile"
)

func claim(name string, v any) func(testing.TB, *scenario) {
	return func(_ testing.TB, s *scenario) { s.claims[name] = v }
}

func noClaim(name string) func(testing.TB, *scenario) {
	return func(_ testing.TB, s *scenario) { delete(s.claims, name) }
}

func header(name string, v any) func(testing.TB, *scenario) {
	return func(_ testing.TB, s *scenario) { s.jose[name] = v }
}

// rawToken puts a hand-made id_token in the response.
func rawToken(tok string) func(testing.TB, *scenario) {
	return func(_ testing.TB, s *scenario) { s.members["id_token"] = tok }
}

// unsigned returns header.payload. with the given JSON texts.
func unsigned(header, payload string) string {
	return b64([]byte(header)) + "." + b64([]byte(payload)) + "."
}

func TestIDTJWS(t *testing.T) {
	t.Parallel()
	runTable(t, "IDT-JWS", []tcase{
		{name: "RS256 JWS", want: pass},
		{name: "JWE", mutate: rawToken("eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.OKOawDo13gRp2ojaHV7LFpZcgV7T6DVZKTyKOMTYUmKoTCVJRgckCL9kiMT03JGeipsEdY3mx_etLbbWSrFr05kLzcSr4qKAq7YN7e9jwQRb23nfa6c9d-StnImGyFDbSv04uVuxIp5Zms1gNxKKK2Da14B8S4rzVRltdYwam_lDp5XnZAYpQdb76FdIKLaVmqgfwX7XWRxv2322i-vDxRfqNzo_tETKzpVLzfiwQyeyPGLBIO56YJ7eObdv0je81860ppamavo35UgoRdbYaBcoh9QcfylQr66oc6vFWXRcZ_ZT2LawVCWTIy3brGPi6UklfCpIMfIjf7iGdXKHzg.48V1_ALb6US04U3b.5eym8TW_c8SuK0ltJ3rpYIzOeDQz7TALvtu6UG9oMo4vpzs9tX_EFShS8iB7j6jiSdiwkIr3ajwQzaBtQD_A.XFBoMYUZodetZdvTiFvSkQ"), want: fails(ErrEncrypted, "id_token")},
		{name: "two parts", mutate: rawToken("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0"), want: fails(ErrMalformedJWS, "id_token")},
		{name: "padded base64", mutate: rawToken("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0=.c2ln"), want: fails(ErrMalformedJWS, "id_token")},
		{name: "standard base64", mutate: rawToken("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2/+"), want: fails(ErrMalformedJWS, "id_token")},
		{name: "header not json", mutate: rawToken(b64([]byte("not json")) + ".eyJzdWIiOiJ4In0.c2ln"), want: fails(ErrMalformedJWS, "id_token")},
		{name: "payload an array", mutate: rawToken(b64([]byte(`{"alg":"RS256"}`)) + "." + b64([]byte(`[1]`)) + ".c2ln"), want: fails(ErrMalformedJWS, "id_token")},
		{name: "alg none", mutate: rawToken(unsigned(`{"alg":"none"}`, `{"sub":"x"}`)), want: fails(ErrAlgNone, "alg")},
		{name: "alg None", mutate: rawToken(unsigned(`{"alg":"None"}`, `{"sub":"x"}`)), want: fails(ErrAlgNone, "alg")},
		{name: "no alg", mutate: rawToken(unsigned(`{"kid":"rsa-1"}`, `{"sub":"x"}`) + "c2ln"), want: fails(ErrMissing, "alg")},
		{name: "alg a number", mutate: rawToken(unsigned(`{"alg":256}`, `{"sub":"x"}`) + "c2ln"), want: fails(ErrType, "alg")},
		{name: "empty signature", mutate: rawToken(unsigned(`{"alg":"RS256"}`, `{"sub":"x"}`)), want: fails(ErrMalformedJWS, "signature")},
		{name: "crit", mutate: header("crit", []string{"exp"}), want: fails(ErrMalformedJWS, "crit")},
		{name: "duplicate claim", mutate: func(t testing.TB, s *scenario) {
			s.members["id_token"] = signJSON(t, `{"alg":"RS256","kid":"rsa-1"}`, `{"sub":"a","iss":"x","sub":"b"}`, "RS256", sharedKeys().rsa)
		}, want: fails(ErrMalformedJWS, "payload")},
		{name: "duplicate header member", mutate: func(t testing.TB, s *scenario) {
			s.members["id_token"] = signJSON(t, `{"alg":"HS256","kid":"rsa-1","alg":"RS256"}`, `{"sub":"a"}`, "RS256", sharedKeys().rsa)
		}, want: fails(ErrMalformedJWS, "header")},
		{name: "no id_token", mutate: func(_ testing.TB, s *scenario) { s.noIDToken = true }, want: skipIt},
	})
}

func TestIDTAlg(t *testing.T) {
	t.Parallel()
	es256 := func(_ testing.TB, s *scenario) {
		s.jose = map[string]any{"alg": "ES256", "kid": "ec-1"}
		s.alg, s.key = "ES256", sharedKeys().ec
	}
	runTable(t, "IDT-ALG", []tcase{
		{name: "RS256", want: pass},
		{name: "ES256 not in bankid's list", mutate: es256, want: fails(ErrAlgNotAllowed, "alg")},
		{name: "ES256 allowed by the context", mutate: func(t testing.TB, s *scenario) { es256(t, s); s.ctx.Algs = []string{"ES256"} }, want: pass},
		{name: "none even if listed", mutate: func(t testing.TB, s *scenario) {
			s.members["id_token"] = unsigned(`{"alg":"none"}`, `{}`)
			s.ctx.Algs = []string{"none"}
		}, want: fails(ErrAlgNotAllowed, "alg")},
		{name: "RS256 default without profile algs", profile: "oidc", want: pass},
	})
}

func TestIDTKID(t *testing.T) {
	t.Parallel()
	runTable(t, "IDT-KID", []tcase{
		{name: "kid of an RS256 sig key", want: pass},
		{name: "kid of a key without alg and use", mutate: header("kid", "rsa-2"), want: pass},
		{name: "no kid", mutate: func(_ testing.TB, s *scenario) { delete(s.jose, "kid") }, want: fails(ErrNoKID, "kid")},
		{name: "empty kid", mutate: header("kid", ""), want: fails(ErrNoKID, "kid")},
		{name: "numeric kid", mutate: header("kid", 7), want: fails(ErrType, "kid")},
		{name: "unknown kid", mutate: header("kid", "rotated-away"), want: fails(ErrUnknownKID, "kid")},
		{name: "kid of an EC key", mutate: header("kid", "ec-1"), want: fails(ErrKeyMismatch, "kid")},
		{name: "kid of an enc key", mutate: header("kid", "enc-1"), want: fails(ErrKeyMismatch, "kid")},
		{name: "kid of a P-384 key for ES256", mutate: func(_ testing.TB, s *scenario) {
			s.jose = map[string]any{"alg": "ES256", "kid": "ec-384"}
			s.alg, s.key = "ES256", sharedKeys().ec
		}, want: fails(ErrKeyMismatch, "kid")},
		{name: "no key set", mutate: func(_ testing.TB, s *scenario) { s.ctx.Keys = nil }, want: skipIt},
	})
}

func TestIDTSignature(t *testing.T) {
	t.Parallel()
	k := sharedKeys()
	runTable(t, "IDT-SIGNATURE", []tcase{
		{name: "RS256", want: pass},
		{name: "ES256", mutate: func(_ testing.TB, s *scenario) {
			s.jose = map[string]any{"alg": "ES256", "kid": "ec-1"}
			s.alg, s.key = "ES256", k.ec
		}, want: pass},
		{name: "ES384 with a P-384 key without alg", mutate: func(_ testing.TB, s *scenario) {
			s.jose = map[string]any{"alg": "ES384", "kid": "ec-384"}
			s.alg, s.key = "ES384", k.ec384
		}, want: pass},
		{name: "alg outside the list still verified", mutate: func(_ testing.TB, s *scenario) {
			s.jose = map[string]any{"alg": "RS512", "kid": "rsa-2"}
			s.alg, s.key = "RS512", k.rsa2
		}, want: pass},
		{name: "ES256 signature DER-encoded", mutate: func(t testing.TB, s *scenario) {
			s.jose = map[string]any{"alg": "ES256", "kid": "ec-1"}
			s.alg, s.key = "ES256", k.ec
			parts := strings.Split(s.idToken(t), ".")
			raw, _ := base64.RawURLEncoding.DecodeString(parts[2])
			der, err := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(raw[:32]), new(big.Int).SetBytes(raw[32:])})
			if err != nil {
				t.Fatal(err)
			}
			parts[2] = base64.RawURLEncoding.EncodeToString(der)
			s.members["id_token"] = strings.Join(parts, ".")
		}, want: failsSaying(ErrSignature, "signature", "ASN.1 DER-encoded")},
		{name: "signed by another key", mutate: func(_ testing.TB, s *scenario) { s.key = k.rsa2 }, want: fails(ErrSignature, "signature")},
		{name: "tampered payload", mutate: func(t testing.TB, s *scenario) {
			tok := s.idToken(t)
			parts := strings.Split(tok, ".")
			s.claims["sub"] = "someone-else"
			forged := s.idToken(t)
			parts[1] = strings.Split(forged, ".")[1]
			s.members["id_token"] = strings.Join(parts, ".")
		}, want: fails(ErrSignature, "signature")},
		{name: "header alg differs from the signing alg", mutate: func(_ testing.TB, s *scenario) {
			s.jose = map[string]any{"alg": "PS256", "kid": "rsa-2"}
			s.alg, s.key = "RS256", k.rsa2
		}, want: fails(ErrSignature, "signature")},
		{name: "unknown kid", mutate: header("kid", "nope"), want: fails(ErrSignature, "signature")},
		{name: "key type does not fit", mutate: header("kid", "ec-1"), want: fails(ErrSignature, "signature")},
		{name: "alg none", mutate: rawToken(unsigned(`{"alg":"none"}`, `{"sub":"x"}`)), want: fails(ErrSignature, "alg")},
		{name: "HS256 without the client secret", mutate: func(_ testing.TB, s *scenario) {
			s.jose = map[string]any{"alg": "HS256"}
			s.alg, s.key = "HS256", []byte("client-secret-at-least-32-bytes-long!")
		}, want: skipIt},
		{name: "HS256 with the client secret", mutate: func(_ testing.TB, s *scenario) {
			s.jose = map[string]any{"alg": "HS256"}
			s.alg, s.key = "HS256", []byte("client-secret-at-least-32-bytes-long!")
			s.ctx.ClientSecret = "client-secret-at-least-32-bytes-long!"
		}, want: pass},
		{name: "HS256 signed with another secret", mutate: func(_ testing.TB, s *scenario) {
			s.jose = map[string]any{"alg": "HS256"}
			s.alg, s.key = "HS256", []byte("another-secret-at-least-32-bytes-long")
			s.ctx.ClientSecret = "client-secret-at-least-32-bytes-long!"
		}, want: fails(ErrSignature, "signature")},
		{name: "no key set", mutate: func(_ testing.TB, s *scenario) { s.ctx.Keys = nil }, want: skipIt},
		{name: "no kid, one fitting key", mutate: func(_ testing.TB, s *scenario) {
			s.jose = map[string]any{"alg": "ES256"}
			s.alg, s.key = "ES256", k.ec
		}, want: pass},
	})
}

// TestVerifySignatureMatchesJWS checks that verifying the split token gives
// jws.Verify's verdict.
func TestVerifySignatureMatchesJWS(t *testing.T) {
	t.Parallel()
	k := sharedKeys()
	s := newScenario(t, "bankid")
	good := s.idToken(t)
	s.key = k.rsa2
	bad := s.idToken(t)
	pub, err := jwk.FromRaw(&k.rsa.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{good, bad} {
		parsed, err := parseIDToken([]byte(tok))
		if err != nil {
			t.Fatal(err)
		}
		_, want := jws.Verify([]byte(tok), jws.WithKey(jwa.RS256, pub))
		got := verifySignature(parsed, &k.rsa.PublicKey)
		if (got == nil) != (want == nil) {
			t.Errorf("verifySignature = %v, jws.Verify = %v", got, want)
		}
	}
}

func TestIDTHeaderKeys(t *testing.T) {
	t.Parallel()
	runTable(t, "IDT-HEADER-KEYS", []tcase{
		{name: "kid typ alg", want: pass},
		{name: "x5t is fine", mutate: header("x5t", "abc"), want: pass},
		{name: "jku", mutate: header("jku", "https://evil.example/jwks"), want: fails(ErrHeaderKeys, "header")},
		{name: "jwk and x5u", mutate: func(t testing.TB, s *scenario) {
			header("jwk", map[string]any{"kty": "oct"})(t, s)
			header("x5u", "https://evil.example/cert")(t, s)
		}, want: fails(ErrHeaderKeys, "header")},
	})
}

func TestIDTIss(t *testing.T) {
	t.Parallel()
	runTable(t, "IDT-ISS", []tcase{
		{name: "exact", want: pass},
		{name: "trailing slash", mutate: claim("iss", testIssuer+"/"), want: fails(ErrIssuer, "iss")},
		{name: "case", mutate: claim("iss", strings.ToUpper(testIssuer)), want: fails(ErrIssuer, "iss")},
		{name: "absent", mutate: noClaim("iss"), want: fails(ErrMissing, "iss")},
		{name: "array", mutate: claim("iss", []string{testIssuer}), want: fails(ErrType, "iss")},
		{name: "no issuer configured", mutate: func(_ testing.TB, s *scenario) { s.ctx.Issuer = "" }, want: skipIt},
	})
}

func TestIDTAud(t *testing.T) {
	t.Parallel()
	runTable(t, "IDT-AUD", []tcase{
		{name: "string", want: pass},
		{name: "array containing", mutate: claim("aud", []string{"api", testClientID}), want: pass},
		{name: "other client", mutate: claim("aud", "client-2"), want: fails(ErrAudience, "aud")},
		{name: "array without", mutate: claim("aud", []string{"api"}), want: fails(ErrAudience, "aud")},
		{name: "empty array", mutate: claim("aud", []string{}), want: fails(ErrAudience, "aud")},
		{name: "array with a number", mutate: claim("aud", []any{testClientID, 1}), want: fails(ErrType, "aud")},
		{name: "absent", mutate: noClaim("aud"), want: fails(ErrMissing, "aud")},
	})
}

func TestIDTAzp(t *testing.T) {
	t.Parallel()
	runTable(t, "IDT-AZP", []tcase{
		{name: "present", want: pass},
		{name: "absent under bankid", mutate: noClaim("azp"), want: fails(ErrMissing, "azp")},
		{name: "absent, one aud, oidc", profile: "oidc", mutate: noClaim("azp"), want: pass},
		{name: "absent, one aud in an array, oidc", profile: "oidc", mutate: func(t testing.TB, s *scenario) {
			noClaim("azp")(t, s)
			claim("aud", []string{testClientID, testClientID})(t, s)
		}, want: pass},
		{name: "absent, several aud, oidc", profile: "oidc", mutate: func(t testing.TB, s *scenario) {
			noClaim("azp")(t, s)
			claim("aud", []string{testClientID, "api"})(t, s)
		}, want: fails(ErrMissing, "azp")},
		{name: "several aud with azp, oidc", profile: "oidc", mutate: claim("aud", []string{testClientID, "api"}), want: pass},
		{name: "other client", profile: "oidc", mutate: claim("azp", "client-2"), want: fails(ErrAzp, "azp")},
		{name: "number", mutate: claim("azp", 1), want: fails(ErrType, "azp")},
	})
}

func TestIDTExp(t *testing.T) {
	t.Parallel()
	now := testNow.Unix()
	runTable(t, "IDT-EXP", []tcase{
		{name: "in an hour", want: pass},
		{name: "expired within skew", mutate: claim("exp", now-30), want: pass},
		{name: "expired", mutate: claim("exp", now-61), want: fails(ErrExpired, "exp")},
		{name: "milliseconds", mutate: claim("exp", (now+3600)*1000), want: fails(ErrMilliseconds, "exp")},
		{name: "string", mutate: claim("exp", "1700003600"), want: fails(ErrType, "exp")},
		{name: "absent", mutate: noClaim("exp"), want: fails(ErrMissing, "exp")},
		{name: "fractional seconds", mutate: claim("exp", json.RawMessage("1700003600.5")), want: pass},
	})
}

func TestIDTIat(t *testing.T) {
	t.Parallel()
	now := testNow.Unix()
	runTable(t, "IDT-IAT", []tcase{
		{name: "now", want: pass},
		{name: "within skew", mutate: claim("iat", now+59), want: pass},
		{name: "in the future", mutate: claim("iat", now+600), want: fails(ErrIssuedAt, "iat")},
		{name: "an hour ago", mutate: claim("iat", now-3600), want: fails(ErrIssuedAt, "iat")},
		{name: "after exp", mutate: claim("exp", now-10), want: fails(ErrIssuedAfterExp, "iat")},
		{name: "milliseconds", mutate: claim("iat", now*1000), want: fails(ErrMilliseconds, "iat")},
		{name: "absent", mutate: noClaim("iat"), want: fails(ErrMissing, "iat")},
	})
	t.Run("both rules reported", func(t *testing.T) {
		t.Parallel()
		s := newScenario(t, "bankid")
		s.claims["iat"] = now + 600
		s.claims["exp"] = now + 300
		r := runCheck(t, s, "IDT-IAT")
		if !errors2(r.Err, ErrIssuedAt, ErrIssuedAfterExp) || len(r.Failures()) != 2 {
			t.Errorf("got %v, want both ErrIssuedAt and ErrIssuedAfterExp", r.Err)
		}
	})
}

func TestIDTLifetime(t *testing.T) {
	t.Parallel()
	now := testNow.Unix()
	runTable(t, "IDT-LIFETIME", []tcase{
		{name: "3587 s within 5m..1h", want: pass},
		{name: "2 h", mutate: claim("exp", now+7200), want: fails(ErrLifetime, "exp − iat")},
		{name: "1 min", mutate: claim("exp", now+60), want: fails(ErrLifetime, "exp − iat")},
		{name: "exp in milliseconds", mutate: claim("exp", (now+3587)*1000), want: skipIt},
		{name: "oidc skips the row", profile: "oidc", want: skipIt},
		{name: "no range in the profile", mutate: func(_ testing.TB, s *scenario) {
			p := *s.ctx.Profile
			p.IDToken.Lifetime.Min, p.IDToken.Lifetime.Max = 0, 0
			s.ctx.Profile = &p
		}, want: skipIt},
	})
}

func TestIDTAuthTime(t *testing.T) {
	t.Parallel()
	now := testNow.Unix()
	runTable(t, "IDT-AUTH-TIME", []tcase{
		{name: "13 s before iat", want: pass},
		{name: "absent under bankid", mutate: noClaim("auth_time"), want: fails(ErrMissing, "auth_time")},
		{name: "absent under oidc", profile: "oidc", mutate: noClaim("auth_time"), want: pass},
		{name: "after iat", mutate: claim("auth_time", now+300), want: fails(ErrAuthTime, "auth_time")},
		{name: "zero", mutate: claim("auth_time", 0), want: fails(ErrAuthTimeStale, "auth_time")},
		{name: "25 h before iat", mutate: claim("auth_time", now-25*3600), want: fails(ErrAuthTimeStale, "auth_time")},
		{name: "23 h before iat", mutate: claim("auth_time", now-23*3600), want: pass},
		{name: "2 h before iat, 1 h session", mutate: func(_ testing.TB, s *scenario) {
			p := *s.ctx.Profile
			p.IDToken.MaxAuthAge = yamlfile.Duration(time.Hour)
			s.ctx.Profile = &p
			claim("auth_time", now-2*3600)(nil, s)
		}, want: fails(ErrAuthTimeStale, "auth_time")},
		{name: "string", mutate: claim("auth_time", "yesterday"), want: fails(ErrType, "auth_time")},
	})
}

func TestIDTSub(t *testing.T) {
	t.Parallel()
	runTable(t, "IDT-SUB", []tcase{
		{name: "bankid sub", want: pass},
		{name: "255 chars", mutate: claim("sub", strings.Repeat("a", 255)), want: pass},
		{name: "256 chars", mutate: claim("sub", strings.Repeat("a", 256)), want: fails(ErrSubject, "sub")},
		{name: "non-ascii", mutate: claim("sub", "bjørn"), want: fails(ErrSubject, "sub")},
		{name: "empty", mutate: claim("sub", ""), want: fails(ErrEmpty, "sub")},
		{name: "number", mutate: claim("sub", 42), want: fails(ErrType, "sub")},
		{name: "absent", mutate: noClaim("sub"), want: fails(ErrMissing, "sub")},
		{name: "stable", mutate: func(_ testing.TB, s *scenario) { s.ctx.ExpectSub = "9578-6000-4-30799" }, want: pass},
		{name: "changed", mutate: func(_ testing.TB, s *scenario) { s.ctx.ExpectSub = "9578-6000-4-30800" }, want: fails(ErrSubjectChanged, "sub")},
	})
}

func TestIDTNonce(t *testing.T) {
	t.Parallel()
	runTable(t, "IDT-NONCE", []tcase{
		{name: "equal", want: pass},
		{name: "different", mutate: claim("nonce", "other"), want: fails(ErrNonce, "nonce")},
		{name: "absent", mutate: noClaim("nonce"), want: fails(ErrMissing, "nonce")},
		{name: "null", mutate: claim("nonce", nil), want: fails(ErrType, "nonce")},
		{name: "none sent", mutate: func(_ testing.TB, s *scenario) { s.ctx.Nonce = "" }, want: skipIt},
	})
}

func TestIDTNonceAbsent(t *testing.T) {
	t.Parallel()
	noneSent := func(_ testing.TB, s *scenario) { s.ctx.Nonce = "" }
	runTable(t, "IDT-NONCE-ABSENT", []tcase{
		{name: "absent", profile: "oidc", mutate: func(t testing.TB, s *scenario) { noneSent(t, s); noClaim("nonce")(t, s) }, want: pass},
		{name: "null under bankid", mutate: func(t testing.TB, s *scenario) { noneSent(t, s); claim("nonce", nil)(t, s) }, want: pass},
		{name: "null under oidc", profile: "oidc", mutate: func(t testing.TB, s *scenario) { noneSent(t, s); claim("nonce", nil)(t, s) }, want: fails(ErrNoncePresent, "nonce")},
		{name: "a value", mutate: noneSent, want: fails(ErrNoncePresent, "nonce")},
		{name: "a nonce was sent", want: skipIt},
	})
}

func TestIDTAtHash(t *testing.T) {
	t.Parallel()
	k := sharedKeys()
	runTable(t, "IDT-AT-HASH", []tcase{
		{name: "SHA-256 for RS256", want: pass},
		{name: "SHA-384 for ES384", mutate: func(_ testing.TB, s *scenario) {
			s.jose = map[string]any{"alg": "ES384", "kid": "ec-384"}
			s.alg, s.key = "ES384", k.ec384
			s.claims["at_hash"] = "OpKY2eMul2bPwmdAEuGs71IkmirWs3Vc" // left half of SHA-384(testAccessToken)
		}, want: pass},
		{name: "SHA-256 hash for ES384", mutate: func(_ testing.TB, s *scenario) {
			s.jose = map[string]any{"alg": "ES384", "kid": "ec-384"}
			s.alg, s.key = "ES384", k.ec384
		}, want: fails(ErrAtHash, "at_hash")},
		{name: "another token's hash", mutate: claim("at_hash", atHashOf("other")), want: fails(ErrAtHash, "at_hash")},
		{name: "padded", mutate: claim("at_hash", atHashOf(testAccessToken)+"=="), want: fails(ErrAtHash, "at_hash")},
		{name: "absent under bankid", mutate: noClaim("at_hash"), want: fails(ErrMissing, "at_hash")},
		{name: "absent under oidc", profile: "oidc", mutate: noClaim("at_hash"), want: pass},
		{name: "number", mutate: claim("at_hash", 1), want: fails(ErrType, "at_hash")},
		{name: "no access token", mutate: func(_ testing.TB, s *scenario) { delete(s.members, "access_token") }, want: skipIt},
	})
}

func TestIDTAMR(t *testing.T) {
	t.Parallel()
	runTable(t, "IDT-AMR", []tcase{
		{name: "BankID", want: pass},
		{name: "BankID among others", mutate: claim("amr", []string{"otp", "BankID"}), want: pass},
		{name: "other values", mutate: claim("amr", []string{"pwd"}), want: fails(ErrAMR, "amr")},
		{name: "string", mutate: claim("amr", "BankID"), want: fails(ErrType, "amr")},
		{name: "array with a number", mutate: claim("amr", []any{"BankID", 1}), want: fails(ErrType, "amr")},
		{name: "absent", mutate: noClaim("amr"), want: fails(ErrMissing, "amr")},
		{name: "oidc skips the row", profile: "oidc", want: skipIt},
		{name: "bankid-v4: a documented value", profile: "bankid-v4", mutate: claim("amr", []string{"bid"}), want: pass},
		{name: "bankid-v4: two documented values", profile: "bankid-v4", mutate: claim("amr", []string{"bis-mfa", "bid-app"}), want: pass},
		{name: "bankid-v4: the pilot's BankID", profile: "bankid-v4", want: failsSaying(ErrAMR, "amr", `undocumented values "BankID"`)},
		{name: "bankid-v4: empty", profile: "bankid-v4", mutate: claim("amr", []string{}), want: failsSaying(ErrAMR, "amr", "missing a value")},
	})
}

func TestIDTClaims(t *testing.T) {
	t.Parallel()
	runTable(t, "IDT-CLAIMS", []tcase{
		{name: "bankid claim set", want: pass},
		{name: "birthdate not a date", mutate: claim("birthdate", "18.12.1966"), want: fails(ErrDate, "birthdate")},
		{name: "birthdate 30 February", mutate: claim("birthdate", "1966-02-30"), want: fails(ErrDate, "birthdate")},
		{name: "birthdate 29 February of a leap year", mutate: claim("birthdate", "1964-02-29"), want: pass},
		{name: "birthdate year omitted", mutate: claim("birthdate", "0000-12-18"), want: pass},
		{name: "birthdate a number", mutate: claim("birthdate", 19661218), want: fails(ErrType, "birthdate")},
		{name: "name missing", mutate: noClaim("name"), want: fails(ErrMissing, "name")},
		{name: "aud an object", mutate: claim("aud", map[string]any{}), want: fails(ErrType, "aud")},
	})
	t.Run("every problem reported, personal values redacted", func(t *testing.T) {
		t.Parallel()
		s := newScenario(t, "bankid")
		delete(s.claims, "given_name")
		s.claims["family_name"] = []string{"Nilsen"}
		s.claims["birthdate"] = "1966-12-18T00:00:00Z"
		s.claims["auth_time"] = "1966-12-18"
		r := runCheck(t, s, "IDT-CLAIMS")
		var fields []string
		for _, f := range r.Failures() {
			fields = append(fields, f.Field)
		}
		if got, want := strings.Join(fields, " "), "auth_time birthdate family_name given_name"; got != want {
			t.Errorf("fields %q, want %q", got, want)
		}
		text := r.Err.Error()
		if !strings.Contains(text, "[redacted] (a string of 20 chars)") || !strings.Contains(text, "[redacted] (an array of 1 elements)") {
			t.Errorf("personal claims not shown by shape: %v", text)
		}
		assertResult(t, r, fails(ErrMissing, "given_name"), []string{"Nilsen", "1966-12-18T"})
	})
}

func TestSkipsWithoutIDToken(t *testing.T) {
	t.Parallel()
	s := newScenario(t, "bankid")
	s.noIDToken = true
	for _, r := range Validate(t.Context(), s.build(t), &s.ctx, Success()) {
		if !strings.HasPrefix(r.ID, "IDT-") {
			continue
		}
		if _, ok := r.Skipped(); !ok {
			t.Errorf("%s: got %v, want a skip", r.ID, r.Err)
		}
	}
}

func TestIDTokenString(t *testing.T) {
	t.Parallel()
	s := newScenario(t, "bankid")
	tok := s.idToken(t)
	parsed, err := parseIDToken([]byte(tok))
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{parsed.String(), parsed.GoString()} {
		if strings.Contains(text, tok[strings.LastIndexByte(tok, '.')+1:]) || strings.Contains(text, "Nilsen") {
			t.Errorf("String leaks: %s", text)
		}
		if !strings.Contains(text, `alg="RS256"`) || !strings.Contains(text, "birthdate") {
			t.Errorf("String = %s", text)
		}
	}
	red := parsed.RedactedClaims([]string{"family_name"})
	if string(red["family_name"]) != `"[redacted]"` || string(red["iss"]) != `"`+testIssuer+`"` {
		t.Errorf("RedactedClaims = %s", red)
	}
}

func TestValidDate(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		"2024-02-29": true, "2023-02-29": false, "1900-02-29": false, "2000-02-29": true,
		"2024-04-31": false, "2024-12-31": true, "2024-13-01": false, "2024-00-10": false,
		"2024-1-01": false, "24-01-01": false, "2024/01/01": false, "2024-01-0a": false,
	} {
		if got := validDate(s); got != want {
			t.Errorf("validDate(%q) = %v, want %v", s, got, want)
		}
	}
}

func errors2(err error, a, b error) bool {
	fs := Failures(err)
	var hasA, hasB bool
	for _, f := range fs {
		hasA = hasA || f.Err == a
		hasB = hasB || f.Err == b
	}
	return hasA && hasB
}

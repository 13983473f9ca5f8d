package provider

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/internal/catalog"
)

// defectProbe shows a defect at the wire: probe runs the same requests
// against the clean and the defective provider and summarises what it saw;
// clean and defect are the summaries expected from each.
type defectProbe struct {
	probe         func(t *testing.T, h *harness) string
	clean, defect string
}

// probeConfig is the configuration, less the defect, of both providers a
// defect's wire test compares: a defect of a documented promise the clean
// provider keeps only when configured to.
func probeConfig(defect string) Config {
	switch defect {
	case dPKCENotRequired:
		return Config{RequirePKCE: true}
	case dES256DER:
		return Config{SigningAlg: AlgES256}
	case dPilotLifetime:
		return Config{TokenTTL: 300 * time.Second}
	case dPilotAMR:
		return Config{AMR: []string{"bid"}}
	}
	switch {
	case defect == dDPoPNonceNoHeader:
		return Config{DPoP: true, Variants: []string{vDPoPNonce}}
	case defect == dDPoPJWTNoCnf:
		return Config{DPoP: true, Variants: []string{vJWTAccessTokens}}
	case defect == dDPoPNonceUnverified:
		return Config{DPoP: true, Variants: []string{vDPoPNonceClock}}
	case strings.HasPrefix(defect, "dpop-"):
		return Config{DPoP: true}
	}
	return Config{}
}

// authzOutcome summarises an authorization request's answer: "code", the
// error it redirects with, or the status.
func authzOutcome(h *harness, a authz) string {
	resp := h.authorize(a)
	loc, _ := url.Parse(resp.Header.Get("Location"))
	switch {
	case resp.StatusCode != http.StatusFound || loc == nil:
		return fmt.Sprint(resp.StatusCode)
	case loc.Query().Get("code") != "":
		return "code"
	}
	return loc.Query().Get("error")
}

// discoveryMember returns the raw JSON of a discovery member ("<absent>").
func discoveryMember(name string) func(*testing.T, *harness) string {
	return func(t *testing.T, h *harness) string {
		var d map[string]json.RawMessage
		if err := json.Unmarshal(h.get(PathDiscovery).body, &d); err != nil {
			t.Fatal(err)
		}
		if raw, ok := d[name]; ok {
			return string(raw)
		}
		return "<absent>"
	}
}

// outcomeOf probes with one token request built from a fresh harness.
func outcomeOf(req func(h *harness) treq) func(*testing.T, *harness) string {
	return func(t *testing.T, h *harness) string { return h.token(req(h)).outcome() }
}

// formWith is a valid exchange's body with parameters set ("<del>" deletes).
func formWith(code string, kv ...string) url.Values {
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

// successProbe summarises one aspect of a successful exchange.
func successProbe(f func(t *testing.T, h *harness, r *result) string) func(*testing.T, *harness) string {
	return func(t *testing.T, h *harness) string {
		r := h.exchange()
		return f(t, h, r)
	}
}

// claimProbe summarises the raw JSON of one ID token claim ("<absent>").
func claimProbe(name string, a authz) func(*testing.T, *harness) string {
	return func(t *testing.T, h *harness) string {
		r := h.token(treq{form: validForm(h.code(a))})
		raw, ok := r.idToken(t).claims[name]
		if !ok {
			return "<absent>"
		}
		return string(raw)
	}
}

// headerProbe summarises one ID token header parameter ("<absent>").
func headerProbe(name string) func(*testing.T, *harness) string {
	return func(t *testing.T, h *harness) string {
		raw, ok := h.exchange().idToken(t).header[name]
		if !ok {
			return "<absent>"
		}
		return string(raw)
	}
}

// errorProbe summarises one aspect of the error answer to an unknown code.
func errorProbe(f func(r *result) string) func(*testing.T, *harness) string {
	return func(t *testing.T, h *harness) string {
		return f(h.token(treq{form: validForm("bm90LWEtY29kZQ")}))
	}
}

// lifetime is exp - iat of the ID token.
func lifetime(t *testing.T, h *harness) string {
	c := h.exchange().idToken(t).claims
	return fmt.Sprint(num(c, "exp") - num(c, "iat"))
}

const verifier43 = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"

// defectProbes has one probe per defect.
func defectProbes() map[string]defectProbe {
	probes := map[string]defectProbe{
		dGetAccepted: {outcomeOf(func(h *harness) treq {
			return treq{method: http.MethodGet, query: validForm(h.code(authz{})).Encode()}
		}), "405 invalid_request", "200 tokens"},
		dJSONBodyAccepted: {outcomeOf(func(h *harness) treq {
			return treq{contentType: "application/json", body: `{"grant_type":"authorization_code","code":"` + h.code(authz{}) + `","redirect_uri":"` + callback + `"}`}
		}), "400 invalid_request", "200 tokens"},
		dEmptyRedirectAccepted: {outcomeOf(func(h *harness) treq {
			return treq{form: formWith(h.code(authz{}), "redirect_uri", "")}
		}), "400 invalid_request", "200 tokens"},
		dUnknownParamRejected: {outcomeOf(func(h *harness) treq {
			return treq{form: formWith(h.code(authz{}), "foo", "bar")}
		}), "200 tokens", "400 invalid_request"},
		dDuplicatesAccepted: {outcomeOf(func(h *harness) treq {
			c := h.code(authz{})
			return treq{body: validForm(c).Encode() + "&code=other"}
		}), "400 invalid_request", "200 tokens"},
		dGrantMissingAccepted: {outcomeOf(func(h *harness) treq {
			return treq{form: formWith(h.code(authz{}), "grant_type", "<del>")}
		}), "400 invalid_request", "200 tokens"},
		dWrongGrantError: {outcomeOf(func(h *harness) treq {
			return treq{form: formWith(h.code(authz{}), "grant_type", "refresh_token")}
		}), "400 unsupported_grant_type", "400 invalid_grant"},
		dCodeMissingWrongError: {outcomeOf(func(h *harness) treq {
			return treq{form: formWith("", "code", "<del>")}
		}), "400 invalid_request", "400 invalid_grant"},
		dUnknownCode500: {outcomeOf(func(h *harness) treq {
			return treq{form: validForm("bm90LWEtY29kZQ")}
		}), "400 invalid_grant", "500 server_error"},
		dRedirectMissingOK: {outcomeOf(func(h *harness) treq {
			return treq{form: formWith(h.code(authz{}), "redirect_uri", "<del>")}
		}), "400 invalid_request", "200 tokens"},
		dRedirectPrefixMatch: {func(t *testing.T, h *harness) string {
			var out []string
			for _, uri := range []string{callback + "/", callback + "?x=1", "HTTP://127.0.0.1:9/CALLBACK", callback2} {
				out = append(out, h.token(treq{form: formWith(h.code(authz{}), "redirect_uri", uri)}).outcome())
			}
			return strings.Join(out, ", ")
		}, "400 invalid_grant, 400 invalid_grant, 400 invalid_grant, 400 invalid_grant", "200 tokens, 200 tokens, 200 tokens, 200 tokens"},
		dClientIDAccepted: {outcomeOf(func(h *harness) treq {
			return treq{form: formWith(h.code(authz{}), "client_id", clientA)}
		}), "400 invalid_request", "200 tokens"},

		dBasicNotDecoded: {outcomeOf(func(h *harness) treq {
			return treq{auth: basic(clientEnc, secretEnc), form: validForm(h.code(authz{client: clientEnc}))}
		}), "200 tokens", "401 invalid_client"},
		dMissingAuth400: {outcomeOf(func(h *harness) treq {
			return treq{auth: "-", form: validForm(h.code(authz{}))}
		}), "401 invalid_client", "400 invalid_request"},
		dNoWWWAuthenticate: {func(t *testing.T, h *harness) string {
			r := h.token(treq{auth: basic(clientA, "wrong"), form: validForm(h.code(authz{}))})
			return r.outcome() + " " + r.header.Get("WWW-Authenticate")
		}, `401 invalid_client Basic realm="tokenbench"`, "401 invalid_client "},
		dChallengeWrongSecret: {func(t *testing.T, h *harness) string {
			var out []string
			for _, auth := range []string{basic(clientA, "wrong"), basic("nobody", "x"), "Basic !!!", basic(clientJWT, secretJWT)} {
				r := h.token(treq{auth: auth, form: validForm(h.code(authz{}))})
				out = append(out, r.outcome()+" "+r.header.Get("WWW-Authenticate"))
			}
			return strings.Join(out, ", ")
		}, `401 invalid_client Basic realm="tokenbench", 401 invalid_client Basic realm="tokenbench", 401 invalid_client Basic realm="tokenbench", 401 invalid_client Basic realm="tokenbench"`,
			`401 invalid_client Basic realm="tokenbench", 401 invalid_client , 401 invalid_client , 401 invalid_client `},
		dUnknownClient400: {outcomeOf(func(h *harness) treq {
			return treq{auth: basic("nobody", "x"), form: validForm(h.code(authz{}))}
		}), "401 invalid_client", "400 invalid_client"},
		dPublicClientAccepted: {outcomeOf(func(h *harness) treq {
			return treq{auth: "-", form: formWith(h.code(authz{}), "client_id", clientA)}
		}), "401 invalid_client", "200 tokens"},
		dSecretPostAccepted: {outcomeOf(func(h *harness) treq {
			return treq{auth: "-", form: formWith(h.code(authz{}), "client_id", clientA, "client_secret", secretA)}
		}), "401 invalid_client", "200 tokens"},
		dTwoMethodsAccepted: {outcomeOf(func(h *harness) treq {
			return treq{form: formWith(h.code(authz{}), "client_secret", secretA)}
		}), "400 invalid_request", "200 tokens"},
		dMalformedAuth500: {func(t *testing.T, h *harness) string {
			var out []string
			for _, auth := range []string{"Basic !!!", "Bearer x", " "} {
				out = append(out, h.token(treq{auth: auth, form: validForm(h.code(authz{}))}).outcome())
			}
			return strings.Join(out, ", ")
		}, "401 invalid_client, 401 invalid_client, 401 invalid_client", "500 server_error, 500 server_error, 500 server_error"},
		dSecretInQueryAccepted: {outcomeOf(func(h *harness) treq {
			return treq{auth: "-", form: validForm(h.code(authz{})), query: url.Values{"client_id": {clientA}, "client_secret": {secretA}}.Encode()}
		}), "401 invalid_client", "200 tokens"},

		dCodeReusable: {func(t *testing.T, h *harness) string {
			code := h.code(authz{})
			first := h.token(treq{form: validForm(code)})
			second := h.token(treq{form: validForm(code)})
			return second.outcome() + ", userinfo " + fmt.Sprint(h.userinfo(first.str("access_token")).status)
		}, "400 invalid_grant, userinfo 401", "200 tokens, userinfo 200"},
		dCodeRace: {func(t *testing.T, h *harness) string {
			sequential := func() string {
				code := h.code(authz{})
				h.token(treq{form: validForm(code)})
				return h.token(treq{form: validForm(code)}).outcome()
			}()
			for range 5 {
				if n := raceCode(t, h, 10); n > 1 {
					return sequential + ", several"
				}
			}
			return sequential + ", one"
		}, "400 invalid_grant, one", "400 invalid_grant, several"},
		dCodeRaceNarrow: {func(t *testing.T, h *harness) string {
			// Whether concurrent redemptions overlap in 300 µs depends on
			// the machine: the teeth test races for it; here the window
			// and the sequential reuse, which must stay refused.
			code := h.code(authz{})
			h.token(treq{form: validForm(code)})
			return fmt.Sprintf("window %v, sequential reuse %s", h.p.redeemOptions(h.p.roll()).window, h.token(treq{form: validForm(code)}).outcome())
		}, "window 0s, sequential reuse 400 invalid_grant", "window 300µs, sequential reuse 400 invalid_grant"},
		dReuseNoRevoke: {func(t *testing.T, h *harness) string {
			code := h.code(authz{})
			first := h.token(treq{form: validForm(code)})
			second := h.token(treq{form: validForm(code)})
			return second.outcome() + ", userinfo " + fmt.Sprint(h.userinfo(first.str("access_token")).status)
		}, "400 invalid_grant, userinfo 401", "400 invalid_grant, userinfo 200"},
		dCodeNotBound: {outcomeOf(func(h *harness) treq {
			return treq{auth: basic(clientB, secretB), form: validForm(h.code(authz{}))}
		}), "400 invalid_grant", "200 tokens"},
		dCodeNeverExpires: {outcomeOf(func(h *harness) treq {
			c := h.code(authz{})
			h.clock.Advance(DefaultCodeTTL + 24*time.Hour)
			return treq{form: validForm(c)}
		}), "400 invalid_grant", "200 tokens"},
		dShortCodes: {func(t *testing.T, h *harness) string {
			return fmt.Sprint(len(h.code(authz{})))
		}, "43", "8"},
		dPKCEWrongVerifierOK: {outcomeOf(func(h *harness) treq {
			return treq{form: formWith(h.code(authz{challenge: s256(verifier43), method: "S256"}), "code_verifier", verifier43+"x")}
		}), "400 invalid_grant", "200 tokens"},
		dPKCEMissingVerifierOK: {outcomeOf(func(h *harness) treq {
			return treq{form: validForm(h.code(authz{challenge: s256(verifier43), method: "S256"}))}
		}), "400 invalid_grant", "200 tokens"},
		dPKCEDowngradeAccepted: {outcomeOf(func(h *harness) treq {
			return treq{form: formWith(h.code(authz{}), "code_verifier", verifier43)}
		}), "400 invalid_grant", "200 tokens"},
		dPKCENotRequired: {func(t *testing.T, h *harness) string {
			return authzOutcome(h, authz{}) + ", " + authzOutcome(h, authz{challenge: s256(verifier43), method: "S256"})
		}, "invalid_request, code", "code, code"},
		dPKCEPlainAccepted: {func(t *testing.T, h *harness) string {
			out := authzOutcome(h, authz{challenge: verifier43, method: "plain"})
			if out != "code" {
				return out
			}
			return h.token(treq{form: formWith(h.code(authz{challenge: verifier43, method: "plain"}), "code_verifier", verifier43)}).outcome()
		}, "invalid_request", "200 tokens"},
		dPKCEShortVerifierOK: {outcomeOf(func(h *harness) treq {
			return treq{form: formWith(h.code(authz{challenge: s256(verifier43[:42]), method: "S256"}), "code_verifier", verifier43[:42])}
		}), "400 invalid_grant", "200 tokens"},
		dPKCEVerifierCharsOK: {outcomeOf(func(h *harness) treq {
			return treq{form: formWith(h.code(authz{challenge: s256(verifier43 + "+"), method: "S256"}), "code_verifier", verifier43+"+")}
		}), "400 invalid_grant", "200 tokens"},
		dDiscPKCEMethodsAbsent: {discoveryMember("code_challenge_methods_supported"), `["S256"]`, "<absent>"},
		dDiscIDTokenAlgsWrong:  {discoveryMember("id_token_signing_alg_values_supported"), `["RS256"]`, `["ES256"]`},

		dStatus201: {successProbe(func(t *testing.T, h *harness, r *result) string { return fmt.Sprint(r.status) }), "200", "201"},
		dContentTypeText: {successProbe(func(t *testing.T, h *harness, r *result) string { return r.header.Get("Content-Type") }),
			"application/json;charset=utf-8", "text/plain;charset=utf-8"},
		dNoCacheControl: {func(t *testing.T, h *harness) string {
			return fmt.Sprint(h.wireHeader(treq{form: validForm(h.code(authz{}))}, PathToken, "Cache-Control"))
		}, "[no-store]", "[]"},
		dNoPragma: {successProbe(func(t *testing.T, h *harness, r *result) string { return fmt.Sprint(r.header.Values("Pragma")) }),
			"[no-cache]", "[]"},
		dTokenTypeMAC: {successProbe(func(t *testing.T, h *harness, r *result) string { return r.str("token_type") }), "Bearer", "mac"},
		dAccessTokenBadChars: {successProbe(func(t *testing.T, h *harness, r *result) string {
			at := r.str("access_token")
			return fmt.Sprintf("vschar %v, space %v, at_hash matches %v", vschar(at), strings.Contains(at, " "),
				str(r.idToken(t).claims, "at_hash") == atHash(at))
		}), "vschar true, space false, at_hash matches true", "vschar false, space true, at_hash matches true"},
		dExpiresInString: {successProbe(func(t *testing.T, h *harness, r *result) string { return string(r.members()["expires_in"]) }),
			"3600", `"3600"`},
		dExpiresInconsistent: {func(t *testing.T, h *harness) string {
			r := h.exchange()
			c := r.idToken(t).claims
			return fmt.Sprintf("expires_in %s, exp-iat %d", r.members()["expires_in"], num(c, "exp")-num(c, "iat"))
		}, "expires_in 3600, exp-iat 3600", "expires_in 3600, exp-iat 1800"},
		dNoScope: {successProbe(func(t *testing.T, h *harness, r *result) string { return fmt.Sprint(memberOrder(t, r.body)) }),
			"[access_token expires_in id_token scope token_type]", "[access_token expires_in id_token token_type]"},
		dRefreshToken: {successProbe(func(t *testing.T, h *harness, r *result) string {
			return fmt.Sprint(r.str("refresh_token") != "")
		}), "false", "true"},
		dNoIDToken: {successProbe(func(t *testing.T, h *harness, r *result) string { return fmt.Sprint(memberOrder(t, r.body)) }),
			"[access_token expires_in id_token scope token_type]", "[access_token expires_in scope token_type]"},

		dErrorTextPlain: {errorProbe(func(r *result) string { return r.header.Get("Content-Type") + " " + string(r.body) }),
			`application/json;charset=utf-8 {"error":"invalid_grant","error_description":"the code is unknown"}`,
			"text/plain;charset=utf-8 error=invalid_grant"},
		dErrorBadCode: {errorProbe(func(r *result) string { return r.outcome() }), "400 invalid_grant", "400 invalid grant!"},
		dErrorDescBadChars: {errorProbe(func(r *result) string {
			d := r.str("error_description")
			return fmt.Sprint(descriptionSafe(d) == d)
		}), "true", "false"},
		dErrorURIBad: {errorProbe(func(r *result) string { return fmt.Sprintf("%q", r.str("error_uri")) }), `""`, `"not a uri"`},
		dErrorCacheable: {func(t *testing.T, h *harness) string {
			return fmt.Sprint(h.wireHeader(treq{form: validForm("bm90LWEtY29kZQ")}, PathToken, "Cache-Control"))
		}, "[no-store]", "[]"},
		dErrorStatus403: {func(t *testing.T, h *harness) string {
			// Only invalid_grant changes: invalid_request keeps 400.
			other := h.token(treq{form: formWith("", "code", "<del>")}).outcome()
			return h.token(treq{form: validForm("bm90LWEtY29kZQ")}).outcome() + ", " + other
		}, "400 invalid_grant, 400 invalid_request", "403 invalid_grant, 400 invalid_request"},

		dAlgNone: {func(t *testing.T, h *harness) string {
			j := h.exchange().idToken(t)
			return fmt.Sprintf("%s, %d signature bytes, verifies %v", j.header["alg"], len(j.signature), h.verify(j.raw) == nil)
		}, `"RS256", 256 signature bytes, verifies true`, `"none", 0 signature bytes, verifies false`},
		dAlgHS256: {func(t *testing.T, h *harness) string {
			j := h.exchange().idToken(t)
			parts := strings.Split(j.raw, ".")
			mac := hmac.New(sha256.New, []byte(secretA))
			mac.Write([]byte(parts[0] + "." + parts[1]))
			return fmt.Sprintf("%s, verifies %v, HMAC with the client secret %v", j.header["alg"], h.verify(j.raw) == nil,
				hmac.Equal(mac.Sum(nil), j.signature))
		}, `"RS256", verifies true, HMAC with the client secret false`, `"HS256", verifies false, HMAC with the client secret true`},
		dNoKid:      {headerProbe("kid"), `"bankid-oauth"`, "<absent>"},
		dUnknownKid: {headerProbe("kid"), `"bankid-oauth"`, `"bankid-oauth-retired"`},
		dBadSignature: {func(t *testing.T, h *harness) string {
			return fmt.Sprint(h.verify(h.exchange().str("id_token")) == nil)
		}, "true", "false"},
		dHeaderJKU: {func(t *testing.T, h *harness) string {
			raw, ok := h.exchange().idToken(t).header["jku"]
			return fmt.Sprint(ok && string(raw) == `"`+h.url+`/jwks"`)
		}, "false", "true"},
		dWrongIss: {func(t *testing.T, h *harness) string {
			return strings.TrimPrefix(str(h.exchange().idToken(t).claims, "iss"), h.url)
		}, "", "/other"},
		dWrongAud: {claimProbe("aud", authz{}), `"tokenbench"`, `"other-audience"`},
		dNoAzp:    {claimProbe("azp", authz{}), `"tokenbench"`, "<absent>"},
		dExpMillis: {func(t *testing.T, h *harness) string {
			c := h.exchange().idToken(t).claims
			return fmt.Sprint(num(c, "exp") / (num(c, "iat") + 3600))
		}, "1", "1000"},
		dIatFuture: {func(t *testing.T, h *harness) string {
			c := h.exchange().idToken(t).claims
			return fmt.Sprintf("iat-now %d, exp-iat %d", num(c, "iat")-h.clock.Now().Unix(), num(c, "exp")-num(c, "iat"))
		}, "iat-now 0, exp-iat 3600", "iat-now 3600, exp-iat 3600"},
		dLongLifetime: {func(t *testing.T, h *harness) string {
			return lifetime(t, h) + ", expires_in " + string(h.exchange().members()["expires_in"])
		}, "3600, expires_in 3600", "86400, expires_in 3600"},
		dAuthTimeAfterIat: {func(t *testing.T, h *harness) string {
			c := h.exchange().idToken(t).claims
			return fmt.Sprint(num(c, "auth_time") <= num(c, "iat"))
		}, "true", "false"},
		dAuthTimeZero: {func(t *testing.T, h *harness) string {
			c := h.exchange().idToken(t).claims
			return fmt.Sprintf("now %v, zero %v", num(c, "auth_time") == h.clock.Now().Unix(), num(c, "auth_time") == 0)
		}, "now true, zero false", "now false, zero true"},
		dEmptySub: {claimProbe("sub", authz{}), `"9578-6000-4-30799"`, `""`},
		dUnstableSub: {func(t *testing.T, h *harness) string {
			a, b := h.exchange().idToken(t), h.exchange().idToken(t)
			return fmt.Sprint(str(a.claims, "sub") == str(b.claims, "sub"), str(a.claims, "sub") == userSub)
		}, "true true", "false false"},
		dWrongNonce:    {claimProbe("nonce", authz{nonce: "n-123"}), `"n-123"`, `"n-123-x"`},
		dNonceInvented: {claimProbe("nonce", authz{}), "null", `"tokenbench-invented-nonce"`},
		dBadAtHash: {successProbe(func(t *testing.T, h *harness, r *result) string {
			return fmt.Sprint(str(r.idToken(t).claims, "at_hash") == atHash(r.str("access_token")))
		}), "true", "false"},
		dNoAmr:           {claimProbe("amr", authz{}), `["BankID"]`, "<absent>"},
		dBirthdateFormat: {claimProbe("birthdate", authz{}), `"1966-12-18"`, `"18.12.1966"`},
		dES256DER: {successProbe(func(t *testing.T, h *harness, r *result) string {
			j := r.idToken(t)
			var rs struct{ R, S *big.Int }
			rest, err := asn1.Unmarshal(j.signature, &rs)
			return fmt.Sprint(str(j.header, "alg"), " R‖S ", len(j.signature) == 64, ", DER ", len(j.signature) != 64 && err == nil && len(rest) == 0)
		}), "ES256 R‖S true, DER false", "ES256 R‖S false, DER true"},
		dPilotLifetime: {successProbe(func(t *testing.T, h *harness, r *result) string {
			c := r.idToken(t).claims
			return fmt.Sprint(string(r.members()["expires_in"]), " ", num(c, "exp")-num(c, "iat"))
		}), "300 300", "3600 3600"},
		dPilotAMR: {claimProbe("amr", authz{}), `["bid"]`, `["BankID"]`},
		dUserinfoOtherSub: {successProbe(func(t *testing.T, h *harness, r *result) string {
			return fmt.Sprint(h.userinfo(r.str("access_token")).str("sub") == str(r.idToken(t).claims, "sub"))
		}), "true", "false"},
	}
	for name, p := range authMethodProbes() {
		probes[name] = p
	}
	for name, p := range dpopProbes() {
		probes[name] = p
	}
	return probes
}

// TestDefectsAtTheWire shows every defect's effect: the same probe gives the
// clean answer against the clean provider and the defective one against a
// provider with only that defect on.
func TestDefectsAtTheWire(t *testing.T) {
	t.Parallel()
	probes := defectProbes()
	for _, d := range Defects() {
		if _, ok := probes[d.Name]; !ok && !d.Grants { // grant defects: TestGrantDefectsAtTheWire
			t.Errorf("defect %s has no wire test", d.Name)
		}
	}
	for name, dp := range probes {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if !slices.Contains(DefectNames(), name) {
				t.Fatalf("probe for unknown defect %s", name)
			}
			if got := dp.probe(t, newHarness(t, probeConfig(name))); got != dp.clean {
				t.Errorf("clean provider: %s, want %s", got, dp.clean)
			}
			cfg := probeConfig(name)
			cfg.Defects = withDefects(name).Defects
			if got := dp.probe(t, newHarness(t, cfg)); got != dp.defect {
				t.Errorf("with %s: %s, want %s", name, got, dp.defect)
			}
		})
	}
}

// raceCode redeems one fresh code with n concurrent requests and returns
// how many got 200.
func raceCode(t *testing.T, h *harness, n int) int {
	t.Helper()
	code := h.code(authz{})
	body := validForm(code).Encode()
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		ok    int
		start = make(chan struct{})
	)
	for range n {
		wg.Go(func() {
			<-start
			req, _ := http.NewRequest(http.MethodPost, h.url+PathToken, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Authorization", basic(clientA, secretA))
			resp, err := h.client.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				mu.Lock()
				ok++
				mu.Unlock()
			}
		})
	}
	close(start)
	wg.Wait()
	return ok
}

func TestDefectFraction(t *testing.T) {
	t.Parallel()
	// A fraction of 0.5 affects some responses and not others; 0 is off.
	h := newHarness(t, Config{Defects: map[string]float64{dTokenTypeMAC: 0.5, dNoPragma: 0}})
	seen := map[string]int{}
	for range 40 {
		r := h.exchange()
		seen[r.str("token_type")]++
		if r.header.Get("Pragma") != "no-cache" {
			t.Fatal("a defect with fraction 0 applied")
		}
	}
	if seen["mac"] == 0 || seen["Bearer"] == 0 {
		t.Errorf("token types over 40 responses: %v, want both", seen)
	}
}

func TestDefectCatalogue(t *testing.T) {
	t.Parallel()
	ds := Defects()
	if len(ds) < 30 {
		t.Errorf("%d defects, want at least 30", len(ds))
	}
	if !slices.IsSortedFunc(ds, func(a, b Defect) int { return strings.Compare(a.Name, b.Name) }) {
		t.Error("Defects() is not sorted by name")
	}
	for i, d := range ds {
		if i > 0 && ds[i-1].Name == d.Name {
			t.Errorf("defect %s listed twice", d.Name)
		}
		if d.Summary == "" || len(d.Rows) == 0 {
			t.Errorf("defect %s: empty Summary or Rows", d.Name)
		}
		for _, id := range append(slices.Clone(d.Rows), d.Also...) {
			if _, ok := catalog.Lookup(id); !ok {
				t.Errorf("defect %s: row %s is not in the catalogue", d.Name, id)
			}
		}
		for _, id := range d.Also {
			if slices.Contains(d.Rows, id) {
				t.Errorf("defect %s: row %s in both Rows and Also", d.Name, id)
			}
		}
	}
	// The brief's primary rows are all there.
	primary := map[string]string{
		dGetAccepted: "REQ-METHOD-POST", dCodeReusable: "CODE-REUSE-REVOKES", dUnknownCode500: "ERR-NO-5XX",
		dAlgHS256: "IDT-ALG", dUnstableSub: "IDT-USERINFO-SUB", dLongLifetime: "RESP-EXPIRES-CONSISTENT",
	}
	for _, d := range ds {
		if want, ok := primary[d.Name]; ok && !slices.Contains(d.Rows, want) {
			t.Errorf("defect %s: Rows %v lack %s", d.Name, d.Rows, want)
		}
	}
}

func TestParseDefects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		spec    string
		want    map[string]float64
		wantErr string
	}{
		{"", map[string]float64{}, ""},
		{" , ", map[string]float64{}, ""},
		{"no-kid", map[string]float64{"no-kid": 1}, ""},
		{"no-kid, code-race@0.01", map[string]float64{"no-kid": 1, "code-race": 0.01}, ""},
		{"no-kid@1", map[string]float64{"no-kid": 1}, ""},
		{"bogus", nil, `unknown defect "bogus"; known defects: access-token-bad-chars, alg-hs256`},
		{"no-kid@0", nil, "not a number in (0, 1]"},
		{"no-kid@1.5", nil, "not a number in (0, 1]"},
		{"no-kid@x", nil, "not a number in (0, 1]"},
		{"no-kid@NaN", nil, "not a number in (0, 1]"},
		{"no-kid,no-kid@0.5", nil, "given twice"},
	}
	for _, tt := range tests {
		got, err := ParseDefects(tt.spec)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseDefects(%q) error %v, want %q", tt.spec, err, tt.wantErr)
			}
			continue
		}
		if err != nil || fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("ParseDefects(%q) = %v, %v; want %v", tt.spec, got, err, tt.want)
		}
	}
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{"unknown defect", Config{Defects: map[string]float64{"nope": 1}}, `unknown defect "nope"`},
		{"fraction above 1", Config{Defects: map[string]float64{dNoKid: 2}}, "not in [0, 1]"},
		{"unknown variant", Config{Variants: []string{"nope"}}, `unknown variant "nope"; known variants: aud-array`},
		{"error rate", Config{ErrorRate: 1.5}, "ErrorRate"},
		{"negative latency", Config{Latency: -1}, "negative"},
		{"client without secret", Config{Clients: []Client{{ID: "x", RedirectURIs: []string{callback}}}}, "must not be empty"},
		{"relative redirect", Config{Clients: []Client{{ID: "x", Secret: "y", RedirectURIs: []string{"/cb"}}}}, "absolute"},
		{"duplicate client", Config{Clients: []Client{{ID: "x", Secret: "y", RedirectURIs: []string{callback}}, {ID: "x", Secret: "z", RedirectURIs: []string{callback}}}}, "twice"},
	}
	for _, tt := range tests {
		tt.cfg.Key = testKey()
		if _, err := New(tt.cfg); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: New error %v, want %q", tt.name, err, tt.wantErr)
		}
	}
}

// TestDefaultClientSecretNeedsEncoding keeps the third default client
// useful: its secret changes under form-url-encoding.
func TestDefaultClientSecretNeedsEncoding(t *testing.T) {
	t.Parallel()
	for _, c := range DefaultClients() {
		if c.ID == clientEnc && url.QueryEscape(c.Secret) == c.Secret {
			t.Errorf("client %s secret %q has no reserved characters", c.ID, c.Secret)
		}
	}
}

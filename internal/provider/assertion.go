package provider

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jws"
)

// assertionTypeJWT is client_assertion_type for a JWT (RFC 7523 §2.2).
const assertionTypeJWT = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// assertionClaims are the claims of a client assertion the provider reads.
type assertionClaims struct {
	Iss string          `json:"iss"`
	Sub string          `json:"sub"`
	Aud json.RawMessage `json:"aud"`
	Exp *float64        `json:"exp"`
	Jti string          `json:"jti"`
}

// audiences is aud as a list (RFC 7519 §4.1.3: a string or an array).
func (c assertionClaims) audiences() []string {
	var one string
	if json.Unmarshal(c.Aud, &one) == nil {
		return []string{one}
	}
	var many []string
	_ = json.Unmarshal(c.Aud, &many)
	return many
}

// authenticateAssertion authenticates a client by client_assertion
// (client_secret_jwt and private_key_jwt), in this order: the assertion
// type; the JWS and its claims; the client named by sub, which iss and a
// client_id parameter must equal; its registration for a JWT method; the
// algorithm for that method; the signature with the registered key or the
// secret; aud (the token endpoint, its mTLS alias or the issuer); exp in
// the future; a jti not seen before. Every failure is 401 invalid_client.
//
// https://www.rfc-editor.org/rfc/rfc7523#section-3
// https://openid.net/specs/openid-connect-core-1_0.html#ClientAuthentication
func (p *Provider) authenticateAssertion(r *http.Request, params url.Values, act active) (Client, authMethod, *oauthError) {
	fail := func(desc string) (Client, authMethod, *oauthError) { return Client{}, 0, invalidClient(desc) }
	if params.Get("client_assertion_type") != assertionTypeJWT {
		return fail("client_assertion_type must be " + assertionTypeJWT)
	}
	compact := params.Get("client_assertion")
	msg, err := jws.Parse([]byte(compact))
	if err != nil || len(msg.Signatures()) != 1 || strings.Count(compact, ".") != 2 {
		return fail("client_assertion is not a compact JWS")
	}
	hdr := msg.Signatures()[0].ProtectedHeaders()
	var claims assertionClaims
	if err := json.Unmarshal(msg.Payload(), &claims); err != nil {
		return fail("the client assertion's claims are not a JSON object")
	}
	c, ok := p.clients[claims.Sub]
	switch {
	case !ok:
		return fail("client authentication failed")
	case claims.Iss != claims.Sub && !act.on(dJWTIssSubUnchecked):
		return fail("the client assertion's iss and sub must both be the client id")
	case params.Has("client_id") && params.Get("client_id") != claims.Sub:
		return fail("client_id does not match the client assertion")
	}
	method := authPrivateKeyJWT
	switch c.method() {
	case MethodPrivateKeyJWT:
		if act.on(dPrivateKeyJWTUnsupported) {
			return fail("private_key_jwt is not supported")
		}
	case MethodSecretJWT:
		method = authSecretJWT
		if act.on(dSecretJWTUnsupported) {
			return fail("client_secret_jwt is not supported")
		}
	default:
		if !act.on(dMethodNotBound) {
			return fail("the client is not registered for client assertions")
		}
		method = authSecretJWT
	}
	if e := p.verifyAssertion(c, method, compact, hdr.Algorithm().String(), hdr.KeyID(), act); e != nil {
		return Client{}, 0, e
	}
	if !act.on(dJWTAudUnchecked) && !slices.ContainsFunc(claims.audiences(), p.tokenAudiences(r)) {
		return fail("the client assertion's aud is not this token endpoint")
	}
	now := p.now()
	if !act.on(dJWTExpUnchecked) && (claims.Exp == nil || !now.Before(time.Unix(int64(*claims.Exp), 0))) {
		return fail("the client assertion has expired or has no exp")
	}
	if claims.Jti == "" {
		return fail("the client assertion has no jti")
	}
	expires := now.Add(maxAssertionLife)
	if claims.Exp != nil {
		expires = time.Unix(int64(*claims.Exp), 0)
	}
	if !p.jtis.first(c.ID+" "+claims.Jti, expires, now) && !act.on(dJWTReplayAccepted) {
		return fail("the client assertion was used before (jti replayed)")
	}
	return c, method, nil
}

// maxAssertionLife is how long a jti is remembered when the assertion has
// no exp (accepted only under the jwt-exp-unchecked defect).
const maxAssertionLife = 10 * time.Minute

// verifyAssertion checks the algorithm for the client's method and the
// signature: RS256, PS256 or ES256 with the registered key for
// private_key_jwt, HS256/384/512 keyed with the secret for
// client_secret_jwt; never "none".
func (p *Provider) verifyAssertion(c Client, method authMethod, compact, alg, kid string, act active) *oauthError {
	bad := invalidClient("the client assertion's signature does not verify")
	var key any
	switch {
	case alg == "none" || alg == "":
		if act.on(dJWTAlgNoneAccepted) {
			return nil
		}
		return invalidClient("the client assertion is not signed (alg none)")
	case method == authSecretJWT && strings.HasPrefix(alg, "HS"):
		key = []byte(c.Secret)
	case method == authPrivateKeyJWT:
		reg, err := p.registration(c)
		if err != nil || reg == nil || reg.pub == nil {
			return serverError("the client's key is not available")
		}
		if kid != "" && kid != reg.kid {
			return invalidClient("the client assertion's kid is not a registered key of the client")
		}
		switch {
		case strings.HasPrefix(alg, "HS") && act.on(dJWTHMACConfusion):
			key = reg.pubPEM // verifies an HMAC keyed with the public key's bytes
		case (alg == "RS256" || alg == "PS256") && isRSA(reg.pub), alg == "ES256" && isEC(reg.pub):
			key = reg.pub
		default:
			return invalidClient("the client assertion's alg " + descriptionSafe(alg) + " is not one the client's key signs with (RS256, PS256, ES256)")
		}
	default:
		return invalidClient("the client assertion's alg " + descriptionSafe(alg) + " does not fit client_secret_jwt (HS256, HS384, HS512)")
	}
	if act.on(dJWTSignatureUnchecked) {
		return nil
	}
	if _, err := jws.Verify([]byte(compact), jws.WithKey(jwa.SignatureAlgorithm(alg), key)); err != nil {
		return bad
	}
	return nil
}

func isRSA(k any) bool { _, ok := k.(*rsa.PublicKey); return ok }
func isEC(k any) bool  { _, ok := k.(*ecdsa.PublicKey); return ok }

// tokenAudiences returns the test for an acceptable aud: the token
// endpoint's URL, its mTLS alias's, or the issuer identifier.
func (p *Provider) tokenAudiences(r *http.Request) func(string) bool {
	issuer := p.issuerFor(r)
	ok := []string{issuer + PathToken, issuer}
	if m := p.MTLSBase(); m != "" {
		ok = append(ok, m+PathToken)
	}
	return func(aud string) bool { return slices.Contains(ok, aud) }
}

// jtiCache remembers the jti of every accepted client assertion until it
// expires (OIDC Core §9: an assertion is used once). Safe for concurrent
// use.
type jtiCache struct {
	mu      sync.Mutex
	seen    map[string]time.Time // key: client id + " " + jti (hashed); value: expiry
	inserts int
}

func newJTICache() *jtiCache { return &jtiCache{seen: map[string]time.Time{}} }

// first records key until expires and reports whether it was new.
func (c *jtiCache) first(key string, expires, now time.Time) bool {
	sum := sha256.Sum256([]byte(key))
	k := hex.EncodeToString(sum[:16])
	c.mu.Lock()
	defer c.mu.Unlock()
	if exp, ok := c.seen[k]; ok && now.Before(exp) {
		return false
	}
	c.seen[k] = expires
	if c.inserts++; c.inserts >= sweepEvery {
		c.inserts = 0
		for key, exp := range c.seen {
			if !now.Before(exp) {
				delete(c.seen, key)
			}
		}
	}
	return true
}

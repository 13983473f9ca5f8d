package provider

import (
	"encoding/base64"
	"fmt"
	"time"
)

// jwtAccessTokens reports whether access tokens are JWTs: the
// jwt-access-tokens variant, or a defect of their cnf.
func (p *Provider) jwtAccessTokens(act active) bool {
	return p.variants.on(vJWTAccessTokens) || act.on(dDPoPJWTNoCnf)
}

// jwtAccessToken returns an access token in the JWT profile of RFC 9068
// (§2.2: typ at+jwt; iss, exp, aud, sub, client_id, iat, jti), signed with
// the ID token key; bound to a DPoP key, it carries cnf.jkt, the key's
// thumbprint (RFC 9449 §6.1). jti is the token's random part.
//
// https://www.rfc-editor.org/rfc/rfc9449#section-6.1
func (p *Provider) jwtAccessToken(act active, issuer string, client Client, jti string, now time.Time, jkt string) (string, error) {
	claims := []member{{"iss", issuer}, {"sub", client.ID}, {"aud", issuer + PathUserinfo}, {"client_id", client.ID},
		{"iat", now.Unix()}, {"exp", now.Add(p.cfg.TokenTTL).Unix()}, {"jti", jti}}
	if jkt != "" && !act.on(dDPoPJWTNoCnf) {
		claims = append(claims, member{"cnf", map[string]string{"jkt": jkt}})
	}
	header := []member{{"kid", KeyID}, {"typ", "at+jwt"}, {"alg", p.keys.alg}}
	input := base64.RawURLEncoding.EncodeToString(object(header)) + "." +
		base64.RawURLEncoding.EncodeToString(object(claims))
	sig, err := p.keys.sign([]byte(input), false, p.rand)
	if err != nil {
		return "", fmt.Errorf("provider: signing the access token: %w", err)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

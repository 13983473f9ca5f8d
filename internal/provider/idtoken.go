package provider

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"time"
)

// The test user the authorization endpoint approves, as in the seed's
// ID token.
const (
	userSub         = "9578-6000-4-30799"
	userName        = "Frode Beckmann Nilsen"
	userGivenName   = "Frode Beckmann"
	userFamilyName  = "Nilsen"
	userBirthdate   = "1966-12-18"
	otherUserSub    = "9578-6000-4-99999" // userinfo-other-sub
	otherAudience   = "other-audience"    // wrong-aud, aud-array
	inventedNonce   = "tokenbench-invented-nonce"
	amrBankID       = "BankID"
	userACR         = "urn:bankid:bid;LOA=4"                 // Config.Claims acr
	userAltSub      = "4f8e2f4c-6c3a-4d0e-9a52-8a3b1c0d9e21" // Config.Claims bankid_altsub: stable
	pilotTokenTTL   = 3600 * time.Second                     // pilot-lifetime
	wrongIssSuffix  = "/other"
	authTimeAfter   = 5 * time.Minute
	iatFutureOffset = time.Hour
	longLifetime    = 24 * time.Hour
)

// idTokenInput is what an ID token is made from.
type idTokenInput struct {
	issuer       string
	clientID     string
	clientSecret string // the HS256 key of the alg-hs256 defect
	nonce        string
	hasNonce     bool
	authTime     time.Time
	now          time.Time
	accessToken  string
	sub          string // "" = the test user's
	refreshed    bool   // a refresh's ID token: no nonce (OIDC Core §12.2)
}

// atHash is the OIDC at_hash of an access token for RS256: base64url of the
// left half of its SHA-256.
//
// https://openid.net/specs/openid-connect-core-1_0.html#CodeIDToken
func atHash(accessToken string) string {
	sum := sha256.Sum256([]byte(accessToken))
	return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2])
}

// idToken builds and signs the ID token: the seed's header
// {"kid":"bankid-oauth","typ":"JWT","alg":"RS256"} and claim set (in the
// order the seed lists it), with the active defects and the variants
// applied.
//
// https://openid.net/specs/openid-connect-core-1_0.html#IDToken
func (p *Provider) idToken(act active, in idTokenInput) (string, error) {
	claims, err := p.idTokenClaims(act, in)
	if err != nil {
		return "", err
	}
	alg := p.keys.alg
	switch {
	case act.on(dAlgNone):
		alg = "none"
	case act.on(dAlgHS256):
		alg = "HS256"
	}
	header := []member{{"kid", KeyID}, {"typ", "JWT"}, {"alg", alg}}
	switch {
	case act.on(dNoKid):
		header = without(header, "kid")
	case act.on(dUnknownKid):
		header[0].value = kidRetired
	}
	if act.on(dHeaderJKU) {
		header = append(header, member{"jku", in.issuer + PathJWKS})
	}

	input := base64.RawURLEncoding.EncodeToString(object(header)) + "." +
		base64.RawURLEncoding.EncodeToString(object(claims))
	var sig []byte
	switch alg {
	case "none":
	case "HS256":
		sig, err = p.keys.hs256.Sign([]byte(input), []byte(in.clientSecret))
	default:
		sig, err = p.keys.sign([]byte(input), act.on(dES256DER), p.rand)
	}
	if err != nil {
		return "", fmt.Errorf("provider: signing the ID token: %w", err)
	}
	if act.on(dBadSignature) && len(sig) > 0 {
		sig[len(sig)/2] ^= 0xff
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

// idTokenClaims returns the ID token's claims in the seed's order.
func (p *Provider) idTokenClaims(act active, in idTokenInput) ([]member, error) {
	iat := in.now
	if act.on(dIatFuture) {
		iat = iat.Add(iatFutureOffset)
	}
	lifetime := p.cfg.TokenTTL
	switch {
	case act.on(dPilotLifetime):
		lifetime = pilotTokenTTL
	case act.on(dLongLifetime):
		lifetime = longLifetime
	case act.on(dExpiresInconsistent):
		lifetime = p.cfg.TokenTTL / 2
	}
	exp := iat.Add(lifetime).Unix()
	if act.on(dExpMillis) {
		exp *= 1000
	}
	authTime := in.authTime.Unix()
	switch {
	case act.on(dAuthTimeAfterIat):
		authTime = iat.Add(authTimeAfter).Unix()
	case act.on(dAuthTimeZero):
		authTime = 0
	}

	hashed := in.accessToken
	if act.on(dBadAtHash) {
		hashed += "x"
	}
	var aud any = in.clientID
	switch {
	case act.on(dWrongAud):
		aud = otherAudience
	case p.variants.on(vAudArray):
		aud = []string{in.clientID, otherAudience}
	}
	birthdate := userBirthdate
	if act.on(dBirthdateFormat) {
		birthdate = "18.12.1966"
	}
	iss := in.issuer
	if act.on(dWrongIss) {
		iss += wrongIssSuffix
	}
	var nonce any // JSON null, as in the seed, when no nonce was sent
	switch {
	case in.hasNonce && act.on(dWrongNonce):
		nonce = in.nonce + "-x"
	case in.hasNonce:
		nonce = in.nonce
	case act.on(dNonceInvented):
		nonce = inventedNonce
	}
	sub := userSub
	if in.sub != "" {
		sub = in.sub
	}
	switch {
	case act.on(dEmptySub):
		sub = ""
	case act.on(dUnstableSub):
		h, err := p.randomHex(8)
		if err != nil {
			return nil, err
		}
		sub = "9578-" + h
	}

	amr := []string{amrBankID}
	if p.cfg.AMR != nil && !act.on(dPilotAMR) {
		amr = p.cfg.AMR
	}
	claims := []member{
		{"amr", amr},
		{"at_hash", atHash(hashed)},
		{"aud", aud},
		{"auth_time", authTime},
		{"azp", in.clientID},
		{"birthdate", birthdate},
		{"exp", exp},
		{"family_name", userFamilyName},
		{"given_name", userGivenName},
		{"iat", iat.Unix()},
		{"iss", iss},
		{"name", userName},
		{"nonce", nonce},
		{"preferred_username", userName},
		{"sub", sub},
	}
	for _, c := range p.cfg.Claims {
		v := map[string]string{ClaimACR: userACR, ClaimAltSub: userAltSub, ClaimTyp: "ID"}[c]
		claims = append(claims, member{c, v})
	}
	if act.on(dNoAmr) {
		claims = without(claims, "amr")
	}
	if act.on(dNoAzp) {
		claims = without(claims, "azp")
	}
	if in.refreshed || nonce == nil && p.variants.on(vNonceAbsent) {
		claims = without(claims, "nonce")
	}
	if p.variants.on(vShuffledMembers) {
		claims = reversed(claims)
	}
	return claims, nil
}

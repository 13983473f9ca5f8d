package provider

import (
	"crypto"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
)

// DPoP (RFC 9449) constants.
const (
	dpopProofType = "dpop+jwt"
	errDPoPProof  = "invalid_dpop_proof"
	errDPoPNonce  = "use_dpop_nonce"
	// dpopWindow is how far a proof's iat may lie from now (RFC 9449
	// §11.1: a window of the server's choosing).
	dpopWindow = 2 * time.Minute
	// dpopNonce is the nonce the dpop-nonce variant demands; a stale one
	// is any other value.
	dpopNonce = "tokenbench-dpop-nonce-1"
)

// dpopNonceRequired reports whether proofs must carry the server's nonce.
func (p *Provider) dpopNonceRequired() bool {
	return p.variants.on(vDPoPNonce) || p.variants.on(vDPoPNonceClock) ||
		p.defects[dDPoPNonceNoHeader] > 0 || p.defects[dDPoPNonceUnverified] > 0
}

// nonceAccepted reports whether a proof's nonce is one the server takes:
// its own (the dpop-nonce-unverified defect takes any).
func nonceAccepted(act active, nonce string) bool {
	return nonce == dpopNonce || (nonce != "" && act.on(dDPoPNonceUnverified))
}

// nonceIsClock reports whether the nonce every proof must carry stands in
// for its iat (RFC 9449 §4.3 check 11: the creation time "as determined by
// either the iat claim or a server managed timestamp via the nonce
// claim"), as node oidc-provider does: iat is not checked, a proof without
// the nonce gets use_dpop_nonce.
func (p *Provider) nonceIsClock(act active) bool {
	return p.variants.on(vDPoPNonceClock) || act.on(dDPoPNonceUnverified)
}

// checkProof verifies the DPoP proof of a request (RFC 9449 §4.3) for
// method and url, presenting accessToken ("" at the token endpoint), and
// returns the thumbprint of its key (§6.1). A failure is the error to
// answer with: invalid_dpop_proof, or use_dpop_nonce with the nonce to
// send (§8).
//
// https://www.rfc-editor.org/rfc/rfc9449#section-4.3
func (p *Provider) checkProof(act active, r *http.Request, url, accessToken string) (string, *oauthError, string) {
	bad := func(desc string) (string, *oauthError, string) {
		return "", &oauthError{status: http.StatusBadRequest, code: errDPoPProof, desc: desc}, ""
	}
	vs := r.Header.Values("DPoP")
	if len(vs) != 1 {
		return bad("exactly one DPoP header is required")
	}
	proof := vs[0]
	if p.cfg.OnSecret != nil {
		p.report(SecretDPoPProof, proof)
	}
	parts := strings.Split(proof, ".")
	if len(parts) != 3 {
		return bad("the DPoP proof is not a compact JWS")
	}
	var hdr struct {
		Typ string          `json:"typ"`
		Alg string          `json:"alg"`
		JWK json.RawMessage `json:"jwk"`
	}
	var claims struct {
		JTI   string `json:"jti"`
		HTM   string `json:"htm"`
		HTU   string `json:"htu"`
		IAT   *int64 `json:"iat"`
		ATH   string `json:"ath"`
		Nonce string `json:"nonce"`
	}
	if decodeSegment(parts[0], &hdr) != nil || decodeSegment(parts[1], &claims) != nil {
		return bad("the DPoP proof's header or payload is not a JSON object")
	}
	if hdr.Typ != dpopProofType && !act.on(dDPoPTypUnchecked) {
		return bad("the DPoP proof's typ must be dpop+jwt")
	}
	if hdr.Alg == "" || hdr.Alg == "none" || strings.HasPrefix(hdr.Alg, "HS") {
		return bad("the DPoP proof must be signed with an asymmetric algorithm")
	}
	key, err := jwk.ParseKey(hdr.JWK)
	if err != nil {
		return bad("the DPoP proof's jwk is not a JWK")
	}
	if _, private := jwkPrivate(hdr.JWK); private && !act.on(dDPoPPrivateKeyOK) {
		return bad("the DPoP proof's jwk must not carry a private key")
	}
	pub, err := key.PublicKey()
	if err != nil {
		return bad("the DPoP proof's jwk has no public key")
	}
	if !act.on(dDPoPSignatureUnchecked) {
		if _, err := jws.Verify([]byte(proof), jws.WithKey(jwa.SignatureAlgorithm(hdr.Alg), pub)); err != nil {
			return bad("the DPoP proof's signature does not verify with its jwk")
		}
	}
	switch now := p.now(); {
	case claims.JTI == "" || claims.HTM == "" || claims.HTU == "" || claims.IAT == nil:
		return bad("the DPoP proof lacks jti, htm, htu or iat")
	case claims.HTM != r.Method && !act.on(dDPoPHTMUnchecked):
		return bad("the DPoP proof's htm is not the request's method")
	case claims.HTU != url && !act.on(dDPoPHTUUnchecked):
		return bad("the DPoP proof's htu is not the request's URL")
	case !act.on(dDPoPIATUnchecked) && !p.nonceIsClock(act) && (time.Unix(*claims.IAT, 0).Before(now.Add(-dpopWindow)) || time.Unix(*claims.IAT, 0).After(now.Add(dpopWindow))):
		return bad("the DPoP proof's iat is outside the accepted window")
	case accessToken != "" && claims.ATH != b64sha256(accessToken):
		return bad("the DPoP proof's ath is not the hash of the access token")
	case p.dpopNonceRequired() && !nonceAccepted(act, claims.Nonce):
		nonce := dpopNonce
		if claims.Nonce != "" && act.on(dDPoPNonceNoHeader) {
			nonce = "" // a stale nonce: refused without saying which one to use
		}
		return "", &oauthError{status: http.StatusBadRequest, code: errDPoPNonce, desc: "the DPoP proof must carry the server's nonce"}, nonce
	case !act.on(dDPoPReplayOK) && !p.dpopJTIs.first(claims.JTI, now.Add(2*dpopWindow), now):
		return bad("the DPoP proof's jti was used before")
	}
	thumb, err := key.Thumbprint(crypto.SHA256)
	if err != nil {
		return bad("the DPoP proof's jwk has no thumbprint")
	}
	return base64.RawURLEncoding.EncodeToString(thumb), nil, ""
}

// jwkPrivate reports whether a JWK has private members.
func jwkPrivate(raw json.RawMessage) (map[string]any, bool) {
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return nil, false
	}
	for _, k := range []string{"d", "p", "q", "dp", "dq", "qi", "k"} {
		if _, ok := m[k]; ok {
			return m, true
		}
	}
	return m, false
}

func decodeSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

func b64sha256(s string) string {
	sum := sha256.Sum256([]byte(s))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// endpointURL is the URL a request was sent to, as a proof's htu names it:
// the issuer's base with the path, no query (RFC 9449 §4.3).
func (p *Provider) endpointURL(r *http.Request, path string) string {
	base := p.issuerFor(r)
	if r.TLS != nil {
		if m := p.MTLSBase(); m != "" {
			base = m
		}
	}
	return strings.TrimSuffix(base, "/") + path
}

// dpopChallenge answers a resource request whose DPoP proof or token is
// refused: 401 with a DPoP challenge (RFC 9449 §7.1), and the nonce to use
// for use_dpop_nonce (§9).
func dpopChallenge(w http.ResponseWriter, e *oauthError, nonce string) {
	if nonce != "" {
		w.Header().Set("DPoP-Nonce", nonce)
	}
	bearerChallenge(w, `DPoP realm="tokenbench", error="`+e.code+`", algs="ES256 RS256 PS256"`)
}

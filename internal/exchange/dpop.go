package exchange

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
)

// DPoP error codes and headers (RFC 9449 §5, §7.1, §8).
const (
	ErrInvalidDPoPProof = "invalid_dpop_proof"
	ErrUseDPoPNonce     = "use_dpop_nonce"
	HeaderDPoP          = "DPoP"
	HeaderDPoPNonce     = "DPoP-Nonce"
	TokenTypeDPoP       = "DPoP"
	// ProofType is the typ of a DPoP proof's JOSE header (RFC 9449 §4.2).
	ProofType = "dpop+jwt"
)

// DPoPKey signs DPoP proofs (RFC 9449 §4) with one key pair, and keeps the
// nonce each server last gave (§8, §9), by endpoint. Safe for concurrent
// use. It masks itself wherever it is printed.
//
// https://www.rfc-editor.org/rfc/rfc9449#section-4.2
type DPoPKey struct {
	signer crypto.Signer
	alg    jwa.SignatureAlgorithm
	pub    jwk.Key // the public JWK the proofs carry
	priv   jwk.Key // the private JWK, for the DPOP-PRIVATE-KEY probe only
	jkt    string
	now    func() time.Time
	rand   io.Reader

	mu     sync.Mutex
	nonces map[string]string
}

// NewDPoPKey returns a DPoP key for alg (ES256, RS256 or PS256): key, or a
// fresh key pair when key is nil (P-256 for ES256, RSA 2048 otherwise).
func NewDPoPKey(alg string, key crypto.Signer) (*DPoPKey, error) {
	var err error
	if key == nil {
		switch alg {
		case AlgES256:
			key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		case AlgRS256, AlgPS256:
			key, err = rsa.GenerateKey(rand.Reader, 2048)
		default:
			return nil, fmt.Errorf("exchange: DPoP alg %q is not ES256, RS256 or PS256", alg)
		}
		if err != nil {
			return nil, fmt.Errorf("exchange: DPoP key: %w", err)
		}
	}
	_, isEC := key.(*ecdsa.PrivateKey)
	if isEC != (alg == AlgES256) || (alg != AlgES256 && alg != AlgRS256 && alg != AlgPS256) {
		return nil, fmt.Errorf("exchange: DPoP alg %q does not fit a %T key (ES256 for EC P-256, RS256 or PS256 for RSA)", alg, key)
	}
	k := &DPoPKey{signer: key, alg: jwa.SignatureAlgorithm(alg), now: time.Now, rand: rand.Reader, nonces: map[string]string{}}
	if k.pub, err = jwk.FromRaw(key.Public()); err != nil {
		return nil, fmt.Errorf("exchange: DPoP key: %w", err)
	}
	if k.priv, err = jwk.FromRaw(key); err != nil {
		return nil, fmt.Errorf("exchange: DPoP key: %w", err)
	}
	if k.jkt, err = Thumbprint(key.Public()); err != nil {
		return nil, fmt.Errorf("exchange: DPoP key: %w", err)
	}
	return k, nil
}

// Alg is the proofs' signing algorithm.
func (k *DPoPKey) Alg() string { return string(k.alg) }

// JKT is the RFC 7638 thumbprint of the public key: what a DPoP-bound
// token's cnf.jkt must be (RFC 9449 §6.1).
func (k *DPoPKey) JKT() string { return k.jkt }

// String hides the key.
func (k *DPoPKey) String() string { return "DPoP key " + string(k.alg) + " (jkt " + k.jkt + ")" }

// GoString is String.
func (k *DPoPKey) GoString() string { return k.String() }

// Secrets are the private key's encodings, for redaction by value.
func (k *DPoPKey) Secrets() []string {
	b, err := json.Marshal(k.priv)
	if err != nil {
		return nil
	}
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return nil
	}
	return jwkSecrets(m)
}

// Nonce returns the nonce the server at endpoint last gave, "" for none.
func (k *DPoPKey) Nonce(endpoint string) string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.nonces[htu(endpoint)]
}

// SetNonce keeps the nonce the server at endpoint gave (RFC 9449 §8.2: a
// new one replaces the old).
func (k *DPoPKey) SetNonce(endpoint, nonce string) {
	if nonce == "" {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.nonces[htu(endpoint)] = nonce
}

// ReplaceNonce sets the nonce for endpoint as it is, "" forgetting it: a
// probe that planted a stale one puts the server's back.
func (k *DPoPKey) ReplaceNonce(endpoint, nonce string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if nonce == "" {
		delete(k.nonces, htu(endpoint))
		return
	}
	k.nonces[htu(endpoint)] = nonce
}

// ProofChange is a change to a proof a negative probe makes; the zero value
// is a valid proof.
type ProofChange struct {
	HTM, HTU   string        // replace htm, htu
	IATOffset  time.Duration // added to iat
	Typ        string        // replaces typ
	PrivateJWK bool          // the jwk header carries the private key
	FlipSig    bool          // one signature byte flipped
	// NoNonce leaves out the server's nonce, and Nonce replaces it; a
	// use_dpop_nonce answer to either is not retried (DPOP-IAT: RFC 9449
	// §4.3 check 11, a server nonce may stand in for iat).
	NoNonce bool
	Nonce   string
}

// Proof signs a DPoP proof for a request: typ dpop+jwt, the public jwk, a
// fresh jti, htm, htu (the URL without query and fragment), iat, ath when
// accessToken is given (§4.2: base64url SHA-256 of it) and the endpoint's
// nonce when the server gave one; ch changes it for a probe.
//
// https://www.rfc-editor.org/rfc/rfc9449#section-4.2
func (k *DPoPKey) Proof(method, u, accessToken string, ch ProofChange) (string, error) {
	jti := make([]byte, 16)
	if _, err := io.ReadFull(k.rand, jti); err != nil {
		return "", fmt.Errorf("exchange: DPoP jti: %w", err)
	}
	claims := map[string]any{
		"jti": base64.RawURLEncoding.EncodeToString(jti),
		"htm": method,
		"htu": htu(u),
		"iat": k.now().Add(ch.IATOffset).Unix(),
	}
	if ch.HTM != "" {
		claims["htm"] = ch.HTM
	}
	if ch.HTU != "" {
		claims["htu"] = ch.HTU
	}
	if accessToken != "" {
		sum := sha256.Sum256([]byte(accessToken))
		claims["ath"] = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	if n := k.Nonce(u); n != "" && !ch.NoNonce {
		claims["nonce"] = n
	}
	if ch.Nonce != "" {
		claims["nonce"] = ch.Nonce
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	hdr := jws.NewHeaders()
	typ := ProofType
	if ch.Typ != "" {
		typ = ch.Typ
	}
	key := k.pub
	if ch.PrivateJWK {
		key = k.priv
	}
	if err := hdr.Set(jws.TypeKey, typ); err != nil {
		return "", err
	}
	if err := hdr.Set(jws.JWKKey, key); err != nil {
		return "", err
	}
	signed, err := jws.Sign(payload, jws.WithKey(k.alg, k.signer, jws.WithProtectedHeaders(hdr)))
	if err != nil {
		return "", fmt.Errorf("exchange: signing the DPoP proof: %w", err)
	}
	proof := string(signed)
	if ch.FlipSig {
		proof = flipSignature(proof)
	}
	return proof, nil
}

// flipSignature flips one bit in the middle of a compact JWS's signature.
func flipSignature(compact string) string {
	i := strings.LastIndexByte(compact, '.')
	sig, err := base64.RawURLEncoding.DecodeString(compact[i+1:])
	if err != nil || len(sig) == 0 {
		return compact
	}
	sig[len(sig)/2] ^= 0x01
	return compact[:i+1] + base64.RawURLEncoding.EncodeToString(sig)
}

// htu is a URL without query and fragment (RFC 9449 §4.2).
func htu(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return u
	}
	p.RawQuery, p.Fragment, p.RawFragment = "", "", ""
	return p.String()
}

// DPoPSpec is the DPoP proof a Spec carries (RFC 9449 §4.1): signed by
// Key when the request is sent, or Proof as given.
type DPoPSpec struct {
	Key *DPoPKey
	// Proof is sent as it is when set (a replay, or one signed ahead of
	// the request by the load runner); a nonce retry signs a new one
	// unless Replay is set.
	Proof  string
	Replay bool
	// AccessToken is the token the request presents: the proof's ath.
	AccessToken string
	Change      ProofChange
}

// proof returns the proof to send for method and u.
func (d *DPoPSpec) proof(method, u string) (string, error) {
	if d.Proof != "" {
		return d.Proof, nil
	}
	return d.Key.Proof(method, u, d.AccessToken, d.Change)
}

// WithDPoP adds a DPoP proof signed by key to s.
func WithDPoP(key *DPoPKey) Mutation {
	return func(s *Spec) {
		if key != nil {
			s.DPoP = &DPoPSpec{Key: key}
		}
	}
}

// DPoPRequest returns a GET presenting a DPoP-bound access token (RFC 9449
// §7.1): Authorization: DPoP, and a proof with ath.
func DPoPRequest(u, token string, key *DPoPKey) Spec {
	h := "DPoP " + token
	return Spec{Probe: "userinfo", Method: "GET", URL: u, Body: BodyNone, Authorization: &h,
		DPoP: &DPoPSpec{Key: key, AccessToken: token}}
}

// ChangeProof changes the request's DPoP proof for a probe.
func ChangeProof(ch ProofChange) Mutation {
	return func(s *Spec) {
		if s.DPoP != nil {
			d := *s.DPoP
			d.Change = ch
			s.DPoP = &d
		}
	}
}

// ReplayProof sends proof as it is, even on a nonce retry (DPOP-JTI-REPLAY).
func ReplayProof(proof string) Mutation {
	return func(s *Spec) {
		if s.DPoP != nil {
			d := *s.DPoP
			d.Proof, d.Replay = proof, true
			s.DPoP = &d
		}
	}
}

// needsNonce reports whether a response asks for a DPoP nonce (RFC 9449
// §8: 400 use_dpop_nonce at the token endpoint; §9: 401 with a DPoP
// challenge error="use_dpop_nonce" at a resource).
func (x *Exchange) needsNonce() bool {
	if x.Response == nil {
		return false
	}
	switch x.Response.Status {
	case 400:
		return x.OAuthError() == ErrUseDPoPNonce
	case 401:
		for _, v := range x.Response.Header.Values("WWW-Authenticate") {
			if strings.Contains(v, ErrUseDPoPNonce) {
				return true
			}
		}
	}
	return false
}

package exchange

import (
	"crypto"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jws"

	"github.com/tokenbench/tokenbench/internal/redact"
)

// DefaultAssertionLifetime is how long a client assertion is valid: exp is
// iat plus this (RFC 7523 §3 (4) asks for a limited window).
const DefaultAssertionLifetime = 60 * time.Second

// JWTConfig configures a JWT authenticator.
type JWTConfig struct {
	ClientID string
	// Audience is the aud claim: the token endpoint URL (OIDC Core §9) or
	// the issuer identifier.
	Audience string
	// Lifetime is exp - iat; 0 is DefaultAssertionLifetime.
	Lifetime time.Duration
	// Alg is the signing algorithm; "" picks the key's default (RS256,
	// ES256) or HS256 for a secret.
	Alg string
	// Now and Rand default to time.Now and crypto/rand.
	Now  func() time.Time
	Rand io.Reader
}

// JWT authenticates with a client assertion (RFC 7523 §2.2), signed with
// the client's private key (private_key_jwt) or, as an HMAC, with its
// secret (client_secret_jwt). Every Authenticate signs a fresh assertion
// with a unique jti. It masks its key wherever it is printed. Safe for
// concurrent use.
//
// https://openid.net/specs/openid-connect-core-1_0.html#ClientAuthentication
// https://www.rfc-editor.org/rfc/rfc7523#section-3
type JWT struct {
	method   string
	id, aud  string
	alg      string
	kid      string
	lifetime time.Duration
	signer   jws.Signer
	key      any              // crypto.Signer, or []byte for client_secret_jwt
	pub      crypto.PublicKey // nil for client_secret_jwt
	secret   string           // client_secret_jwt only
	now      func() time.Time
	rand     io.Reader

	header string // base64url of the protected header, computed once
	prefix []byte // the claims up to the jti's value, computed once
}

// NewPrivateKeyJWT returns the private_key_jwt authenticator for key. kid
// overrides the key's own id when not "".
func NewPrivateKeyJWT(cfg JWTConfig, key *ClientKey, kid string) (*JWT, error) {
	if key == nil {
		return nil, errors.New("exchange: private_key_jwt needs a private key")
	}
	if cfg.Alg == "" {
		cfg.Alg = key.DefaultAlg()
	}
	if err := key.CheckAlg(cfg.Alg); err != nil {
		return nil, fmt.Errorf("exchange: %w", err)
	}
	if kid == "" {
		kid = key.KeyID
	}
	return newJWT(MethodPrivateKeyJWT, cfg, key.Signer, key.Signer.Public(), kid, "")
}

// NewSecretJWT returns the client_secret_jwt authenticator: HS256 (or the
// HS384 or HS512 of cfg.Alg) keyed with the client secret.
func NewSecretJWT(cfg JWTConfig, secret string) (*JWT, error) {
	if cfg.Alg == "" {
		cfg.Alg = AlgHS256
	}
	switch cfg.Alg {
	case AlgHS256, AlgHS384, AlgHS512:
	default:
		return nil, fmt.Errorf("exchange: %q is not an algorithm for client_secret_jwt (want HS256, HS384 or HS512)", cfg.Alg)
	}
	if secret == "" {
		return nil, errors.New("exchange: client_secret_jwt needs the client secret")
	}
	return newJWT(MethodSecretJWT, cfg, []byte(secret), nil, "", secret)
}

func newJWT(method string, cfg JWTConfig, key any, pub crypto.PublicKey, kid, secret string) (*JWT, error) {
	if cfg.ClientID == "" || cfg.Audience == "" {
		return nil, errors.New("exchange: a client assertion needs the client id and the audience")
	}
	signer, err := jws.NewSigner(jwa.SignatureAlgorithm(cfg.Alg))
	if err != nil {
		return nil, fmt.Errorf("exchange: %w", err)
	}
	j := &JWT{method: method, id: cfg.ClientID, aud: cfg.Audience, alg: cfg.Alg, kid: kid, lifetime: cfg.Lifetime,
		signer: signer, key: key, pub: pub, secret: secret, now: cfg.Now, rand: cfg.Rand}
	if j.lifetime <= 0 {
		j.lifetime = DefaultAssertionLifetime
	}
	if j.now == nil {
		j.now = time.Now
	}
	if j.rand == nil {
		j.rand = rand.Reader
	}
	hdr, err := json.Marshal(header{Alg: cfg.Alg, Kid: kid, Typ: "JWT"})
	if err != nil {
		return nil, fmt.Errorf("exchange: %w", err)
	}
	j.header = base64.RawURLEncoding.EncodeToString(hdr)
	iss, _ := json.Marshal(cfg.ClientID)
	aud, _ := json.Marshal(cfg.Audience)
	j.prefix = fmt.Appendf(nil, `{"iss":%s,"sub":%s,"aud":%s,"jti":"`, iss, iss, aud)
	return j, nil
}

type header struct {
	Alg string `json:"alg"`
	Kid string `json:"kid,omitempty"`
	Typ string `json:"typ,omitempty"`
}

// Method is private_key_jwt or client_secret_jwt.
func (j *JWT) Method() string { return j.method }

// ClientID is the client the assertions name as iss and sub.
func (j *JWT) ClientID() string { return j.id }

// Alg is the signing algorithm.
func (j *JWT) Alg() string { return j.alg }

// Audience is the aud claim of the assertions.
func (j *JWT) Audience() string { return j.aud }

// Secret is the client secret of client_secret_jwt, "" for
// private_key_jwt.
func (j *JWT) Secret() string { return j.secret }

// PublicKey is the public half of the private_key_jwt key (nil for
// client_secret_jwt).
func (j *JWT) PublicKey() crypto.PublicKey { return j.pub }

// Authenticate adds client_assertion_type and a freshly signed
// client_assertion.
func (j *JWT) Authenticate(s *Spec) {
	a, err := j.Sign()
	j.attach(s, a, err, j.Authenticate)
}

// attach adds assertion to s; reauth makes another like it (a fresh jti).
func (j *JWT) attach(s *Spec, assertion string, err error, reauth Mutation) {
	Set(ParamClientAssertionType, AssertionTypeJWT)(s)
	Set(ParamClientAssertion, assertion)(s)
	s.Authn, s.reauth, s.assertion = j, reauth, assertion
	if err != nil {
		s.Err = err
	}
}

// jtiBytes is the jti's entropy: 128 bits (RFC 7519 §4.1.7 asks for a
// negligible collision probability).
const jtiBytes = 16

// Sign returns a fresh, valid client assertion: iss = sub = the client,
// aud, a unique jti, iat now and exp iat + the lifetime. It is the load
// path: the header and the fixed claims are encoded once.
func (j *JWT) Sign() (string, error) {
	var raw [jtiBytes]byte
	if _, err := io.ReadFull(j.rand, raw[:]); err != nil {
		return "", fmt.Errorf("exchange: client assertion jti: %w", err)
	}
	now := j.now().Unix()
	var cb [512]byte
	claims := append(cb[:0], j.prefix...)
	claims = base64.RawURLEncoding.AppendEncode(claims, raw[:])
	claims = append(claims, `","iat":`...)
	claims = strconv.AppendInt(claims, now, 10)
	claims = append(claims, `,"exp":`...)
	claims = strconv.AppendInt(claims, now+int64(j.lifetime/time.Second), 10)
	claims = append(claims, '}')

	enc := base64.RawURLEncoding
	out := make([]byte, 0, len(j.header)+2+enc.EncodedLen(len(claims))+enc.EncodedLen(512))
	out = append(out, j.header...)
	out = append(out, '.')
	out = enc.AppendEncode(out, claims)
	sig, err := j.signer.Sign(out, j.key)
	if err != nil {
		return "", fmt.Errorf("exchange: signing the client assertion (%s): %w", j.alg, err)
	}
	out = append(out, '.')
	out = enc.AppendEncode(out, sig)
	return string(out), nil
}

// Assertion is a client assertion before it is signed: its header, its
// claims and the key. Negative probes change one of them (AssertionWith).
//
// https://www.rfc-editor.org/rfc/rfc7523#section-3
type Assertion struct {
	Alg, Kid, Typ string
	Iss, Sub, Aud string
	Jti           string
	// IssuedAt and Expires are iat and exp; a zero time omits the claim.
	IssuedAt, Expires time.Time
	// Key signs it: a crypto.Signer, or []byte for an HMAC. Unused for
	// alg "none".
	Key any
	// PublicKey is the authenticator's public key (nil for
	// client_secret_jwt), for edits that need it.
	PublicKey crypto.PublicKey
}

// Assertion returns the assertion Sign would make now.
func (j *JWT) Assertion() (Assertion, error) {
	var raw [jtiBytes]byte
	if _, err := io.ReadFull(j.rand, raw[:]); err != nil {
		return Assertion{}, fmt.Errorf("exchange: client assertion jti: %w", err)
	}
	now := j.now().Truncate(time.Second)
	return Assertion{Alg: j.alg, Kid: j.kid, Typ: "JWT", Iss: j.id, Sub: j.id, Aud: j.aud,
		Jti: base64.RawURLEncoding.EncodeToString(raw[:]), IssuedAt: now, Expires: now.Add(j.lifetime),
		Key: j.key, PublicKey: j.pub}, nil
}

// Encode signs a with its Alg and Key; alg "none" has an empty signature.
// It is the probes' path, not the load path.
func (a Assertion) Encode() (string, error) {
	hdr, err := json.Marshal(header{Alg: a.Alg, Kid: a.Kid, Typ: a.Typ})
	if err != nil {
		return "", err
	}
	claims := map[string]any{}
	for name, v := range map[string]string{"iss": a.Iss, "sub": a.Sub, "aud": a.Aud, "jti": a.Jti} {
		if v != "" {
			claims[name] = v
		}
	}
	if !a.IssuedAt.IsZero() {
		claims["iat"] = a.IssuedAt.Unix()
	}
	if !a.Expires.IsZero() {
		claims["exp"] = a.Expires.Unix()
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	enc := base64.RawURLEncoding
	input := enc.EncodeToString(hdr) + "." + enc.EncodeToString(payload)
	if a.Alg == "none" {
		return input + ".", nil
	}
	signer, err := jws.NewSigner(jwa.SignatureAlgorithm(a.Alg))
	if err != nil {
		return "", err
	}
	sig, err := signer.Sign([]byte(input), a.Key)
	if err != nil {
		return "", fmt.Errorf("signing with %s: %w", a.Alg, err)
	}
	return input + "." + enc.EncodeToString(sig), nil
}

// String shows the method, client, algorithm and audience, never the key.
func (j *JWT) String() string {
	if j == nil {
		return "no JWT authenticator"
	}
	key := fmt.Sprintf("key %s (kid %q)", redact.Mask, j.kid)
	if j.method == MethodSecretJWT {
		key = "the client secret " + redact.Mask
	}
	return fmt.Sprintf("%s as client %q (%s, aud %q, signed with %s)", j.method, j.id, j.alg, j.aud, key)
}

// GoString is String.
func (j *JWT) GoString() string { return "&exchange.JWT{" + j.String() + "}" }

// GomegaString is String.
func (j *JWT) GomegaString() string { return j.String() }

// LogValue is String.
func (j *JWT) LogValue() slog.Value { return slog.StringValue(j.String()) }

package exchange

import (
	"fmt"
	"log/slog"
	"slices"
)

// Client authentication methods: the token_endpoint_auth_method values of
// OpenID Connect Dynamic Client Registration §2 and RFC 8705 §2.1.1, §2.2.1.
//
// https://openid.net/specs/openid-connect-registration-1_0.html#ClientMetadata
const (
	MethodBasic         = "client_secret_basic"
	MethodPost          = "client_secret_post"
	MethodSecretJWT     = "client_secret_jwt"
	MethodPrivateKeyJWT = "private_key_jwt"
	MethodTLS           = "tls_client_auth"
	MethodSelfSignedTLS = "self_signed_tls_client_auth"
)

// Methods returns every client authentication method tokenbench can use,
// in the order reports list them. The slice is new on every call.
func Methods() []string {
	return []string{MethodBasic, MethodPost, MethodSecretJWT, MethodPrivateKeyJWT, MethodTLS, MethodSelfSignedTLS}
}

// IsMethod reports whether m is one of Methods.
func IsMethod(m string) bool { return slices.Contains(Methods(), m) }

// IsTLSMethod reports whether m authenticates with a TLS client
// certificate (RFC 8705 §2).
func IsTLSMethod(m string) bool { return m == MethodTLS || m == MethodSelfSignedTLS }

// Parameters client authentication sends in the body (RFC 6749 §2.3.1,
// RFC 7521 §4.2).
const (
	ParamClientID            = "client_id"
	ParamClientSecret        = "client_secret"
	ParamClientAssertion     = "client_assertion"
	ParamClientAssertionType = "client_assertion_type"
	// AssertionTypeJWT is client_assertion_type for a JWT (RFC 7523 §2.2).
	AssertionTypeJWT = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
)

// Authenticator adds one client's authentication to a token request: the
// Authorization header, body parameters or the TLS client certificate. A
// grant builds the request's parameters; an Authenticator authenticates
// any of them. Every valid exchange of target check, the suites and the
// load runner goes through one, so what they send cannot drift apart.
// Implementations are safe for concurrent use.
type Authenticator interface {
	// Method is the token_endpoint_auth_method it implements.
	Method() string
	// ClientID is the client it authenticates.
	ClientID() string
	// Authenticate adds the client's authentication to s and records
	// itself in s.Authn, so that mutations can change what it built. A
	// failure (a signature that could not be made) is left in s.Err.
	Authenticate(s *Spec)
}

// Basic authenticates with HTTP Basic, id and secret form-urlencoded first
// (client_secret_basic).
//
// https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
type Basic struct{ Credentials }

// Method is client_secret_basic.
func (Basic) Method() string { return MethodBasic }

// ClientID is the client's id.
func (b Basic) ClientID() string { return b.ID }

// Authenticate sets the Basic credentials.
func (b Basic) Authenticate(s *Spec) {
	c := b.Credentials
	s.Auth, s.Authorization, s.Authn = &c, nil, b
}

// Secret returns the client secret.
func (b Basic) Secret() string { return b.Credentials.Secret }

// Post sends client_id and client_secret in the body (client_secret_post).
//
// https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
type Post struct{ Credentials }

// Method is client_secret_post.
func (Post) Method() string { return MethodPost }

// ClientID is the client's id.
func (p Post) ClientID() string { return p.ID }

// Authenticate adds client_id and client_secret to the body.
func (p Post) Authenticate(s *Spec) {
	Set(ParamClientID, p.ID)(s)
	Set(ParamClientSecret, p.Credentials.Secret)(s)
	s.Authn = p
}

// Secret returns the client secret.
func (p Post) Secret() string { return p.Credentials.Secret }

// SecretHolder is an Authenticator that knows the client secret.
type SecretHolder interface {
	Authenticator
	Secret() string
}

// NewSecretAuthenticator returns the Basic or Post authenticator for c.
func NewSecretAuthenticator(method string, c Credentials) (Authenticator, error) {
	switch method {
	case MethodBasic:
		return Basic{c}, nil
	case MethodPost:
		return Post{c}, nil
	}
	return nil, fmt.Errorf("exchange: %q is not a client secret method sent as is (want %s or %s)", method, MethodBasic, MethodPost)
}

// The authenticators that hold a secret mask it wherever they are printed.

// String shows the method and the client, never the secret.
func (b Basic) String() string { return MethodBasic + " as " + b.Credentials.String() }

// GoString is String.
func (b Basic) GoString() string { return "exchange.Basic{" + b.String() + "}" }

// GomegaString is String.
func (b Basic) GomegaString() string { return b.String() }

// LogValue is String.
func (b Basic) LogValue() slog.Value { return slog.StringValue(b.String()) }

// String shows the method and the client, never the secret.
func (p Post) String() string { return MethodPost + " as " + p.Credentials.String() }

// GoString is String.
func (p Post) GoString() string { return "exchange.Post{" + p.String() + "}" }

// GomegaString is String.
func (p Post) GomegaString() string { return p.String() }

// LogValue is String.
func (p Post) LogValue() slog.Value { return slog.StringValue(p.String()) }

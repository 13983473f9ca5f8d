// Package target loads the user's target file (where the token endpoint is
// and as whom to call it) and resolves it into a ready Target: discovery
// done, secrets read from the environment, TLS configured, the profile
// loaded with the target's overrides, and the code source built.
package target

import (
	"fmt"

	"github.com/tokenbench/tokenbench/internal/catalog"
	"github.com/tokenbench/tokenbench/internal/codes"
	"github.com/tokenbench/tokenbench/internal/yamlfile"
)

// File is the target YAML file as written by the user.
type File struct {
	// Issuer is the OpenID issuer; discovery is at Issuer +
	// "/.well-known/openid-configuration".
	Issuer string `yaml:"issuer"`
	// Endpoint overrides; when all needed ones are given, discovery is
	// still tried but its failure is not fatal.
	AuthorizationEndpoint string `yaml:"authorization_endpoint,omitempty"`
	TokenEndpoint         string `yaml:"token_endpoint,omitempty"`
	JWKSURI               string `yaml:"jwks_uri,omitempty"`
	UserinfoEndpoint      string `yaml:"userinfo_endpoint,omitempty"`
	// MTLSTokenEndpoint is where the TLS client authentication methods send
	// token requests; default: discovery's mtls_endpoint_aliases
	// token_endpoint, else token_endpoint (RFC 8705 §5).
	MTLSTokenEndpoint string `yaml:"mtls_token_endpoint,omitempty"`

	Client       Client  `yaml:"client"`
	SecondClient *Client `yaml:"second_client,omitempty"` // enables CODE-BOUND-TO-CLIENT

	RedirectURI string `yaml:"redirect_uri"`
	// OtherRedirectURI is a second redirect URI registered for the same
	// client (REQ-REDIRECT-MISMATCH's "other registered URI" probe).
	OtherRedirectURI string `yaml:"other_redirect_uri,omitempty"`
	Scope            string `yaml:"scope,omitempty"` // default "openid"

	// Profile is the default profile for this target (the --profile flag wins).
	Profile string `yaml:"profile,omitempty"`

	// AllowInsecureHTTP permits http:// endpoints on hosts other than
	// loopback. Tokens and secrets then cross the network unencrypted.
	AllowInsecureHTTP bool `yaml:"allow_insecure_http,omitempty"`
	// AllowEndpointsOnOtherHosts permits endpoints from discovery on hosts
	// other than the issuer's (an endpoint the file names is always
	// allowed). The client secret, codes and tokens then go there.
	AllowEndpointsOnOtherHosts bool `yaml:"allow_endpoints_on_other_hosts,omitempty"`
	TLS                        TLS  `yaml:"tls,omitempty"`

	// DPoP makes every token request carry a DPoP proof (RFC 9449); a
	// profile that documents DPoP does too, with a fresh ES256 key.
	DPoP *DPoP `yaml:"dpop,omitempty"`

	Codes  codes.Config `yaml:"codes"`
	Expect Expect       `yaml:"expect,omitempty"`
}

// DPoP is the key DPoP proofs are signed with.
type DPoP struct {
	// Alg is ES256 (default), RS256 or PS256.
	Alg string `yaml:"alg,omitempty"`
	// KeyFile is the private key (PEM or JWK, relative to the target file);
	// empty: a fresh key per run.
	KeyFile string `yaml:"key_file,omitempty"`
}

// Client names a client, how it authenticates and where its credentials
// come from. File paths are relative to the target file.
type Client struct {
	ID string `yaml:"id"`
	// AuthMethod is how the client authenticates its valid exchanges, the
	// token_endpoint_auth_method it is registered for: client_secret_basic
	// (default), client_secret_post, client_secret_jwt, private_key_jwt,
	// tls_client_auth or self_signed_tls_client_auth. Credentials for
	// other methods let the rows for those run.
	AuthMethod string `yaml:"auth_method,omitempty"`
	SecretEnv  string `yaml:"secret_env,omitempty"` // the environment variable holding the secret
	Secret     string `yaml:"secret,omitempty"`     // a literal secret: accepted with a warning
	// KeyFile is the private key for private_key_jwt: PEM (PKCS#8, PKCS#1,
	// SEC1) or a JWK / JWK Set with one private key.
	KeyFile string `yaml:"key_file,omitempty"`
	// KeyID is the assertion's kid; default: the JWK's kid, else the
	// RFC 7638 thumbprint of the key.
	KeyID string `yaml:"key_id,omitempty"`
	// AssertionAlg signs the assertions: RS256 (default for RSA), PS256,
	// ES256 (default for EC P-256); HS256, HS384 or HS512 for
	// client_secret_jwt.
	AssertionAlg string `yaml:"assertion_alg,omitempty"`
	// AssertionAudience is the assertions' aud: token_endpoint (default)
	// or issuer.
	AssertionAudience string `yaml:"assertion_audience,omitempty"`
	// CertFile and CertKeyFile are this client's TLS certificate for the
	// TLS methods; the client's default is tls.cert_file and tls.key_file.
	CertFile    string `yaml:"cert_file,omitempty"`
	CertKeyFile string `yaml:"cert_key_file,omitempty"`
}

// TLS configures the connection to the provider. Verification is on unless
// InsecureSkipVerify is set (warned).
type TLS struct {
	CAFile string `yaml:"ca_file,omitempty"`
	// CertFile and KeyFile are the client's certificate: presented on every
	// connection, or with client.auth_method tls_client_auth or
	// self_signed_tls_client_auth only by the requests that authenticate
	// with it.
	CertFile           string `yaml:"cert_file,omitempty"`
	KeyFile            string `yaml:"key_file,omitempty"`
	InsecureSkipVerify bool   `yaml:"insecure_skip_verify,omitempty"`
}

// Expect overrides profile values for this one deployment, for example a
// test provider's short code lifetime.
type Expect struct {
	CodeLifetime yamlfile.Duration `yaml:"code_lifetime,omitempty"`
	// RefreshLifetime is the deployment's refresh token lifetime
	// (refresh.lifetime): RT-EXPIRES waits it out.
	RefreshLifetime yamlfile.Duration `yaml:"refresh_lifetime,omitempty"`
	ExpiresIn       int               `yaml:"expires_in,omitempty"`
	IDTokenAlgs     []string          `yaml:"id_token_algs,flow,omitempty"`
	RaceConcurrency int               `yaml:"race_concurrency,omitempty"`
	// Rows changes row levels for this target only (say why in reason).
	Rows map[string]RowRule `yaml:"rows,omitempty"`
}

// RowRule is a per-target row level override.
type RowRule struct {
	Level  catalog.Level `yaml:"level"`
	Reason string        `yaml:"reason,omitempty"`
}

// Load reads and strictly decodes a target file.
func Load(path string) (*File, error) {
	var f File
	if err := yamlfile.ReadFile(path, &f); err != nil {
		return nil, fmt.Errorf("target file: %w", err)
	}
	return &f, nil
}

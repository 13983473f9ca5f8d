package target

import (
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/tokenbench/tokenbench/internal/catalog"
	"github.com/tokenbench/tokenbench/internal/checks"
	"github.com/tokenbench/tokenbench/internal/exchange"
	"github.com/tokenbench/tokenbench/internal/inputfile"
	"github.com/tokenbench/tokenbench/internal/provider"
	"github.com/tokenbench/tokenbench/internal/redact"
	"github.com/tokenbench/tokenbench/profiles"
)

// Target is a resolved target: everything a suite or a load run needs.
type Target struct {
	Source string // the target file, or "embedded reference provider"

	Issuer                string
	AuthorizationEndpoint string
	TokenEndpoint         string
	JWKSURI               string
	UserinfoEndpoint      string
	IntrospectionEndpoint string     // from discovery; "" when none
	Discovery             *Discovery // nil when discovery was not available

	// MTLSTokenEndpoint is where the TLS methods send token requests ("":
	// the token endpoint).
	MTLSTokenEndpoint string

	// Client is the client's id and secret (the secret "" when it has
	// none); Auth authenticates its valid exchanges with its auth_method.
	Client exchange.Credentials
	Auth   exchange.Authenticator
	// SecondClient and SecondAuth are the second client's, nil without one.
	SecondClient     *exchange.Credentials
	SecondAuth       exchange.Authenticator
	RedirectURI      string
	OtherRedirectURI string
	Scope            string
	PKCE             bool // the code source sends S256 challenges
	// DPoP signs a DPoP proof for every token request; nil without DPoP.
	DPoP         *exchange.DPoPKey
	InsecureHTTP bool // an http:// endpoint on a non-loopback host was allowed

	Profile  *profiles.Profile // with the target's expect: overrides applied
	HTTP     *exchange.Client
	Redactor *redact.Redactor
	Warnings []string
	// OutDir is where the code source puts evidence (a failed browser
	// login's screenshot, under browser/): the command's --out; "" is the
	// temporary directory.
	OutDir string
	// Notices are what every report of a run with the target says in its
	// header (each is a warning too).
	Notices []Notice
	// Provider is the embedded reference provider, nil for a target file.
	Provider *provider.Provider

	file      *File
	embedded  bool
	lookupEnv func(string) (string, bool)
	mu        sync.Mutex
	keys      *checks.RemoteKeySet
	closers   []func() error

	clientAuths []ClientAuth
	certGlobal  bool // tls.cert_file is on every connection
}

// Options are the command line's say in resolution.
type Options struct {
	Profile string              // profile name or file; "" = the target's, else "bankid"
	Env     func(string) string // nil: os.Getenv
	// LookupEnv reads "env:NAME" values of codes.headers and codes.cookies
	// (nil: os.LookupEnv).
	LookupEnv func(string) (string, bool)
	// HTTP options for the exchange client (pool size, timeouts).
	ClientOptions []exchange.Option
	// Reveal disables redaction (the --reveal flag).
	Reveal bool
	// AuthMethods are the embedded target's client's and second client's
	// client.auth_method (the --auth-method flag); unused with a target
	// file.
	AuthMethods []string
}

// DefaultProfile is used when neither the command line nor the target names one.
const DefaultProfile = "bankid"

// Resolve turns a loaded File into a Target. name is used in messages (the
// file path). Every error is bad input: it names the field or URL and why.
func Resolve(ctx context.Context, name string, f *File, o Options) (*Target, error) {
	if o.Env == nil {
		o.Env = os.Getenv
	}
	if o.LookupEnv == nil {
		o.LookupEnv = os.LookupEnv
	}
	t := &Target{Source: name, file: f, Scope: f.Scope, RedirectURI: f.RedirectURI, OtherRedirectURI: f.OtherRedirectURI, lookupEnv: o.LookupEnv}
	if err := f.Codes.Validate(); err != nil {
		return nil, fmt.Errorf("target: %s: %w", name, err)
	}
	if t.Scope == "" {
		t.Scope = "openid"
	}
	client, err := t.material("client", f.Client, o.Env, f.TLS)
	if err != nil {
		return nil, err
	}
	materials := []*clientMaterial{client}
	t.Client = exchange.Credentials{ID: client.id, Secret: client.secret}
	if f.SecondClient != nil {
		second, err := t.material("second_client", *f.SecondClient, o.Env, TLS{})
		if err != nil {
			return nil, err
		}
		materials = append(materials, second)
		t.SecondClient = &exchange.Credentials{ID: second.id, Secret: second.secret}
	}
	if f.RedirectURI == "" {
		return nil, fmt.Errorf("target: %s: redirect_uri is required", name)
	}
	if f.Issuer == "" && f.TokenEndpoint == "" {
		return nil, fmt.Errorf("target: %s: issuer is required (or token_endpoint with the other endpoints)", name)
	}
	for _, u := range []struct{ field, value string }{{"issuer", f.Issuer}, {"authorization_endpoint", f.AuthorizationEndpoint}, {"token_endpoint", f.TokenEndpoint}, {"jwks_uri", f.JWKSURI}, {"userinfo_endpoint", f.UserinfoEndpoint}, {"mtls_token_endpoint", f.MTLSTokenEndpoint}} {
		if err := t.checkURL(u.field, u.value, f.AllowInsecureHTTP); err != nil {
			return nil, err
		}
	}
	tlsCfg, err := t.tlsConfig(f.TLS)
	if err != nil {
		return nil, err
	}
	if client.cert != nil && !exchange.IsTLSMethod(client.method) {
		// Not a TLS method: the certificate is the connection's, as for a
		// gateway that requires mutual TLS.
		cert := client.cert
		tlsCfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return cert, nil }
		t.certGlobal = true
	}
	opts := append([]exchange.Option{exchange.WithTLS(tlsCfg)}, o.ClientOptions...)
	t.HTTP = exchange.NewClient(opts...)

	t.Issuer = strings.TrimSuffix(f.Issuer, "/")
	if f.Issuer != "" {
		t.Issuer = f.Issuer
		d, err := discover(ctx, t.HTTP.HTTPClient(), f.Issuer)
		switch {
		case err == nil:
			t.Discovery = d
		case f.TokenEndpoint != "" && f.JWKSURI != "":
			t.warn("discovery failed, using the endpoints from the target file: %v", err)
		default:
			return nil, err
		}
	}
	d := t.Discovery
	if d == nil {
		d = &Discovery{}
	}
	if d.Issuer != "" && d.Issuer != f.Issuer && f.Issuer != "" {
		t.notice(NoticeIssuerMismatch, "discovery's issuer %q differs from the target's issuer %q (OpenID Discovery §4.3 requires them identical); ID tokens are checked against %q", d.Issuer, f.Issuer, f.Issuer)
	}
	if err := t.checkDiscovered(f, d); err != nil {
		return nil, err
	}
	t.AuthorizationEndpoint = first(f.AuthorizationEndpoint, d.AuthorizationEndpoint)
	t.TokenEndpoint = first(f.TokenEndpoint, d.TokenEndpoint)
	t.JWKSURI = first(f.JWKSURI, d.JWKSURI)
	t.UserinfoEndpoint = first(f.UserinfoEndpoint, d.UserinfoEndpoint)
	t.MTLSTokenEndpoint = first(f.MTLSTokenEndpoint, d.MTLSEndpointAliases.TokenEndpoint)
	if t.TokenEndpoint == "" {
		return nil, fmt.Errorf("target: %s: no token_endpoint in discovery or the target file", name)
	}
	if d.IntrospectionEndpoint != "" {
		// Optional: a URL the strict policy refuses is left unused, not fatal.
		if err := t.checkOptional(f, "introspection_endpoint", d.IntrospectionEndpoint); err != nil {
			t.warn("introspection_endpoint left unused: %v", err)
		} else {
			t.IntrospectionEndpoint = d.IntrospectionEndpoint
		}
	}

	profileName := first(o.Profile, f.Profile, DefaultProfile)
	p, err := profiles.Load(profileName)
	if err != nil {
		return nil, err
	}
	if err := applyExpect(p, f.Expect); err != nil {
		return nil, fmt.Errorf("target: %s: expect: %w", name, err)
	}
	t.Profile = p
	t.PKCE, err = t.pkce(f.Codes.PKCE)
	if err != nil {
		return nil, err
	}
	if !o.Reveal {
		t.Redactor = redact.New(p.IDToken.PersonalClaims...)
	}
	for i, m := range materials {
		t.registerMaterial(m)
		if err := t.checkMethod(m); err != nil {
			return nil, err
		}
		ca, err := t.authenticators(m, i == 1)
		if err != nil {
			return nil, err
		}
		t.clientAuths = append(t.clientAuths, ca)
	}
	t.Auth = t.clientAuths[0].Auth()
	if len(t.clientAuths) > 1 {
		t.SecondAuth = t.clientAuths[1].Auth()
	}
	if t.DPoP, err = t.dpop(f.DPoP); err != nil {
		return nil, err
	}
	t.warnUndiscoveredMethods()
	return t, nil
}

// dpop returns the DPoP key: the target file's (dpop.key_file), or a fresh
// one when the file has a dpop section without a key or the profile
// documents DPoP; nil otherwise.
func (t *Target) dpop(d *DPoP) (*exchange.DPoPKey, error) {
	if d == nil {
		if !t.Profile.DPoP.Documented() {
			return nil, nil
		}
		d = &DPoP{}
	}
	alg := first(d.Alg, exchange.AlgES256)
	var signer crypto.Signer
	if d.KeyFile != "" {
		data, err := os.ReadFile(t.path(d.KeyFile))
		if err != nil {
			return nil, fmt.Errorf("target: %s: dpop.key_file: %v", t.Source, err)
		}
		k, err := exchange.ParseClientKey(data)
		if err != nil {
			return nil, fmt.Errorf("target: %s: dpop.key_file %q: %v", t.Source, d.KeyFile, err)
		}
		if d.Alg == "" {
			alg = k.DefaultAlg()
		}
		signer = k.Signer
		if t.Redactor != nil {
			t.Redactor.AddSecret(k.Secrets()...)
		}
	}
	key, err := exchange.NewDPoPKey(alg, signer)
	if err != nil {
		return nil, fmt.Errorf("target: %s: dpop: %v", t.Source, err)
	}
	if t.Redactor != nil {
		t.Redactor.AddSecret(key.Secrets()...)
	}
	return key, nil
}

// warnUndiscoveredMethods warns when discovery lists client authentication
// methods and not the one a client uses.
func (t *Target) warnUndiscoveredMethods() {
	if t.Discovery == nil || len(t.Discovery.TokenEndpointAuthMethodsSupported) == 0 {
		return
	}
	for _, c := range t.clientAuths {
		if !slices.Contains(t.Discovery.TokenEndpointAuthMethodsSupported, c.Method) {
			t.warn("%s.auth_method %s is not in discovery's token_endpoint_auth_methods_supported (%s)", c.Field, c.Method, strings.Join(t.Discovery.TokenEndpointAuthMethodsSupported, ", "))
		}
		t.HTTP = t.HTTP.Registering(t.Redactor) // every exchange's secrets, as it is recorded
	}
}

// Close releases what the target holds (an embedded provider, a code
// source's process).
func (t *Target) Close() error {
	var errs []error
	for i := len(t.closers) - 1; i >= 0; i-- {
		errs = append(errs, t.closers[i]())
	}
	t.closers = nil
	if t.HTTP != nil {
		t.HTTP.CloseIdle()
	}
	return errors.Join(errs...)
}

// OnClose registers f to run at Close.
func (t *Target) OnClose(f func() error) { t.closers = append(t.closers, f) }

// File returns the target file the Target was resolved from.
func (t *Target) File() *File { return t.file }

func (t *Target) warn(format string, args ...any) {
	t.Warnings = append(t.Warnings, fmt.Sprintf(format, args...))
}

func first(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// IsLoopback reports whether host (a name or an IP) is a loopback host.
// A name (localhost, or under .localhost) counts only when every address it
// resolves to is loopback (see isLoopback).
func IsLoopback(host string) bool {
	return isLoopback(context.Background(), net.DefaultResolver.LookupIPAddr, host)
}

// checkURL enforces https, except http on loopback or when explicitly allowed.
//
// https://www.rfc-editor.org/rfc/rfc6749#section-3.2
func (t *Target) checkURL(field, raw string, allowHTTP bool) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Errorf("target: %s: %s %q is not an absolute http(s) URL", t.Source, field, raw)
	}
	if u.Scheme == "http" && !IsLoopback(u.Hostname()) {
		if !allowHTTP {
			return fmt.Errorf("target: %s: %s %q uses plain http on a non-loopback host; tokens and the client secret would cross the network unencrypted (RFC 6749 §3.2 requires TLS). Set allow_insecure_http: true to allow it anyway", t.Source, field, raw)
		}
		if !t.InsecureHTTP {
			t.notice(NoticeInsecureHTTP, "INSECURE: allow_insecure_http is set and %s %q is plain http on a non-loopback host: the client secret, codes and tokens cross the network unencrypted (REQ-TLS)", field, raw)
		}
		t.InsecureHTTP = true
	}
	return nil
}

func (t *Target) tlsConfig(c TLS) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if c.CAFile != "" {
		pem, err := inputfile.Read(t.path(c.CAFile), inputfile.MaxConfig)
		if err != nil {
			return nil, fmt.Errorf("target: %s: tls.ca_file: %w", t.Source, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("target: %s: tls.ca_file %q holds no PEM certificate", t.Source, c.CAFile)
		}
		cfg.RootCAs = pool
	}
	if c.InsecureSkipVerify {
		t.notice(NoticeTLSUnverified, "INSECURE: tls.insecure_skip_verify is set: the provider's certificate was not verified, so any host on the path could have answered")
		cfg.InsecureSkipVerify = true
	}
	return cfg, nil
}

func (t *Target) pkce(mode string) (bool, error) {
	switch mode {
	case "on":
		return true, nil
	case "off":
		if t.Profile.PKCE.Support == "required" {
			return false, fmt.Errorf("target: %s: codes.pkce: off, but profile %s requires PKCE (pkce.support: required): its codes are sent with an S256 challenge", t.Source, t.Profile.Name)
		}
		return false, nil
	case "", "auto":
	default:
		return false, fmt.Errorf("target: %s: codes.pkce: %q is not one of auto, on, off", t.Source, mode)
	}
	switch t.Profile.PKCE.Support {
	case "required", "optional":
		return true, nil
	case "none":
		return false, nil
	}
	if t.Discovery != nil {
		for _, m := range t.Discovery.CodeChallengeMethodsSupported {
			if m == "S256" {
				return true, nil
			}
		}
	}
	return false, nil
}

func applyExpect(p *profiles.Profile, e Expect) error {
	if e.CodeLifetime != 0 {
		p.Code.Lifetime = e.CodeLifetime
	}
	if e.RefreshLifetime != 0 {
		p.Refresh.Lifetime = e.RefreshLifetime
	}
	if e.ExpiresIn != 0 {
		p.Response.ExpiresIn = e.ExpiresIn
	}
	if len(e.IDTokenAlgs) > 0 {
		p.IDToken.Algs = e.IDTokenAlgs
	}
	if e.RaceConcurrency != 0 {
		p.Code.RaceConcurrency = e.RaceConcurrency
	}
	for id, r := range e.Rows {
		if _, ok := catalog.Lookup(id); !ok {
			return fmt.Errorf("rows: %q is not a catalogue row ID", id)
		}
		if _, err := catalog.ParseLevel(string(r.Level)); err != nil {
			return fmt.Errorf("rows.%s: %w", id, err)
		}
		if r.Level == catalog.Skip && r.Reason == "" {
			return fmt.Errorf("rows.%s: a skipped row needs a reason", id)
		}
		if p.Rows == nil {
			p.Rows = map[string]profiles.RowRule{}
		}
		p.Rows[id] = profiles.RowRule{Level: r.Level, Reason: r.Reason}
	}
	return p.Validate()
}

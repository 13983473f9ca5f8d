package target

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tokenbench/tokenbench/internal/browser"
	"github.com/tokenbench/tokenbench/internal/codes"
	"github.com/tokenbench/tokenbench/internal/provider"
	"github.com/tokenbench/tokenbench/internal/yamlfile"
)

// EmbeddedSource names the embedded target in messages and reports.
const EmbeddedSource = "embedded reference provider"

// DefaultEmbeddedCodeTTL is the embedded provider's code lifetime: short, so
// that CODE-EXPIRES finishes in seconds, long enough for a prefetch pipeline.
const DefaultEmbeddedCodeTTL = 5 * time.Second

// Embedded starts the reference provider in-process on loopback and resolves
// a target pointing at it: its client registered for o.AuthMethods[0]
// (default client_secret_basic) and a second client (registered for
// o.AuthMethods[1], default the Basic client whose secret needs
// form-urlencoding), their keys and certificates written to a temporary
// directory, both registered redirect URIs and codes from its authorize
// endpoint (through Chromium, ReferenceLogin, when cfg has a Login mode).
// The provider stops and the directory is removed when the Target is
// closed.
func Embedded(ctx context.Context, cfg provider.Config, o Options) (*Target, error) {
	if cfg.CodeTTL == 0 {
		cfg.CodeTTL = DefaultEmbeddedCodeTTL
	}
	if len(cfg.Clients) == 0 {
		cfg.Clients = provider.DefaultClients()
	}
	client, second, err := ProviderClients(cfg.Clients, o.AuthMethods)
	if err != nil {
		return nil, fmt.Errorf("target: embedded: %w", err)
	}
	p, err := provider.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("target: embedded: %w", err)
	}
	base, err := p.Start("127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("target: embedded: %w", err)
	}
	dir, err := os.MkdirTemp("", "tokenbench-embedded-")
	if err != nil {
		p.Close()
		return nil, fmt.Errorf("target: embedded: %w", err)
	}
	cleanup := func() error { return errors.Join(p.Close(), os.RemoveAll(dir)) }
	f := ProviderFile(base, client, "embedded client secret", cfg.CodeTTL)
	f.Codes.Source = codes.SourceEmbedded
	if cfg.Login != "" {
		f.Codes = ReferenceLogin(provider.LoginUser, provider.LoginOTP)
	}
	secrets := map[string]string{"embedded client secret": client.Secret}
	if second != nil {
		f.SecondClient = &Client{ID: second.ID, SecretEnv: "embedded second client secret", AuthMethod: second.Method}
		secrets["embedded second client secret"] = second.Secret
	}
	if err := WriteCredentials(p, f, dir, true); err != nil {
		cleanup()
		return nil, fmt.Errorf("target: embedded: %w", err)
	}
	o.Env = func(k string) string { return secrets[k] }
	if o.Profile == "" && f.Client.AuthMethod != "" && f.Client.AuthMethod != provider.MethodBasic {
		o.Profile = EmbeddedMethodsProfile
	}
	t, err := Resolve(ctx, EmbeddedSource, f, o)
	if err != nil {
		cleanup()
		return nil, err
	}
	t.embedded = true
	t.Provider = p
	t.OnClose(cleanup)
	return t, nil
}

// EmbeddedMethodsProfile is the embedded target's default profile when its
// client does not use Basic: the baseline, which does not restrict the
// methods (the bankid pilot documents Basic alone).
const EmbeddedMethodsProfile = "oidc"

// ReferenceLogin is the codes section that logs in to the reference
// provider's JavaScript login (provider.LoginJS, provider.LoginJSNoSession)
// with a headless Chromium: the user ID on the page, then the one-time code
// in the iframe. user and otp are the values to type, literal or "env:NAME".
func ReferenceLogin(user, otp string) codes.Config {
	return codes.Config{Source: codes.SourceBrowser, Browser: &codes.BrowserConfig{Steps: []browser.Step{
		{Kind: browser.Fill, Fields: []browser.Field{{Selector: "#user-id", Value: user}}},
		{Kind: browser.Click, Selector: "#next"},
		{Kind: browser.Frame, Selector: "#otp-frame"},
		{Kind: browser.Fill, Fields: []browser.Field{{Selector: "#otp-code", Value: otp}}},
		{Kind: browser.Click, Selector: "#confirm"},
	}}}
}

// ProviderClients picks a reference provider's clients for methods: the
// client registered for methods[0] (default client_secret_basic), and the
// second client registered for methods[1], by default a Basic client whose
// credentials change when form-urlencoded, so that AUTH-BASIC-ENCODING runs
// (RFC 6749 §2.3.1), else the next Basic one.
func ProviderClients(cs []provider.Client, methods []string) (provider.Client, *provider.Client, error) {
	if len(methods) > 2 {
		return provider.Client{}, nil, fmt.Errorf("at most two client authentication methods (the client's and the second client's), got %d", len(methods))
	}
	pick := func(method string, not string) (*provider.Client, error) {
		for i := range cs {
			if cs[i].ID != not && methodOf(cs[i]) == method {
				return &cs[i], nil
			}
		}
		return nil, fmt.Errorf("no client of the reference provider is registered for %q (methods: %s)", method, strings.Join(provider.Methods(), ", "))
	}
	method := provider.MethodBasic
	if len(methods) > 0 && methods[0] != "" {
		method = methods[0]
	}
	client, err := pick(method, "")
	if err != nil {
		return provider.Client{}, nil, err
	}
	if len(methods) == 2 {
		second, err := pick(methods[1], client.ID)
		return *client, second, err
	}
	var fallback *provider.Client
	for i := range cs {
		c := &cs[i]
		if c.ID == client.ID || methodOf(*c) != provider.MethodBasic {
			continue
		}
		if url.QueryEscape(c.ID) != c.ID || url.QueryEscape(c.Secret) != c.Secret {
			return *client, c, nil
		}
		if fallback == nil {
			fallback = c
		}
	}
	return *client, fallback, nil
}

func methodOf(c provider.Client) string {
	if c.Method == "" {
		return provider.MethodBasic
	}
	return c.Method
}

// ProviderFile returns a target file pointing at a reference provider at
// issuer as its client c, with the secret read from the environment
// variable secretEnv (the file never holds the secret), c's first two
// redirect URIs, codes from the authorize endpoint and the provider's code
// lifetime (codeTTL) as the expected one. A client of a key or certificate
// method needs WriteCredentials as well.
func ProviderFile(issuer string, c provider.Client, secretEnv string, codeTTL time.Duration) *File {
	f := &File{
		Issuer:      issuer,
		Client:      Client{ID: c.ID, SecretEnv: secretEnv, AuthMethod: c.Method},
		RedirectURI: c.RedirectURIs[0],
		Codes:       codes.Config{Source: codes.SourceAuthorize},
		Expect:      Expect{CodeLifetime: yamlfile.Duration(codeTTL)},
	}
	if len(c.RedirectURIs) > 1 {
		f.OtherRedirectURI = c.RedirectURIs[1]
	}
	return f
}

// WriteCredentials writes into dir what f's clients authenticate with at
// the reference provider p (a private key, a certificate and its key) and
// the provider's throwaway CA, and points f at them: client.key_file,
// tls.cert_file / tls.key_file (second_client.cert_file / cert_key_file)
// and tls.ca_file. Keys are written readable by the owner only. With abs
// the file names are absolute, else relative to dir (where the target file
// goes).
func WriteCredentials(p *provider.Provider, f *File, dir string, abs bool) error {
	name := func(file string) string {
		if abs {
			return filepath.Join(dir, file)
		}
		return file
	}
	write := func(file string, data []byte, mode os.FileMode) error {
		return os.WriteFile(filepath.Join(dir, file), data, mode)
	}
	if err := write("tokenbench-ca.pem", p.CACertificatePEM(), 0o644); err != nil {
		return err
	}
	f.TLS.CAFile = name("tokenbench-ca.pem")
	clients := []*Client{&f.Client}
	if f.SecondClient != nil {
		clients = append(clients, f.SecondClient)
	}
	for i, c := range clients {
		creds, err := p.Credentials(c.ID)
		if err != nil {
			return err
		}
		if creds.KeyPEM != nil {
			if err := write(c.ID+".key.pem", creds.KeyPEM, 0o600); err != nil {
				return err
			}
			c.KeyFile = name(c.ID + ".key.pem")
		}
		if creds.CertPEM != nil {
			if err := write(c.ID+".cert.pem", creds.CertPEM, 0o644); err != nil {
				return err
			}
			if err := write(c.ID+".cert-key.pem", creds.CertKeyPEM, 0o600); err != nil {
				return err
			}
			if i == 0 {
				f.TLS.CertFile, f.TLS.KeyFile = name(c.ID+".cert.pem"), name(c.ID+".cert-key.pem")
			} else {
				c.CertFile, c.CertKeyFile = name(c.ID+".cert.pem"), name(c.ID+".cert-key.pem")
			}
		}
	}
	return nil
}

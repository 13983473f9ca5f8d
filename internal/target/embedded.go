package target

import (
	"context"
	"fmt"
	"net/url"
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
// a target pointing at it, with two of its clients (the second one with a
// secret that needs form-urlencoding), both registered
// redirect URIs and codes from its authorize endpoint (through Chromium,
// ReferenceLogin, when cfg has a Login mode). The provider stops when the
// Target is closed.
func Embedded(ctx context.Context, cfg provider.Config, o Options) (*Target, error) {
	if cfg.CodeTTL == 0 {
		cfg.CodeTTL = DefaultEmbeddedCodeTTL
	}
	if len(cfg.Clients) == 0 {
		cfg.Clients = provider.DefaultClients()
	}
	p, err := provider.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("target: embedded: %w", err)
	}
	base, err := p.Start("127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("target: embedded: %w", err)
	}
	c := cfg.Clients[0]
	f := ProviderFile(base, c, "embedded client secret", cfg.CodeTTL)
	f.Codes.Source = codes.SourceEmbedded
	if cfg.Login != "" {
		f.Codes = ReferenceLogin(provider.LoginUser, provider.LoginOTP)
	}
	secrets := map[string]string{"embedded client secret": c.Secret}
	if second := secondClient(cfg.Clients); second != nil {
		f.SecondClient = &Client{ID: second.ID, SecretEnv: "embedded second client secret"}
		secrets["embedded second client secret"] = second.Secret
	}
	o.Env = func(k string) string { return secrets[k] }
	t, err := Resolve(ctx, EmbeddedSource, f, o)
	if err != nil {
		p.Close()
		return nil, err
	}
	t.embedded = true
	t.Provider = p
	t.OnClose(p.Close)
	return t, nil
}

// ProviderFile returns a target file pointing at a reference provider at
// issuer as its client c, with the secret read from the environment
// variable secretEnv (the file never holds the secret), c's first two
// redirect URIs, codes from the authorize endpoint and the provider's code
// lifetime (codeTTL) as the expected one.
func ProviderFile(issuer string, c provider.Client, secretEnv string, codeTTL time.Duration) *File {
	f := &File{
		Issuer:      issuer,
		Client:      Client{ID: c.ID, SecretEnv: secretEnv},
		RedirectURI: c.RedirectURIs[0],
		Codes:       codes.Config{Source: codes.SourceAuthorize},
		Expect:      Expect{CodeLifetime: yamlfile.Duration(codeTTL)},
	}
	if len(c.RedirectURIs) > 1 {
		f.OtherRedirectURI = c.RedirectURIs[1]
	}
	return f
}

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

// secondClient picks the embedded target's second client: preferably one
// whose credentials change when form-urlencoded, so that AUTH-BASIC-ENCODING
// runs (RFC 6749 §2.3.1), else the next one.
func secondClient(cs []provider.Client) *provider.Client {
	for i := 1; i < len(cs); i++ {
		if url.QueryEscape(cs[i].ID) != cs[i].ID || url.QueryEscape(cs[i].Secret) != cs[i].Secret {
			return &cs[i]
		}
	}
	if len(cs) > 1 {
		return &cs[1]
	}
	return nil
}

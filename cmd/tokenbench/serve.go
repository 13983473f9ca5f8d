package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/tokenbench/tokenbench/internal/provider"
	"github.com/tokenbench/tokenbench/internal/target"
	"gopkg.in/yaml.v3"
)

// serveFlags are the reference provider's settings on the command line.
type serveFlags struct {
	addr, issuer             string
	clientID, clientSecret   string
	secretEnv                string
	redirectURIs             []string
	codeTTL, tokenTTL        time.Duration
	grants                   string
	refreshTTL               time.Duration
	defects, variants, stall string
	login                    string
	latency                  time.Duration
	errorRate                float64
	fast                     bool
	capacity                 int
	writeTarget              string
	authMethods              string
	listDefects              bool
}

func (a *app) serveCmd() *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the reference provider: a BankID-like OIDC provider on loopback, with switchable defects",
		Long: `serve runs a real OpenID Connect provider on a loopback address that behaves as
the BankID token endpoint document says: discovery, JWKS (kid bankid-oauth),
an authorize endpoint that auto-approves a test user, the token endpoint
(POST form, client_id rejected next to Basic, authorization_code only,
single-use codes, exact redirect_uri match, PKCE S256), and userinfo.

Each client may authenticate only with the method it is registered for:
"tokenbench" (and two more) with HTTP Basic, as the document says, and one
client per other method: client_secret_post, client_secret_jwt,
private_key_jwt (a key the provider makes), tls_client_auth and
self_signed_tls_client_auth (certificates from a throwaway CA, presented at
an HTTPS listener on loopback that asks for them: discovery's
mtls_endpoint_aliases). --write-target writes the key, certificate and CA
files of the --auth-method client next to the target file.

--defect breaks one documented promise per name (see --list-defects), on every
response or on a fraction of them (NAME@0.01). It runs until interrupted.
The first line on stdout is "listening http://HOST:PORT".`,
		Example: `  tokenbench serve --addr 127.0.0.1:8080 --write-target ref.yaml
  tokenbench serve --auth-method private_key_jwt --write-target ref-jwt.yaml
  tokenbench serve --defect code-reusable,no-pragma
  tokenbench serve --fast --stall 200ms/1s`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.serve(cmd, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.addr, "addr", "127.0.0.1:0", "loopback address to listen on (port 0 picks a free port)")
	fl.StringVar(&f.issuer, "issuer", "", "issuer identifier (default: the listening URL)")
	fl.StringVar(&f.clientID, "client-id", "", "the --auth-method client's id (default: its built-in id, tokenbench for Basic)")
	fl.StringVar(&f.clientSecret, "client-secret", "", "the --auth-method client's secret (default: $TOKENBENCH_CLIENT_SECRET, else the built-in test secret)")
	fl.StringVar(&f.authMethods, "auth-method", "", "METHOD[,SECOND]: the clients --write-target names, by the method they are registered for (default client_secret_basic): "+strings.Join(provider.Methods(), ", "))
	fl.StringVar(&f.secretEnv, "client-secret-env", "TOKENBENCH_CLIENT_SECRET", "environment variable read for the secret, and named in --write-target")
	fl.StringSliceVar(&f.redirectURIs, "redirect-uri", nil, "registered redirect URIs (repeatable; default two on 127.0.0.1)")
	fl.DurationVar(&f.codeTTL, "code-ttl", provider.DefaultCodeTTL, "authorization code lifetime")
	fl.DurationVar(&f.tokenTTL, "token-ttl", provider.DefaultTokenTTL, "access token lifetime (expires_in, ID token exp - iat)")
	fl.StringVar(&f.grants, "grants", "", "grant types served besides authorization_code: "+strings.Join(provider.Grants(), ","))
	fl.DurationVar(&f.refreshTTL, "refresh-ttl", provider.DefaultRefreshTTL, "refresh token lifetime")
	fl.StringVar(&f.defects, "defect", "", "defects to switch on: NAME[@FRACTION],... (see --list-defects)")
	fl.StringVar(&f.variants, "variant", "", "correct-but-different behaviours: NAME,... (see --list-defects)")
	fl.DurationVar(&f.latency, "latency", 0, "latency added to every token request")
	fl.Float64Var(&f.errorRate, "error-rate", 0, "fraction of token requests answered 503 temporarily_unavailable")
	fl.BoolVar(&f.fast, "fast", false, "accept any code and return one pre-signed response (load benchmarks of the harness)")
	fl.StringVar(&f.stall, "stall", "", "HOLD/PERIOD: hold token requests arriving in the first HOLD of every PERIOD (e.g. 200ms/1s)")
	fl.IntVar(&f.capacity, "capacity", 0, "serve at most N token requests at once; the rest queue (0 = unlimited)")
	fl.StringVar(&f.login, "login", "", "log in before a code: js (a JavaScript login page, one-time code in an iframe, session cookie) or js-no-session (no session: every code logs in); default: auto-approve")
	fl.StringVar(&f.writeTarget, "write-target", "", "write a target file pointing at this provider to FILE")
	fl.BoolVar(&f.listDefects, "list-defects", false, "list the defects and variants, then exit")
	hostileFlag(cmd)
	return cmd
}

func (a *app) serve(cmd *cobra.Command, f serveFlags) error {
	if f.listDefects {
		return a.listDefects()
	}
	cfg, methods, secretFrom, err := f.config(a.env)
	if err == nil {
		cfg.Hostile, err = hostileModes(cmd, false)
	}
	if err != nil {
		return badInput(err)
	}
	p, err := provider.New(cfg)
	if err != nil {
		return badInput(err)
	}
	base, err := p.Start(f.addr)
	if err != nil {
		return badInput(err)
	}
	defer p.Close()
	fmt.Fprintf(a.stdout, "listening %s\n", base)
	fmt.Fprintf(a.stdout, "issuer    %s\n", p.Issuer())
	fmt.Fprintf(a.stdout, "discovery %s/.well-known/openid-configuration\n", strings.TrimSuffix(p.Issuer(), "/"))
	if m := p.MTLSBase(); m != "" {
		fmt.Fprintf(a.stdout, "mtls      %s (asks for client certificates; CA from --write-target)\n", m)
	}
	for i, c := range cfg.Clients {
		fmt.Fprintf(a.stdout, "client %d  id %q, %s, redirect URIs %s\n", i+1, c.ID, first(c.Method, provider.MethodBasic), strings.Join(c.RedirectURIs, " "))
	}
	fmt.Fprintf(a.stdout, "secret    %s\n", secretFrom)
	if len(cfg.Defects) > 0 {
		var ds []string
		for _, name := range provider.DefectNames() {
			if fr, ok := cfg.Defects[name]; ok {
				ds = append(ds, fmt.Sprintf("%s@%g", name, fr))
			}
		}
		fmt.Fprintf(a.stdout, "defects   %s\n", strings.Join(ds, ", "))
	}
	if len(cfg.Hostile) > 0 {
		fmt.Fprintf(a.stdout, "hostile   %s\n", strings.Join(cfg.Hostile, ", "))
	}
	if cfg.Login != "" {
		fmt.Fprintf(a.stdout, "login     %s: user ID %q, one-time code %q (codes.source browser)\n", cfg.Login, provider.LoginUser, provider.LoginOTP)
	}
	if f.writeTarget != "" {
		if err := writeTarget(f.writeTarget, p, cfg, methods, f.secretEnv); err != nil {
			return badInput(err)
		}
		fmt.Fprintf(a.stdout, "target    %s\n", f.writeTarget)
	}
	<-cmd.Context().Done()
	fmt.Fprintln(a.stderr, "tokenbench: serve: interrupted, stopping")
	return nil
}

// config builds the provider configuration, parses --auth-method and says
// where the secret came from, without ever printing a secret the user
// chose.
func (f serveFlags) config(env func(string) string) (cfg provider.Config, methods []string, secretFrom string, err error) {
	defects, err := provider.ParseDefects(f.defects)
	if err != nil {
		return cfg, nil, "", err
	}
	variants, err := provider.ParseVariants(f.variants)
	if err != nil {
		return cfg, nil, "", err
	}
	hold, period, err := parseStall(f.stall)
	if err != nil {
		return cfg, nil, "", err
	}
	if f.errorRate < 0 || f.errorRate > 1 {
		return cfg, nil, "", fmt.Errorf("serve: --error-rate %g is not a fraction in [0, 1]", f.errorRate)
	}
	if f.codeTTL <= 0 || f.tokenTTL <= 0 || f.refreshTTL <= 0 {
		return cfg, nil, "", fmt.Errorf("serve: --code-ttl, --token-ttl and --refresh-ttl must be positive")
	}
	grants, err := parseGrants("serve", "--grants", f.grants)
	if err != nil {
		return cfg, nil, "", err
	}
	clients := provider.DefaultClients()
	if methods, err = parseAuthMethods("serve", f.authMethods); err != nil {
		return cfg, nil, "", err
	}
	chosen, _, err := target.ProviderClients(clients, methods)
	if err != nil {
		return cfg, nil, "", fmt.Errorf("serve: --auth-method: %w", err)
	}
	i := slices.IndexFunc(clients, func(c provider.Client) bool { return c.ID == chosen.ID })
	if f.clientID != "" {
		clients[i].ID = f.clientID
	}
	secretFrom = "the built-in test secret " + clients[i].Secret + " (export " + f.secretEnv + "=" + clients[i].Secret + " to use --write-target files)"
	switch {
	case f.clientSecret != "":
		clients[i].Secret = f.clientSecret
		secretFrom = "from --client-secret (export " + f.secretEnv + " with it to use --write-target files)"
	case env(f.secretEnv) != "":
		clients[i].Secret = env(f.secretEnv)
		secretFrom = "from $" + f.secretEnv
	}
	if len(f.redirectURIs) > 0 {
		for i := range clients {
			clients[i].RedirectURIs = f.redirectURIs
		}
	}
	cfg = provider.Config{
		Issuer: f.issuer, Clients: clients, CodeTTL: f.codeTTL, TokenTTL: f.tokenTTL,
		Defects: defects, Variants: variants, Latency: f.latency, ErrorRate: f.errorRate,
		Fast: f.fast, StallHold: hold, StallPeriod: period, Capacity: f.capacity, Login: f.login,
		Grants: grants, RefreshTTL: f.refreshTTL,
	}
	return cfg, methods, secretFrom, nil
}

// parseStall parses "HOLD/PERIOD" such as "200ms/1s".
func parseStall(s string) (hold, period time.Duration, err error) {
	if s == "" {
		return 0, 0, nil
	}
	h, p, ok := strings.Cut(s, "/")
	if ok {
		hold, err = time.ParseDuration(h)
		if err == nil {
			period, err = time.ParseDuration(p)
		}
	}
	if !ok || err != nil || hold <= 0 || period <= hold {
		return 0, 0, fmt.Errorf("serve: --stall %q is not HOLD/PERIOD with 0 < HOLD < PERIOD, e.g. 200ms/1s", s)
	}
	return hold, period, nil
}

// writeTarget writes a target file pointing at the provider: a
// target.File for the clients of methods (target.ProviderClients), with
// the openid scope and the bankid profile (oidc for a client that does not
// use Basic), and next to it the files of their keys and certificates and
// the provider's CA. The secret is never written: the file names the
// environment variable instead; a second client's secret is the one
// environment variable more, SECRETENV_SECOND.
func writeTarget(path string, p *provider.Provider, cfg provider.Config, methods []string, secretEnv string) error {
	client, second, err := target.ProviderClients(cfg.Clients, methods)
	if err != nil {
		return fmt.Errorf("serve: --write-target: %w", err)
	}
	f := target.ProviderFile(p.Issuer(), client, secretEnv, cfg.CodeTTL)
	f.Scope, f.Profile = "openid", target.DefaultProfile
	if cfg.Login != "" {
		f.Codes = target.ReferenceLogin(provider.LoginUser, provider.LoginOTP)
	}
	if client.Method != "" && client.Method != provider.MethodBasic {
		f.Profile = target.EmbeddedMethodsProfile
	}
	if len(methods) == 2 && second != nil {
		f.SecondClient = &target.Client{ID: second.ID, SecretEnv: secretEnv + "_SECOND", AuthMethod: second.Method}
	}
	if err := target.WriteCredentials(p, f, filepath.Dir(path), false); err != nil {
		return fmt.Errorf("serve: --write-target: %w", err)
	}
	b, err := yaml.Marshal(f)
	if err != nil {
		return err
	}
	head := "# Written by tokenbench serve: a target pointing at the reference provider.\n# The client secret is read from $" + secretEnv + ".\n"
	if err := os.WriteFile(path, append([]byte(head), b...), 0o644); err != nil {
		return fmt.Errorf("serve: --write-target: %w", err)
	}
	return nil
}

func (a *app) listDefects() error {
	w := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "DEFECT\tCAUGHT BY\tWHAT IT DOES")
	for _, d := range provider.Defects() {
		fmt.Fprintf(w, "%s\t%s\t%s\n", d.Name, strings.Join(d.Rows, ","), d.Summary)
	}
	fmt.Fprintln(w, "\nVARIANT\t\tCORRECT BEHAVIOUR THE STANDARDS ALLOW")
	for _, v := range provider.Variants() {
		fmt.Fprintf(w, "%s\t\t%s\n", v.Name, v.Summary)
	}
	fmt.Fprintln(w, "\nHOSTILE (--hostile)\t\tWHAT IT SENDS THE HARNESS")
	for _, h := range provider.HostileModes() {
		fmt.Fprintf(w, "%s\t\t%s\n", h.Name, h.Summary)
	}
	return w.Flush()
}

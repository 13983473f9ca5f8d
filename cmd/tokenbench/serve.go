package main

import (
	"fmt"
	"os"
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
	defects, variants, stall string
	login                    string
	latency                  time.Duration
	errorRate                float64
	fast                     bool
	capacity                 int
	writeTarget              string
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
(POST form, HTTP Basic only, client_id rejected, authorization_code only,
single-use codes, exact redirect_uri match, PKCE S256), and userinfo.

--defect breaks one documented promise per name (see --list-defects), on every
response or on a fraction of them (NAME@0.01). It runs until interrupted.
The first line on stdout is "listening http://HOST:PORT".`,
		Example: `  tokenbench serve --addr 127.0.0.1:8080 --write-target ref.yaml
  tokenbench serve --defect code-reusable,no-pragma
  tokenbench serve --fast --stall 200ms/1s`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.serve(cmd, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.addr, "addr", "127.0.0.1:0", "loopback address to listen on (port 0 picks a free port)")
	fl.StringVar(&f.issuer, "issuer", "", "issuer identifier (default: the listening URL)")
	fl.StringVar(&f.clientID, "client-id", "tokenbench", "the client's id")
	fl.StringVar(&f.clientSecret, "client-secret", "", "the client's secret (default: $TOKENBENCH_CLIENT_SECRET, else the built-in test secret)")
	fl.StringVar(&f.secretEnv, "client-secret-env", "TOKENBENCH_CLIENT_SECRET", "environment variable read for the secret, and named in --write-target")
	fl.StringSliceVar(&f.redirectURIs, "redirect-uri", nil, "registered redirect URIs (repeatable; default two on 127.0.0.1)")
	fl.DurationVar(&f.codeTTL, "code-ttl", provider.DefaultCodeTTL, "authorization code lifetime")
	fl.DurationVar(&f.tokenTTL, "token-ttl", provider.DefaultTokenTTL, "access token lifetime (expires_in, ID token exp - iat)")
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
	cfg, secretFrom, err := f.config(a.env)
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
	for i, c := range cfg.Clients {
		fmt.Fprintf(a.stdout, "client %d  id %q, redirect URIs %s\n", i+1, c.ID, strings.Join(c.RedirectURIs, " "))
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
		if err := writeTarget(f.writeTarget, p.Issuer(), cfg, f.secretEnv); err != nil {
			return badInput(err)
		}
		fmt.Fprintf(a.stdout, "target    %s\n", f.writeTarget)
	}
	<-cmd.Context().Done()
	fmt.Fprintln(a.stderr, "tokenbench: serve: interrupted, stopping")
	return nil
}

// config builds the provider configuration and says where the secret came
// from, without ever printing a secret the user chose.
func (f serveFlags) config(env func(string) string) (provider.Config, string, error) {
	var cfg provider.Config
	defects, err := provider.ParseDefects(f.defects)
	if err != nil {
		return cfg, "", err
	}
	variants, err := provider.ParseVariants(f.variants)
	if err != nil {
		return cfg, "", err
	}
	hold, period, err := parseStall(f.stall)
	if err != nil {
		return cfg, "", err
	}
	if f.errorRate < 0 || f.errorRate > 1 {
		return cfg, "", fmt.Errorf("serve: --error-rate %g is not a fraction in [0, 1]", f.errorRate)
	}
	if f.codeTTL <= 0 || f.tokenTTL <= 0 {
		return cfg, "", fmt.Errorf("serve: --code-ttl and --token-ttl must be positive")
	}
	clients := provider.DefaultClients()
	clients[0].ID = f.clientID
	secretFrom := "the built-in test secret " + clients[0].Secret + " (export " + f.secretEnv + "=" + clients[0].Secret + " to use --write-target files)"
	switch {
	case f.clientSecret != "":
		clients[0].Secret = f.clientSecret
		secretFrom = "from --client-secret (export " + f.secretEnv + " with it to use --write-target files)"
	case env(f.secretEnv) != "":
		clients[0].Secret = env(f.secretEnv)
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
	}
	return cfg, secretFrom, nil
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
// target.File, with the bankid profile and the openid scope. The secret is
// never written: the file names the environment variable instead.
func writeTarget(path, issuer string, cfg provider.Config, secretEnv string) error {
	f := target.ProviderFile(issuer, cfg.Clients[0], secretEnv, cfg.CodeTTL)
	f.Scope, f.Profile = "openid", target.DefaultProfile
	if cfg.Login != "" {
		f.Codes = target.ReferenceLogin(provider.LoginUser, provider.LoginOTP)
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

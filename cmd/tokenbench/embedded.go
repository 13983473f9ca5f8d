package main

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tokenbench/tokenbench/internal/provider"
)

// embeddedFlags are the embedded reference provider's switches of a command
// whose --target is optional. They are the one place those switches are
// registered, refused with --target and turned into a provider.Config.
type embeddedFlags struct {
	defects, variants string
	authMethods       string
	codeTTL           time.Duration
	login             string
	grants            string
	refreshTTL        time.Duration
	// shaping (registerShaping): the demo provider's capacity
	capacity  int
	latency   time.Duration
	errorRate float64
}

// embeddedSwitches names every switch of embeddedFlags.
var embeddedSwitches = []string{"defect", "variant", "code-ttl", "provider-grants", "refresh-ttl", "login", "hostile", "auth-method", "provider-capacity", "provider-latency", "provider-error-rate"}

// embedded is the embedded target: its provider's configuration and the
// client authentication methods of its client and second client.
type embedded struct {
	provider.Config
	authMethods []string
}

// register adds --defect, --variant, --code-ttl (default codeTTL), --login,
// --hostile and --auth-method.
func (e *embeddedFlags) register(cmd *cobra.Command, codeTTL time.Duration) {
	fl := cmd.Flags()
	fl.StringVar(&e.defects, "defect", "", "embedded provider only: defects to switch on, NAME[@FRACTION],... (serve --list-defects)")
	fl.StringVar(&e.variants, "variant", "", "embedded provider only: correct-but-different behaviours, NAME,...")
	fl.DurationVar(&e.codeTTL, "code-ttl", codeTTL, "embedded provider only: authorization code lifetime")
	fl.StringVar(&e.grants, "provider-grants", "", "embedded provider only: grant types served besides authorization_code, "+strings.Join(provider.Grants(), ",")+" (use a profile that documents them)")
	fl.DurationVar(&e.refreshTTL, "refresh-ttl", provider.DefaultRefreshTTL, "embedded provider only: refresh token lifetime")
	fl.StringVar(&e.login, "login", "", "embedded provider only: js or js-no-session, a login page rendered by JavaScript with a one-time code in an iframe; codes come through headless Chromium (codes.source browser)")
	fl.StringVar(&e.authMethods, "auth-method", "", "embedded provider only: METHOD[,SECOND]: the client authentication of its client (default client_secret_basic) and of its second client; "+
		strings.Join(provider.Methods(), ", "))
	hostileFlag(cmd)
}

// registerShaping adds --provider-capacity, --provider-latency and
// --provider-error-rate: a provider of known capacity for demos.
func (e *embeddedFlags) registerShaping(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.IntVar(&e.capacity, "provider-capacity", 0, "embedded provider only: serve at most N token requests at once, the rest queue")
	fl.DurationVar(&e.latency, "provider-latency", 0, "embedded provider only: hold each token request this long (service time)")
	fl.Float64Var(&e.errorRate, "provider-error-rate", 0, "embedded provider only: answer this fraction of token requests 503")
}

// config returns the embedded target's configuration. With a target file
// (hasTarget) it is zero, and any switch given is an error; without, the
// switches are parsed and checked.
func (e *embeddedFlags) config(cmd *cobra.Command, hasTarget bool) (embedded, error) {
	if hasTarget {
		for _, name := range embeddedSwitches {
			if f := cmd.Flags().Lookup(name); f != nil && f.Changed {
				return embedded{}, fmt.Errorf("%s: --%s configures the embedded provider and cannot be used with --target", cmd.Name(), name)
			}
		}
		return embedded{}, nil
	}
	pc, err := e.provider(cmd)
	if err != nil {
		return embedded{}, err
	}
	methods, err := parseAuthMethods(cmd.Name(), e.authMethods)
	return embedded{Config: pc, authMethods: methods}, err
}

// parseAuthMethods parses --auth-method: one or two known methods.
func parseAuthMethods(cmd, spec string) ([]string, error) {
	if spec == "" {
		return nil, nil
	}
	ms := strings.Split(spec, ",")
	for i, m := range ms {
		ms[i] = strings.TrimSpace(m)
		if !slices.Contains(provider.Methods(), ms[i]) {
			return nil, fmt.Errorf("%s: --auth-method %q: %q is not one of %s", cmd, spec, ms[i], strings.Join(provider.Methods(), ", "))
		}
	}
	if len(ms) > 2 {
		return nil, fmt.Errorf("%s: --auth-method %q: at most two methods, the client's and the second client's", cmd, spec)
	}
	return ms, nil
}

// provider parses and checks the provider's switches.
func (e *embeddedFlags) provider(cmd *cobra.Command) (provider.Config, error) {
	defects, err := provider.ParseDefects(e.defects)
	if err != nil {
		return provider.Config{}, err
	}
	variants, err := provider.ParseVariants(e.variants)
	if err != nil {
		return provider.Config{}, err
	}
	hostile, err := hostileModes(cmd, false)
	if err != nil {
		return provider.Config{}, err
	}
	switch {
	case e.codeTTL <= 0:
		return provider.Config{}, fmt.Errorf("%s: --code-ttl must be positive", cmd.Name())
	case e.capacity < 0 || e.latency < 0:
		return provider.Config{}, fmt.Errorf("%s: --provider-capacity and --provider-latency must not be negative", cmd.Name())
	case e.errorRate < 0 || e.errorRate > 1:
		return provider.Config{}, fmt.Errorf("%s: --provider-error-rate %g is not a fraction from 0 to 1", cmd.Name(), e.errorRate)
	}
	grants, err := parseGrants(cmd.Name(), "--provider-grants", e.grants)
	if err != nil {
		return provider.Config{}, err
	}
	if e.refreshTTL <= 0 {
		return provider.Config{}, fmt.Errorf("%s: --refresh-ttl must be positive", cmd.Name())
	}
	if e.login != "" && !slices.Contains(provider.LoginModes(), e.login) {
		return provider.Config{}, fmt.Errorf("%s: --login %q is not one of %s", cmd.Name(), e.login, strings.Join(provider.LoginModes(), ", "))
	}
	return provider.Config{Defects: defects, Variants: variants, Hostile: hostile, CodeTTL: e.codeTTL, Login: e.login,
		Grants: grants, RefreshTTL: e.refreshTTL,
		Capacity: e.capacity, Latency: e.latency, ErrorRate: e.errorRate}, nil
}

// parseGrants parses a comma-separated list of the grant types the
// provider can serve besides authorization_code.
func parseGrants(cmd, flag, spec string) ([]string, error) {
	var out []string
	for g := range strings.SplitSeq(spec, ",") {
		g = strings.TrimSpace(g)
		if g == "" {
			continue
		}
		if !slices.Contains(provider.Grants(), g) {
			return nil, fmt.Errorf("%s: %s %q: %q is not one of %s", cmd, flag, spec, g, strings.Join(provider.Grants(), ", "))
		}
		if !slices.Contains(out, g) {
			out = append(out, g)
		}
	}
	return out, nil
}

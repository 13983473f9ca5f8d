package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/tokenbench/tokenbench/internal/catalog"
	"github.com/tokenbench/tokenbench/internal/checks"
	"github.com/tokenbench/tokenbench/internal/codes"
	"github.com/tokenbench/tokenbench/internal/exchange"
	"github.com/tokenbench/tokenbench/internal/provider"
	"github.com/tokenbench/tokenbench/internal/target"
)

// targetFlags select a target; shared by every command that takes one.
type targetFlags struct {
	path    string
	profile string
	reveal  bool
	// clientOptions size the exchange client (set by commands, not flags)
	clientOptions []exchange.Option
}

func (tf *targetFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&tf.path, "target", "t", "", "target file (default: the embedded reference provider on loopback)")
	cmd.Flags().StringVarP(&tf.profile, "profile", "p", "", "profile name or file (default: the target's, else bankid)")
	cmd.Flags().BoolVar(&tf.reveal, "reveal", false, "show secrets, codes, tokens and personal claims unredacted (never in shared reports)")
}

// embeddedConfig reads the embedded provider's switches of a command that
// takes an optional target (--defect, --variant, --code-ttl, and any other
// named flags): refused with --target, parsed without.
func embeddedConfig(cmd *cobra.Command, hasTarget bool, defects, variants string, codeTTL time.Duration, others ...string) (provider.Config, error) {
	var pc provider.Config
	if hasTarget {
		for _, fl := range append([]string{"defect", "variant", "code-ttl"}, others...) {
			if f := cmd.Flags().Lookup(fl); f != nil && f.Changed {
				return pc, fmt.Errorf("%s: --%s configures the embedded provider and cannot be used with --target", cmd.Name(), fl)
			}
		}
		return pc, nil
	}
	var err error
	if pc.Defects, err = provider.ParseDefects(defects); err != nil {
		return pc, err
	}
	if pc.Variants, err = provider.ParseVariants(variants); err != nil {
		return pc, err
	}
	if codeTTL <= 0 {
		return pc, fmt.Errorf("%s: --code-ttl must be positive", cmd.Name())
	}
	pc.CodeTTL = codeTTL
	return pc, nil
}

// open resolves the target, printing its warnings to stderr. Every error is
// bad input.
func (a *app) openTarget(ctx context.Context, tf targetFlags, pc provider.Config) (*target.Target, error) {
	o := target.Options{Profile: tf.profile, Env: a.env, Reveal: tf.reveal,
		ClientOptions: append([]exchange.Option{exchange.WithUserAgent("tokenbench/" + versionString())}, tf.clientOptions...)}
	var (
		t   *target.Target
		err error
	)
	if tf.path == "" {
		t, err = target.Embedded(ctx, pc, o)
	} else {
		var f *target.File
		f, err = target.Load(tf.path)
		if err == nil {
			t, err = target.Resolve(ctx, tf.path, f, o)
		}
	}
	if err != nil {
		return nil, badInput(err)
	}
	for _, w := range t.Warnings {
		fmt.Fprintf(a.stderr, "tokenbench: warning: %s\n", w)
	}
	return t, nil
}

func (a *app) targetCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "target",
		Short: "Work with target files",
	}
	var tf targetFlags
	check := &cobra.Command{
		Use:   "check",
		Short: "Resolve a target, obtain one code, redeem it and validate the response",
		Long: `check is the "is my setup right?" command: it resolves the target (discovery,
secret, TLS, code source), obtains one authorization code, redeems it at the
token endpoint with HTTP Basic, validates the response and its ID token
against the profile, and prints a short redacted summary.

Exit status: 0 when the exchange succeeded (200 with an access token; check
findings are listed but run 'conform' for a verdict), 1 when it did not,
2 on bad input.`,
		Example: `  tokenbench target check
  TOKENBENCH_CLIENT_SECRET=... tokenbench target check --target preprod.yaml --profile bankid`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.targetCheck(cmd.Context(), tf) },
	}
	tf.register(check)
	cmd.AddCommand(check)
	return cmd
}

func (a *app) targetCheck(ctx context.Context, tf targetFlags) error {
	t, err := a.openTarget(ctx, tf, provider.Config{})
	if err != nil {
		return err
	}
	defer t.Close()
	w := a.stdout
	fmt.Fprintf(w, "target     %s\n", t.Source)
	fmt.Fprintf(w, "issuer     %s\n", t.Issuer)
	fmt.Fprintf(w, "token      %s\n", t.TokenEndpoint)
	fmt.Fprintf(w, "profile    %s (%s)\n", t.Profile.Name, strings.Join(t.Profile.Chain, " -> "))
	kind := first(t.File().Codes.Source, codes.SourceAuthorize)
	if kind == codes.SourceAuthorize || kind == codes.SourceEmbedded {
		extras := "nonce"
		if t.PKCE {
			extras += ", PKCE S256"
		}
		fmt.Fprintf(w, "codes      %s (%s)\n", kind, extras)
	} else {
		fmt.Fprintf(w, "codes      %s (nonce and PKCE verifier as the source gives them)\n", kind)
	}

	src, err := t.OpenCodes(target.CodeOptions{})
	if err != nil {
		return badInput(err)
	}
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	code, err := src.Next(cctx)
	cancel()
	if err != nil {
		return badInput(fmt.Errorf("target check: obtaining a code: %w", err))
	}
	fmt.Fprintf(w, "code       obtained in %s%s\n", round(code.Took), describeCode(code))

	spec := exchange.TokenRequest(t.TokenEndpoint, t.Client, code.Value, code.RedirectURI, code.CodeVerifier)
	x := t.HTTP.Do(ctx, spec)
	if x.Response == nil {
		fmt.Fprintf(w, "exchange   failed: %s\n", t.Redactor.String(target.DescribeTransportError(x.Err)))
		return failed(fmt.Errorf("target check: the token request failed at the transport: %s", t.Redactor.String(target.DescribeTransportError(x.Err))))
	}
	fmt.Fprintf(w, "exchange   %d %s in %s\n\n", x.Status(), http.StatusText(x.Status()), round(x.Timings.ServiceTime()))
	fmt.Fprintln(w, indent(x.Redacted(t.Redactor).Format()))

	ok := x.Status() == http.StatusOK && x.HasTokens()
	if !ok {
		fmt.Fprintf(w, "verdict    FAILED: the token endpoint did not issue tokens (status %d, error %q)\n", x.Status(), x.OAuthError())
		return failed(fmt.Errorf("target check: the exchange did not succeed"))
	}
	results := checks.Validate(ctx, x, t.CheckContext(code), checks.Success())
	var pass, fail, warn, skip int
	var lines []string
	for _, r := range results {
		lvl, reason := t.Profile.Level(r.ID)
		switch {
		case lvl == catalog.Skip:
			skip++
			_ = reason
		case r.Passed():
			pass++
		case !r.Failed():
			skip++
		case lvl == catalog.Must && !r.Warning():
			fail++
			lines = append(lines, finding("FAIL", r, t.Redactor.String))
		default:
			warn++
			lines = append(lines, finding("WARN", r, t.Redactor.String))
		}
	}
	fmt.Fprintf(w, "checks     %d passed, %d failed, %d warnings, %d not applicable (profile %s)\n", pass, fail, warn, skip, t.Profile.Name)
	for _, l := range lines {
		fmt.Fprintln(w, l)
	}
	if fail > 0 {
		fmt.Fprintf(w, "verdict    OK: the exchange succeeded; the response has %d MUST finding(s): run 'tokenbench conform' for the full verdict\n", fail)
	} else {
		fmt.Fprintln(w, "verdict    OK: the exchange succeeded and the response is valid under the profile")
	}
	return nil
}

func first(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// describeCode says what came with a code: a nonce, a PKCE verifier.
func describeCode(c *codes.Code) string {
	var with []string
	if c.Nonce != "" {
		with = append(with, "nonce")
	}
	if c.CodeVerifier != "" {
		with = append(with, "PKCE verifier")
	}
	if len(with) == 0 {
		return ""
	}
	return ", with " + strings.Join(with, " and ")
}

// finding formats a failed check: its row, then each failure on its own
// line without repeating the row ID.
func finding(kind string, r checks.Result, redact func(string) string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "  %s %s", kind, r.ID)
	for _, line := range strings.Split(redact(r.Err.Error()), "\n") {
		fmt.Fprintf(&b, "\n         %s", strings.TrimPrefix(line, r.ID+": "))
	}
	return b.String()
}

func round(d time.Duration) time.Duration {
	switch {
	case d > time.Second:
		return d.Round(time.Millisecond)
	case d > time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = "    " + l
	}
	return strings.Join(lines, "\n") + "\n"
}

package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/tokenbench/tokenbench/internal/checks"
	"github.com/tokenbench/tokenbench/internal/codes"
	"github.com/tokenbench/tokenbench/internal/exchange"
	"github.com/tokenbench/tokenbench/internal/target"
	"github.com/tokenbench/tokenbench/reports/format"
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

// openTarget opens the target (target.Open), printing its warnings to
// stderr. pc configures the embedded provider when there is no --target.
// Every error is bad input.
func (a *app) openTarget(ctx context.Context, tf targetFlags, e embedded) (*target.Target, error) {
	t, err := target.Open(ctx, tf.path, e.Config, target.Options{Profile: tf.profile, Env: a.env, Reveal: tf.reveal, AuthMethods: e.authMethods,
		ClientOptions: append([]exchange.Option{exchange.WithUserAgent("tokenbench/" + versionString())}, tf.clientOptions...)})
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
	var (
		tf  targetFlags
		emb embeddedFlags
	)
	check := &cobra.Command{
		Use:   "check",
		Short: "Resolve a target, obtain one code, redeem it and validate the response",
		Long: `check is the "is my setup right?" command: it resolves the target (discovery,
secret, TLS, code source), obtains one authorization code, redeems it at the
token endpoint with the client's authentication method, validates the response and its ID token
against the profile, and prints a short redacted summary.

Exit status: 0 when the exchange succeeded and the response is valid under
the profile (SHOULD and INFO findings are listed; run 'conform' for a
verdict), 1 when it did not or a MUST check failed on the response, 2 on
bad input.`,
		Example: `  tokenbench target check
  tokenbench target check --auth-method private_key_jwt
  TOKENBENCH_CLIENT_SECRET=... tokenbench target check --target preprod.yaml --profile bankid`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			e, err := emb.config(cmd, tf.path != "")
			if err != nil {
				return badInput(err)
			}
			return a.targetCheck(cmd.Context(), tf, e)
		},
	}
	tf.register(check)
	emb.register(check, target.DefaultEmbeddedCodeTTL)
	cmd.AddCommand(check)
	return cmd
}

// codeTimeout bounds obtaining the one code of target check.
const codeTimeout = 30 * time.Second

func (a *app) targetCheck(ctx context.Context, tf targetFlags, e embedded) error {
	t, err := a.openTarget(ctx, tf, e)
	if err != nil {
		return err
	}
	defer t.Close()
	// the exchange and the findings quote the provider: escaped
	w := format.NewLinesWriter(a.stdout)
	defer w.Flush()
	return a.check(ctx, w, t)
}

// check runs target check's trial on t and writes its summary to w.
func (a *app) check(ctx context.Context, w io.Writer, t *target.Target) error {
	printTarget(w, t)
	tr, err := t.Try(ctx, codeTimeout)
	if err != nil {
		return badInput(err)
	}
	x := tr.Exchange
	fmt.Fprintf(w, "code       obtained in %s%s\n", round(tr.Code.Took), describeCode(tr.Code))
	if x.Response == nil {
		why := t.Redactor.String(target.DescribeTransportError(x.Err))
		fmt.Fprintf(w, "exchange   failed: %s\n", why)
		return failed(fmt.Errorf("target check: the token request failed at the transport: %s", why))
	}
	fmt.Fprintf(w, "exchange   %d %s in %s\n\n", x.Status(), http.StatusText(x.Status()), round(x.Timings.ServiceTime()))
	fmt.Fprintln(w, indent(x.Redacted(t.Redactor).Format()))
	if !tr.Succeeded() {
		fmt.Fprintf(w, "verdict    FAILED: the token endpoint did not issue tokens (status %d, error %q)\n", x.Status(), t.Redactor.String(x.OAuthError()))
		return failed(fmt.Errorf("target check: the exchange did not succeed"))
	}
	n := tr.Tally()
	fmt.Fprintf(w, "checks     %d passed, %d failed, %d warnings, %d not applicable (profile %s)\n",
		n.Passed, n.Failed, n.Warnings, n.NotApplicable, t.Profile.Name)
	for _, r := range n.Findings {
		fmt.Fprintln(w, finding(r, t.Redactor.String))
	}
	if n.Failed > 0 {
		fmt.Fprintf(w, "verdict    FAILED: tokens were issued, but the response breaks %d MUST row(s) of profile %s: run 'tokenbench conform' for the full verdict\n", n.Failed, t.Profile.Name)
		return failed(fmt.Errorf("target check: the response breaks %d MUST row(s)", n.Failed))
	}
	fmt.Fprintln(w, "verdict    OK: the exchange succeeded and the response is valid under the profile")
	return nil
}

// printTarget prints what a resolved target points at and where its codes
// come from.
func printTarget(w io.Writer, t *target.Target) {
	fmt.Fprintf(w, "target     %s\n", t.Source)
	fmt.Fprintf(w, "issuer     %s\n", t.Issuer)
	fmt.Fprintf(w, "token      %s\n", t.TokenEndpoint)
	if t.MTLSTokenEndpoint != "" && t.MTLSTokenEndpoint != t.TokenEndpoint {
		fmt.Fprintf(w, "mtls token %s (tls_client_auth, self_signed_tls_client_auth)\n", t.MTLSTokenEndpoint)
	}
	for _, n := range t.Notices {
		fmt.Fprintf(w, "NOTICE     %s\n", n.Text)
	}
	fmt.Fprintf(w, "profile    %s (%s)\n", t.Profile.Name, strings.Join(t.Profile.Chain, " -> "))
	fmt.Fprintf(w, "client     %v\n", t.Auth)
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

// finding formats a failed check: FAIL or WARN and its row, then each
// failure on its own line without repeating the row ID.
func finding(r checks.Result, redact func(string) string) string {
	kind := "FAIL"
	if r.Warning() {
		kind = "WARN"
	}
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

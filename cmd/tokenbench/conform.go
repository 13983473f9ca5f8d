package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/tokenbench/tokenbench/internal/catalog"
	"github.com/tokenbench/tokenbench/internal/target"
	"github.com/tokenbench/tokenbench/internal/yamlfile"
	"github.com/tokenbench/tokenbench/reports"
	"github.com/tokenbench/tokenbench/suites"
)

type conformFlags struct {
	targetFlags
	labelFilter      string
	out              string
	expectedFailures string
	verbose          bool
	race             int
	// the embedded provider's switches (no --target)
	defects, variants string
	codeTTL           time.Duration
}

func (a *app) conformCmd() *cobra.Command {
	var f conformFlags
	cmd := &cobra.Command{
		Use:   "conform",
		Short: "Check a token endpoint against its profile, row by row, and write the reports",
		Long: `conform runs the conformance suites (Ginkgo specs, one per requirement row
and table entry) against the target and writes four reports into --out:
conformance.junit.xml, conformance.json, conformance.html and conformance.md.

A failed MUST row fails the run; a failed SHOULD row is a warning; INFO rows
record what was observed; rows that do not apply are skipped with the reason.
Rows listed in --expected-failures (a YAML file of ROW-ID: reason) are
reported as known deviations and do not fail the run.

Without --target it checks the embedded reference provider, which
--defect, --variant and --code-ttl configure.

Exit status: 0 no MUST row failed, 1 a MUST row failed (or the run was
interrupted), 2 bad input.`,
		Example: `  tokenbench conform
  tokenbench conform --target preprod.yaml --profile bankid --out out/
  tokenbench conform --label-filter '!slow'
  tokenbench conform --label-filter 'area:auth && MUST'
  tokenbench conform --defect code-reusable    # watch the suite catch it`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.conform(cmd, f) },
	}
	f.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&f.labelFilter, "label-filter", "", "run only the rows this Ginkgo label filter selects (labels: TE:ROW-ID, MUST/SHOULD/INFO/SKIP, area:NAME, slow)")
	fl.StringVarP(&f.out, "out", "o", "out", "directory for the reports")
	fl.StringVar(&f.expectedFailures, "expected-failures", "", "YAML file of ROW-ID: reason, reported as known deviations")
	fl.BoolVarP(&f.verbose, "verbose", "v", false, "print every spec as it runs")
	fl.IntVar(&f.race, "race", 0, "concurrent redemptions for CODE-SINGLE-USE-RACE (default: the profile's, 10)")
	fl.StringVar(&f.defects, "defect", "", "embedded provider only: defects to switch on, NAME[@FRACTION],... (serve --list-defects)")
	fl.StringVar(&f.variants, "variant", "", "embedded provider only: correct-but-different behaviours, NAME,...")
	fl.DurationVar(&f.codeTTL, "code-ttl", target.DefaultEmbeddedCodeTTL, "embedded provider only: authorization code lifetime")
	return cmd
}

func (a *app) conform(cmd *cobra.Command, f conformFlags) error {
	ctx := cmd.Context()
	if err := suites.CheckLabelFilter(f.labelFilter); err != nil {
		return badInput(err)
	}
	known, err := readExpectedFailures(f.expectedFailures)
	if err != nil {
		return badInput(err)
	}
	if err := writableDir(f.out); err != nil {
		return badInput(err)
	}
	pc, err := embeddedConfig(cmd, f.path != "", f.defects, f.variants, f.codeTTL)
	if err != nil {
		return badInput(err)
	}
	if f.race < 0 || f.race == 1 || f.race > 1000 {
		return badInput(fmt.Errorf("conform: --race %d is not between 2 and 1000", f.race))
	}
	t, err := a.openTarget(ctx, f.targetFlags, pc)
	if err != nil {
		return err
	}
	defer t.Close()
	src, err := t.OpenCodes(target.CodeOptions{})
	if err != nil {
		return badInput(err)
	}
	fmt.Fprintf(a.stdout, "tokenbench conform: %s (profile %s)\n\n", t.TokenEndpoint, t.Profile.Name)
	rep, err := suites.Run(&suites.Env{Target: t, Codes: src, Race: f.race}, suites.RunOptions{
		LabelFilter: f.labelFilter, Verbose: f.verbose, NoColor: !isTerminal(a.stdout),
	})
	if err != nil {
		return badInput(err)
	}
	c := reports.FromGinkgo(rep, reports.Meta{
		Version: versionString(), Target: t.Source, Issuer: t.Issuer, TokenEndpoint: t.TokenEndpoint,
		Profile: t.Profile.Name, ProfileChain: t.Profile.Chain, LabelFilter: f.labelFilter, Reveal: f.reveal,
	}, known)
	paths, werr := reports.WriteConformance(f.out, c)
	a.printConformSummary(c, paths)
	if werr != nil {
		return badInput(fmt.Errorf("conform: writing the reports: %w", werr))
	}
	if code := c.ExitCode(); code != exitOK {
		return &exitError{code, fmt.Errorf("%s", "")}
	}
	return nil
}

func (a *app) printConformSummary(c *reports.Conformance, paths []string) {
	w := a.stdout
	s := c.Summary
	fmt.Fprintf(w, "\nverdict    %s", strings.ToUpper(c.Verdict))
	if c.Interrupted {
		fmt.Fprintf(w, " (interrupted: %s)", c.InterruptReason)
	}
	fmt.Fprintf(w, "\nrows       %d: %d passed, %d failed, %d warnings, %d known deviations, %d info, %d skipped\n",
		s.Total, s.Pass, s.Fail, s.Warning, s.Known, s.Info, s.Skipped)
	for _, f := range c.SuiteFailures {
		fmt.Fprintf(w, "  FAILED  %s: %s\n", f.Node, firstLine(f.Message))
	}
	for _, r := range c.Rows {
		switch r.Status {
		case "fail", "warning", "known":
			name := r.ID
			if r.Entry != "" {
				name += " [" + r.Entry + "]"
			}
			fmt.Fprintf(w, "  %-7s %-6s %s: %s\n", strings.ToUpper(r.Status), r.Level, name, firstLine(r.Message))
		}
	}
	for _, p := range paths {
		fmt.Fprintf(w, "report     %s\n", p)
	}
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 160 {
		s = s[:160] + "..."
	}
	return s
}

// readExpectedFailures reads a YAML mapping of ROW-ID: reason.
func readExpectedFailures(path string) (map[string]string, error) {
	if path == "" {
		return nil, nil
	}
	var m map[string]string
	if err := yamlfile.ReadFile(path, &m); err != nil {
		return nil, fmt.Errorf("conform: --expected-failures: %w", err)
	}
	for id, reason := range m {
		if _, ok := catalog.Lookup(id); !ok {
			return nil, fmt.Errorf("conform: --expected-failures %s: %q is not a catalogue row ID", path, id)
		}
		if strings.TrimSpace(reason) == "" {
			return nil, fmt.Errorf("conform: --expected-failures %s: %s needs a reason", path, id)
		}
	}
	return m, nil
}

// writableDir creates dir and checks a file can be written there.
func writableDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("--out %q: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, ".tokenbench-write-check-*")
	if err != nil {
		return fmt.Errorf("--out %q is not writable: %w", dir, err)
	}
	f.Close()
	return os.Remove(filepath.Clean(f.Name()))
}

// isTerminal reports whether w is a terminal.
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

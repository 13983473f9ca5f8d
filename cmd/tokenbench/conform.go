package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/tokenbench/tokenbench/internal/catalog"
	"github.com/tokenbench/tokenbench/internal/codes"
	"github.com/tokenbench/tokenbench/internal/target"
	"github.com/tokenbench/tokenbench/internal/yamlfile"
	"github.com/tokenbench/tokenbench/reports"
	"github.com/tokenbench/tokenbench/reports/format"
	"github.com/tokenbench/tokenbench/runner"
	"github.com/tokenbench/tokenbench/suites"
)

type conformFlags struct {
	targetFlags
	embedded         embeddedFlags
	labelFilter      string
	out              string
	expectedFailures string
	verbose          bool
	race             int
}

// conformJob is a conform command line, checked, with its defaults applied.
type conformJob struct {
	targetFlags
	embedded    embedded // the embedded target, without --target
	labelFilter string
	out         string
	known       map[string]string // --expected-failures: row ID to reason
	verbose     bool
	race        int // 0: the profile's
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
--defect, --variant, --code-ttl and --login configure (--login js: its
login page is rendered by JavaScript and the codes come through headless
Chromium, the browser code source).

Exit status: 0 no MUST row failed, 1 a MUST row failed (or the run was
interrupted), 2 bad input.`,
		Example: `  tokenbench conform
  tokenbench conform --target preprod.yaml --profile bankid --out out/
  tokenbench conform --label-filter '!slow'
  tokenbench conform --label-filter 'area:auth && MUST'
  tokenbench conform --defect code-reusable    # watch the suite catch it
  tokenbench conform --login js                # codes through headless Chromium`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			job, err := f.job(cmd)
			if err != nil {
				return badInput(err)
			}
			return a.conform(cmd.Context(), job)
		},
	}
	f.register(cmd)
	f.embedded.register(cmd, target.DefaultEmbeddedCodeTTL)
	fl := cmd.Flags()
	fl.StringVar(&f.labelFilter, "label-filter", "", "run only the rows this Ginkgo label filter selects (labels: TE:ROW-ID, MUST/SHOULD/INFO/SKIP, area:NAME, slow)")
	fl.StringVarP(&f.out, "out", "o", "out", "directory for the reports")
	fl.StringVar(&f.expectedFailures, "expected-failures", "", "YAML file of ROW-ID: reason, reported as known deviations")
	fl.BoolVarP(&f.verbose, "verbose", "v", false, "print every spec as it runs")
	fl.IntVar(&f.race, "race", 0, "concurrent redemptions for CODE-SINGLE-USE-RACE (default: the profile's, 10)")
	return cmd
}

// job checks the flags and applies the defaults.
func (f *conformFlags) job(cmd *cobra.Command) (*conformJob, error) {
	if err := suites.CheckLabelFilter(f.labelFilter); err != nil {
		return nil, err
	}
	known, err := readExpectedFailures(f.expectedFailures)
	if err != nil {
		return nil, err
	}
	if err := writableDir(f.out); err != nil {
		return nil, err
	}
	pc, err := f.embedded.config(cmd, f.path != "")
	if err != nil {
		return nil, err
	}
	if f.race < 0 || f.race == 1 || f.race > 1000 {
		return nil, fmt.Errorf("conform: --race %d is not between 2 and 1000", f.race)
	}
	return &conformJob{targetFlags: f.targetFlags, embedded: pc, labelFilter: f.labelFilter, out: f.out,
		known: known, verbose: f.verbose, race: f.race}, nil
}

func (a *app) conform(ctx context.Context, job *conformJob) error {
	t, err := a.openTarget(ctx, job.targetFlags, job.embedded)
	if err != nil {
		return err
	}
	defer t.Close()
	t.OutDir = job.out
	src, err := t.OpenCodes(target.CodeOptions{})
	if err != nil {
		return badInput(err)
	}
	if ctx.Err() != nil {
		// interrupted before the suites (and their own signal handling) started
		return failed(fmt.Errorf("conform: interrupted before any row ran"))
	}
	fmt.Fprintf(a.stdout, "tokenbench conform: %s (profile %s)\n\n", format.Text(t.TokenEndpoint), t.Profile.Name)
	// Ginkgo's console output carries provider text (failure messages,
	// findings): escaped as every terminal line is, so without colours.
	console := format.NewLinesWriter(a.stdout)
	rep, err := suites.Run(&suites.Env{Target: t, Codes: src, Race: job.race}, suites.RunOptions{
		LabelFilter: job.labelFilter, Verbose: job.verbose, NoColor: true, Output: console,
	})
	console.Flush()
	if err != nil {
		return badInput(err)
	}
	c := reports.FromGinkgo(rep, reports.Meta{
		Version: versionString(), Target: t.Source, Issuer: t.Issuer, TokenEndpoint: t.TokenEndpoint,
		Profile: t.Profile.Name, ProfileChain: t.Profile.Chain, LabelFilter: job.labelFilter, Reveal: job.reveal,
		Notices: runner.Notices(t),
	}, job.known)
	paths, werr := reports.WriteConformance(job.out, c)
	a.printConformSummary(c, paths)
	if werr != nil {
		return badInput(fmt.Errorf("conform: writing the reports: %w", werr))
	}
	if err := codes.Failure(src); err != nil {
		return badInput(fmt.Errorf("conform: the code source failed, so the rows that need a code could not run: %w", err))
	}
	if code := c.ExitCode(); code != exitOK {
		return &exitError{code, fmt.Errorf("%s", "")}
	}
	return nil
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

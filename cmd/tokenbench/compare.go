package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/tokenbench/tokenbench/reports"
	"github.com/tokenbench/tokenbench/reports/compare"
)

// reportCompareCmd is `tokenbench report compare BASE NEW`.
func (a *app) reportCompareCmd() *cobra.Command {
	var maxRegression, format string
	cmd := &cobra.Command{Use: "compare BASE NEW", Args: cobra.ExactArgs(2),
		Short: "Compare two load or two conformance results: what got worse, what is noise",
		Long: `compare reads two results of the same kind, BASE (e.g. the last good night's)
and NEW, and prints what changed.

Two load.json: every headline figure, of the whole run and of each stage of
the same name (p50, p90, p99 and max latency from the intended send time,
throughput, error rate, the share of requests sent late), with its change.
--max-regression sets how much worse a figure may get (any SLO metric:
p99, service_p99, mean, ...): latency figures and throughput relatively, in
percent (for throughput a drop is worse), error_rate and late in
percentage points. A figure that crosses its limit is a regression only
when the difference is beyond what the sample sizes can resolve: for a
percentile, the values at ranks n·q ± 2σ (σ = √(n·q·(1−q))) of each side's
HDR histogram must not overlap; for an error rate, a two-proportion z-test
must give |z| ≥ 2. Otherwise it is "within noise".

Two conformance.json: the rows whose status changed, new failures first, then
fixed rows, then other changes. A row that newly fails is a regression.

Output: a text table (--format text), Markdown for CI job pages (md), or JSON
(json, schema tokenbench.comparison/v1).

Exit status: 0 no regression, 1 a figure crossed --max-regression beyond
noise or a row newly fails, 2 bad input (an unreadable file, results of
different kinds, a --max-regression that does not parse).`,
		Example: `  tokenbench report compare baseline/load.json out/load.json --max-regression "p99=10%,throughput=5%,error_rate=0.05pp"
  tokenbench report compare baseline/conformance.json out/conformance.json --format md >> "$GITHUB_STEP_SUMMARY"`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.reportCompare(args[0], args[1], maxRegression, format)
		},
	}
	cmd.Flags().StringVar(&maxRegression, "max-regression", "", `how much worse a load figure may get, e.g. "p99=10%,throughput=5%,error_rate=0.05pp"`)
	cmd.Flags().StringVar(&format, "format", "text", "output: text, md or json")
	return cmd
}

func (a *app) reportCompare(basePath, newPath, maxRegression, format string) error {
	write := map[string]func(*compare.Result, io.Writer) error{
		"text": (*compare.Result).WriteText, "md": (*compare.Result).WriteMarkdown, "json": (*compare.Result).WriteJSON,
	}[format]
	if write == nil {
		return badInput(fmt.Errorf("report compare: --format %q is not text, md or json", format))
	}
	th, err := compare.ParseMaxRegression(maxRegression)
	if err != nil {
		return badInput(err)
	}
	files, err := readResults("report compare", basePath, newPath)
	if err != nil {
		return err
	}
	c, err := compare.Files(files[0], files[1], th)
	if err != nil {
		return badInput(fmt.Errorf("report compare: %s and %s: %w", basePath, newPath, err))
	}
	c.Base.Source, c.New.Source = basePath, newPath
	if err := write(c, a.stdout); err != nil {
		return badInput(fmt.Errorf("report compare: writing: %w", err))
	}
	if c.ExitCode() != exitOK {
		return failed(fmt.Errorf("report compare: %s", c.Summary()))
	}
	return nil
}

// readResults reads result files (see reports.ReadFile); errors are bad
// input.
func readResults(what string, paths ...string) ([]*reports.File, error) {
	out := make([]*reports.File, len(paths))
	for i, p := range paths {
		f, err := reports.ReadFile(p)
		if err != nil {
			return nil, badInput(fmt.Errorf("%s: %w", what, err))
		}
		out[i] = f
	}
	return out, nil
}

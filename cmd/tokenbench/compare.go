package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tokenbench/tokenbench/reports"
	"github.com/tokenbench/tokenbench/reports/compare"
	"github.com/tokenbench/tokenbench/reports/format"
	"github.com/tokenbench/tokenbench/runner/results"
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

// reportMergeCmd is `tokenbench report merge A.json B.json ... -o FILE`.
func (a *app) reportMergeCmd() *cobra.Command {
	var out string
	var allowUnrelated bool
	cmd := &cobra.Command{Use: "merge A.json B.json ...", Args: cobra.MinimumNArgs(2),
		Short: "Merge the load results of the shards of one run (load --shard I/N) exactly",
		Long: `merge combines the load.json of several shards of one run (load --shard I/N on
several machines) into the run's result. The latency and service time
histograms of the whole run, of each stage and of each wall-clock second are
the sums of the shards' HDR histograms, so a merged p99 is the p99 of all the
samples, not an average of the shards' p99s. Counts and rates add up, the
error rate is recomputed and the SLOs (the run's --slo) are evaluated again on
the merged figures; each shard's limits are kept, named by shard.

Results of different targets, models, profiles, stage layouts or SLOs, a shard
given twice, or shards of different counts are refused. So are results that
are not distinct shards of one run: the same file twice, results of runs
not split with --shard, shards run with other settings or at other times
(their measured phases must overlap); --allow-unrelated merges those anyway.
Missing shards are allowed and said in the merged result's limits.

Writes FILE (schema tokenbench.load/v1, with merged_from listing the parts)
and, beside it, FILE with .hlog for an HdrHistogram interval log.

Exit status: 0 merged and every SLO met, 1 an SLO was breached or a shard was
interrupted or aborted, 2 bad input (an unreadable file, results that are not
shards of one run).`,
		Example: `  tokenbench report merge m1/load.json m2/load.json m3/load.json -o out/load.json`,
		RunE: func(_ *cobra.Command, args []string) error {
			return a.reportMerge(args, out, allowUnrelated)
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", "merged.json", "the merged load.json to write")
	cmd.Flags().BoolVar(&allowUnrelated, "allow-unrelated", false, "merge results that are not distinct shards of one run (the same file twice, separate runs): the sum describes no load an endpoint received")
	return cmd
}

func (a *app) reportMerge(paths []string, out string, allowUnrelated bool) error {
	files, err := readResults("report merge", paths...)
	if err != nil {
		return err
	}
	loads := make([]*results.Load, len(files))
	for i, f := range files {
		if loads[i] = f.Load; f.Load == nil {
			return badInput(fmt.Errorf("report merge: %s is a %s result, not a load result", paths[i], f.Kind()))
		}
	}
	if !allowUnrelated {
		if err := results.CheckOneRun(paths, loads); err != nil {
			return badInput(fmt.Errorf("report merge: %w (--allow-unrelated merges them anyway)", err))
		}
	}
	m, err := results.Merge(loads...)
	if err != nil {
		return badInput(fmt.Errorf("report merge: %w", err))
	}
	nameParts(m, loads, paths)
	hlog := strings.TrimSuffix(out, filepath.Ext(out)) + ".hlog"
	for _, f := range []struct {
		path  string
		write func(io.Writer) error
	}{{out, m.WriteJSON}, {hlog, m.WriteHlog}} {
		if err := writeMerged(f.path, f.write); err != nil {
			return badInput(fmt.Errorf("report merge: %w", err))
		}
	}
	fmt.Fprintf(a.stdout, "tokenbench report merge: %d results: %s\n\n", len(m.MergedFrom), format.Text(partsText(m.MergedFrom)))
	reports.WriteLoadText(a.stdout, m)
	fmt.Fprintf(a.stdout, "results     %s\nresults     %s\n", out, hlog)
	return loadVerdict("report merge", m)
}

// nameParts names each part of m by the file it was read from; a merged
// input's parts keep their names.
func nameParts(m *results.Load, loads []*results.Load, paths []string) {
	k := 0
	for i, r := range loads {
		n := max(len(r.MergedFrom), 1)
		for j := k; j < k+n; j++ {
			if m.MergedFrom[j].Source == "" {
				m.MergedFrom[j].Source = paths[i]
			}
		}
		k += n
	}
}

func partsText(parts []results.MergedPart) string {
	var out []string
	for _, p := range parts {
		s := p.Source
		if p.Shard != nil {
			s += " (shard " + p.Shard.String() + ")"
		}
		out = append(out, s)
	}
	return strings.Join(out, ", ")
}

// writeMerged writes a merged file, creating its directory.
func writeMerged(path string, write func(io.Writer) error) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return reports.WriteFile(path, write)
}

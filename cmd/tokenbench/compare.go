package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tokenbench/tokenbench/reports"
	"github.com/tokenbench/tokenbench/runner"
)

// reportCompareCmd is `tokenbench report compare BASE NEW`.
func (a *app) reportCompareCmd() *cobra.Command {
	var maxRegression, format string
	cmd := &cobra.Command{
		Use:   "compare BASE NEW",
		Short: "Compare two load or two conformance results: what got worse, what is noise",
		Long: `compare reads two results of the same kind, BASE (e.g. the last good night's)
and NEW, and prints what changed.

Two load.json: every headline figure, of the whole run and of each stage of
the same name (p50, p90, p99 and max latency from the intended send time,
throughput, error rate, the share of requests sent late), with its change.
--max-regression sets how much worse a figure may get: latency figures and
throughput relatively, in percent (for throughput a drop is worse),
error_rate and late in percentage points. A figure that crosses its limit is
a regression only when the difference is beyond what the sample sizes can
resolve: for a percentile, the values at ranks n·q ± 2σ (σ = √(n·q·(1−q)))
of each side's HDR histogram must not overlap; for an error rate, a
two-proportion z-test must give |z| ≥ 2. Otherwise it is "within noise".

Two conformance.json: the rows whose status changed, new failures first, then
fixed rows, then other changes. A row that newly fails is a regression.

Output: a text table (--format text), Markdown for CI job pages (md), or JSON
(json, schema tokenbench.comparison/v1).

Exit status: 0 no regression, 1 a figure crossed --max-regression beyond
noise or a row newly fails, 2 bad input (an unreadable file, results of
different kinds, a --max-regression that does not parse).`,
		Example: `  tokenbench report compare baseline/load.json out/load.json --max-regression "p99=10%,throughput=5%,error_rate=0.05pp"
  tokenbench report compare baseline/conformance.json out/conformance.json --format md >> "$GITHUB_STEP_SUMMARY"`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.reportCompare(args[0], args[1], maxRegression, format)
		},
	}
	cmd.Flags().StringVar(&maxRegression, "max-regression", "", `how much worse a load figure may get, e.g. "p99=10%,throughput=5%,error_rate=0.05pp"`)
	cmd.Flags().StringVar(&format, "format", "text", "output: text, md or json")
	return cmd
}

func (a *app) reportCompare(basePath, newPath, maxRegression, format string) error {
	write := map[string]func(*reports.Comparison, io.Writer) error{
		"text": (*reports.Comparison).WriteText, "md": (*reports.Comparison).WriteMarkdown, "json": (*reports.Comparison).WriteJSON,
	}[format]
	if write == nil {
		return badInput(fmt.Errorf("report compare: --format %q is not text, md or json", format))
	}
	th, err := reports.ParseMaxRegression(maxRegression)
	if err != nil {
		return badInput(err)
	}
	base, err := os.ReadFile(basePath)
	if err != nil {
		return badInput(fmt.Errorf("report compare: BASE: %w", err))
	}
	next, err := os.ReadFile(newPath)
	if err != nil {
		return badInput(fmt.Errorf("report compare: NEW: %w", err))
	}
	c, err := reports.Compare(base, next, th)
	if err != nil {
		return badInput(fmt.Errorf("report compare: %s and %s: %w", basePath, newPath, err))
	}
	c.Base.Source, c.New.Source = basePath, newPath
	if err := write(c, a.stdout); err != nil {
		return badInput(fmt.Errorf("report compare: writing: %w", err))
	}
	if c.ExitCode() != exitOK {
		what := "a figure crossed --max-regression beyond noise"
		if c.Kind == reports.KindConformance {
			what = "a row newly fails"
		}
		return failed(fmt.Errorf("report compare: regression: %s", what))
	}
	return nil
}

// reportMergeCmd is `tokenbench report merge A.json B.json ... -o FILE`.
func (a *app) reportMergeCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "merge A.json B.json ...",
		Short: "Merge the load results of the shards of one run (load --shard I/N) exactly",
		Long: `merge combines the load.json of several shards of one run (load --shard I/N on
several machines) into the run's result. The latency and service time
histograms of the whole run, of each stage and of each wall-clock second are
the sums of the shards' HDR histograms, so a merged p99 is the p99 of all the
samples, not an average of the shards' p99s. Counts and rates add up, the
error rate is recomputed and the SLOs (the run's --slo) are evaluated again on
the merged figures; each shard's limits are kept, named by shard.

Results of different targets, models, profiles, stage layouts or SLOs, a shard
given twice, or shards of different counts are refused. Missing shards are
allowed and said in the merged result's limits.

Writes FILE (schema tokenbench.load/v1, with merged_from listing the parts)
and, beside it, FILE with .hlog for an HdrHistogram interval log.

Exit status: 0 merged and every SLO met, 1 an SLO was breached or a shard was
interrupted or aborted, 2 bad input (an unreadable file, results that are not
shards of one run).`,
		Example: `  tokenbench report merge m1/load.json m2/load.json m3/load.json -o out/load.json`,
		Args:    cobra.MinimumNArgs(2),
		RunE: func(_ *cobra.Command, args []string) error {
			return a.reportMerge(args, out)
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", "merged.json", "the merged load.json to write")
	return cmd
}

func (a *app) reportMerge(paths []string, out string) error {
	results := make([]*runner.Result, len(paths))
	for i, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return badInput(fmt.Errorf("report merge: %w", err))
		}
		var r runner.Result
		if err := json.Unmarshal(data, &r); err != nil {
			return badInput(fmt.Errorf("report merge: %s is not a load result: %w", p, err))
		}
		results[i] = &r
	}
	m, err := runner.Merge(results...)
	if err != nil {
		return badInput(fmt.Errorf("report merge: %w", err))
	}
	// Name each part by its file; a merged input's parts keep their names.
	k := 0
	for i, r := range results {
		n := max(len(r.MergedFrom), 1)
		for j := k; j < k+n; j++ {
			if m.MergedFrom[j].Source == "" {
				m.MergedFrom[j].Source = paths[i]
			}
		}
		k += n
	}
	if dir := filepath.Dir(out); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return badInput(fmt.Errorf("report merge: -o %q: %w", out, err))
		}
	}
	hlog := strings.TrimSuffix(out, filepath.Ext(out)) + ".hlog"
	for _, f := range []struct {
		path  string
		write func(io.Writer) error
	}{{out, m.WriteJSON}, {hlog, m.WriteHlog}} {
		if err := writeMergedFile(f.path, f.write); err != nil {
			return badInput(fmt.Errorf("report merge: %w", err))
		}
	}
	var parts []string
	for _, p := range m.MergedFrom {
		s := p.Source
		if p.Shard != nil {
			s += " (shard " + p.Shard.String() + ")"
		}
		parts = append(parts, s)
	}
	fmt.Fprintf(a.stdout, "tokenbench report merge: %d results: %s\n\n", len(m.MergedFrom), strings.Join(parts, ", "))
	m.WriteText(a.stdout)
	fmt.Fprintf(a.stdout, "results     %s\nresults     %s\n", out, hlog)
	switch {
	case m.Interrupted:
		return failed(fmt.Errorf("report merge: a shard was interrupted; the merged result is marked interrupted"))
	case m.Aborted != "":
		return failed(fmt.Errorf("report merge: aborted: %s", m.Aborted))
	case runner.Breached(m.SLO):
		return failed(fmt.Errorf("report merge: an SLO was breached by the merged run"))
	}
	return nil
}

// writeMergedFile creates path and writes it with write.
func writeMergedFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return f.Close()
}

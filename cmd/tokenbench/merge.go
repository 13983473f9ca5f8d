package main

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tokenbench/tokenbench/reports"
	"github.com/tokenbench/tokenbench/reports/format"
	"github.com/tokenbench/tokenbench/runner/results"
)

// reportMergeCmd is `tokenbench report merge A.json B.json ...|DIR -o FILE`.
func (a *app) reportMergeCmd() *cobra.Command {
	var out, slo string
	var allowUnrelated bool
	cmd := &cobra.Command{Use: "merge A.json B.json ... | DIR", Args: cobra.MinimumNArgs(1),
		Short: "Merge the load results of the shards of one run (load --shard I/N) exactly",
		Long: `merge combines the load.json of several shards of one run (load --shard I/N on
several machines, or the pods of 'tokenbench k8s manifest') into the run's
result. A directory stands for every load.json under it. The latency and
service time histograms of the whole run, of each stage and of each
wall-clock second are the sums of the shards' HDR histograms, so a merged p99
is the p99 of all the samples, not an average of the shards' p99s. Counts and
rates add up and the error rate is recomputed; each shard's limits are kept,
named by shard, and the shards' start times (--start-at) and how late each
began are listed.

--slo judges the SLOs on the merged figures (the shards then need no SLO of
their own); without it, the shards' own --slo is judged again on the merged
figures.

Results of different targets, models, profiles, stage layouts or SLOs, shards
of different counts, a shard given twice (both files are named) and shards
mixed with unsharded results are refused. So are results that are not
distinct shards of one run: the same result twice (also a copy), results of
runs not split with --shard, shards that were to start at other times
(--start-at), run with other settings, or measured at other times (their
measured phases must overlap); --allow-unrelated merges those anyway.
Missing shards are named, and the merge fails.

Writes FILE (schema tokenbench.load/v1, with merged_from listing the parts)
and, beside it with the same name, .hlog (an HdrHistogram interval log),
.html and .md: the reports of the whole run.

Exit status: 0 merged and every SLO met, 1 an SLO was breached, a shard is
missing, or a shard was interrupted or aborted, 2 bad input (an unreadable
file, results that are not shards of one run, an SLO that does not parse).`,
		Example: `  tokenbench report merge m1/load.json m2/load.json m3/load.json -o out/load.json
  tokenbench report merge results/ --slo "p99<300ms,error_rate<0.1%" -o out/load.json`,
		RunE: func(_ *cobra.Command, args []string) error {
			return a.reportMerge(args, out, slo, allowUnrelated)
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", "merged.json", "the merged load.json to write (.hlog, .html and .md beside it)")
	cmd.Flags().StringVar(&slo, "slo", "", `SLOs judged on the merged result, e.g. "p99<300ms,error_rate<0.1%,throughput>=95%"`)
	cmd.Flags().BoolVar(&allowUnrelated, "allow-unrelated", false, "merge results that are not distinct shards of one run (the same file twice, separate runs): the sum describes no load an endpoint received")
	return cmd
}

func (a *app) reportMerge(args []string, out, slo string, allowUnrelated bool) error {
	if slo != "" {
		if _, err := results.ParseSLOs(slo); err != nil {
			return badInput(fmt.Errorf("report merge: --slo: %w", err))
		}
	}
	loads, paths, err := a.mergeInputs(args, out)
	if err != nil {
		return err
	}
	byShard(loads, paths)
	m, err := results.MergeWith(results.MergeOptions{SLO: slo, Sources: paths, AllowUnrelated: allowUnrelated}, loads...)
	if errors.Is(err, results.ErrUnrelated) {
		return badInput(fmt.Errorf("report merge: %w (--allow-unrelated merges them anyway)", err))
	}
	if err != nil {
		return badInput(fmt.Errorf("report merge: %w", err))
	}
	base := strings.TrimSuffix(out, filepath.Ext(out))
	written := []string{out}
	for _, f := range []struct {
		path  string
		write func(io.Writer) error
	}{
		{out, m.WriteJSON}, {base + ".hlog", m.WriteHlog},
		{base + ".html", func(w io.Writer) error { return reports.WriteLoadHTML(w, m) }},
		{base + ".md", func(w io.Writer) error { return reports.WriteLoadMarkdown(w, m) }},
	} {
		if err := writeMerged(f.path, f.write); err != nil {
			return badInput(fmt.Errorf("report merge: %w", err))
		}
		if f.path != out {
			written = append(written, f.path)
		}
	}
	fmt.Fprintf(a.stdout, "tokenbench report merge: %d results: %s\n\n", len(m.MergedFrom), format.Text(partsText(m.MergedFrom)))
	reports.WriteLoadText(a.stdout, m)
	for _, p := range written {
		fmt.Fprintf(a.stdout, "results     %s\n", p)
	}
	if len(m.MissingShards) > 0 {
		return failed(fmt.Errorf("report merge: %s", results.MissingText(m.MissingShards, len(m.MergedFrom))))
	}
	return loadVerdict("report merge", m)
}

// mergeInputs reads the results to merge. A directory stands for every
// load.json under it but out and but merged results (an earlier merge's
// output: its shards are there already), which it says it skipped; a
// directory with none is an error.
func (a *app) mergeInputs(args []string, out string) ([]*results.Load, []string, error) {
	var loads []*results.Load
	var paths []string
	add := func(path string, walked bool) error {
		fs, err := readResults("report merge", path)
		if err != nil {
			return err
		}
		switch f := fs[0]; {
		case f.Load == nil:
			return badInput(fmt.Errorf("report merge: %s is a %s result, not a load result", path, f.Kind()))
		case walked && len(f.Load.MergedFrom) > 0:
			fmt.Fprintf(a.stdout, "tokenbench report merge: skipping %s: a merged result (its parts are merged from their own files)\n", path)
		default:
			loads, paths = append(loads, f.Load), append(paths, path)
		}
		return nil
	}
	for _, arg := range args {
		if st, err := os.Stat(arg); err != nil || !st.IsDir() {
			if err := add(arg, false); err != nil { // reading it says what is wrong
				return nil, nil, err
			}
			continue
		}
		found, err := reports.LoadFiles(arg, out)
		if err != nil {
			return nil, nil, badInput(fmt.Errorf("report merge: %w", err))
		}
		n := len(loads)
		for _, p := range found {
			if err := add(p, true); err != nil {
				return nil, nil, err
			}
		}
		if len(loads) == n {
			return nil, nil, badInput(fmt.Errorf("report merge: no %s to merge under %s", reports.LoadJSONFile, arg))
		}
	}
	return loads, paths, nil
}

// byShard orders the results (and their paths with them) by shard index,
// so that the merged parts list shard 1 first; unsharded results keep
// their order.
func byShard(loads []*results.Load, paths []string) {
	idx := make([]int, len(loads))
	for i := range idx {
		idx[i] = i
	}
	key := func(i int) int {
		if sh := loads[i].Shard; sh != nil {
			return sh.Index
		}
		return 0
	}
	slices.SortStableFunc(idx, func(x, y int) int { return cmp.Compare(key(x), key(y)) })
	l2, p2 := slices.Clone(loads), slices.Clone(paths)
	for to, from := range idx {
		loads[to], paths[to] = l2[from], p2[from]
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

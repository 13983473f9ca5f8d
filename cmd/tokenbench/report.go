package main

import (
	"bytes"
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

// reportCmd is "tokenbench report": results rendered for people.
func (a *app) reportCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Render, compare and merge results (load.json, conformance.json)",
		Long: `report works on the result files that load and conform write. html and md
render one: the HTML report (one self-contained page, charts included,
readable offline) or the short Markdown summary for a CI job page (GitHub's
step summary, GitLab's); the kind of result is read from the file's "schema"
field (tokenbench.load/v1 or tokenbench.conformance/v1). compare and merge
are described in their own help.

Exit status of html and md: 0 written, 2 bad input (a missing file, not
JSON, an unknown schema, an output that cannot be written).`,
		Example: `  tokenbench report html out/load.json             # writes out/load.html
  tokenbench report html out/load.json -o run.html
  tokenbench report md out/load.json >> "$GITHUB_STEP_SUMMARY"
  tokenbench report md out/conformance.json -o summary.md`,
		Args: cobra.NoArgs, // an unknown format is an error, not the help
		RunE: func(cmd *cobra.Command, _ []string) error {
			_ = cmd.Help()
			return badInput(fmt.Errorf("report: give a format: html or md"))
		},
	}
	// compare and merge: compare.go
	cmd.AddCommand(a.reportHTMLCmd(), a.reportMarkdownCmd(), a.reportCompareCmd(), a.reportMergeCmd())
	return cmd
}

func (a *app) reportHTMLCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "html RESULT.json",
		Short: "Write the HTML report of a result (default: next to it, NAME.html)",
		Long: `html writes the HTML report of a load.json, conformance.json or
capacity.json: by default
next to it with the extension .html (out/load.json → out/load.html), or to
-o FILE ("-o -" for standard output). It prints the path it wrote.

The load report puts the verdict first (every SLO, observed against its
threshold), then the headline figures, what limited the run, charts
(latency percentiles per second, achieved vs target rate and errors, the
HDR percentile distribution, the code supply) and the per-stage tables.`,
		Args: oneResult("report html"),
		RunE: func(_ *cobra.Command, args []string) error {
			res, err := readResult(args[0])
			if err != nil {
				return badInput(err)
			}
			if out == "" {
				out = strings.TrimSuffix(args[0], filepath.Ext(args[0])) + ".html"
			}
			if err := a.writeReport(out, res.writeHTML); err != nil {
				return err
			}
			if out != "-" {
				fmt.Fprintln(a.stdout, out)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", `write to FILE ("-" for standard output; default: next to the result, .html)`)
	return cmd
}

func (a *app) reportMarkdownCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:     "md RESULT.json",
		Aliases: []string{"markdown"},
		Short:   "Write the Markdown summary of a result (default: standard output)",
		Long: `md writes the short Markdown form of a load.json or conformance.json for a CI
job page: the verdict with every SLO (or every failing row), the headline
figures and, for a load run, the per-stage table and what limited the run.
It writes to standard output unless -o FILE is given.`,
		Args: oneResult("report md"),
		RunE: func(_ *cobra.Command, args []string) error {
			res, err := readResult(args[0])
			if err != nil {
				return badInput(err)
			}
			if res.capacity != nil {
				return badInput(fmt.Errorf("report md: %s is a capacity result: it has an HTML report (report html), not a Markdown one", args[0]))
			}
			if out == "" {
				out = "-"
			}
			return a.writeReport(out, res.writeMarkdown)
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", `write to FILE instead of standard output`)
	return cmd
}

// oneResult accepts exactly one result file, with a message that says so.
func oneResult(what string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) != 1 {
			return badInput(fmt.Errorf("%s: give one result file (load.json or conformance.json), got %d arguments", what, len(args)))
		}
		return nil
	}
}

// result is a decoded result file: a load run or a conformance run.
type result struct {
	load     *runner.Result
	conf     *reports.Conformance
	capacity *runner.CapacityResult // html only
}

func (r *result) writeHTML(w io.Writer) error {
	if r.capacity != nil {
		return reports.WriteCapacityHTML(w, r.capacity)
	}
	if r.load != nil {
		return reports.WriteLoadHTML(w, r.load)
	}
	return r.conf.WriteHTML(w)
}

func (r *result) writeMarkdown(w io.Writer) error {
	if r.capacity != nil {
		return fmt.Errorf("no Markdown form for a %s result: use report html", runner.CapacitySchema)
	}
	if r.load != nil {
		return reports.WriteLoadMarkdown(w, r.load)
	}
	return r.conf.WriteMarkdown(w)
}

// readResult reads a load.json or conformance.json, told apart by its
// "schema" field. It checks the schema and that the file decodes into the
// model; it does not check the figures' consistency.
func readResult(path string) (*result, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	var head struct {
		Schema *string `json:"schema"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return nil, fmt.Errorf("report: %s is not a tokenbench result (a JSON object): %w", path, err)
	}
	want := fmt.Sprintf("want %q (load.json) or %q (conformance.json), or for report html %q (capacity.json)", runner.LoadSchema, reports.ConformanceSchema, runner.CapacitySchema)
	if head.Schema == nil {
		return nil, fmt.Errorf("report: %s has no \"schema\" field: %s", path, want)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	switch *head.Schema {
	case runner.LoadSchema:
		var r runner.Result
		if err := dec.Decode(&r); err != nil {
			return nil, fmt.Errorf("report: %s: not a valid %s result: %w", path, runner.LoadSchema, err)
		}
		return &result{load: &r}, nil
	case runner.CapacitySchema:
		var c runner.CapacityResult
		if err := dec.Decode(&c); err != nil {
			return nil, fmt.Errorf("report: %s: not a valid %s result: %w", path, runner.CapacitySchema, err)
		}
		return &result{capacity: &c}, nil
	case reports.ConformanceSchema:
		var c reports.Conformance
		if err := dec.Decode(&c); err != nil {
			return nil, fmt.Errorf("report: %s: not a valid %s result: %w", path, reports.ConformanceSchema, err)
		}
		return &result{conf: &c}, nil
	}
	return nil, fmt.Errorf("report: %s: field \"schema\" is %q: %s", path, *head.Schema, want)
}

// writeReport writes a report to path, or to standard output for "-".
// A file is written whole or not at all: a failed write leaves no partial
// report behind.
func (a *app) writeReport(path string, write func(io.Writer) error) error {
	if path == "-" {
		if err := write(a.stdout); err != nil {
			return fmt.Errorf("report: %w", err)
		}
		return nil
	}
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return badInput(fmt.Errorf("report: writing the report: %w", err))
	}
	return nil
}

// writeLoadReports writes the load run's HTML report and Markdown summary
// (load.html, load.md) into dir and returns their paths: what load writes
// next to load.json.
// It writes what it can and returns the errors of the rest, joined.
func writeLoadReports(dir string, r *runner.Result) ([]string, error) {
	return reports.WriteLoad(dir, r)
}

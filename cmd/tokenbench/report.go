package main

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tokenbench/tokenbench/reports"
)

// reportCmd is "tokenbench report": results rendered for people.
func (a *app) reportCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "report", Args: cobra.NoArgs, // an unknown format is an error, not the help
		Short: "Render, compare and merge results (load.json, conformance.json, capacity.json)",
		Long: `report works on the result files that load, conform and capacity write. html
and md render one: the HTML report (one self-contained page, charts included,
readable offline) or the short Markdown summary for a CI job page (GitHub's
step summary, GitLab's); the kind of result is read from the file's "schema"
field (tokenbench.load/v1, tokenbench.capacity/v1 or
tokenbench.conformance/v1). compare and merge are described in their own
help.

Exit status of html and md: 0 written, 2 bad input (a missing file, not
JSON, an unknown schema, an output that cannot be written).`,
		Example: `  tokenbench report html out/load.json             # writes out/load.html
  tokenbench report html out/load.json -o run.html
  tokenbench report md out/load.json >> "$GITHUB_STEP_SUMMARY"
  tokenbench report md out/conformance.json -o summary.md`,
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
	cmd := &cobra.Command{Use: "html RESULT.json", Args: oneResult("report html"),
		Short: "Write the HTML report of a result (default: next to it, NAME.html)",
		Long: `html writes the HTML report of a load.json, conformance.json or
capacity.json: by default next to it with the extension .html
(out/load.json → out/load.html), or to -o FILE ("-o -" for standard
output). It prints the path it wrote.

The load report puts the verdict first (every SLO, observed against its
threshold), then the headline figures, what limited the run, charts
(latency percentiles per second, achieved vs target rate and errors, the
HDR percentile distribution, the code supply) and the per-stage tables.`,
		RunE: func(_ *cobra.Command, args []string) error {
			if out == "" {
				out = strings.TrimSuffix(args[0], filepath.Ext(args[0])) + ".html"
			}
			if err := a.render(args[0], out, (*reports.File).WriteHTML); err != nil {
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
	cmd := &cobra.Command{Use: "md RESULT.json", Args: oneResult("report md"),
		Aliases: []string{"markdown"},
		Short:   "Write the Markdown summary of a result (default: standard output)",
		Long: `md writes the short Markdown form of a load.json or conformance.json for a CI
job page: the verdict with every SLO (or every failing row), the headline
figures and, for a load run, the per-stage table and what limited the run.
It writes to standard output unless -o FILE is given.`,
		RunE: func(_ *cobra.Command, args []string) error {
			if out == "" {
				out = "-"
			}
			return a.render(args[0], out, (*reports.File).WriteMarkdown)
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", `write to FILE instead of standard output`)
	return cmd
}

// oneResult accepts exactly one result file, with a message that says so.
func oneResult(what string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) != 1 {
			return badInput(fmt.Errorf("%s: give one result file (load.json, conformance.json or capacity.json), got %d arguments", what, len(args)))
		}
		return nil
	}
}

// render reads the result file in and writes one of its reports to out.
func (a *app) render(in, out string, write func(*reports.File, io.Writer) error) error {
	f, err := reports.ReadFile(in)
	if err != nil {
		return badInput(fmt.Errorf("report: %w", err))
	}
	return a.writeReport(out, func(w io.Writer) error { return write(f, w) })
}

// writeReport writes a report to path, or to standard output for "-". A
// file is written whole or not at all.
func (a *app) writeReport(path string, write func(io.Writer) error) error {
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		return badInput(fmt.Errorf("report: %w", err))
	}
	if path == "-" {
		_, err := a.stdout.Write(buf.Bytes())
		return err
	}
	if err := reports.WriteFile(path, func(w io.Writer) error { _, err := w.Write(buf.Bytes()); return err }); err != nil {
		return badInput(fmt.Errorf("report: writing the report: %w", err))
	}
	return nil
}

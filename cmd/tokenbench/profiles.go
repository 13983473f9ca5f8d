package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/tokenbench/tokenbench/internal/catalog"
	"github.com/tokenbench/tokenbench/profiles"
	"gopkg.in/yaml.v3"
)

func (a *app) profilesCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "profiles",
		Short: "List, show and validate provider profiles",
		Long: `A profile is what a provider's documentation promises about its token
endpoint, as data. Shipped profiles are embedded in the binary; a path to a
YAML file works wherever a profile name does.`,
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List the shipped profiles",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			w := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "NAME\tEXTENDS\tTITLE")
			for _, n := range profiles.Names() {
				p, err := profiles.Load(n)
				if err != nil {
					return err
				}
				fmt.Fprintf(w, "%s\t%s\t%s\n", p.Name, dash(p.Extends), p.Title)
			}
			return w.Flush()
		},
	})
	var (
		rows    bool
		against string
	)
	show := &cobra.Command{
		Use:   "show NAME|FILE",
		Short: "Print a profile resolved through its extends: chain",
		Args:  cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			p, err := profiles.Load(args[0])
			if err != nil {
				return badInput(err)
			}
			if against != "" {
				base, err := profiles.Load(against)
				if err != nil {
					return badInput(fmt.Errorf("profiles show: --against: %w", err))
				}
				return a.printDiff(base, p)
			}
			if rows {
				return a.printRows(p)
			}
			fmt.Fprintf(a.stdout, "# %s, resolved from %v\n", p.Name, p.Chain)
			enc := yaml.NewEncoder(a.stdout)
			enc.SetIndent(2)
			if err := enc.Encode(p); err != nil {
				return err
			}
			return enc.Close()
		},
	}
	show.Flags().BoolVar(&rows, "rows", false, "print every catalogue row with its level under this profile instead")
	show.Flags().StringVar(&against, "against", "", "print only the rows whose level or expectation differs from profile NAME|FILE, with both")
	cmd.AddCommand(show)
	cmd.AddCommand(&cobra.Command{
		Use:   "validate NAME|FILE...",
		Short: "Check profiles for unknown keys, wrong types and bad values",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			bad := 0
			for _, arg := range args {
				if _, err := profiles.Load(arg); err != nil {
					fmt.Fprintf(a.stderr, "%v\n", err)
					bad++
					continue
				}
				fmt.Fprintf(a.stdout, "%s: ok\n", arg)
			}
			if bad > 0 {
				return badInput(fmt.Errorf("%d of %d profiles are invalid", bad, len(args)))
			}
			return nil
		},
	})
	return cmd
}

func (a *app) printRows(p *profiles.Profile) error {
	w := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ROW\tAREA\tLEVEL\tSOURCE\tNOTE")
	for _, r := range catalog.All() {
		lvl, reason := p.Level(r.ID)
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", r.ID, r.Area, lvl, r.Source, reason)
	}
	return w.Flush()
}

// printDiff prints the rows that differ between base and p: the levels,
// then one line per profile field the row's check reads.
func (a *app) printDiff(base, p *profiles.Profile) error {
	ds, err := profiles.Diff(base, p)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "ROW\t%s\t%s\tNOTE (%s)\n", strings.ToUpper(base.Name), strings.ToUpper(p.Name), p.Name)
	for _, d := range ds {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", d.ID, d.LevelA, d.LevelB, d.ReasonB)
		for _, f := range d.Fields {
			fmt.Fprintf(w, "  %s\t%s\t%s\t\n", f.Path, dash(f.A), dash(f.B))
		}
	}
	return w.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

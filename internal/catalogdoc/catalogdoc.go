// Package catalogdoc renders the requirement catalogue as the Markdown
// document docs/requirements.md: every row with its probe, expectation and
// source links, and its level under each shipped profile (resolved through
// extends:). The catalogue's source of truth is internal/catalog and
// profiles/*.yaml; the document is generated from them, and a test fails
// when it is stale.
package catalogdoc

//go:generate go test -run TestRequirementsDocCurrent -update .

import (
	"fmt"
	"io"
	"strings"

	"github.com/tokenbench/tokenbench/internal/catalog"
	"github.com/tokenbench/tokenbench/profiles"
)

// note is a profile's reason for a row's level, shared by the profiles that
// give the same one.
type note struct {
	row, reason string
	profiles    []string
}

// Markdown writes the catalogue with the levels of the shipped profiles.
func Markdown(w io.Writer) error {
	names := profiles.Names()
	profs := make([]*profiles.Profile, len(names))
	for i, n := range names {
		p, err := profiles.Load(n)
		if err != nil {
			return fmt.Errorf("catalogdoc: %w", err)
		}
		profs[i] = p
	}
	rows := catalog.All()
	var b strings.Builder
	b.WriteString("# Requirement catalogue\n\n")
	b.WriteString("<!-- Generated from internal/catalog and profiles/*.yaml by go generate ./internal/catalogdoc\n")
	b.WriteString("     (make docs). Do not edit: a test fails when this file is stale. -->\n\n")
	fmt.Fprintf(&b, "Every row tokenbench checks (%d), by area: what is probed, what is expected, where the\n", len(rows))
	b.WriteString("requirement comes from, its strength as the sources state it, and its level under each\n")
	b.WriteString("shipped profile, resolved through `extends:` (`tokenbench profiles show NAME --rows` prints\n")
	b.WriteString("one). A MUST failure fails a run, a SHOULD failure is a warning, an INFO row records what\n")
	b.WriteString("was observed, a SKIP row does not apply; a level with a number has its reason below the\n")
	b.WriteString("area's table.\n")
	for _, area := range catalog.Areas {
		var notes []*note
		fmt.Fprintf(&b, "\n## %s\n\n", area.Title())
		b.WriteString("| Row | Probe | Expected | Source | Stated |")
		for _, n := range names {
			fmt.Fprintf(&b, " %s |", n)
		}
		b.WriteString("\n|---|---|---|---|---|" + strings.Repeat("---|", len(names)) + "\n")
		for _, r := range rows {
			if r.Area != area {
				continue
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |", r.ID, cell(r.Probe), cell(r.Expected), sources(r), cell(r.Strength))
			for i, p := range profs {
				lvl, reason := p.Level(r.ID)
				if reason == "" {
					fmt.Fprintf(&b, " %s |", lvl)
					continue
				}
				n := 0
				for j, nt := range notes {
					if nt.row == r.ID && nt.reason == reason {
						n = j + 1
					}
				}
				if n == 0 {
					notes = append(notes, &note{row: r.ID, reason: reason})
					n = len(notes)
				}
				notes[n-1].profiles = append(notes[n-1].profiles, names[i])
				fmt.Fprintf(&b, " %s<sup>%d</sup> |", lvl, n)
			}
			b.WriteString("\n")
		}
		if len(notes) > 0 {
			b.WriteString("\n")
		}
		for i, nt := range notes {
			fmt.Fprintf(&b, "%d. `%s` under %s: %s\n", i+1, nt.row, strings.Join(nt.profiles, ", "), cell(nt.reason))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// sources renders a row's sources, linked where they have a URL.
func sources(r catalog.Row) string {
	refs := r.Refs()
	out := make([]string, len(refs))
	for i, ref := range refs {
		out[i] = cell(ref.Text)
		if ref.URL != "" {
			out[i] = "[" + out[i] + "](" + ref.URL + ")"
		}
	}
	return strings.Join(out, ", ")
}

// cell makes text safe in a Markdown table cell.
func cell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.ReplaceAll(s, "|", `\|`)
}

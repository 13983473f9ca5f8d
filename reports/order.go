package reports

import (
	"fmt"
	"sort"
	"strings"

	"github.com/tokenbench/tokenbench/internal/catalog"
	"github.com/tokenbench/tokenbench/reports/format"
)

// areaGroup is the rows of one area, in catalogue order.
type areaGroup struct {
	Area  string
	Title string
	Rows  []indexedRow
}

// indexedRow is a row and its index in Conformance.Rows (its anchor).
type indexedRow struct {
	Index int
	Row
}

// Anchor is the row's in-page anchor.
func (r indexedRow) Anchor() string { return fmt.Sprintf("row-%d", r.Index+1) }

// groups returns the rows grouped by area, areas in catalog.Areas order
// (unknown areas after, by name), rows within an area in catalogue order
// (unknown IDs after), table entries of one row in run order.
func (c *Conformance) groups() []areaGroup {
	catIndex := map[string]int{}
	for i, r := range catalog.All() {
		catIndex[r.ID] = i
	}
	areaIndex := map[string]int{}
	for i, a := range catalog.Areas {
		areaIndex[string(a)] = i
	}
	byArea := map[string]*areaGroup{}
	var names []string
	for i, r := range c.Rows {
		g, ok := byArea[r.Area]
		if !ok {
			g = &areaGroup{Area: r.Area, Title: r.AreaTitle}
			if g.Title == "" {
				g.Title = r.Area
			}
			if g.Title == "" {
				g.Title = "Other"
			}
			byArea[r.Area] = g
			names = append(names, r.Area)
		}
		g.Rows = append(g.Rows, indexedRow{Index: i, Row: r})
	}
	rank := func(m map[string]int, k string) int {
		if i, ok := m[k]; ok {
			return i
		}
		return len(m)
	}
	sort.SliceStable(names, func(i, j int) bool {
		ri, rj := rank(areaIndex, names[i]), rank(areaIndex, names[j])
		if ri != rj {
			return ri < rj
		}
		return names[i] < names[j]
	})
	out := make([]areaGroup, 0, len(names))
	for _, n := range names {
		g := byArea[n]
		sort.SliceStable(g.Rows, func(i, j int) bool {
			return rank(catIndex, g.Rows[i].ID) < rank(catIndex, g.Rows[j].ID)
		})
		out = append(out, *g)
	}
	return out
}

// ordered returns the rows with the given status in report order (by area,
// then catalogue).
func (c *Conformance) ordered(status string) []indexedRow {
	var out []indexedRow
	for _, g := range c.groups() {
		for _, r := range g.Rows {
			if r.Status == status {
				out = append(out, r)
			}
		}
	}
	return out
}

// headline is "N MUST failures, M warnings, K known deviations".
func (c *Conformance) headline() string {
	return fmt.Sprintf("%s, %s, %s",
		format.Plural(c.Summary.Fail, "MUST failure", "MUST failures"),
		format.Plural(c.Summary.Warning, "warning", "warnings"),
		format.Plural(c.Summary.Known, "known deviation", "known deviations"))
}

// reasonCount is a skip reason and how many rows gave it.
type reasonCount struct {
	Reason string
	Count  int
}

// skipReasons counts the skipped rows by reason, most frequent first.
func (c *Conformance) skipReasons() []reasonCount {
	counts := map[string]int{}
	var order []string
	for _, r := range c.Rows {
		if r.Status != StatusSkipped {
			continue
		}
		reason := format.FirstLine(r.Message)
		if reason == "" {
			reason = "no reason given"
		}
		if counts[reason] == 0 {
			order = append(order, reason)
		}
		counts[reason]++
	}
	out := make([]reasonCount, 0, len(order))
	for _, r := range order {
		out = append(out, reasonCount{r, counts[r]})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Count > out[j].Count })
	return out
}

// chain is the profile with its chain, "bankid (bankid → oidc)".
func (c *Conformance) chain() string {
	if len(c.Profile.Chain) > 1 {
		return fmt.Sprintf("%s (%s)", c.Profile.Name, strings.Join(c.Profile.Chain, " → "))
	}
	return c.Profile.Name
}

// profileNotes are the rows, one per ID in report order, whose level the
// profile sets with a reason (a row that applies; a skipped row's reason is
// its message).
func (c *Conformance) profileNotes() []Row {
	var out []Row
	seen := map[string]bool{}
	for _, r := range c.Rows {
		if r.ProfileReason != "" && !seen[r.ID] {
			seen[r.ID] = true
			out = append(out, r)
		}
	}
	return out
}

package catalogdoc

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tokenbench/tokenbench/internal/catalog"
	"github.com/tokenbench/tokenbench/profiles"
)

var update = flag.Bool("update", false, "rewrite docs/requirements.md")

var docPath = filepath.Join("..", "..", "docs", "requirements.md")

// TestRequirementsDocCurrent: docs/requirements.md is the catalogue as it
// is (-update, or go generate, rewrites it).
func TestRequirementsDocCurrent(t *testing.T) {
	var b bytes.Buffer
	if err := Markdown(&b); err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(docPath, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	have, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(have, b.Bytes()) {
		t.Errorf("%s is stale: run go generate ./internal/catalogdoc (make docs)", docPath)
	}
}

// TestMarkdown: every row appears once, with a level per shipped profile,
// its source links and the reason of every skip.
func TestMarkdown(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := Markdown(&b); err != nil {
		t.Fatal(err)
	}
	doc := b.String()
	names := profiles.Names()
	profs := map[string]*profiles.Profile{}
	for _, n := range names {
		p, err := profiles.Load(n)
		if err != nil {
			t.Fatal(err)
		}
		profs[n] = p
	}
	for _, r := range catalog.All() {
		var line string
		for _, l := range strings.Split(doc, "\n") {
			if strings.HasPrefix(l, "| `"+r.ID+"` |") {
				if line != "" {
					t.Errorf("%s has two lines", r.ID)
				}
				line = l
			}
		}
		if line == "" {
			t.Errorf("%s is missing", r.ID)
			continue
		}
		cells := splitRow(line)
		if len(cells) != 5+len(names) {
			t.Errorf("%s: %d cells, want %d:\n%s", r.ID, len(cells), 5+len(names), line)
			continue
		}
		for i, n := range names {
			lvl, reason := profs[n].Level(r.ID)
			want := string(lvl)
			if reason != "" {
				want += "<sup>"
			}
			if !strings.HasPrefix(cells[5+i], want) {
				t.Errorf("%s under %s: cell %q, want %s", r.ID, n, cells[5+i], want)
			}
		}
		for _, ref := range r.Refs() {
			if ref.URL != "" && !strings.Contains(line, "]("+ref.URL+")") {
				t.Errorf("%s lacks the link %s", r.ID, ref.URL)
			}
		}
	}
	for n, p := range profs {
		for id, rule := range p.Rows {
			if rule.Reason != "" && !strings.Contains(doc, cell(rule.Reason)) {
				t.Errorf("%s's reason for %s is missing: %q", n, id, rule.Reason)
			}
		}
	}
}

// splitRow splits a table line into its cells, keeping escaped bars.
func splitRow(line string) []string {
	line = strings.TrimSuffix(strings.TrimPrefix(line, "| "), " |")
	cells := strings.Split(strings.ReplaceAll(line, `\|`, "\x00"), " | ")
	for i, c := range cells {
		cells[i] = strings.ReplaceAll(c, "\x00", `\|`)
	}
	return cells
}

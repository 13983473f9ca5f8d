package architecture

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the rules table in docs/architecture.md")

// root is the module's directory, two levels up.
var root = filepath.Join("..", "..")

// TestImportRules reads the module's import graph (tests included) and
// fails for every import the rules do not allow.
func TestImportRules(t *testing.T) {
	t.Parallel()
	module, pkgs, err := Graph(root)
	if err != nil {
		t.Fatal(err)
	}
	if module != "github.com/tokenbench/tokenbench" {
		t.Errorf("module %q", module)
	}
	// The graph reader must see the module: a reader that saw nothing
	// would find no violation.
	byPath := map[string]Package{}
	for _, p := range pkgs {
		byPath[p.Path] = p
	}
	for _, edge := range [][2]string{{"cmd/tokenbench", "suites"}, {"internal/checks", "profiles"}, {"profiles", "internal/catalog"}, {"suites", "internal/exchange"}} {
		if !slices.Contains(byPath[edge[0]].Imports, edge[1]) {
			t.Errorf("the graph lacks %s -> %s; packages read: %d", edge[0], edge[1], len(pkgs))
		}
	}
	if !slices.Contains(byPath["internal/provider"].TestImports, "internal/catalog") {
		t.Errorf("the graph lacks the test import internal/provider -> internal/catalog")
	}
	if _, ok := byPath["tools/zitadel"]; ok {
		t.Errorf("the graph read tools/zitadel, a module of its own")
	}
	for _, err := range Violations(pkgs, Rules) {
		t.Error(err)
	}
}

// TestViolations shows that each rule refuses what it forbids.
func TestViolations(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		pkg  Package
		want string // "" for no violation
	}{
		{"internal reads profiles", Package{Path: "internal/checks", Imports: []string{"profiles", "internal/exchange"}}, ""},
		{"internal imports runner", Package{Path: "internal/target", Imports: []string{"runner"}}, "internal/target imports runner"},
		{"internal imports reports in a test", Package{Path: "internal/codes", TestImports: []string{"reports"}}, "internal/codes (tests) imports reports"},
		{"internal imports suites", Package{Path: "internal/target/sub", Imports: []string{"suites"}}, "imports suites"},
		{"internal imports cmd", Package{Path: "internal/exchange", Imports: []string{"cmd/tokenbench"}}, "imports cmd/tokenbench"},
		{"profiles imports the catalogue and the YAML helper", Package{Path: "profiles", Imports: []string{"internal/catalog", "internal/yamlfile"}}, ""},
		{"profiles imports another internal package", Package{Path: "profiles", Imports: []string{"internal/exchange"}}, "profiles imports internal/exchange"},
		{"the provider imports the checks", Package{Path: "internal/provider", TestImports: []string{"internal/checks"}}, "internal/provider (tests) imports internal/checks"},
		{"the provider imports profiles", Package{Path: "internal/provider", Imports: []string{"profiles"}}, "imports profiles"},
		{"a leaf imports something", Package{Path: "internal/catalog", Imports: []string{"internal/yamlfile"}}, "it may import nothing of the module"},
		{"runner imports suites", Package{Path: "runner", Imports: []string{"suites"}}, "runner imports suites"},
		{"reports imports suites", Package{Path: "reports/x", Imports: []string{"suites"}}, "imports suites"},
		{"suites imports runner", Package{Path: "suites", Imports: []string{"runner"}}, "suites imports runner"},
		{"cmd imports everything", Package{Path: "cmd/tokenbench", Imports: []string{"suites", "runner", "reports", "profiles", "internal/provider"}}, ""},
		{"a package without a rule", Package{Path: "newtop"}, "newtop: no rule holds this package"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			errs := Violations([]Package{tt.pkg}, Rules)
			switch {
			case tt.want == "" && len(errs) > 0:
				t.Errorf("violations %v, want none", errs)
			case tt.want != "" && (len(errs) != 1 || !strings.Contains(errs[0].Error(), tt.want)):
				t.Errorf("violations %v, want one containing %q", errs, tt.want)
			}
		})
	}
}

// TestGoModMarksDirectImports: go.mod marks every imported module direct
// and every other one indirect, as go mod tidy does.
func TestGoModMarksDirectImports(t *testing.T) {
	t.Parallel()
	_, reqs, err := ReadGoMod(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	_, pkgs, err := Graph(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(reqs) < 10 {
		t.Errorf("read %d requirements from go.mod", len(reqs))
	}
	for _, err := range DirectMismatches(reqs, pkgs) {
		t.Errorf("%v (run go mod tidy)", err)
	}
}

func TestDirectMismatches(t *testing.T) {
	t.Parallel()
	reqs := []Require{{Path: "example.com/a", Version: "v1.0.0"}, {Path: "example.com/a/v2", Version: "v2.0.0", Indirect: true},
		{Path: "example.com/b", Version: "v1.0.0", Indirect: true}}
	tests := []struct {
		name     string
		external []string
		want     []string
	}{
		{"as tidy writes it", []string{"example.com/a/pkg"}, nil},
		{"an indirect module imported", []string{"example.com/a", "example.com/b/x"}, []string{"go.mod marks example.com/b as indirect"}},
		{"the longest module path wins", []string{"example.com/a", "example.com/a/v2/x"}, []string{"go.mod marks example.com/a/v2 as indirect"}},
		{"a direct module not imported", nil, []string{"go.mod requires example.com/a directly, but nothing imports it"}},
		{"a module not required", []string{"example.com/a", "other.org/c"}, []string{"imports other.org/c, whose module go.mod does not require"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			errs := DirectMismatches(reqs, []Package{{Path: "p", External: tt.external}})
			if len(errs) != len(tt.want) {
				t.Fatalf("errors %v, want %d", errs, len(tt.want))
			}
			for i, w := range tt.want {
				if !strings.Contains(errs[i].Error(), w) {
					t.Errorf("error %q lacks %q", errs[i], w)
				}
			}
		})
	}
}

// The rules table in docs/architecture.md sits between these markers.
const (
	beginRules = "<!-- rules: generated from internal/architecture.Rules by go generate ./internal/architecture -->\n"
	endRules   = "<!-- end of rules -->\n"
)

// TestDocsShowTheRules: docs/architecture.md shows Rules as they are
// (-update rewrites the table).
func TestDocsShowTheRules(t *testing.T) {
	path := filepath.Join(root, "docs", "architecture.md")
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	before, rest, ok1 := strings.Cut(string(doc), beginRules)
	_, after, ok2 := strings.Cut(rest, endRules)
	if !ok1 || !ok2 {
		t.Fatalf("%s lacks the markers %q and %q", path, beginRules, endRules)
	}
	want := before + beginRules + Markdown(Rules) + endRules + after
	if want == string(doc) {
		return
	}
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s does not show architecture.Rules as they are: run go generate ./internal/architecture", path)
}

// Package architecture states which of tokenbench's packages may import
// which, and reads the import graph from the source to check it: with
// go/build over the module's directories, so without the go command or the
// network. docs/architecture.md shows the same rules, rendered by Markdown.
//
// The rules make dependencies flow one way: profiles is a leaf (data types
// and their loader, importing nothing of ours but the catalogue and the
// YAML helper), so internal/ packages may read it; no other top-level
// package (suites, runner, reports, cmd) is imported from internal/, and
// the reference provider shares no code with what it judges.
package architecture

//go:generate go test -run TestDocsShowTheRules -update .

import (
	"errors"
	"fmt"
	"go/build"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Rule says which packages of the module the packages matching Packages may
// import. A pattern is a path relative to the module ("internal/catalog"),
// or a path ending in "/..." for it and everything below. The first rule
// whose Packages match a package is its rule.
type Rule struct {
	Packages  []string
	MayImport []string
	Why       string
}

// Rules are tokenbench's import rules, most specific first.
var Rules = []Rule{
	{Packages: []string{"internal/catalog", "internal/jsonscan", "internal/inputfile"},
		MayImport: nil,
		Why:       "leaves: the requirement catalogue, JSON scanning, bounded reading of the user's files"},
	{Packages: []string{"internal/yamlfile"},
		MayImport: []string{"internal/inputfile"},
		Why:       "strict YAML: errors that name the file, the line and the key"},
	{Packages: []string{"internal/secrettest"},
		MayImport: nil,
		Why:       "for tests: checks that a value masks its secrets wherever it is printed"},
	{Packages: []string{"internal/secretscan"},
		MayImport: nil,
		Why:       "for tests: finds a run's secrets in output, in every encoding, written apart from internal/redact's"},
	{Packages: []string{"internal/redact"},
		MayImport: []string{"internal/jsonscan", "internal/secrettest", "internal/secretscan"},
		Why:       "masks secrets in everything printed"},
	{Packages: []string{"profiles"},
		MayImport: []string{"internal/catalog", "internal/yamlfile", "internal/inputfile"},
		Why:       "a leaf of data: what a provider documents, and its loader"},
	{Packages: []string{"internal/provider"},
		MayImport: []string{"internal/catalog", "internal/yamlfile", "internal/jsonscan", "internal/redact", "internal/secrettest"},
		Why:       "the reference provider is the oracle: it shares no code with the exchange client, the checks, the code sources or the profiles it is judged by"},
	{Packages: []string{"internal/..."},
		MayImport: []string{"internal/...", "profiles"},
		Why:       "the core: target, exchange, checks, code sources; reads profiles, never the outer packages"},
	{Packages: []string{"runner/results"},
		MayImport: []string{"internal/items"},
		Why:       "the result model of load runs and capacity searches, a leaf: no target, code source, client or provider"},
	{Packages: []string{"runner/..."},
		MayImport: []string{"internal/...", "profiles", "runner/..."},
		Why:       "the load engine"},
	{Packages: []string{"reports/..."},
		MayImport: []string{"internal/...", "profiles", "runner/...", "reports/..."},
		Why:       "renders, compares and merges results (charts, format and compare are its own packages)"},
	{Packages: []string{"suites/..."},
		MayImport: []string{"internal/...", "profiles", "reports/..."},
		Why:       "the Ginkgo conformance specs"},
	{Packages: []string{"e2e/..."},
		MayImport: []string{"internal/...", "profiles", "reports/..."},
		Why:       "tools of the end-to-end runs against real providers"},
	{Packages: []string{"cmd/..."},
		MayImport: []string{"internal/...", "profiles", "runner/...", "reports/...", "suites/..."},
		Why:       "the CLI wires everything; nothing imports it"},
}

// Package is one package of the module and the module packages it imports,
// paths relative to the module.
type Package struct {
	Path        string
	Imports     []string // by the package's own files
	TestImports []string // by its tests, internal and external
	External    []string // import paths outside the module and the standard library, tests included
}

// Graph reads every package of the module rooted at root: each directory
// with Go files, except testdata, hidden and underscore directories and
// nested modules. It applies the default build context (GOOS, GOARCH, tags).
func Graph(root string) (module string, pkgs []Package, err error) {
	module, err = ModulePath(filepath.Join(root, "go.mod"))
	if err != nil {
		return "", nil, err
	}
	err = filepath.WalkDir(root, func(dir string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if dir != root {
			name := d.Name()
			if name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				return filepath.SkipDir
			}
		}
		bp, err := build.Default.ImportDir(dir, 0)
		var noGo *build.NoGoError
		switch {
		case errors.As(err, &noGo):
			return nil
		case err != nil:
			return fmt.Errorf("architecture: %s: %w", dir, err)
		}
		rel, err := filepath.Rel(root, dir)
		if err != nil {
			return err
		}
		p := Package{Path: filepath.ToSlash(rel)}
		own := func(imports []string) (out []string) {
			for _, imp := range imports {
				switch {
				case imp == module || strings.HasPrefix(imp, module+"/"):
					out = append(out, strings.TrimPrefix(strings.TrimPrefix(imp, module), "/"))
				case isExternal(imp):
					p.External = append(p.External, imp)
				}
			}
			return out
		}
		p.Imports = own(bp.Imports)
		p.TestImports = own(append(slices.Clone(bp.TestImports), bp.XTestImports...))
		slices.Sort(p.External)
		p.External = slices.Compact(p.External)
		pkgs = append(pkgs, p)
		return nil
	})
	return module, pkgs, err
}

// isExternal reports whether an import path names a package outside the
// standard library: its first element has a dot.
func isExternal(imp string) bool {
	first, _, _ := strings.Cut(imp, "/")
	return strings.Contains(first, ".")
}

// Violations returns one error per package no rule holds and per import its
// rule does not allow, tests' imports included.
func Violations(pkgs []Package, rules []Rule) []error {
	var errs []error
	for _, p := range pkgs {
		r, ok := ruleFor(p.Path, rules)
		if !ok {
			errs = append(errs, fmt.Errorf("%s: no rule holds this package: add it to architecture.Rules and docs/architecture.md", p.Path))
			continue
		}
		check := func(imports []string, by string) {
			for _, imp := range imports {
				if !matchAny(imp, r.MayImport) {
					errs = append(errs, fmt.Errorf("%s%s imports %s, which its rule (%s) does not allow: it may import %s",
						p.Path, by, imp, strings.Join(r.Packages, ", "), orNothing(r.MayImport)))
				}
			}
		}
		check(p.Imports, "")
		check(p.TestImports, " (tests)")
	}
	return errs
}

func ruleFor(pkg string, rules []Rule) (Rule, bool) {
	for _, r := range rules {
		if matchAny(pkg, r.Packages) {
			return r, true
		}
	}
	return Rule{}, false
}

// matchAny reports whether pkg matches one of the patterns.
func matchAny(pkg string, patterns []string) bool {
	for _, pat := range patterns {
		if base, ok := strings.CutSuffix(pat, "/..."); ok {
			if pkg == base || strings.HasPrefix(pkg, base+"/") {
				return true
			}
		} else if pkg == pat {
			return true
		}
	}
	return false
}

func orNothing(patterns []string) string {
	if len(patterns) == 0 {
		return "nothing of the module"
	}
	return strings.Join(patterns, ", ")
}

// Markdown renders the rules as a table.
func Markdown(rules []Rule) string {
	var b strings.Builder
	b.WriteString("| packages | may import (of ours) | why |\n|---|---|---|\n")
	code := func(ps []string) string {
		if len(ps) == 0 {
			return "nothing"
		}
		out := make([]string, len(ps))
		for i, p := range ps {
			out[i] = "`" + p + "`"
		}
		return strings.Join(out, ", ")
	}
	for _, r := range rules {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", code(r.Packages), code(r.MayImport), r.Why)
	}
	return b.String()
}

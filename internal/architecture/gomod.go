package architecture

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

// Require is one module that go.mod requires.
type Require struct {
	Path, Version string
	Indirect      bool // marked "// indirect"
}

// ModulePath reads the module path from a go.mod file.
func ModulePath(gomod string) (string, error) {
	mod, _, err := ReadGoMod(gomod)
	return mod, err
}

// ReadGoMod reads a go.mod file's module path and requirements. It reads
// the plain layout go mod tidy writes; it is no general go.mod parser.
func ReadGoMod(gomod string) (module string, reqs []Require, err error) {
	f, err := os.Open(gomod)
	if err != nil {
		return "", nil, fmt.Errorf("architecture: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	inBlock := false
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "module "):
			module = strings.Trim(strings.TrimSpace(strings.TrimPrefix(line, "module ")), `"`)
		case line == "require (":
			inBlock = true
		case inBlock && line == ")":
			inBlock = false
		case inBlock || strings.HasPrefix(line, "require "):
			spec, comment, _ := strings.Cut(strings.TrimPrefix(line, "require "), "//")
			fields := strings.Fields(spec)
			if len(fields) == 0 {
				continue
			}
			if len(fields) != 2 {
				return "", nil, fmt.Errorf("architecture: %s:%d: %q is not MODULE VERSION", gomod, n, line)
			}
			reqs = append(reqs, Require{Path: fields[0], Version: fields[1], Indirect: strings.TrimSpace(comment) == "indirect"})
		}
	}
	if err := sc.Err(); err != nil {
		return "", nil, fmt.Errorf("architecture: %s: %w", gomod, err)
	}
	if module == "" {
		return "", nil, fmt.Errorf("architecture: %s: no module line", gomod)
	}
	return module, reqs, nil
}

// DirectMismatches compares go.mod's markings with the imports: a module
// the packages (or their tests) import must be required without
// "// indirect", and one required without it must be imported. It returns
// one error per mismatch; go mod tidy fixes them.
func DirectMismatches(reqs []Require, pkgs []Package) []error {
	imported := map[string]bool{}
	var errs []error
	for _, p := range pkgs {
		for _, imp := range p.External {
			mod := moduleOf(imp, reqs)
			if mod == "" {
				errs = append(errs, fmt.Errorf("%s imports %s, whose module go.mod does not require", p.Path, imp))
				continue
			}
			imported[mod] = true
		}
	}
	for _, r := range reqs {
		switch {
		case imported[r.Path] && r.Indirect:
			errs = append(errs, fmt.Errorf("go.mod marks %s as indirect, but the module imports it", r.Path))
		case !imported[r.Path] && !r.Indirect:
			errs = append(errs, fmt.Errorf("go.mod requires %s directly, but nothing imports it", r.Path))
		}
	}
	return errs
}

// moduleOf returns the required module that provides an import path: the
// longest module path that is the path or a prefix of it.
func moduleOf(imp string, reqs []Require) string {
	best := ""
	for _, r := range reqs {
		if (imp == r.Path || strings.HasPrefix(imp, r.Path+"/")) && len(r.Path) > len(best) {
			best = r.Path
		}
	}
	return best
}

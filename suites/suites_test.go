package suites

import (
	"context"
	"flag"
	"path/filepath"
	"testing"

	. "github.com/onsi/ginkgo/v2"

	"github.com/tokenbench/tokenbench/internal/provider"
	"github.com/tokenbench/tokenbench/internal/target"
	"github.com/tokenbench/tokenbench/reports"
)

// Flags for `go test ./suites -args ...` and `ginkgo ./suites -- ...`.
var (
	targetFile  = flag.String("target", "", "target file (default: the embedded reference provider)")
	profileName = flag.String("profile", "", "profile name or file (default: the target's, else bankid)")
	outDir      = flag.String("out", "", "also write the four conformance reports here")
)

// TestSuites runs the conformance suites under go test. With no flags it
// checks the embedded reference provider, which must pass every row: a
// false failure on a correct provider is a bug.
func TestSuites(t *testing.T) {
	tg, err := target.Open(context.Background(), *targetFile, provider.Config{}, target.Options{Profile: *profileName})
	if err != nil {
		t.Fatal(err)
	}
	defer tg.Close()
	src, err := tg.OpenCodes(target.CodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	env := &Env{Target: tg, Codes: src}
	env.Report = func(r Report) {
		if *outDir == "" {
			return
		}
		c := reports.FromGinkgo(r, reports.Meta{Target: tg.Source, Issuer: tg.Issuer, TokenEndpoint: tg.TokenEndpoint, Profile: tg.Profile.Name, ProfileChain: tg.Profile.Chain}, nil)
		if _, err := reports.WriteConformance(filepath.Clean(*outDir), c); err != nil {
			t.Errorf("writing reports: %v", err)
		}
	}
	Define(env) // registers the specs' fail handler
	RunSpecs(t, "tokenbench conformance")
}

package suites

import (
	"errors"
	"fmt"
	"io"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/formatter"
	"github.com/onsi/ginkgo/v2/types"
)

// RunOptions configure Run.
type RunOptions struct {
	LabelFilter string // Ginkgo label filter, e.g. "!slow" or "area:auth && MUST"
	Verbose     bool   // Ginkgo's -v: every spec's text as it runs
	NoColor     bool
	// Output is where Ginkgo's console output goes, without its progress
	// reports and their goroutine stacks (nil: standard output, all of it).
	Output io.Writer
}

// CheckLabelFilter reports whether Ginkgo accepts a label filter, so that a
// bad one is bad input rather than Ginkgo exiting the process.
// Its message is plain text: Ginkgo's own carries terminal colour codes.
func CheckLabelFilter(expr string) error {
	_, err := types.ParseLabelFilter(expr)
	if err == nil {
		return nil
	}
	msg := err.Error()
	var ge types.GinkgoError
	if errors.As(err, &ge) {
		plain := formatter.New(formatter.ColorModeNone)
		lines := strings.Split(plain.F(ge.Message), "\n")
		msg = plain.F(ge.Heading) + ": " + strings.TrimSpace(lines[len(lines)-1])
		if ge.DocLink != "" {
			msg += " (see https://onsi.github.io/ginkgo/#" + ge.DocLink + ")"
		}
	}
	return fmt.Errorf("suites: --label-filter %q: %s", expr, msg)
}

// Run defines the specs for env and runs them in this process (once per
// process: Ginkgo's tree is global), printing Ginkgo's progress to stdout.
// It returns Ginkgo's report; the verdict is the caller's to compute from
// it (levels and known deviations are not Ginkgo's notions).
func Run(env *Env, o RunOptions) (Report, error) {
	if err := CheckLabelFilter(o.LabelFilter); err != nil {
		return Report{}, err
	}
	var rep Report
	env.Report = func(r Report) { rep = r }
	Define(env) // registers the specs' fail handler
	sc, rc := GinkgoConfiguration()
	sc.LabelFilter = o.LabelFilter
	sc.RandomizeAllSpecs = false
	rc.NoColor = o.NoColor
	rc.Verbose = o.Verbose
	rc.Succinct = !o.Verbose
	sc.GracePeriod = interruptGrace
	if o.Output != nil {
		useConsole(o.Output)
	}
	RunSpecs(testingT{}, "tokenbench conformance", sc, rc)
	return rep, nil
}

// testingT is what RunSpecs reports a failed suite to; the caller reads the
// report instead.
type testingT struct{}

func (testingT) Fail() {}

package suites

import (
	"fmt"
	"io"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/formatter"
)

// interruptGrace is how long an interrupted spec has to return (its
// SpecContext is cancelled) before Ginkgo moves on to the reports: short,
// so that the reports are written long before a CI job's SIGKILL.
const interruptGrace = 2 * time.Second

// console is Ginkgo's console output on its way to the caller's writer.
// It leaves out Ginkgo's progress reports, which list goroutine stacks
// (on an interrupt, and when a spec times out): from the moment one is
// made to the start of the next spec, nothing is written but a note.
type console struct {
	w     io.Writer
	muted atomic.Bool
}

func (c *console) Write(p []byte) (int, error) {
	if c.muted.Load() {
		return len(p), nil
	}
	return c.w.Write(p)
}

// mute starts leaving output out, and says so once.
func (c *console) mute() {
	if !c.muted.Swap(true) {
		fmt.Fprintln(c.w, "\n  (Ginkgo's progress report is left out: it lists stacks, not findings; the reports have the findings)")
	}
}

// useConsole sends Ginkgo's console output to w through a console: read
// by RunSpecs when it starts (a process runs the suites once).
func useConsole(w io.Writer) {
	c := &console{w: w}
	formatter.ColorableStdOut = c
	// Ginkgo asks its progress reporters just before it writes a report.
	AttachProgressReporter(func() string { c.mute(); return "" })
	ReportBeforeEach(func(SpecReport) { c.muted.Store(false) })
}

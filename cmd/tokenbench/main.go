// Command tokenbench checks and load-tests OAuth 2.0 / OpenID Connect token
// endpoints against what their documentation promises.
//
// Exit status: 0 success, 1 a check or the run failed, 2 bad input (a
// malformed file, an unknown profile, an unreachable issuer, ...), 3 an
// internal error.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/tokenbench/tokenbench/reports/format"
)

func main() {
	ctx, stop := interrupts(os.Stderr, func() { os.Exit(exitFailed) })
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// interrupts returns a context that the first SIGINT or SIGTERM cancels:
// the command stops, writes what it has (marked interrupted) and finishes
// what is in flight. The second calls exit: at once, leaving the results
// the first wrote (a CI job's cancellation sends SIGINT, then SIGTERM, then
// SIGKILL). stop ends the watch.
func interrupts(stderr io.Writer, exit func()) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-sigs:
			fmt.Fprintf(stderr, "tokenbench: %s: stopping (a second signal exits at once)\n", signalName(s))
			cancel()
		case <-done:
			return
		}
		select {
		case s := <-sigs:
			fmt.Fprintf(stderr, "tokenbench: %s again: exiting at once\n", signalName(s))
			exit()
		case <-done:
		}
	}()
	return ctx, func() { signal.Stop(sigs); close(done); cancel() }
}

func signalName(s os.Signal) string {
	if s == os.Interrupt {
		return "SIGINT"
	}
	if s == syscall.SIGTERM {
		return "SIGTERM"
	}
	return s.String()
}

// Exit statuses.
const (
	exitOK       = 0
	exitFailed   = 1
	exitBadInput = 2
	exitInternal = 3
)

// exitError carries an exit status with the message to print.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// badInput marks err as the user's input being wrong (exit 2).
func badInput(err error) error {
	if err == nil {
		return nil
	}
	return &exitError{exitBadInput, err}
}

// failed marks err as the run's verdict being negative (exit 1).
func failed(err error) error { return &exitError{exitFailed, err} }

// run executes the command line and returns the exit status. It never lets
// a panic escape as a stack trace.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return runWith(ctx, args, stdout, stderr, os.Getenv)
}

// runWith is run with an explicit environment.
func runWith(ctx context.Context, args []string, stdout, stderr io.Writer, env func(string) string) (code int) {
	// Standard error is text for a terminal or a CI log, and errors quote
	// providers: escaped here, in one place (format.Lines).
	errw := format.NewLinesWriter(stderr)
	defer errw.Flush()
	stderr = errw
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "tokenbench: internal error: %v\n(this is a bug in tokenbench; please report it with the command line you ran)\n", r)
			code = exitInternal
		}
	}()
	root := newRoot(stdout, stderr, env)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil && ee.err.Error() != "" {
			fmt.Fprintf(stderr, "tokenbench: %v\n", ee.err)
		}
		return ee.code
	}
	// Errors cobra reports itself: unknown commands and flags, bad values.
	fmt.Fprintf(stderr, "tokenbench: %v\nRun 'tokenbench --help' for usage.\n", err)
	return exitBadInput
}

// app is what every command shares.
type app struct {
	stdout, stderr io.Writer
	env            func(string) string
}

func newRoot(stdout, stderr io.Writer, env func(string) string) *cobra.Command {
	a := &app{stdout: stdout, stderr: stderr, env: env}
	root := &cobra.Command{
		Use:   "tokenbench",
		Short: "Conformance and load testing for OAuth 2.0 / OpenID Connect token endpoints",
		Long: `tokenbench checks a live token endpoint against what its provider documents
(a profile such as bankid or oidc), drives authorization code exchanges under
load, and reports with the evidence. Without a target file it runs against
its own reference provider on loopback.

Exit status: 0 success, 1 a check or SLO failed, 2 bad input, 3 internal error.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       versionString(),
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetVersionTemplate("{{.Version}}\n")
	root.AddCommand(
		a.conformCmd(),
		a.loadCmd(),
		a.capacityCmd(),
		a.reportCmd(),
		a.k8sCmd(),
		a.serveCmd(),
		a.targetCmd(),
		a.profilesCmd(),
		a.versionCmd(),
	)
	return root
}

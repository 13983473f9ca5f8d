package main

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"os"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tokenbench/tokenbench/internal/exchange"
	"github.com/tokenbench/tokenbench/internal/items"
	"github.com/tokenbench/tokenbench/reports"
	"github.com/tokenbench/tokenbench/reports/format"
	"github.com/tokenbench/tokenbench/runner"
	"github.com/tokenbench/tokenbench/runner/results"
)

type loadFlags struct {
	targetFlags
	runner.LoadSettings
	embedded        embeddedFlags
	out, cpuProfile string
}

func (a *app) loadCmd() *cobra.Command {
	var f loadFlags
	cmd := &cobra.Command{Use: "load", Args: cobra.NoArgs,
		Short: "Drive authorization code exchanges at a rate or concurrency and measure them",
		Long: `load drives authorization code exchanges against the token endpoint and
validates every response (or a sample) with the same checks as conform.

Open model (--rate, the default, right for capacity work): requests are
scheduled at the arrival rate, at most --max-in-flight at once; latency is
measured from each request's intended send time, so queueing in a saturated
system is not hidden (coordinated omission), and also from the actual send
(service time). Closed model (--concurrency): C workers back to back.

Stages: --stages "30s@50,30s@100,30s@200" (steps) or "ramp:60s@10-500"
(a linear ramp), mixed freely. Codes come from the target's code source
through a pipeline that prefetches ahead of the schedule; the time to
obtain them is reported apart and never counted in exchange latency.

--grant refresh_token drives refresh chains instead, each started by one
code (measured apart, like the wait for a code), a broken chain started
again and counted; --reuse-probes presents that share of rotated-away
tokens again (RT-REUSE-REJECTED, RT-REUSE-REVOKES-FAMILY; a failure exits
1). --grant client_credentials needs no code. The embedded provider
serves the grant driven.

Writes DIR/load.json (schema tokenbench.load/v1), DIR/load.hlog (an
HdrHistogram interval log), DIR/load.html and DIR/load.md and prints a
summary. Ctrl-C stops scheduling, lets requests in flight finish, and still
writes the results, marked interrupted.

Exit status: 0 done and every SLO met; 1 an SLO was breached, no request
succeeded, a reuse probe failed, a code exchange that started a refresh
chain failed a MUST row, or the run was aborted or interrupted; 2 bad
input (including an SLO that does not parse).`,
		Example: `  tokenbench load
  tokenbench load --rate 200 --duration 30s --slo "p99<300ms,error_rate<0.1%,throughput>=95%"
  tokenbench load --stages "30s@50,30s@100,30s@200" --target preprod.yaml
  tokenbench load --concurrency 16 --duration 10s --validate sample:0.1
  tokenbench load --grant refresh_token --rate 200 --duration 20s --profile hydra`,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.load(cmd, f) },
	}
	f.register(cmd)
	fl := cmd.Flags()
	fl.Float64Var(&f.Rate, "rate", 0, "open model: arrivals per second (default 50 when neither --rate, --concurrency nor --stages is given)")
	fl.IntVar(&f.Concurrency, "concurrency", 0, fmt.Sprintf("closed model: workers sending back to back (at most %d)", runner.MaxConcurrency))
	fl.DurationVar(&f.Duration, "duration", 0, "how long to send (default 10s unless --requests or --stages)")
	fl.Int64Var(&f.Requests, "requests", 0, "how many requests to send")
	fl.StringVar(&f.Stages, "stages", "", fmt.Sprintf(`open model stages: "30s@50,30s@100" or "ramp:60s@10-500" (at most %d stages)`, runner.MaxStages))
	fl.IntVar(&f.MaxInFlight, "max-in-flight", 1000, fmt.Sprintf("open model: at most this many requests at once (at most %d)", runner.MaxRequestsInFlight))
	fl.StringVar(&f.Validate, "validate", "all", "validate responses: all, none, or sample:F (a fraction)")
	fl.StringVar(&f.SLO, "slo", "", `thresholds, e.g. "p99<300ms,error_rate<0.1%,throughput>=95%"`)
	fl.DurationVar(&f.Timeout, "timeout", 10*time.Second, "per request")
	fl.DurationVar(&f.Warmup, "warmup", 0, "send at the first stage's rate this long before measuring")
	fl.StringVarP(&f.out, "out", "o", "out", "directory for load.json, load.hlog, load.html and load.md")
	fl.StringVar(&f.AbortOnErrorRate, "abort-on-error-rate", "", `stop a run whose error rate over a window exceeds a threshold, e.g. "50%/10s"`)
	fl.StringVar(&f.StaticCode, "static-code", "", "benchmarks only: redeem this one code every time (for serve --fast), no code source")
	fl.StringVar(&f.cpuProfile, "cpuprofile", "", "write a Go CPU profile of the load generator to FILE")
	fl.StringVar(&f.HttpClient, "http-client", "fast", "fast (tokenbench's own HTTP/1.1 client, which records the same evidence) or net/http (the conformance client: slower, for comparison)")
	fl.DurationVar(&f.BusyWait, "busy-wait", 0, "open model: spin this long before each intended send time (e.g. 200us) for sends precise to microseconds on a busy machine; burns up to a core (default off: the scheduler sleeps)")
	fl.StringVar(&f.Shard, "shard", "", "run shard I of N of a run split across machines: the rates (or workers) divided by N and, with a codes file, its I-th, I+N-th, ... code (merge with 'report merge'); auto: I and N from $JOB_COMPLETION_INDEX and $TOKENBENCH_SHARD_COUNT (a Kubernetes Indexed Job)")
	fl.StringVar(&f.Grant, "grant", "authorization_code", "the grant to drive: "+strings.Join(runner.Grants(), ", ")+" (refresh_token: chains, each started by one code; client_credentials: no code)")
	fl.Float64Var(&f.ReuseProbes, "reuse-probes", 0.02, "refresh_token: the share of rotations whose rotated-away token is presented again (RT-REUSE-REJECTED, RT-REUSE-REVOKES-FAMILY); 0 for none")
	fl.StringVar(&f.StartAt, "start-at", "", "wait until this wall-clock time (RFC 3339, e.g. 2026-12-04T17:20:00Z) to start, so that the shards of a run begin together; past it, start at once and say how late")
	f.embedded.register(cmd, 30*time.Second)
	return cmd
}

func (a *app) load(cmd *cobra.Command, f loadFlags) error {
	f.Given = given(cmd)
	f.Getenv = a.env
	job, err := runner.NewLoad(f.LoadSettings)
	if err != nil {
		return badInput(flagError(cmd, err))
	}
	if err := writableDir(f.out); err != nil {
		return badInput(err)
	}
	if job.Config.ValidateFraction == 0 && os.Getenv("GOGC") == "" {
		// Without validation a request's only garbage is its Exchange,
		// and the collector ran every ~3000 requests: collecting at three
		// times the live heap instead of twice takes a sixth off the
		// generator's CPU for about 7 MiB (docs/performance.md).
		defer debug.SetGCPercent(debug.SetGCPercent(200))
	}
	pc, err := f.embedded.config(cmd, f.path != "")
	if err != nil {
		return badInput(err)
	}
	c := &job.Config
	if c.Grant != results.GrantAuthorizationCode && f.path == "" && len(pc.Grants) == 0 {
		pc.Grants = []string{c.Grant} // the embedded provider serves the grant driven
	}
	f.clientOptions = []exchange.Option{exchange.WithPool(min(max(c.MaxInFlight, c.Concurrency), 1024)), exchange.WithTimeout(c.Timeout)}
	t, err := a.openTarget(cmd.Context(), f.targetFlags, pc)
	if err != nil {
		return err
	}
	defer t.Close()
	t.OutDir = f.out
	c.Target, c.CodeTimes = t, runner.NewCodeTimes()
	if err := a.waitStart(cmd, job); err != nil {
		return a.notStarted(job, f.out, err)
	}
	if c.Grant != results.GrantClientCredentials { // client credentials need no code
		if c.Codes, err = job.OpenCodes(t, c.CodeTimes); err != nil {
			return badInput(err)
		}
	}
	fmt.Fprintf(a.stdout, "tokenbench load: %s, %s model, %s, validate %s, grant %s\n", format.Text(t.TokenEndpoint), c.Model, c.Plan, f.Validate, c.Grant)
	if sh := c.Shard; sh != nil {
		part := fmt.Sprintf("rates divided by %d", sh.Count)
		if c.Model == runner.Closed {
			part = fmt.Sprintf("%d of the %d workers", c.Concurrency, f.Concurrency)
		}
		fmt.Fprintf(a.stdout, "tokenbench load: shard %s: %s, %s\n", sh, part, sh.Codes)
	}
	stop, err := startCPUProfile(f.cpuProfile)
	if err != nil {
		return badInput(fmt.Errorf("load: --cpuprofile: %w", err))
	}
	defer stop()
	c.Progress = runner.NewProgress(a.stdout, isTerminal(a.stdout), c.Plan, c.Concurrency)
	c.OnInterrupt = func(r *results.Load) {
		// at the first signal: what ran so far, written at once
		r.Tool = tool()
		job.Judge(r)
		if _, err := reports.WriteLoad(f.out, r); err == nil {
			fmt.Fprintf(a.stderr, "tokenbench: load: the results so far are in %s, marked interrupted; waiting up to %s for the requests in flight\n", f.out, c.Timeout)
		}
	}
	res, runErr := runner.Run(cmd.Context(), *c)
	if errors.Is(runErr, runner.ErrNotStarted) {
		return a.notStarted(job, f.out, runErr)
	}
	if res == nil {
		return badInput(runErr)
	}
	res.Tool = tool()
	job.Judge(res)
	paths, werr := reports.WriteLoad(f.out, res)
	fmt.Fprintln(a.stdout)
	reports.WriteLoadText(a.stdout, res)
	for _, p := range paths {
		fmt.Fprintf(a.stdout, "results     %s\n", p)
	}
	if werr != nil {
		return badInput(fmt.Errorf("load: writing the results: %w", werr))
	}
	if runErr != nil {
		return badInput(fmt.Errorf("load: the code source failed during the run: %w", runErr))
	}
	return loadVerdict("load", res)
}

// waitStart says when the run starts (--start-at) and waits until the code
// source is due to open (runner.CodeLead before); Run waits the rest.
func (a *app) waitStart(cmd *cobra.Command, job *runner.LoadJob) error {
	at := job.Config.StartAt
	if at.IsZero() {
		return nil
	}
	stamp := at.UTC().Format(time.RFC3339Nano)
	if d := time.Until(at); d > 0 {
		fmt.Fprintf(a.stdout, "tokenbench load: starting at %s (--start-at), in %s\n", stamp, d.Round(time.Millisecond))
	} else {
		fmt.Fprintf(a.stdout, "tokenbench load: LATE: the start time %s (--start-at) passed %s ago; starting at once (the result says by how much)\n", stamp, (-d).Round(time.Millisecond))
	}
	return job.WaitStart(cmd.Context(), runner.CodeLead)
}

// notStarted writes the result of a run stopped before its start time
// (runner.NotStarted: nothing sent, marked interrupted) and exits 1.
func (a *app) notStarted(job *runner.LoadJob, out string, err error) error {
	res, rerr := runner.NotStarted(job.Config)
	if rerr != nil {
		return failed(fmt.Errorf("load: %w", err))
	}
	res.Tool = tool()
	job.Judge(res)
	paths, werr := reports.WriteLoad(out, res)
	for _, p := range paths {
		fmt.Fprintf(a.stdout, "results     %s\n", p)
	}
	if werr != nil {
		return failed(fmt.Errorf("load: %w; writing the result marked interrupted: %v", err, werr))
	}
	return failed(fmt.Errorf("load: %w; the result in %s is marked interrupted", err, out))
}

// loadVerdict is a load result's exit: 1 when it was interrupted, aborted,
// breached an SLO, had no request succeed (with or without SLOs), or, in a
// refresh run, a reuse probe failed or a chain's start failed a MUST row.
func loadVerdict(what string, r *results.Load) error {
	switch {
	case r.Interrupted:
		return failed(fmt.Errorf("%s: interrupted; the results so far are written and marked interrupted", what))
	case r.Aborted != "":
		return failed(fmt.Errorf("%s: aborted: %s", what, r.Aborted))
	case r.Summary.OK == 0 && r.Summary.Requests > 0:
		return failed(fmt.Errorf("%s: every request failed (%d of %d): %s", what, r.Summary.Errors, r.Summary.Requests, outcomesText(r.Summary.Outcomes)))
	case r.Summary.OK == 0:
		return failed(fmt.Errorf("%s: no request was sent", what))
	case results.Breached(r.SLO):
		return failed(fmt.Errorf("%s: an SLO was breached", what))
	}
	for _, row := range r.Chains.Rows() {
		if row.Failed > 0 {
			return failed(fmt.Errorf("%s: %s failed on %d of %d reuse probes", what, row.ID, row.Failed, row.Of))
		}
	}
	if c := r.Chains; c != nil && c.StartInvalid > 0 {
		return failed(fmt.Errorf("%s: %d of the %d code exchanges that started refresh chains failed a MUST row (%s)",
			what, c.StartInvalid, c.StartValidated, outcomesText(c.StartCheckFailures)))
	}
	return nil
}

// outcomesText lists the most frequent outcomes: "invalid_client 40".
func outcomesText(m map[string]int64) string {
	keys := slices.SortedFunc(maps.Keys(m), func(a, b string) int { return cmp.Or(cmp.Compare(m[b], m[a]), cmp.Compare(a, b)) })
	var parts []string
	for i, k := range keys {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("%d more", len(keys)-i))
			break
		}
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

// startCPUProfile writes a CPU profile to path ("" for none) until stop.
func startCPUProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// flagError names the flag behind a runner's *SettingError: the commands'
// flags are named after the settings they set ("MaxInFlight" is
// --max-in-flight). Other errors pass unchanged.
func flagError(cmd *cobra.Command, err error) error {
	var se *runner.SettingError
	var ie *items.Error
	what := strings.TrimPrefix(cmd.CommandPath(), cmd.Root().Name()+" ") // "load", "k8s manifest"
	if errors.As(err, &ie) && cmd.Flags().Lookup(ie.What) != nil {
		return fmt.Errorf("%s: --%s: %w", what, ie.What, err) // "slo item 1 ...", "stages item 2 ..."
	}
	if !errors.As(err, &se) {
		return err
	}
	name := flagName(se.Setting)
	if cmd.Flags().Lookup(name) == nil {
		return err
	}
	flag := "--" + name
	if se.Value != "" {
		flag += " " + se.Value
	}
	return fmt.Errorf("%s: %s: %s", what, flag, se.Reason)
}

// flagName is the flag of a runner setting: "MaxInFlight" is
// "max-in-flight".
func flagName(setting string) string {
	return strings.ReplaceAll(runner.SettingWords(setting), " ", "-")
}

// given reports whether the flag of a runner setting was given on the
// command line, for the runner to refuse a zero given explicitly.
func given(cmd *cobra.Command) func(setting string) bool {
	return func(setting string) bool {
		f := cmd.Flags().Lookup(flagName(setting))
		return f != nil && f.Changed
	}
}

// tool is this program, as results name it.
func tool() results.Tool { return results.Tool{Name: "tokenbench", Version: versionString()} }

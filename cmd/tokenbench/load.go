package main

import (
	"fmt"
	"math"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tokenbench/tokenbench/internal/codes"
	"github.com/tokenbench/tokenbench/internal/exchange"
	"github.com/tokenbench/tokenbench/internal/target"
	"github.com/tokenbench/tokenbench/runner"
)

type loadFlags struct {
	targetFlags
	rate        float64
	concurrency int
	duration    time.Duration
	requests    int64
	stages      string
	maxInFlight int
	validate    string
	slo         string
	timeout     time.Duration
	warmup      time.Duration
	out         string
	abort       string
	staticCode  string
	cpuProfile  string
	shard       string // --shard I/N
	// the embedded provider's switches (no --target)
	defects, variants string
	codeTTL           time.Duration
}

func (a *app) loadCmd() *cobra.Command {
	var f loadFlags
	cmd := &cobra.Command{
		Use:   "load",
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

Writes DIR/load.json (schema tokenbench.load/v1) and DIR/load.hlog (an
HdrHistogram interval log) and prints a summary. Ctrl-C stops scheduling,
lets requests in flight finish, and still writes the results, marked
interrupted.

Exit status: 0 done and every SLO met, 1 an SLO was breached or the run was
aborted or interrupted, 2 bad input (including an SLO that does not parse).`,
		Example: `  tokenbench load
  tokenbench load --rate 200 --duration 30s --slo "p99<300ms,error_rate<0.1%,throughput>=95%"
  tokenbench load --stages "30s@50,30s@100,30s@200" --target preprod.yaml
  tokenbench load --concurrency 16 --duration 10s --validate sample:0.1`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.load(cmd, f) },
	}
	f.register(cmd)
	fl := cmd.Flags()
	fl.Float64Var(&f.rate, "rate", 0, "open model: arrivals per second (default 50 when neither --rate, --concurrency nor --stages is given)")
	fl.IntVar(&f.concurrency, "concurrency", 0, "closed model: workers sending back to back")
	fl.DurationVar(&f.duration, "duration", 0, "how long to send (default 10s unless --requests or --stages)")
	fl.Int64Var(&f.requests, "requests", 0, "how many requests to send")
	fl.StringVar(&f.stages, "stages", "", `open model stages: "30s@50,30s@100" or "ramp:60s@10-500"`)
	fl.IntVar(&f.maxInFlight, "max-in-flight", 1000, "open model: at most this many requests at once")
	fl.StringVar(&f.validate, "validate", "all", "validate responses: all, none, or sample:F (a fraction)")
	fl.StringVar(&f.slo, "slo", "", `thresholds, e.g. "p99<300ms,error_rate<0.1%,throughput>=95%"`)
	fl.DurationVar(&f.timeout, "timeout", 10*time.Second, "per request")
	fl.DurationVar(&f.warmup, "warmup", 0, "send at the first stage's rate this long before measuring")
	fl.StringVarP(&f.out, "out", "o", "out", "directory for load.json and load.hlog")
	fl.StringVar(&f.abort, "abort-on-error-rate", "", `stop a run whose error rate over a window exceeds a threshold, e.g. "50%/10s"`)
	fl.StringVar(&f.staticCode, "static-code", "", "benchmarks only: redeem this one code every time (for serve --fast), no code source")
	fl.StringVar(&f.cpuProfile, "cpuprofile", "", "write a Go CPU profile of the load generator to FILE")
	fl.StringVar(&f.shard, "shard", "", "run shard I of N of a run split across machines: the rates divided by N and, with a codes file, its I-th, I+N-th, ... code (merge with 'report merge')")
	fl.StringVar(&f.defects, "defect", "", "embedded provider only: defects, NAME[@FRACTION],... (e.g. bad-at-hash@0.01)")
	fl.StringVar(&f.variants, "variant", "", "embedded provider only: correct-but-different behaviours, NAME,...")
	fl.DurationVar(&f.codeTTL, "code-ttl", 30*time.Second, "embedded provider only: authorization code lifetime")
	return cmd
}

// loadPlan turns the flags into a model and a plan.
func (f *loadFlags) plan(changed func(string) bool) (string, runner.Plan, error) {
	if f.rate > 0 && f.concurrency > 0 {
		return "", runner.Plan{}, fmt.Errorf("load: give --rate (open model) or --concurrency (closed model), not both")
	}
	if f.stages != "" && (f.rate > 0 || f.concurrency > 0 || f.duration > 0 || f.requests > 0) {
		return "", runner.Plan{}, fmt.Errorf("load: --stages carries its own rates and durations; drop --rate, --concurrency, --duration and --requests")
	}
	if f.rate < 0 || f.concurrency < 0 || f.duration < 0 || f.requests < 0 {
		return "", runner.Plan{}, fmt.Errorf("load: --rate, --concurrency, --duration and --requests must not be negative")
	}
	if f.stages != "" {
		p, err := runner.ParseStages(f.stages)
		if err != nil {
			return "", runner.Plan{}, err
		}
		return runner.Open, p, nil
	}
	d := f.duration
	if d == 0 && f.requests == 0 {
		d = 10 * time.Second
	}
	if f.concurrency > 0 {
		return runner.Closed, runner.Plan{Stages: []runner.Stage{{Name: closedName(f.concurrency, d, f.requests), Duration: d, Requests: f.requests}}}, nil
	}
	rate := f.rate
	if rate == 0 {
		rate = 50
	}
	p, err := runner.ConstantPlan(rate, d, f.requests)
	if err != nil {
		return "", runner.Plan{}, fmt.Errorf("load: %w", err)
	}
	return runner.Open, p, nil
}

func closedName(c int, d time.Duration, n int64) string {
	parts := []string{fmt.Sprintf("%d workers", c)}
	if d > 0 {
		parts = append(parts, d.String())
	}
	if n > 0 {
		parts = append(parts, fmt.Sprintf("%d requests", n))
	}
	return strings.Join(parts, ", ")
}

// parseValidate parses all, none or sample:F.
func parseValidate(s string) (float64, error) {
	switch s {
	case "all":
		return 1, nil
	case "none":
		return 0, nil
	}
	if v, ok := strings.CutPrefix(s, "sample:"); ok {
		f, err := strconv.ParseFloat(v, 64)
		if err == nil && f > 0 && f <= 1 {
			return f, nil
		}
	}
	return 0, fmt.Errorf("load: --validate %q is not all, none or sample:F with 0 < F <= 1", s)
}

// parseAbort parses "50%/10s".
func parseAbort(s string) (float64, time.Duration, error) {
	if s == "" {
		return 0, 0, nil
	}
	rate, window, ok := strings.Cut(s, "/")
	bad := fmt.Errorf("load: --abort-on-error-rate %q is not RATE%%/WINDOW such as 50%%/10s", s)
	if !ok || !strings.HasSuffix(rate, "%") {
		return 0, 0, bad
	}
	r, err := strconv.ParseFloat(strings.TrimSuffix(rate, "%"), 64)
	if err != nil || r <= 0 || r > 100 {
		return 0, 0, bad
	}
	w, err := time.ParseDuration(window)
	if err != nil || w < time.Second {
		return 0, 0, bad
	}
	return r / 100, w, nil
}

func (a *app) load(cmd *cobra.Command, f loadFlags) error {
	ctx := cmd.Context()
	model, plan, err := f.plan(cmd.Flags().Changed)
	if err != nil {
		return badInput(err)
	}
	// --shard I/N: this machine runs 1/N of the plan (runner/shard.go).
	var shard *runner.ShardInfo
	if f.shard != "" {
		sh, err := runner.ParseShard(f.shard)
		if err != nil {
			return badInput(fmt.Errorf("load: --shard: %w", err))
		}
		if model == runner.Closed {
			return badInput(fmt.Errorf("load: --shard divides the arrival rate, and the closed model (--concurrency) has none; give each machine its own --concurrency"))
		}
		if plan, err = sh.Plan(plan); err != nil {
			return badInput(fmt.Errorf("load: --shard: %w", err))
		}
		shard = &sh
	}
	frac, err := parseValidate(f.validate)
	if err != nil {
		return badInput(err)
	}
	var slos []runner.SLO
	if f.slo != "" {
		slos, err = runner.ParseSLOs(f.slo)
		if err == nil {
			err = runner.ValidateSLOs(slos, model)
		}
		if err != nil {
			return badInput(err)
		}
	}
	abortRate, abortWindow, err := parseAbort(f.abort)
	if err != nil {
		return badInput(err)
	}
	if model == runner.Open && f.maxInFlight <= 0 {
		return badInput(fmt.Errorf("load: --max-in-flight must be positive"))
	}
	if f.timeout <= 0 {
		return badInput(fmt.Errorf("load: --timeout must be positive"))
	}
	if err := writableDir(f.out); err != nil {
		return badInput(err)
	}
	pc, err := embeddedConfig(cmd, f.path != "", f.defects, f.variants, f.codeTTL)
	if err != nil {
		return badInput(err)
	}
	peak := plan.PeakRate()
	workers := f.maxInFlight
	if model == runner.Closed {
		workers = f.concurrency
	}
	f.targetFlags.clientOptions = []exchange.Option{exchange.WithPool(min(workers, 1024)), exchange.WithTimeout(f.timeout)}
	t, err := a.openTarget(ctx, f.targetFlags, pc)
	if err != nil {
		return err
	}
	defer t.Close()

	times := runner.NewCodeTimes()
	observe := times.Observe
	// --shard: a codes file is a list shared by the shards, each takes its
	// every N-th code; other sources obtain fresh codes on each machine.
	shareCodes := shard != nil && f.staticCode == "" && t.File() != nil && t.File().Codes.Source == codes.SourceFile
	if shard != nil {
		shard.Codes = runner.ShardCodesOwn
		if shareCodes {
			shard.Codes = shard.FileCodes()
		}
	}
	if shareCodes {
		sh := *shard // the prefetcher calls observe from its own goroutines
		observe = func(c codes.Code) {
			if sh.Owns(c) {
				times.Observe(c)
			}
		}
	}
	var src codes.Source
	if f.staticCode != "" {
		src = runner.StaticCodes(f.staticCode, t.RedirectURI)
	} else {
		depth, parallel := pipelineSize(model, peak, f.concurrency)
		// codeParallel (capacity.go): a codes file refuses codes.parallel
		src, err = t.OpenCodes(target.CodeOptions{Prefetch: depth, Parallel: codeParallel(t, parallel), OnObtained: observe})
		if err != nil {
			return badInput(err)
		}
	}
	if shareCodes {
		src = runner.ShardCodes(src, *shard)
	}
	fmt.Fprintf(a.stdout, "tokenbench load: %s, %s model, %s, validate %s\n", t.TokenEndpoint, model, plan, f.validate)
	if shard != nil {
		fmt.Fprintf(a.stdout, "tokenbench load: shard %s: rates divided by %d, %s\n", shard, shard.Count, shard.Codes)
	}
	if f.cpuProfile != "" {
		pf, err := os.Create(f.cpuProfile)
		if err != nil {
			return badInput(fmt.Errorf("load: --cpuprofile: %w", err))
		}
		if err := pprof.StartCPUProfile(pf); err != nil {
			return badInput(fmt.Errorf("load: --cpuprofile: %w", err))
		}
		defer func() { pprof.StopCPUProfile(); pf.Close() }()
	}
	res, runErr := runner.Run(ctx, runner.Config{
		Target: t, Codes: src, Model: model, Plan: plan, Concurrency: f.concurrency, MaxInFlight: f.maxInFlight,
		ValidateFraction: frac, Timeout: f.timeout, Warmup: f.warmup,
		AbortErrorRate: abortRate, AbortWindow: abortWindow, CodeTimes: times,
		Progress: runner.NewProgress(a.stdout, isTerminal(a.stdout), plan, f.concurrency),
		Shard:    shard,
	})
	if res == nil {
		return badInput(runErr)
	}
	res.Tool = runner.Tool{Name: "tokenbench", Version: versionString()}
	res.Config = runner.RunConfig{
		Rate: f.rate, Concurrency: f.concurrency, Stages: f.stages, DurationS: f.duration.Seconds(), Requests: f.requests,
		MaxInFlight: f.maxInFlight, Validate: f.validate, TimeoutS: f.timeout.Seconds(), WarmupS: f.warmup.Seconds(), SLO: f.slo,
	}
	if model == runner.Closed {
		res.Config.MaxInFlight = 0
	}
	res.SLO = runner.Evaluate(slos, res)
	paths, werr := res.WriteFiles(f.out)
	if werr == nil {
		more, err := writeLoadReports(f.out, res)
		paths, werr = append(paths, more...), err
	}
	fmt.Fprintln(a.stdout)
	res.WriteText(a.stdout)
	for _, p := range paths {
		fmt.Fprintf(a.stdout, "results     %s\n", p)
	}
	switch {
	case werr != nil:
		return badInput(fmt.Errorf("load: writing the results: %w", werr))
	case runErr != nil:
		return badInput(fmt.Errorf("load: the code source failed during the run: %w", runErr))
	case res.Interrupted:
		return failed(fmt.Errorf("load: interrupted; the results so far are written and marked interrupted"))
	case res.Aborted != "":
		return failed(fmt.Errorf("load: aborted: %s", res.Aborted))
	case runner.Breached(res.SLO):
		return failed(fmt.Errorf("load: an SLO was breached"))
	}
	return nil
}

// pipelineSize derives the code pipeline's depth (codes ready ahead of the
// schedule) and parallelism (concurrent authorization requests) from the
// peak rate or the concurrency.
func pipelineSize(model string, peak float64, concurrency int) (depth, parallel int) {
	if model == runner.Closed {
		return 2 * concurrency, min(concurrency, 16)
	}
	depth = int(math.Ceil(peak / 4)) // a quarter second of arrivals
	depth = max(8, min(depth, 4096))
	parallel = max(1, min(int(math.Ceil(peak/400)), 16))
	return depth, parallel
}

package main

import (
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/tokenbench/tokenbench/internal/codes"
	"github.com/tokenbench/tokenbench/internal/exchange"
	"github.com/tokenbench/tokenbench/internal/provider"
	"github.com/tokenbench/tokenbench/internal/target"
	"github.com/tokenbench/tokenbench/reports"
	"github.com/tokenbench/tokenbench/runner"
)

type capacityFlags struct {
	targetFlags
	slo             string
	start, factor   float64
	stepDuration    time.Duration
	minRequests     int
	maxStepDuration time.Duration
	max             float64
	maxInFlight     int
	validate        string
	timeout         time.Duration
	warmup          time.Duration
	out             string
	// the embedded provider's switches (no --target)
	defects           string
	codeTTL           time.Duration
	providerCapacity  int
	providerLatency   time.Duration
	providerErrorRate float64
}

// capacityCmd is `tokenbench capacity`.
func (a *app) capacityCmd() *cobra.Command {
	var f capacityFlags
	cmd := &cobra.Command{
		Use:   "capacity",
		Short: "Find the highest arrival rate the token endpoint sustains under an SLO",
		Long: `capacity runs open-model load steps at rising constant rates, from --start,
each --factor higher, and judges each by --slo (latency from the intended
send time, throughput as achieved), until a step breaks it or --max is
reached. Then a confirming step runs midway between the last good and the
first bad rate; if it meets the SLO it is the maximum sustainable rate,
otherwise the last good step is.

Each step lasts --step-duration, longer when needed for --min-requests
samples (a p99 needs about a thousand), at most --max-step-duration, after a
--warmup at its rate that is not measured.

Reports every step (offered rate, achieved throughput, p50/p99, errors, SLO
verdict), the maximum sustainable rate, the knee (the highest offered rate
whose step achieved 95% of it with a p99 within 2x the first steps'), and a
Little's law check per step: the mean number of requests in flight the
engine observed against throughput x mean service time; a mismatch over 25%
is hidden queueing in the load generator. Stops early, and
says so, when the code supply rather than the endpoint limits a step.

Without --target the embedded reference provider is the target; for a demo,
--provider-capacity N serves N token requests at a time (the rest queue) and
--provider-latency D holds each for D: its true capacity is N/D.

Writes DIR/capacity.json (schema tokenbench.capacity/v1, every step's full
load result embedded) and DIR/capacity.html (the report: the maximum
sustainable rate, the capacity curve, latency against offered rate, the
step table), and prints the table.

Exit status: 0 a maximum sustainable rate was found (or the SLO held up to
--max, or the code supply was the limit), 1 no step met the SLO or the
search was interrupted, 2 bad input.`,
		Example: `  tokenbench capacity --provider-capacity 4 --provider-latency 20ms --slo "p99<100ms,error_rate<1%" --start 50
  tokenbench capacity --target preprod.yaml --slo "p99<300ms,error_rate<0.1%" --start 20 --max 2000`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.capacity(cmd, f) },
	}
	f.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&f.slo, "slo", "", `the SLO every step must meet, e.g. "p99<300ms,error_rate<0.1%" (required)`)
	fl.Float64Var(&f.start, "start", runner.DefaultCapacityStart, "the first step's rate, per second")
	fl.Float64Var(&f.factor, "factor", runner.DefaultCapacityFactor, "each step's rate over the previous one's")
	fl.DurationVar(&f.stepDuration, "step-duration", runner.DefaultCapacityStep, "the shortest step")
	fl.IntVar(&f.minRequests, "min-requests", runner.DefaultCapacityMinRequests, "a step lasts long enough for this many requests...")
	fl.DurationVar(&f.maxStepDuration, "max-step-duration", runner.DefaultCapacityMaxStep, "...but at most this long")
	fl.Float64Var(&f.max, "max", 0, "the highest rate to try (default: no limit but the SLO)")
	fl.IntVar(&f.maxInFlight, "max-in-flight", 1000, "at most this many requests at once")
	fl.StringVar(&f.validate, "validate", "all", "validate responses: all, none, or sample:F (a fraction)")
	fl.DurationVar(&f.timeout, "timeout", 10*time.Second, "per request")
	fl.DurationVar(&f.warmup, "warmup", runner.DefaultCapacityWarmup, "sent at each step's rate before it is measured")
	fl.StringVarP(&f.out, "out", "o", "out", "directory for capacity.json and capacity.html")
	fl.StringVar(&f.defects, "defect", "", "embedded provider only: defects, NAME[@FRACTION],...")
	fl.DurationVar(&f.codeTTL, "code-ttl", 30*time.Second, "embedded provider only: authorization code lifetime")
	fl.IntVar(&f.providerCapacity, "provider-capacity", 0, "embedded provider only: serve at most N token requests at once, the rest queue")
	fl.DurationVar(&f.providerLatency, "provider-latency", 0, "embedded provider only: hold each token request this long (service time)")
	fl.Float64Var(&f.providerErrorRate, "provider-error-rate", 0, "embedded provider only: answer this fraction of token requests 503")
	return cmd
}

func (a *app) capacity(cmd *cobra.Command, f capacityFlags) error {
	ctx := cmd.Context()
	if f.slo == "" {
		return badInput(fmt.Errorf("capacity: --slo is required: the steps are judged by it (e.g. --slo \"p99<300ms,error_rate<0.1%%\")"))
	}
	slos, err := runner.ParseSLOs(f.slo)
	if err == nil {
		err = runner.ValidateSLOs(slos, runner.Open)
	}
	if err != nil {
		return badInput(err)
	}
	frac, err := parseValidate(f.validate)
	if err != nil {
		return badInput(fmt.Errorf("capacity: %w", err))
	}
	switch {
	case f.start <= 0 || f.start > runner.MaxRate:
		return badInput(fmt.Errorf("capacity: --start %v: want a rate > 0 and at most %v/s", f.start, runner.MaxRate))
	case f.factor <= 1 || f.factor > 10:
		return badInput(fmt.Errorf("capacity: --factor %v: want a factor > 1 and at most 10", f.factor))
	case f.max != 0 && (f.max < f.start || f.max > runner.MaxRate):
		return badInput(fmt.Errorf("capacity: --max %v: want a rate from --start (%v) to %v/s", f.max, f.start, runner.MaxRate))
	case f.stepDuration <= 0 || f.maxStepDuration < f.stepDuration:
		return badInput(fmt.Errorf("capacity: --step-duration %s and --max-step-duration %s: want a duration > 0 and a maximum no shorter", f.stepDuration, f.maxStepDuration))
	case f.minRequests < 0 || f.maxInFlight <= 0 || f.timeout <= 0 || f.warmup < 0:
		return badInput(fmt.Errorf("capacity: --min-requests, --warmup must not be negative; --max-in-flight and --timeout must be positive"))
	}
	if err := writableDir(f.out); err != nil {
		return badInput(fmt.Errorf("capacity: %w", err))
	}
	var pc provider.Config
	if f.path != "" {
		for _, fl := range []string{"defect", "code-ttl", "provider-capacity", "provider-latency", "provider-error-rate"} {
			if cmd.Flags().Changed(fl) {
				return badInput(fmt.Errorf("capacity: --%s configures the embedded provider and cannot be used with --target", fl))
			}
		}
	} else {
		if pc.Defects, err = provider.ParseDefects(f.defects); err != nil {
			return badInput(err)
		}
		if f.providerCapacity < 0 || f.providerLatency < 0 || f.providerErrorRate < 0 || f.providerErrorRate > 1 {
			return badInput(fmt.Errorf("capacity: --provider-capacity and --provider-latency must not be negative, --provider-error-rate is a fraction from 0 to 1"))
		}
		pc.CodeTTL, pc.Capacity, pc.Latency, pc.ErrorRate = f.codeTTL, f.providerCapacity, f.providerLatency, f.providerErrorRate
	}
	// Size the pipelines for the highest rate the search may reach.
	peak := f.max
	if peak == 0 {
		peak = max(1000, f.start)
	}
	f.targetFlags.clientOptions = []exchange.Option{exchange.WithPool(min(f.maxInFlight, 1024)), exchange.WithTimeout(f.timeout)}
	t, err := a.openTarget(ctx, f.targetFlags, pc)
	if err != nil {
		return err
	}
	defer t.Close()
	times := &runner.StepCodeTimes{}
	depth, parallel := pipelineSize(runner.Open, peak, 0)
	src, err := t.OpenCodes(target.CodeOptions{Prefetch: depth, Parallel: codeParallel(t, parallel), OnObtained: times.Observe})
	if err != nil {
		return badInput(err)
	}
	demo := ""
	if f.path == "" && pc.Capacity > 0 && pc.Latency > 0 {
		demo = fmt.Sprintf(" (embedded provider: %d at a time, %s each: at most %.0f/s)", pc.Capacity, pc.Latency, float64(pc.Capacity)/pc.Latency.Seconds())
	}
	warmup := f.warmup
	if warmup == 0 {
		warmup = -1 // CapacityConfig's "none"; its 0 is the default
	}
	fmt.Fprintf(a.stdout, "tokenbench capacity: %s%s, SLO %s, from %v/s ×%v\n", t.TokenEndpoint, demo, f.slo, f.start, f.factor)
	res, runErr := runner.Capacity(ctx, runner.CapacityConfig{
		Target: t, Codes: src, CodeTimes: times, SLO: f.slo, Start: f.start, Factor: f.factor,
		StepDuration: f.stepDuration, MinRequests: f.minRequests, MaxStepDuration: f.maxStepDuration, Max: f.max,
		MaxInFlight: f.maxInFlight, ValidateFraction: frac, Timeout: f.timeout, Warmup: warmup,
		OnStepStart: func(i int, rate float64, d time.Duration, confirm bool) {
			what := "step"
			if confirm {
				what = "confirming step"
			}
			fmt.Fprintf(a.stdout, "%s %d: %.1f/s for %s ...", what, i+1, rate, d)
		},
		OnStep: func(s runner.CapacityStep) {
			verdict := "pass"
			if !s.Pass {
				verdict = "FAIL"
			}
			fmt.Fprintf(a.stdout, " achieved %.1f/s, p50 %.1f ms, p99 %.1f ms, errors %.2f%%: %s\n", s.ThroughputRPS, s.P50MS, s.P99MS, 100*s.ErrorRate, verdict)
		},
	})
	if res == nil {
		return badInput(runErr)
	}
	res.Tool = runner.Tool{Name: "tokenbench", Version: versionString()}
	for i := range res.Steps {
		res.Steps[i].Result.Tool = res.Tool
	}
	path, werr := res.WriteFiles(f.out)
	htmlPath := filepath.Join(f.out, reports.CapacityHTMLFile)
	herr := a.writeReport(htmlPath, func(w io.Writer) error { return reports.WriteCapacityHTML(w, res) })
	fmt.Fprintln(a.stdout)
	res.WriteText(a.stdout)
	if werr == nil {
		fmt.Fprintf(a.stdout, "results              %s\n", path)
	}
	if herr == nil {
		fmt.Fprintf(a.stdout, "report               %s\n", htmlPath)
	}
	if werr == nil && herr != nil {
		werr = herr
	}
	switch {
	case werr != nil:
		return badInput(fmt.Errorf("capacity: writing the results: %w", werr))
	case runErr != nil:
		return badInput(fmt.Errorf("capacity: the code source failed during the search: %w", runErr))
	case res.Interrupted:
		return failed(fmt.Errorf("capacity: interrupted; the steps so far are written"))
	case res.MaxSustainableStep < 0:
		return failed(fmt.Errorf("capacity: no step met the SLO"))
	}
	return nil
}

// codeParallel is parallel for the code sources that obtain codes
// concurrently (authorize, embedded), else 0: the others (a codes file, a
// command, ...) refuse codes.parallel.
func codeParallel(t *target.Target, parallel int) int {
	if f := t.File(); f != nil {
		switch f.Codes.Source {
		case "", codes.SourceAuthorize, codes.SourceEmbedded:
		default:
			return 0
		}
	}
	return parallel
}

package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tokenbench/tokenbench/internal/exchange"
	"github.com/tokenbench/tokenbench/internal/provider"
	"github.com/tokenbench/tokenbench/reports"
	"github.com/tokenbench/tokenbench/reports/format"
	"github.com/tokenbench/tokenbench/runner"
	"github.com/tokenbench/tokenbench/runner/results"
)

type capacityFlags struct {
	targetFlags
	cfg           runner.CapacityConfig
	validate, out string
	embedded      embeddedFlags
}

// capacityCmd is `tokenbench capacity`.
func (a *app) capacityCmd() *cobra.Command {
	var f capacityFlags
	cmd := &cobra.Command{Use: "capacity", Args: cobra.NoArgs,
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
		RunE: func(cmd *cobra.Command, _ []string) error { return a.capacity(cmd, f) },
	}
	f.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&f.cfg.SLO, "slo", "", `the SLO every step must meet, e.g. "p99<300ms,error_rate<0.1%" (required)`)
	fl.Float64Var(&f.cfg.Start, "start", runner.DefaultCapacityStart, "the first step's rate, per second")
	fl.Float64Var(&f.cfg.Factor, "factor", runner.DefaultCapacityFactor, "each step's rate over the previous one's")
	fl.DurationVar(&f.cfg.StepDuration, "step-duration", runner.DefaultCapacityStep, "the shortest step")
	fl.IntVar(&f.cfg.MinRequests, "min-requests", runner.DefaultCapacityMinRequests, "a step lasts long enough for this many requests...")
	fl.DurationVar(&f.cfg.MaxStepDuration, "max-step-duration", runner.DefaultCapacityMaxStep, "...but at most this long")
	fl.Float64Var(&f.cfg.Max, "max", 0, "the highest rate to try (default: no limit but the SLO)")
	fl.IntVar(&f.cfg.MaxInFlight, "max-in-flight", 1000, fmt.Sprintf("at most this many requests at once (at most %d)", runner.MaxRequestsInFlight))
	fl.StringVar(&f.validate, "validate", "all", "validate responses: all, none, or sample:F (a fraction)")
	fl.DurationVar(&f.cfg.Timeout, "timeout", 10*time.Second, "per request")
	fl.DurationVar(&f.cfg.Warmup, "warmup", runner.DefaultCapacityWarmup, "sent at each step's rate before it is measured")
	fl.StringVarP(&f.out, "out", "o", "out", "directory for capacity.json and capacity.html")
	fl.StringVar(&f.cfg.Grant, "grant", "authorization_code", "the grant to drive: "+strings.Join(runner.Grants(), ", "))
	fl.Float64Var(&f.cfg.ReuseProbes, "reuse-probes", 0.02, "refresh_token: the share of rotations whose rotated-away token is presented again; 0 for none")
	f.embedded.register(cmd, 30*time.Second)
	f.embedded.registerShaping(cmd)
	return cmd
}

// config is the search the flags ask for, validated: --warmup 0 is none.
func (f capacityFlags) config(cmd *cobra.Command) (runner.CapacityConfig, error) {
	cfg := f.cfg
	cfg.Given = given(cmd)
	if cfg.Warmup == 0 {
		cfg.Warmup = -1 // CapacityConfig's "none"; its 0 is the default
	}
	var err error
	if cfg.ValidateFraction, err = runner.ParseValidate(f.validate); err != nil {
		return cfg, err
	}
	return cfg.WithDefaults()
}

func (a *app) capacity(cmd *cobra.Command, f capacityFlags) error {
	cfg, err := f.config(cmd)
	if err != nil {
		return badInput(flagError(cmd, err))
	}
	if err := writableDir(f.out); err != nil {
		return badInput(fmt.Errorf("capacity: %w", err))
	}
	pc, err := f.embedded.config(cmd, f.path != "")
	if err != nil {
		return badInput(err)
	}
	if cfg.Grant != results.GrantAuthorizationCode && f.path == "" && len(pc.Grants) == 0 {
		pc.Grants = []string{cfg.Grant} // the embedded provider serves the grant driven
	}
	f.clientOptions = []exchange.Option{exchange.WithPool(min(cfg.MaxInFlight, 1024)), exchange.WithTimeout(cfg.Timeout)}
	t, err := a.openTarget(cmd.Context(), f.targetFlags, pc)
	if err != nil {
		return err
	}
	defer t.Close()
	t.OutDir = f.out
	cfg.Target = t
	if cfg.Grant != results.GrantClientCredentials { // client credentials need no code
		if cfg.Codes, cfg.CodeTimes, err = cfg.OpenCodes(t); err != nil {
			return badInput(err)
		}
	}
	a.announceCapacity(cfg, pc.Config, f.path == "")
	cfg.OnStepStart, cfg.OnStep = a.stepStart, a.stepDone
	cfg.OnInterrupt = func(r *results.Capacity) {
		// at the first signal: the search so far, written at once
		withTool(r)
		if _, err := reports.WriteCapacity(f.out, r); err == nil {
			fmt.Fprintf(a.stderr, "\ntokenbench: capacity: the steps so far are in %s, marked interrupted; waiting up to %s for the requests in flight\n", f.out, cfg.Timeout)
		}
	}
	res, runErr := runner.Capacity(cmd.Context(), cfg)
	if res == nil {
		return badInput(runErr)
	}
	withTool(res)
	paths, werr := reports.WriteCapacity(f.out, res)
	fmt.Fprintln(a.stdout)
	reports.WriteCapacityText(a.stdout, res)
	for _, p := range paths {
		fmt.Fprintf(a.stdout, "results              %s\n", p)
	}
	if hint := capacityHint(res); hint != "" {
		fmt.Fprintf(a.stdout, "hint                 %s\n", hint)
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

// withTool names this program in a search's result and its steps'.
func withTool(r *results.Capacity) {
	r.Tool = tool()
	for i := range r.Steps {
		r.Steps[i].Result.Tool = r.Tool
	}
}

// announceCapacity prints the search's start.
func (a *app) announceCapacity(cfg runner.CapacityConfig, pc provider.Config, embedded bool) {
	demo := ""
	if embedded && pc.Capacity > 0 && pc.Latency > 0 {
		demo = fmt.Sprintf(" (embedded provider: %d at a time, %s each: at most %.0f/s)", pc.Capacity, pc.Latency, float64(pc.Capacity)/pc.Latency.Seconds())
	}
	fmt.Fprintf(a.stdout, "tokenbench capacity: %s%s, SLO %s, from %v/s ×%v\n", format.Text(cfg.Target.TokenEndpoint), demo, cfg.SLO, cfg.Start, cfg.Factor)
}

// stepStart and stepDone print each step of a search as it runs.
func (a *app) stepStart(i int, rate float64, d time.Duration, confirm bool) {
	what := "step"
	if confirm {
		what = "confirming step"
	}
	fmt.Fprintf(a.stdout, "%s %d: %.1f/s for %s ...", what, i+1, rate, d)
}

func (a *app) stepDone(s results.CapacityStep) {
	verdict := "pass"
	if !s.Pass {
		verdict = "FAIL"
	}
	fmt.Fprintf(a.stdout, " achieved %.1f/s, p50 %.1f ms, p99 %.1f ms, errors %.2f%%: %s\n", s.ThroughputRPS, s.P50MS, s.P99MS, 100*s.ErrorRate, verdict)
}

// capacityHint names the flag to change to search on, when the search
// stopped at one.
func capacityHint(r *results.Capacity) string {
	switch {
	case r.StopReason == results.StopMax:
		return "the SLO held up to --max: raise --max to search higher"
	case r.StopReason == results.StopSLO && r.MaxSustainableStep < 0:
		return "the first step already broke the SLO: give a lower --start"
	}
	return ""
}

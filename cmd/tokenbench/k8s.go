package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/tokenbench/tokenbench/internal/k8s"
	"github.com/tokenbench/tokenbench/reports"
	"github.com/tokenbench/tokenbench/runner"
)

// k8sCmd is "tokenbench k8s": a load run split across the pods of a
// Kubernetes Indexed Job.
func (a *app) k8sCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "k8s", Args: cobra.NoArgs,
		Short: "Run a load split across Kubernetes pods: the manifest, and the merge's wait",
		Long: `k8s writes a load run split into N shards as Kubernetes objects (manifest),
and waits, inside the merge pod, for the shards' results (wait). The
whole flow with kubectl is in docs/kubernetes.md.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_ = cmd.Help()
			return badInput(fmt.Errorf("k8s: give a command: manifest or wait"))
		},
	}
	cmd.AddCommand(a.k8sManifestCmd(), a.k8sWaitCmd())
	return cmd
}

// k8sLoadFlags are the load flags the manifest passes on to the shards.
var k8sLoadFlags = []string{"rate", "concurrency", "duration", "stages", "max-in-flight", "validate", "timeout", "warmup", "abort-on-error-rate", "grant", "reuse-probes"}

type k8sManifestFlags struct {
	k8s.Settings
	load runner.LoadSettings
}

func (a *app) k8sManifestCmd() *cobra.Command {
	var f k8sManifestFlags
	cmd := &cobra.Command{Use: "manifest", Args: cobra.NoArgs,
		Short: "Print the Kubernetes objects of a load run split into N shards, with one verdict",
		Long: `manifest prints, ready for kubectl apply, a load run split into --shards N:

  - a ConfigMap with the target file (its paths pointing into the pod), the
    profile file and the target's certificates;
  - a PersistentVolumeClaim for the results (ReadWriteMany, --results-volume-size),
    unless --results-pvc names one of yours;
  - an Indexed Job of N pods (completions = parallelism = N, backoffLimit 0,
    restartPolicy Never), pod I running
      tokenbench load --shard auto --start-at TIME ... --out /results/RUN/I
    that is 1/N of the load, every pod starting at TIME (--start-in from now);
  - a merge Job whose init container waits for the N results on the volume
    (tokenbench k8s wait) and which then runs
      tokenbench report merge /results/RUN --slo EXPR
    writing load.json, load.html and load.md of the whole run: its exit status
    is the run's verdict.

Secrets are never in the manifest: the shards read the client secret (and any
variable the target names, and its private key or codes files) from the Secret
--secret names; the comment at the top says how to create it. Pods run as a
non-root user on a read-only root file system, with no privilege, no
capability and no service account token, with CPU and memory requests and
limits.`,
		Example: `  tokenbench k8s manifest --shards 4 --target preprod.yaml --rate 2000 --duration 5m \
      --slo "p99<300ms,error_rate<0.1%" --image registry.example/tokenbench:v1 > run.yaml
  kubectl apply -f run.yaml`,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.k8sManifest(cmd, f) },
	}
	fl := cmd.Flags()
	fl.IntVar(&f.Shards, "shards", 0, "N: pods that each run 1/N of the load (required)")
	fl.StringVarP(&f.Target, "target", "t", "", "target file (required): the provider the shards share")
	fl.StringVarP(&f.Profile, "profile", "p", "", "profile name or file (default: the target's, else bankid)")
	fl.Float64Var(&f.load.Rate, "rate", 0, "open model: arrivals per second of the whole run, divided among the shards (default 50)")
	fl.IntVar(&f.load.Concurrency, "concurrency", 0, "closed model: workers of the whole run, divided among the shards")
	fl.DurationVar(&f.load.Duration, "duration", 0, "how long to send (default 10s unless --stages)")
	fl.StringVar(&f.load.Stages, "stages", "", `open model stages of the whole run: "30s@500,ramp:60s@500-2000"`)
	fl.IntVar(&f.load.MaxInFlight, "max-in-flight", 1000, "open model: at most this many requests at once, per shard")
	fl.StringVar(&f.load.Validate, "validate", "all", "validate responses: all, none, or sample:F")
	fl.DurationVar(&f.load.Timeout, "timeout", 10*time.Second, "per request")
	fl.DurationVar(&f.load.Warmup, "warmup", 0, "send at the first stage's rate this long before measuring")
	fl.StringVar(&f.load.AbortOnErrorRate, "abort-on-error-rate", "", `stop a shard whose error rate over a window exceeds a threshold, e.g. "50%/10s" (the run fails)`)
	fl.StringVar(&f.load.Grant, "grant", "authorization_code", "the grant each shard drives: "+strings.Join(runner.Grants(), ", ")+" (refresh_token: each shard keeps its own chains)")
	fl.Float64Var(&f.load.ReuseProbes, "reuse-probes", 0.02, "refresh_token: the share of rotations whose rotated-away token is presented again; 0 for none")
	fl.StringVar(&f.SLO, "slo", "", `SLOs judged by the merge on the merged histograms, e.g. "p99<300ms,error_rate<0.1%,throughput>=95%"`)
	fl.StringVar(&f.Image, "image", "tokenbench:"+imageTag(versionString()), "the tokenbench container image (make image builds it)")
	fl.StringVarP(&f.Namespace, "namespace", "n", "", "namespace of the objects (default: kubectl's)")
	fl.StringVar(&f.Name, "name", k8s.DefaultName, "the objects' names start with NAME-START_TIME")
	fl.StringVar(&f.Secret, "secret", k8s.DefaultName, "the Secret the shards read the client secret (and the target's other secrets) from")
	fl.DurationVar(&f.StartIn, "start-in", k8s.DefaultStartIn, "the shards start together this long from now: time to apply and for the pods to start")
	fl.StringVar(&f.ResultsPVC, "results-pvc", "", "an existing PersistentVolumeClaim for the results (ReadWriteMany when the pods spread over nodes)")
	fl.StringVar(&f.ResultsVolumeSize, "results-volume-size", "", "size of the ReadWriteMany claim the manifest makes for the results (default 1Gi)")
	fl.StringVar(&f.StorageClass, "storage-class", "", "storage class of that claim (one that offers ReadWriteMany; default: the cluster's)")
	fl.StringVar(&f.CPU, "cpu", k8s.DefaultCPU, "CPU request and limit of each shard pod")
	fl.StringVar(&f.Memory, "memory", k8s.DefaultMemory, "memory request and limit of each shard pod")
	return cmd
}

func (a *app) k8sManifest(cmd *cobra.Command, f k8sManifestFlags) error {
	ls := f.load
	ls.Shard, ls.SLO = fmt.Sprintf("1/%d", max(f.Shards, 1)), f.SLO
	job, err := runner.NewLoad(ls) // the load, the SLOs, and that the load divides among the shards
	if err != nil {
		return badInput(flagError(cmd, shardsError(err, f.Shards)))
	}
	f.Load = changedFlags(cmd.Flags(), k8sLoadFlags)
	f.RunLength = job.Config.Plan.Duration() + job.Config.Warmup
	f.Timeout = job.Config.Timeout
	m, err := k8s.New(f.Settings)
	if err != nil {
		return badInput(flagError(cmd, k8sError(err)))
	}
	for _, w := range m.Warnings {
		fmt.Fprintf(a.stderr, "tokenbench: warning: %s\n", w)
	}
	return m.WriteYAML(a.stdout)
}

// changedFlags are the flags of names given on the command line, as
// arguments to pass on.
func changedFlags(fs *pflag.FlagSet, names []string) []string {
	var out []string
	for _, n := range names {
		if fl := fs.Lookup(n); fl != nil && fl.Changed {
			out = append(out, "--"+n, fl.Value.String())
		}
	}
	return out
}

// shardsError names --shards for the shard the manifest checks the load
// with (runner's Shard setting).
func shardsError(err error, shards int) error {
	var se *runner.SettingError
	if errors.As(err, &se) && se.Setting == "Shard" {
		return &runner.SettingError{Setting: "Shards", Value: strconv.Itoa(shards), Reason: se.Reason}
	}
	return err
}

// k8sError is a k8s.SettingError as the runner's, which flagError names
// by its flag.
func k8sError(err error) error {
	var ke *k8s.SettingError
	if errors.As(err, &ke) {
		v := ke.Value
		if _, err := strconv.Atoi(v); err != nil && v != "" {
			v = strconv.Quote(v)
		}
		return &runner.SettingError{Setting: ke.Setting, Value: v, Reason: ke.Reason}
	}
	return err
}

// imageTag makes a version a container image tag: [A-Za-z0-9_.-], at most
// 128 characters.
func imageTag(v string) string {
	t := strings.Map(func(r rune) rune {
		if r == '_' || r == '.' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			return r
		}
		return '-'
	}, v)
	if len(t) > 128 {
		t = t[:128]
	}
	return t
}

func (a *app) k8sWaitCmd() *cobra.Command {
	var (
		dir, until string
		shards     int
		poll       time.Duration
	)
	cmd := &cobra.Command{Use: "wait", Args: cobra.NoArgs,
		Short: "Wait for the results of a run's shards on the results volume (the merge pod's init container)",
		Long: `wait polls DIR for the load.json of each of --shards N shards (shard I+1 in
DIR/I, as the shards' --out writes them), each read whole as a load result,
and returns when all are there, when --until passes, or two minutes after a
result says its shard was interrupted (the shards' Job failed and stopped its
pods). It needs no Kubernetes API access: the volume is all it reads.

It prints each shard as its result arrives and, when it stops early, the
shards still missing; the merge that follows merges those there are, names the
missing ones and fails.

Exit status: 0 (all there, or the waiting is over), 2 bad input.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			at, err := time.Parse(time.RFC3339, until)
			switch {
			case err != nil:
				return badInput(fmt.Errorf("k8s wait: --until %q: not an RFC 3339 time such as 2026-12-04T17:25:00Z", until))
			case shards < 1 || shards > k8s.MaxShards:
				return badInput(fmt.Errorf("k8s wait: --shards %d: want 1 to %d", shards, k8s.MaxShards))
			case dir == "":
				return badInput(fmt.Errorf("k8s wait: --results: give the run's results directory"))
			}
			fmt.Fprintf(a.stdout, "tokenbench k8s wait: %d shards' results under %s, until %s\n", shards, dir, at.UTC().Format(time.RFC3339))
			r, err := k8s.Wait(cmd.Context(), k8s.WaitConfig{Dir: dir, Shards: shards, Until: at, Poll: poll, Log: a.stdout,
				Read: func(p string) (bool, error) {
					f, err := reports.ReadFile(p)
					if err != nil || f.Load == nil {
						return false, fmt.Errorf("not a complete load result")
					}
					return f.Load.Interrupted, nil
				}})
			if err != nil {
				return failed(fmt.Errorf("k8s wait: %w", err))
			}
			if r.Why == "" {
				fmt.Fprintf(a.stdout, "tokenbench k8s wait: all %d shards' results are there\n", shards)
				return nil
			}
			fmt.Fprintf(a.stdout, "tokenbench k8s wait: %s; %d of %d results there, missing shard %s: the merge goes ahead with those there are, names the missing and fails\n",
				r.Why, len(r.Done), shards, r.MissingText(dir, shards))
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "results", "", "the run's results directory (shard I+1 in DIR/I)")
	cmd.Flags().IntVar(&shards, "shards", 0, "N: the shards to wait for")
	cmd.Flags().StringVar(&until, "until", "", "stop waiting at this time (RFC 3339)")
	cmd.Flags().DurationVar(&poll, "poll", 5*time.Second, "between looks")
	return cmd
}

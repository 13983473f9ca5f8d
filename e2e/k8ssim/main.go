// Command k8ssim runs a distributed load run as 'tokenbench k8s manifest'
// writes it, without a cluster: make k8s-sim.
//
//	k8ssim -tokenbench bin/tokenbench -work out/k8s-sim [-shards 4 -rate 2000 -duration 20s]
//
// It starts one reference provider (tokenbench serve --fast, a separate
// process the shards share), has tokenbench write the manifest for it, and
// plays the pods from the manifest itself: the ConfigMap's files under
// WORK/pod/etc/tokenbench, the results volume at WORK/results, a Secret with
// the client secret. Each shard pod's container runs as a process with the
// pod's arguments and environment (JOB_COMPLETION_INDEX set as the Job
// controller sets it, the Secret's keys where the manifest names them); the
// merge pod's init container (k8s wait) runs beside them, its container
// (report merge --slo) after it.
//
// Then it checks, exactly and whatever the machine's speed:
//   - every shard exited 0, the wait saw all N results, and the merge's exit
//     status is the verdict of the merged load.json, which load.html shows
//     once;
//   - the merged counts are the sums of the shards' (requests, ok, errors,
//     and the requests of the per-second intervals);
//   - the merged percentiles (p50, p90, p99, p99.9, max) of the latency and
//     the service time equal those of one histogram holding every sample:
//     every shard's per-second histograms (recorded apart from its summary)
//     recorded into one;
//   - the merged result names its N shards, each with the common start time.
//
// A slow machine changes the figures (late sends, a late start, a lower
// throughput), which it prints, never the checks. Exit 0 when every check
// holds, 1 otherwise, 2 when the run could not be set up.
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"
)

func main() {
	var c config
	flag.StringVar(&c.tb, "tokenbench", "bin/tokenbench", "the tokenbench binary")
	flag.StringVar(&c.work, "work", "out/k8s-sim", "work directory (emptied first)")
	flag.IntVar(&c.shards, "shards", 4, "shards")
	flag.StringVar(&c.rate, "rate", "2000", "arrivals per second of the whole run")
	flag.StringVar(&c.duration, "duration", "20s", "how long")
	flag.StringVar(&c.slo, "slo", "error_rate<1%", "the SLOs the merge judges")
	flag.StringVar(&c.startIn, "start-in", "15s", "the manifest's --start-in: time for the shard processes to come up")
	flag.Parse()
	code, err := run(c)
	if err != nil {
		fmt.Fprintf(os.Stderr, "k8ssim: %v\n", err)
	}
	os.Exit(code)
}

type config struct {
	tb, work, rate, duration, slo, startIn string
	shards                                 int
}

func run(c config) (int, error) {
	tb, err := filepath.Abs(c.tb)
	if err != nil {
		return 2, err
	}
	c.tb = tb
	if err := os.RemoveAll(c.work); err != nil {
		return 2, err
	}
	if err := os.MkdirAll(c.work, 0o755); err != nil {
		return 2, err
	}
	secret := randomHex()
	stop, err := serve(c, secret)
	if err != nil {
		return 2, err
	}
	defer stop()

	out, err := exec.Command(c.tb, "k8s", "manifest", "--shards", fmt.Sprint(c.shards), "--target", filepath.Join(c.work, "target.yaml"),
		"--rate", c.rate, "--duration", c.duration, "--validate", "none", "--slo", c.slo, "--start-in", c.startIn, "--name", "sim").Output()
	if err != nil {
		return 2, fmt.Errorf("k8s manifest: %w", stderrOf(err))
	}
	if err := os.WriteFile(filepath.Join(c.work, "manifest.yaml"), out, 0o644); err != nil {
		return 2, err
	}
	m, err := decode(out)
	if err != nil {
		return 2, err
	}
	fmt.Printf("k8ssim: manifest %s: %d shards (%s), merge: %s; playing the pods\n", m.run, m.completions, strings.Join(m.shard.Args, " "), strings.Join(m.merge.Args, " "))
	p := &pods{c: c, m: m, secret: map[string]string{"TOKENBENCH_CLIENT_SECRET": secret}}
	if err := p.lay(); err != nil {
		return 2, err
	}
	r, err := p.play()
	if err != nil {
		return 2, err
	}
	return check(c, m, p, r), nil
}

// serve starts the reference provider the shards share and returns how to
// stop it (by its PID).
func serve(c config, secret string) (func(), error) {
	cmd := exec.Command(c.tb, "serve", "--fast", "--write-target", filepath.Join(c.work, "target.yaml"))
	cmd.Env = append(baseEnv(), "TOKENBENCH_CLIENT_SECRET="+secret)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	log, err := os.Create(filepath.Join(c.work, "serve.log"))
	if err != nil {
		return nil, err
	}
	cmd.Stderr = log
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	stop := func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
		}
		log.Close()
	}
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		ok := false
		for sc.Scan() {
			fmt.Fprintln(log, sc.Text())
			if strings.HasPrefix(sc.Text(), "target ") && !ok {
				ok = true
				ready <- true
			}
		}
		if !ok {
			ready <- false
		}
	}()
	select {
	case ok := <-ready:
		if ok {
			return stop, nil
		}
	case <-time.After(30 * time.Second):
	}
	stop()
	return nil, errors.New("tokenbench serve did not write its target (see serve.log)")
}

// manifest is what the simulation reads from the manifest.
type manifest struct {
	run         string
	configData  map[string]string
	completions int
	shard       container
	wait, merge container
	startAt     string
	secretName  string
}

type container struct {
	Name string   `yaml:"name"`
	Args []string `yaml:"args"`
	Env  []struct {
		Name      string `yaml:"name"`
		Value     string `yaml:"value"`
		ValueFrom *struct {
			FieldRef *struct {
				FieldPath string `yaml:"fieldPath"`
			} `yaml:"fieldRef"`
			SecretKeyRef *struct {
				Name string `yaml:"name"`
				Key  string `yaml:"key"`
			} `yaml:"secretKeyRef"`
		} `yaml:"valueFrom"`
	} `yaml:"env"`
}

type document struct {
	Kind     string `yaml:"kind"`
	Metadata struct {
		Name   string            `yaml:"name"`
		Labels map[string]string `yaml:"labels"`
	} `yaml:"metadata"`
	Data map[string]string `yaml:"data"`
	Spec struct {
		CompletionMode string `yaml:"completionMode"`
		Completions    int    `yaml:"completions"`
		Template       struct {
			Spec struct {
				InitContainers []container `yaml:"initContainers"`
				Containers     []container `yaml:"containers"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

func decode(b []byte) (*manifest, error) {
	m := &manifest{}
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	for {
		var d document
		err := dec.Decode(&d)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("the manifest: %w", err)
		}
		switch {
		case d.Kind == "ConfigMap":
			m.configData, m.run = d.Data, d.Metadata.Name
		case d.Kind == "Job" && d.Spec.CompletionMode == "Indexed" && len(d.Spec.Template.Spec.Containers) == 1:
			m.completions, m.shard = d.Spec.Completions, d.Spec.Template.Spec.Containers[0]
		case d.Kind == "Job" && len(d.Spec.Template.Spec.InitContainers) == 1 && len(d.Spec.Template.Spec.Containers) == 1:
			m.wait, m.merge = d.Spec.Template.Spec.InitContainers[0], d.Spec.Template.Spec.Containers[0]
		}
	}
	for i, a := range m.shard.Args {
		if a == "--start-at" && i+1 < len(m.shard.Args) {
			m.startAt = m.shard.Args[i+1]
		}
	}
	if m.run == "" || m.completions == 0 || m.merge.Name == "" || m.startAt == "" {
		return nil, errors.New("the manifest lacks its ConfigMap, shard Job, merge Job or start time")
	}
	return m, nil
}

func randomHex() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// baseEnv is what every process inherits: enough to run, nothing of ours.
func baseEnv() []string {
	var env []string
	for _, k := range []string{"PATH", "HOME", "TMPDIR", "GOCOVERDIR"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}

func stderrOf(err error) error {
	var ee *exec.ExitError
	if errors.As(err, &ee) && len(ee.Stderr) > 0 {
		return fmt.Errorf("%w: %s", err, strings.TrimSpace(string(ee.Stderr)))
	}
	return err
}

// pods plays the manifest's pods as processes.
type pods struct {
	c      config
	m      *manifest
	secret map[string]string
	root   string // the pods' file system: WORK/pod stands for /
}

// outcome is what the pods did.
type outcome struct {
	shardCodes []int
	waitCode   int
	waitOut    string
	mergeCode  int
	mergeOut   string
}

// lay writes the ConfigMap's files where the pods mount it, in the pods'
// file system, and makes the results volume.
func (p *pods) lay() error {
	// Absolute, as the pods' paths are: a relative root would be read
	// relative to the target file's own directory a second time.
	root, err := filepath.Abs(filepath.Join(p.c.work, "pod"))
	if err != nil {
		return err
	}
	p.root = root
	dir := filepath.Join(p.root, "etc", "tokenbench")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for k, v := range p.m.configData {
		if err := os.WriteFile(filepath.Join(dir, k), []byte(p.path(v)), 0o644); err != nil {
			return err
		}
	}
	return os.MkdirAll(filepath.Join(p.root, "results"), 0o755)
}

// path maps the pods' absolute paths (/etc/tokenbench, /results) into
// their file system.
func (p *pods) path(s string) string {
	for _, d := range []string{"/etc/tokenbench", "/results"} {
		s = strings.ReplaceAll(s, d, filepath.Join(p.root, d))
	}
	return s
}

var ref = regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)

// command is a container of the manifest as a process: its environment as
// the kubelet makes it (the Job controller's completion index, the
// Secret's keys), its $(VAR) arguments expanded, its paths in the pods'
// file system.
func (p *pods) command(c container, index int) (*exec.Cmd, error) {
	env := map[string]string{}
	var list []string
	for _, e := range c.Env {
		v := e.Value
		switch {
		case e.ValueFrom != nil && e.ValueFrom.FieldRef != nil && strings.Contains(e.ValueFrom.FieldRef.FieldPath, "job-completion-index"):
			v = fmt.Sprint(index)
		case e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil:
			s, ok := p.secret[e.ValueFrom.SecretKeyRef.Key]
			if !ok {
				return nil, fmt.Errorf("container %s: the Secret has no key %q", c.Name, e.ValueFrom.SecretKeyRef.Key)
			}
			v = s
		case e.ValueFrom != nil:
			return nil, fmt.Errorf("container %s: env %s from a source the simulation does not know", c.Name, e.Name)
		}
		env[e.Name] = v
		list = append(list, e.Name+"="+v)
	}
	args := make([]string, len(c.Args))
	for i, a := range c.Args {
		args[i] = p.path(ref.ReplaceAllStringFunc(a, func(m string) string {
			if v, ok := env[m[2:len(m)-1]]; ok {
				return v
			}
			return m
		}))
	}
	cmd := exec.Command(p.c.tb, args...)
	cmd.Env = append(baseEnv(), list...)
	return cmd, nil
}

// play runs the shards and the merge's init container at once, as the two
// Jobs would, then the merge.
func (p *pods) play() (*outcome, error) {
	r := &outcome{shardCodes: make([]int, p.m.completions)}
	var wg sync.WaitGroup
	start := func(c container, index int, log string, code *int, out *string) error {
		cmd, err := p.command(c, index)
		if err != nil {
			return err
		}
		f, err := os.Create(filepath.Join(p.c.work, log))
		if err != nil {
			return err
		}
		var b strings.Builder
		cmd.Stdout, cmd.Stderr = io.MultiWriter(f, &b), io.MultiWriter(f, &b)
		if err := cmd.Start(); err != nil {
			f.Close()
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer f.Close()
			*code = exitCode(cmd.Wait())
			if out != nil {
				*out = b.String()
			}
		}()
		return nil
	}
	for i := range p.m.completions {
		if err := start(p.m.shard, i, fmt.Sprintf("shard-%d.log", i), &r.shardCodes[i], nil); err != nil {
			return nil, err
		}
	}
	if err := start(p.m.wait, 0, "merge-wait.log", &r.waitCode, &r.waitOut); err != nil {
		return nil, err
	}
	wg.Wait()
	if r.waitCode != 0 {
		return r, nil // an init container that fails stops the pod
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd, err := p.command(p.m.merge, 0)
	if err != nil {
		return nil, err
	}
	cmd = exec.CommandContext(ctx, cmd.Path, cmd.Args[1:]...)
	cmd.Env = baseEnv() // the merge container has no env of its own
	b, err := cmd.CombinedOutput()
	r.mergeCode, r.mergeOut = exitCode(err), string(b)
	return r, os.WriteFile(filepath.Join(p.c.work, "merge.log"), b, 0o644)
}

func exitCode(err error) int {
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitCode()
	}
	return -1
}

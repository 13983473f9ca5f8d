package k8s

import (
	"bytes"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Manifest is a distributed run as Kubernetes objects, ready to apply.
type Manifest struct {
	Run     string    // the run's name: every object's name starts with it
	StartAt time.Time // when every shard starts (load --start-at)
	// Until is when the merge stops waiting for the shards' results and
	// merges what there is (naming the missing shards).
	Until       time.Time
	Namespace   string
	Secret      string
	SecretEnv   []string     // environment variables the shards read from the Secret
	SecretFiles []SecretFile // files the shards read from the Secret
	Warnings    []string     // what the user should know about the target, said once
	ResultsPVC  string       // the claim the results go to

	config    configMap
	claim     *persistentVolumeClaim // when the manifest makes the claim
	shards    job
	merge     job
	resultDir string // the run's directory on the results volume
}

// Object names and labels.
const (
	labelName      = "app.kubernetes.io/name"
	labelInstance  = "app.kubernetes.io/instance"
	labelComponent = "app.kubernetes.io/component"
	// indexAnnotation is where the Job controller puts a pod's completion
	// index; IndexEnv is read from it.
	indexAnnotation = "metadata.annotations['batch.kubernetes.io/job-completion-index']"
	nonRoot         = 65532 // the distroless nonroot user and group
)

// New validates s and renders the run's objects: a ConfigMap with the
// target and profile files, a results claim (unless s.ResultsPVC names
// one), the shards' Indexed Job and the merge Job.
func New(s Settings) (*Manifest, error) {
	s, err := s.withDefaults()
	if err != nil {
		return nil, err
	}
	sh, err := shipTarget(s.Target, s.Profile)
	if err != nil {
		return nil, err
	}
	start := s.Now().Add(s.StartIn).UTC().Truncate(time.Second)
	m := &Manifest{
		Run: s.Name + "-" + start.Format("20060102-150405"), StartAt: start, Until: start.Add(s.RunLength + MergeGrace),
		Namespace: s.Namespace, Secret: s.Secret, SecretEnv: sh.env, SecretFiles: sh.secretFiles, Warnings: sh.warnings,
		ResultsPVC: s.ResultsPVC,
	}
	m.resultDir = path.Join(ResultsDir, m.Run)
	m.config = configMap{APIVersion: "v1", Kind: "ConfigMap", Metadata: m.meta(m.Run, "config"), Data: sh.data}
	if m.ResultsPVC == "" {
		m.ResultsPVC = m.Run + "-results"
		m.claim = &persistentVolumeClaim{APIVersion: "v1", Kind: "PersistentVolumeClaim", Metadata: m.meta(m.ResultsPVC, "results"),
			Spec: pvcSpec{AccessModes: []string{"ReadWriteMany"}, StorageClassName: s.StorageClass,
				Resources: resources{Requests: map[string]string{"storage": s.ResultsVolumeSize}}}}
	}
	m.shards = m.shardJob(s, sh)
	m.merge = m.mergeJob(s)
	return m, nil
}

func (m *Manifest) meta(name, component string) objectMeta {
	return objectMeta{Name: name, Namespace: m.Namespace, Labels: m.labels(component)}
}

func (m *Manifest) labels(component string) map[string]string {
	return map[string]string{labelName: "tokenbench", labelInstance: m.Run, labelComponent: component}
}

// deadline is a Job's activeDeadlineSeconds: from its creation (now, or a
// little later) to until, with room for the pods to start.
func deadline(s Settings, until time.Time) int64 {
	return int64(until.Sub(s.Now()).Seconds()) + int64(MergeGrace.Seconds())
}

// shardJob is the Indexed Job whose pod I runs shard I+1/N of the load.
func (m *Manifest) shardJob(s Settings, sh *shipped) job {
	args := []string{"load", "--target", path.Join(ConfigDir, targetKey)}
	if sh.profileArg != "" {
		args = append(args, "--profile", sh.profileArg)
	}
	args = append(args, s.Load...)
	args = append(args, "--shard", "auto", "--start-at", m.StartAt.Format(time.RFC3339), "--out", path.Join(m.resultDir, "$("+IndexEnv+")"))
	env := []envVar{
		{Name: IndexEnv, ValueFrom: &envSource{FieldRef: &fieldRef{FieldPath: indexAnnotation}}},
		{Name: CountEnv, Value: strconv.Itoa(s.Shards)},
	}
	for _, name := range m.SecretEnv {
		env = append(env, envVar{Name: name, ValueFrom: &envSource{SecretKeyRef: &secretKeyRef{Name: m.Secret, Key: name}}})
	}
	mounts := []volumeMount{{Name: "config", MountPath: ConfigDir, ReadOnly: true}, {Name: "results", MountPath: ResultsDir}, {Name: "tmp", MountPath: "/tmp"}}
	vols := []volume{{Name: "config", ConfigMap: &configMapVolume{Name: m.Run}}, m.resultsVolume(), tmpVolume()}
	if len(m.SecretFiles) > 0 {
		sv := &secretVolume{SecretName: m.Secret, DefaultMode: 0o440}
		for _, f := range m.SecretFiles {
			sv.Items = append(sv.Items, keyToPath{Key: f.Key, Path: f.Key})
		}
		mounts = append(mounts, volumeMount{Name: "secret", MountPath: SecretDir, ReadOnly: true})
		vols = append(vols, volume{Name: "secret", Secret: sv})
	}
	c := m.container("load", s.Image, args, s.CPU, s.Memory, mounts)
	c.Env = env
	pod := m.pod("shard", []container{c}, vols)
	pod.Spec.TerminationGracePeriodSeconds = int64(s.Timeout.Seconds()) + 30 // an interrupted shard writes its results
	pod.Spec.TopologySpreadConstraints = []topologySpreadConstraint{{MaxSkew: 1, TopologyKey: "kubernetes.io/hostname", WhenUnsatisfiable: "ScheduleAnyway",
		LabelSelector: labelSelector{MatchLabels: map[string]string{labelInstance: m.Run, labelComponent: "shard"}}}}
	return job{APIVersion: "batch/v1", Kind: "Job", Metadata: m.meta(m.Run+"-shards", "shard"), Spec: jobSpec{
		CompletionMode: "Indexed", Completions: s.Shards, Parallelism: s.Shards, BackoffLimit: 0,
		ActiveDeadlineSeconds: deadline(s, m.StartAt.Add(s.RunLength)), Template: pod}}
}

// mergeJob is the Job that waits for the shards' results (an init
// container polling the results volume until Until) and merges them with
// the SLOs: its exit status is the run's verdict.
func (m *Manifest) mergeJob(s Settings) job {
	mounts := []volumeMount{{Name: "results", MountPath: ResultsDir}, {Name: "tmp", MountPath: "/tmp"}}
	wait := m.container("wait", s.Image, []string{"k8s", "wait", "--results", m.resultDir, "--shards", strconv.Itoa(s.Shards), "--until", m.Until.Format(time.RFC3339)}, "100m", "64Mi", mounts)
	args := []string{"report", "merge", m.resultDir}
	if s.SLO != "" {
		args = append(args, "--slo", s.SLO)
	}
	args = append(args, "-o", path.Join(m.resultDir, "merged", "load.json"))
	merge := m.container("merge", s.Image, args, "500m", "512Mi", mounts)
	pod := m.pod("merge", []container{merge}, []volume{m.resultsVolume(), tmpVolume()})
	pod.Spec.InitContainers = []container{wait}
	pod.Spec.TerminationGracePeriodSeconds = 30
	return job{APIVersion: "batch/v1", Kind: "Job", Metadata: m.meta(m.Run+"-merge", "merge"), Spec: jobSpec{
		CompletionMode: "NonIndexed", Completions: 1, Parallelism: 1, BackoffLimit: 0,
		ActiveDeadlineSeconds: deadline(s, m.Until), Template: pod}}
}

// container runs tokenbench with args as a non-root user on a read-only
// root file system, with no privilege and no capability.
func (m *Manifest) container(name, image string, args []string, cpu, memory string, mounts []volumeMount) container {
	q := map[string]string{"cpu": cpu, "memory": memory}
	return container{Name: name, Image: image, ImagePullPolicy: "IfNotPresent", Args: args,
		Resources:       resources{Requests: q, Limits: map[string]string{"cpu": cpu, "memory": memory}},
		SecurityContext: containerSecurityContext{RunAsNonRoot: true, ReadOnlyRootFilesystem: true, Capabilities: capabilities{Drop: []string{"ALL"}}},
		VolumeMounts:    mounts}
}

// pod is a pod template that never restarts a container, mounts no service
// account token (tokenbench talks to no Kubernetes API) and runs as the
// image's non-root user.
func (m *Manifest) pod(component string, cs []container, vols []volume) podTemplate {
	return podTemplate{Metadata: objectMeta{Labels: m.labels(component)}, Spec: podSpec{
		RestartPolicy: "Never", AutomountServiceAccountToken: false,
		SecurityContext: podSecurityContext{RunAsNonRoot: true, RunAsUser: nonRoot, RunAsGroup: nonRoot, FSGroup: nonRoot, SeccompProfile: seccompProfile{Type: "RuntimeDefault"}},
		Containers:      cs, Volumes: vols}}
}

func (m *Manifest) resultsVolume() volume {
	return volume{Name: "results", PersistentVolumeClaim: &pvcVolume{ClaimName: m.ResultsPVC}}
}

func tmpVolume() volume { return volume{Name: "tmp", EmptyDir: &emptyDirVolume{SizeLimit: "64Mi"}} }

// WriteYAML writes the manifest: a comment saying how to run it (the
// Secret to create first, apply, watch, the verdict), then the objects as
// YAML documents.
func (m *Manifest) WriteYAML(w io.Writer) error {
	var b bytes.Buffer
	for _, line := range m.Instructions() {
		b.WriteString(strings.TrimRight("# "+line, " ") + "\n")
	}
	objs := []any{m.config}
	if m.claim != nil {
		objs = append(objs, m.claim)
	}
	objs = append(objs, m.shards, m.merge)
	for _, o := range objs {
		b.WriteString("---\n")
		enc := yaml.NewEncoder(&b)
		enc.SetIndent(2)
		if err := enc.Encode(o); err != nil {
			return fmt.Errorf("k8s: %w", err)
		}
		if err := enc.Close(); err != nil {
			return fmt.Errorf("k8s: %w", err)
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

// Instructions say how to run the manifest, with its names filled in.
func (m *Manifest) Instructions() []string {
	ns := ""
	if m.Namespace != "" {
		ns = " -n " + m.Namespace
	}
	lines := []string{
		fmt.Sprintf("tokenbench k8s manifest: run %s, %d shards starting together at %s.", m.Run, m.shards.Spec.Completions, m.StartAt.Format(time.RFC3339)),
		"",
		"1. The Secret the shards read (this file never holds a secret), created once:",
		"     kubectl create secret generic " + m.Secret + ns + " \\",
	}
	var parts []string
	for _, e := range m.SecretEnv {
		parts = append(parts, "       --from-literal="+e+"=...")
	}
	for _, f := range m.SecretFiles {
		parts = append(parts, fmt.Sprintf("       --from-file=%s=%s", f.Key, f.Path))
	}
	for i, p := range parts {
		if i < len(parts)-1 {
			p += " \\"
		}
		lines = append(lines, p)
	}
	lines = append(lines,
		"2. Apply before the start time (a shard that starts later says so in the report):",
		"     kubectl apply"+ns+" -f THIS_FILE",
		"3. Watch:",
		fmt.Sprintf("     kubectl get jobs,pods%s -l %s=%s -w", ns, labelInstance, m.Run),
		fmt.Sprintf("4. The verdict is the merge Job's, by %s at the latest (Complete: every SLO met; Failed: one breached,", m.Until.Format(time.RFC3339)),
		"   a shard missing or interrupted), and its log has the merged summary:",
		fmt.Sprintf("     kubectl get job%s %s-merge -w", ns, m.Run),
		fmt.Sprintf("     kubectl logs%s job/%s-merge -c merge", ns, m.Run),
		fmt.Sprintf("5. The reports (load.json, load.html, load.md) are on the claim %s under %s/merged:", m.ResultsPVC, strings.TrimPrefix(m.resultDir, ResultsDir+"/")),
		"   see docs/kubernetes.md, \"Fetch the reports\".",
	)
	for _, w := range m.Warnings {
		lines = append(lines, "", "WARNING: "+w)
	}
	return lines
}

package k8s

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/yaml"

	"github.com/tokenbench/tokenbench/internal/target"
)

// now is the clock of the tests: the run starts StartIn after it.
var now = time.Date(2026, 12, 4, 17, 19, 0, 0, time.UTC)

// fixture writes a target file that names every kind of file and
// secret the manifest handles, and a profile file.
func fixture(t *testing.T) (dir, tgt, profile string) {
	t.Helper()
	dir = t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("ca.pem", "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n")
	write("client.pem", "-----BEGIN CERTIFICATE-----\nCLIENT\n-----END CERTIFICATE-----\n")
	write("client-key.pem", "-----BEGIN PRIVATE KEY-----\nSECRET-KEY-MATERIAL\n-----END PRIVATE KEY-----\n")
	write("codes.jsonl", `{"code":"SECRET-CODE-1"}`+"\n")
	profile = write("acme.yaml", "name: acme\nextends: bankid\n")
	tgt = write("preprod.yaml", `issuer: https://idp.example
client: {id: loadtest, secret_env: IDP_SECRET, key_file: client-key.pem}
second_client: {id: other, secret_env: IDP_SECRET_2, cert_file: client.pem, cert_key_file: client-key.pem}
redirect_uri: https://client.example/cb
tls:
  ca_file: `+filepath.Join(dir, "ca.pem")+`
  cert_file: `+filepath.Join(dir, "client.pem")+`
  key_file: `+filepath.Join(dir, "client-key.pem")+`
codes:
  source: file
  path: codes.jsonl
  headers: {X-Session: "env:IDP_SESSION", X-Trace: "on"}
expect: {code_lifetime: 30s}
`)
	return dir, tgt, profile
}

// settings are a 4-shard run of the fixture.
func settings(tgt, profile string) Settings {
	return Settings{Shards: 4, Target: tgt, Profile: profile, Load: []string{"--rate", "2000", "--duration", "20s"}, RunLength: 20 * time.Second,
		SLO: "p99<300ms,error_rate<0.1%", Image: "registry.example/tokenbench:v1", Namespace: "loadtest", Now: func() time.Time { return now }}
}

// objects decodes the manifest's documents strictly into the Kubernetes
// API types: a field the API does not have, or a value of the wrong type,
// fails here.
type objects struct {
	config *corev1.ConfigMap
	claim  *corev1.PersistentVolumeClaim
	jobs   map[string]*batchv1.Job // by component
	yaml   string
}

func decodeManifest(t *testing.T, m *Manifest) objects {
	t.Helper()
	var b bytes.Buffer
	if err := m.WriteYAML(&b); err != nil {
		t.Fatal(err)
	}
	o := objects{jobs: map[string]*batchv1.Job{}, yaml: b.String()}
	docs := strings.Split(b.String(), "\n---\n")
	for _, doc := range docs[1:] {
		var head struct{ Kind string }
		if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
			t.Fatal(err)
		}
		var obj any
		switch head.Kind {
		case "ConfigMap":
			o.config = new(corev1.ConfigMap)
			obj = o.config
		case "PersistentVolumeClaim":
			o.claim = new(corev1.PersistentVolumeClaim)
			obj = o.claim
		case "Job":
			obj = new(batchv1.Job)
		default:
			t.Fatalf("a document of kind %q:\n%s", head.Kind, doc)
		}
		err := decodeStrict([]byte(doc), obj)
		if j, ok := obj.(*batchv1.Job); ok && err == nil {
			o.jobs[j.Labels["app.kubernetes.io/component"]] = j
		}
		if err != nil {
			t.Fatalf("%s does not decode strictly into the Kubernetes API type: %v\n%s", head.Kind, err, doc)
		}
	}
	return o
}

// decodeStrict decodes doc into obj, an API type: a field the type does
// not have, a value of the wrong type, or a field named in another case
// than the API's is an error.
func decodeStrict(doc []byte, obj any) error {
	if err := yaml.UnmarshalStrict(doc, obj); err != nil {
		return err
	}
	return exactCase(doc, obj)
}

// exactCase reports a field of doc that names an API field in another
// case (restartpolicy for restartPolicy): the strict decode takes it,
// since encoding/json matches names case-insensitively, but the API
// server does not. It compares doc's keys with those of typed encoded
// again; a key the API type omits when empty has no counterpart and is
// not judged.
func exactCase(doc []byte, typed any) error {
	var orig any
	if err := yaml.Unmarshal(doc, &orig); err != nil {
		return err
	}
	b, err := yaml.Marshal(typed)
	if err != nil {
		return err
	}
	var again any
	if err := yaml.Unmarshal(b, &again); err != nil {
		return err
	}
	return sameKeys("", orig, again)
}

func sameKeys(path string, orig, again any) error {
	switch o := orig.(type) {
	case map[string]any:
		a, _ := again.(map[string]any)
		for k, v := range o {
			if av, ok := a[k]; ok {
				if err := sameKeys(path+"."+k, v, av); err != nil {
					return err
				}
				continue
			}
			for ak := range a {
				if strings.EqualFold(ak, k) {
					return fmt.Errorf("field %s%s is %q in the API", path, "."+k, ak)
				}
			}
		}
	case []any:
		a, _ := again.([]any)
		for i := range min(len(o), len(a)) {
			if err := sameKeys(fmt.Sprintf("%s[%d]", path, i), o[i], a[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

func TestManifest(t *testing.T) {
	t.Parallel()
	dir, tgt, profile := fixture(t)
	m, err := New(settings(tgt, profile))
	if err != nil {
		t.Fatal(err)
	}
	o := decodeManifest(t, m)
	const run = "tokenbench-20261204-172000"
	startAt := "2026-12-04T17:20:00Z"
	if m.Run != run || m.StartAt.Format(time.RFC3339) != startAt || m.Until != m.StartAt.Add(20*time.Second+MergeGrace) {
		t.Fatalf("run %q starting %s until %s", m.Run, m.StartAt, m.Until)
	}
	labels := map[string]string{"app.kubernetes.io/name": "tokenbench", "app.kubernetes.io/instance": run}

	// The ConfigMap: the target with its paths in the pod, the profile,
	// the certificates; no secret.
	cm := o.config
	if cm == nil || cm.Name != run || cm.Namespace != "loadtest" || cm.Kind != "ConfigMap" || cm.APIVersion != "v1" || !hasLabels(cm.Labels, labels) {
		t.Fatalf("config map %+v", cm)
	}
	if got := mapKeys(cm.Data); !slices.Equal(got, []string{"ca.pem", "client.crt", "profile.yaml", "second-client-tls.crt", "target.yaml"}) {
		t.Errorf("config map keys %v", got)
	}
	shipped := filepath.Join(t.TempDir(), "target.yaml")
	if err := os.WriteFile(shipped, []byte(cm.Data["target.yaml"]), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := target.Load(shipped) // the shards' target loads strictly, as tokenbench reads it
	if err != nil {
		t.Fatalf("the shipped target: %v\n%s", err, cm.Data["target.yaml"])
	}
	if f.TLS.CAFile != "/etc/tokenbench/ca.pem" || f.TLS.CertFile != "/etc/tokenbench/client.crt" || f.TLS.KeyFile != "/etc/tokenbench/secret/tls.key" ||
		f.Codes.Path != "/etc/tokenbench/secret/codes.jsonl" || f.Profile != "/etc/tokenbench/profile.yaml" || f.Client.SecretEnv != "IDP_SECRET" ||
		f.Client.Secret != "" || f.Client.KeyFile != "/etc/tokenbench/secret/client.key" || f.SecondClient.CertFile != "/etc/tokenbench/second-client-tls.crt" ||
		f.SecondClient.CertKeyFile != "/etc/tokenbench/secret/second-client-tls.key" || f.Expect.CodeLifetime.D() != 30*time.Second || f.Codes.Headers["X-Session"] != "env:IDP_SESSION" || f.Issuer != "https://idp.example" {
		t.Errorf("the shipped target: %+v", f)
	}
	if cm.Data["ca.pem"] == "" || cm.Data["profile.yaml"] != "name: acme\nextends: bankid\n" {
		t.Errorf("config map files %q", cm.Data)
	}
	for _, secret := range []string{"SECRET-KEY-MATERIAL", "SECRET-CODE-1"} {
		if strings.Contains(o.yaml, secret) {
			t.Errorf("the manifest holds %q, a secret", secret)
		}
	}

	// The results claim.
	pvc := o.claim
	if pvc == nil || pvc.Name != run+"-results" || !slices.Equal(pvc.Spec.AccessModes, []corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany}) ||
		!pvc.Spec.Resources.Requests.Storage().Equal(resource.MustParse("1Gi")) || pvc.Spec.StorageClassName != nil {
		t.Errorf("claim %+v", pvc)
	}

	// The shards: an Indexed Job of N pods, pod I running shard I+1/N.
	sh := o.jobs["shard"]
	if sh == nil {
		t.Fatalf("no shard job in\n%s", o.yaml)
	}
	js := sh.Spec
	if sh.Name != run+"-shards" || sh.Namespace != "loadtest" || js.CompletionMode == nil || *js.CompletionMode != batchv1.IndexedCompletion ||
		js.Completions == nil || *js.Completions != 4 || js.Parallelism == nil || *js.Parallelism != 4 || js.BackoffLimit == nil || *js.BackoffLimit != 0 ||
		js.ActiveDeadlineSeconds == nil || *js.ActiveDeadlineSeconds != 60+20+300 {
		t.Errorf("shard job: completionMode %s, completions %s, parallelism %s, backoffLimit %s, activeDeadlineSeconds %s; want Indexed, 4, 4, 0, 380",
			show(js.CompletionMode), show(js.Completions), show(js.Parallelism), show(js.BackoffLimit), show(js.ActiveDeadlineSeconds))
	}
	pod := js.Template.Spec
	checkPod(t, "shard", pod, labels, js.Template.Labels)
	if len(pod.Containers) != 1 || len(pod.InitContainers) != 0 {
		t.Fatalf("shard pod containers %+v", pod.Containers)
	}
	load := pod.Containers[0]
	wantArgs := []string{"load", "--target", "/etc/tokenbench/target.yaml", "--profile", "/etc/tokenbench/profile.yaml", "--rate", "2000", "--duration", "20s",
		"--shard", "auto", "--start-at", startAt, "--out", "/results/" + run + "/$(JOB_COMPLETION_INDEX)"}
	if load.Image != "registry.example/tokenbench:v1" || !slices.Equal(load.Args, wantArgs) || len(load.Command) != 0 {
		t.Errorf("shard container: image %q, args %q\nwant %q", load.Image, load.Args, wantArgs)
	}
	checkResources(t, "shard", load, "1", "512Mi")
	env := map[string]corev1.EnvVar{}
	for _, e := range load.Env {
		env[e.Name] = e
	}
	if e := env["JOB_COMPLETION_INDEX"]; e.ValueFrom == nil || e.ValueFrom.FieldRef == nil || e.ValueFrom.FieldRef.FieldPath != "metadata.annotations['batch.kubernetes.io/job-completion-index']" {
		t.Errorf("JOB_COMPLETION_INDEX %+v", e)
	}
	if e := env["TOKENBENCH_SHARD_COUNT"]; e.Value != "4" {
		t.Errorf("TOKENBENCH_SHARD_COUNT %+v", e)
	}
	for _, name := range []string{"IDP_SECRET", "IDP_SECRET_2", "IDP_SESSION"} {
		if e := env[name]; e.Value != "" || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil || e.ValueFrom.SecretKeyRef.Name != "tokenbench" || e.ValueFrom.SecretKeyRef.Key != name {
			t.Errorf("%s is not read from the Secret: %+v", name, e)
		}
	}
	if len(env) != 5 || !slices.Equal(m.SecretEnv, []string{"IDP_SECRET", "IDP_SECRET_2", "IDP_SESSION"}) {
		t.Errorf("env %v, secret env %v", mapKeys(env), m.SecretEnv)
	}
	vols := volumes(pod)
	if v := vols["config"]; v.ConfigMap == nil || v.ConfigMap.Name != run {
		t.Errorf("config volume %+v", v)
	}
	if v := vols["secret"]; v.Secret == nil || v.Secret.SecretName != "tokenbench" || v.Secret.DefaultMode == nil || *v.Secret.DefaultMode != 0o440 ||
		!slices.Equal(v.Secret.Items, []corev1.KeyToPath{{Key: "tls.key", Path: "tls.key"}, {Key: "codes.jsonl", Path: "codes.jsonl"},
			{Key: "client.key", Path: "client.key"}, {Key: "second-client-tls.key", Path: "second-client-tls.key"}}) {
		t.Errorf("secret volume %+v", v)
	}
	if v := vols["results"]; v.PersistentVolumeClaim == nil || v.PersistentVolumeClaim.ClaimName != run+"-results" {
		t.Errorf("results volume %+v", v)
	}
	if mounts := mountPaths(load); mounts["/etc/tokenbench"] != "config" || mounts["/etc/tokenbench/secret"] != "secret" || mounts["/results"] != "results" || mounts["/tmp"] != "tmp" {
		t.Errorf("shard mounts %v", mounts)
	}
	if !slices.Equal(mapKeysOf(m.SecretFiles), []string{"tls.key", "codes.jsonl", "client.key", "second-client-tls.key"}) || m.SecretFiles[1].Path != filepath.Join(dir, "codes.jsonl") ||
		m.SecretFiles[2].Path != filepath.Join(dir, "client-key.pem") || m.SecretFiles[2].Field != "client.key_file" {
		t.Errorf("secret files %+v", m.SecretFiles)
	}

	// The merge: waits for the N results, merges with the SLOs.
	mj := o.jobs["merge"]
	if mj == nil {
		t.Fatalf("no merge job in\n%s", o.yaml)
	}
	ms := mj.Spec
	if mj.Name != run+"-merge" || ms.Completions == nil || *ms.Completions != 1 || ms.Parallelism == nil || *ms.Parallelism != 1 ||
		ms.BackoffLimit == nil || *ms.BackoffLimit != 0 || ms.ActiveDeadlineSeconds == nil || *ms.ActiveDeadlineSeconds != 60+20+300+300 {
		t.Errorf("merge job: completions %s, parallelism %s, backoffLimit %s, activeDeadlineSeconds %s; want 1, 1, 0, 680",
			show(ms.Completions), show(ms.Parallelism), show(ms.BackoffLimit), show(ms.ActiveDeadlineSeconds))
	}
	mpod := ms.Template.Spec
	checkPod(t, "merge", mpod, labels, ms.Template.Labels)
	if len(mpod.InitContainers) != 1 || len(mpod.Containers) != 1 {
		t.Fatalf("merge pod: init %+v, containers %+v", mpod.InitContainers, mpod.Containers)
	}
	wait, merge := mpod.InitContainers[0], mpod.Containers[0]
	if want := []string{"k8s", "wait", "--results", "/results/" + run, "--shards", "4", "--until", "2026-12-04T17:25:20Z"}; !slices.Equal(wait.Args, want) {
		t.Errorf("wait args %q, want %q", wait.Args, want)
	}
	if want := []string{"report", "merge", "/results/" + run, "--slo", "p99<300ms,error_rate<0.1%", "-o", "/results/" + run + "/merged/load.json"}; !slices.Equal(merge.Args, want) {
		t.Errorf("merge args %q, want %q", merge.Args, want)
	}
	checkResources(t, "wait", wait, "100m", "64Mi")
	checkResources(t, "merge", merge, "500m", "512Mi")
	for _, c := range []corev1.Container{wait, merge} {
		if c.Image != load.Image || mountPaths(c)["/results"] != "results" || len(c.Env) != 0 {
			t.Errorf("%s: image %q, mounts %v, env %+v", c.Name, c.Image, mountPaths(c), c.Env)
		}
	}
	if v := volumes(mpod)["results"]; v.PersistentVolumeClaim == nil || v.PersistentVolumeClaim.ClaimName != run+"-results" || len(mpod.Volumes) != 2 {
		t.Errorf("merge volumes %+v", mpod.Volumes)
	}

	// The instructions: the Secret with its keys, never a value.
	head := strings.Join(m.Instructions(), "\n")
	for _, want := range []string{"kubectl create secret generic tokenbench -n loadtest", "--from-literal=IDP_SECRET=...", "--from-literal=IDP_SESSION=...",
		"--from-file=tls.key=" + filepath.Join(dir, "client-key.pem"), "--from-file=client.key=" + filepath.Join(dir, "client-key.pem"),
		"kubectl apply -n loadtest -f", "job/" + run + "-merge"} {
		if !strings.Contains(head, want) || !strings.Contains(o.yaml, want) {
			t.Errorf("the instructions lack %q:\n%s", want, head)
		}
	}
}

// checkPod checks what every pod of the manifest has: never restarted, no
// service account token, non-root, read-only root file system, no
// privilege or capability, the run's labels.
func checkPod(t *testing.T, what string, pod corev1.PodSpec, want, got map[string]string) {
	t.Helper()
	if !hasLabels(got, want) {
		t.Errorf("%s pod labels %v", what, got)
	}
	sc := pod.SecurityContext
	if pod.RestartPolicy != corev1.RestartPolicyNever || pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken ||
		sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.RunAsUser == nil || *sc.RunAsUser == 0 || sc.FSGroup == nil ||
		sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("%s pod: restartPolicy %q, automountServiceAccountToken %s, securityContext %+v", what, pod.RestartPolicy, show(pod.AutomountServiceAccountToken), sc)
	}
	for _, c := range append(slices.Clone(pod.InitContainers), pod.Containers...) {
		cs := c.SecurityContext
		if cs == nil || cs.RunAsNonRoot == nil || !*cs.RunAsNonRoot || cs.ReadOnlyRootFilesystem == nil || !*cs.ReadOnlyRootFilesystem ||
			cs.AllowPrivilegeEscalation == nil || *cs.AllowPrivilegeEscalation || cs.Capabilities == nil || !slices.Equal(cs.Capabilities.Drop, []corev1.Capability{"ALL"}) {
			t.Errorf("%s container %s: runAsNonRoot %s, readOnlyRootFilesystem %s, allowPrivilegeEscalation %s, capabilities %+v; want true, true, false, drop ALL",
				what, c.Name, show(cs.RunAsNonRoot), show(cs.ReadOnlyRootFilesystem), show(cs.AllowPrivilegeEscalation), cs.Capabilities)
		}
		if c.ImagePullPolicy != corev1.PullIfNotPresent {
			t.Errorf("%s container %s: pull policy %q", what, c.Name, c.ImagePullPolicy)
		}
	}
}

// show is a field the API type holds as a pointer, as YAML would say it.
func show[T any](p *T) string {
	if p == nil {
		return "(not set)"
	}
	return fmt.Sprint(*p)
}

func checkResources(t *testing.T, what string, c corev1.Container, cpu, memory string) {
	t.Helper()
	for _, rl := range []corev1.ResourceList{c.Resources.Requests, c.Resources.Limits} {
		if !rl.Cpu().Equal(resource.MustParse(cpu)) || !rl.Memory().Equal(resource.MustParse(memory)) {
			t.Errorf("%s resources %+v, want cpu %s and memory %s requested and limited", what, c.Resources, cpu, memory)
		}
	}
}

func volumes(pod corev1.PodSpec) map[string]corev1.Volume {
	out := map[string]corev1.Volume{}
	for _, v := range pod.Volumes {
		out[v.Name] = v
	}
	return out
}

func mountPaths(c corev1.Container) map[string]string {
	out := map[string]string{}
	for _, m := range c.VolumeMounts {
		out[m.MountPath] = m.Name
	}
	return out
}

func hasLabels(got, want map[string]string) bool {
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

func mapKeys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func mapKeysOf(fs []SecretFile) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Key)
	}
	return out
}

// With --results-pvc the manifest claims nothing and mounts the claim
// named; a storage class goes into the claim it makes.
func TestManifestResultsVolume(t *testing.T) {
	t.Parallel()
	_, tgt, _ := fixture(t)
	s := settings(tgt, "")
	s.ResultsPVC = "shared-results"
	m, err := New(s)
	if err != nil {
		t.Fatal(err)
	}
	o := decodeManifest(t, m)
	if o.claim != nil {
		t.Errorf("a claim made although --results-pvc names one: %+v", o.claim)
	}
	for _, j := range o.jobs {
		if v := volumes(j.Spec.Template.Spec)["results"]; v.PersistentVolumeClaim == nil || v.PersistentVolumeClaim.ClaimName != "shared-results" {
			t.Errorf("%s results volume %+v", j.Name, v)
		}
	}
	if args := o.jobs["shard"].Spec.Template.Spec.Containers[0].Args; slices.Contains(args, "--profile") {
		t.Errorf("no --profile given, the target's own stands: %q", args)
	}
	s = settings(tgt, "oidc")
	s.ResultsVolumeSize, s.StorageClass, s.SLO = "20Gi", "nfs-client", ""
	m, err = New(s)
	if err != nil {
		t.Fatal(err)
	}
	o = decodeManifest(t, m)
	if c := o.claim; c == nil || c.Spec.StorageClassName == nil || *c.Spec.StorageClassName != "nfs-client" || !c.Spec.Resources.Requests.Storage().Equal(resource.MustParse("20Gi")) {
		t.Errorf("claim %+v", c)
	}
	if args := o.jobs["merge"].Spec.Template.Spec.Containers[0].Args; slices.Contains(args, "--slo") {
		t.Errorf("no SLO given: %q", args)
	}
	if args := o.jobs["shard"].Spec.Template.Spec.Containers[0].Args; !slices.Contains(args, "oidc") || strings.Contains(o.config.Data["target.yaml"], "profile:") {
		t.Errorf("a shipped profile by name: %q", args)
	}
}

func TestManifestRefuses(t *testing.T) {
	t.Parallel()
	dir, tgt, _ := fixture(t)
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	head := "issuer: https://idp.example\nredirect_uri: https://c.example/cb\n"
	// a FIFO with no writer: reading it would block for ever
	fifo := filepath.Join(dir, "ca.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name    string
		edit    func(*Settings)
		setting string
		want    string
	}{
		{"no shards", func(s *Settings) { s.Shards = 0 }, "Shards", "want 1 to 1000"},
		{"no target", func(s *Settings) { s.Target = "" }, "Target", "needs a target file"},
		{"no length", func(s *Settings) { s.RunLength = 0 }, "Duration", "give --duration or --stages"},
		{"start too soon", func(s *Settings) { s.StartIn = time.Second }, "StartIn", "want 10s to 24h"},
		{"a bad name", func(s *Settings) { s.Name = "Load_Test" }, "Name", "lower-case letters"},
		{"a long name", func(s *Settings) { s.Name = strings.Repeat("a", 31) }, "Name", "at most 30"},
		{"a bad namespace", func(s *Settings) { s.Namespace = "a.b" }, "Namespace", "not a Kubernetes namespace"},
		{"both volumes", func(s *Settings) { s.ResultsPVC, s.ResultsVolumeSize = "r", "1Gi" }, "ResultsVolumeSize", "not both"},
		{"a class for a claim of yours", func(s *Settings) { s.ResultsPVC, s.StorageClass = "r", "nfs" }, "StorageClass", "goes with --results-volume-size"},
		{"a bad size", func(s *Settings) { s.ResultsVolumeSize = "1 GB" }, "ResultsVolumeSize", "not a size"},
		{"a bad cpu", func(s *Settings) { s.CPU = "two" }, "CPU", "not a CPU quantity"},
		{"a bad image", func(s *Settings) { s.Image = "a b" }, "Image", "not a container image"},
		{"an unknown profile", func(s *Settings) { s.Profile = "nosuch" }, "Profile", `unknown profile "nosuch"`},
		{"a profile extending a file", func(s *Settings) { s.Profile = write("p2.yaml", "name: p2\nextends: ./acme.yaml\n") }, "Profile", "which the pods would not have"},
		{"a literal secret", func(s *Settings) {
			s.Target = write("t1.yaml", head+"client: {id: c, secret: hunter2}\n")
		}, "Target", "client.secret: a literal secret would be in the manifest"},
		{"a literal cookie", func(s *Settings) {
			s.Target = write("t2.yaml", head+"client: {id: c, secret_env: S}\ncodes: {cookies: {sid: abc}}\n")
		}, "Target", "codes.cookies.sid: a session cookie"},
		{"a literal authorization header", func(s *Settings) {
			s.Target = write("t3.yaml", head+"client: {id: c, secret_env: S}\ncodes: {headers: {authorization: Basic eA==}}\n")
		}, "Target", "codes.headers.authorization: a credential"},
		{"the embedded source", func(s *Settings) {
			s.Target = write("t4.yaml", head+"client: {id: c, secret_env: S}\ncodes: {source: embedded}\n")
		}, "Target", "a provider the shards share"},
		{"a missing CA file", func(s *Settings) {
			s.Target = write("t5.yaml", head+"client: {id: c, secret_env: S}\ntls: {ca_file: /nonexistent/ca.pem}\n")
		}, "Target", "tls.ca_file"},
		{"a target that does not load", func(s *Settings) { s.Target = write("t6.yaml", "issuer: [\n") }, "Target", "target file"},
		{"a FIFO as the CA file", func(s *Settings) {
			s.Target = write("t7.yaml", head+"client: {id: c, secret_env: S}\ntls: {ca_file: "+fifo+"}\n")
		}, "Target", "tls.ca_file: " + fifo + " is a named pipe (FIFO), not a regular file"},
		{"a device as the CA file", func(s *Settings) {
			s.Target = write("t8.yaml", head+"client: {id: c, secret_env: S}\ntls: {ca_file: /dev/zero}\n")
		}, "Target", "tls.ca_file: /dev/zero is a device, not a regular file"},
		{"a device as the client key", func(s *Settings) {
			s.Target = write("t9.yaml", head+"client: {id: c, secret_env: S, key_file: /dev/zero}\n")
		}, "Target", "client.key_file: /dev/zero is a device, not a regular file"},
	} {
		s := settings(tgt, "")
		tt.edit(&s)
		_, err := New(s)
		var se *SettingError
		if !errors.As(err, &se) || se.Setting != tt.setting || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want a %s error with %q", tt.name, err, tt.setting, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s: the error shows the secret: %v", tt.name, err)
		}
	}
}

// A target on loopback, a command source and literal form fields are
// warned about: the manifest is still written.
func TestManifestWarnings(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tgt := filepath.Join(dir, "t.yaml")
	body := "issuer: http://127.0.0.1:8080\nredirect_uri: http://127.0.0.1:9/cb\nclient: {id: c, secret_env: S}\ncodes:\n  source: form\n  form: {fields: {username: alice, password_env: PW, otp: \"env:OTP\"}}\n"
	if err := os.WriteFile(tgt, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	s := settings(tgt, "")
	m, err := New(s)
	if err != nil {
		t.Fatal(err)
	}
	w := strings.Join(m.Warnings, "\n")
	if !strings.Contains(w, "is on loopback") || !strings.Contains(w, "codes.form.fields username are written in the target file") || !slices.Equal(m.SecretEnv, []string{"S", "OTP", "PW"}) {
		t.Errorf("warnings %q, secret env %v", m.Warnings, m.SecretEnv)
	}
	decodeManifest(t, m)

	body = "issuer: https://idp.example\nredirect_uri: https://c.example/cb\nclient: {id: c, secret_env: S}\ncodes:\n  source: browser\n  browser:\n    steps:\n      - fill: {\"#user\": alice, \"#pw\": \"env:LOGIN_PW\"}\n      - click: \"#go\"\n"
	if err := os.WriteFile(tgt, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	if m, err = New(s); err != nil {
		t.Fatal(err)
	}
	if w := strings.Join(m.Warnings, "\n"); !strings.Contains(w, "drives Chromium") || !slices.Equal(m.SecretEnv, []string{"S", "LOGIN_PW"}) {
		t.Errorf("browser: warnings %q, secret env %v", m.Warnings, m.SecretEnv)
	}
	o := decodeManifest(t, m)
	if err := os.WriteFile(tgt, []byte(o.config.Data["target.yaml"]), 0o600); err != nil {
		t.Fatal(err)
	}
	if f, err := target.Load(tgt); err != nil || len(f.Codes.Browser.Steps) != 2 || f.Codes.Browser.Steps[0].Fields[1].Value != "env:LOGIN_PW" {
		t.Errorf("the shipped browser target: %v %+v", err, f)
	}
}

func TestShardFromEnv(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		index, count, want, err string
	}{
		{"0", "4", "1/4", ""}, {"3", "4", "4/4", ""}, {" 1 ", "2", "2/2", ""},
		{"", "4", "", "$JOB_COMPLETION_INDEX is not set"}, {"0", "", "", "$TOKENBENCH_SHARD_COUNT is not set"},
		{"-1", "4", "", "not a whole number of at least 0"}, {"0", "0", "", "not a whole number of at least 1"}, {"4", "4", "", "indexes 0 to 3"},
	} {
		got, err := ShardFromEnv(func(k string) string {
			return map[string]string{IndexEnv: tt.index, CountEnv: tt.count}[k]
		})
		if got != tt.want || (err == nil) != (tt.err == "") || err != nil && !strings.Contains(err.Error(), tt.err) {
			t.Errorf("%q of %q: %q, %v; want %q, %q", tt.index, tt.count, got, err, tt.want, tt.err)
		}
	}
}

// Every field of the target file that names a file on this machine is
// placed by the manifest (into the ConfigMap, or the Secret when it holds
// a secret): a new one (a client's private key file, say) fails here until
// shipTarget handles it, rather than reaching the pods as a path they do
// not have.
func TestManifestPlacesEveryFileField(t *testing.T) {
	t.Parallel()
	placed := map[string]string{
		"tls.ca_file": "ConfigMap", "tls.cert_file": "ConfigMap", "tls.key_file": "Secret", "codes.path": "Secret",
		"client.key_file": "Secret", "client.cert_file": "ConfigMap", "client.cert_key_file": "Secret",
		"second_client.key_file": "Secret", "second_client.cert_file": "ConfigMap", "second_client.cert_key_file": "Secret",
		"dpop.key_file":            "Secret",
		"codes.browser.executable": "a program in the image (warned: the image has no Chromium)",
		"profile":                  "ConfigMap when a file",
	}
	var found []string
	var walk func(prefix string, t reflect.Type)
	walk = func(prefix string, typ reflect.Type) {
		for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice {
			typ = typ.Elem()
		}
		if typ.Kind() != reflect.Struct {
			return
		}
		for i := range typ.NumField() {
			f := typ.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if name == "" || name == "-" {
				continue
			}
			if strings.HasSuffix(name, "_file") || name == "path" || name == "executable" || name == "profile" || strings.HasSuffix(name, "_dir") {
				found = append(found, prefix+name)
			}
			walk(prefix+name+".", f.Type)
		}
	}
	walk("", reflect.TypeOf(target.File{}))
	for _, f := range found {
		if _, ok := placed[f]; !ok {
			t.Errorf("the target file's field %s names a file the manifest does not place (ConfigMap, or the Secret for a secret): handle it in shipTarget", f)
		}
	}
	if len(found) < len(placed) {
		t.Errorf("found only %v of the file fields %v: has the target file changed?", found, placed)
	}
}

// TestDecodeStrict: the manifest tests' decode refuses what the API server
// would, including a field whose name differs only in case.
func TestDecodeStrict(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, doc, want string
	}{
		{"valid", "spec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: a\n        imagePullPolicy: IfNotPresent\n", ""},
		{"unknown field", "spec:\n  template:\n    spec:\n      restartPolicyy: Never\n", "unknown field"},
		{"case only", "spec:\n  template:\n    spec:\n      restartpolicy: Never\n", `"restartPolicy" in the API`},
		{"case only in a list", "spec:\n  template:\n    spec:\n      containers:\n      - name: a\n        imagepullpolicy: IfNotPresent\n", `"imagePullPolicy" in the API`},
		{"wrong type", "spec:\n  completions: many\n", "cannot unmarshal"},
	} {
		err := decodeStrict([]byte(tt.doc), new(batchv1.Job))
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: error %v, want one containing %q", tt.name, err, tt.want)
		}
	}
}

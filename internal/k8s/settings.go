package k8s

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
)

// SettingError is a setting out of range, or at odds with another. Setting
// names it as the field of Settings does ("Shards", "ResultsPVC"), so that
// the command can name its flag.
type SettingError struct {
	Setting string
	Value   string // as given; "" when beside the point
	Reason  string
}

func (e *SettingError) Error() string {
	s := "k8s: " + e.Setting
	if e.Value != "" {
		s += fmt.Sprintf(" %q", e.Value)
	}
	return s + ": " + e.Reason
}

// Settings are a distributed load run's settings as given; New validates
// them and applies the defaults. Zero values are "not given".
type Settings struct {
	Shards  int    // N: pods of the Indexed Job, each running 1/N of the load
	Target  string // the target file
	Profile string // a shipped profile or a profile file; "" for the target's
	// Load are the shards' load flags besides --target, --profile,
	// --shard, --start-at and --out, validated by the caller (runner.NewLoad
	// with the shard 1/N), e.g. --rate 2000 --duration 20s.
	Load []string
	// RunLength is how long a shard runs once started, warm-up included:
	// with StartIn it sets when the merge stops waiting.
	RunLength time.Duration
	SLO       string // judged by the merge on the merged histograms; "" for none
	Image     string // default DefaultImage
	Namespace string // "" for kubectl's current namespace
	Name      string // the objects' names start with it (default "tokenbench")
	Secret    string // the Secret the shards read (default "tokenbench")
	// StartIn is how long after Now the shards start (default 60s): the time
	// to apply the manifest and for the pods to come up.
	StartIn time.Duration
	// ResultsPVC is an existing claim for the results (ReadWriteMany, so
	// that pods on several nodes write it); else the manifest claims
	// ResultsVolumeSize (default 1Gi) of StorageClass (default the cluster's).
	ResultsPVC        string
	ResultsVolumeSize string
	StorageClass      string
	CPU, Memory       string        // each shard pod's requests and limits (default 1 CPU, 512Mi)
	Timeout           time.Duration // the shards' --timeout (default 10s), for the grace on termination
	Now               func() time.Time
}

// Defaults.
const (
	DefaultName    = "tokenbench"
	DefaultStartIn = 60 * time.Second
	DefaultVolume  = "1Gi"
	DefaultCPU     = "1"
	DefaultMemory  = "512Mi"
	MaxShards      = 1000
	// MergeGrace is how long after the shards' planned end the merge
	// waits for their results before it merges what there is.
	MergeGrace = 5 * time.Minute
	maxName    = 30 // a run's name adds 16 characters, its objects a few more, pods' hostnames the index: 63 in all
)

var (
	dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	quantity = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$`)
)

// withDefaults validates s and fills in the defaults.
func (s Settings) withDefaults() (Settings, error) {
	if s.Now == nil {
		s.Now = time.Now
	}
	s.Name = or(s.Name, DefaultName)
	s.Secret = or(s.Secret, DefaultName)
	s.CPU, s.Memory = or(s.CPU, DefaultCPU), or(s.Memory, DefaultMemory)
	if s.StartIn == 0 {
		s.StartIn = DefaultStartIn
	}
	if s.Timeout <= 0 {
		s.Timeout = 10 * time.Second
	}
	if s.ResultsPVC == "" {
		s.ResultsVolumeSize = or(s.ResultsVolumeSize, DefaultVolume)
	}
	bad := func(setting, value, reason string) (Settings, error) {
		return Settings{}, &SettingError{Setting: setting, Value: value, Reason: reason}
	}
	switch {
	case s.Shards < 1 || s.Shards > MaxShards:
		return bad("Shards", fmt.Sprint(s.Shards), fmt.Sprintf("want 1 to %d", MaxShards))
	case s.Target == "":
		return bad("Target", "", "a distributed run needs a target file: the shards share the provider it names")
	case s.RunLength <= 0:
		return bad("Duration", "", "the run needs a length: give --duration or --stages")
	case s.StartIn < 10*time.Second || s.StartIn > 24*time.Hour:
		return bad("StartIn", s.StartIn.String(), "want 10s to 24h: the time to apply the manifest and for the pods to start")
	case !dnsLabel.MatchString(s.Name) || len(s.Name) > maxName:
		return bad("Name", s.Name, fmt.Sprintf("want lower-case letters, digits and '-', starting and ending with a letter or digit, at most %d characters", maxName))
	case !dnsSubdomain(s.Secret):
		return bad("Secret", s.Secret, "not a Kubernetes object name (lower-case letters, digits, '-' and '.')")
	case s.Namespace != "" && (!dnsLabel.MatchString(s.Namespace) || len(s.Namespace) > 63):
		return bad("Namespace", s.Namespace, "not a Kubernetes namespace name (lower-case letters, digits and '-', at most 63)")
	case s.ResultsPVC != "" && s.ResultsVolumeSize != "":
		return bad("ResultsVolumeSize", s.ResultsVolumeSize, "give --results-pvc (a claim of yours) or --results-volume-size (a claim the manifest makes), not both")
	case s.ResultsPVC != "" && s.StorageClass != "":
		return bad("StorageClass", s.StorageClass, "goes with --results-volume-size: the claim --results-pvc names has its own")
	case s.ResultsPVC != "" && !dnsSubdomain(s.ResultsPVC):
		return bad("ResultsPVC", s.ResultsPVC, "not a Kubernetes object name")
	case s.StorageClass != "" && !dnsSubdomain(s.StorageClass):
		return bad("StorageClass", s.StorageClass, "not a Kubernetes object name")
	case s.ResultsVolumeSize != "" && !quantity.MatchString(s.ResultsVolumeSize):
		return bad("ResultsVolumeSize", s.ResultsVolumeSize, "not a size such as 1Gi or 500Mi")
	case !quantity.MatchString(s.CPU) || s.CPU == "0":
		return bad("CPU", s.CPU, "not a CPU quantity such as 1, 2 or 500m")
	case !quantity.MatchString(s.Memory) || s.Memory == "0":
		return bad("Memory", s.Memory, "not a memory quantity such as 512Mi or 1Gi")
	case strings.TrimSpace(s.Image) == "" || strings.IndexFunc(s.Image, unicode.IsSpace) >= 0:
		return bad("Image", s.Image, "not a container image reference such as registry.example/tokenbench:v1")
	}
	return s, nil
}

func dnsSubdomain(s string) bool {
	if len(s) == 0 || len(s) > 253 {
		return false
	}
	for _, part := range strings.Split(s, ".") {
		if !dnsLabel.MatchString(part) {
			return false
		}
	}
	return true
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

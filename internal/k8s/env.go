package k8s

import (
	"fmt"
	"strconv"
	"strings"
)

// The environment of a shard pod: Kubernetes sets IndexEnv in every pod of
// an Indexed Job (0 to completions-1); the manifest sets CountEnv to the
// completions, which the pod cannot otherwise read.
//
// https://kubernetes.io/docs/concepts/workloads/controllers/job/#completion-mode
const (
	IndexEnv = "JOB_COMPLETION_INDEX"
	CountEnv = "TOKENBENCH_SHARD_COUNT"
)

// ShardFromEnv reads which shard this pod runs: I/N, 1-based, from IndexEnv
// (0-based) and CountEnv. Its error names the variable and says what is
// wrong; it does not bound N (the caller's shard parser does).
func ShardFromEnv(getenv func(string) string) (string, error) {
	read := func(name string, lo int) (int, error) {
		v := strings.TrimSpace(getenv(name))
		if v == "" {
			return 0, fmt.Errorf("$%s is not set: --shard auto runs in a pod of the Indexed Job that 'tokenbench k8s manifest' writes, or with %s and %s set by hand", name, IndexEnv, CountEnv)
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < lo {
			return 0, fmt.Errorf("$%s is %q, not a whole number of at least %d", name, v, lo)
		}
		return n, nil
	}
	if getenv == nil {
		return "", fmt.Errorf("no environment to read $%s and $%s from", IndexEnv, CountEnv)
	}
	index, err := read(IndexEnv, 0)
	if err != nil {
		return "", err
	}
	count, err := read(CountEnv, 1)
	if err != nil {
		return "", err
	}
	if index >= count {
		return "", fmt.Errorf("$%s is %d, but $%s says there are %d shards (indexes 0 to %d)", IndexEnv, index, CountEnv, count, count-1)
	}
	return fmt.Sprintf("%d/%d", index+1, count), nil
}

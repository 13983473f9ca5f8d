// Package k8s writes a load run split across machines as Kubernetes
// objects: a ConfigMap with the target and profile files, an Indexed Job
// whose pods run the shards of the run (load --shard auto --start-at), and
// a merge Job that waits for every shard's load.json on a shared volume and
// merges them with the SLOs judged on the merged histograms, so that the
// distributed run has one verdict. It renders typed objects (a subset of
// the Kubernetes API, checked against k8s.io/api in its tests) and talks to
// no cluster. It never holds a secret: the shards read them from a Secret
// the manifest only names.
//
// https://kubernetes.io/docs/concepts/workloads/controllers/job/#completion-mode
package k8s

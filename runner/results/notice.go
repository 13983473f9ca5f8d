package results

// Notice is what every report of a run says in its header about how its
// target was reached: a check of the provider's identity that was weakened
// or failed (TLS verification off, discovery's issuer not the configured
// one, plain http or endpoints on other hosts allowed). Kind is the
// target's name for it (tls_unverified, issuer_mismatch, insecure_http,
// endpoints_on_other_hosts), Text says it in words.
type Notice struct {
	Kind string `json:"kind"`
	Text string `json:"text"`
}

// MergeNotices returns the distinct notices of several lists, in order.
func MergeNotices(lists ...[]Notice) []Notice {
	var out []Notice
	seen := map[Notice]bool{}
	for _, l := range lists {
		for _, n := range l {
			if !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	return out
}

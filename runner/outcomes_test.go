package runner

import (
	"fmt"
	"testing"
	"time"
)

// TestOutcomeKeysBounded: a provider answering a new error code with every
// request records at most MaxOutcomeKeys keys from its codes; the rest
// count as other, and the keys tokenbench chooses are never folded.
func TestOutcomeKeysBounded(t *testing.T) {
	t.Parallel()
	start := time.Unix(1_700_000_000, 0)
	r := newRecorder(start, 1, 4)
	const n = 1000
	for i := range n {
		key := fmt.Sprintf("err_%d", i)
		if i%10 == 0 {
			key = "http_5xx"
		}
		r.Record(i, sample{stage: 0, intended: start, sent: start, done: start.Add(time.Millisecond), outcome: key})
	}
	got := r.stage(0).counts.Outcomes
	var fromCodes, total int64
	for k, v := range got {
		total += v
		if !ownKey(k) {
			fromCodes++
		}
	}
	if fromCodes != MaxOutcomeKeys || got["http_5xx"] != n/10 || got[OutcomeOther] != n-n/10-MaxOutcomeKeys || total != n {
		t.Errorf("%d keys from codes, http_5xx %d, other %d, total %d: %v", fromCodes, got["http_5xx"], got[OutcomeOther], total, got)
	}
}

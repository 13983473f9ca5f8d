package runner

import (
	"strings"
	"sync"
)

// Outcome keys a provider's error codes become are bounded, so that a
// provider answering a new code each time cannot grow a result, a report or
// a terminal line without end: a key is at most MaxOutcomeKeyLen bytes
// (classify counts a longer code as http_4xx), and a run records at most
// MaxOutcomeKeys distinct ones; requests with any other code count as
// OutcomeOther. The keys tokenbench chooses itself are not counted.
const (
	MaxOutcomeKeys   = 32
	MaxOutcomeKeyLen = 64
	OutcomeOther     = "other"
)

// outcomeKeys bounds a run's outcome keys. Safe for concurrent use.
type outcomeKeys struct {
	mu   sync.Mutex
	seen map[string]bool
}

// bound returns the key to count an outcome under: itself, or OutcomeOther
// once MaxOutcomeKeys keys from error codes are in use.
func (o *outcomeKeys) bound(key string) string {
	if ownKey(key) {
		return key
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	switch {
	case o.seen[key]:
		return key
	case len(o.seen) >= MaxOutcomeKeys:
		return OutcomeOther
	}
	if o.seen == nil {
		o.seen = map[string]bool{}
	}
	o.seen[key] = true
	return key
}

// ownKey reports whether an outcome key is one the engine chooses: ok,
// timeout, connection_error, code_error, auth_error, invalid_200,
// http_4xx, http_5xx, http_NNN.
func ownKey(k string) bool {
	switch k {
	case "ok", "timeout", "connection_error", "code_error", "auth_error", "invalid_200", OutcomeOther:
		return true
	}
	d, ok := strings.CutPrefix(k, "http_")
	return ok && len(d) == 3 && strings.Trim(d, "0123456789x") == ""
}

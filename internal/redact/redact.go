// Package redact removes secrets from anything tokenbench prints or writes:
// client secrets, Authorization and cookie headers, authorization codes,
// PKCE verifiers, access, refresh and ID tokens, and personal claims.
//
// Redaction is by structure (a header, parameter, JSON member or claim known
// to hold a secret: Header, Query, URL, JSON) and, as the net behind it, by
// value: every secret registered with a Redactor is masked wherever it
// appears, in every encoding Forms lists (URL, JSON and HTML escaping,
// base64 at any alignment), in every text the Redactor is given.
//
// The contract that makes the net hold: every secret-bearing value is
// registered with the run's Redactor where it enters tokenbench (the client
// secrets when the target resolves, codes when a code source yields them,
// what every exchange sent and received when the exchange client records
// it), and every text that reaches an output passes through the Redactor
// (String, Error, Walk for a whole result). A load run, which would register
// millions of values, redacts what it records against each exchange's own
// secrets instead (With).
package redact

import (
	"encoding/json"
	"net/url"
	"sort"
	"sync"
	"sync/atomic"
)

// Mask replaces a redacted value.
const Mask = "[REDACTED]"

// DefaultLimit is how many registered values a Redactor keeps before it
// forgets the oldest (client secrets excepted): far more than a
// conformance run registers, a bound for a long run that registers codes.
const DefaultLimit = 1 << 14

// Redactor masks secrets by structure and by registered value. A nil
// *Redactor redacts nothing (the --reveal mode); New returns one that
// redacts. Safe for concurrent use.
//
// Registering is cheap (a map insert): a value's forms are computed and
// indexed when a text is next redacted. Masking a text costs one pass over
// it whatever the number of registered values, and allocates nothing when
// there is nothing to mask.
type Redactor struct {
	parent *Redactor       // With: its values apply too
	claims map[string]bool // personal claim names; shared with children
	limit  int             // evictable values kept; 0: no limit

	mu      sync.RWMutex
	ix      index
	state   map[string]uint8 // value -> stateIndexed | statePinned bits
	pending []string         // registered, forms not yet indexed
	queue   []string         // evictable values, oldest first
	dirty   atomic.Bool      // pending is not empty
}

const (
	stateIndexed = 1 << iota
	statePinned
)

// New returns a Redactor that also hides the values of the personal claims
// with these names (AddClaims, JSON).
func New(personalClaims ...string) *Redactor {
	r := &Redactor{claims: map[string]bool{}, limit: DefaultLimit, state: map[string]uint8{}}
	for _, c := range personalClaims {
		r.claims[c] = true
	}
	return r
}

// AddSecret registers secret values: each is masked, in all its Forms,
// from now on. Values shorter than MinLen are ignored. Beyond the limit
// (DefaultLimit) the oldest values are forgotten.
func (r *Redactor) AddSecret(values ...string) { r.add(false, values) }

// AddClient registers a client's secret for good (never forgotten), and the
// Basic credentials built from it, raw and form-urlencoded (RFC 6749
// §2.3.1).
func (r *Redactor) AddClient(id, secret string) {
	if secret == "" {
		return
	}
	r.add(true, []string{secret, id + ":" + secret, url.QueryEscape(id) + ":" + url.QueryEscape(secret)})
}

// AddClaims registers the values of the personal claims in a claim set (an
// ID token's payload, a UserInfo response): strings, numbers and the leaves
// of objects and arrays.
func (r *Redactor) AddClaims(claims map[string]json.RawMessage) {
	if r == nil {
		return
	}
	var values []string
	for name, raw := range claims {
		if r.claims[name] {
			values = leaves(raw, values)
		}
	}
	r.AddSecret(values...)
}

// leaves appends the scalar values in a JSON value, as text.
func leaves(raw json.RawMessage, dst []string) []string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return dst
	}
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			dst = append(dst, v)
		case float64, bool:
			b, _ := json.Marshal(v)
			dst = append(dst, string(b))
		case []any:
			for _, x := range v {
				walk(x)
			}
		case map[string]any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(v)
	return dst
}

func (r *Redactor) add(pin bool, values []string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, v := range values {
		if len(v) < MinLen {
			continue
		}
		st, known := r.state[v]
		switch {
		case known && pin:
			r.state[v] = st | statePinned
			continue
		case known:
			continue
		}
		if pin {
			r.state[v] = statePinned
		} else {
			r.state[v] = 0
			r.queue = append(r.queue, v)
		}
		r.pending = append(r.pending, v)
	}
	r.evict()
	r.dirty.Store(len(r.pending) > 0)
}

// evict forgets the oldest evictable values beyond the limit. r.mu is held.
func (r *Redactor) evict() {
	if r.limit <= 0 || len(r.queue) <= r.limit {
		return
	}
	n := len(r.queue) - r.limit
	for _, v := range r.queue[:n] {
		st, ok := r.state[v]
		if !ok || st&statePinned != 0 {
			continue
		}
		if st&stateIndexed != 0 {
			for _, f := range Forms(v) {
				r.ix.remove(f)
			}
		}
		delete(r.state, v) // a pending value is skipped when indexed
	}
	r.queue = append(r.queue[:0:0], r.queue[n:]...)
}

// flush indexes the forms of the pending values.
func (r *Redactor) flush() {
	if !r.dirty.Load() {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, v := range r.pending {
		st, ok := r.state[v]
		if !ok || st&stateIndexed != 0 {
			continue
		}
		for _, f := range Forms(v) {
			r.ix.add(f)
		}
		r.state[v] = st | stateIndexed
	}
	r.pending = r.pending[:0]
	r.dirty.Store(false)
}

// With returns a Redactor that masks r's values and these, without
// registering them with r: one exchange's own secrets on the load path.
// Its structural redaction is r's. When r knows every value already it
// returns r. A nil r returns nil.
func (r *Redactor) With(values ...string) *Redactor {
	if r == nil {
		return nil
	}
	var fresh []string
	for _, v := range values {
		if len(v) >= MinLen && !r.knows(v) {
			fresh = append(fresh, v)
		}
	}
	if len(fresh) == 0 {
		return r
	}
	c := &Redactor{parent: r, claims: r.claims, state: map[string]uint8{}}
	c.add(false, fresh)
	return c
}

// knows reports whether v is registered with r or an ancestor.
func (r *Redactor) knows(v string) bool {
	for l := r; l != nil; l = l.parent {
		l.mu.RLock()
		_, ok := l.state[v]
		l.mu.RUnlock()
		if ok {
			return true
		}
	}
	return false
}

// String masks every registered value in s, in every form. It returns s
// itself, without allocating, when nothing is masked.
func (r *Redactor) String(s string) string {
	if r == nil || len(s) < MinLen {
		return s
	}
	var spans []span
	levels := 0
	for l := r; l != nil; l = l.parent {
		l.flush()
		l.mu.RLock()
		n := len(spans)
		spans = l.ix.spans(s, spans)
		l.mu.RUnlock()
		if len(spans) > n {
			levels++
		}
	}
	if len(spans) == 0 {
		return s
	}
	if levels > 1 {
		sort.Slice(spans, func(i, j int) bool { return spans[i].from < spans[j].from })
	}
	return mask(s, spans)
}

// Bytes is String for byte slices; it returns b itself when nothing is
// masked.
func (r *Redactor) Bytes(b []byte) []byte {
	if r == nil {
		return b
	}
	s := string(b)
	if out := r.String(s); out != s {
		return []byte(out)
	}
	return b
}

// Error returns err with its message redacted; errors.Is and errors.As
// still see err (whose own message is not redacted). Nil stays nil.
func (r *Redactor) Error(err error) error {
	if r == nil || err == nil {
		return err
	}
	msg := r.String(err.Error())
	if msg == err.Error() {
		return err
	}
	return &redactedError{msg: msg, err: err}
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

package redact

import "slices"

// index finds every registered form in a text in one pass, whatever the
// number of forms: each form is filed under its first four bytes, and a
// 65,536-bit filter over those keys lets most positions of a text be
// skipped without a map lookup. Not safe for concurrent use.
type index struct {
	refs   map[string]int      // form -> number of values that have it
	byKey  map[uint32][]string // first four bytes -> forms, longest first
	filter [1 << 10]uint64     // bit hash(key) set when a form has the key (never cleared)
}

// span is a half-open byte range of a text to mask.
type span struct{ from, to int }

// key returns the first four bytes of s as a number.
func key(s string) uint32 {
	return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
}

// bit returns the filter word and mask of a key (a 16-bit multiplicative hash).
func bit(k uint32) (int, uint64) {
	h := (k * 0x9E3779B1) >> 16
	return int(h >> 6), 1 << (h & 63)
}

func (ix *index) add(form string) {
	if len(form) < MinLen {
		return
	}
	if ix.refs == nil {
		ix.refs, ix.byKey = map[string]int{}, map[uint32][]string{}
	}
	ix.refs[form]++
	if ix.refs[form] > 1 {
		return
	}
	k := key(form)
	fs := append(ix.byKey[k], form)
	slices.SortStableFunc(fs, func(a, b string) int { return len(b) - len(a) })
	ix.byKey[k] = fs
	w, m := bit(k)
	ix.filter[w] |= m
}

func (ix *index) remove(form string) {
	if ix.refs[form] == 0 {
		return
	}
	ix.refs[form]--
	if ix.refs[form] > 0 {
		return
	}
	delete(ix.refs, form)
	k := key(form)
	fs := slices.DeleteFunc(ix.byKey[k], func(f string) bool { return f == form })
	if len(fs) == 0 {
		delete(ix.byKey, k)
	} else {
		ix.byKey[k] = fs
	}
}

func (ix *index) empty() bool { return len(ix.refs) == 0 }

// spans appends to dst the range of the longest form found at each position
// of s where one starts, in order. It allocates only when it finds one.
func (ix *index) spans(s string, dst []span) []span {
	if ix.empty() {
		return dst
	}
	for i := 0; i+MinLen <= len(s); i++ {
		k := key(s[i:])
		if w, m := bit(k); ix.filter[w]&m == 0 {
			continue
		}
		for _, f := range ix.byKey[k] {
			if len(f) <= len(s)-i && s[i:i+len(f)] == f {
				dst = append(dst, span{i, i + len(f)})
				break
			}
		}
	}
	return dst
}

// mask replaces the union of the spans (sorted by start) with Mask: forms
// that overlap are masked as one, so no part of either shows.
func mask(s string, spans []span) string {
	out := make([]byte, 0, len(s))
	last := 0 // end of the text already copied or masked
	for i := 0; i < len(spans); {
		from, to := spans[i].from, spans[i].to
		for i++; i < len(spans) && spans[i].from < to; i++ {
			to = max(to, spans[i].to)
		}
		if from < last {
			from = last
		}
		out = append(out, s[last:from]...)
		out = append(out, Mask...)
		last = to
	}
	return string(append(out, s[last:]...))
}

package results

import "strings"

// LimitKind says what held a run back.
type LimitKind string

// Limit kinds.
const (
	// LimitCodeSupply: requests waited for authorization codes; the code
	// source, not the token endpoint, limited the rate.
	LimitCodeSupply LimitKind = "code_supply"
	// LimitGenerator: requests were sent late because the load generator
	// itself was slow to send them.
	LimitGenerator LimitKind = "generator"
	// LimitInFlight: requests were sent late because every in-flight slot
	// was busy: the endpoint answered slower than requests arrived.
	LimitInFlight LimitKind = "in_flight"
	// LimitGeneratorCPU: the load generator used most of the machine's CPU.
	LimitGeneratorCPU LimitKind = "generator_cpu"
	// LimitUnsent: scheduled requests were never sent.
	LimitUnsent LimitKind = "unsent"
	// LimitIncomplete: a merged result misses some shards.
	LimitIncomplete LimitKind = "incomplete"
	// LimitLateStart: a shard began after the run's common start time
	// (load --start-at), so its schedule ran behind the others'.
	LimitLateStart LimitKind = "late_start"
)

// Limit is one thing that held a run back.
type Limit struct {
	Kind LimitKind `json:"kind"`
	// Shard names the part of a merged run the limit comes from ("shard
	// 1/3", "result 2" or the part's file); "" for the run's own.
	Shard string `json:"shard,omitempty"`
	// Text says it with the figures, without the kind.
	Text string `json:"text"`
}

// limitWords are the kinds as the v1 text of a limit starts.
var limitWords = []struct {
	kind LimitKind
	word string
}{
	{LimitCodeSupply, "code supply"},
	{LimitGenerator, "schedule"},
	{LimitInFlight, "schedule"},
	{LimitGeneratorCPU, "load generator CPU"},
	{LimitUnsent, "unsent"},
	{LimitIncomplete, "incomplete"},
	{LimitLateStart, "late start"},
}

// String is the limit's v1 text: "[SHARD: ]KIND: TEXT".
func (l Limit) String() string {
	word := string(l.Kind)
	for _, w := range limitWords {
		if w.kind == l.Kind {
			word = w.word
			break
		}
	}
	s := word + ": " + l.Text
	if l.Shard != "" {
		s = l.Shard + ": " + s
	}
	return s
}

func limitTexts(ls []Limit) []string {
	var out []string
	for _, l := range ls {
		out = append(out, l.String())
	}
	return out
}

// inFlightText is how the v1 text of a schedule limit says the in-flight
// slots were busy.
const inFlightText = "in-flight slots were busy"

// parseLimitTexts reads the limits of a result written before they were
// values (tokenbench.load/v1 as 4fb4b76 wrote it): "[PART: ]KIND: TEXT",
// PART a merged part's label. This is the only place a limit's text is
// read back, and only for such files.
func parseLimitTexts(ss []string) []Limit {
	var out []Limit
	for _, s := range ss {
		out = append(out, parseLimitText(s))
	}
	return out
}

func parseLimitText(s string) Limit {
	for at := 0; ; {
		i := strings.Index(s[at:], ": ")
		if i < 0 {
			return Limit{Text: s}
		}
		word := s[at : at+i]
		for _, w := range limitWords {
			if w.word != word {
				continue
			}
			l := Limit{Kind: w.kind, Shard: strings.TrimSuffix(s[:at], ": "), Text: s[at+i+2:]}
			if l.Kind == LimitGenerator && strings.Contains(l.Text, inFlightText) {
				l.Kind = LimitInFlight
			}
			return l
		}
		at += i + 2
	}
}

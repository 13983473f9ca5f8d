package suites

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"

	. "github.com/onsi/ginkgo/v2"

	"github.com/tokenbench/tokenbench/internal/exchange"
)

// defaultRaceRounds is CODE-SINGLE-USE-RACE's rounds when the profile sets
// none: a race that shows in 20 % of rounds (zitadel's, measured) escapes
// 40 rounds with a probability of 0.8^40 ≈ 0.01 %.
const defaultRaceRounds = 40

// evidenceRounds is how many rounds that broke the rule the row attaches as
// evidence, besides the first round; the message counts them all.
const evidenceRounds = 3

// defineConcurrency: one code redeemed by N requests at once, in several
// rounds, each released by last-byte synchronisation (exchange.Race).
func defineConcurrency() {
	Describe("concurrency", func() {
		rowIt("CODE-SINGLE-USE-RACE", "redeems one code exactly once when N requests race for it", func(ctx context.Context) {
			n, rounds := raceSize()
			var caught, empty []string
			for round := 1; round <= rounds; round++ {
				c := fresh(ctx)
				specs := make([]exchange.Spec, n)
				for i := range specs {
					// Each racer authenticates afresh: a shared client
					// assertion would be refused as a replay.
					specs[i] = valid(c).With(exchange.Probe(fmt.Sprintf("round %d, racer %d of %d", round, i+1, n)))
				}
				By(fmt.Sprintf("round %d of %d: %d redemptions of one code, their last bytes released together", round, rounds, n))
				xs := t().HTTP.Race(ctx, specs)
				var won []*exchange.Exchange
				for _, x := range xs {
					note(x)
					if issuedTokens(x) {
						won = append(won, x)
					}
				}
				// The evidence: the first round and the first rounds that
				// broke the rule (the ERR-* rows judge every round).
				if round == 1 || len(won) != 1 && len(caught)+len(empty) < evidenceRounds {
					for _, x := range xs {
						attach(x)
					}
				}
				switch {
				case len(won) > 1:
					faulty(won...)
					caught = append(caught, fmt.Sprintf("round %d: %s", round, tally(xs)))
				case len(won) == 0:
					empty = append(empty, fmt.Sprintf("round %d: %s", round, tally(xs)))
				}
			}
			how := fmt.Sprintf("%d rounds of %d redemptions of one code, released by last-byte synchronisation", rounds, n)
			if len(caught) > 0 {
				failf("more than one of %d concurrent redemptions of one code got tokens in %d of %d rounds (%s); the row expects exactly one\n"+
					"detection: %s in %s\nthe client MUST NOT use the authorization code more than once, and the server must enforce it (RFC 6749 §4.1.2)",
					n, len(caught), rounds, firstOf(caught, 3), detection(len(caught), rounds), how)
			}
			if len(empty) > 0 {
				failf("none of %d concurrent redemptions of one code got tokens in %d of %d rounds (%s); the row expects exactly one\nin %s",
					n, len(empty), rounds, firstOf(empty, 3), how)
			}
			observe("not caught in %s: %s", how, detection(0, rounds))
		})
	})
}

// raceSize is CODE-SINGLE-USE-RACE's racers per round (--race, else the
// profile's, else 10) and rounds (the profile's, else defaultRaceRounds).
func raceSize() (n, rounds int) {
	n = state.env.Race
	if n == 0 {
		n = t().Profile.Code.RaceConcurrency
	}
	if n < 2 {
		n = 10
	}
	rounds = t().Profile.Code.RaceRounds
	if rounds < 1 {
		rounds = defaultRaceRounds
	}
	return n, rounds
}

// firstOf joins the first n items with "; " and counts the rest.
func firstOf(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, "; ")
	}
	return strings.Join(items[:n], "; ") + fmt.Sprintf("; and %d more", len(items)-n)
}

// tally summarises a round's answers: "2× 200 with tokens, 8× 400 with
// error "invalid_grant"".
func tally(xs []*exchange.Exchange) string {
	counts := map[string]int{}
	for _, x := range xs {
		counts[strings.TrimPrefix(answered(x), "answered ")]++
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return counts[keys[i]] > counts[keys[j]] || counts[keys[i]] == counts[keys[j]] && keys[i] < keys[j]
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%d× %s", counts[k], k)
	}
	return strings.Join(parts, ", ")
}

// detection states a per-round detection rate from k detections in n
// rounds: the rate with its 95 % Wilson interval, or, for none, the
// one-sided 95 % upper bound 1 − 0.05^(1/n) of a rate that could have
// escaped n rounds.
func detection(k, n int) string {
	if n <= 0 {
		return "no rounds run"
	}
	if k == 0 {
		upper := 1 - math.Pow(0.05, 1/float64(n))
		return fmt.Sprintf("a race this technique shows in more than %.0f%% of rounds would have been caught with 95%% confidence; rarer races can pass unseen (more rounds: code.race_rounds)", 100*upper)
	}
	lo, hi := wilson(k, n)
	return fmt.Sprintf("caught in %d of %d rounds, a detection rate of %.0f%% per round (95%% interval %.0f–%.0f%%)", k, n, 100*float64(k)/float64(n), 100*lo, 100*hi)
}

// wilson is the 95 % Wilson score interval of k successes in n trials.
func wilson(k, n int) (lo, hi float64) {
	const z = 1.959964
	p, fn := float64(k)/float64(n), float64(n)
	d := 1 + z*z/fn
	center := (p + z*z/(2*fn)) / d
	half := z * math.Sqrt(p*(1-p)/fn+z*z/(4*fn*fn)) / d
	return math.Max(0, center-half), math.Min(1, center+half)
}

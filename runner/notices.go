package runner

import (
	"github.com/tokenbench/tokenbench/internal/target"
	"github.com/tokenbench/tokenbench/runner/results"
)

// resultTarget is where a run went, as its result records it: the
// target's source, issuer and token endpoint, and its notices.
func resultTarget(tg *target.Target) results.Target {
	return results.Target{Source: tg.Source, Issuer: tg.Issuer, TokenEndpoint: tg.TokenEndpoint, Notices: Notices(tg)}
}

// Notices are a target's notices as results record them.
func Notices(tg *target.Target) []results.Notice {
	var out []results.Notice
	for _, n := range tg.Notices {
		out = append(out, results.Notice{Kind: string(n.Kind), Text: n.Text})
	}
	return out
}

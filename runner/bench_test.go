package runner

import (
	"context"
	"testing"

	"github.com/tokenbench/tokenbench/internal/provider"
	"github.com/tokenbench/tokenbench/internal/target"
)

// BenchmarkClosedModel is the whole request path of a closed-model run (a
// code, the exchange, validation when asked, recording) against the
// embedded provider in Fast mode, in this process: its figures include the
// provider's share.
func BenchmarkClosedModel(b *testing.B) {
	tg, err := target.Embedded(context.Background(), provider.Config{Fast: true}, target.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { tg.Close() })
	for _, c := range []struct {
		name     string
		validate float64
		netHTTP  bool
	}{{"validate=none", 0, false}, {"validate=all", 1, false}, {"validate=none/net-http", 0, true}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			plan := Plan{Stages: []Stage{{Name: "bench", Requests: int64(b.N)}}}
			res, err := Run(context.Background(), Config{Target: tg, Codes: StaticCodes("bench", tg.RedirectURI), Model: Closed,
				Plan: plan, Concurrency: 4, ValidateFraction: c.validate, NetHTTP: c.netHTTP})
			if err != nil || res.Summary.Errors != 0 {
				b.Fatalf("err %v, outcomes %v failures %v", err, res.Summary.Outcomes, res.Summary.CheckFailures)
			}
		})
	}
}

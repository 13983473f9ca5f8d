package runner

import (
	"fmt"
	"slices"
	"time"

	"github.com/tokenbench/tokenbench/runner/results"
)

// interrupted is a step's Config.OnInterrupt: the search so far, with the
// step's part judged, goes to cfg.OnInterrupt. nil without one.
func (cfg CapacityConfig) interrupted(index int, rate float64, d time.Duration, confirm bool) func(*results.Load) {
	if cfg.OnInterrupt == nil || cfg.sofar == nil {
		return nil
	}
	return func(r *results.Load) {
		cfg.OnInterrupt(interruptedSoFar(cfg.sofar, *cfg.judge(index, rate, d, confirm, r)))
	}
}

// interruptedSoFar is the search res, interrupted during step st: its
// steps so far and st, the highest passing step as the maximum sustainable
// rate so far. res is not modified (the search waits for the step).
func interruptedSoFar(res *results.Capacity, st results.CapacityStep) *results.Capacity {
	c := *res
	c.Steps = append(slices.Clone(res.Steps), st)
	c.Interrupted, c.StopReason = true, results.StopInterrupted
	c.Stopped = fmt.Sprintf("interrupted during the step at %.1f/s", st.OfferedRPS)
	c.MaxSustainableRPS, c.MaxSustainableStep = 0, -1
	for _, s := range res.Steps {
		if s.Pass && s.OfferedRPS > c.MaxSustainableRPS {
			c.MaxSustainableRPS, c.MaxSustainableStep = s.OfferedRPS, s.Index
		}
	}
	c.Knee = results.FindKnee(c.Steps)
	return &c
}

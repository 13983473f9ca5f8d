package runner

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/tokenbench/tokenbench/internal/codes"
)

// StaticCodes returns a code source that hands out the same code forever:
// for benchmarking the harness against a provider that accepts any code
// (serve --fast), the equivalent of a fixed request body in other tools.
// It is never right against a real provider.
func StaticCodes(code, redirectURI string) codes.Source {
	return &staticSource{code: codes.Code{Value: code, RedirectURI: redirectURI}}
}

type staticSource struct {
	code codes.Code
	n    atomic.Int64
}

func (s *staticSource) Next(context.Context) (*codes.Code, error) {
	c := s.code
	c.Seq = int(s.n.Add(1))
	c.ObtainedAt = time.Now()
	return &c, nil
}

// next is Next for the load runner: the one code, shared (the runner only
// reads it), without a sequence number or a time.
func (s *staticSource) next() *codes.Code {
	s.n.Add(1)
	return &s.code
}

func (s *staticSource) Stats() codes.Stats {
	n := s.n.Load()
	return codes.Stats{Obtained: n, Used: n}
}

func (s *staticSource) Close() error { return nil }

package runner

import (
	"sync"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/tokenbench/tokenbench/internal/codes"
	"github.com/tokenbench/tokenbench/runner/results"
)

// CodeTimes records how long each code took to obtain. Give Observe to the
// code source as its OnObtained callback; it is safe for concurrent use.
type CodeTimes struct {
	mu       sync.Mutex
	h        *hdr.Histogram
	obtained int64
}

// NewCodeTimes returns an empty recorder.
func NewCodeTimes() *CodeTimes { return &CodeTimes{h: results.NewHistogram()} }

// Observe records one obtained code.
func (c *CodeTimes) Observe(code codes.Code) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.obtained++
	record(c.h, code.Took.Microseconds())
}

func (c *CodeTimes) stats(s results.CodeStats) results.CodeStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s.Obtained = c.obtained
	s.ObtainMS = results.PercentilesOf(c.h)
	s.P99MS = s.ObtainMS.P99
	return s
}

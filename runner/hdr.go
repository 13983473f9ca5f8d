package runner

import (
	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/tokenbench/tokenbench/runner/results"
)

// record adds a duration in microseconds to h; values outside the results'
// histogram range return false (the caller counts them).
func record(h *hdr.Histogram, us int64) bool {
	if us < results.HistogramMin {
		us = results.HistogramMin // sub-microsecond: the lowest bucket
	}
	return h.RecordValue(us) == nil
}

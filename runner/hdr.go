package runner

import (
	"encoding/base64"
	"fmt"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Histogram range: 1 µs to 60 s at 3 significant digits, in microseconds.
const (
	histMin    = 1
	histMax    = 60_000_000
	histDigits = 3
)

func newHist() *hdr.Histogram { return hdr.New(histMin, histMax, histDigits) }

// percentiles summarises a histogram in milliseconds.
func percentiles(h *hdr.Histogram) Percentiles {
	if h == nil || h.TotalCount() == 0 {
		return Percentiles{}
	}
	v := h.ValueAtPercentilesSlice([]float64{50, 90, 99, 99.9})
	return Percentiles{
		Min: ms(h.Min()), Mean: h.Mean() / 1000, P50: ms(v[0]), P90: ms(v[1]),
		P99: ms(v[2]), P999: ms(v[3]), Max: ms(h.Max()),
	}
}

func intervalPercentiles(h *hdr.Histogram) IntervalPercentiles {
	if h == nil || h.TotalCount() == 0 {
		return IntervalPercentiles{}
	}
	v := h.ValueAtPercentilesSlice([]float64{50, 90, 99})
	return IntervalPercentiles{P50: ms(v[0]), P90: ms(v[1]), P99: ms(v[2]), Max: ms(h.Max())}
}

func ms(us int64) float64 { return float64(us) / 1000 }

// EncodeHist returns the V2 compressed, base64 encoding of h: the form of
// HdrHistogram interval logs.
func EncodeHist(h *hdr.Histogram) (string, error) {
	b, err := h.Encode(hdr.V2CompressedEncodingCookieBase)
	if err != nil {
		return "", fmt.Errorf("runner: encoding a histogram: %w", err)
	}
	return string(b), nil
}

// DecodeHist decodes EncodeHist's form.
func DecodeHist(s string) (*hdr.Histogram, error) {
	if _, err := base64.StdEncoding.DecodeString(s); err != nil {
		return nil, fmt.Errorf("runner: histogram is not base64: %w", err)
	}
	h, err := hdr.Decode([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("runner: decoding a histogram: %w", err)
	}
	return h, nil
}

// record adds a duration in microseconds to h; values outside the range
// return false (the caller counts them).
func record(h *hdr.Histogram, us int64) bool {
	if us < histMin {
		us = histMin // sub-microsecond: the lowest bucket
	}
	return h.RecordValue(us) == nil
}

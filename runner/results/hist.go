package results

import (
	"encoding/base64"
	"fmt"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Histogram range: 1 µs to 60 s at 3 significant digits, in microseconds.
// Latencies outside it are counted (Summary.OutOfRange), not recorded.
const (
	HistogramMin    = 1
	HistogramMax    = 60_000_000
	histogramDigits = 3
)

// NewHistogram returns an empty histogram of the results' range.
func NewHistogram() *hdr.Histogram { return hdr.New(HistogramMin, HistogramMax, histogramDigits) }

// PercentilesOf summarises a histogram in milliseconds.
func PercentilesOf(h *hdr.Histogram) Percentiles {
	if h == nil || h.TotalCount() == 0 {
		return Percentiles{}
	}
	v := h.ValueAtPercentilesSlice([]float64{50, 90, 99, 99.9})
	return Percentiles{
		Min: ms(h.Min()), Mean: h.Mean() / 1000, P50: ms(v[0]), P90: ms(v[1]),
		P99: ms(v[2]), P999: ms(v[3]), Max: ms(h.Max()),
	}
}

// IntervalPercentilesOf is PercentilesOf's per-second form.
func IntervalPercentilesOf(h *hdr.Histogram) IntervalPercentiles {
	if h == nil || h.TotalCount() == 0 {
		return IntervalPercentiles{}
	}
	v := h.ValueAtPercentilesSlice([]float64{50, 90, 99})
	return IntervalPercentiles{P50: ms(v[0]), P90: ms(v[1]), P99: ms(v[2]), Max: ms(h.Max())}
}

func ms(us int64) float64 { return float64(us) / 1000 }

// EncodeHistogram returns the V2 compressed, base64 encoding of h:
// HdrHistogram's interchange encoding, as in .hlog interval logs.
func EncodeHistogram(h *hdr.Histogram) (string, error) {
	b, err := h.Encode(hdr.V2CompressedEncodingCookieBase)
	if err != nil {
		return "", fmt.Errorf("results: encoding a histogram: %w", err)
	}
	return string(b), nil
}

// DecodeHistogram decodes EncodeHistogram's form.
func DecodeHistogram(s string) (*hdr.Histogram, error) {
	if _, err := base64.StdEncoding.DecodeString(s); err != nil {
		return nil, fmt.Errorf("results: histogram is not base64: %w", err)
	}
	h, err := hdr.Decode([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("results: decoding a histogram: %w", err)
	}
	return h, nil
}

// EncodePair encodes a latency and a service time histogram.
func EncodePair(lat, svc *hdr.Histogram) (*Histograms, error) {
	l, err := EncodeHistogram(lat)
	if err != nil {
		return nil, err
	}
	s, err := EncodeHistogram(svc)
	if err != nil {
		return nil, err
	}
	return &Histograms{Latency: l, Service: s}, nil
}

// Decode returns the latency (service false) or the service time histogram;
// nil for a nil h.
func (h *Histograms) Decode(service bool) (*hdr.Histogram, error) {
	if h == nil {
		return nil, nil
	}
	enc := h.Latency
	if service {
		enc = h.Service
	}
	return DecodeHistogram(enc)
}

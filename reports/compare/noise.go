package compare

import (
	"math"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/tokenbench/tokenbench/runner/results"
)

// NoiseCheck says whether a difference is within what the sample sizes can
// resolve, and how that was judged.
type NoiseCheck struct {
	// Method: "rank" (percentiles: the values at ranks ±2σ), "mean"
	// (standard errors), "two-proportion" (z-test), "poisson" (counts,
	// closed model) or "none" (not judged; Note says why).
	Method string `json:"method"`
	Within bool   `json:"within"`
	// For "rank": the range of values each side's percentile could take
	// given its sample size, in the figure's unit.
	BaseLow  float64 `json:"base_low,omitempty"`
	BaseHigh float64 `json:"base_high,omitempty"`
	NewLow   float64 `json:"new_low,omitempty"`
	NewHigh  float64 `json:"new_high,omitempty"`
	Z        float64 `json:"z,omitempty"` // for the z-tests
	Note     string  `json:"note,omitempty"`
}

// noise judges whether metric m differs between b and n by more than
// their samples resolve, by the metric's kind.
func noise(m results.Metric, b, n results.Summary, closed bool) *NoiseCheck {
	switch m.Kind {
	case results.Quantile:
		return rankNoise(b, n, m.Service, m.Quantile)
	case results.Mean:
		return meanNoise(b, n, m.Service)
	case results.Rate:
		return throughputNoise(b, n, closed)
	case results.Share:
		return proportionNoise(m.Count(b), b.Requests, m.Count(n), n.Requests)
	}
	return nil
}

// histogram decodes a summary's latency (or service time) histogram; nil
// when there is none, or it is empty.
func histogram(s results.Summary, service bool) *hdr.Histogram {
	h, err := s.HDR.Decode(service)
	if err != nil || h == nil || h.TotalCount() == 0 {
		return nil
	}
	return h
}

// rankRange is the range of values the q-quantile of h's population
// could take given h's sample size: the values at ranks n·q ± 2σ, with
// σ = √(n·q·(1−q)) the binomial standard deviation of the number of samples
// below the true quantile. The maximum (q = 1) is taken as the quantile
// 1 − 1/n: ranks n−3 .. n; the minimum (q = 0) as 1/n.
func rankRange(h *hdr.Histogram, q float64) (lo, hi float64) {
	n := float64(h.TotalCount())
	switch {
	case q >= 1:
		q = 1 - 1/n
	case q <= 0:
		q = 1 / n
	}
	sigma := math.Sqrt(n * q * (1 - q))
	rlo := math.Max(1, math.Floor(n*q-2*sigma))
	rhi := math.Min(n, math.Max(1, math.Ceil(n*q+2*sigma)))
	at := func(rank float64) float64 { return float64(h.ValueAtPercentile(100*rank/n)) / 1000 }
	return at(rlo), at(rhi)
}

func noHistogram() *NoiseCheck {
	return &NoiseCheck{Method: "none", Note: "no histogram (hdr) on one side: not judged for noise"}
}

func rankNoise(b, n results.Summary, service bool, q float64) *NoiseCheck {
	hb, hn := histogram(b, service), histogram(n, service)
	if hb == nil || hn == nil {
		return noHistogram()
	}
	bl, bh := rankRange(hb, q)
	nl, nh := rankRange(hn, q)
	return &NoiseCheck{Method: "rank", Within: nl <= bh && bl <= nh, BaseLow: bl, BaseHigh: bh, NewLow: nl, NewHigh: nh}
}

func meanNoise(b, n results.Summary, service bool) *NoiseCheck {
	hb, hn := histogram(b, service), histogram(n, service)
	if hb == nil || hn == nil {
		return noHistogram()
	}
	se := math.Sqrt(hb.StdDev()*hb.StdDev()/float64(hb.TotalCount()) + hn.StdDev()*hn.StdDev()/float64(hn.TotalCount()))
	diff := (hn.Mean() - hb.Mean()) / 1000
	if se == 0 {
		return &NoiseCheck{Method: "mean", Within: diff == 0}
	}
	z := diff / (se / 1000)
	return &NoiseCheck{Method: "mean", Within: math.Abs(z) < 2, Z: z}
}

// proportionNoise is the two-proportion z-test of xb/nb against xn/nn.
func proportionNoise(xb, nb, xn, nn int64) *NoiseCheck {
	if nb <= 0 || nn <= 0 {
		return &NoiseCheck{Method: "none", Note: "no requests on one side"}
	}
	pb, pn := float64(xb)/float64(nb), float64(xn)/float64(nn)
	p := float64(xb+xn) / float64(nb+nn)
	se := math.Sqrt(p * (1 - p) * (1/float64(nb) + 1/float64(nn)))
	if se == 0 {
		return &NoiseCheck{Method: "two-proportion", Within: pb == pn}
	}
	z := (pn - pb) / se
	return &NoiseCheck{Method: "two-proportion", Within: math.Abs(z) < 2, Z: z}
}

// throughputNoise: in the open model arrivals are scheduled, not sampled,
// so a throughput difference is not noise; in the closed model the
// completions are taken as Poisson counts.
func throughputNoise(b, n results.Summary, closed bool) *NoiseCheck {
	if !closed {
		return &NoiseCheck{Method: "none", Note: "open model: arrivals are scheduled, not sampled; a difference is not noise"}
	}
	if b.Requests <= 0 || n.Requests <= 0 {
		return &NoiseCheck{Method: "none", Note: "no requests on one side"}
	}
	se := math.Sqrt(b.ThroughputRPS*b.ThroughputRPS/float64(b.Requests) + n.ThroughputRPS*n.ThroughputRPS/float64(n.Requests))
	if se == 0 {
		return &NoiseCheck{Method: "poisson", Within: b.ThroughputRPS == n.ThroughputRPS}
	}
	z := (n.ThroughputRPS - b.ThroughputRPS) / se
	return &NoiseCheck{Method: "poisson", Within: math.Abs(z) < 2, Z: z}
}

package charts

import (
	"math"
	"strconv"
)

// scale maps an axis domain onto pixels.
type scale struct {
	lo, hi     float64 // domain, in axis units (not logarithms)
	log        bool
	from, to   float64 // pixels
	ticks      []Tick
	labelWidth float64
}

func (s scale) pos(v float64) float64 {
	a, b, x := s.lo, s.hi, v
	if s.log {
		a, b, x = math.Log10(a), math.Log10(b), math.Log10(v)
	}
	if b == a {
		return (s.from + s.to) / 2
	}
	return s.from + (x-a)/(b-a)*(s.to-s.from)
}

func (s scale) contains(v float64) bool {
	lo, hi := math.Min(s.lo, s.hi), math.Max(s.lo, s.hi)
	eps := (hi - lo) * 1e-9
	return v >= lo-eps && v <= hi+eps
}

// usable says whether v can be placed on an axis.
func usable(v float64, log bool) bool {
	return !math.IsNaN(v) && !math.IsInf(v, 0) && (!log || v > 0)
}

// domain computes an axis's range and about n ticks from the values to
// show.
func (a Axis) domain(values []float64, n int) (lo, hi float64, ticks []Tick) {
	if a.Max > a.Min && (!a.Log || a.Min > 0) {
		lo, hi = a.Min, a.Max
	} else {
		lo, hi = math.Inf(1), math.Inf(-1)
		for _, v := range values {
			if usable(v, a.Log) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
		if a.IncludeZero && !a.Log && !math.IsInf(hi, -1) {
			lo = math.Min(lo, 0)
		}
		switch {
		case math.IsInf(hi, -1): // no data
			lo, hi = 0, 1
			if a.Log {
				lo, hi = 1, 10
			}
		case lo == hi:
			switch {
			case a.Log:
				lo, hi = lo/2, hi*2
			case lo == 0:
				hi = 1
			default:
				d := math.Abs(lo) / 2
				lo, hi = lo-d, hi+d
			}
		}
		if a.Ticks == nil {
			if a.Log {
				return logTicks(lo, hi)
			}
			return linearTicks(lo, hi, n, a.Integer)
		}
	}
	if a.Ticks != nil {
		for _, t := range a.Ticks {
			if t.Value >= lo && t.Value <= hi {
				ticks = append(ticks, t)
			}
		}
		return lo, hi, ticks
	}
	if a.Log {
		_, _, all := logTicks(lo, hi)
		for _, t := range all {
			if t.Value >= lo*(1-1e-9) && t.Value <= hi*(1+1e-9) {
				ticks = append(ticks, t)
			}
		}
		return lo, hi, ticks
	}
	_, _, all := linearTicks(lo, hi, n, a.Integer)
	for _, t := range all {
		if t.Value >= lo-1e-9*(hi-lo) && t.Value <= hi+1e-9*(hi-lo) {
			ticks = append(ticks, t)
		}
	}
	return lo, hi, ticks
}

// niceStep is the 1, 2 or 5 times a power of ten closest above span/n.
func niceStep(span float64, n int) float64 {
	raw := span / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m == 2.5 && mag < 1 { // 0.25 steps make long labels
			continue
		}
		if raw <= m*mag*(1+1e-9) {
			return m * mag
		}
	}
	return 10 * mag
}

// linearTicks widens [lo, hi] to multiples of a nice step, about n of
// them; whole numbers only when integer.
func linearTicks(lo, hi float64, n int, integer bool) (float64, float64, []Tick) {
	if !(hi > lo) || math.IsInf(hi-lo, 0) {
		lo, hi = 0, 1
	}
	step := niceStep(hi-lo, n)
	if integer {
		step = math.Max(step, 1)
	}
	lo = math.Floor(lo/step+1e-9) * step
	hi = math.Ceil(hi/step-1e-9) * step
	decimals := 0
	if step < 1 {
		decimals = int(math.Ceil(-math.Log10(step) - 1e-9))
		if step*math.Pow(10, float64(decimals)) != math.Round(step*math.Pow(10, float64(decimals))) {
			decimals++
		}
	}
	var ticks []Tick
	for i := 0; i <= 4*n+2; i++ { // bounded: never more than a few ticks
		v := lo + float64(i)*step
		if v > hi+step*1e-6 {
			break
		}
		if math.Abs(v) < step*1e-9 {
			v = 0
		}
		ticks = append(ticks, Tick{Value: v, Label: formatTick(v, decimals)})
	}
	return lo, hi, ticks
}

// logTicks widens [lo, hi] to the nearest 1-2-5 values around it and
// labels the decades, with 2 and 5 (or 3) between them when the range
// spans few decades.
func logTicks(lo, hi float64) (float64, float64, []Tick) {
	if !(lo > 0) || !(hi > lo) || math.IsInf(hi, 0) {
		lo, hi = 1, 10
	}
	d0 := int(math.Floor(math.Log10(lo) + 1e-9))
	d1 := int(math.Ceil(math.Log10(hi) - 1e-9))
	var bounds []float64
	for d := d0; d <= d1; d++ {
		for _, m := range []float64{1, 2, 5} {
			bounds = append(bounds, m*math.Pow(10, float64(d)))
		}
	}
	nlo, nhi := bounds[0], bounds[len(bounds)-1]
	for _, c := range bounds {
		if c <= lo*(1+1e-9) {
			nlo = c
		}
	}
	for i := len(bounds) - 1; i >= 0; i-- {
		if bounds[i] >= hi*(1-1e-9) {
			nhi = bounds[i]
		}
	}
	span := math.Log10(nhi / nlo)
	mults, every := []float64{1}, 1
	switch {
	case span <= 2.1:
		mults = []float64{1, 2, 5}
	case span <= 3.5:
		mults = []float64{1, 3}
	case span > 6:
		every = 2
	}
	var ticks []Tick
	for d := d0; d <= d1; d++ {
		if (d-d0)%every != 0 {
			continue
		}
		for _, m := range mults {
			v := m * math.Pow(10, float64(d))
			if v >= nlo*(1-1e-9) && v <= nhi*(1+1e-9) {
				ticks = append(ticks, Tick{Value: v, Label: formatTick(v, max(0, -d))})
			}
		}
	}
	return nlo, nhi, ticks
}

// formatTick writes v with the given decimals, thousands as "k".
func formatTick(v float64, decimals int) string {
	if math.Abs(v) >= 10000 && math.Mod(v, 1000) == 0 {
		return strconv.FormatFloat(v/1000, 'f', -1, 64) + "k"
	}
	return strconv.FormatFloat(v, 'f', decimals, 64)
}

package reports

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// Chart is a line, marker and column chart rendered as one inline SVG
// element: a title that says what is plotted, a subtitle that says what it
// is measured from, a legend, labelled axes with units (linear or
// logarithmic, with nice ticks), reference lines (thresholds, stage
// boundaries) and the series clipped to the plot area. It needs no script,
// font or stylesheet: the SVG carries its own attributes, so a chart can be
// copied out of a report on its own.
//
// A Chart is a value: SVG does not change it and is safe to call from
// several goroutines at once. It does not interpolate, smooth or resample
// data; it draws the points it is given.
type Chart struct {
	// ID is unique within the page: it prefixes the SVG's element ids.
	ID       string
	Title    string // what is plotted
	Subtitle string // what it is measured from
	// Width and Height are the SVG's size in CSS pixels (defaults 1040 and
	// 320); the page may scale it down, strokes keep their width.
	Width, Height int
	X, Y          Axis
	Series        []Series
	Refs          []RefLine
	// Legend replaces the legend derived from the series (one entry per
	// named series) when it is not nil: to explain colour and line style
	// apart, for example.
	Legend []LegendEntry
	// Empty is shown in the plot area when no series has a point.
	Empty string
	// MinLeft is the least distance from the chart's left edge to the
	// plot's, so that charts stacked one above the other share an X axis.
	MinLeft float64
}

// Axis is a chart axis: its label names the quantity and its unit.
type Axis struct {
	Label string // e.g. "latency (ms)"
	// Log makes the axis logarithmic (base 10); values ≤ 0 are not drawn.
	Log bool
	// Min and Max fix the range when Max > Min; otherwise the data (and
	// the reference lines within reach of it) decide, widened to nice ticks.
	Min, Max float64
	// IncludeZero starts a linear axis at zero (counts and rates).
	IncludeZero bool
	// Integer keeps a linear axis's ticks on whole numbers (counts).
	Integer bool
	// Ticks fixes the ticks and their labels (a transformed axis such as
	// the percentile axis); nice ticks are computed when it is nil.
	Ticks []Tick
	// Unit is appended to the values in markers' tooltips ("ms", "/s").
	Unit string
}

// Tick is one labelled position on an axis.
type Tick struct {
	Value float64
	Label string
}

// Series is one named set of points, drawn as a line (the default), as
// markers, or as columns from zero.
type Series struct {
	Name  string
	Color string // a CSS colour; Palette has colour-blind-safe ones
	// Dashed draws the line dashed, and its markers hollow.
	Dashed bool
	// Width is the line's stroke width in pixels (default 1.5).
	Width float64
	// Markers draws a marker at every point. Points with no neighbour to
	// join (a single interval, a gap on both sides) always get one.
	Markers bool
	// Bars draws a column from zero per point, BarWidth wide in X units
	// (default: 70% of the smallest spacing between points).
	Bars     bool
	BarWidth float64
	// Points in the order to join them; a NaN Y breaks the line.
	Points []Point
	// NoLegend leaves the series out of the derived legend.
	NoLegend bool
}

// Point is one data point in axis units.
type Point struct{ X, Y float64 }

// RefLine is a reference line across the plot: a threshold (Vertical
// false, at Y = Value) or a boundary (Vertical true, at X = Value). A
// horizontal line outside the Y range is not drawn but named in the plot's
// corner, so a threshold far above the data is still visible as a fact.
type RefLine struct {
	Vertical bool
	Value    float64
	Label    string
	Color    string // default a dark grey
	// Dotted draws a dotted line (boundaries); thresholds are dashed.
	Dotted bool
}

// LegendEntry is one item of a legend.
type LegendEntry struct {
	Label  string
	Color  string
	Dashed bool
	Marker bool
	Bar    bool
}

// Palette is the Okabe–Ito colour-blind-safe palette, the yellow left out
// (too light on white).
var Palette = struct {
	Blue, Orange, Vermillion, Green, Sky, Purple, Black, Grey string
}{
	Blue: "#0072B2", Orange: "#E69F00", Vermillion: "#D55E00", Green: "#009E73",
	Sky: "#56B4E9", Purple: "#CC79A7", Black: "#1f2328", Grey: "#6e7781",
}

// Chart geometry, in pixels.
const (
	chartPad      = 12
	titleSize     = 15
	subtitleSize  = 12
	tickSize      = 11
	legendSize    = 12
	legendRow     = 18
	legendSwatch  = 26
	axisTitleSize = 12
	charWidth     = 0.58 // average glyph width of a sans-serif font, in ems
)

const chartFont = `system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', 'Noto Sans', 'Liberation Sans', Arial, sans-serif`

// textWidth estimates the rendered width of s at size px.
func textWidth(s string, size float64) float64 {
	return float64(len([]rune(s))) * size * charWidth
}

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

// fmtValue writes a data value for a tooltip: whole numbers as they are,
// others with 3 significant digits.
func fmtValue(v float64) string {
	switch a := math.Abs(v); {
	case v == math.Trunc(v) && a < 1e15:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 10:
		return trimFloat(v, 1)
	case a >= 1:
		return trimFloat(v, 2)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// svgWriter accumulates SVG markup.
type svgWriter struct{ strings.Builder }

func (w *svgWriter) f(format string, args ...any) { fmt.Fprintf(w, format, args...) }

// esc escapes text for SVG content and attributes.
func esc(s string) string { return template.HTMLEscapeString(s) }

// px writes a coordinate with one decimal, no trailing zero.
func px(v float64) string { return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) }

// crisp puts a 1 px line on the pixel grid.
func crisp(v float64) string { return px(math.Floor(v) + 0.5) }

// SVG renders the chart. Text is escaped; the result is safe to place in
// an HTML page as it is.
func (c Chart) SVG() template.HTML {
	width, height := float64(c.Width), float64(c.Height)
	if width <= 0 {
		width = 1040
	}
	if height <= 0 {
		height = 320
	}
	id := c.ID
	if id == "" {
		id = "chart"
	}

	// Header: title, subtitle, legend rows.
	y := float64(chartPad) + titleSize
	titleY := y
	subtitleY := 0.0
	if c.Subtitle != "" {
		y += subtitleSize + 7
		subtitleY = y
	}
	legend := c.Legend
	if legend == nil {
		for _, s := range c.Series {
			if s.Name != "" && !s.NoLegend {
				legend = append(legend, LegendEntry{Label: s.Name, Color: s.Color, Dashed: s.Dashed, Marker: s.Markers, Bar: s.Bars})
			}
		}
	}
	type placed struct {
		LegendEntry
		x, y float64
	}
	var items []placed
	if len(legend) > 0 {
		y += legendRow + 2
		x := float64(chartPad)
		for _, e := range legend {
			w := legendSwatch + 6 + textWidth(e.Label, legendSize) + 18
			if x+w > width-chartPad && x > chartPad {
				x = chartPad
				y += legendRow
			}
			items = append(items, placed{e, x, y})
			x += w
		}
	}

	// Values that decide the ranges.
	var xs, ys []float64
	for _, s := range c.Series {
		for _, p := range s.Points {
			if usable(p.X, c.X.Log) && usable(p.Y, c.Y.Log) {
				xs = append(xs, p.X)
				ys = append(ys, p.Y)
			}
		}
		if s.Bars && len(s.Points) > 0 {
			bw := barWidth(s)
			xs = append(xs, s.Points[0].X-bw/2, s.Points[len(s.Points)-1].X+bw/2)
		}
	}
	hasData := len(ys) > 0
	// thresholds count when they are within reach of the data: a line at
	// 300 ms above data at 3 ms would flatten the data to nothing.
	dataMax := math.Inf(-1)
	for _, v := range ys {
		dataMax = math.Max(dataMax, v)
	}
	for _, r := range c.Refs {
		if r.Vertical {
			continue
		}
		if !hasData || (usable(r.Value, c.Y.Log) && (c.Y.Log && r.Value <= dataMax*100 || r.Value <= dataMax*2)) {
			ys = append(ys, r.Value)
		}
	}
	// about one y tick per 45 px of plot, one x tick per 90 px
	plotH := height - (y + 14) - (chartPad + axisTitleSize + tickSize + 14)
	ylo, yhi, yticks := c.Y.domain(ys, max(2, min(6, int(plotH/45))))
	xlo, xhi, xticks := c.X.domain(xs, max(2, min(10, int((width-140)/90))))

	// Margins from the tick labels.
	labelW := 0.0
	for _, t := range yticks {
		labelW = math.Max(labelW, textWidth(t.Label, tickSize))
	}
	left := math.Max(float64(chartPad)+axisTitleSize+10+labelW+8, c.MinLeft)
	right := width - chartPad - 8
	if n := len(xticks); n > 0 {
		right = math.Min(right, width-chartPad-textWidth(xticks[n-1].Label, tickSize)/2)
	}
	top := y + 14
	bottom := height - chartPad - axisTitleSize - tickSize - 14
	if bottom-top < 40 { // a header that leaves no room: give the plot 40 px
		bottom = top + 40
		height = bottom + chartPad + axisTitleSize + tickSize + 14
	}
	xs0 := scale{lo: xlo, hi: xhi, log: c.X.Log, from: left, to: right, ticks: xticks}
	ys0 := scale{lo: ylo, hi: yhi, log: c.Y.Log, from: bottom, to: top, ticks: yticks}

	var w svgWriter
	w.f(`<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="%s" width="%s" height="%s" viewBox="0 0 %s %s" role="img" aria-labelledby="%s-title %s-desc" font-family="%s" font-size="%d" fill="#1f2328">`,
		esc(id), px(width), px(height), px(width), px(height), esc(id), esc(id), chartFont, tickSize)
	w.f(`<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, esc(id), esc(c.Title), esc(id), esc(c.Subtitle))
	w.f(`<rect width="100%%" height="100%%" fill="#fff"/>`)
	w.f(`<text x="%d" y="%s" font-size="%d" font-weight="700">%s</text>`, chartPad, px(titleY), titleSize, esc(c.Title))
	if c.Subtitle != "" {
		w.f(`<text x="%d" y="%s" font-size="%d" fill="#59636e">%s</text>`, chartPad, px(subtitleY), subtitleSize, esc(c.Subtitle))
	}
	for _, it := range items {
		cy := it.y - 4
		switch {
		case it.Bar:
			w.f(`<rect x="%s" y="%s" width="%d" height="10" fill="%s" fill-opacity="0.85"/>`, px(it.x+6), px(cy-5), legendSwatch-12, esc(it.Color))
		default:
			w.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="2"%s/>`, px(it.x), crisp(cy), px(it.x+legendSwatch), crisp(cy), esc(it.Color), dash(it.Dashed))
			if it.Marker {
				w.f(`%s`, marker(it.x+legendSwatch/2, cy, it.Color, it.Dashed, ""))
			}
		}
		w.f(`<text x="%s" y="%s" font-size="%d">%s</text>`, px(it.x+legendSwatch+6), px(it.y), legendSize, esc(it.Label))
	}

	// Grid, axes, ticks.
	w.f(`<g shape-rendering="crispEdges">`)
	for _, t := range yticks {
		p := ys0.pos(t.Value)
		w.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#e6e9ed" stroke-width="1"/>`, px(left), crisp(p), px(right), crisp(p))
	}
	for _, t := range xticks {
		p := xs0.pos(t.Value)
		w.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#f0f2f4" stroke-width="1"/>`, crisp(p), px(top), crisp(p), px(bottom))
		w.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#8c959f" stroke-width="1"/>`, crisp(p), px(bottom), crisp(p), px(bottom+4))
	}
	w.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#8c959f" stroke-width="1"/>`, px(left), crisp(bottom), px(right), crisp(bottom))
	w.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#8c959f" stroke-width="1"/>`, crisp(left), px(top), crisp(left), px(bottom))
	w.f(`</g>`)
	w.f(`<g fill="#59636e">`)
	for _, t := range yticks {
		w.f(`<text x="%s" y="%s" text-anchor="end">%s</text>`, px(left-6), px(ys0.pos(t.Value)+4), esc(t.Label))
	}
	for _, t := range xticks {
		w.f(`<text x="%s" y="%s" text-anchor="middle">%s</text>`, px(xs0.pos(t.Value)), px(bottom+6+tickSize+2), esc(t.Label))
	}
	w.f(`</g>`)
	w.f(`<text x="%s" y="%s" text-anchor="middle" font-size="%d">%s</text>`, px((left+right)/2), px(height-chartPad), axisTitleSize, esc(c.X.Label))
	w.f(`<text transform="translate(%s %s) rotate(-90)" text-anchor="middle" font-size="%d">%s</text>`, px(chartPad+axisTitleSize-2), px((top+bottom)/2), axisTitleSize, esc(c.Y.Label))

	// Reference lines under the series; their labels over them, each
	// above its line, or below it when another label is in the way.
	var offScale []string
	var labels svgWriter
	var boxes [][2]float64 // the label boxes' vertical extents
	free := func(y0, y1 float64) bool {
		for _, b := range boxes {
			if y0 < b[1] && y1 > b[0] {
				return false
			}
		}
		return y0 >= top-2 && y1 <= bottom
	}
	for _, r := range c.Refs {
		col := r.Color
		if col == "" {
			col = "#57606a"
		}
		pattern := `stroke-dasharray="6 4"`
		if r.Dotted {
			pattern = `stroke-dasharray="2 3"`
		}
		if r.Vertical {
			if !usable(r.Value, c.X.Log) || !xs0.contains(r.Value) {
				continue
			}
			p := xs0.pos(r.Value)
			w.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1" %s shape-rendering="crispEdges"/>`, crisp(p), px(top), crisp(p), px(bottom), esc(col), pattern)
			if r.Label != "" {
				// Right of the line, unless it would run past the plot: then left.
				x, anchor := p+4, "start"
				if p+4+float64(len(r.Label))*5.8 > right {
					x, anchor = p-4, "end"
				}
				w.f(`<text x="%s" y="%s" font-size="10.5" fill="%s" text-anchor="%s">%s</text>`, px(x), px(top+11), esc(col), anchor, esc(r.Label))
			}
			continue
		}
		if !usable(r.Value, c.Y.Log) || !ys0.contains(r.Value) {
			if r.Label != "" {
				offScale = append(offScale, r.Label)
			}
			continue
		}
		p := ys0.pos(r.Value)
		w.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1" %s shape-rendering="crispEdges"/>`, px(left), crisp(p), px(right), crisp(p), esc(col), pattern)
		if r.Label == "" {
			continue
		}
		placed := false
		var boxTop float64
		for _, cand := range []float64{p - 17, p + 2, p - 32, p + 17} { // above, below, then further
			if free(cand, cand+15) {
				boxTop, placed = cand, true
				break
			}
		}
		if !placed {
			continue // a crowd of labels at one height: the lines speak for themselves
		}
		boxes = append(boxes, [2]float64{boxTop, boxTop + 15})
		lw := textWidth(r.Label, 11) + 8
		labels.f(`<rect x="%s" y="%s" width="%s" height="15" fill="#fff" fill-opacity="0.85"/>`, px(right-lw-2), px(boxTop), px(lw))
		labels.f(`<text x="%s" y="%s" text-anchor="end" font-size="11" fill="%s">%s</text>`, px(right-6), px(boxTop+12), esc(col), esc(r.Label))
	}
	if len(offScale) > 0 {
		note := "off the scale: " + strings.Join(offScale, "; ")
		lw := textWidth(note, 11) + 8
		labels.f(`<rect x="%s" y="%s" width="%s" height="15" fill="#fff" fill-opacity="0.85"/>`, px(right-lw-2), px(bottom-19), px(lw))
		labels.f(`<text x="%s" y="%s" text-anchor="end" font-size="11" fill="#57606a">%s</text>`, px(right-6), px(bottom-7), esc(note))
	}

	// Series, clipped to the plot area (with room for markers).
	w.f(`<clipPath id="%s-clip"><rect x="%s" y="%s" width="%s" height="%s"/></clipPath>`, esc(id), px(left-4), px(top-4), px(right-left+8), px(bottom-top+8))
	w.f(`<g clip-path="url(#%s-clip)">`, esc(id))
	for _, s := range c.Series {
		w.series(s, xs0, ys0, c.X, c.Y)
	}
	w.f(`</g>`)
	w.WriteString(labels.String())
	if !hasData && c.Empty != "" {
		w.f(`<text x="%s" y="%s" text-anchor="middle" font-size="13" fill="#59636e">%s</text>`, px((left+right)/2), px((top+bottom)/2), esc(c.Empty))
	}
	w.f(`</svg>`)
	return template.HTML(w.String())
}

func dash(d bool) string {
	if d {
		return ` stroke-dasharray="6 4"`
	}
	return ""
}

// marker is a circle, filled for solid series and hollow for dashed ones,
// with a tooltip.
func marker(x, y float64, color string, hollow bool, tip string) string {
	fill := esc(color)
	if hollow {
		fill = "#fff"
	}
	t := ""
	if tip != "" {
		t = "<title>" + esc(tip) + "</title>"
	}
	return fmt.Sprintf(`<circle cx="%s" cy="%s" r="2.8" fill="%s" stroke="%s" stroke-width="1.3">%s</circle>`, px(x), px(y), fill, esc(color), t)
}

// barWidth is a column series' width in X units.
func barWidth(s Series) float64 {
	if s.BarWidth > 0 {
		return s.BarWidth
	}
	gap := math.Inf(1)
	for i := 1; i < len(s.Points); i++ {
		if d := s.Points[i].X - s.Points[i-1].X; d > 0 {
			gap = math.Min(gap, d)
		}
	}
	if math.IsInf(gap, 1) {
		gap = 1
	}
	return 0.7 * gap
}

// series draws one series: columns, or a path broken at unusable points
// with markers where asked or where a point stands alone.
func (w *svgWriter) series(s Series, xs, ys scale, xa, ya Axis) {
	color := s.Color
	if color == "" {
		color = Palette.Black
	}
	tip := func(p Point) string {
		name := s.Name
		if name != "" {
			name += ": "
		}
		return fmt.Sprintf("%s%s%s at %s%s", name, fmtValue(p.Y), unitSuffix(ya.Unit), fmtValue(p.X), unitSuffix(xa.Unit))
	}
	if s.Bars {
		bw := barWidth(s)
		base := ys.pos(math.Max(ys.lo, 0))
		if ya.Log {
			base = ys.from
		}
		w.f(`<g fill="%s" fill-opacity="0.85" shape-rendering="crispEdges"><desc>%s</desc>`, esc(color), esc(s.Name))
		for _, p := range s.Points {
			if !usable(p.X, xa.Log) || !usable(p.Y, ya.Log) || p.Y == 0 {
				continue
			}
			x0, x1 := xs.pos(p.X-bw/2), xs.pos(p.X+bw/2)
			top := ys.pos(p.Y)
			h := math.Max(base-top, 1) // a non-zero count is never invisible
			w.f(`<rect x="%s" y="%s" width="%s" height="%s"><title>%s</title></rect>`, px(x0), px(base-h), px(math.Max(x1-x0, 1)), px(h), esc(tip(p)))
		}
		w.f(`</g>`)
		return
	}
	width := s.Width
	if width <= 0 {
		width = 1.5
	}
	var d strings.Builder
	var alone []Point
	pts := s.Points
	ok := func(i int) bool {
		return i >= 0 && i < len(pts) && usable(pts[i].X, xa.Log) && usable(pts[i].Y, ya.Log)
	}
	pen := false
	for i, p := range pts {
		if !ok(i) {
			pen = false
			continue
		}
		cmd := "L"
		if !pen {
			cmd = "M"
			if !ok(i + 1) {
				alone = append(alone, p)
			}
		}
		fmt.Fprintf(&d, "%s%s %s", cmd, px(xs.pos(p.X)), px(ys.pos(p.Y)))
		pen = true
	}
	path := d.String()
	if path == "" {
		path = "M0 0" // an empty series still has its element
	}
	w.f(`<path d="%s" fill="none" stroke="%s" stroke-width="%s" stroke-linejoin="round" stroke-linecap="round" vector-effect="non-scaling-stroke"%s><title>%s</title></path>`,
		path, esc(color), px(width), dash(s.Dashed), esc(s.Name))
	if s.Markers {
		alone = nil
		for i, p := range pts {
			if ok(i) {
				alone = append(alone, p)
			}
		}
	}
	for _, p := range alone {
		w.f(`%s`, marker(xs.pos(p.X), ys.pos(p.Y), color, s.Dashed, tip(p)))
	}
}

func unitSuffix(u string) string {
	switch u {
	case "":
		return ""
	case "/s", "%":
		return u
	}
	return " " + u
}

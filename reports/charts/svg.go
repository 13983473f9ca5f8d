package charts

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"

	"github.com/tokenbench/tokenbench/reports/format"
)

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
	l := c.layout()
	var w svgWriter
	w.header(c, l)
	w.axes(c, l)
	labels := w.refs(c, l) // under the series; their labels over them
	w.f(`<clipPath id="%s-clip"><rect x="%s" y="%s" width="%s" height="%s"/></clipPath>`, esc(l.id), px(l.left-4), px(l.top-4), px(l.right-l.left+8), px(l.bottom-l.top+8))
	w.f(`<g clip-path="url(#%s-clip)">`, esc(l.id))
	for _, s := range c.Series {
		w.series(s, l.xs, l.ys, c.X, c.Y)
	}
	w.f(`</g>`)
	w.WriteString(labels)
	if !l.hasData && c.Empty != "" {
		w.f(`<text x="%s" y="%s" text-anchor="middle" font-size="13" fill="#59636e">%s</text>`, px((l.left+l.right)/2), px((l.top+l.bottom)/2), esc(c.Empty))
	}
	w.f(`</svg>`)
	return template.HTML(w.String())
}

// header writes the svg element, the title, the subtitle and the legend.
func (w *svgWriter) header(c Chart, l layout) {
	w.f(`<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="%s" width="%s" height="%s" viewBox="0 0 %s %s" role="img" aria-labelledby="%s-title %s-desc" font-family="%s" font-size="%d" fill="#1f2328">`,
		esc(l.id), px(l.width), px(l.height), px(l.width), px(l.height), esc(l.id), esc(l.id), chartFont, tickSize)
	w.f(`<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, esc(l.id), esc(c.Title), esc(l.id), esc(c.Subtitle))
	w.f(`<rect width="100%%" height="100%%" fill="#fff"/>`)
	w.f(`<text x="%d" y="%s" font-size="%d" font-weight="700">%s</text>`, chartPad, px(l.titleY), titleSize, esc(c.Title))
	if c.Subtitle != "" {
		w.f(`<text x="%d" y="%s" font-size="%d" fill="#59636e">%s</text>`, chartPad, px(l.subtitleY), subtitleSize, esc(c.Subtitle))
	}
	for _, it := range l.legend {
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
}

// axes writes the grid, the axes, their ticks and their titles.
func (w *svgWriter) axes(c Chart, l layout) {
	w.f(`<g shape-rendering="crispEdges">`)
	for _, t := range l.ys.ticks {
		p := l.ys.pos(t.Value)
		w.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#e6e9ed" stroke-width="1"/>`, px(l.left), crisp(p), px(l.right), crisp(p))
	}
	for _, t := range l.xs.ticks {
		p := l.xs.pos(t.Value)
		w.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#f0f2f4" stroke-width="1"/>`, crisp(p), px(l.top), crisp(p), px(l.bottom))
		w.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#8c959f" stroke-width="1"/>`, crisp(p), px(l.bottom), crisp(p), px(l.bottom+4))
	}
	w.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#8c959f" stroke-width="1"/>`, px(l.left), crisp(l.bottom), px(l.right), crisp(l.bottom))
	w.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#8c959f" stroke-width="1"/>`, crisp(l.left), px(l.top), crisp(l.left), px(l.bottom))
	w.f(`</g>`)
	w.f(`<g fill="#59636e">`)
	for _, t := range l.ys.ticks {
		w.f(`<text x="%s" y="%s" text-anchor="end">%s</text>`, px(l.left-6), px(l.ys.pos(t.Value)+4), esc(t.Label))
	}
	for _, t := range l.xs.ticks {
		w.f(`<text x="%s" y="%s" text-anchor="middle">%s</text>`, px(l.xs.pos(t.Value)), px(l.bottom+6+tickSize+2), esc(t.Label))
	}
	w.f(`</g>`)
	w.f(`<text x="%s" y="%s" text-anchor="middle" font-size="%d">%s</text>`, px((l.left+l.right)/2), px(l.height-chartPad), axisTitleSize, esc(c.X.Label))
	w.f(`<text transform="translate(%s %s) rotate(-90)" text-anchor="middle" font-size="%d">%s</text>`, px(chartPad+axisTitleSize-2), px((l.top+l.bottom)/2), axisTitleSize, esc(c.Y.Label))
}

// refs writes the reference lines and returns their labels, to be drawn
// over the series: each above its line, or below it when another label is
// in the way; a threshold off the scale is named in the plot's corner.
func (w *svgWriter) refs(c Chart, l layout) string {
	var offScale []string
	var labels svgWriter
	var boxes [][2]float64 // the label boxes' vertical extents
	free := func(y0, y1 float64) bool {
		for _, b := range boxes {
			if y0 < b[1] && y1 > b[0] {
				return false
			}
		}
		return y0 >= l.top-2 && y1 <= l.bottom
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
			w.verticalRef(r, col, pattern, c.X.Log, l)
			continue
		}
		if !usable(r.Value, c.Y.Log) || !l.ys.contains(r.Value) {
			if r.Label != "" {
				offScale = append(offScale, r.Label)
			}
			continue
		}
		p := l.ys.pos(r.Value)
		w.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1" %s shape-rendering="crispEdges"/>`, px(l.left), crisp(p), px(l.right), crisp(p), esc(col), pattern)
		if r.Label == "" {
			continue
		}
		for _, cand := range []float64{p - 17, p + 2, p - 32, p + 17} { // above, below, then further
			if free(cand, cand+15) {
				boxes = append(boxes, [2]float64{cand, cand + 15})
				labels.label(r.Label, col, l.right, cand)
				break
			}
		} // no room: a crowd of labels at one height; the lines speak for themselves
	}
	if len(offScale) > 0 {
		labels.label("off the scale: "+strings.Join(offScale, "; "), "#57606a", l.right, l.bottom-19)
	}
	return labels.String()
}

// label writes a label on a white box, right-aligned to right, its box's
// top at top.
func (w *svgWriter) label(text, color string, right, top float64) {
	lw := textWidth(text, 11) + 8
	w.f(`<rect x="%s" y="%s" width="%s" height="15" fill="#fff" fill-opacity="0.85"/>`, px(right-lw-2), px(top), px(lw))
	w.f(`<text x="%s" y="%s" text-anchor="end" font-size="11" fill="%s">%s</text>`, px(right-6), px(top+12), esc(color), esc(text))
}

// verticalRef writes a vertical reference line with its label at the top,
// right of the line unless it would run past the plot: then left.
func (w *svgWriter) verticalRef(r RefLine, col, pattern string, log bool, l layout) {
	if !usable(r.Value, log) || !l.xs.contains(r.Value) {
		return
	}
	p := l.xs.pos(r.Value)
	w.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1" %s shape-rendering="crispEdges"/>`, crisp(p), px(l.top), crisp(p), px(l.bottom), esc(col), pattern)
	if r.Label == "" {
		return
	}
	x, anchor := p+4, "start"
	if p+4+textWidth(r.Label, refLabelSize) > l.right {
		x, anchor = p-4, "end"
	}
	w.f(`<text x="%s" y="%s" font-size="%s" fill="%s" text-anchor="%s">%s</text>`, px(x), px(l.top+11), px(refLabelSize), esc(col), anchor, esc(r.Label))
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
		return fmt.Sprintf("%s%s%s at %s%s", name, format.Figure(p.Y), unitSuffix(ya.Unit), format.Figure(p.X), unitSuffix(xa.Unit))
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

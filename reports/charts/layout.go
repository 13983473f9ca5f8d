package charts

import "math"

// layout is where a chart's parts go, in pixels: the header's lines, the
// legend's items, the plot's edges and its two scales.
type layout struct {
	id                       string
	width, height            float64
	titleY, subtitleY        float64
	legend                   []placedEntry
	left, right, top, bottom float64
	xs, ys                   scale
	hasData                  bool
}

// placedEntry is a legend entry and where its row starts.
type placedEntry struct {
	LegendEntry
	x, y float64
}

// layout places the header, then fits the axes' ranges and ticks to the
// data and the plot to what is left.
func (c Chart) layout() layout {
	l := layout{id: c.ID, width: float64(c.Width), height: float64(c.Height)}
	if l.width <= 0 {
		l.width = 1040
	}
	if l.height <= 0 {
		l.height = 320
	}
	if l.id == "" {
		l.id = "chart"
	}
	y := c.header(&l)

	xs, ys := c.values()
	l.hasData = len(ys) > 0
	// about one y tick per 45 px of plot, one x tick per 90 px
	plotH := l.height - (y + 14) - (chartPad + axisTitleSize + tickSize + 14)
	ylo, yhi, yticks := c.Y.domain(ys, max(2, min(6, int(plotH/45))))
	xlo, xhi, xticks := c.X.domain(xs, max(2, min(10, int((l.width-140)/90))))

	// Margins from the tick labels.
	labelW := 0.0
	for _, t := range yticks {
		labelW = math.Max(labelW, textWidth(t.Label, tickSize))
	}
	l.left = math.Max(float64(chartPad)+axisTitleSize+10+labelW+8, c.MinLeft)
	l.right = l.width - chartPad - 8
	if n := len(xticks); n > 0 {
		l.right = math.Min(l.right, l.width-chartPad-textWidth(xticks[n-1].Label, tickSize)/2)
	}
	l.top = y + 14
	l.bottom = l.height - chartPad - axisTitleSize - tickSize - 14
	if l.bottom-l.top < 40 { // a header that leaves no room: give the plot 40 px
		l.bottom = l.top + 40
		l.height = l.bottom + chartPad + axisTitleSize + tickSize + 14
	}
	l.xs = scale{lo: xlo, hi: xhi, log: c.X.Log, from: l.left, to: l.right, ticks: xticks}
	l.ys = scale{lo: ylo, hi: yhi, log: c.Y.Log, from: l.bottom, to: l.top, ticks: yticks}
	return l
}

// header places the title, the subtitle and the legend's rows, and
// returns where the header ends.
func (c Chart) header(l *layout) float64 {
	y := float64(chartPad) + titleSize
	l.titleY = y
	if c.Subtitle != "" {
		y += subtitleSize + 7
		l.subtitleY = y
	}
	legend := c.Legend
	if legend == nil {
		for _, s := range c.Series {
			if s.Name != "" && !s.NoLegend {
				legend = append(legend, LegendEntry{Label: s.Name, Color: s.Color, Dashed: s.Dashed, Marker: s.Markers, Bar: s.Bars})
			}
		}
	}
	if len(legend) > 0 {
		y += legendRow + 2
		x := float64(chartPad)
		for _, e := range legend {
			w := legendSwatch + 6 + textWidth(e.Label, legendSize) + 18
			if x+w > l.width-chartPad && x > chartPad {
				x = chartPad
				y += legendRow
			}
			l.legend = append(l.legend, placedEntry{e, x, y})
			x += w
		}
	}
	return y
}

// values are the X and Y values that decide the axes' ranges: the
// series' points (a column's width included) and the horizontal
// reference lines within reach of the data (a line at 300 ms above data at
// 3 ms would flatten the data to nothing).
func (c Chart) values() (xs, ys []float64) {
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
	return xs, ys
}

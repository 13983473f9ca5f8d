// Package charts draws line, marker and column charts as inline SVG, for
// reports that must stand alone: no script, font or stylesheet.
package charts

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
	refLabelSize  = 10.5 // a vertical reference line's label
	charWidth     = 0.58 // average glyph width of a sans-serif font, in ems
)

const chartFont = `system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', 'Noto Sans', 'Liberation Sans', Arial, sans-serif`

// textWidth estimates the rendered width of s at size px: the one
// measure of text every placement uses.
func textWidth(s string, size float64) float64 {
	return float64(len([]rune(s))) * size * charWidth
}

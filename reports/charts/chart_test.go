package charts

import (
	"encoding/xml"
	"math"
	"regexp"
	"strings"
	"testing"
)

func tickLabels(ts []Tick) string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Label)
	}
	return strings.Join(out, " ")
}

func TestLinearTicks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		lo, hi  float64
		n       int
		integer bool
		want    string
		wlo     float64
		whi     float64
	}{
		{0, 1, 5, false, "0.0 0.2 0.4 0.6 0.8 1.0", 0, 1},
		{0, 97, 5, false, "0 20 40 60 80 100", 0, 100},
		{0, 500, 5, false, "0 100 200 300 400 500", 0, 500},
		{3, 7.2, 4, false, "2 4 6 8", 2, 8},
		{0, 3, 2, false, "0 2 4", 0, 4},
		{0, 1, 3, true, "0 1", 0, 1},
		{0, 5, 6, true, "0 1 2 3 4 5", 0, 5},
		{0, 0.03, 3, false, "0.00 0.01 0.02 0.03", 0, 0.03},
		{0, 12000, 4, false, "0 5000 10k 15k", 0, 15000},
		{5, 5, 5, false, "0.0 0.2 0.4 0.6 0.8 1.0", 0, 1}, // empty range: a unit range
		{math.NaN(), 1, 5, false, "0.0 0.2 0.4 0.6 0.8 1.0", 0, 1},
	}
	for _, tt := range tests {
		lo, hi, ticks := linearTicks(tt.lo, tt.hi, tt.n, tt.integer)
		if got := tickLabels(ticks); got != tt.want || math.Abs(lo-tt.wlo) > 1e-9 || math.Abs(hi-tt.whi) > 1e-9 {
			t.Errorf("linearTicks(%v, %v, %d, %v) = %v..%v %q, want %v..%v %q", tt.lo, tt.hi, tt.n, tt.integer, lo, hi, got, tt.wlo, tt.whi, tt.want)
		}
	}
}

func TestLogTicks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		lo, hi   float64
		want     string
		wlo, whi float64
	}{
		{18, 90, "10 20 50 100", 10, 100},
		{1.2, 40, "1 2 5 10 20 50", 1, 50},
		{0.9, 2400, "1 10 100 1000", 0.5, 5000},
		{3.1, 980, "3 10 30 100 300 1000", 2, 1000},
		{0.5, 60000, "1 10 100 1000 10k 100k", 0.5, 100000},
		{0.001, 50000, "0.001 0.1 10 1000", 0.001, 50000},
		{0, 10, "1 2 5 10", 1, 10}, // not positive: a default decade
	}
	for _, tt := range tests {
		lo, hi, ticks := logTicks(tt.lo, tt.hi)
		if got := tickLabels(ticks); got != tt.want || math.Abs(lo-tt.wlo) > 1e-12 || math.Abs(hi-tt.whi) > 1e-9 {
			t.Errorf("logTicks(%v, %v) = %v..%v %q, want %v..%v %q", tt.lo, tt.hi, lo, hi, got, tt.wlo, tt.whi, tt.want)
		}
	}
}

func wellFormed(t *testing.T, svg string) {
	t.Helper()
	if err := xml.Unmarshal([]byte(svg), new(struct{})); err != nil {
		t.Fatalf("not well-formed: %v\n%s", err, svg)
	}
}

func TestChartSVG(t *testing.T) {
	t.Parallel()
	line := func(ys ...float64) []Point {
		var pts []Point
		for i, y := range ys {
			pts = append(pts, Point{X: float64(i), Y: y})
		}
		return pts
	}
	tests := []struct {
		name string
		c    Chart
		want []string
		not  []string
		// subpaths counts the "M" commands of the first path
		subpaths int
	}{
		{
			name: "lines, legend, labelled axes",
			c: Chart{ID: "a", Title: "Latency <p99>", Subtitle: "from the intended send time",
				X: Axis{Label: "time (s)"}, Y: Axis{Label: "latency (ms)", IncludeZero: true},
				Series: []Series{{Name: "p50", Color: Palette.Blue, Points: line(1, 2, 3)}, {Name: "p99", Color: Palette.Vermillion, Dashed: true, Points: line(3, 4, 5)}}},
			want:     []string{`id="a"`, `width="1040" height="320"`, "Latency &lt;p99&gt;", "from the intended send time", ">p50</text>", ">p99</text>", `stroke-dasharray="6 4"`, "time (s)", "latency (ms)", `clip-path="url(#a-clip)"`, `shape-rendering="crispEdges"`},
			not:      []string{"<circle"},
			subpaths: 1,
		},
		{
			name:     "a single point gets a marker",
			c:        Chart{ID: "b", Series: []Series{{Name: "only", Points: []Point{{0.5, 3}}}}},
			want:     []string{"<circle", "<title>only: 3 at 0.5</title>"},
			subpaths: 1,
		},
		{
			name:     "NaN breaks the line; the lone point between gaps gets a marker",
			c:        Chart{ID: "c", Series: []Series{{Name: "gappy", Points: line(1, 2, math.NaN(), 4, math.NaN(), 6, 7)}}},
			want:     []string{"<circle"},
			subpaths: 3,
		},
		{
			name: "log axis drops values that are not positive",
			c: Chart{ID: "d", Y: Axis{Log: true, Label: "ms"},
				Series: []Series{{Name: "s", Points: line(0, 1, 10, 100, -3)}}},
			want:     []string{">1</text>", ">10</text>", ">100</text>"},
			subpaths: 1,
		},
		{
			name: "columns, with a non-zero count never invisible",
			c: Chart{ID: "e", Y: Axis{IncludeZero: true, Integer: true},
				Series: []Series{{Name: "errors", Bars: true, Points: []Point{{0.5, 0}, {1.5, 1}, {2.5, 1000}}}}},
			want: []string{"<rect x=", "<title>errors: 1 at 1.5</title>"},
		},
		{
			name: "thresholds: in range drawn and labelled, far above named as off the scale",
			c: Chart{ID: "f", Y: Axis{IncludeZero: true},
				Series: []Series{{Name: "p99", Points: line(10, 12, 11)}},
				Refs:   []RefLine{{Value: 15, Label: "SLO p99 < 15 ms"}, {Value: 15, Label: "SLO max < 15 ms"}, {Value: 900, Label: "SLO max < 900 ms"}, {Vertical: true, Value: 1, Label: "stage 2", Dotted: true}}},
			want:     []string{">SLO p99 &lt; 15 ms</text>", ">SLO max &lt; 15 ms</text>", "off the scale: SLO max &lt; 900 ms", ">stage 2</text>", `stroke-dasharray="2 3"`},
			subpaths: 1,
		},
		{
			name: "no data: the message, and a path element still",
			c:    Chart{ID: "g", Empty: "nothing to plot", Series: []Series{{Name: "none"}}},
			want: []string{"nothing to plot", `<path d="M0 0"`},
		},
		{
			name: "fixed ticks",
			c: Chart{ID: "h", X: Axis{Min: 0, Max: 3, Ticks: []Tick{{0, "0%"}, {1, "90%"}, {2, "99%"}, {3, "99.9%"}, {4, "99.99%"}}},
				Series: []Series{{Name: "lat", Points: []Point{{0, 1}, {3, 9}}}}},
			want:     []string{">0%</text>", ">90%</text>", ">99%</text>", ">99.9%</text>"},
			not:      []string{">99.99%</text>"},
			subpaths: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			svg := string(tt.c.SVG())
			wellFormed(t, svg)
			for _, w := range tt.want {
				if !strings.Contains(svg, w) {
					t.Errorf("lacks %q", w)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(svg, w) {
					t.Errorf("has %q", w)
				}
			}
			for _, bad := range []string{"NaN", "Inf"} {
				if strings.Contains(svg, bad) {
					t.Errorf("has %q", bad)
				}
			}
			if tt.subpaths > 0 {
				m := regexp.MustCompile(`<path d="([^"]*)"`).FindStringSubmatch(svg)
				if m == nil {
					t.Fatal("no path")
				}
				if got := strings.Count(m[1], "M"); got != tt.subpaths {
					t.Errorf("path %q has %d subpaths, want %d", m[1], got, tt.subpaths)
				}
			}
		})
	}
}

// TestChartLabelsDoNotCollide places five labels at one height: four
// find room above and below the line, the fifth is left out.
func TestChartLabelsDoNotCollide(t *testing.T) {
	t.Parallel()
	var refs []RefLine
	for _, l := range []string{"one", "two", "three", "four", "five"} {
		refs = append(refs, RefLine{Value: 50, Label: l})
	}
	svg := string(Chart{ID: "x", Y: Axis{Min: 0, Max: 100}, Series: []Series{{Points: []Point{{0, 1}, {1, 2}}}}, Refs: refs}.SVG())
	got := regexp.MustCompile(`<text x="[^"]+" y="([^"]+)" text-anchor="end" font-size="11"[^>]*>([a-z]+)</text>`).FindAllStringSubmatch(svg, -1)
	heights := map[string]bool{}
	for _, m := range got {
		heights[m[1]] = true
	}
	if len(got) != 4 || len(heights) != 4 || strings.Contains(svg, ">five<") {
		t.Errorf("labels %v: want four, at different heights, and no fifth", got)
	}
}

// TestVerticalRefLabelFlips: a vertical line's label goes right of the
// line, or left of it where it would run past the plot.
func TestVerticalRefLabelFlips(t *testing.T) {
	t.Parallel()
	svg := string(Chart{ID: "v", Width: 400, X: Axis{Min: 0, Max: 10}, Y: Axis{Min: 0, Max: 1},
		Series: []Series{{Points: []Point{{0, 0.5}, {10, 0.5}}}},
		Refs:   []RefLine{{Vertical: true, Value: 1, Label: "on the left"}, {Vertical: true, Value: 9.5, Label: "near the right edge"}}}.SVG())
	for _, want := range []string{`text-anchor="start">on the left</text>`, `text-anchor="end">near the right edge</text>`} {
		if !strings.Contains(svg, want) {
			t.Errorf("lacks %s", want)
		}
	}
}

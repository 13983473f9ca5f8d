package reports

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"html"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/tokenbench/tokenbench/internal/provider"
	"github.com/tokenbench/tokenbench/internal/target"
	"github.com/tokenbench/tokenbench/runner"
	"github.com/tokenbench/tokenbench/runner/results"
)

// -samples DIR writes the load report of every scenario into DIR (and
// -load-json FILE,... renders those results next to them), to look at in
// a browser: go test ./reports -run TestLoadSamples -args -samples /tmp/r
var (
	samplesDir = flag.String("samples", "", "write the sample load reports into this directory")
	loadJSON   = flag.String("load-json", "", "comma-separated load.json files to render next to themselves")
)

func renderLoad(t *testing.T, r *results.Load) string {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteLoadHTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

var svgRE = regexp.MustCompile(`(?s)<svg [^>]*>.*?</svg>`)

// svgs returns the page's SVG elements by id.
func svgs(t *testing.T, page string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, s := range svgRE.FindAllString(page, -1) {
		m := regexp.MustCompile(`^<svg [^>]*\bid="([^"]+)"`).FindStringSubmatch(s)
		if m == nil {
			t.Fatalf("an svg without an id: %.200s", s)
		}
		out[m[1]] = s
	}
	return out
}

// checkSVG asserts an SVG is well-formed XML with a non-zero size and at
// least the given number of paths (line series) and marks (paths,
// markers or columns).
func checkSVG(t *testing.T, id, s string, paths int) {
	t.Helper()
	if err := xml.Unmarshal([]byte(s), new(struct{})); err != nil {
		t.Errorf("%s is not well-formed XML: %v", id, err)
	}
	m := regexp.MustCompile(`^<svg [^>]*\bwidth="([0-9.]+)" height="([0-9.]+)"`).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("%s has no width and height", id)
	}
	for _, v := range m[1:] {
		if f, _ := strconv.ParseFloat(v, 64); f <= 0 {
			t.Errorf("%s: size %sx%s", id, m[1], m[2])
		}
	}
	if got := strings.Count(s, "<path "); got < paths {
		t.Errorf("%s has %d paths, want at least %d (one per line series)", id, got, paths)
	}
	for _, bad := range []string{"NaN", "Inf", "<script"} {
		if strings.Contains(s, bad) {
			t.Errorf("%s contains %q", id, bad)
		}
	}
}

// selfContained asserts the page loads nothing from elsewhere.
func selfContained(t *testing.T, page string) {
	t.Helper()
	for _, bad := range []string{"<script", " src=", "<link", "@import", "url(http", "href=\"http", "<img", "<iframe", "@font-face"} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %q: it must be self-contained", bad)
		}
	}
}

func TestWriteLoadHTML(t *testing.T) {
	t.Parallel()
	type chartWant struct {
		id    string
		paths int
	}
	openCharts := []chartWant{{"chart-latency", 8}, {"chart-throughput", 2}, {"chart-errors", 0}, {"chart-distribution", 2}, {"chart-codes", 1}}
	tests := []struct {
		name    string
		run     func(testing.TB) *results.Load
		verdict string // the verdict's class and word
		word    string
		want    []string
		charts  []chartWant
	}{
		{
			name: "healthy", run: healthyRun, verdict: "pass", word: "PASS",
			want: []string{
				"All 4 SLOs met", "The run was not limited by the code supply, the in-flight bound or the load generator&#39;s CPU",
				"peak 23 in flight of 500 allowed", "load generator CPU 18.0 % of the machine&#39;s cores",
				"of the 116.7/s target", "IDT-AT-HASH", "http_5xx", "whole run",
				"from the intended send time", "from the actual send", "preprod.example.no", "v0.4.0-test", "2026-03-14 02:00:00 UTC",
			},
			charts: openCharts,
		},
		{
			name: "saturated", run: saturatedRun, verdict: "fail", word: "FAIL",
			want: []string{
				"BREACHED", "past the limit", "! LIMITED", "Code supply", "The endpoint (every in-flight slot busy)", "waited for an authorization code",
				"all 500 in-flight slots were busy", "peak 500 in flight of 500 allowed",
				"Orange columns mean the code source", "SLO: p99 latency &lt; 300 ms",
			},
			charts: openCharts,
		},
		{
			name: "closed", run: closedRun, verdict: "pass", word: "PASS",
			want:   []string{"closed model: 8 workers, no target rate", "service time (closed model)", "Latency = service time", "throughput&gt;=300/s", "≥ 300/s"},
			charts: []chartWant{{"chart-latency", 4}, {"chart-throughput", 1}, {"chart-errors", 0}, {"chart-distribution", 1}, {"chart-codes", 1}},
		},
		{
			name: "one interval", run: oneSecondRun, verdict: "pass", word: "PASS",
			want:   []string{"1s@20", "<circle"},
			charts: openCharts,
		},
		{
			name: "zero requests", run: emptyRun, verdict: "fail", word: "NO DATA",
			want:   []string{"no request completed: nothing to judge", "No request completed.", "nothing to plot", "not evaluated"},
			charts: []chartWant{{"chart-latency", 8}, {"chart-throughput", 1}, {"chart-errors", 0}, {"chart-distribution", 2}, {"chart-codes", 1}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := tt.run(t)
			page := renderLoad(t, r)
			selfContained(t, page)
			if !strings.Contains(page, `class="verdict `+tt.verdict+`"`) || !strings.Contains(page, `<div class="word">`+tt.word+`</div>`) {
				t.Errorf("verdict: want class %q and word %q", tt.verdict, tt.word)
			}
			// the verdict comes before everything else
			if v, c := strings.Index(page, `id="verdict"`), strings.Index(page, "<svg"); v < 0 || v > c {
				t.Errorf("the verdict is not first (verdict at %d, first chart at %d)", v, c)
			}
			for _, x := range r.SLO {
				if !strings.Contains(page, html.EscapeString(x.Expr)) {
					t.Errorf("SLO %q missing", x.Expr)
				}
			}
			if got, want := strings.Count(page, "✗ BREACHED"), countBreached(r); got != want {
				t.Errorf("%d SLOs marked breached, want %d", got, want)
			}
			for _, st := range r.Stages {
				if !strings.Contains(page, `<td class="name"><code>`+html.EscapeString(st.Name)+"</code></td>") {
					t.Errorf("stage row %q missing", st.Name)
				}
			}
			for _, w := range tt.want {
				if !strings.Contains(page, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			got := svgs(t, page)
			for _, c := range tt.charts {
				s, ok := got[c.id]
				if !ok {
					t.Errorf("chart %s missing (have %v)", c.id, keys(got))
					continue
				}
				checkSVG(t, c.id, s, c.paths)
			}
		})
	}
}

func countBreached(r *results.Load) int {
	n := 0
	for _, x := range r.SLO {
		if !x.Pass {
			n++
		}
	}
	return n
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestLoadHTMLEdgeCases renders results that lack parts: none of them may
// fail or panic, and each says what is missing.
func TestLoadHTMLEdgeCases(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mutate func(*results.Load)
		want   []string
	}{
		{"no histograms", func(r *results.Load) {
			r.Summary.HDR = nil
			for i := range r.Intervals {
				r.Intervals[i].HDR = nil
			}
		}, []string{"carries no histograms", "From the summary&#39;s percentiles"}},
		{"undecodable histograms", func(r *results.Load) {
			r.Summary.HDR = &results.Histograms{Latency: "not base64!", Service: ""}
		}, []string{"do not decode"}},
		{"empty histogram fields", func(r *results.Load) {
			r.Summary.HDR = &results.Histograms{}
		}, []string{"do not decode"}},
		{"no intervals", func(r *results.Load) { r.Intervals = nil }, []string{"no interval recorded: nothing to plot"}},
		{"no stages", func(r *results.Load) { r.Stages = nil }, []string{"whole run"}},
		{"nil maps", func(r *results.Load) { r.Summary.Outcomes, r.Summary.CheckFailures = nil, nil }, []string{"No request completed.", "No check failed."}},
		{"no SLO", func(r *results.Load) { r.SLO, r.Config.SLO = nil, "" }, []string{`class="verdict done"`, "DONE", "no SLO was set"}},
		{"interrupted", func(r *results.Load) { r.Interrupted = true }, []string{"INTERRUPTED", "The run was interrupted"}},
		{"aborted", func(r *results.Load) { r.Aborted = "error rate 62% over 10s exceeded 50%" }, []string{"ABORTED", "The run was aborted", "error rate 62% over 10s exceeded 50%"}},
		{"unparsable SLO", func(r *results.Load) {
			r.SLO = []results.SLOResult{{SLO: results.SLO{Expr: "p99 is low"}, Pass: false, Note: "parse error"}}
		}, []string{"p99 is low", "parse error"}},
		{"zero everything", func(r *results.Load) { *r = results.Load{} }, []string{"NO DATA", "No request completed"}},
		{"huge latency", func(r *results.Load) {
			r.Summary.LatencyMS.Max = 59_000
			r.Intervals[3].LatencyMS.Max = 59_000
		}, []string{"59 s", "log scale"}},
		{"not a number", func(r *results.Load) {
			r.Intervals[2].LatencyMS.P99 = -1
			r.GeneratorCPU = 0
		}, []string{"load generator CPU not recorded"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := healthyRun(t)
			tt.mutate(r)
			page := renderLoad(t, r)
			selfContained(t, page)
			for _, w := range tt.want {
				if !strings.Contains(page, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			for id, s := range svgs(t, page) {
				checkSVG(t, id, s, 0)
			}
			var md bytes.Buffer
			if err := WriteLoadMarkdown(&md, r); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestWriteLoadNil(t *testing.T) {
	t.Parallel()
	if err := WriteLoadHTML(io.Discard, nil); err == nil || !strings.HasPrefix(err.Error(), "reports: load html:") {
		t.Errorf("html: got %v", err)
	}
	if err := WriteLoadMarkdown(io.Discard, nil); err == nil || !strings.HasPrefix(err.Error(), "reports: load markdown:") {
		t.Errorf("markdown: got %v", err)
	}
	if _, err := WriteLoad(t.TempDir(), nil); err == nil {
		t.Error("WriteLoad(nil): no error")
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteLoadReportsWriteErrors(t *testing.T) {
	t.Parallel()
	r := oneSecondRun(t)
	for name, write := range map[string]func(io.Writer, *results.Load) error{"html": WriteLoadHTML, "markdown": WriteLoadMarkdown} {
		if err := write(failingWriter{}, r); err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Errorf("%s: got %v, want the write error", name, err)
		}
	}
}

func TestWriteLoadMarkdown(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		run  func(testing.TB) *results.Load
		want []string
		not  []string
	}{
		{"healthy", healthyRun, []string{
			"## tokenbench load: PASS (open model",
			"**All 4 SLOs met: 3,500 requests at 116.7/s (100.0 % of the 116.7/s target), 0.086 % errors, p99",
			"| `p99<300ms` | p99 latency, from the intended send time |",
			"| `throughput>=95%` | throughput, completed requests per second ÷ target rate | 100 % of target | ≥ 95 % of target | pass |",
			"| `10s@200` | 200/s | 200/s (100.0 %) |",
			"### What limited this run", "The run was not limited by",
			"<sub>p50 and p99: latency from the intended send time",
			"**Check failures** (of 3,500 validated): IDT-AT-HASH",
		}, []string{"<svg", "BREACHED"}},
		{"saturated", saturatedRun, []string{
			"## tokenbench load: FAIL",
			"| **BREACHED** |",
			"- **Code supply**: 160 of 7000 requests",
			"- **The endpoint (every in-flight slot busy)**: 2810 requests",
			"stages 10s@100,10s@200,10s@400",
		}, nil},
		{"closed", closedRun, []string{"closed model", "latency service time, closed model", "| 3,800 | 380/s | — |", "| `8 workers, 10s` | — | 380/s |"}, []string{"p99 latency, from the intended"}},
		{"empty", emptyRun, []string{"NO DATA", "No request completed: there is nothing to judge", "no request completed: nothing to judge, so the threshold fails"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			if err := WriteLoadMarkdown(&buf, tt.run(t)); err != nil {
				t.Fatal(err)
			}
			md := buf.String()
			for _, w := range tt.want {
				if !strings.Contains(md, w) {
					t.Errorf("markdown lacks %q:\n%s", w, md)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(md, w) {
					t.Errorf("markdown has %q:\n%s", w, md)
				}
			}
			if lines := strings.Count(md, "\n"); lines > 60 {
				t.Errorf("markdown is %d lines: too long for a job page", lines)
			}
		})
	}
}

func TestWriteLoad(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "new")
	paths, err := WriteLoad(dir, healthyRun(t))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, LoadJSONFile), filepath.Join(dir, LoadHlogFile), filepath.Join(dir, LoadHTMLFile), filepath.Join(dir, LoadMarkdownFile)}
	if strings.Join(paths, ",") != strings.Join(want, ",") {
		t.Fatalf("paths %v, want %v", paths, want)
	}
	for _, p := range paths {
		if fi, err := os.Stat(p); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", p, err)
		}
	}
	if f, err := ReadFile(paths[0]); err != nil || f.Load == nil || f.Load.Summary.Requests != healthyRun(t).Summary.Requests {
		t.Errorf("load.json does not read back: %v", err)
	}
	if hlog, err := os.ReadFile(paths[1]); err != nil || !strings.Contains(string(hlog), "Tag=latency,") || !strings.Contains(string(hlog), "Tag=service,") {
		t.Errorf("load.hlog: %v\n%.300s", err, hlog)
	}
}

func TestSLORows(t *testing.T) {
	t.Parallel()
	r := &results.Load{Model: results.Open, SLO: []results.SLOResult{
		{SLO: mustSLO("p99<300ms"), Observed: 212.4, Pass: true},
		{SLO: mustSLO("service_p999<=1s"), Observed: 1200, Pass: false},
		{SLO: mustSLO("error_rate<0.1%"), Observed: 0.25, Pass: false},
		{SLO: mustSLO("throughput>=95%"), Observed: 97.5, Pass: true},
		{SLO: mustSLO("throughput>=180/s"), Observed: 180, Pass: true},
		{SLO: mustSLO("p50<10ms"), Note: "no request completed"},
	}}
	rows, breached := sloRows(r)
	want := []sloRow{
		{Expr: "p99<300ms", What: "p99 latency", From: "from the intended send time", Observed: "212 ms", Threshold: "< 300 ms", Margin: "87.6 ms to spare", Pass: true},
		{Expr: "service_p999<=1s", What: "p99.9 service time", From: "from the actual send", Observed: "1.2 s", Threshold: "≤ 1 s", Margin: "200 ms past the limit"},
		{Expr: "error_rate<0.1%", What: "error rate", From: "errors ÷ completed requests", Observed: "0.25 %", Threshold: "< 0.1 %", Margin: "0.15 points past the limit"},
		{Expr: "throughput>=95%", What: "throughput", From: "completed requests per second ÷ target rate", Observed: "97.5 % of target", Threshold: "≥ 95 % of target", Margin: "2.5 points to spare", Pass: true},
		{Expr: "throughput>=180/s", What: "throughput", From: "completed requests per second", Observed: "180/s", Threshold: "≥ 180/s", Margin: "at the limit", Pass: true},
		{Expr: "p50<10ms", What: "p50 latency", From: "from the intended send time", Observed: "not evaluated", Threshold: "< 10 ms", Note: "no request completed"},
	}
	if breached != 3 {
		t.Errorf("breached %d, want 3", breached)
	}
	for i := range want {
		if i >= len(rows) {
			t.Fatalf("got %d rows, want %d", len(rows), len(want))
		}
		if rows[i] != want[i] {
			t.Errorf("row %d:\n got %+v\nwant %+v", i, rows[i], want[i])
		}
	}
}

// TestLoadReportFromEngine renders a real run of the engine against the
// embedded reference provider: real histograms, real intervals.
func TestLoadReportFromEngine(t *testing.T) {
	t.Parallel()
	tg, err := target.Embedded(context.Background(), provider.Config{CodeTTL: 30 * time.Second}, target.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tg.Close() })
	times := runner.NewCodeTimes()
	src, err := tg.OpenCodes(target.CodeOptions{Prefetch: 16, Parallel: 2, OnObtained: times.Observe})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := runner.ParseStages("600ms@100,600ms@200")
	if err != nil {
		t.Fatal(err)
	}
	r, err := runner.Run(context.Background(), runner.Config{Target: tg, Codes: src, Model: results.Open, Plan: plan, MaxInFlight: 50, ValidateFraction: 1, CodeTimes: times})
	if err != nil {
		t.Fatal(err)
	}
	slos, err := results.ParseSLOs("p99<2s,error_rate<1%")
	if err != nil {
		t.Fatal(err)
	}
	r.SLO = results.Evaluate(slos, r)
	// through JSON, as report html reads it
	var js bytes.Buffer
	if err := r.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back results.Load
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	page := renderLoad(t, &back)
	selfContained(t, page)
	if strings.Contains(page, `class="alert note"`) {
		t.Errorf("a real result's histograms did not decode")
	}
	for _, w := range []string{`class="verdict pass"`, "600ms@100", "600ms@200", "p99&lt;2s", "embedded reference provider"} {
		if !strings.Contains(page, w) {
			t.Errorf("page lacks %q", w)
		}
	}
	for id, s := range svgs(t, page) {
		paths := 1
		if id == "chart-errors" { // columns only
			paths = 0
		}
		checkSVG(t, id, s, paths)
	}
}

// TestLoadSamples writes every scenario's report files and checks each is
// written and not empty; with -samples DIR they stay there for a person
// (or the browser check) to look at, and -load-json FILE,... re-renders
// result files next to themselves.
func TestLoadSamples(t *testing.T) {
	dir := *samplesDir
	if dir == "" {
		dir = t.TempDir()
	}
	for name, run := range map[string]func(testing.TB) *results.Load{
		"healthy": healthyRun, "saturated": saturatedRun, "closed": closedRun, "one-second": oneSecondRun, "empty": emptyRun,
	} {
		paths, err := WriteLoad(filepath.Join(dir, name), run(t))
		if err != nil {
			t.Fatal(err)
		}
		if len(paths) == 0 {
			t.Errorf("%s: no files written", name)
		}
		for _, p := range paths {
			if fi, err := os.Stat(p); err != nil || fi.Size() == 0 {
				t.Errorf("%s: %s missing or empty (%v)", name, p, err)
			}
		}
	}
	for _, p := range strings.Split(*loadJSON, ",") {
		if p == "" {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var r results.Load
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		paths, err := WriteLoad(filepath.Dir(p), &r)
		if err != nil {
			t.Fatal(err)
		}
		t.Log(paths)
	}
}

// TestMergedLimitsKeepTheirKind: a merged result's limits name their shard
// and keep what they are about ("Code supply", "The endpoint ..."), in the
// result merged now and in one merged by tokenbench 4fb4b76.
func TestMergedLimitsKeepTheirKind(t *testing.T) {
	t.Parallel()
	a := synthRun(t, results.Open, []synthStage{{name: "10s@50", seconds: 3, rate: 50, serviceMS: 8}}, "")
	b := synthRun(t, results.Open, []synthStage{{name: "10s@50", seconds: 3, rate: 50, serviceMS: 8}}, "")
	a.Shard, b.Shard = &results.Shard{Index: 1, Count: 2}, &results.Shard{Index: 2, Count: 2}
	a.Limits = []results.Limit{{Kind: results.LimitCodeSupply, Text: "40 of 150 requests (26.7%) waited for an authorization code"}}
	b.Limits = []results.Limit{{Kind: results.LimitInFlight, Text: "120 requests (80.0%) were sent more than 1 ms after their intended time (p99 lag 40.0 ms): all 1 in-flight slots were busy: the endpoint answered slower than requests arrived"}}
	m, err := results.Merge(a, b)
	if err != nil {
		t.Fatal(err)
	}
	old, err := os.ReadFile(filepath.Join("testdata", "v1", "load-merged.json"))
	if err != nil {
		t.Fatal(err)
	}
	var oldMerged results.Load
	if err := json.Unmarshal(old, &oldMerged); err != nil {
		t.Fatal(err)
	}
	kinds := regexp.MustCompile(`<span class="kind">([^<]*)</span>`)
	for _, tt := range []struct {
		name string
		r    *results.Load
		want []string
	}{
		{"merged now", m, []string{"Code supply (shard 1/2)", "The endpoint (every in-flight slot busy) (shard 2/2)"}},
		{"merged by 4fb4b76", &oldMerged, []string{"The endpoint (every in-flight slot busy) (shard 1/2)", "The endpoint (every in-flight slot busy) (shard 2/2)"}},
	} {
		var got []string
		for _, k := range kinds.FindAllStringSubmatch(renderLoad(t, tt.r), -1) {
			got = append(got, html.UnescapeString(k[1]))
		}
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("%s: limit kinds %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestPercentileCurve(t *testing.T) {
	t.Parallel()
	h := hdr.New(1, 60_000_000, 3)
	for v := int64(1); v <= 1000; v++ {
		h.RecordValue(v * 1000) // 1 ms .. 1 s, uniform
	}
	pts := percentileCurve(h)
	if len(pts) < 10 {
		t.Fatalf("%d points", len(pts))
	}
	// runs of equal values keep their ends, so the value at x is that of
	// the last point at or before it
	at := func(x float64) float64 {
		y := math.NaN()
		for _, p := range pts {
			if p.X <= x+1e-9 {
				y = p.Y
			}
		}
		return y
	}
	for _, tt := range []struct{ x, want float64 }{{math.Log10(2), 500}, {1, 900}, {2, 990}} {
		if got := at(tt.x); math.Abs(got-tt.want) > tt.want*0.01 {
			t.Errorf("at x=%.2f: %.1f ms, want about %.0f", tt.x, got, tt.want)
		}
	}
	last := pts[len(pts)-1]
	if last.X != 4 || math.Abs(last.Y-1000) > 1 { // 1000 samples: the max by 1/(1-p) = 2000, x = 3.3, so 4
		t.Errorf("last point %+v, want the max (1000 ms) at x = 4", last)
	}
	for i := 1; i < len(pts); i++ {
		if pts[i].Y < pts[i-1].Y || pts[i].X <= pts[i-1].X {
			t.Fatalf("not monotonic at %d: %+v then %+v", i, pts[i-1], pts[i])
		}
	}
	if got := percentileCurve(hdr.New(1, 60_000_000, 3)); got != nil {
		t.Errorf("empty histogram: %v", got)
	}
}

// TestLoadReportsShowSigning: the time to sign the client assertions is
// its own figure in the HTML, Markdown and text reports.
func TestLoadReportsShowSigning(t *testing.T) {
	t.Parallel()
	r := healthyRun(t)
	r.Summary.Auth = &results.AuthStats{Method: "private_key_jwt", Requests: 3500, TimeMS: results.Percentiles{P50: 1.25, P99: 2.5, Max: 3}}
	var md, txt strings.Builder
	if err := WriteLoadMarkdown(&md, r); err != nil {
		t.Fatal(err)
	}
	if err := WriteLoadText(&txt, r); err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string]string{"html": renderLoad(t, r), "markdown": md.String(), "text": txt.String()} {
		for _, want := range []string{"private_key_jwt", "1.25"} {
			if !strings.Contains(got, want) {
				t.Errorf("%s report lacks %q", name, want)
			}
		}
	}
	if !strings.Contains(renderLoad(t, r), "Signing the client assertion") {
		t.Error("the HTML report has no signing row")
	}
}

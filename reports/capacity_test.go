package reports

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/runner/results"
)

// mustSLO parses one SLO.
func mustSLO(expr string) results.SLO {
	slos, err := results.ParseSLOs(expr)
	if err != nil || len(slos) != 1 {
		panic(fmt.Sprintf("%q: %v", expr, err))
	}
	return slos[0]
}

// capacityFixture is a search that found its maximum at the confirming
// step: 40, 50, 62.5 (breaks p99), confirming 56.25 (passes).
func capacityFixture() *results.Capacity {
	step := func(i int, offered, achieved, p50, p99 float64, pass, confirm bool) results.CapacityStep {
		verdict := results.SLOResult{SLO: mustSLO("p99<100ms"), Observed: p99, Pass: p99 < 100}
		return results.CapacityStep{
			Index: i, OfferedRPS: offered, Confirm: confirm, DurationS: 10, ThroughputRPS: achieved, Ratio: achieved / offered,
			Requests: int64(achieved * 10), P50MS: p50, P99MS: p99, MeanMS: p50 * 1.2, ServiceMeanMS: p50,
			ErrorRate: 0.001 * float64(i), Pass: pass,
			SLO:    []results.SLOResult{verdict, {SLO: mustSLO("error_rate<1%"), Observed: 0.1 * float64(i), Pass: true}},
			Little: results.LittleCheck{MeanInFlight: achieved * p50 / 1000, ServiceL: achieved * p50 / 1000, SystemL: achieved * p50 * 1.2 / 1000},
			Result: &results.Load{},
		}
	}
	return &results.Capacity{
		Schema: results.CapacitySchema, Tool: results.Tool{Name: "tokenbench", Version: "v0.9.0-test"},
		Target:  results.Target{Source: "embedded", Issuer: "http://127.0.0.1:1", TokenEndpoint: "http://127.0.0.1:1/token"},
		Profile: "oauth2.1",
		Config:  results.CapacitySettings{SLO: "p99<100ms,error_rate<1%", StartRPS: 40, Factor: 1.25, StepDurationS: 10, MinRequests: 1000, MaxStepDurationS: 60, WarmupS: 1, MaxInFlight: 1000, TimeoutS: 10},
		Start:   time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC),
		Steps: []results.CapacityStep{
			step(0, 40, 40, 20, 30, true, false),
			step(1, 50, 49.8, 21, 45, true, false),
			step(2, 62.5, 55.1, 180, 900, false, false),
			step(3, 56.25, 55.9, 40, 88, true, true),
		},
		MaxSustainableRPS: 56.25, MaxSustainableStep: 3, Bounded: true,
		Knee:    &results.Knee{Step: 1, OfferedRPS: 50, BaselineP99MS: 30, Reached: true, Reason: "the step at 62.5/s achieved 88% of it"},
		Stopped: "the SLO broke at 62.5/s (p99<100ms); the confirming step at 56.2/s met it",
	}
}

func TestCapacityHTML(t *testing.T) {
	c := capacityFixture()
	var buf bytes.Buffer
	if err := WriteCapacityHTML(&buf, c); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, want := range []string{
		"56.2/s", // the maximum sustainable rate, in the verdict
		"p99&lt;100ms,error_rate&lt;1%",
		"confirming step", "max sustainable", "knee",
		"the SLO broke at 62.5/s",
		"v0.9.0-test", "http://127.0.0.1:1/token",
		"SLO p99&lt;100ms", // the threshold line on the latency chart
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if i, j := strings.Index(page, "56.2/s"), strings.Index(page, "<svg"); i < 0 || i > j {
		t.Errorf("the maximum rate does not come before the charts")
	}
	// every step has a row
	rows := regexp.MustCompile(`(?s)<table class="steps">.*?<tbody>(.*?)</tbody>`).FindStringSubmatch(page)
	if rows == nil {
		t.Fatal("no step table")
	}
	if n := strings.Count(rows[1], "<tr"); n != len(c.Steps) {
		t.Errorf("step table has %d rows, want %d", n, len(c.Steps))
	}
	for _, off := range []string{"40/s", "50/s", "62.5/s", "56.2/s"} {
		if !strings.Contains(rows[1], off) {
			t.Errorf("step table lacks offered rate %s", off)
		}
	}
	// two charts, each with a drawn line
	svgs := regexp.MustCompile(`(?s)<svg.*?</svg>`).FindAllString(page, -1)
	if len(svgs) != 2 {
		t.Fatalf("%d <svg> elements, want 2", len(svgs))
	}
	for i, s := range svgs {
		if !strings.Contains(s, "<path") {
			t.Errorf("chart %d has no <path>", i)
		}
	}
	// self-contained: nothing fetched from elsewhere
	for _, bad := range []string{"<script", "<link", "src=", "@import", "href=\"http"} {
		if strings.Contains(page, bad) {
			t.Errorf("page has an external resource or script: %q", bad)
		}
	}
	if regexp.MustCompile(`url\([^#]`).MatchString(page) {
		t.Error("page refers to a resource by url() other than a fragment")
	}
	if !strings.Contains(page, "--pass-bg") {
		t.Error("page does not carry the load report's stylesheet")
	}
}

func TestCapacityHTMLEmpty(t *testing.T) {
	for _, c := range []*results.Capacity{
		{Schema: results.CapacitySchema, MaxSustainableStep: -1},
		{Schema: results.CapacitySchema, MaxSustainableStep: 0, Knee: &results.Knee{Step: -1, Reason: "no step"}}, // inconsistent: must not index out of range
	} {
		var buf bytes.Buffer
		if err := WriteCapacityHTML(&buf, c); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(buf.String(), "No step ran") {
			t.Error("an empty search does not say that no step ran")
		}
	}
	if err := WriteCapacityHTML(&bytes.Buffer{}, nil); err == nil {
		t.Error("a nil result gives no error")
	}
}

package reports

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/tokenbench/tokenbench/runner/results"
)

// synthStage is one stage of a synthetic run: its length, its rate, and
// the service time and queueing (both in ms) of its requests.
type synthStage struct {
	name       string
	seconds    int
	rate       float64
	serviceMS  float64 // median service time
	queueMS    func(sec int) float64
	errorEvery int // one error per this many requests (0: none)
	waitEvery  int // one request in this many waits for a code (0: none)
}

// synthRun builds a Result the way the engine shapes one: per-second
// intervals with encoded histograms, stages and a summary whose
// percentiles come from the merged histograms. Latencies are log-normal
// around each stage's service time, deterministic for a seed.
func synthRun(t testing.TB, model string, stages []synthStage, slo string) *results.Load {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	newH := func() *hdr.Histogram { return hdr.New(1, 60_000_000, 3) }
	enc := func(h *hdr.Histogram) string {
		s, err := results.EncodeHistogram(h)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	r := &results.Load{
		Schema: results.LoadSchema, Tool: results.Tool{Name: "tokenbench", Version: "v0.4.0-test"},
		Model:   model,
		Target:  results.Target{Source: "preprod.yaml", Issuer: "https://preprod.example.no", TokenEndpoint: "https://preprod.example.no/oauth/token"},
		Profile: "bankid",
		Config:  results.RunConfig{MaxInFlight: 500, Validate: "all", TimeoutS: 10, SLO: slo},
		Start:   time.Date(2026, 3, 14, 2, 0, 0, 0, time.UTC),
		// the machine's figures
		GeneratorCPU: 0.18, PeakInFlight: 23,
	}
	r.IntervalEpoch = r.Start.Unix()
	if model == results.Closed {
		r.Config.Concurrency, r.Config.MaxInFlight = 8, 0
	}
	allLat, allSvc := newH(), newH()
	var total results.Summary
	total.Outcomes = map[string]int64{}
	total.CheckFailures = map[string]int64{}
	sec, idx := 0, 0
	var expected float64
	for _, st := range stages {
		sLat, sSvc := newH(), newH()
		ss := results.Summary{Outcomes: map[string]int64{}, CheckFailures: map[string]int64{}}
		for i := 0; i < st.seconds; i++ {
			iLat, iSvc := newH(), newH()
			iv := results.Interval{T: float64(sec), TargetRPS: st.rate}
			if model == results.Closed {
				iv.TargetRPS = 0
			}
			n := int(st.rate)
			for k := 0; k < n; k++ {
				svc := st.serviceMS * math.Exp(0.35*rng.NormFloat64())
				lat := svc
				if st.queueMS != nil && model == results.Open {
					lat += st.queueMS(sec) * rng.Float64()
				}
				for _, h := range []*hdr.Histogram{iLat, sLat, allLat} {
					h.RecordValue(int64(lat * 1000))
				}
				for _, h := range []*hdr.Histogram{iSvc, sSvc, allSvc} {
					h.RecordValue(int64(svc * 1000))
				}
				iv.Requests++
				ss.Requests++
				idx++
				switch {
				case st.errorEvery > 0 && idx%st.errorEvery == 0:
					iv.Errors++
					ss.Errors++
					if idx%(2*st.errorEvery) == 0 {
						ss.Outcomes["http_5xx"]++
					} else {
						ss.Outcomes["invalid_200"]++
						ss.CheckFailures["IDT-AT-HASH"]++
					}
				default:
					ss.OK++
					ss.Outcomes["ok"]++
				}
				if st.waitEvery > 0 && k%st.waitEvery == 0 {
					iv.CodeWaits++
					ss.Codes.Waits++
				}
				if lat-svc > 1 {
					ss.Late++
				}
			}
			iv.LatencyMS, iv.ServiceMS = ivp(iLat), ivp(iSvc)
			iv.HDR = &results.Histograms{Latency: enc(iLat), Service: enc(iSvc)}
			r.Intervals = append(r.Intervals, iv)
			sec++
		}
		ss.Validated = ss.Requests
		ss.ThroughputRPS = float64(ss.Requests) / float64(st.seconds)
		ss.ErrorRate = float64(ss.Errors) / float64(max(ss.Requests, 1))
		ss.LatencyMS, ss.ServiceTimeMS = pctOf(sLat), pctOf(sSvc)
		ss.HDR = &results.Histograms{Latency: enc(sLat), Service: enc(sSvc)}
		sr := results.Stage{Name: st.name, DurationS: float64(st.seconds), Summary: ss}
		if model == results.Open {
			sr.TargetRate, sr.FromRate, sr.ToRate = st.rate, st.rate, st.rate
			ss.TargetRPS = st.rate
			sr.Summary.TargetRPS = st.rate
			expected += st.rate * float64(st.seconds)
		}
		r.Stages = append(r.Stages, sr)
		total.Requests += ss.Requests
		total.OK += ss.OK
		total.Errors += ss.Errors
		total.Late += ss.Late
		total.Validated += ss.Validated
		total.Codes.Waits += ss.Codes.Waits
		for k, v := range ss.Outcomes {
			total.Outcomes[k] += v
		}
		for k, v := range ss.CheckFailures {
			total.CheckFailures[k] += v
		}
	}
	r.DurationS = float64(sec)
	total.ThroughputRPS = float64(total.Requests) / math.Max(r.DurationS, 1)
	if model == results.Open && r.DurationS > 0 {
		total.TargetRPS = expected / r.DurationS
	}
	total.ErrorRate = float64(total.Errors) / float64(max(total.Requests, 1))
	total.LatencyMS, total.ServiceTimeMS = pctOf(allLat), pctOf(allSvc)
	total.ScheduleLagMS = results.Percentiles{P50: 0.1, P90: 0.4, P99: 0.9, Max: 4}
	total.Codes.Obtained = total.Requests + 40
	total.Codes.ObtainMS = results.Percentiles{Min: 8, Mean: 12, P50: 11, P90: 16, P99: 24, P999: 30, Max: 41}
	total.Codes.P99MS = 24
	if total.Codes.Waits > 0 {
		total.Codes.WaitMS = results.Percentiles{Min: 0.2, Mean: 3, P50: 2, P90: 6, P99: 11, P999: 14, Max: 15}
	}
	if total.Requests > 0 {
		total.HDR = &results.Histograms{Latency: enc(allLat), Service: enc(allSvc)}
	}
	r.Summary = total
	if slo != "" {
		slos, err := results.ParseSLOs(slo)
		if err != nil {
			t.Fatal(err)
		}
		r.SLO = results.Evaluate(slos, r)
	}
	return r
}

func pctOf(h *hdr.Histogram) results.Percentiles {
	if h.TotalCount() == 0 {
		return results.Percentiles{}
	}
	ms := func(v int64) float64 { return float64(v) / 1000 }
	return results.Percentiles{Min: ms(h.Min()), Mean: h.Mean() / 1000, P50: ms(h.ValueAtPercentile(50)), P90: ms(h.ValueAtPercentile(90)),
		P99: ms(h.ValueAtPercentile(99)), P999: ms(h.ValueAtPercentile(99.9)), Max: ms(h.Max())}
}

func ivp(h *hdr.Histogram) results.IntervalPercentiles {
	p := pctOf(h)
	return results.IntervalPercentiles{P50: p.P50, P90: p.P90, P99: p.P99, Max: p.Max}
}

// The scenarios the report is tested and looked at with.

// healthyRun is three steps well within the endpoint's capacity.
func healthyRun(t testing.TB) *results.Load {
	return synthRun(t, results.Open, []synthStage{
		{name: "10s@50", seconds: 10, rate: 50, serviceMS: 18, queueMS: func(int) float64 { return 1.5 }},
		{name: "10s@100", seconds: 10, rate: 100, serviceMS: 19, queueMS: func(int) float64 { return 2 }},
		{name: "10s@200", seconds: 10, rate: 200, serviceMS: 22, errorEvery: 700, queueMS: func(int) float64 { return 3 }},
	}, "p99<300ms,service_p99<100ms,error_rate<1%,throughput>=95%")
}

// saturatedRun is a step past the endpoint's capacity: queueing grows,
// SLOs break, the in-flight bound and the code supply both bite.
func saturatedRun(t testing.TB) *results.Load {
	r := synthRun(t, results.Open, []synthStage{
		{name: "10s@100", seconds: 10, rate: 100, serviceMS: 20},
		{name: "10s@200", seconds: 10, rate: 200, serviceMS: 24, errorEvery: 400},
		{name: "10s@400", seconds: 10, rate: 400, serviceMS: 60, errorEvery: 60, waitEvery: 25,
			queueMS: func(sec int) float64 { return float64(sec-19) * 90 }},
	}, "p99<300ms,service_p99<100ms,error_rate<0.5%,throughput>=95%")
	r.Limits = []results.Limit{
		{Kind: results.LimitCodeSupply, Text: "160 of 7000 requests (2.3%) waited for an authorization code (p99 wait 11.0 ms); the code source, not the token endpoint, limited the rate"},
		{Kind: results.LimitInFlight, Text: "2810 requests (40.1%) were sent more than 1 ms after their intended time (p99 lag 830.0 ms): all 500 in-flight slots were busy: the endpoint answered slower than requests arrived"},
	}
	r.PeakInFlight = 500
	r.Config.Stages = "10s@100,10s@200,10s@400"
	return r
}

// closedRun is the closed model: no target rate, latency is service time.
func closedRun(t testing.TB) *results.Load {
	return synthRun(t, results.Closed, []synthStage{{name: "8 workers, 10s", seconds: 10, rate: 380, serviceMS: 21}}, "p99<100ms,throughput>=300/s")
}

// oneSecondRun has a single interval.
func oneSecondRun(t testing.TB) *results.Load {
	r := synthRun(t, results.Open, []synthStage{{name: "1s@20", seconds: 1, rate: 20, serviceMS: 5}}, "p99<50ms")
	r.Config.Rate, r.Config.DurationS = 20, 1
	return r
}

// emptyRun completed no request.
func emptyRun(t testing.TB) *results.Load {
	r := synthRun(t, results.Open, nil, "p99<300ms,error_rate<1%")
	r.Config.Rate = 50
	return r
}

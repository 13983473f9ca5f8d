package reports

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/tokenbench/tokenbench/reports/format"
	"github.com/tokenbench/tokenbench/runner/results"
)

// limitKinds name what a limit is about in the words of the people
// reading the report: the endpoint, the code supply, the load generator.
var limitKinds = map[results.LimitKind]string{
	results.LimitCodeSupply:   "Code supply",
	results.LimitGenerator:    "Load generator: sends late",
	results.LimitInFlight:     "The endpoint (every in-flight slot busy)",
	results.LimitGeneratorCPU: "Load generator CPU",
	results.LimitUnsent:       "Requests never sent",
	results.LimitIncomplete:   "Incomplete",
}

// newLimitRow is a limit as the report lists it, named by its kind and, in
// a merged result, the part it comes from.
func newLimitRow(l results.Limit) limitRow {
	kind, ok := limitKinds[l.Kind]
	if !ok {
		kind = "Limit"
	}
	if l.Shard != "" {
		kind += " (" + l.Shard + ")"
	}
	return limitRow{Kind: kind, Text: format.Capitalize(l.Text)}
}

// limitFacts quotes the figures that decide what limited a run.
func limitFacts(r *results.Load) string {
	s := r.Summary
	var parts []string
	parts = append(parts, fmt.Sprintf("%s of %s requests waited for an authorization code", format.Int(s.Codes.Waits), format.Int(s.Requests)))
	switch {
	case r.Model == results.Closed:
		parts = append(parts, fmt.Sprintf("peak %s in flight with %d workers (the closed model's bound by design)", format.Int(int64(r.PeakInFlight)), r.Config.Concurrency))
	case r.Config.MaxInFlight > 0:
		parts = append(parts, fmt.Sprintf("peak %s in flight of %s allowed (--max-in-flight)", format.Int(int64(r.PeakInFlight)), format.Int(int64(r.Config.MaxInFlight))))
	default:
		parts = append(parts, fmt.Sprintf("peak %s in flight", format.Int(int64(r.PeakInFlight))))
	}
	parts = append(parts, cpuText(r.GeneratorCPU))
	if r.Model != results.Closed {
		parts = append(parts, fmt.Sprintf("%s sent late (more than 1 ms after the intended time)", format.Int(s.Late)))
	}
	return strings.Join(parts, " · ")
}

func cpuText(f float64) string {
	if f <= 0 {
		return "load generator CPU not recorded"
	}
	return fmt.Sprintf("load generator CPU %s of the machine's cores", format.Percent(f))
}

// notLimited says that nothing held the run back, with the figures.
func notLimited(r *results.Load) string {
	if r.Summary.Requests == 0 {
		return "No request completed, so nothing can be said about what limited the run."
	}
	return "The run was not limited by the code supply, the in-flight bound or the load generator's CPU: the figures measure the endpoint."
}

// targetText is a stage's target rate.
func targetText(st results.Stage) string {
	switch {
	case st.FromRate > 0 && st.ToRate > 0 && st.FromRate != st.ToRate:
		return fmt.Sprintf("%s → %s", format.Float(st.FromRate, 1), format.Rate(st.ToRate))
	case st.TargetRate > 0:
		return format.Rate(st.TargetRate)
	}
	return "—"
}

func totalTarget(r *results.Load) string {
	if r.Summary.TargetRPS > 0 {
		return format.Rate(r.Summary.TargetRPS) + " mean"
	}
	return "—"
}

func newStageRow(name, target string, s results.Summary, targetRate float64, model string) stageRow {
	p := s.LatencyMS
	if model == results.Closed {
		p = s.ServiceTimeMS
	}
	row := stageRow{
		Name: name, Target: target, Achieved: format.Rate(s.ThroughputRPS),
		P50: format.MS(p.P50), P90: format.MS(p.P90), P99: format.MS(p.P99), Max: format.MS(p.Max),
		Errors: format.Int(s.Errors), ErrorRate: format.Percent(s.ErrorRate), Late: format.Int(s.Late),
		ErrorKinds: errorKinds(s.Outcomes), Bad: s.Errors > 0,
	}
	if s.Requests == 0 {
		row.P50, row.P90, row.P99, row.Max = "—", "—", "—", "—"
	}
	if targetRate > 0 {
		share := s.ThroughputRPS / targetRate
		row.Share = format.Percent(share)
		row.Short = share < 0.95
	}
	return row
}

// outcomeMeaning explains an outcome key.
func outcomeMeaning(k string) string {
	switch k {
	case "ok":
		return "200 with a token response that passed validation (or was not sampled)"
	case "invalid_200":
		return "200 whose response failed a MUST check (see check failures)"
	case "http_4xx":
		return "4xx without an OAuth error code"
	case "http_5xx":
		return "5xx: the server failed"
	case "timeout":
		return "no response within --timeout"
	case "connection_error":
		return "the connection failed or was reset"
	}
	return "4xx with the OAuth error code " + strconv.Quote(k)
}

func outcomeRows(s results.Summary) []countRow {
	keys := sortedByCount(s.Outcomes)
	rows := make([]countRow, 0, len(keys))
	for _, k := range keys {
		n := s.Outcomes[k]
		rows = append(rows, countRow{Key: k, Count: format.Int(n), Share: format.Share(n, s.Requests), Meaning: outcomeMeaning(k), Bad: k != "ok"})
	}
	return rows
}

func checkRows(r *results.Load) ([]countRow, string) {
	s := r.Summary
	keys := sortedByCount(s.CheckFailures)
	rows := make([]countRow, 0, len(keys))
	for _, k := range keys {
		n := s.CheckFailures[k]
		rows = append(rows, countRow{Key: k, Count: format.Int(n), Share: format.Share(n, s.Validated), Bad: true})
	}
	validate := r.Config.Validate
	if validate == "" {
		validate = "as configured"
	}
	note := fmt.Sprintf("%s of %s responses validated (--validate %s) by the same checks as conform.", format.Int(s.Validated), format.Int(s.Requests), validate)
	if len(rows) == 0 {
		note += " No check failed."
	}
	return rows, note
}

// sortedByCount orders keys by count, largest first, then by name.
func sortedByCount(m map[string]int64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	return keys
}

// errorKinds counts the outcomes other than ok.
func errorKinds(m map[string]int64) string {
	bad := make(map[string]int64, len(m))
	for k, n := range m {
		if k != "ok" && n > 0 {
			bad[k] = n
		}
	}
	return countsText(bad)
}

func countsText(m map[string]int64) string {
	keys := sortedByCount(m)
	if len(keys) == 0 {
		return "—"
	}
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + " " + format.Int(m[k])
	}
	return strings.Join(parts, ", ")
}

func distRows(r *results.Load) []distRow {
	s := r.Summary
	row := func(what, from string, p results.Percentiles) distRow {
		return distRow{What: what, From: from, Min: format.MS(p.Min), Mean: format.MS(p.Mean), P50: format.MS(p.P50), P90: format.MS(p.P90),
			P99: format.MS(p.P99), P999: format.MS(p.P999), Max: format.MS(p.Max)}
	}
	var rows []distRow
	if r.Model == results.Closed {
		rows = append(rows, row("Latency = service time", "from the actual send (closed model)", s.ServiceTimeMS))
	} else {
		rows = append(rows,
			row("Latency", "from the intended send time", s.LatencyMS),
			row("Service time", "from the actual send", s.ServiceTimeMS),
			row("Schedule lag", "actual send − intended send", s.ScheduleLagMS))
	}
	if s.Codes.Obtained > 0 {
		rows = append(rows, row("Obtaining a code", "the code source, apart from the exchange", s.Codes.ObtainMS))
	}
	if s.Codes.Waits > 0 {
		rows = append(rows, row("Waiting for a code", "requests whose code was not ready", s.Codes.WaitMS))
	}
	if s.Auth.Signs() {
		rows = append(rows, row("Signing the client assertion", s.Auth.Method+", a fresh one per request, apart from the exchange", s.Auth.TimeMS))
	}
	return rows
}

func codeFacts(r *results.Load) []fact {
	c := r.Summary.Codes
	f := []fact{
		{"Codes obtained", format.Int(c.Obtained)},
		{"Dropped (expired before use)", format.Int(c.Dropped)},
		{"Time to obtain one, p50 / p99", format.MS(c.ObtainMS.P50) + " / " + format.MS(c.P99MS)},
		{"Requests that waited for a code", fmt.Sprintf("%s (%s of requests)", format.Int(c.Waits), format.Share(c.Waits, r.Summary.Requests))},
	}
	if c.Waits > 0 {
		f = append(f, fact{"Wait for a code, p99 / max", format.MS(c.WaitMS.P99) + " / " + format.MS(c.WaitMS.Max)})
	}
	return f
}

func scheduleFacts(r *results.Load) []fact {
	s := r.Summary
	var f []fact
	if r.Model != results.Closed {
		f = append(f,
			fact{"Sent late (> 1 ms after the intended time)", fmt.Sprintf("%s (%s)", format.Int(s.Late), format.Share(s.Late, s.Requests))},
			fact{"Schedule lag p99 / max", format.MS(s.ScheduleLagMS.P99) + " / " + format.MS(s.ScheduleLagMS.Max)},
			fact{"Scheduled but never sent", format.Int(s.Unsent)})
	}
	f = append(f, fact{"Peak in flight", format.Int(int64(r.PeakInFlight))})
	f = append(f, fact{"Load generator CPU", strings.TrimPrefix(cpuText(r.GeneratorCPU), "load generator CPU ")})
	if s.OutOfRange > 0 {
		f = append(f, fact{"Outside 1 µs – 60 s", format.Int(s.OutOfRange) + " (counted, not in the percentiles)"})
	}
	return f
}

func metaFacts(r *results.Load) []fact {
	c := r.Config
	start := "—"
	if !r.Start.IsZero() {
		start = r.Start.Format("2006-01-02 15:04:05 MST")
	}
	var cfg []string
	if p := planText(r); p != "" {
		cfg = append(cfg, p)
	}
	if c.DurationS > 0 {
		cfg = append(cfg, "duration "+format.Seconds(c.DurationS))
	}
	if c.Requests > 0 {
		cfg = append(cfg, format.Int(c.Requests)+" requests")
	}
	if c.MaxInFlight > 0 {
		cfg = append(cfg, "max in flight "+format.Int(int64(c.MaxInFlight)))
	}
	if c.Validate != "" {
		cfg = append(cfg, "validate "+c.Validate)
	}
	if c.TimeoutS > 0 {
		cfg = append(cfg, "timeout "+format.Seconds(c.TimeoutS))
	}
	if c.WarmupS > 0 {
		cfg = append(cfg, "warm-up "+format.Seconds(c.WarmupS)+" (not measured)")
	}
	model := r.Model
	switch r.Model {
	case results.Open:
		model = "open: requests scheduled at an arrival rate; latency counts from each request's intended send time"
	case results.Closed:
		model = "closed: workers send back to back; latency is the service time"
	}
	slo := "none"
	if c.SLO != "" {
		slo = c.SLO
	}
	dur := format.Seconds(r.DurationS) + " measured"
	if r.Interrupted {
		dur += " (interrupted)"
	}
	return []fact{
		{"Target", format.OrDash(r.Target.Source)},
		{"Issuer", format.OrDash(r.Target.Issuer)},
		{"Token endpoint", format.OrDash(r.Target.TokenEndpoint)},
		{"Profile", format.OrDash(r.Profile)},
		{"Model", format.OrDash(model)},
		{"Configuration", format.OrDash(strings.Join(cfg, " · "))},
		{"SLO", slo},
		{"tokenbench", format.OrDash(r.Tool.Version)},
		{"Started", start},
		{"Duration", dur},
	}
}

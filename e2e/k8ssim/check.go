package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/tokenbench/tokenbench/reports"
)

// check verifies what the pods did and prints the run's figures; it
// returns the exit status.
func check(c config, m *manifest, p *pods, r *outcome) int {
	failures := 0
	fail := func(format string, args ...any) {
		failures++
		fmt.Printf("k8ssim: FAIL: "+format+"\n", args...)
	}
	for i, code := range r.shardCodes {
		if code != 0 {
			fail("shard pod %d exited %d (see %s)", i, code, filepath.Join(c.work, fmt.Sprintf("shard-%d.log", i)))
		}
	}
	if r.waitCode != 0 || !strings.Contains(r.waitOut, fmt.Sprintf("all %d shards' results are there", m.completions)) {
		fail("the merge's wait exited %d:\n%s", r.waitCode, r.waitOut)
		return 1
	}
	results := filepath.Join(p.root, "results", m.run)
	merged, err := reports.ReadFile(filepath.Join(results, "merged", "load.json"))
	if err != nil || merged.Load == nil {
		fail("the merged result: %v (merge exited %d)\n%s", err, r.mergeCode, r.mergeOut)
		return 1
	}
	ml := merged.Load

	// The sums.
	var requests, ok, errs, ivRequests, planned int64
	var shardP99s []float64
	all := map[bool]*hdr.Histogram{false: hdr.New(1, 60_000_000, 3), true: hdr.New(1, 60_000_000, 3)}
	for i := range m.completions {
		f, err := reports.ReadFile(filepath.Join(results, fmt.Sprint(i), "load.json"))
		if err != nil || f.Load == nil {
			fail("shard %d: %v", i, err)
			continue
		}
		s := f.Load
		requests += s.Summary.Requests
		ok += s.Summary.OK
		errs += s.Summary.Errors
		planned += s.Summary.Requests + s.Summary.Unsent
		shardP99s = append(shardP99s, s.Summary.LatencyMS.P99)
		if s.Shard == nil || s.Shard.Index != i+1 || s.Shard.Count != m.completions {
			fail("shard pod %d ran shard %v, want %d/%d", i, s.Shard, i+1, m.completions)
		}
		// one histogram of every sample: each shard's per-second histograms
		// (recorded apart from its summary) recorded into one
		for _, iv := range s.Intervals {
			ivRequests += iv.Requests
			if iv.HDR == nil {
				continue
			}
			for service, enc := range map[bool]string{false: iv.HDR.Latency, true: iv.HDR.Service} {
				h, err := hdr.Decode([]byte(enc))
				if err != nil {
					fail("shard %d interval %g: %v", i, iv.T, err)
					continue
				}
				for _, b := range h.Distribution() {
					if err := all[service].RecordValues(b.From, b.Count); err != nil {
						fail("shard %d interval %g: %v", i, iv.T, err)
					}
				}
			}
		}
	}
	ms := ml.Summary
	if ms.Requests != requests || ms.OK != ok || ms.Errors != errs {
		fail("merged requests %d ok %d errors %d, but the shards' add up to %d, %d, %d", ms.Requests, ms.OK, ms.Errors, requests, ok, errs)
	}
	var mergedIv int64
	for _, iv := range ml.Intervals {
		mergedIv += iv.Requests
	}
	if mergedIv != ivRequests {
		fail("the merged per-second intervals hold %d requests, the shards' %d", mergedIv, ivRequests)
	}
	if all[false].TotalCount() != ms.Requests-ms.OutOfRange {
		fail("the shards' per-second histograms hold %d samples, the merged summary %d requests (%d out of range)", all[false].TotalCount(), ms.Requests, ms.OutOfRange)
	}
	// The percentiles of all the samples.
	for _, q := range []struct {
		name         string
		pct          float64
		latency, svc float64
	}{
		{"p50", 50, ms.LatencyMS.P50, ms.ServiceTimeMS.P50}, {"p90", 90, ms.LatencyMS.P90, ms.ServiceTimeMS.P90},
		{"p99", 99, ms.LatencyMS.P99, ms.ServiceTimeMS.P99}, {"p99.9", 99.9, ms.LatencyMS.P999, ms.ServiceTimeMS.P999},
		{"max", 100, ms.LatencyMS.Max, ms.ServiceTimeMS.Max},
	} {
		for _, x := range []struct {
			what   string
			h      *hdr.Histogram
			merged float64
		}{{"latency", all[false], q.latency}, {"service time", all[true], q.svc}} {
			want := float64(x.h.ValueAtQuantile(q.pct)) / 1000
			if q.pct == 100 {
				want = float64(x.h.Max()) / 1000
			}
			if x.merged != want {
				fail("merged %s %s %g ms, but one histogram of all %d samples says %g ms", x.what, q.name, x.merged, x.h.TotalCount(), want)
			}
		}
	}

	// The shards it holds, and when they began.
	if len(ml.MergedFrom) != m.completions || len(ml.MissingShards) != 0 {
		fail("merged from %d parts, missing %v; want %d", len(ml.MergedFrom), ml.MissingShards, m.completions)
	}
	var skews []string
	for i, part := range ml.MergedFrom {
		if part.Shard == nil || part.Shard.Index != i+1 || part.StartAt == nil || part.StartAt.UTC().Format("2006-01-02T15:04:05Z") != m.startAt {
			fail("part %d: shard %v, start at %v; want %d/%d at %s", i, part.Shard, part.StartAt, i+1, m.completions, m.startAt)
			continue
		}
		skews = append(skews, fmt.Sprintf("%d/%d +%.2f ms", i+1, m.completions, 1000*part.StartSkewS))
	}

	// One verdict, and the exit status is it.
	pass := len(ml.SLO) > 0 && !ml.Interrupted && ml.Aborted == ""
	for _, s := range ml.SLO {
		pass = pass && s.Pass
	}
	word := map[bool]string{true: "PASS", false: "FAIL"}[pass]
	if (r.mergeCode == 0) != pass || r.mergeCode != 0 && r.mergeCode != 1 {
		fail("the merge exited %d, but the merged result says %s:\n%s", r.mergeCode, word, r.mergeOut)
	}
	html, err := os.ReadFile(filepath.Join(results, "merged", "load.html"))
	if err != nil {
		fail("load.html: %v", err)
	}
	class := map[bool]string{true: "pass", false: "fail"}[pass]
	if n := strings.Count(string(html), `<header class="verdict `); n != 1 || !strings.Contains(string(html), `<header class="verdict `+class+`"`) || !strings.Contains(string(html), `<div class="word">`+word+`</div>`) {
		fail("load.html does not show the one verdict %s (%d verdict headers)", word, n)
	}
	if _, err := os.Stat(filepath.Join(results, "merged", "load.md")); err != nil {
		fail("load.md: %v", err)
	}

	// The figures, as this machine gave them.
	var mean float64
	for _, v := range shardP99s {
		mean += v / float64(len(shardP99s))
	}
	fmt.Printf("k8ssim: %d shards from %s, began %s after it\n", m.completions, m.startAt, strings.Join(skews, ", "))
	fmt.Printf("k8ssim: merged %d requests (the shards': %d; planned %d, sent %d), %d errors, %.1f/s of %.1f/s\n", ms.Requests, requests, planned, ms.Requests, ms.Errors, ms.ThroughputRPS, ms.TargetRPS)
	one := float64(all[false].ValueAtQuantile(99)) / 1000
	fmt.Printf("k8ssim: merged p99 %.3f ms %s p99 of one histogram of all %d samples %.3f ms (the mean of the shards' p99s would say %.3f ms)\n",
		ms.LatencyMS.P99, map[bool]string{true: "=", false: "≠"}[ms.LatencyMS.P99 == one], all[false].TotalCount(), one, mean)
	for _, l := range ml.Limits {
		fmt.Printf("k8ssim: limited by %s\n", l)
	}
	fmt.Printf("k8ssim: verdict %s (merge exit %d): %s\n", word, r.mergeCode, filepath.Join(results, "merged", "load.html"))
	if failures > 0 {
		fmt.Printf("k8ssim: %d checks failed\n", failures)
		return 1
	}
	fmt.Println("k8ssim: every check holds")
	return 0
}

package results

import (
	"fmt"
	"io"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// WriteHlog writes the per-second histograms as an HdrHistogram interval
// log (the format of HdrHistogram's HistogramLogWriter), two tagged series:
// Tag=latency (from the intended send time) and Tag=service (from the
// actual send), values in microseconds.
//
// https://github.com/HdrHistogram/HdrHistogram/blob/master/GoogleChartsExample/README.md
func (r *Load) WriteHlog(w io.Writer) error {
	lw := hdr.NewHistogramLogWriter(w)
	startMs := r.IntervalEpoch * 1000
	if err := lw.OutputLogFormatVersion(); err != nil {
		return err
	}
	if err := lw.OutputComment(fmt.Sprintf("[tokenbench %s load run against %s, values in microseconds]", r.Tool.Version, r.Target.TokenEndpoint)); err != nil {
		return err
	}
	if err := lw.OutputStartTime(startMs); err != nil {
		return err
	}
	lw.SetBaseTime(startMs)
	if err := lw.OutputBaseTime(startMs); err != nil {
		return err
	}
	if err := lw.OutputLegend(); err != nil {
		return err
	}
	for _, iv := range r.Intervals {
		if iv.HDR == nil {
			continue
		}
		for _, s := range []struct{ tag, enc string }{{"latency", iv.HDR.Latency}, {"service", iv.HDR.Service}} {
			h, err := DecodeHistogram(s.enc)
			if err != nil {
				return err
			}
			h.SetTag(s.tag)
			h.SetStartTimeMs(startMs + int64(iv.T*1000))
			h.SetEndTimeMs(startMs + int64(iv.T*1000) + 1000)
			if err := lw.OutputIntervalHistogram(h); err != nil {
				return err
			}
		}
	}
	return nil
}

package compare

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/tokenbench/tokenbench/reports/format"
)

// methodNote is the one-line method summary under a load table.
const methodNote = "noise: percentiles are within noise when the values at ranks n·q ± 2σ (σ = √(n·q·(1−q)), from the HDR histograms) overlap; error rate and late share by a two-proportion z-test (|z| < 2)"

func (Deltas) header(c *Result) [][2]string {
	text := "none given (--max-regression): deltas only"
	if len(c.Thresholds) > 0 {
		parts := make([]string, len(c.Thresholds))
		for i, t := range c.Thresholds {
			parts[i] = t.Expr
		}
		text = strings.Join(parts, ", ")
	}
	return [][2]string{{"thresholds", text}}
}

// verdict is the closing verdict in words.
func (ds Deltas) verdict(c *Result) string {
	var worse, noise []string
	for _, d := range ds {
		name := d.Scope + " " + d.Metric
		if d.Scope == "summary" {
			name = d.Metric
		}
		switch d.Verdict {
		case Regression:
			worse = append(worse, fmt.Sprintf("%s %s", name, d.changeText()))
		case WithinNoise:
			noise = append(noise, name)
		}
	}
	switch {
	case len(worse) > 0:
		return fmt.Sprintf("REGRESSION: %s beyond --max-regression and beyond noise: %s", format.Plural(len(worse), "figure", "figures"), strings.Join(worse, "; "))
	case len(c.Thresholds) == 0:
		return "OK: no thresholds given"
	case len(noise) > 0:
		return fmt.Sprintf("OK: no regression beyond noise (%s crossed a threshold within noise: %s)", strings.Join(noise, ", "), "the sample sizes cannot resolve the difference")
	}
	return "OK: every figure within --max-regression"
}

func (ds Deltas) writeText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SCOPE\tFIGURE\tBASE\tNEW\tCHANGE\tNOISE\tVERDICT\t")
	for _, d := range ds {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", d.Scope, d.Metric, valueText(d.Base, d.Unit), valueText(d.New, d.Unit),
			d.changeText(), d.noiseText(), d.verdictText())
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, d := range ds {
		if d.Verdict == Regression || d.Verdict == WithinNoise {
			fmt.Fprintf(w, "  %s %s: %s (%s)\n", d.Scope, d.Metric, d.noiseText(), d.noiseDetail())
		}
	}
	_, err := fmt.Fprintf(w, "\n%s\n", methodNote)
	return err
}

func (ds Deltas) writeMarkdown(b *strings.Builder) {
	b.WriteString("| scope | figure | base | new | change | noise | verdict |\n|---|---|---:|---:|---:|---|---|\n")
	for _, d := range ds {
		v := d.verdictText()
		if d.Verdict == Regression {
			v = "**" + v + "**"
		}
		noise := d.noiseText()
		if d.Verdict != "" && d.Verdict != OK {
			noise += " (" + d.noiseDetail() + ")"
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s |\n", format.MDCell(d.Scope), d.Metric, valueText(d.Base, d.Unit), valueText(d.New, d.Unit),
			d.changeText(), format.MDCell(noise), v)
	}
	fmt.Fprintf(b, "\n<sub>%s</sub>\n", format.MDCell(methodNote))
}

// valueText writes a figure's value with its unit, fixed decimals for the
// table: "12.30 ms", "49.5/s", "0.150%".
func valueText(v float64, unit string) string {
	switch unit {
	case "ms":
		return fmt.Sprintf("%.2f ms", v)
	case "rps":
		return fmt.Sprintf("%.1f/s", v)
	case "%":
		return fmt.Sprintf("%.3f%%", v)
	}
	return format.Float(v, 3)
}

// changeText writes a delta's change: "+1.20 ms (+6.0%)", "-0.050 pp".
func (d FigureDelta) changeText() string {
	var s string
	switch d.Unit {
	case "ms":
		s = fmt.Sprintf("%+.2f ms", d.Change)
	case "rps":
		s = fmt.Sprintf("%+.1f/s", d.Change)
	case "%":
		return fmt.Sprintf("%+.3f pp", d.Change)
	}
	switch {
	case d.Base != 0:
		s += fmt.Sprintf(" (%+.1f%%)", d.Relative)
	case d.Change != 0:
		s += " (from 0)"
	}
	return s
}

// noiseText is a delta's noise column.
func (d FigureDelta) noiseText() string {
	n := d.Noise
	switch {
	case n == nil || n.Method == "none":
		return "-"
	case d.Change == 0:
		return "same"
	case n.Within:
		return "within noise"
	}
	return "beyond noise"
}

// noiseDetail explains a judgement: "±2σ ranks: 18.20..25.10 vs 19.00..26.30 ms", "z = 2.31".
func (d FigureDelta) noiseDetail() string {
	n := d.Noise
	if n == nil {
		return ""
	}
	switch n.Method {
	case "rank":
		return fmt.Sprintf("±2σ ranks: %.2f..%.2f vs %.2f..%.2f ms", n.BaseLow, n.BaseHigh, n.NewLow, n.NewHigh)
	case "mean", "two-proportion", "poisson":
		return fmt.Sprintf("z = %.2f", n.Z)
	}
	return n.Note
}

func (d FigureDelta) verdictText() string {
	switch d.Verdict {
	case Regression:
		return "REGRESSION (" + d.Threshold + ")"
	case WithinNoise:
		return "within noise (" + d.Threshold + ")"
	case OK:
		return "ok (" + d.Threshold + ")"
	}
	return ""
}

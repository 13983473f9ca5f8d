// Package format writes figures and text for people, the same way in every
// report: milliseconds, rates, percentages, counts, run times, and text
// made safe for Markdown.
package format

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MS writes milliseconds with about three significant digits: "0.95 ms",
// "12.3 ms", "412 ms", "2.41 s".
func MS(v float64) string {
	switch a := math.Abs(v); {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return "—"
	case a >= 1000:
		return Float(v/1000, 2) + " s"
	case a >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64) + " ms"
	case a >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64) + " ms"
	case a == 0:
		return "0 ms"
	}
	return strconv.FormatFloat(v, 'f', 2, 64) + " ms"
}

// Seconds writes a run time given in seconds: "3m05s", "27 s", "4.2 s",
// MS below a second, "0 s" for none.
func Seconds(s float64) string {
	switch {
	case s <= 0:
		return "0 s"
	case s >= 120:
		m := int(s) / 60
		return fmt.Sprintf("%dm%02ds", m, int(s)-60*m)
	case s >= 10:
		return fmt.Sprintf("%.0f s", s)
	case s >= 1:
		return fmt.Sprintf("%.1f s", s)
	}
	return MS(s * 1000)
}

// Rate writes a rate per second: "50.2/s", "12,346/s".
func Rate(v float64) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return "—"
	case v >= 1000:
		return Int(int64(math.Round(v))) + "/s"
	}
	return Float(v, 1) + "/s"
}

// Percent writes a fraction as a percentage: "0.63 %".
func Percent(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "—"
	}
	return PercentNumber(100*f) + " %"
}

// PercentNumber writes a percentage's number, with more decimals when it
// is small: "0.040", "6.27", "99.9".
func PercentNumber(p float64) string {
	switch a := math.Abs(p); {
	case a == 0:
		return "0"
	case a < 0.1:
		return strconv.FormatFloat(p, 'f', 3, 64)
	case a < 10:
		return strconv.FormatFloat(p, 'f', 2, 64)
	}
	return strconv.FormatFloat(p, 'f', 1, 64)
}

// Share writes n of total as a percentage; "—" when total is 0.
func Share(n, total int64) string {
	if total <= 0 {
		return "—"
	}
	return Percent(float64(n) / float64(total))
}

// Float writes v with at most decimals decimals, trailing zeros dropped.
func Float(v float64, decimals int) string {
	s := strconv.FormatFloat(v, 'f', decimals, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// Figure writes a value with about three significant digits, whole
// numbers as they are: "1200", "12.5", "3.14", "0.0123".
func Figure(v float64) string {
	switch a := math.Abs(v); {
	case v == math.Trunc(v) && a < 1e15:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 10:
		return Float(v, 1)
	case a >= 1:
		return Float(v, 2)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// Int writes n with thousands separators: "1,234,567".
func Int(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// Plural writes "1 row" or "N rows".
func Plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// OrDash is s, or "-" when s is empty.
func OrDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// Capitalize upper-cases s's first letter.
func Capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// FirstLine returns s up to its first line break.
func FirstLine(s string) string {
	s = strings.TrimLeft(s, "\n")
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return strings.TrimRight(s[:i], "\r ")
	}
	return s
}

// Trim keeps s's first line, at most n characters (an ellipsis ends a
// longer one).
func Trim(s string, n int) string {
	s = FirstLine(s)
	if utf8.RuneCountInString(s) > n {
		s = string([]rune(s)[:n-1]) + "…"
	}
	return s
}

package format

import (
	"strings"
	"testing"
)

func TestNumbers(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ got, want string }{
		{MS(0), "0 ms"}, {MS(0.953), "0.95 ms"}, {MS(1.094), "1.09 ms"}, {MS(12.34), "12.3 ms"},
		{MS(412.4), "412 ms"}, {MS(2412.5), "2.41 s"}, {MS(60000), "60 s"},
		{Rate(50.18), "50.2/s"}, {Rate(400), "400/s"}, {Rate(12345.6), "12,346/s"},
		{Percent(0), "0 %"}, {Percent(0.00627), "0.63 %"}, {Percent(0.0004), "0.040 %"}, {Percent(0.999), "99.9 %"},
		{Share(1, 4), "25.0 %"}, {Share(1, 0), "—"},
		{Int(0), "0"}, {Int(999), "999"}, {Int(1000), "1,000"}, {Int(-1234567), "-1,234,567"},
		{Float(1.50, 2), "1.5"}, {Float(2, 3), "2"}, {Float(0.125, 2), "0.12"},
		{Figure(1200), "1200"}, {Figure(12.54), "12.5"}, {Figure(3.14159), "3.14"}, {Figure(0.012345), "0.0123"}, {Figure(250.4), "250"},
		{Seconds(0.0274), "27.4 ms"}, {Seconds(0.0031), "3.10 ms"}, {Seconds(4.2), "4.2 s"}, {Seconds(27.4), "27 s"}, {Seconds(185), "3m05s"}, {Seconds(0), "0 s"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestText(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ got, want string }{
		{Plural(1, "row", "rows"), "1 row"}, {Plural(0, "row", "rows"), "0 rows"},
		{OrDash(""), "-"}, {Capitalize("code supply"), "Code supply"}, {Capitalize(""), ""},
		{FirstLine("\nfirst \r\nsecond"), "first"}, {Trim("abcdef\nx", 4), "abc…"}, {Trim("abc", 4), "abc"},
		{MDCell("a | b"), `a \| b`}, {MDCell("two\nlines"), "two lines"}, {MDCell("<script>"), "&lt;script&gt;"},
		{MDCell(strings.Repeat("x", 300)), strings.Repeat("x", MDCellMax-1) + "…"},
		{MDInline(strings.Repeat("x", 300)), strings.Repeat("x", 300)},
		{MDCode("a`b|c\nd"), `a'b\|c d`},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

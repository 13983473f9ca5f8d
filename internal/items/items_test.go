package items

import (
	"errors"
	"fmt"
	"testing"
)

func TestSplit(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		expr string
		want string
	}{
		{"a", `[{a 1 1}]`},
		{" a , b,", `[{a 1 2} {b 2 6} { 3 8}]`},
		{"µs<1,\tx", `[{µs<1 1 1} {x 2 7}]`},
		{"", `[{ 1 1}]`},
	} {
		if got := fmt.Sprint(Split(tt.expr)); got != tt.want {
			t.Errorf("Split(%q) = %s, want %s", tt.expr, got, tt.want)
		}
	}
}

func TestError(t *testing.T) {
	t.Parallel()
	it := Split("p99<1ms, p98<2ms")[1]
	var err error = At("slo", it, "unknown metric", "METRIC OP VALUE")
	if got, want := err.Error(), `slo item 2 "p98<2ms" at column 10: unknown metric; want METRIC OP VALUE`; got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
	var e *Error
	if !errors.As(err, &e) || e.Index != 2 {
		t.Errorf("errors.As: %v %+v", err, e)
	}
	whole := &Error{What: "stages", Reason: "empty", Want: "DURATION@RATE"}
	if got, want := whole.Error(), "stages: empty; want DURATION@RATE"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

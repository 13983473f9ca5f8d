package suites

import (
	"strings"
	"testing"
)

func TestDetection(t *testing.T) {
	t.Parallel()
	tests := []struct {
		k, n int
		want string
	}{
		{5, 5, "caught in 5 of 5 rounds, a detection rate of 100% per round (95% interval 57–100%)"},
		{3, 10, "caught in 3 of 10 rounds, a detection rate of 30% per round (95% interval 11–60%)"},
		{20, 20, "caught in 20 of 20 rounds, a detection rate of 100% per round (95% interval 84–100%)"},
		{0, 20, "a race this technique shows in more than 14% of rounds would have been caught with 95% confidence"},
		{0, 5, "more than 45% of rounds"},
		{0, 0, "no rounds run"},
	}
	for _, tt := range tests {
		if got := detection(tt.k, tt.n); !strings.HasPrefix(got, tt.want) && !strings.Contains(got, tt.want) {
			t.Errorf("detection(%d, %d) = %q, want %q", tt.k, tt.n, got, tt.want)
		}
	}
}

func TestFirstOf(t *testing.T) {
	t.Parallel()
	if got := firstOf([]string{"a", "b"}, 3); got != "a; b" {
		t.Errorf("firstOf = %q", got)
	}
	if got := firstOf([]string{"a", "b", "c", "d", "e"}, 3); got != "a; b; c; and 2 more" {
		t.Errorf("firstOf = %q", got)
	}
}

package runner

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/internal/codes"

	"github.com/tokenbench/tokenbench/runner/results"
)

func TestParseShard(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   string
		want results.Shard
		err  string
	}{
		{"1/3", results.Shard{Index: 1, Count: 3}, ""},
		{" 3 / 3 ", results.Shard{Index: 3, Count: 3}, ""},
		{"1/1", results.Shard{Index: 1, Count: 1}, ""},
		{"0/3", results.Shard{}, "I is not from 1 to N"},
		{"4/3", results.Shard{}, "I is not from 1 to N"},
		{"1/0", results.Shard{}, "N is not from 1 to 1000"},
		{"2", results.Shard{}, `no "/"`},
		{"a/b", results.Shard{}, "not two whole numbers"},
		{"1/1001", results.Shard{}, "N is not from 1 to 1000"},
	} {
		got, err := ParseShard(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.Contains(err.Error(), "want I/N") {
				t.Errorf("ParseShard(%q): %v, want an error with %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseShard(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}

func TestPlanScale(t *testing.T) {
	t.Parallel()
	p := mustPlan(ParseStages("10s@100,ramp:20s@0-300"))
	got := p.Scale(0.25)
	want := Plan{Stages: []Stage{
		{Name: "10s@100", Duration: 10 * time.Second, From: 25, To: 25},
		{Name: "ramp:20s@0-300", Duration: 20 * time.Second, From: 0, To: 75},
	}}
	if !slices.Equal(got.Stages, want.Stages) {
		t.Errorf("Scale(0.25) = %+v, want %+v", got, want)
	}
	if p.Stages[0].From != 100 {
		t.Error("Scale modified its receiver")
	}
	if got, want := got.Expected(0)+got.Expected(1), (p.Expected(0)+p.Expected(1))/4; got != want {
		t.Errorf("expected arrivals %v, want %v", got, want)
	}
}

// TestShardPlanSplitsRequestsExactly: the shards' request bounds add up to
// the plan's, shard I taking requests I, I+N, ...
func TestShardPlanSplitsRequestsExactly(t *testing.T) {
	t.Parallel()
	p := mustPlan(ConstantPlan(100, 0, 1001))
	var total int64
	var got []int64
	for i := 1; i <= 3; i++ {
		sp, err := p.Shard(results.Shard{Index: i, Count: 3})
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(sp.Stages[0].From-100.0/3) > 1e-12 || sp.Stages[0].Name != p.Stages[0].Name {
			t.Errorf("shard %d: stage %+v", i, sp.Stages[0])
		}
		got = append(got, sp.Stages[0].Requests)
		total += sp.Stages[0].Requests
	}
	if total != 1001 || !slices.Equal(got, []int64{334, 334, 333}) {
		t.Errorf("requests per shard %v (total %d), want [334 334 333]", got, total)
	}
	if _, err := mustPlan(ConstantPlan(10, 0, 2)).Shard(results.Shard{Index: 1, Count: 3}); err == nil || !strings.Contains(err.Error(), "fewer than the 3 shards") {
		t.Errorf("2 requests in 3 shards: %v", err)
	}
	if one, _ := p.Shard(results.Shard{Index: 1, Count: 1}); !slices.Equal(one.Stages, p.Stages) {
		t.Errorf("shard 1/1 changed the plan: %+v", one)
	}
}

func codesFile(t *testing.T, n int) string {
	t.Helper()
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "{\"code\":\"c%d\"}\n", i)
		if i%4 == 0 {
			b.WriteString("\n") // blank lines do not count
		}
	}
	path := filepath.Join(t.TempDir(), "codes.jsonl")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestShardCodesPartitionAFile: the shards of a codes file redeem disjoint
// codes that together are the whole file, through a prefetch pipeline as a
// load run uses it, and each shard's OnObtained sees only its own.
func TestShardCodesPartitionAFile(t *testing.T) {
	t.Parallel()
	path := codesFile(t, 20)
	seen := map[string]int{}
	for i := 1; i <= 3; i++ {
		sh := results.Shard{Index: i, Count: 3}
		f, err := codes.NewFile(path, codes.Code{ClientID: "c", RedirectURI: "https://rp/cb"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		var observed int
		src := ShardCodes(codes.Prefetch(f, 4, 0, nil, codes.WithOnObtained(func(c codes.Code) {
			if ShardOwns(sh, c) {
				observed++
			}
		})), sh)
		var got []string
		for {
			c, err := src.Next(context.Background())
			if errors.Is(err, codes.ErrExhausted) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, c.Value)
			seen[c.Value]++
		}
		src.Close()
		wantN := []int{7, 7, 6}[i-1]
		if len(got) != wantN || got[0] != fmt.Sprintf("c%d", i) || got[1] != fmt.Sprintf("c%d", i+3) {
			t.Errorf("shard %s: %v", sh, got)
		}
		if observed != wantN || src.Stats().Used != int64(wantN) {
			t.Errorf("shard %s: observed %d, used %d, want %d", sh, observed, src.Stats().Used, wantN)
		}
	}
	if len(seen) != 20 {
		t.Errorf("the shards redeemed %d distinct codes, want all 20", len(seen))
	}
	for v, n := range seen {
		if n != 1 {
			t.Errorf("%s redeemed %d times", v, n)
		}
	}
	if src := ShardCodes(nil, results.Shard{Index: 1, Count: 1}); src != nil {
		t.Errorf("shard 1/1 wraps the source")
	}
}

package target

import (
	"context"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/internal/provider"
)

func TestTry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		defects   map[string]float64
		succeeded bool
		failed    int // MUST findings
		warnings  int
	}{
		{"clean", nil, true, 0, 0},
		{"a MUST row fails", map[string]float64{"no-pragma": 1}, true, 1, 0},
		{"a SHOULD row warns", map[string]float64{"long-lifetime": 1}, true, 0, 2},
		{"no tokens", map[string]float64{"status-201": 1}, false, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tg, err := Open(context.Background(), "", provider.Config{Defects: tt.defects}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer tg.Close()
			tr, err := tg.Try(context.Background(), 10*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			if tr.Code == nil || tr.Exchange == nil || tr.Succeeded() != tt.succeeded {
				t.Fatalf("code %v, exchange %v, succeeded %v (want %v)", tr.Code, tr.Exchange != nil, tr.Succeeded(), tt.succeeded)
			}
			n := tr.Tally()
			if n.Failed != tt.failed || n.Warnings != tt.warnings || len(n.Findings) != tt.failed+tt.warnings {
				t.Errorf("tally %+v, want %d failed and %d warnings", n, tt.failed, tt.warnings)
			}
			if tt.succeeded && n.Passed == 0 {
				t.Errorf("tally %+v: nothing passed", n)
			}
		})
	}
}

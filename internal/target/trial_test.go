package target

import (
	"context"
	"os"
	"path/filepath"
	"strings"
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

// TestTryEveryMethod: the embedded target redeems a code with each client
// authentication method, its credentials written and read back as a target
// file's, and the directory is gone after Close.
func TestTryEveryMethod(t *testing.T) {
	t.Parallel()
	for _, m := range provider.Methods() {
		t.Run(m, func(t *testing.T) {
			t.Parallel()
			tg, err := Open(context.Background(), "", provider.Config{}, Options{AuthMethods: []string{m}})
			if err != nil {
				t.Fatal(err)
			}
			if tg.Auth.Method() != m {
				t.Errorf("Auth %v, want %s", tg.Auth, m)
			}
			tr, err := tg.Try(context.Background(), 10*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			if !tr.Succeeded() {
				t.Fatalf("%s: %d %s\n%s", m, tr.Exchange.Status(), tr.Exchange.OAuthError(), tr.Exchange.Redacted(tg.Redactor).Format())
			}
			if n := tr.Tally(); n.Failed != 0 {
				t.Errorf("%s: findings %v", m, n.Findings)
			}
			dir := filepath.Dir(tg.File().TLS.CAFile)
			if err := tg.Close(); err != nil {
				t.Error(err)
			}
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				t.Errorf("the credentials directory %s is still there: %v", dir, err)
			}
		})
	}
	if _, err := Open(context.Background(), "", provider.Config{}, Options{AuthMethods: []string{"magic"}}); err == nil || !strings.Contains(err.Error(), `registered for "magic"`) {
		t.Errorf("unknown method: %v", err)
	}
}

package reports

import (
	"os/exec"
	"strings"
	"testing"
)

// TestReportsLinkNoClient: rendering, comparing and merging results (the
// packages 'report html|md|compare|merge' use) links no target, code
// source, HTTP client, provider or load engine.
func TestReportsLinkNoClient(t *testing.T) {
	t.Parallel()
	const mod = "github.com/tokenbench/tokenbench/"
	out, err := exec.Command("go", "list", "-deps", mod+"reports", mod+"reports/compare", mod+"runner/results").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		switch dep {
		case mod + "internal/target", mod + "internal/codes", mod + "internal/exchange", mod + "internal/provider", mod + "runner", "net/http":
			t.Errorf("the reports link %s", dep)
		}
	}
}

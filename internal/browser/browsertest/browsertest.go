// Package browsertest finds the Chromium that tests of the browser code
// source need.
package browsertest

import (
	"os"
	"testing"

	"github.com/tokenbench/tokenbench/internal/browser"
)

// Chromium returns the Chromium to test with. When there is none it skips
// the test, loudly, on a developer's machine, and fails it in CI (CI=true),
// where .ci/run installs Debian's chromium: a CI run never passes by
// skipping the browser tests.
func Chromium(t testing.TB) string {
	t.Helper()
	path, err := browser.Find(os.Getenv("TOKENBENCH_CHROMIUM"))
	if err == nil {
		return path
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true and no Chromium to run the browser tests: %v (.ci/run installs Debian's chromium)", err)
	}
	t.Skipf("SKIPPED: the browser code source is NOT TESTED here: %v (apt-get install chromium, or set TOKENBENCH_CHROMIUM)", err)
	return ""
}

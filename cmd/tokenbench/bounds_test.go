package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestInputBounds: zero or nonsensical settings, settings over their
// documented maximum, and input files that are too large or not regular
// files (a FIFO, a device) are bad input (exit 2) with a message naming
// the flag or the file, never replaced by a default and never read
// without end.
func TestInputBounds(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	big := writeFile(t, dir, "big.yaml", "# "+strings.Repeat("x", 1<<20)+"\n")
	// a result file past the bound, sparse: no disk space used
	huge := filepath.Join(dir, "huge.json")
	if err := os.WriteFile(huge, nil, 0o600); err != nil || os.Truncate(huge, 513<<20) != nil {
		t.Fatal("cannot create a sparse file")
	}
	srv := refProvider(t, "s")
	codesFIFO := writeFile(t, dir, "codes-fifo.yaml", targetYAML(srv.URL, "codes: {source: file, path: "+fifo+"}\n"))
	caFIFO := writeFile(t, dir, "ca-fifo.yaml", targetYAML(srv.URL, "codes: {source: authorize}\ntls: {ca_file: "+fifo+"}\n"))
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"load", "--duration", "0"}, "load: --duration 0s: must be positive (leave it out for the default)"},
		{[]string{"load", "--rate", "0"}, "load: --rate 0: must be positive"},
		{[]string{"load", "--rate", "1e-300"}, "load: --rate 0.000"},
		{[]string{"load", "--requests", "0"}, "load: --requests 0: must be positive"},
		{[]string{"load", "--concurrency", "0"}, "load: --concurrency 0: must be positive"},
		{[]string{"load", "--warmup", "-1s"}, "load: --warmup -1s: must not be negative"},
		{[]string{"load", "--stages", ""}, `load: --stages "": must be positive`},
		{[]string{"load", "--concurrency", "10001"}, "load: --concurrency 10001: at most 10000 workers"},
		{[]string{"load", "--max-in-flight", "10001"}, "load: --max-in-flight 10001: at most 10000"},
		{[]string{"load", "--stages", strings.Repeat("1s@5,", 50) + "1s@5"}, "stages: 51 stages, more than 50"},
		{[]string{"capacity", "--slo", "p99<1s", "--start", "0"}, "capacity: --start 0: must be positive"},
		{[]string{"capacity", "--slo", "p99<1s", "--factor", "0"}, "capacity: --factor 0: must be positive"},
		{[]string{"capacity", "--slo", "p99<1s", "--step-duration", "0"}, "capacity: --step-duration 0s: must be positive"},
		{[]string{"capacity", "--slo", "p99<1s", "--max-in-flight", "0"}, "capacity: --max-in-flight 0: must be positive"},
		{[]string{"capacity", "--slo", "p99<1s", "--timeout", "0"}, "capacity: --timeout 0s: must be positive"},
		{[]string{"capacity", "--slo", "p99<1s", "--max", "0"}, "capacity: --max 0: must be positive"},
		{[]string{"capacity", "--slo", "p99<1s", "--start", "1e-300"}, "capacity: --start 1e-300: want a rate from 0.001/s"},
		{[]string{"capacity", "--slo", "p99<1s", "--max-in-flight", "10001"}, "capacity: --max-in-flight 10001: at most 10000"},
		{[]string{"target", "check", "-t", fifo}, fifo + " is a named pipe (FIFO), not a regular file"},
		{[]string{"target", "check", "-t", "/dev/zero"}, "/dev/zero is a device, not a regular file"},
		{[]string{"target", "check", "-t", big}, big + " is larger than 1 MiB"},
		{[]string{"target", "check", "-t", codesFIFO}, fifo + " is a named pipe (FIFO), not a regular file"},
		{[]string{"target", "check", "-t", caFIFO}, fifo + " is a named pipe (FIFO), not a regular file"},
		{[]string{"target", "check", "--profile", fifo}, fifo + " is a named pipe (FIFO)"},
		{[]string{"conform", "--expected-failures", fifo}, fifo + " is a named pipe (FIFO)"},
		{[]string{"profiles", "validate", big}, big + " is larger than 1 MiB"},
		{[]string{"report", "html", fifo}, fifo + " is a named pipe (FIFO)"},
		{[]string{"report", "md", huge}, huge + " is larger than 512 MiB"},
		{[]string{"report", "compare", huge, huge}, huge + " is larger than 512 MiB"},
		{[]string{"report", "merge", "/dev/zero", "/dev/null"}, "/dev/zero is a device"},
	}
	for _, tt := range tests {
		name := strings.Join(tt.args, " ")
		t.Run(name[:min(len(name), 48)], func(t *testing.T) {
			t.Parallel()
			args := tt.args
			if args[0] == "load" || args[0] == "capacity" {
				args = append(args, "--out", t.TempDir())
			}
			code, out, errs := runCLI(t, map[string]string{"SECRET": "s"}, args...)
			if code != exitBadInput || !strings.Contains(errs, tt.want) {
				t.Errorf("%q: exit %d, want 2 and a message containing %q\nstdout:\n%s\nstderr:\n%s", tt.args, code, tt.want, out, errs)
			}
		})
	}
}

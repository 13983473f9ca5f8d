package inputfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestRead(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	small := filepath.Join(dir, "small.yaml")
	if err := os.WriteFile(small, []byte("issuer: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, make([]byte, 2049), 0o600); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path string
		wantErr    error
		wantText   string
	}{
		{"regular", small, nil, ""},
		{"too large", big, ErrTooLarge, big + " is larger than 2 KiB"},
		{"fifo", fifo, ErrNotRegular, fifo + " is a named pipe (FIFO), not a regular file"},
		{"device", "/dev/zero", ErrNotRegular, "/dev/zero is a device, not a regular file"},
		{"directory", dir, ErrNotRegular, dir + " is a directory"},
		{"missing", filepath.Join(dir, "nope"), os.ErrNotExist, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			data, err := Read(tt.path, 2048)
			if tt.wantErr == nil {
				if err != nil || string(data) != "issuer: x\n" {
					t.Fatalf("Read = %q, %v", data, err)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.wantText) {
				t.Fatalf("Read error = %v, want %v containing %q", err, tt.wantErr, tt.wantText)
			}
		})
	}
}

func TestSize(t *testing.T) {
	t.Parallel()
	for n, want := range map[int64]string{100: "100 B", 2048: "2 KiB", MaxConfig: "1 MiB", MaxResult: "512 MiB", 1 << 30: "1 GiB", 1500: "1500 B"} {
		if got := Size(n); got != want {
			t.Errorf("Size(%d) = %q, want %q", n, got, want)
		}
	}
}

package reports

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// WriteFile leaves the file whole or as it was, and nothing beside it: a
// reader polling for the file (the merge's wait) never sees half of it.
func TestWriteFileWholeOrNothing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "load.json")
	if err := WriteFile(p, func(w io.Writer) error { _, err := io.WriteString(w, "first"); return err }); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	if err := WriteFile(p, func(w io.Writer) error { io.WriteString(w, "half"); return boom }); !errors.Is(err, boom) {
		t.Errorf("a failed render: %v", err)
	}
	if err := WriteFile(filepath.Join(dir, "missing", "x.json"), func(w io.Writer) error { return nil }); err == nil {
		t.Error("a file in a missing directory: no error")
	}
	b, _ := os.ReadFile(p)
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if string(b) != "first" || !slices.Equal(names, []string{"load.json"}) {
		t.Errorf("after a failed write: %q, files %v", b, names)
	}
	if st, _ := os.Stat(p); st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", st.Mode().Perm())
	}
}

func TestLoadFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, p := range []string{"0/load.json", "1/load.json", "10/load.json", "merged/load.json", "0/load.html", "x/other.json"} {
		p = filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := LoadFiles(dir, filepath.Join(dir, "merged", "load.json"))
	want := []string{filepath.Join(dir, "0/load.json"), filepath.Join(dir, "1/load.json"), filepath.Join(dir, "10/load.json")}
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("LoadFiles: %v, %v; want %v", got, err, want)
	}
	if _, err := LoadFiles(filepath.Join(dir, "nope"), ""); err == nil {
		t.Error("a missing directory: no error")
	}
}

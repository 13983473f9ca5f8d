package codes

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestFile(t *testing.T) {
	t.Parallel()
	path := writeFile(t,
		`{"code":"f1","obtained_at":"2025-03-01T11:00:00Z"}`,
		``,
		`{"code":"f2","client_id":"other","expires_at":"2025-03-01T11:30:00Z"}`, // expired at t0
		`{"code":"f3","expires_at":"2025-03-01T13:00:00Z"}`,
	)
	mtime := time.Date(2025, 2, 28, 0, 0, 0, 0, time.UTC)
	if err := os.Chtimes(path, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	f, err := NewFile(path, Code{ClientID: "client-d", RedirectURI: "https://rp/cb"}, newClock(0).Now)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	type got struct {
		value, clientID, redirectURI string
		seq                          int
		obtained                     time.Time
	}
	wants := []got{
		{"f1", "client-d", "https://rp/cb", 1, time.Date(2025, 3, 1, 11, 0, 0, 0, time.UTC)},
		{"f3", "client-d", "https://rp/cb", 3, mtime}, // f2 dropped as expired
	}
	for i, w := range wants {
		c, err := f.Next(ctx)
		if err != nil {
			t.Fatalf("code %d: %v", i+1, err)
		}
		if g := (got{c.Value, c.ClientID, c.RedirectURI, c.Seq, c.ObtainedAt.UTC()}); g != w {
			t.Errorf("code %d = %+v, want %+v", i+1, g, w)
		}
	}
	_, err = f.Next(ctx)
	mustErr(t, err, ErrExhausted, []string{fmt.Sprintf(`codes: file %q: all 3 codes used (1 of them dropped as expired)`, path)})
	if st := f.Stats(); st.Obtained != 3 || st.Used != 2 || st.Dropped != 1 || st.Errors != 1 || st.Ready != 0 {
		t.Errorf("stats %+v, want 3 obtained, 2 used, 1 dropped, 1 error", st)
	}
	if !Permanent(err) {
		t.Errorf("Permanent(%v) = false", err)
	}
}

func TestFileExhaustedAfterN(t *testing.T) {
	t.Parallel()
	var lines []string
	for i := range 5 {
		lines = append(lines, fmt.Sprintf(`{"code":"c%d"}`, i))
	}
	path := writeFile(t, lines...)
	f, err := NewFile(path, Code{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if _, err := f.Next(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		_, err = f.Next(context.Background())
		mustErr(t, err, ErrExhausted, []string{"all 5 codes used"})
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = f.Next(context.Background())
	mustErr(t, err, ErrClosed, nil)
}

func TestNewFileRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		lines []string
		want  []string // substrings; "$path" is the file's path
	}{
		{"empty", []string{"", "  "}, []string{`codes: file "$path": no codes (the file is empty)`}},
		{"malformed line", []string{`{"code":"a"}`, `{"code":"SECRET1"`}, []string{`codes: $path:2: not a JSON object: "{\"code\":\"<hidden>\""`}},
		{"every bad line listed", []string{`{"code":"a","x":1}`, `{"code":"b"}`, `[1]`, `{"code":""}`},
			[]string{`$path:1: unknown member "x"`, `$path:3: not a JSON object`, `$path:4: member "code" is empty`}},
		{"duplicate code", []string{`{"code":"SECRET1"}`, `{"code":"b"}`, `{"code":"SECRET1"}`}, []string{`$path:3: the same code as line 1`}},
		{"trailing data", []string{`{"code":"SECRET1"} {}`}, []string{`$path:1: trailing data after the JSON object`}},
		{"query-string code hidden", []string{`{"url":"https://rp/cb?code=SECRET1&state=s"}`}, []string{`?code=<hidden>&state=s`}},
		{"python dict", []string{`{'code': 'SECRET1'}`}, []string{`{'code': \"<hidden>\"}`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := writeFile(t, tt.lines...)
			_, err := NewFile(path, Code{}, nil)
			var want []string
			for _, w := range tt.want {
				want = append(want, strings.ReplaceAll(w, "$path", path))
			}
			mustErr(t, err, nil, want, "SECRET1")
		})
	}
	_, err := NewFile(filepath.Join(t.TempDir(), "missing.jsonl"), Code{}, nil)
	mustErr(t, err, os.ErrNotExist, []string{"codes: file: open"})
}

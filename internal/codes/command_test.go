package codes

import (
	"context"
	"errors"
	"io/fs"
	"os/exec"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/internal/yamlfile"
)

func shell(t *testing.T, script string) []string {
	t.Helper()
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	return []string{"sh", "-c", script}
}

func TestCommand(t *testing.T) {
	t.Parallel()
	defaults := Code{ClientID: "client-d", RedirectURI: "https://rp/cb"}
	type want struct {
		value, clientID, redirectURI, nonce, verifier string
		expires                                       time.Time
	}
	tests := []struct {
		name    string
		script  string
		want    []want   // codes, in order
		wantErr error    // then this error from Next
		wantMsg []string // in its message
		secrets []string // not in its message
	}{
		{
			name: "good lines, defaults filled, blank lines skipped, then exit 0",
			script: `printf '%s\n' '{"code":"a1","nonce":"n1","code_verifier":"v1"}' '' '  ' ` +
				`'{"code":"a2","client_id":"other","redirect_uri":"https://rp/2","expires_at":"2030-01-01T00:00:00Z"}'`,
			want: []want{
				{value: "a1", clientID: "client-d", redirectURI: "https://rp/cb", nonce: "n1", verifier: "v1"},
				{value: "a2", clientID: "other", redirectURI: "https://rp/2", expires: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)},
			},
			wantErr: ErrCommandExited,
			wantMsg: []string{`codes: command "sh" exited after 2 codes: exit status 0`},
		},
		{
			name:    "early exit reports the count, the status and stderr",
			script:  `printf '%s\n' '{"code":"a1"}'; echo 'first problem' >&2; echo 'login failed: bad password' >&2; exit 3`,
			want:    []want{{value: "a1", clientID: "client-d", redirectURI: "https://rp/cb"}},
			wantErr: ErrCommandExited,
			wantMsg: []string{`codes: command "sh" exited after 1 code: exit status 3; stderr: "first problem\nlogin failed: bad password"`},
		},
		{
			name:    "unknown member: line number, value of code hidden",
			script:  `printf '%s\n' '{"code":"a1"}' '' '{"code":"TOPSECRET","colour":"red"}'`,
			want:    []want{{value: "a1", clientID: "client-d", redirectURI: "https://rp/cb"}},
			wantErr: ErrBadLine,
			wantMsg: []string{`codes: command "sh": line 3: unknown member "colour": "{\"code\":\"<hidden>\",\"colour\":\"red\"}"`},
			secrets: []string{"TOPSECRET"},
		},
		{
			name:    "not JSON",
			script:  `echo 'Logging in as alice'`,
			wantErr: ErrBadLine,
			wantMsg: []string{`line 1: not a JSON object: "Logging in as alice"`},
		},
		{
			name:    "a bare code is not shown",
			script:  `echo 'TOPSECRET'`,
			wantErr: ErrBadLine,
			wantMsg: []string{`line 1: not a JSON object: (not shown`},
			secrets: []string{"TOPSECRET"},
		},
		{
			name:    "code missing, wrong type, bad time",
			script:  `echo '{"nonce":1,"expires_at":"tomorrow"}'`,
			wantErr: ErrBadLine,
			wantMsg: []string{`line 1: member "expires_at": "tomorrow" is not an RFC 3339 time; member "nonce": a number where a string was expected; member "code" is missing`},
		},
		{
			name:    "a long line is cut at 80 characters",
			script:  `echo '{"code":"TOPSECRET","nonce":"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn","x":1}'`,
			wantErr: ErrBadLine,
			wantMsg: []string{`unknown member "x"`, `nnnn…"`},
			secrets: []string{"TOPSECRET"},
		},
		{
			name:    "expired codes are dropped",
			script:  `printf '%s\n' '{"code":"old","expires_at":"2001-01-01T00:00:00Z"}' '{"code":"a2"}'`,
			want:    []want{{value: "a2", clientID: "client-d", redirectURI: "https://rp/cb"}},
			wantErr: ErrCommandExited,
			wantMsg: []string{"exited after 2 codes"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clk := newClock(time.Second)
			src, err := NewCommand(shell(t, tt.script), defaults, clk.Now)
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			ctx := context.Background()
			for i, w := range tt.want {
				c, err := src.Next(ctx)
				if err != nil {
					t.Fatalf("code %d: %v", i+1, err)
				}
				got := want{c.Value, c.ClientID, c.RedirectURI, c.Nonce, c.CodeVerifier, c.ExpiresAt}
				if got != w {
					t.Errorf("code %d = %+v, want %+v", i+1, got, w)
				}
				if c.ObtainedAt.IsZero() || c.Took <= 0 {
					t.Errorf("code %d: ObtainedAt %s, Took %s; want both set", i+1, c.ObtainedAt, c.Took)
				}
			}
			_, err = src.Next(ctx)
			mustErr(t, err, tt.wantErr, tt.wantMsg, tt.secrets...)
			// The error is for good.
			_, err2 := src.Next(ctx)
			if err2 == nil || err2.Error() != err.Error() {
				t.Errorf("second error %v, want %v again", err2, err)
			}
		})
	}
}

func TestCommandSeqAndStats(t *testing.T) {
	t.Parallel()
	src, err := NewCommand(shell(t, `for i in 1 2 3; do echo "{\"code\":\"c$i\"}"; done`), Code{}, newClock(time.Second).Now)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	for i := 1; i <= 3; i++ {
		c, err := src.Next(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if c.Seq != i {
			t.Errorf("Seq = %d, want %d", c.Seq, i)
		}
	}
	_, err = src.Next(context.Background())
	mustErr(t, err, ErrCommandExited, []string{"after 3 codes"})
	st := src.Stats()
	if st.Obtained != 3 || st.Used != 3 || st.Dropped != 0 || st.Errors != 1 {
		t.Errorf("stats %+v, want 3 obtained, 3 used, 1 error", st)
	}
}

func TestCommandCannotStart(t *testing.T) {
	t.Parallel()
	_, err := NewCommand([]string{"/nonexistent/harvest-codes", "--user", "alice"}, Code{}, nil)
	mustErr(t, err, nil, []string{`codes: command "/nonexistent/harvest-codes": cannot start:`})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("error %v does not wrap the exec error", err)
	}
	_, err = NewCommand(nil, Code{}, nil)
	mustErr(t, err, nil, []string{"no program"})
}

func TestCommandNextWaitsForContext(t *testing.T) {
	t.Parallel()
	// The program prints one code, then waits (with a child) until killed.
	src, err := NewCommand(shell(t, `echo '{"code":"a1"}'; sleep 1000 & wait`), Code{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.Next(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = src.Next(ctx)
	mustErr(t, err, context.Canceled, []string{`command "sh": waiting for a code`})

	// Close kills the program and its child and waits; Next then says closed.
	done := make(chan error)
	go func() {
		_, err := src.Next(context.Background())
		done <- err
	}()
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	mustErr(t, <-done, ErrClosed, nil)
	_, err = src.Next(context.Background())
	mustErr(t, err, ErrClosed, nil)
	if err := src.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestOpenCommandTimeout(t *testing.T) {
	t.Parallel()
	src, err := Open(Config{Source: "command", Command: shell(t, `exec sleep 1000`), Timeout: yamlfile.Duration(20 * time.Millisecond)}, Deps{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = src.Next(context.Background())
	mustErr(t, err, context.DeadlineExceeded, []string{`codes: command "sh": waiting for a code: no code within 20ms`})
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = src.Next(context.Background())
	mustErr(t, err, ErrClosed, nil)
}

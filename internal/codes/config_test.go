package codes

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/internal/yamlfile"
)

func TestConfigDecodes(t *testing.T) {
	t.Parallel()
	var c Config
	err := yamlfile.Decode("t.yaml", []byte(`
source: authorize
params: {prompt: none}
headers: {X-Session: "env:SESSION"}
cookies: {sid: abc}
pkce: on
prefetch: 4
parallel: 2
max_age: 50s
timeout: 5s
`), &c)
	if err != nil {
		t.Fatal(err)
	}
	if c.Prefetch != 4 || c.Parallel != 2 || c.MaxAge.D() != 50*time.Second || c.Timeout.D() != 5*time.Second || c.PKCE != "on" {
		t.Errorf("decoded %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Error(err)
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  Config
		want []string // empty: valid
	}{
		{"zero value is authorize", Config{}, nil},
		{"command", Config{Source: "command", Command: []string{"harvest"}, Prefetch: 2, MaxAge: yamlfile.Duration(time.Minute)}, nil},
		{"file", Config{Source: "file", Path: "codes.jsonl"}, nil},
		{"embedded", Config{Source: "embedded", PKCE: "auto"}, nil},
		{"unknown source", Config{Source: "selenium"}, []string{`codes: field "source": "selenium" is not one of`}},
		{"command without argv", Config{Source: "command"}, []string{`field "command": source command needs`}},
		{"file without path", Config{Source: "file"}, []string{`field "path": source file needs`}},
		{"misplaced fields, all reported", Config{Source: "file", Path: "x", Command: []string{"a"}, Cookies: map[string]string{"a": "b"}},
			[]string{`field "command": is only used with source: command`, `field "cookies": is only used with source: authorize`}},
		{"reserved param", Config{Params: map[string]string{"state": "x"}}, []string{`field "params": "state" is set by the source`}},
		{"bad cookie name", Config{Cookies: map[string]string{"a b": "x"}}, []string{`field "cookies": "a b" is not a valid cookie name`}},
		{"bad pkce", Config{PKCE: "S256"}, []string{`field "pkce": "S256" is not one of auto, on, off`}},
		{"negative prefetch", Config{Prefetch: -1}, []string{`field "prefetch": -1 is negative`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.cfg.Validate()
			if tt.want == nil {
				if err != nil {
					t.Errorf("Validate: %v", err)
				}
				return
			}
			mustErr(t, err, nil, tt.want)
		})
	}
}

func TestConfigEnvValues(t *testing.T) {
	t.Parallel()
	env := map[string]string{"SESSION": "s3cr3t-session"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	c := Config{
		Headers: map[string]string{"X-Session": "env:SESSION", "X-Plain": "plain"},
		Cookies: map[string]string{"sid": "env:SESSION", "lang": "en"},
	}
	h, err := c.Header(lookup)
	if err != nil {
		t.Fatal(err)
	}
	if h.Get("X-Session") != "s3cr3t-session" || h.Get("X-Plain") != "plain" {
		t.Errorf("header %v", h)
	}
	cookies, err := c.CookieList(lookup)
	if err != nil {
		t.Fatal(err)
	}
	if len(cookies) != 2 || cookies[0].Name != "lang" || cookies[1].Value != "s3cr3t-session" {
		t.Errorf("cookies %v", cookies)
	}

	c = Config{Headers: map[string]string{"X-Session": "env:MISSING"}, Cookies: map[string]string{"sid": "env:MISSING"}}
	_, err = c.Header(lookup)
	mustErr(t, err, nil, []string{`codes: field "headers": "X-Session": environment variable "MISSING" is not set`})
	_, err = c.CookieList(lookup)
	mustErr(t, err, nil, []string{`codes: field "cookies": "sid": environment variable "MISSING" is not set`})
}

func TestOpen(t *testing.T) {
	t.Parallel()
	t.Run("file relative to the target file, prefetched", func(t *testing.T) {
		t.Parallel()
		path := writeFile(t, `{"code":"c1"}`, `{"code":"c2"}`)
		var seen []int
		src, err := Open(Config{Source: "file", Path: filepath.Base(path), Prefetch: 1},
			Deps{BaseDir: filepath.Dir(path), ClientID: "client-1", RedirectURI: "https://rp/cb", OnObtained: func(c Code) { seen = append(seen, c.Seq) }})
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		if _, ok := src.(*Prefetcher); !ok {
			t.Errorf("source is %T, want *Prefetcher", src)
		}
		for _, want := range []string{"c1", "c2"} {
			c, err := src.Next(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if c.Value != want || c.ClientID != "client-1" {
				t.Errorf("code %s for %s, want %s for client-1", c.Value, c.ClientID, want)
			}
		}
		if len(seen) != 2 || seen[0] != 1 || seen[1] != 2 {
			t.Errorf("OnObtained saw %v, want [1 2]", seen)
		}
		_, err = src.Next(context.Background())
		mustErr(t, err, ErrExhausted, nil)
	})
	t.Run("authorize sends a nonce with openid", func(t *testing.T) {
		t.Parallel()
		srv := newAuthServer(t, redirect(http.StatusFound, "code", "c1", "state", "$state"))
		src, err := Open(Config{Params: map[string]string{"prompt": "none"}},
			Deps{AuthorizationEndpoint: srv.URL + "/authorize", ClientID: "client-1", RedirectURI: srv.URL + "/cb",
				Scope: "openid", PKCE: true, HTTPClient: srv.Client()})
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		a, ok := AsAuthorizer(src)
		if !ok {
			t.Fatalf("source %T is not an Authorizer", src)
		}
		if d := a.Defaults(); !d.Nonce || !d.PKCE {
			t.Errorf("defaults %+v, want nonce and PKCE", d)
		}
		c, err := src.Next(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if c.Nonce == "" || c.CodeVerifier == "" {
			t.Errorf("code %v without nonce or verifier", c)
		}
		if q := srv.last(t).URL.Query(); q.Get("prompt") != "none" {
			t.Errorf("prompt = %q, want none", q.Get("prompt"))
		}
	})
	t.Run("invalid config", func(t *testing.T) {
		t.Parallel()
		_, err := Open(Config{Source: "nope"}, Deps{})
		mustErr(t, err, nil, []string{`field "source"`})
	})
}

func TestCodeStringHidesSecrets(t *testing.T) {
	t.Parallel()
	c := Code{Value: "SECRET1", CodeVerifier: "SECRET2", ClientID: "c", Seq: 7}
	for _, s := range []string{c.String(), fmt.Sprintf("%v %+v %#v %s", c, c, c, &c), c.LogValue().String()} {
		if !strings.Contains(s, "7") || strings.Contains(s, "SECRET") {
			t.Errorf("%q: want the sequence number and no secret", s)
		}
	}
}

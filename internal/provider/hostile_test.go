package provider

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// TestHostileModes checks what each mode does to a token response, a token
// error and a userinfo response.
func TestHostileModes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		mode  string
		check func(t *testing.T, ok, bad, info *result)
	}{
		{HostileEcho, func(t *testing.T, ok, bad, info *result) {
			if ok.header.Get("X-Echo-Authorization") != basic(clientA, secretA) || !strings.Contains(ok.header.Get("X-Echo-Body"), "code=") || ok.header.Get("X-Echo-Code") == "" {
				t.Errorf("success headers: %v", ok.header)
			}
			if !bytes.Contains(bad.body, []byte(`"echo_authorization":"Basic `)) || !bytes.Contains(bad.body, []byte(`"echo_code":"`)) || bad.str("error") != "invalid_grant" {
				t.Errorf("error body: %s", bad.body)
			}
			if !bytes.Contains(info.body, []byte(`"echo_token":"`)) || info.header.Get("X-Echo-Token") == "" {
				t.Errorf("userinfo: %s %v", info.body, info.header)
			}
		}},
		{HostileBOM, func(t *testing.T, ok, bad, info *result) {
			for _, r := range []*result{ok, bad, info} {
				if !bytes.HasPrefix(r.body, []byte("\xef\xbb\xbf{")) {
					t.Errorf("body %q", r.body)
				}
			}
		}},
		{HostileXSSI, func(t *testing.T, ok, bad, info *result) {
			for _, r := range []*result{ok, bad, info} {
				if !bytes.HasPrefix(r.body, []byte(")]}'\n{")) {
					t.Errorf("body %q", r.body)
				}
			}
		}},
		{HostileTrailing, func(t *testing.T, ok, bad, info *result) {
			for _, r := range []*result{ok, bad, info} {
				if json.Valid(r.body) || !bytes.HasPrefix(r.body, []byte("{")) || !bytes.HasSuffix(r.body, []byte(trailingText)) {
					t.Errorf("body %q", r.body)
				}
			}
		}},
		{HostileText, func(t *testing.T, ok, bad, info *result) {
			if !strings.HasPrefix(ok.header.Get("Content-Type"), "text/plain") || !bytes.HasPrefix(ok.body, []byte("access_token=")) || !bytes.Contains(ok.body, []byte("&id_token=eyJ")) {
				t.Errorf("token: %v %q", ok.header, ok.body)
			}
			if !bytes.HasPrefix(bad.body, []byte("error=invalid_grant&")) || !bytes.Contains(info.body, []byte("&name=")) {
				t.Errorf("error %q, userinfo %q", bad.body, info.body)
			}
		}},
		{HostileHTML, func(t *testing.T, ok, bad, info *result) {
			if !strings.HasPrefix(ok.header.Get("Content-Type"), "text/html") || !bytes.Contains(ok.body, []byte(`<input type="hidden" name="access_token" value="`)) || !bytes.Contains(ok.body, []byte("<pre>{&#34;access_token&#34;")) {
				t.Errorf("token: %v %s", ok.header, ok.body)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, Config{Hostile: []string{tt.mode}})
			ok := h.exchange()
			bad := h.token(treq{form: validForm("no-such-code")})
			at := ""
			if tt.mode == HostileEcho || tt.mode == HostileBOM || tt.mode == HostileXSSI || tt.mode == HostileTrailing {
				at = findAccessToken(ok.body)
			} else {
				at = findAccessToken(h.token(treq{form: validForm(h.code(authz{}))}).body)
			}
			info := h.userinfo(at)
			if info.status != http.StatusOK {
				t.Fatalf("userinfo %d with token %q from %q", info.status, at, ok.body)
			}
			tt.check(t, ok, bad, info)
		})
	}
}

// findAccessToken finds the access token in any of the hostile bodies.
func findAccessToken(body []byte) string {
	s := string(body)
	for _, start := range []string{`"access_token":"`, `name="access_token" value="`, "access_token="} {
		if _, rest, ok := strings.Cut(s, start); ok {
			end := strings.IndexAny(rest, `"&`)
			return rest[:end]
		}
	}
	return ""
}

// TestHostileEchoRefusesEveryFifth: the fifth success is a 400 whose error
// code is the code sent.
func TestHostileEchoRefusesEveryFifth(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{Hostile: []string{HostileEcho}})
	for i := 1; i <= 5; i++ {
		code := h.code(authz{})
		r := h.token(treq{form: validForm(code)})
		if i < 5 && r.status != http.StatusOK || i == 5 && (r.status != http.StatusBadRequest || r.str("error") != code) {
			t.Errorf("request %d: %d %s", i, r.status, r.body)
		}
	}
}

// TestHostileHuge: 2,000 more headers and a 64 MiB body, the tokens first.
func TestHostileHuge(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{Hostile: []string{HostileHuge}})
	resp, err := h.client.Do(h.request(treq{form: validForm(h.code(authz{}))}, PathToken))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	head := make([]byte, 64<<10)
	n, _ := io.ReadFull(resp.Body, head)
	rest, _ := io.Copy(io.Discard, resp.Body)
	if len(resp.Header) < hugeHeaders || !bytes.HasPrefix(head[:n], []byte(`{"access_token":"`)) || int64(n)+rest < hugeBody {
		t.Errorf("%d headers, body of %d bytes starting %.40q", len(resp.Header), int64(n)+rest, head[:n])
	}
}

func TestParseHostile(t *testing.T) {
	t.Parallel()
	if got, err := ParseHostile(" echo, bom,echo "); err != nil || strings.Join(got, ",") != "echo,bom" {
		t.Errorf("ParseHostile = %v, %v", got, err)
	}
	for _, bad := range []string{"nosuch", "text,html"} {
		if _, err := ParseHostile(bad); err == nil {
			t.Errorf("ParseHostile(%q) accepted", bad)
		}
	}
	if _, err := New(Config{Hostile: []string{"nosuch"}}); err == nil {
		t.Error("New accepted an unknown hostile mode")
	}
}

// TestOnSecret: the witness reports the codes issued, the credentials
// presented and the tokens issued.
func TestOnSecret(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	seen := map[string][]string{}
	h := newHarness(t, Config{OnSecret: func(kind, value string) {
		mu.Lock()
		defer mu.Unlock()
		seen[kind] = append(seen[kind], value)
	}})
	verifier := "verifier-0123456789-0123456789-0123456789-x"
	code := h.code(authz{challenge: s256(verifier), method: "S256"})
	form := validForm(code)
	form.Set("code_verifier", verifier)
	ok := h.token(treq{form: form})
	h.userinfo(ok.str("access_token"))
	mu.Lock()
	defer mu.Unlock()
	for kind, want := range map[string]string{SecretCode: code, SecretVerifier: verifier, SecretClient: secretA,
		SecretAccess: ok.str("access_token"), SecretID: ok.str("id_token")} {
		found := false
		for _, v := range seen[kind] {
			found = found || v == want
		}
		if !found {
			t.Errorf("%s %q not reported: %v", kind, want, seen[kind])
		}
	}
}

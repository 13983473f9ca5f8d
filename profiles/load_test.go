package profiles

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/internal/catalog"
	"github.com/tokenbench/tokenbench/internal/yamlfile"
)

func TestShippedProfilesLoad(t *testing.T) {
	t.Parallel()
	names := Names()
	if len(names) < 2 {
		t.Fatalf("Names() = %v, want at least bankid and oidc", names)
	}
	for _, n := range names {
		p, err := Load(n)
		if err != nil {
			t.Fatalf("Load(%q): %v", n, err)
		}
		if p.Name != n {
			t.Errorf("Load(%q).Name = %q", n, p.Name)
		}
	}
}

func TestBankIDResolvesThroughOIDC(t *testing.T) {
	t.Parallel()
	p, err := Load("bankid")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(p.Chain, ","), "oidc,bankid"; got != want {
		t.Errorf("Chain = %q, want %q", got, want)
	}
	checks := []struct {
		what      string
		got, want any
	}{
		{"auth methods", strings.Join(p.Auth.Methods, ","), "client_secret_basic"},
		{"client_id param", p.Request.ClientIDParam, "reject"},
		{"refresh token", p.Response.RefreshToken, "forbidden"},
		{"expires_in", p.Response.ExpiresIn, 3600},
		{"algs", strings.Join(p.IDToken.Algs, ","), "RS256"},
		{"nonce null", p.IDToken.NonceNull, true},
		{"skew inherited from oidc", p.IDToken.Skew.String(), "1m0s"},
		{"claims merged: iss from oidc", p.IDToken.Claims["iss"], "string"},
		{"claims merged: birthdate from bankid", p.IDToken.Claims["birthdate"], "date"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
		}
	}
	levels := map[string]catalog.Level{
		"REQ-CLIENT-ID-REJECTED": catalog.Must,   // skipped in oidc, promoted by bankid
		"RESP-PRAGMA":            catalog.Must,   // SHOULD in oidc
		"RESP-EXPIRES-IN":        catalog.Must,   // SHOULD in the catalogue
		"CODE-ENTROPY":           catalog.Should, // catalogue default
	}
	for id, want := range levels {
		if got, _ := p.Level(id); got != want {
			t.Errorf("Level(%s) = %s, want %s", id, got, want)
		}
	}
	oidc, _ := Load("oidc")
	if lvl, reason := oidc.Level("RESP-NO-REFRESH"); lvl != catalog.Skip || reason == "" {
		t.Errorf("oidc Level(RESP-NO-REFRESH) = %s %q, want SKIP with a reason", lvl, reason)
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name, path, want string
	}{
		{"unknown name", "nosuch", `unknown profile "nosuch" (shipped: bankid, `},
		{"missing file", filepath.Join(dir, "missing.yaml"), "no such file"},
		{"unknown key", write("k.yaml", "name: k\nextends: oidc\nauth:\n  method: [x]\n"), `k.yaml:4: unknown key "method"`},
		{"wrong type", write("t.yaml", "name: t\nresponse:\n  expires_in: soon\n"), `t.yaml:3: wrong type`},
		{"bad enum", write("e.yaml", "name: e\nresponse:\n  refresh_token: sometimes\n"), `field "response.refresh_token": "sometimes" is not one of forbidden, optional, required`},
		{"unknown row", write("r.yaml", "name: r\nrows:\n  NOPE: {level: MUST}\n"), `"NOPE" is not a catalogue row ID`},
		{"skip without reason", write("s.yaml", "name: s\nrows:\n  CODE-ENTROPY: {level: SKIP}\n"), "a skipped row needs a reason"},
		{"bad level", write("l.yaml", "name: l\nrows:\n  CODE-ENTROPY: {level: MAYBE}\n"), `"MAYBE" is not one of MUST`},
		{"cycle", write("c1.yaml", "name: c1\nextends: c2.yaml\n"), "cycle"},
		{"unknown base", write("b.yaml", "name: b\nextends: nosuch\n"), `unknown profile "nosuch"`},
		{"no name", write("n.yaml", "extends: oidc\n"), "name is required"},
		{"alg none", write("a.yaml", "name: a\nid_token:\n  algs: [none]\n"), "never acceptable"},
	}
	write("c2.yaml", "name: c2\nextends: c1.yaml\n")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.path)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load(%s) error = %v, want it to contain %q", tt.path, err, tt.want)
			}
		})
	}
	if _, err := Load("nosuch"); !errors.Is(err, ErrUnknown) {
		t.Errorf("Load(nosuch) error %v is not ErrUnknown", err)
	}
}

func TestFileExtendsShipped(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "acme.yaml")
	body := "name: acme\nextends: bankid\nresponse:\n  expires_in: 600\nrows:\n  IDT-AMR: {level: SKIP, reason: acme sends no amr}\n"
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if got.Response.ExpiresIn != 600 || got.Request.ClientIDParam != "reject" {
		t.Errorf("acme: expires_in %d client_id_param %q", got.Response.ExpiresIn, got.Request.ClientIDParam)
	}
	if lvl, reason := got.Level("IDT-AMR"); lvl != catalog.Skip || reason != "acme sends no amr" {
		t.Errorf("Level(IDT-AMR) = %s %q", lvl, reason)
	}
	if lvl, _ := got.Level("RESP-PRAGMA"); lvl != catalog.Must {
		t.Errorf("Level(RESP-PRAGMA) = %s, want MUST from bankid", lvl)
	}
}

func TestPKCERows(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		body                  string
		required, plainRefuse catalog.Level
	}{
		{"pkce: {support: auto}\n", catalog.Skip, catalog.Skip},
		{"pkce: {support: required}\n", catalog.Must, catalog.Skip},
		{"pkce: {support: optional, methods: [S256]}\n", catalog.Skip, catalog.Must},
		{"pkce: {support: required, methods: [S256, plain]}\n", catalog.Must, catalog.Skip},
	}
	for i, tt := range tests {
		path := filepath.Join(dir, fmt.Sprintf("p%d.yaml", i))
		if err := os.WriteFile(path, []byte("name: p\nextends: oidc\n"+tt.body), 0o600); err != nil {
			t.Fatal(err)
		}
		p, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		req, why := p.Level("PKCE-REQUIRED")
		plain, _ := p.Level("PKCE-PLAIN-REFUSED")
		if req != tt.required || plain != tt.plainRefuse {
			t.Errorf("%s: PKCE-REQUIRED %s, PKCE-PLAIN-REFUSED %s; want %s, %s", tt.body, req, plain, tt.required, tt.plainRefuse)
		}
		if req == catalog.Skip && !strings.Contains(why, "pkce.support") {
			t.Errorf("%s: skip reason %q does not name pkce.support", tt.body, why)
		}
	}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("name: b\npkce: {methods: [S512]}\n"), 0o600)
	if _, err := Load(bad); err == nil || !strings.Contains(err.Error(), `"S512" is not one of S256, plain`) {
		t.Errorf("pkce.methods S512: error %v", err)
	}
}

func TestRangeContains(t *testing.T) {
	t.Parallel()
	r := Range{Min: yamlfile.Duration(5), Max: yamlfile.Duration(10)}
	for _, c := range []struct {
		d    int64
		want bool
	}{{4, false}, {5, true}, {10, true}, {11, false}} {
		if got := r.Contains(time.Duration(c.d)); got != c.want {
			t.Errorf("Contains(%d) = %v", c.d, got)
		}
	}
	if !(Range{}).Contains(time.Duration(1 << 40)) {
		t.Error("an empty range must contain everything")
	}
}

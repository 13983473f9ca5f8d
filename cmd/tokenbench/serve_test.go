package main

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/internal/codes"
	"github.com/tokenbench/tokenbench/internal/provider"
	"github.com/tokenbench/tokenbench/internal/target"
	"github.com/tokenbench/tokenbench/internal/yamlfile"
)

// TestWriteTarget: serve --write-target writes a target.File that loads
// back as written and points target check at the provider.
func TestWriteTarget(t *testing.T) {
	t.Parallel()
	srv := refProvider(t, "tokenbench-secret")
	clients := provider.DefaultClients()
	path := filepath.Join(t.TempDir(), "ref.yaml")
	if err := writeTarget(path, srv.URL, provider.Config{Clients: clients, CodeTTL: 42 * time.Second}, "REF_SECRET"); err != nil {
		t.Fatal(err)
	}
	got, err := target.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	want := &target.File{
		Issuer: srv.URL, Client: target.Client{ID: clients[0].ID, SecretEnv: "REF_SECRET"},
		RedirectURI: clients[0].RedirectURIs[0], OtherRedirectURI: clients[0].RedirectURIs[1],
		Scope: "openid", Profile: "bankid", Codes: codes.Config{Source: codes.SourceAuthorize},
		Expect: target.Expect{CodeLifetime: yamlfile.Duration(42 * time.Second)},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("written target:\n got %+v\nwant %+v", got, want)
	}
	code, out, errs := runCLI(t, map[string]string{"REF_SECRET": "tokenbench-secret"}, "target", "check", "--target", path)
	if code != exitOK || !strings.Contains(out, "exchange   200 OK") {
		t.Errorf("target check of the written target: exit %d\n%s\n%s", code, out, errs)
	}
}

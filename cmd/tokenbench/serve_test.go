package main

import (
	"os"
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

// startedProvider starts a reference provider on loopback (its HTTP and
// mTLS listeners), stopped at the end of the test.
func startedProvider(t *testing.T, cfg provider.Config) *provider.Provider {
	t.Helper()
	p, err := provider.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// TestWriteTarget: serve --write-target writes a target.File that loads
// back as written and points target check at the provider.
func TestWriteTarget(t *testing.T) {
	t.Parallel()
	clients := provider.DefaultClients()
	cfg := provider.Config{Clients: clients, CodeTTL: 42 * time.Second}
	p := startedProvider(t, cfg)
	dir := t.TempDir()
	path := filepath.Join(dir, "ref.yaml")
	if err := writeTarget(path, p, cfg, nil, "REF_SECRET"); err != nil {
		t.Fatal(err)
	}
	got, err := target.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	want := &target.File{
		Issuer: p.Issuer(), Client: target.Client{ID: clients[0].ID, SecretEnv: "REF_SECRET"},
		RedirectURI: clients[0].RedirectURIs[0], OtherRedirectURI: clients[0].RedirectURIs[1],
		Scope: "openid", Profile: "bankid", Codes: codes.Config{Source: codes.SourceAuthorize},
		Expect: target.Expect{CodeLifetime: yamlfile.Duration(42 * time.Second)},
		TLS:    target.TLS{CAFile: "tokenbench-ca.pem"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("written target:\n got %+v\nwant %+v", got, want)
	}
	code, out, errs := runCLI(t, map[string]string{"REF_SECRET": "tokenbench-secret"}, "target", "check", "--target", path)
	if code != exitOK || !strings.Contains(out, "exchange   200 OK") {
		t.Errorf("target check of the written target: exit %d\n%s\n%s", code, out, errs)
	}
}

// TestTargetCheckEveryMethod: for each client authentication method, serve
// --write-target writes a target whose client is registered for it, with
// its key, certificate and the CA next to it, and target check redeems a
// code with that method against the reference provider (exit 0). The
// secret is never printed, nor the private key.
func TestTargetCheckEveryMethod(t *testing.T) {
	t.Parallel()
	cfg := provider.Config{Clients: provider.DefaultClients(), CodeTTL: 30 * time.Second}
	p := startedProvider(t, cfg)
	for _, m := range provider.Methods() {
		t.Run(m, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := filepath.Join(dir, "t.yaml")
			if err := writeTarget(path, p, cfg, []string{m}, "REF_SECRET"); err != nil {
				t.Fatal(err)
			}
			c, _ := provider.ClientFor(cfg.Clients, m)
			code, out, errs := runCLI(t, map[string]string{"REF_SECRET": c.Secret}, "target", "check", "--target", path)
			if code != exitOK || !strings.Contains(out, "exchange   200 OK") || !strings.Contains(out, "client     "+m+" as client \""+c.ID+"\"") {
				t.Fatalf("exit %d\n%s\n%s", code, out, errs)
			}
			secrets := []string{c.Secret}
			if creds, _ := p.Credentials(c.ID); creds.KeyPEM != nil || creds.CertKeyPEM != nil {
				for _, pemData := range [][]byte{creds.KeyPEM, creds.CertKeyPEM} {
					if lines := strings.Split(string(pemData), "\n"); len(lines) > 2 {
						secrets = append(secrets, lines[1])
					}
				}
			}
			for _, s := range secrets {
				if strings.Contains(out+errs, s) {
					t.Errorf("the output shows a secret %q", s)
				}
			}
			files, _ := os.ReadDir(dir)
			if len(files) < 2 {
				t.Errorf("only %d files next to the target", len(files))
			}
		})
	}
}

package target

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/internal/provider"
)

func TestOpen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	emb, err := Open(ctx, "", provider.Config{CodeTTL: 7 * time.Second}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Close()
	if emb.Source != EmbeddedSource || emb.Provider == nil || emb.Profile.Code.Lifetime.D() != 7*time.Second {
		t.Errorf("embedded: source %q, provider %v, code lifetime %s", emb.Source, emb.Provider != nil, emb.Profile.Code.Lifetime)
	}

	dir := t.TempDir()
	path := filepath.Join(dir, "t.yaml")
	body := "issuer: " + emb.Issuer + "\nclient: {id: tokenbench, secret_env: S}\nredirect_uri: http://127.0.0.1:9/callback\n"
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	file, err := Open(ctx, path, provider.Config{}, Options{Env: env(map[string]string{"S": "x"})})
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	if file.Source != path || file.Provider != nil || file.TokenEndpoint != emb.TokenEndpoint {
		t.Errorf("file: source %q, token endpoint %q (want %q)", file.Source, file.TokenEndpoint, emb.TokenEndpoint)
	}

	if _, err := Open(ctx, filepath.Join(dir, "missing.yaml"), provider.Config{}, Options{}); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("missing file: %v", err)
	}
}

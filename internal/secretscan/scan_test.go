package secretscan

import (
	"encoding/base64"
	"encoding/json"
	"html/template"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestScanFindsEveryEncoding checks the scanner against the encoders
// tokenbench's outputs really use (the standard library's), for a secret
// that every one of them changes.
func TestScanFindsEveryEncoding(t *testing.T) {
	t.Parallel()
	const secret = `s3cret:with/reserved+chars&=%<"'>`
	s := New()
	s.Add("client secret", secret)
	jsonHTML, _ := json.Marshal(secret)
	jsonOfQuery, _ := json.Marshal("a=" + url.QueryEscape(secret))
	var tmpl strings.Builder
	template.Must(template.New("").Parse(`<td>{{.}}</td>`)).Execute(&tmpl, base64.StdEncoding.EncodeToString([]byte("abc:"+url.QueryEscape(secret))))
	tests := map[string]string{
		"raw":                     secret,
		"query":                   url.QueryEscape(secret),
		"path":                    url.PathEscape(secret),
		"json":                    string(jsonHTML),
		"json of a form body":     string(jsonOfQuery),
		"html":                    template.HTMLEscapeString(secret),
		"basic":                   base64.StdEncoding.EncodeToString([]byte("id:" + url.QueryEscape(secret))),
		"basic, other alignment":  base64.StdEncoding.EncodeToString([]byte("idx:" + secret)),
		"base64url":               base64.RawURLEncoding.EncodeToString([]byte(secret)),
		"base64 in html/template": tmpl.String(),
	}
	for name, text := range tests {
		if got := s.Scan(name, []byte("...."+text+"....")); len(got) != 1 {
			t.Errorf("%s: %q: findings %v", name, text, got)
		}
	}
	if got := s.Scan("clean", []byte("nothing to see, s3cret:with [REDACTED]")); len(got) != 0 {
		t.Errorf("clean text: %v", got)
	}
}

func TestScanFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "sub"), 0o755)
	os.WriteFile(filepath.Join(dir, "a.json"), []byte(`{"code":"code-value-123"}`), 0o600)
	os.WriteFile(filepath.Join(dir, "sub", "b.txt"), []byte("clean"), 0o600)
	s := New()
	s.Add("code", "code-value-123")
	s.Add("too short", "abc")
	got, err := s.ScanFiles(dir)
	if err != nil || len(got) != 1 || !strings.HasSuffix(got[0].Source, "a.json") || got[0].Kind != "code" {
		t.Errorf("ScanFiles = %v, %v", got, err)
	}
	if s.Len() != 1 {
		t.Errorf("Len = %d, want 1 (a 3-byte value is ignored)", s.Len())
	}
}

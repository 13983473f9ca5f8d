package reports

import (
	"bytes"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"
)

// TestHTMLContentSecurityPolicy: every HTML report carries a restrictive
// Content-Security-Policy that still lets its own stylesheet apply (by its
// hash), has no script, no inline style attribute and nothing loaded from
// elsewhere, and shows a provider's markup as text.
func TestHTMLContentSecurityPolicy(t *testing.T) {
	t.Parallel()
	const hostile = `<script>alert(1)</script><img src="https://evil.example/x.png"><style>body{display:none}</style>`
	c := FromGinkgo(report(failed(spec("RESP-PRAGMA", "MUST", "response", "sends Pragma: no-cache", types.SpecStateFailed), types.SpecStateFailed, hostile)), sampleMeta, nil)
	pages := map[string]func(*bytes.Buffer) error{"conformance": func(b *bytes.Buffer) error { return c.WriteHTML(b) }}
	for _, name := range []string{"load.json", "capacity.json", "load-merged.json"} {
		f, err := ReadFile(filepath.Join("testdata", "v1", name))
		if err != nil {
			t.Fatal(err)
		}
		pages[name] = func(b *bytes.Buffer) error { return f.WriteHTML(b) }
	}
	meta := regexp.MustCompile(`<meta http-equiv="Content-Security-Policy" content="([^"]*)">`)
	style := regexp.MustCompile(`(?s)<style>(.*?)</style>`)
	for name, write := range pages {
		var b bytes.Buffer
		if err := write(&b); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		page := b.String()
		m := meta.FindStringSubmatch(page)
		if m == nil {
			t.Errorf("%s: no Content-Security-Policy meta element", name)
			continue
		}
		csp := strings.ReplaceAll(m[1], "&#39;", "'")
		if csp != ContentSecurityPolicy || !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "unsafe") || strings.Contains(csp, "script-src") {
			t.Errorf("%s: policy %q", name, csp)
		}
		if strings.Index(page, m[0]) > strings.Index(page, "<style>") {
			t.Errorf("%s: the policy comes after the stylesheet it governs", name)
		}
		styles := style.FindAllStringSubmatch(page, -1)
		if len(styles) != 1 || !strings.Contains(csp, "'"+cspHash(styles[0][1])+"'") {
			t.Errorf("%s: %d style elements; the policy does not allow the page's own by its hash", name, len(styles))
		}
		if name == "conformance" && !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Errorf("%s: the provider's markup is not shown as text", name)
		}
		for _, bad := range []string{"<script", " style=", "<img", "<link", "<iframe", `src="http`} {
			if strings.Contains(page, bad) {
				t.Errorf("%s: page contains %q", name, bad)
			}
		}
	}
}

package reports

import (
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"strings"

	"github.com/tokenbench/tokenbench/reports/format"
)

// The HTML reports share one layout (layout.html.tmpl: the page, its head
// and its one stylesheet) and fill its "title" and "main" blocks, each from
// its own template. Every page is self-contained: inline CSS and SVG, no
// script, font or image from elsewhere; its Content-Security-Policy says
// so to the browser (ContentSecurityPolicy).
var (
	//go:embed layout.html.tmpl
	layoutHTML string
	//go:embed report.css
	reportCSS string
	//go:embed conformance.html.tmpl
	conformanceHTML string
	//go:embed load.html.tmpl
	loadHTML string
	//go:embed capacity.html.tmpl
	capacityHTML string
)

// styleText is the content of a page's one <style> element.
var styleText = "\n" + reportCSS

// ContentSecurityPolicy is every HTML report's policy, in a meta element:
// nothing may load or run but the page's own stylesheet (by its hash) and
// images inlined as data: URIs; no script at all (the pages have none),
// no base URL, no form target. Whatever a provider's text smuggled past
// the escaping could neither run nor call home.
//
// https://www.w3.org/TR/CSP3/#meta-element
var ContentSecurityPolicy = "default-src 'none'; style-src '" + cspHash(styleText) + "'; img-src data:; base-uri 'none'; form-action 'none'"

// cspHash is a CSP hash source for an inline element's content.
func cspHash(content string) string {
	sum := sha256.Sum256([]byte(content))
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}

var layout = template.Must(template.New("layout").Funcs(template.FuncMap{
	"css":         func() template.CSS { return template.CSS(styleText) },
	"csp":         func() string { return ContentSecurityPolicy },
	"label":       statusLabel,
	"icon":        statusIcon,
	"safe":        xmlSafe,
	"firstLine":   format.FirstLine,
	"millis":      format.MS,
	"exTitle":     exchangeTitle,
	"upper":       strings.ToUpper,
	"inc":         func(i int) int { return i + 1 },
	"plural":      format.Plural,
	"rowKey":      rowKey,
	"showMessage": showMessage,
	"trimNL":      func(s string) string { return strings.TrimRight(s, "\n") },
	"evidence": func(status string) bool {
		return status == StatusFail || status == StatusWarning || status == StatusKnown
	},
}).Parse(layoutHTML))

// page is a report's template: the layout with the report's blocks.
func page(blocks string) *template.Template {
	return template.Must(template.Must(layout.Clone()).Parse(blocks))
}

var (
	conformanceTmpl = page(conformanceHTML)
	loadTmpl        = page(loadHTML)
	capacityTmpl    = page(capacityHTML)
)

// render writes a page; what names it in errors.
func render(w io.Writer, t *template.Template, what string, view any) error {
	if err := t.ExecuteTemplate(w, "page", view); err != nil {
		return fmt.Errorf("reports: %s: %w", what, err)
	}
	return nil
}

package reports

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strings"

	"github.com/tokenbench/tokenbench/reports/format"
)

// The HTML reports share one layout (layout.html.tmpl: the page, its head
// and its one stylesheet) and fill its "title" and "main" blocks, each from
// its own template. Every page is self-contained: inline CSS and SVG, no
// script, font or image from elsewhere.
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

var layout = template.Must(template.New("layout").Funcs(template.FuncMap{
	"css":         func() template.CSS { return template.CSS(reportCSS) },
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

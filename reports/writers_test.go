package reports

import (
	"bytes"
	"encoding/xml"
	"errors"
	"html"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/tokenbench/tokenbench/reports/format"
)

func sampleConformance() *Conformance {
	return FromGinkgo(sampleReport(), sampleMeta, sampleExpected)
}

func TestWriteJUnit(t *testing.T) {
	t.Parallel()
	c := sampleConformance()
	buf := written(t, c.WriteJUnit)
	var doc junitSuites
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("JUnit does not parse: %v\n%s", err, buf.String())
	}
	if len(doc.Suites) != 1 {
		t.Fatalf("got %d testsuites, want 1", len(doc.Suites))
	}
	s := doc.Suites[0]
	if s.Name != "tokenbench conformance (bankid)" || s.Tests != 18 || s.Failures != 4 || s.Skipped != 3 {
		t.Errorf("suite: got name %q tests %d failures %d skipped %d", s.Name, s.Tests, s.Failures, s.Skipped)
	}
	props := map[string]string{}
	for _, p := range s.Properties {
		props[p.Name] = p.Value
	}
	for k, want := range map[string]string{"verdict": "fail", "profile": "bankid", "issuer": sampleMeta.Issuer, "version": "v0.3.0", "label_filter": "!slow"} {
		if props[k] != want {
			t.Errorf("property %q: got %q, want %q", k, props[k], want)
		}
	}
	if len(s.Cases) != len(c.Rows) {
		t.Fatalf("got %d testcases, want one per row (%d)", len(s.Cases), len(c.Rows))
	}
	for i, r := range c.Rows {
		tc := s.Cases[i]
		if tc.Name != r.Name() || tc.Classname != r.Area {
			t.Errorf("case %d: got %q (%q), want %q (%q)", i, tc.Name, tc.Classname, r.Name(), r.Area)
		}
		gotFail, gotSkip := tc.Failure != nil, tc.Skipped != nil
		wantFail := r.Status == StatusFail
		wantSkip := r.Status == StatusSkipped || r.Status == StatusKnown
		if gotFail != wantFail || gotSkip != wantSkip || tc.Error != nil {
			t.Errorf("%s (%s): failure %v skipped %v error %v", r.Name(), r.Status, gotFail, gotSkip, tc.Error != nil)
		}
		switch r.Status {
		case StatusFail:
			if tc.Failure.Type != r.Level || tc.Failure.Message != format.FirstLine(r.Message) || strings.Contains(tc.Failure.Message, "\n") {
				t.Errorf("%s: failure type %q message %q", r.ID, tc.Failure.Type, tc.Failure.Message)
			}
			for _, x := range r.Exchanges {
				if !strings.Contains(tc.Failure.Body, strings.TrimRight(x.Request, "\n")+"\n\n"+strings.TrimRight(x.Response, "\n")) {
					t.Errorf("%s: failure body lacks the exchange %q", r.ID, x.Probe)
				}
			}
			for _, f := range r.Findings {
				if !strings.Contains(tc.Failure.Body, "expected: "+f.Expected) || !strings.Contains(tc.Failure.Body, "observed: "+f.Observed) {
					t.Errorf("%s: failure body lacks expected/observed", r.ID)
				}
			}
		case StatusKnown:
			if tc.Skipped.Message != "known deviation: "+r.KnownReason || !strings.Contains(tc.SystemOut, r.Message) {
				t.Errorf("%s: skipped %q system-out %q", r.ID, tc.Skipped.Message, tc.SystemOut)
			}
		case StatusSkipped:
			if tc.Skipped.Message != r.Message {
				t.Errorf("%s: skipped %q, want %q", r.ID, tc.Skipped.Message, r.Message)
			}
		case StatusWarning:
			if !strings.HasPrefix(tc.SystemOut, "WARNING: ") {
				t.Errorf("%s: system-out %q", r.ID, tc.SystemOut)
			}
		case StatusInfo:
			if !strings.Contains(tc.SystemOut, r.Message) {
				t.Errorf("%s: system-out %q", r.ID, tc.SystemOut)
			}
		}
	}
}

func TestWriteJUnitSuiteFailure(t *testing.T) {
	t.Parallel()
	c := FromGinkgo(report(types.SpecReport{LeafNodeType: types.NodeTypeBeforeSuite, State: types.SpecStateFailed,
		Failure: types.Failure{Message: "discovery failed"}}), Meta{Profile: "oidc"}, nil)
	buf := written(t, c.WriteJUnit)
	var doc junitSuites
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	s := doc.Suites[0]
	if s.Errors != 1 || len(s.Cases) != 1 || s.Cases[0].Error == nil || s.Cases[0].Error.Message != "discovery failed" {
		t.Errorf("got %+v", s)
	}
}

// TestWriteJUnitControlCharacters checks that what XML 1.0 forbids (an
// error_description with control characters, invalid UTF-8) still gives a
// document that parses, with the characters visible.
func TestWriteJUnitControlCharacters(t *testing.T) {
	t.Parallel()
	sr := failed(spec("ERR-DESCRIPTION-CHARSET", "MUST", "error", "uses the allowed charset\x01", 0,
		exchangeEntry(ExchangeEntry{Probe: "random code", Status: 400, Response: "HTTP/1.1 400 Bad Request\n\n{\"error_description\":\"bad\x00\x1b[31m\xff\ufffe\"}\n"})),
		types.SpecStateFailed, "error_description has \x07 in it\r\n<b>&amp;</b>")
	c := FromGinkgo(report(sr), Meta{}, nil)
	buf := written(t, c.WriteJUnit)
	var doc junitSuites
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("JUnit does not parse: %v\n%s", err, buf.String())
	}
	tc := doc.Suites[0].Cases[0]
	if tc.Name != `ERR-DESCRIPTION-CHARSET: uses the allowed charset\x01` {
		t.Errorf("name: got %q", tc.Name)
	}
	if tc.Failure.Message != `error_description has \x07 in it` {
		t.Errorf("message: got %q", tc.Failure.Message)
	}
	for _, want := range []string{`bad\x00\x1b[31m\xff\ufffe`, "<b>&amp;</b>"} {
		if !strings.Contains(tc.Failure.Body, want) {
			t.Errorf("body lacks %q:\n%s", want, tc.Failure.Body)
		}
	}
}

func TestXMLSafe(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"plain text", "plain text"},
		{"tab\tnl\ncr\r", "tab\tnl\ncr\r"},
		{"nul\x00", `nul\x00`},
		{"esc\x1b", `esc\x1b`},
		{"bad \xff utf8", `bad \xff utf8`},
		{"\ufffe\uffff", `\ufffe\uffff`},
		{"ok \ufffd é 😀", "ok \ufffd é 😀"},
	}
	for _, tt := range tests {
		if got := xmlSafe(tt.in); got != tt.want {
			t.Errorf("xmlSafe(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestWriteHTML(t *testing.T) {
	t.Parallel()
	c := sampleConformance()
	buf := written(t, c.WriteHTML)
	page := buf.String()
	text := html.UnescapeString(page)
	for _, want := range []string{
		`<div class="word">FAIL</div>`,
		"4 MUST failures, 2 warnings, 1 known deviation",
		sampleMeta.Issuer, sampleMeta.TokenEndpoint, sampleMeta.Target, "v0.3.0", "bankid (bankid → oidc)", "2026-03-14 09:26:53 UTC", "4.2 s",
		"<code>!slow</code>",
		`href="https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2"`,
		"Known deviation</b>: " + sampleExpected["IDT-NONCE-ABSENT"],
		UnexpectedPassMessage,
		ReasonLabelFilter,
		"no second client configured in the target",
	} {
		if !strings.Contains(page, want) && !strings.Contains(text, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	for _, r := range c.Rows {
		if !strings.Contains(page, ">"+r.ID+"<") {
			t.Errorf("page lacks row %s", r.ID)
		}
	}
	// The failing row's exchanges are there, in open details.
	req, resp := strings.TrimRight(reuseSecond.Request, "\n"), strings.TrimRight(reuseSecond.Response, "\n")
	if !strings.Contains(text, `<pre class="http-req">`+req+`</pre><pre class="http-resp">`+resp+`</pre>`) {
		t.Error("page lacks the failing row's exchange")
	}
	if !strings.Contains(text, `<details class="ex" open><summary>Exchange 2 · redeem the same code again — POST https://preprod.bankid.example/oidc/token → 200 (31.7 ms)</summary>`) {
		t.Error("the failing row's exchange is not in an open <details>")
	}
	if !strings.Contains(text, `<details class="ex"><summary>Exchange 1 · valid exchange, Basic`) {
		t.Error("a passing row's exchange is not in a closed <details>")
	}
	// Only the first exchanges of a failing row are open.
	many := failed(spec("CODE-SINGLE-USE-RACE", "MUST", "code", "t", 0), types.SpecStateFailed, "10 succeeded")
	for i := 0; i < openExchanges+2; i++ {
		many.ReportEntries = append(many.ReportEntries, exchangeEntry(ExchangeEntry{Probe: "racer", Status: 200, Request: "POST / HTTP/1.1\n", Response: "HTTP/1.1 200 OK\n"}))
	}
	buf = written(t, FromGinkgo(report(many), Meta{}, nil).WriteHTML)
	if got := strings.Count(buf.String(), `<details class="ex" open>`); got != openExchanges {
		t.Errorf("open exchanges: got %d, want %d", got, openExchanges)
	}
	if got := strings.Count(buf.String(), `<details class="ex">`); got != 2 {
		t.Errorf("closed exchanges: got %d, want 2", got)
	}
	// The failures quick list links to the rows.
	for _, r := range c.ordered(StatusFail) {
		if !strings.Contains(page, `href="#`+r.Anchor()+`"`) || !strings.Contains(page, `id="`+r.Anchor()+`"`) {
			t.Errorf("no anchor for failure %s", r.ID)
		}
	}
	// Markup in evidence is escaped, not interpreted.
	if strings.Contains(page, "<h1>500 Internal Server Error</h1>") || !strings.Contains(page, "&lt;h1&gt;500 Internal Server Error&lt;/h1&gt;") {
		t.Error("response body HTML is not escaped")
	}
	// Self-contained: nothing loaded from elsewhere.
	for _, bad := range []string{"<script src=", "<link", "@import", "url(", "<img", "<iframe"} {
		if strings.Contains(strings.ToLower(page), bad) {
			t.Errorf("page contains %q", bad)
		}
	}
}

// TestWriteHTMLAreaOrder checks that rows are grouped by area in catalogue
// order and keep catalogue order within an area, whatever the run order.
func TestWriteHTMLAreaOrder(t *testing.T) {
	t.Parallel()
	c := FromGinkgo(report(
		spec("IDT-ALG", "MUST", "id_token", "t", types.SpecStatePassed),
		spec("AUTH-MISSING", "MUST", "auth", "t", types.SpecStatePassed),
		spec("X-NEW", "MUST", "custom", "t", types.SpecStatePassed),
		failed(spec("AUTH-BASIC-OK", "MUST", "auth", "t", 0), types.SpecStateFailed, "m"),
		spec("REQ-TLS", "MUST", "request", "t", types.SpecStatePassed),
	), Meta{}, nil)
	buf := written(t, c.WriteHTML)
	page := buf.String()
	page = page[strings.Index(page, `<section class="area"`):]
	var got []string
	for _, m := range regexp.MustCompile(`<span class="id">([^<]+)</span>`).FindAllStringSubmatch(page, -1) {
		got = append(got, m[1])
	}
	want := []string{"REQ-TLS", "AUTH-BASIC-OK", "AUTH-MISSING", "IDT-ALG", "X-NEW"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("order: got %v, want %v", got, want)
	}
}

func TestWriteHTMLPass(t *testing.T) {
	t.Parallel()
	c := FromGinkgo(report(spec("AUTH-BASIC-OK", "MUST", "auth", "t", types.SpecStatePassed)), Meta{Profile: "oidc", Reveal: true}, nil)
	buf := written(t, c.WriteHTML)
	page := buf.String()
	for _, want := range []string{`<div class="word">PASS</div>`, "0 MUST failures, 0 warnings, 0 known deviations", "unredacted secrets"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, "Failures (") {
		t.Error("a passing run has a failures list")
	}
}

func TestWriteMarkdown(t *testing.T) {
	t.Parallel()
	c := sampleConformance()
	buf := written(t, c.WriteMarkdown)
	md := buf.String()
	for _, want := range []string{
		"## tokenbench conformance: FAIL (bankid)\n",
		"**4 MUST failures, 2 warnings, 1 known deviation** · 18 rows",
		"| Total | Pass | Fail | Warning | Known | Skipped | Info |",
		"| 18 | 8 | 4 | 2 | 1 | 2 | 1 |",
		"### Failures",
		"| `CODE-SINGLE-USE` | MUST | rejects a reused authorization code with invalid_grant | Expected the second redemption to fail with invalid_grant |",
		"| `REQ-GRANT-ONLY-CODE` | MUST | rejects every grant type but authorization_code with unsupported_grant_type | Expected an OAuth error response with error \"unsupported_grant_type\" |",
		"### Warnings",
		"| `CODE-REUSE-REVOKES` | SHOULD |",
		"### Known deviations",
		"| `IDT-NONCE-ABSENT` | omits nonce when none was sent | BankID sends \"nonce\": null (documented in the seed) |",
		"### Listed as known deviations but passed",
		"- `IDT-AZP`",
		"**2 skipped**: " + ReasonLabelFilter + " (1); no second client configured in the target (1)",
		"tokenbench v0.3.0 · target examples/preprod.yaml · issuer https:\u200b//preprod.bankid.example/oidc · profile bankid (bankid → oidc) · started 2026-03-14T09:26:53Z · 4.2 s · label filter `!slow`",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q\n%s", want, md)
		}
	}
	// Failures in catalogue order: request before auth before code.
	if i, j := strings.Index(md, "`REQ-GRANT-ONLY-CODE`"), strings.Index(md, "`AUTH-MALFORMED`"); i > j {
		t.Error("failures are not in catalogue order")
	}
	// Short: no exchanges, no markup from evidence.
	for _, bad := range []string{"POST /oidc/token", "<h1>", "Authorization:"} {
		if strings.Contains(md, bad) {
			t.Errorf("markdown contains %q", bad)
		}
	}
}

func TestWriteConformance(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "out", "nested")
	paths, err := WriteConformance(dir, sampleConformance())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"conformance.junit.xml", "conformance.json", "conformance.html", "conformance.md"}
	if len(paths) != len(want) {
		t.Fatalf("got %v", paths)
	}
	for i, p := range paths {
		if filepath.Base(p) != want[i] {
			t.Errorf("path %d: got %q, want %q", i, p, want[i])
		}
		if fi, err := os.Stat(p); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", p, err)
		}
	}
}

func TestWriteConformanceUnwritable(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, dir string }{
		{"below a file", filepath.Join(file, "out")},
		{"a file", file},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			paths, err := WriteConformance(tt.dir, sampleConformance())
			if err == nil {
				t.Fatalf("no error; wrote %v", paths)
			}
			if !strings.HasPrefix(err.Error(), "reports: ") {
				t.Errorf("error %q has no package prefix", err)
			}
		})
	}
}

// failWriter fails after n bytes.
type failWriter struct{ n int }

var errDiskFull = errors.New("disk full")

func (w *failWriter) Write(p []byte) (int, error) {
	if len(p) <= w.n {
		w.n -= len(p)
		return len(p), nil
	}
	n := w.n
	w.n = 0
	return n, errDiskFull
}

// TestWritersReportWriteErrors checks that no writer swallows a write
// error, wherever it happens.
func TestWritersReportWriteErrors(t *testing.T) {
	t.Parallel()
	c := sampleConformance()
	writers := map[string]func(io.Writer) error{
		"junit": c.WriteJUnit, "json": c.WriteJSON, "html": c.WriteHTML, "markdown": c.WriteMarkdown,
	}
	for name, write := range writers {
		var full bytes.Buffer
		if err := write(&full); err != nil {
			t.Fatal(err)
		}
		for _, at := range []int{0, 10, full.Len() / 2, full.Len() - 1} {
			if err := write(&failWriter{n: at}); !errors.Is(err, errDiskFull) {
				t.Errorf("%s failing at byte %d of %d: got %v, want %v", name, at, full.Len(), err, errDiskFull)
			}
		}
	}
}

// TestWriteSampleHTML writes the sample report's HTML and checks it is a
// whole page; with $TOKENBENCH_SAMPLE_HTML it goes to that file, to look at
// it in a browser:
//
//	TOKENBENCH_SAMPLE_HTML=/tmp/conf.html go test ./reports -run SampleHTML
func TestWriteSampleHTML(t *testing.T) {
	path := os.Getenv("TOKENBENCH_SAMPLE_HTML")
	if path == "" {
		path = filepath.Join(t.TempDir(), "conformance.html")
	}
	defer func() {
		b, err := os.ReadFile(path)
		if err != nil || !bytes.Contains(b, []byte("</html>")) {
			t.Errorf("%s: not a whole HTML page (%v)", path, err)
		}
	}()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := sampleConformance().WriteHTML(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// written is what write writes.
func written(t *testing.T, write func(io.Writer) error) *bytes.Buffer {
	t.Helper()
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		t.Fatal(err)
	}
	return &buf
}

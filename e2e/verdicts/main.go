// Command verdicts compares the row verdicts of a tokenbench conformance
// report (conformance.json) with a checked-in expectation file, for make e2e.
//
//	verdicts -report DIR/conformance.json -expect e2e/PROVIDER/expect-PROFILE.yaml
//	verdicts -report DIR/conformance.json -expect FILE -update   # rewrite FILE from the report
//
// The expectation file maps every row of the report, "ROW-ID" or "ROW-ID
// [entry]" for a table entry, to its verdict (pass, fail, warning, skip,
// info, known) and, for every verdict but pass, a one-line reason:
//
//	REQ-METHOD-POST: {verdict: pass}
//	RESP-PRAGMA: {verdict: warning, reason: "no Pragma: no-cache (RFC 6749 §5.1); verified with curl -i"}
//
// A row whose outcome depends on timing (a race the probe catches only
// sometimes) names the other verdict it may show, and its reason says why
// with the detection rate measured ("caught in 7 of 20 rounds", "35%"):
//
//	CODE-SINGLE-USE-RACE: {verdict: fail, flaky: pass, reason: "... 7 of 20 rounds ..."}
//
// It prints one line per difference (row, expected, got, and the report's
// message) and exits 1 when there is any: a changed verdict, a row of the
// report missing from the file, a row of the file missing from the report,
// or a non-pass without a reason. Exit 2 is bad input (a file that does not
// read or parse). -update writes the report's verdicts into FILE, keeping
// the reasons of rows whose verdict did not change and marking the others
// "TODO" with the report's message, for a person to check and rewrite.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// measuredRate finds a measured figure in a flaky row's reason: "7 of 20"
// or "35%".
var measuredRate = regexp.MustCompile(`\d+ of \d+|\d+(\.\d+)? ?%`)

// Verdicts as the expectation file writes them.
var verdicts = []string{"pass", "fail", "warning", "skip", "info", "known"}

// expectation is one row of the expectation file.
type expectation struct {
	Verdict string `yaml:"verdict"`
	Flaky   string `yaml:"flaky,omitempty"` // another verdict the row may show (a race)
	Reason  string `yaml:"reason,omitempty"`
}

// expected is the expected verdict as the diff shows it.
func (e expectation) expected() string {
	if e.Flaky != "" {
		return e.Verdict + "|" + e.Flaky
	}
	return e.Verdict
}

// allows reports whether the expectation accepts verdict v.
func (e expectation) allows(v string) bool { return v == e.Verdict || (e.Flaky != "" && v == e.Flaky) }

// row is what verdicts reads of a report row.
type row struct {
	ID      string `json:"id"`
	Entry   string `json:"entry"`
	Status  string `json:"status"`
	Message string `json:"message"`
}

// key is the row's name in the expectation file.
func (r row) key() string {
	if r.Entry == "" {
		return r.ID
	}
	return r.ID + " [" + r.Entry + "]"
}

// verdict maps a report status to the expectation file's word.
func (r row) verdict() string {
	if r.Status == "skipped" {
		return "skip"
	}
	return r.Status
}

type report struct {
	Schema  string `json:"schema"`
	Profile struct {
		Name string `json:"name"`
	} `json:"profile"`
	Rows []row `json:"rows"`
}

// difference is one line of the diff.
type difference struct {
	Key, Expected, Got, Note string
}

func (d difference) String() string {
	s := fmt.Sprintf("%-58s expected %-8s got %-8s", d.Key, d.Expected, d.Got)
	if d.Note != "" {
		s += "  " + d.Note
	}
	return strings.TrimRight(s, " ")
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("verdicts", flag.ContinueOnError)
	fs.SetOutput(stderr)
	reportPath := fs.String("report", "", "the conformance.json of a tokenbench conform run")
	expectPath := fs.String("expect", "", "the expectation file (YAML)")
	update := fs.Bool("update", false, "rewrite the expectation file from the report instead of comparing")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *reportPath == "" || *expectPath == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: verdicts -report conformance.json -expect expect.yaml [-update]")
		return 2
	}
	rep, err := readReport(*reportPath)
	if err != nil {
		fmt.Fprintf(stderr, "verdicts: %v\n", err)
		return 2
	}
	exp, order, err := readExpectations(*expectPath, *update)
	if err != nil {
		fmt.Fprintf(stderr, "verdicts: %v\n", err)
		return 2
	}
	if *update {
		if err := os.WriteFile(*expectPath, render(rep, exp, order, header(*expectPath)), 0o644); err != nil {
			fmt.Fprintf(stderr, "verdicts: %v\n", err)
			return 2
		}
		fmt.Fprintf(stdout, "verdicts: wrote %s (%d rows); check every TODO by hand\n", *expectPath, len(rep.Rows))
		return 0
	}
	diffs := compare(rep, exp, order)
	counts := map[string]int{}
	for _, r := range rep.Rows {
		counts[r.verdict()]++
	}
	var parts []string
	for _, v := range verdicts {
		if counts[v] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[v], v))
		}
	}
	summary := fmt.Sprintf("%d rows (%s)", len(rep.Rows), strings.Join(parts, ", "))
	if len(diffs) == 0 {
		fmt.Fprintf(stdout, "verdicts: %s: %s, every verdict as in %s\n", *reportPath, summary, *expectPath)
		return 0
	}
	fmt.Fprintf(stdout, "verdicts: %s: %s; %d differ from %s:\n", *reportPath, summary, len(diffs), *expectPath)
	for _, d := range diffs {
		fmt.Fprintf(stdout, "  %s\n", d)
	}
	return 1
}

func readReport(path string) (*report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if !strings.HasPrefix(r.Schema, "tokenbench.conformance/") {
		return nil, fmt.Errorf("%s: schema %q is not a tokenbench conformance report", path, r.Schema)
	}
	return &r, nil
}

// readExpectations reads the expectation file: the rows by key and their
// order in the file. A missing file is an empty one when allowMissing.
func readExpectations(path string, allowMissing bool) (map[string]expectation, []string, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) && allowMissing {
		return map[string]expectation{}, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	exp := map[string]expectation{}
	var order []string
	if len(doc.Content) == 0 {
		return exp, nil, nil
	}
	m := doc.Content[0]
	if m.Kind != yaml.MappingNode {
		return nil, nil, fmt.Errorf("%s:%d: want a mapping of row IDs to {verdict, reason}", path, m.Line)
	}
	var errs []error
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		var e expectation
		dec := yaml.NewDecoder(bytes.NewReader(mustMarshal(v)))
		dec.KnownFields(true)
		if err := dec.Decode(&e); err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: %q: %v", path, v.Line, k.Value, err))
			continue
		}
		if _, dup := exp[k.Value]; dup {
			errs = append(errs, fmt.Errorf("%s:%d: %q is listed twice", path, k.Line, k.Value))
			continue
		}
		if !contains(verdicts, e.Verdict) && !allowMissing {
			errs = append(errs, fmt.Errorf("%s:%d: %q: verdict %q is not one of %s", path, v.Line, k.Value, e.Verdict, strings.Join(verdicts, ", ")))
			continue
		}
		if e.Flaky != "" && (!contains(verdicts, e.Flaky) || e.Flaky == e.Verdict) {
			errs = append(errs, fmt.Errorf("%s:%d: %q: flaky %q is not another verdict (%s)", path, v.Line, k.Value, e.Flaky, strings.Join(verdicts, ", ")))
			continue
		}
		exp[k.Value] = e
		order = append(order, k.Value)
	}
	return exp, order, errors.Join(errs...)
}

func mustMarshal(n *yaml.Node) []byte {
	b, err := yaml.Marshal(n)
	if err != nil {
		return nil
	}
	return b
}

// compare returns the differences between the report and the expectations:
// report rows in report order, then expectations the report lacks in file
// order.
func compare(rep *report, exp map[string]expectation, order []string) []difference {
	var diffs []difference
	seen := map[string]bool{}
	for _, r := range rep.Rows {
		k := r.key()
		if seen[k] {
			diffs = append(diffs, difference{Key: k, Expected: "-", Got: r.verdict(), Note: "the report has this row twice"})
			continue
		}
		seen[k] = true
		e, ok := exp[k]
		switch {
		case !ok:
			diffs = append(diffs, difference{Key: k, Expected: "(missing)", Got: r.verdict(), Note: note(r)})
		case !e.allows(r.verdict()):
			diffs = append(diffs, difference{Key: k, Expected: e.expected(), Got: r.verdict(), Note: note(r)})
		case (e.Verdict != "pass" || e.Flaky != "") && strings.TrimSpace(e.Reason) == "":
			diffs = append(diffs, difference{Key: k, Expected: e.expected(), Got: r.verdict(), Note: "the expectation gives no reason for a non-pass"})
		case e.Flaky != "" && !measuredRate.MatchString(e.Reason):
			diffs = append(diffs, difference{Key: k, Expected: e.expected(), Got: r.verdict(), Note: "a flaky row's reason must give its measured detection rate (\"N of M rounds\" or a percentage)"})
		}
	}
	for _, k := range order {
		if !seen[k] {
			diffs = append(diffs, difference{Key: k, Expected: exp[k].Verdict, Got: "(missing)", Note: "the report has no such row"})
		}
	}
	return diffs
}

// note is the report's message for a diff line, on one line and short.
func note(r row) string {
	m := strings.Join(strings.Fields(r.Message), " ")
	if len([]rune(m)) > 160 {
		m = string([]rune(m)[:160]) + "…"
	}
	return m
}

// header returns the comment lines at the top of the file at path, "" when
// there are none or no file.
func header(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	var h strings.Builder
	for _, line := range strings.SplitAfter(string(b), "\n") {
		if !strings.HasPrefix(line, "#") {
			break
		}
		h.WriteString(line)
	}
	return h.String()
}

// render writes an expectation file with the report's verdicts, in the
// file's order for the rows it had and report order for new ones, under
// hdr (a default comment when empty).
func render(rep *report, exp map[string]expectation, order []string, hdr string) []byte {
	var b bytes.Buffer
	if hdr == "" {
		hdr = fmt.Sprintf("# Expected verdicts of tokenbench conform, profile %s: row ID (\"ROW-ID\" or\n"+
			"# \"ROW-ID [entry]\") -> verdict and, for every non-pass, a one-line reason.\n", rep.Profile.Name)
	}
	b.WriteString(hdr)
	byKey := map[string]row{}
	var keys []string
	for _, r := range rep.Rows {
		if _, dup := byKey[r.key()]; !dup {
			keys = append(keys, r.key())
		}
		byKey[r.key()] = r
	}
	pos := map[string]int{}
	for i, k := range order {
		pos[k] = i
	}
	sort.SliceStable(keys, func(i, j int) bool {
		pi, iok := pos[keys[i]]
		pj, jok := pos[keys[j]]
		switch {
		case iok && jok:
			return pi < pj
		case iok != jok:
			return iok
		}
		return false
	})
	for _, k := range keys {
		r := byKey[k]
		e := expectation{Verdict: r.verdict()}
		if old, ok := exp[k]; ok && old.allows(e.Verdict) {
			e = old // a flaky row keeps its file's order of verdicts
		} else if e.Verdict != "pass" {
			e.Reason = "TODO: " + note(r)
		}
		if e.Verdict == "pass" && e.Flaky == "" {
			e.Reason = ""
		}
		fmt.Fprintf(&b, "%s: {verdict: %s", yamlString(k), e.Verdict)
		if e.Flaky != "" {
			fmt.Fprintf(&b, ", flaky: %s", e.Flaky)
		}
		if e.Reason != "" {
			fmt.Fprintf(&b, ", reason: %s", quoted(e.Reason))
		}
		b.WriteString("}\n")
	}
	return b.Bytes()
}

// yamlString quotes s for a flow mapping when it needs it.
func yamlString(s string) string {
	if s != "" && !strings.ContainsAny(s, ":{}[],#&*!|>'\"%@`\n") && strings.TrimSpace(s) == s {
		return s
	}
	return quoted(s)
}

// quoted is s as a YAML double-quoted scalar.
func quoted(s string) string {
	var b bytes.Buffer // a JSON string is a YAML double-quoted scalar
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

package reports

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"
)

func TestFromGinkgoStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		spec     types.SpecReport
		expected map[string]string
		filter   string

		wantID, wantLevel, wantArea, wantStatus string
		wantMessage                             string // substring
		wantKnown                               string
		wantLocation                            string
		wantUnexpected                          int
	}{
		{name: "must passed", spec: spec("AUTH-BASIC-OK", "MUST", "auth", "t", types.SpecStatePassed),
			wantID: "AUTH-BASIC-OK", wantLevel: "MUST", wantArea: "auth", wantStatus: StatusPass},
		{name: "must failed", spec: failed(spec("CODE-SINGLE-USE", "MUST", "code", "t", 0), types.SpecStateFailed, "got 200"),
			wantStatus: StatusFail, wantMessage: "got 200", wantLocation: "suites/code.go:42"},
		{name: "must panicked", spec: func() types.SpecReport {
			sr := failed(spec("CODE-SINGLE-USE", "MUST", "code", "t", 0), types.SpecStatePanicked, "Test Panicked")
			sr.Failure.ForwardedPanic = "runtime error: nil map"
			return sr
		}(), wantStatus: StatusFail, wantMessage: "runtime error: nil map"},
		{name: "must timed out", spec: failed(spec("CODE-EXPIRES", "MUST", "code", "t", 0), types.SpecStateTimedout, "A spec timeout occurred"),
			wantStatus: StatusFail, wantMessage: "timeout"},
		{name: "must aborted", spec: failed(spec("CODE-EXPIRES", "MUST", "code", "t", 0), types.SpecStateAborted, "aborted"),
			wantStatus: StatusFail},
		{name: "must interrupted: not judged, not a failure", spec: failed(spec("CODE-EXPIRES", "MUST", "code", "t", 0), types.SpecStateInterrupted, "Interrupted by User"),
			wantStatus: StatusSkipped, wantMessage: ReasonInterruptedRunning},
		{name: "must failed, known deviation", spec: failed(spec("RESP-PRAGMA", "MUST", "response", "t", 0), types.SpecStateFailed, "no Pragma"),
			expected:   map[string]string{"RESP-PRAGMA": "accepted quirk"},
			wantStatus: StatusKnown, wantMessage: "no Pragma", wantKnown: "accepted quirk"},
		{name: "should failed", spec: failed(spec("ERR-NO-STORE", "SHOULD", "error", "t", 0), types.SpecStateFailed, "no no-store"),
			wantStatus: StatusWarning, wantMessage: "no no-store"},
		{name: "should failed, known deviation", spec: failed(spec("ERR-NO-STORE", "SHOULD", "error", "t", 0), types.SpecStateFailed, "no no-store"),
			expected:   map[string]string{"ERR-NO-STORE": "r"},
			wantStatus: StatusKnown, wantKnown: "r"},
		{name: "passed with a warning finding", spec: spec("CODE-REUSE-REVOKES", "SHOULD", "code", "t", types.SpecStatePassed,
			findingEntry(FindingWarning, "userinfo still accepts the token", "401", "200")),
			wantStatus: StatusWarning, wantMessage: "userinfo still accepts the token"},
		{name: "info passed", spec: spec("CODE-FAILED-AUTH-BURN", "INFO", "code", "t", types.SpecStatePassed,
			findingEntry(FindingObservation, "the code survives", "", "")),
			wantStatus: StatusInfo, wantMessage: "the code survives"},
		{name: "info failed", spec: failed(spec("CODE-FAILED-AUTH-BURN", "INFO", "code", "t", 0), types.SpecStateFailed, "no response"),
			wantStatus: StatusInfo, wantMessage: "no response"},
		{name: "unexpected pass", spec: spec("IDT-AZP", "MUST", "id_token", "t", types.SpecStatePassed),
			expected:   map[string]string{"IDT-AZP": "azp missing in 2025.3"},
			wantStatus: StatusPass, wantMessage: UnexpectedPassMessage, wantKnown: "azp missing in 2025.3", wantUnexpected: 1},
		{name: "skipped with a reason", spec: failed(spec("CODE-BOUND-TO-CLIENT", "MUST", "code", "t", 0), types.SpecStateSkipped, "no second client configured"),
			wantStatus: StatusSkipped, wantMessage: "no second client configured"},
		{name: "skip level with a reason", spec: types.SpecReport{LeafNodeType: types.NodeTypeIt, LeafNodeText: "t", State: types.SpecStatePassed,
			ReportEntries: types.ReportEntries{rowEntry(RowEntry{ID: "PKCE-DOWNGRADE", Level: "SKIP", Area: "pkce", SkipReason: "the profile does not support PKCE"})}},
			wantID: "PKCE-DOWNGRADE", wantLevel: "SKIP", wantStatus: StatusSkipped, wantMessage: "does not support PKCE"},
		{name: "not selected by the label filter", filter: "!slow", spec: types.SpecReport{LeafNodeType: types.NodeTypeIt, LeafNodeText: "expires",
			LeafNodeLabels: []string{"TE:CODE-EXPIRES", "MUST", "area:code", "slow"}, State: types.SpecStateSkipped},
			wantID: "CODE-EXPIRES", wantLevel: "MUST", wantArea: "code", wantStatus: StatusSkipped, wantMessage: ReasonLabelFilter},
		{name: "labels in a container", filter: "!slow", spec: types.SpecReport{LeafNodeType: types.NodeTypeIt, LeafNodeText: "expires",
			ContainerHierarchyLabels: [][]string{{"area:code", "slow"}}, LeafNodeLabels: []string{"TE:CODE-EXPIRES", "SHOULD"}, State: types.SpecStateSkipped},
			wantID: "CODE-EXPIRES", wantLevel: "SHOULD", wantArea: "code", wantStatus: StatusSkipped, wantMessage: ReasonLabelFilter},
		{name: "never ran, no filter", spec: types.SpecReport{LeafNodeType: types.NodeTypeIt, LeafNodeLabels: []string{"TE:CODE-EXPIRES"}, State: types.SpecStateSkipped},
			wantID: "CODE-EXPIRES", wantLevel: "MUST", wantArea: "code", wantStatus: StatusSkipped, wantMessage: ReasonNotRun},
		{name: "pending", spec: types.SpecReport{LeafNodeType: types.NodeTypeIt, LeafNodeLabels: []string{"TE:CODE-EXPIRES", "MUST"}, State: types.SpecStatePending},
			wantStatus: StatusSkipped, wantMessage: "pending"},
		{name: "row entry as a pointer", spec: types.SpecReport{LeafNodeType: types.NodeTypeIt, State: types.SpecStatePassed,
			ReportEntries: types.ReportEntries{rowEntry(&RowEntry{ID: "RESP-SCOPE", Level: "MUST", Area: "response"})}},
			wantID: "RESP-SCOPE", wantLevel: "MUST", wantArea: "response", wantStatus: StatusPass},
		{name: "unknown row", spec: failed(spec("X-NEW-ROW", "MUST", "", "t", 0), types.SpecStateFailed, "boom"),
			wantID: "X-NEW-ROW", wantLevel: "MUST", wantArea: "", wantStatus: StatusFail},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := FromGinkgo(report(tt.spec), Meta{LabelFilter: tt.filter}, tt.expected)
			if len(c.Rows) != 1 {
				t.Fatalf("got %d rows, want 1", len(c.Rows))
			}
			r := c.Rows[0]
			if r.Status != tt.wantStatus {
				t.Errorf("status: got %q, want %q (message %q)", r.Status, tt.wantStatus, r.Message)
			}
			if tt.wantID != "" && r.ID != tt.wantID {
				t.Errorf("id: got %q, want %q", r.ID, tt.wantID)
			}
			if tt.wantLevel != "" && r.Level != tt.wantLevel {
				t.Errorf("level: got %q, want %q", r.Level, tt.wantLevel)
			}
			if tt.wantArea != "" && r.Area != tt.wantArea {
				t.Errorf("area: got %q, want %q", r.Area, tt.wantArea)
			}
			if !strings.Contains(r.Message, tt.wantMessage) {
				t.Errorf("message: got %q, want it to contain %q", r.Message, tt.wantMessage)
			}
			if r.KnownReason != tt.wantKnown {
				t.Errorf("known reason: got %q, want %q", r.KnownReason, tt.wantKnown)
			}
			if tt.wantLocation != "" && r.Location != tt.wantLocation {
				t.Errorf("location: got %q, want %q", r.Location, tt.wantLocation)
			}
			if c.Summary.UnexpectedPass != tt.wantUnexpected {
				t.Errorf("unexpected passes: got %d, want %d", c.Summary.UnexpectedPass, tt.wantUnexpected)
			}
		})
	}
}

func TestFromGinkgoCatalogueFields(t *testing.T) {
	t.Parallel()
	c := FromGinkgo(report(
		withEntry(spec("REQ-GRANT-ONLY-CODE", "MUST", "request", "rejects other grant types", types.SpecStatePassed), "password"),
		spec("X-NEW-ROW", "MUST", "", "new", types.SpecStatePassed),
	), Meta{}, nil)
	got := c.Rows[0]
	if got.Text != "rejects other grant types" || got.Entry != "password" || got.Name() != "REQ-GRANT-ONLY-CODE: rejects other grant types [password]" {
		t.Errorf("text/entry/name: got %q, %q, %q", got.Text, got.Entry, got.Name())
	}
	if got.AreaTitle != "Request: transport, method, format" || got.Source != "seed; 6749 §5.2" || got.Probe == "" || got.Expected != "400 unsupported_grant_type" {
		t.Errorf("catalogue fields: got %+v", got)
	}
	if len(got.Refs) != 2 || got.Refs[1].URL != "https://www.rfc-editor.org/rfc/rfc6749#section-5.2" {
		t.Errorf("refs: got %+v", got.Refs)
	}
	if got.DurationMS != 12 {
		t.Errorf("duration: got %v ms, want 12", got.DurationMS)
	}
	table := withEntry(spec("REQ-GRANT-ONLY-CODE", "MUST", "request", "password", types.SpecStatePassed), "password")
	table.ContainerHierarchyTexts = []string{"grant_type", "rejects other grant types with unsupported_grant_type"}
	if got := FromGinkgo(report(table), Meta{}, nil).Rows[0].Name(); got != "REQ-GRANT-ONLY-CODE: rejects other grant types with unsupported_grant_type [password]" {
		t.Errorf("table entry name: got %q", got)
	}
	unknown := c.Rows[1]
	if unknown.Source != "" || unknown.Probe != "" || unknown.Expected != "" || unknown.Refs != nil || unknown.Area != "" {
		t.Errorf("unknown row has catalogue fields: %+v", unknown)
	}
}

func TestFromGinkgoVerdict(t *testing.T) {
	t.Parallel()
	pass := spec("AUTH-BASIC-OK", "MUST", "auth", "t", types.SpecStatePassed)
	fail := failed(spec("CODE-SINGLE-USE", "MUST", "code", "t", 0), types.SpecStateFailed, "got 200")
	warn := failed(spec("ERR-NO-STORE", "SHOULD", "error", "t", 0), types.SpecStateFailed, "no no-store")
	neverRan := types.SpecReport{LeafNodeType: types.NodeTypeIt, LeafNodeLabels: []string{"TE:CODE-EXPIRES", "MUST"}, State: types.SpecStateSkipped}
	setupFailed := types.SpecReport{LeafNodeType: types.NodeTypeBeforeSuite, State: types.SpecStateFailed,
		Failure: types.Failure{Message: "discovery: GET https://issuer/.well-known/openid-configuration: connection refused"}}
	interrupted := func(r types.Report) types.Report {
		r.SpecialSuiteFailureReasons = []string{"Interrupted by User"}
		r.SuiteSucceeded = false
		return r
	}
	tests := []struct {
		name            string
		report          types.Report
		expected        map[string]string
		wantVerdict     string
		wantExit        int
		wantInterrupted bool
		wantSuiteFail   int
		wantSkipReason  string
		wantCounts      Counts
	}{
		{name: "all pass", report: report(pass), wantVerdict: VerdictPass, wantExit: 0,
			wantCounts: Counts{Total: 1, Pass: 1}},
		{name: "a MUST failure", report: report(pass, fail), wantVerdict: VerdictFail, wantExit: 1,
			wantCounts: Counts{Total: 2, Pass: 1, Fail: 1}},
		{name: "a warning only", report: report(pass, warn), wantVerdict: VerdictPass, wantExit: 0,
			wantCounts: Counts{Total: 2, Pass: 1, Warning: 1}},
		{name: "the failure is a known deviation", report: report(pass, fail), expected: map[string]string{"CODE-SINGLE-USE": "r"},
			wantVerdict: VerdictPass, wantExit: 0, wantCounts: Counts{Total: 2, Pass: 1, Known: 1}},
		{name: "unexpected pass", report: report(pass), expected: map[string]string{"AUTH-BASIC-OK": "r"},
			wantVerdict: VerdictPass, wantExit: 0, wantCounts: Counts{Total: 1, Pass: 1, UnexpectedPass: 1}},
		{name: "interrupted", report: interrupted(report(pass, neverRan)), wantVerdict: VerdictFail, wantExit: 1, wantInterrupted: true,
			wantSkipReason: ReasonInterrupted, wantCounts: Counts{Total: 2, Pass: 1, Skipped: 1}},
		{name: "suite setup failed", report: report(setupFailed, neverRan), wantVerdict: VerdictFail, wantExit: 1, wantSuiteFail: 1,
			wantSkipReason: ReasonSuiteFailed, wantCounts: Counts{Total: 1, Skipped: 1}},
		{name: "other special failure reasons do not fail the run", report: func() types.Report {
			r := report(pass)
			r.SpecialSuiteFailureReasons = []string{"Detected pending specs and --fail-on-pending is set"}
			return r
		}(), wantVerdict: VerdictPass, wantCounts: Counts{Total: 1, Pass: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := FromGinkgo(tt.report, Meta{}, tt.expected)
			if c.Verdict != tt.wantVerdict || c.ExitCode() != tt.wantExit {
				t.Errorf("verdict: got %q (exit %d), want %q (exit %d)", c.Verdict, c.ExitCode(), tt.wantVerdict, tt.wantExit)
			}
			if c.Interrupted != tt.wantInterrupted {
				t.Errorf("interrupted: got %v, want %v", c.Interrupted, tt.wantInterrupted)
			}
			if tt.wantInterrupted && c.InterruptReason != "Interrupted by User" {
				t.Errorf("interrupt reason: got %q", c.InterruptReason)
			}
			if len(c.SuiteFailures) != tt.wantSuiteFail {
				t.Errorf("suite failures: got %+v, want %d", c.SuiteFailures, tt.wantSuiteFail)
			}
			if c.Summary != tt.wantCounts {
				t.Errorf("counts: got %+v, want %+v", c.Summary, tt.wantCounts)
			}
			if tt.wantSkipReason != "" {
				last := c.Rows[len(c.Rows)-1]
				if last.Message != tt.wantSkipReason {
					t.Errorf("skip reason: got %q, want %q", last.Message, tt.wantSkipReason)
				}
			}
		})
	}
}

func TestFromGinkgoMeta(t *testing.T) {
	t.Parallel()
	c := FromGinkgo(report(), sampleMeta, nil)
	if c.Schema != ConformanceSchema || c.Tool != (Tool{"tokenbench", "v0.3.0"}) {
		t.Errorf("schema/tool: got %q, %+v", c.Schema, c.Tool)
	}
	if !reflect.DeepEqual(c.Target, Target{Source: sampleMeta.Target, Issuer: sampleMeta.Issuer, TokenEndpoint: sampleMeta.TokenEndpoint}) {
		t.Errorf("target: got %+v", c.Target)
	}
	if c.Profile.Name != "bankid" || !reflect.DeepEqual(c.Profile.Chain, []string{"bankid", "oidc"}) || c.LabelFilter != "!slow" {
		t.Errorf("profile/filter: got %+v, %q", c.Profile, c.LabelFilter)
	}
	if !c.Start.Equal(t0) || c.DurationSeconds != 4.2 {
		t.Errorf("start/duration: got %v, %v", c.Start, c.DurationSeconds)
	}
	if c.Rows == nil {
		t.Error("rows: got nil, want an empty list (JSON [])")
	}
}

func TestFromGinkgoSample(t *testing.T) {
	t.Parallel()
	c := FromGinkgo(sampleReport(), sampleMeta, sampleExpected)
	want := Counts{Total: 18, Pass: 8, Fail: 4, Warning: 2, Skipped: 2, Known: 1, Info: 1, UnexpectedPass: 1}
	if c.Summary != want {
		t.Errorf("counts: got %+v, want %+v", c.Summary, want)
	}
	if c.Verdict != VerdictFail {
		t.Errorf("verdict: got %q", c.Verdict)
	}
	// Rows stay in run order; the BeforeSuite node is not a row.
	if c.Rows[0].ID != "REQ-METHOD-POST" || c.Rows[len(c.Rows)-1].ID != "IDT-AZP" {
		t.Errorf("order: first %q, last %q", c.Rows[0].ID, c.Rows[len(c.Rows)-1].ID)
	}
	var reuse Row
	for _, r := range c.Rows {
		if r.ID == "CODE-SINGLE-USE" {
			reuse = r
		}
	}
	if len(reuse.Exchanges) != 2 || reuse.Exchanges[1] != reuseSecond || len(reuse.Findings) != 1 {
		t.Errorf("evidence: got %d exchanges, %d findings", len(reuse.Exchanges), len(reuse.Findings))
	}
}

// TestFromGinkgoJSONReport checks that a report decoded from Ginkgo's JSON
// report (where entries carry only their JSON) gives the same rows as the
// in-process report.
func TestFromGinkgoJSONReport(t *testing.T) {
	t.Parallel()
	r := sampleReport()
	r.SpecialSuiteFailureReasons = []string{"Interrupted by User"}
	want := FromGinkgo(r, sampleMeta, sampleExpected)

	data, err := json.Marshal([]types.Report{r}) // Ginkgo's --json-report is a list
	if err != nil {
		t.Fatal(err)
	}
	var decoded []types.Report
	if err := json.Unmarshal(data, &decoded); err != nil {
		t.Fatal(err)
	}
	got := FromGinkgo(decoded[0], sampleMeta, sampleExpected)
	if !reflect.DeepEqual(got.Rows, want.Rows) {
		for i := range want.Rows {
			if i < len(got.Rows) && !reflect.DeepEqual(got.Rows[i], want.Rows[i]) {
				t.Errorf("row %d:\n got %+v\nwant %+v", i, got.Rows[i], want.Rows[i])
			}
		}
		t.Fatalf("rows differ (%d vs %d)", len(got.Rows), len(want.Rows))
	}
	if got.Summary != want.Summary || got.Verdict != want.Verdict || got.Interrupted != want.Interrupted {
		t.Errorf("summary: got %+v %q %v, want %+v %q %v", got.Summary, got.Verdict, got.Interrupted, want.Summary, want.Verdict, want.Interrupted)
	}
}

// TestConformanceJSONRoundTrip checks that the JSON report decodes to the
// model it was written from.
func TestConformanceJSONRoundTrip(t *testing.T) {
	t.Parallel()
	c := FromGinkgo(sampleReport(), sampleMeta, sampleExpected)
	var buf bytes.Buffer
	if err := c.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"schema": "tokenbench.conformance/v1"`) {
		t.Errorf("no schema line in\n%s", buf.String()[:200])
	}
	var got Conformance
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&got, c) {
		t.Errorf("round trip differs:\n got %+v\nwant %+v", got, *c)
	}
}

func TestDecodeEntryForms(t *testing.T) {
	t.Parallel()
	want := FindingEntry{Kind: FindingWarning, Message: "m", Expected: "e", Observed: "o"}
	asJSON, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		val  types.ReportEntryValue
	}{
		{"value", types.WrapEntryValue(want)},
		{"pointer", types.WrapEntryValue(&want)},
		{"json", types.ReportEntryValue{AsJSON: string(asJSON)}},
		{"map", types.WrapEntryValue(map[string]any{"kind": "warning", "message": "m", "expected": "e", "observed": "o"})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got FindingEntry
			if err := decodeEntry(tt.val, &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %+v, want %+v", got, want)
			}
		})
	}
}

func TestFromGinkgoBadEntry(t *testing.T) {
	t.Parallel()
	sr := spec("AUTH-BASIC-OK", "MUST", "auth", "t", types.SpecStatePassed,
		types.ReportEntry{Name: EntryExchange, Value: types.ReportEntryValue{AsJSON: `{"status":"two hundred"}`}})
	c := FromGinkgo(report(sr), Meta{}, nil)
	r := c.Rows[0]
	if r.Status != StatusPass || len(r.Findings) != 1 || !strings.Contains(r.Findings[0].Message, `entry "tokenbench.exchange"`) {
		t.Errorf("got %+v", r)
	}
}

// TestDeselectedTableEntries: the entries of a table the label filter
// deselected keep their names, so that each is a row of its own (not the
// same row twice) with the table's text.
func TestDeselectedTableEntries(t *testing.T) {
	t.Parallel()
	entry := func(name string) types.SpecReport {
		return types.SpecReport{LeafNodeType: types.NodeTypeIt, LeafNodeText: name, ContainerHierarchyTexts: []string{"redirect_uri", "rejects a mismatch"},
			LeafNodeLabels: []string{"TE:REQ-REDIRECT-MISMATCH", "MUST", "area:request"}, State: types.SpecStateSkipped}
	}
	single := types.SpecReport{LeafNodeType: types.NodeTypeIt, LeafNodeText: "expires", LeafNodeLabels: []string{"TE:CODE-EXPIRES", "MUST"}, State: types.SpecStateSkipped}
	c := FromGinkgo(types.Report{SpecReports: types.SpecReports{entry("trailing slash"), entry("changed case"), single}}, Meta{LabelFilter: "area:auth"}, nil)
	var got []string
	for _, r := range c.Rows {
		got = append(got, r.ID+" ["+r.Entry+"] "+r.Text)
	}
	want := []string{"REQ-REDIRECT-MISMATCH [trailing slash] rejects a mismatch", "REQ-REDIRECT-MISMATCH [changed case] rejects a mismatch", "CODE-EXPIRES [] expires"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

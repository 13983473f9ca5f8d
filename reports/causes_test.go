package reports

import (
	"reflect"
	"strings"
	"testing"
)

func failing(id, entry, status, msg string, seqs ...int) Row {
	return Row{ID: id, Entry: entry, Status: status, Message: msg,
		Findings: []FindingEntry{{Kind: FindingFailure, Message: msg, Exchanges: seqs}}}
}

func TestRootCauses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		rows   []Row
		causes map[string][]string // cause row -> rows it explains
	}{
		{"error responses not JSON", []Row{
			failing("REQ-CODE-MISSING", "", StatusFail, "no code: the provider answered 400 Bad Request, not a JSON object", 3),
			failing("CODE-SINGLE-USE", "", StatusFail, "second redemption: ...", 5),
			failing("REQ-REDIRECT-MISMATCH", "trailing slash", StatusFail, "...", 7),
			failing("RESP-PRAGMA", "", StatusFail, "[valid exchange] Pragma: got no header line", 9),
			failing("ERR-STATUS", "", StatusFail, "[wrong client secret] status: got 401, want 400", 1, 3),
			failing("ERR-JSON", "", StatusFail, "[unknown code] Content-Type: got \"text/plain\", want application/json\n[no code] ...", 1, 2, 3, 5, 7),
		}, map[string][]string{"ERR-JSON": {"ERR-JSON", "REQ-CODE-MISSING", "CODE-SINGLE-USE", "REQ-REDIRECT-MISMATCH [trailing slash]", "ERR-STATUS"}}},
		{"independent failures", []Row{
			failing("CODE-SINGLE-USE", "", StatusFail, "second redemption: 200", 5),
			failing("RESP-PRAGMA", "", StatusFail, "[valid exchange] Pragma", 9),
			failing("IDT-AUD", "", StatusFail, "[valid exchange] aud", 9),
		}, nil},
		{"a single judged exchange is no cause", []Row{
			failing("RESP-PRAGMA", "", StatusFail, "[valid exchange] Pragma", 9),
			failing("RESP-NO-STORE", "", StatusWarning, "[valid exchange] Cache-Control", 9),
		}, nil},
		{"passing and known rows take no part", []Row{
			failing("ERR-STATUS", "", StatusFail, "[a] status", 1, 2),
			failing("REQ-CODE-UNKNOWN", "", StatusKnown, "random code", 2),
			{ID: "AUTH-BASIC-OK", Status: StatusPass},
		}, nil},
		{"the broader cause takes in the narrower one", []Row{
			failing("AUTH-MALFORMED", "Basic !!!", StatusFail, "500", 4),
			failing("AUTH-MALFORMED", "Bearer x", StatusFail, "500", 6),
			failing("ERR-STATUS", "", StatusFail, "[x] status: got 403", 4, 6, 8),
			failing("ERR-NO-5XX", "", StatusFail, "[x] status: got 500", 4, 6),
		}, map[string][]string{"ERR-STATUS": {"ERR-STATUS", "AUTH-MALFORMED [Basic !!!]", "AUTH-MALFORMED [Bearer x]", "ERR-NO-5XX"}}},
		{"of two causes that explain as many rows, the failure before the warning", []Row{
			failing("REQ-CODE-MISSING", "", StatusFail, "a", 4),
			failing("ERR-NO-STORE", "", StatusWarning, "[x] no-store", 4, 5, 6, 8),
			failing("ERR-JSON", "", StatusFail, "[x] json", 4, 7),
		}, map[string][]string{"ERR-JSON": {"ERR-JSON", "REQ-CODE-MISSING"}}},
		{"of two failures that explain as many rows, the more widespread", []Row{
			failing("REQ-CODE-MISSING", "", StatusFail, "a", 4),
			failing("ERR-STATUS", "", StatusFail, "[x] status", 4, 7),
			failing("ERR-JSON", "", StatusFail, "[x] json", 4, 5, 6),
		}, map[string][]string{"ERR-JSON": {"ERR-JSON", "REQ-CODE-MISSING"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := map[string][]string{}
			cs := rootCauses(tt.rows)
			for _, c := range cs {
				got[c.Row] = c.Rows
				if !strings.Contains(c.Text, "failures share one cause: "+c.Row) {
					t.Errorf("text %q", c.Text)
				}
			}
			if len(got) == 0 {
				got = nil
			}
			if !reflect.DeepEqual(got, tt.causes) {
				t.Errorf("causes %v, want %v", got, tt.causes)
			}
			for _, r := range tt.rows {
				want := ""
				for c, rs := range tt.causes {
					for _, k := range rs {
						if k == rowKey(r) {
							want = c
						}
					}
				}
				if r.Cause != want {
					t.Errorf("%s: cause %q, want %q", rowKey(r), r.Cause, want)
				}
			}
		})
	}
}

func TestRootCauseText(t *testing.T) {
	t.Parallel()
	rows := []Row{
		failing("REQ-CODE-MISSING", "", StatusFail, "no code", 3),
		failing("ERR-JSON", "", StatusFail, "[unknown code] Content-Type: got \"text/plain\", want application/json\n[no code] more", 1, 3),
	}
	cs := rootCauses(rows)
	want := `2 failures share one cause: ERR-JSON fails on the responses they judged (Content-Type: got "text/plain", want application/json); fix that first`
	if len(cs) != 1 || cs[0].Text != want {
		t.Errorf("causes %+v\nwant text %s", cs, want)
	}
}

package catalog

import (
	"strings"
	"testing"
)

func TestRowsWellFormed(t *testing.T) {
	t.Parallel()
	all := All()
	if len(all) < 70 {
		t.Fatalf("catalogue has %d rows, REQUIREMENTS.md has 73", len(all))
	}
	areas := map[Area]bool{}
	for _, a := range Areas {
		areas[a] = true
	}
	for _, r := range all {
		if !areas[r.Area] {
			t.Errorf("%s: area %q is not in Areas", r.ID, r.Area)
		}
		if r.Level != Must && r.Level != Should && r.Level != Info {
			t.Errorf("%s: level %q", r.ID, r.Level)
		}
		if r.Probe == "" || r.Expected == "" || r.Source == "" {
			t.Errorf("%s: empty probe, expected or source", r.ID)
		}
		if got, ok := Lookup(r.ID); !ok || got.ID != r.ID {
			t.Errorf("Lookup(%s) = %v, %v", r.ID, got.ID, ok)
		}
	}
	if _, ok := Lookup("NOPE"); ok {
		t.Error("Lookup(NOPE) found a row")
	}
}

func TestRefs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		id   string
		want []string // "text|url"
	}{
		{"RESP-NO-STORE", []string{
			"RFC 6749 §5.1|https://www.rfc-editor.org/rfc/rfc6749#section-5.1",
			"OIDC Core §3.1.3.3|https://openid.net/specs/openid-connect-core-1_0.html#TokenResponse",
			"provider document|"}},
		{"CODE-REUSE-REVOKES", []string{
			"RFC 6749 §4.1.2|https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2",
			"RFC 9700 §4.2.4|https://www.rfc-editor.org/rfc/rfc9700#section-4.2.4"}},
		{"AUTH-MALFORMED", []string{"robustness|", "RFC 7235 §3.1|https://www.rfc-editor.org/rfc/rfc7235#section-3.1"}},
		{"AUTH-METHOD-BOUND", []string{
			"OIDC Registration §2|https://openid.net/specs/openid-connect-registration-1_0.html#ClientMetadata",
			"RFC 9700 §2.5|https://www.rfc-editor.org/rfc/rfc9700#section-2.5"}},
		{"AUTH-JWT-OK", []string{
			"RFC 7523 §2.2|https://www.rfc-editor.org/rfc/rfc7523#section-2.2",
			"RFC 7523 §3|https://www.rfc-editor.org/rfc/rfc7523#section-3",
			"OIDC Core §9|https://openid.net/specs/openid-connect-core-1_0.html#ClientAuthentication"}},
		{"DISC-ID-TOKEN-ALGS", []string{
			"OIDC Discovery §3|https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderMetadata"}},
	}
	for _, tt := range tests {
		var got []string
		for _, r := range MustLookup(tt.id).Refs() {
			got = append(got, r.Text+"|"+r.URL)
		}
		if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
			t.Errorf("%s refs:\n%s\nwant:\n%s", tt.id, strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
		}
	}
}

func TestParseLevel(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Level{"must": Must, " SHOULD ": Should, "Info": Info, "skip": Skip} {
		if got, err := ParseLevel(in); err != nil || got != want {
			t.Errorf("ParseLevel(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseLevel("MAY"); err == nil || !strings.Contains(err.Error(), `"MAY"`) {
		t.Errorf("ParseLevel(MAY) error = %v", err)
	}
}

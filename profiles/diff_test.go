package profiles

import (
	"reflect"
	"strings"
	"testing"

	"github.com/tokenbench/tokenbench/internal/catalog"
)

// TestRowFieldsExist: every row rowFields names is in the catalogue and
// every path is a YAML field of Profile, so that a renamed field cannot
// silently drop out of Diff.
func TestRowFieldsExist(t *testing.T) {
	t.Parallel()
	for id, paths := range rowFields {
		if _, ok := catalog.Lookup(id); !ok {
			t.Errorf("rowFields: %s is not a catalogue row", id)
		}
		for _, path := range paths {
			if !yamlPath(reflect.TypeFor[Profile](), strings.Split(path, ".")) {
				t.Errorf("rowFields[%s]: %q is not a field of Profile", id, path)
			}
		}
	}
}

func yamlPath(typ reflect.Type, parts []string) bool {
	if len(parts) == 0 {
		return true
	}
	if typ.Kind() != reflect.Struct {
		return false
	}
	for i := range typ.NumField() {
		f := typ.Field(i)
		if name, _, _ := strings.Cut(f.Tag.Get("yaml"), ","); name == parts[0] {
			return yamlPath(f.Type, parts[1:])
		}
	}
	return false
}

func TestDiff(t *testing.T) {
	t.Parallel()
	pilot, err := Load("bankid")
	if err != nil {
		t.Fatal(err)
	}
	v4, err := Load("bankid-v4")
	if err != nil {
		t.Fatal(err)
	}
	ds, err := Diff(pilot, v4)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]RowDiff{}
	for _, d := range ds {
		got[d.ID] = d
	}
	// The seven rows BANKID-CURRENT.md says the pilot profile gets wrong,
	// and each one's field.
	for id, field := range map[string]string{
		"IDT-ALG": "id_token.algs", "RESP-EXPIRES-IN": "response.expires_in", "IDT-AMR": "id_token.amr_values",
		"REQ-CLIENT-ID-REJECTED": "request.client_id_param", "AUTH-SECRET-POST": "auth.methods",
		"RESP-NO-REFRESH": "response.refresh_token", "REQ-GRANT-ONLY-CODE": "request.grant_types",
	} {
		d, ok := got[id]
		if !ok {
			t.Errorf("Diff lacks %s", id)
			continue
		}
		found := false
		for _, f := range d.Fields {
			found = found || f.Path == field
		}
		if !found {
			t.Errorf("%s: fields %+v lack %s", id, d.Fields, field)
		}
	}
	if d := got["CODE-EXPIRES"]; !strings.Contains(d.ReasonB, "not documented by BankID") {
		t.Errorf("CODE-EXPIRES reason %q: want not documented by BankID", d.ReasonB)
	}
	if _, ok := got["IDT-ISS"]; ok {
		t.Error("Diff lists IDT-ISS, which does not differ")
	}
	same, err := Diff(v4, v4)
	if err != nil || len(same) != 0 {
		t.Errorf("Diff(v4, v4) = %v, %v; want none", same, err)
	}
}

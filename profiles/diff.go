package profiles

import (
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/tokenbench/tokenbench/internal/catalog"
)

// rowFields maps a catalogue row to the profile fields (dotted YAML paths)
// its check reads: what a profile changes about the row besides its level.
var rowFields = map[string][]string{
	"REQ-CLIENT-ID-REJECTED":  {"request.client_id_param", "request.client_id_error"},
	"REQ-GRANT-ONLY-CODE":     {"request.grant_types"},
	"AUTH-MISSING":            {"auth.missing"},
	"AUTH-SECRET-POST":        {"auth.methods"},
	"AUTH-POST-OK":            {"auth.methods"},
	"AUTH-METHOD-BOUND":       {"auth.binding", "auth.interchangeable"},
	"AUTH-JWT-OK":             {"auth.methods", "auth.assertion.algs"},
	"AUTH-JWT-AUD":            {"auth.assertion.audiences"},
	"PKCE-WRONG-VERIFIER":     {"pkce.support"},
	"PKCE-MISSING-VERIFIER":   {"pkce.support"},
	"PKCE-DOWNGRADE":          {"pkce.support"},
	"PKCE-REQUIRED":           {"pkce.support"},
	"PKCE-PLAIN-REFUSED":      {"pkce.methods"},
	"PKCE-VERIFIER-SYNTAX":    {"pkce.support"},
	"CODE-SINGLE-USE-RACE":    {"code.race_concurrency"},
	"CODE-EXPIRES":            {"code.lifetime", "code.expiry_margin"},
	"CODE-ENTROPY":            {"code.min_entropy_bits"},
	"RESP-CONTENT-TYPE":       {"response.content_type"},
	"RESP-EXPIRES-IN":         {"response.expires_in"},
	"RESP-EXPIRES-CONSISTENT": {"response.expires_tolerance"},
	"RESP-SCOPE":              {"response.scope"},
	"RESP-NO-REFRESH":         {"response.refresh_token"},
	"ERR-CODE-CHARSET":        {"errors.codes"},
	"IDT-ALG":                 {"id_token.algs"},
	"IDT-EXP":                 {"id_token.skew"},
	"IDT-IAT":                 {"id_token.skew"},
	"IDT-LIFETIME":            {"id_token.lifetime"},
	"IDT-AZP":                 {"id_token.azp"},
	"IDT-AUTH-TIME":           {"id_token.auth_time"},
	"IDT-NONCE-ABSENT":        {"id_token.nonce_null", "authorize.nonce"},
	"IDT-AT-HASH":             {"id_token.at_hash"},
	"IDT-AMR":                 {"id_token.amr_contains", "id_token.amr_values"},
	"IDT-CLAIMS":              {"id_token.claims"},
}

// RowDiff is how one catalogue row differs between two profiles: its level
// (with the reason each gives) and the values of the fields its check reads.
type RowDiff struct {
	ID               string
	LevelA, LevelB   catalog.Level
	ReasonA, ReasonB string
	Fields           []FieldDiff
}

// FieldDiff is one profile field that differs, as YAML flow text ("" when
// unset).
type FieldDiff struct {
	Path string
	A, B string
}

// Diff returns, in catalogue order, the rows whose level, the reason for
// it, or expectation differs between profiles a and b.
func Diff(a, b *Profile) ([]RowDiff, error) {
	ya, err := flatten(a)
	if err != nil {
		return nil, err
	}
	yb, err := flatten(b)
	if err != nil {
		return nil, err
	}
	var out []RowDiff
	for _, r := range catalog.All() {
		d := RowDiff{ID: r.ID}
		d.LevelA, d.ReasonA = a.Level(r.ID)
		d.LevelB, d.ReasonB = b.Level(r.ID)
		for _, path := range rowFields[r.ID] {
			if ya[path] != yb[path] {
				d.Fields = append(d.Fields, FieldDiff{Path: path, A: ya[path], B: yb[path]})
			}
		}
		reasons := d.LevelB != catalog.Skip && d.ReasonA != d.ReasonB // two skips differ in wording only
		if d.LevelA != d.LevelB || reasons || len(d.Fields) > 0 {
			out = append(out, d)
		}
	}
	return out, nil
}

// flatten returns every field of p that rowFields names, as YAML flow text.
func flatten(p *Profile) (map[string]string, error) {
	raw, err := yaml.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("profiles: %s: %w", p.Name, err)
	}
	var root map[string]any
	if err := yaml.Unmarshal(raw, &root); err != nil {
		return nil, fmt.Errorf("profiles: %s: %w", p.Name, err)
	}
	out := map[string]string{}
	for _, paths := range rowFields {
		for _, path := range paths {
			v, ok := lookup(root, path)
			if !ok {
				continue
			}
			out[path] = flow(v)
		}
	}
	return out, nil
}

func lookup(m map[string]any, path string) (any, bool) {
	var v any = m
	for part := range strings.SplitSeq(path, ".") {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = mm[part]; !ok {
			return nil, false
		}
	}
	return v, true
}

// flow renders a YAML value on one line, map keys sorted.
func flow(v any) string {
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + ": " + flow(v[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = flow(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return fmt.Sprint(v)
}

package checks

import (
	"errors"
	"strings"
	"testing"

	"github.com/tokenbench/tokenbench/internal/catalog"
)

// TestCatalogueCovered: every response, error and ID token row has exactly
// one check (IDT-USERINFO-SUB is UserinfoSub), and every check is a row of
// the right area.
func TestCatalogueCovered(t *testing.T) {
	t.Parallel()
	success, errResp := Success(), ErrorResponse()
	seen := map[string]int{}
	for _, ch := range append(success, errResp...) {
		seen[ch.ID]++
		if ch.Run == nil {
			t.Errorf("%s has no Run", ch.ID)
		}
		row, ok := catalog.Lookup(ch.ID)
		if !ok {
			t.Errorf("check %s is not a catalogue row", ch.ID)
			continue
		}
		if got, ok := Lookup(ch.ID); !ok || got.ID != ch.ID {
			t.Errorf("Lookup(%s) = %v, %v", ch.ID, got.ID, ok)
		}
		if ch.Row().ID != row.ID {
			t.Errorf("Row() of %s", ch.ID)
		}
	}
	for _, ch := range success {
		if a := ch.Row().Area; a != catalog.AreaResponse && a != catalog.AreaIdToken {
			t.Errorf("Success() holds %s of area %s", ch.ID, a)
		}
	}
	for _, ch := range errResp {
		if a := ch.Row().Area; a != catalog.AreaError {
			t.Errorf("ErrorResponse() holds %s of area %s", ch.ID, a)
		}
	}
	for _, row := range catalog.All() {
		switch row.Area {
		case catalog.AreaResponse, catalog.AreaError, catalog.AreaIdToken:
		default:
			continue
		}
		if row.ID == "IDT-USERINFO-SUB" {
			if seen[row.ID] != 0 {
				t.Errorf("IDT-USERINFO-SUB is UserinfoSub, not a Check")
			}
			continue
		}
		if seen[row.ID] != 1 {
			t.Errorf("row %s has %d checks, want 1", row.ID, seen[row.ID])
		}
	}
	if _, ok := Lookup("REQ-METHOD-POST"); ok {
		t.Error("Lookup found a check for a request row")
	}
}

func TestFailureError(t *testing.T) {
	t.Parallel()
	cases := []struct {
		f    Failure
		want string
	}{
		{Failure{ID: "IDT-AUD", Field: "aud", Got: `"x"`, Want: `"y"`, Msg: "exact"}, `IDT-AUD: aud: got "x", want "y" (exact)`},
		{Failure{ID: "IDT-AUD", Field: "aud", Got: `"x"`, Want: `"y"`}, `IDT-AUD: aud: got "x", want "y"`},
		{Failure{ID: "RESP-PRAGMA", Field: "Pragma", Want: "no-cache"}, `RESP-PRAGMA: Pragma: want no-cache`},
		{Failure{ID: "IDT-KID", Field: "jwks_uri", Msg: "unreachable"}, `IDT-KID: jwks_uri: unreachable`},
		{Failure{ID: "ERR-DESCRIPTION-CHARSET", Field: "error_description", Got: "a string of 3 chars", Msg: "CR", Warning: true},
			`ERR-DESCRIPTION-CHARSET: error_description: got a string of 3 chars (CR) [warning]`},
	}
	for _, tc := range cases {
		if got := tc.f.Error(); got != tc.want {
			t.Errorf("Error() = %s\nwant      %s", got, tc.want)
		}
	}
	f := &Failure{ID: "IDT-EXP", Err: ErrExpired}
	if !errors.Is(f, ErrExpired) || errors.Is(f, ErrIssuedAt) {
		t.Error("Failure does not unwrap to its sentinel alone")
	}
	joined := errors.Join(f, &Failure{ID: "IDT-EXP", Err: ErrMilliseconds})
	if len(Failures(joined)) != 2 || !errors.Is(joined, ErrMilliseconds) {
		t.Errorf("Failures(joined) = %v", Failures(joined))
	}
}

func TestResultHelpers(t *testing.T) {
	t.Parallel()
	passed := Result{ID: "X", Level: catalog.Must}
	skipped := Result{ID: "X", Level: catalog.Must, Err: skip("no %s", "nonce")}
	failed := Result{ID: "X", Level: catalog.Must, Err: &Failure{ID: "X", Err: ErrType}}
	warned := Result{ID: "X", Level: catalog.Must, Err: &Failure{ID: "X", Err: ErrCharset, Warning: true}}
	should := Result{ID: "X", Level: catalog.Should, Err: &Failure{ID: "X", Err: ErrType}}
	if !passed.Passed() || passed.Failed() || passed.Warning() {
		t.Error("passed")
	}
	if r, ok := skipped.Skipped(); !ok || r != "no nonce" || skipped.Failed() || skipped.Passed() {
		t.Errorf("skipped: %q %v", r, ok)
	}
	if !failed.Failed() || failed.Warning() {
		t.Error("failed")
	}
	if !warned.Failed() || !warned.Warning() {
		t.Error("warned")
	}
	if !should.Warning() {
		t.Error("a SHOULD row's failure is a warning")
	}
}

func TestEvaluate(t *testing.T) {
	t.Parallel()
	s := newScenario(t, "oidc")
	ev := NewEvidence(t.Context(), s.build(t), &s.ctx)
	panicky := Check{ID: "IDT-SUB", Run: func(*Evidence, *Context) error { panic("boom") }}
	res := Evaluate(ev, &s.ctx, []Check{mustCheck(t, "RESP-NO-REFRESH"), panicky, mustCheck(t, "RESP-PRAGMA")}, nil)
	if reason, ok := res[0].Skipped(); !ok || !strings.HasPrefix(reason, "profile: RFC 6749") || res[0].Level != catalog.Skip {
		t.Errorf("a row the profile skips: %+v", res[0])
	}
	if !errors.Is(res[1].Err, ErrCheckPanicked) || !strings.Contains(res[1].Err.Error(), "boom") {
		t.Errorf("panic: %v", res[1].Err)
	}
	if !res[2].Passed() || res[2].Level != catalog.Should {
		t.Errorf("RESP-PRAGMA under oidc: %+v", res[2])
	}
	// Without a profile: the catalogue's levels and the standard's values.
	c := s.ctx
	c.Profile = nil
	for _, r := range Validate(t.Context(), s.build(t), &c, Success()) {
		if r.Failed() {
			t.Errorf("no profile: %s: %v", r.ID, r.Err)
		}
	}
}

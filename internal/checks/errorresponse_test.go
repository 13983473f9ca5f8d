package checks

import (
	"testing"
)

// errScenario turns the scenario into a negative probe's answer: 400
// invalid_grant with no-store, and no tokens.
func errScenario(t testing.TB, s *scenario) {
	s.status = 400
	s.setHeader("Content-Type", "application/json")
	s.setHeader("Pragma")
	s.members = map[string]any{"error": "invalid_grant", "error_description": "The authorization code is invalid"}
	s.noIDToken = true
}

// errCase is a tcase on the error scenario.
func errCase(name string, mutate func(testing.TB, *scenario), want expect) tcase {
	return tcase{name: name, mutate: func(t testing.TB, s *scenario) {
		errScenario(t, s)
		if mutate != nil {
			mutate(t, s)
		}
	}, want: want}
}

func member(name string, v any) func(testing.TB, *scenario) {
	return func(_ testing.TB, s *scenario) { s.members[name] = v }
}

func TestErrStatus(t *testing.T) {
	t.Parallel()
	runTable(t, "ERR-STATUS", []tcase{
		errCase("400 invalid_grant", nil, pass),
		errCase("401 invalid_client", func(_ testing.TB, s *scenario) { s.status = 401; s.members["error"] = "invalid_client" }, pass),
		errCase("400 invalid_client", member("error", "invalid_client"), pass),
		errCase("401 invalid_grant", func(_ testing.TB, s *scenario) { s.status = 401 }, fails(ErrStatus, "status")),
		errCase("403", func(_ testing.TB, s *scenario) { s.status = 403 }, fails(ErrStatus, "status")),
		errCase("500", func(_ testing.TB, s *scenario) { s.status = 500 }, fails(ErrStatus, "status")),
		{name: "200 with tokens", want: fails(ErrStatus, "status")},
		errCase("no response", func(_ testing.TB, s *scenario) { s.noResponse = true }, fails(ErrNoResponse, "status")),
	})
}

func TestErrJSON(t *testing.T) {
	t.Parallel()
	runTable(t, "ERR-JSON", []tcase{
		errCase("json with error", nil, pass),
		errCase("without error_description", func(_ testing.TB, s *scenario) { delete(s.members, "error_description") }, pass),
		errCase("charset parameter", func(_ testing.TB, s *scenario) { s.setHeader("Content-Type", "application/json; charset=utf-8") }, pass),
		errCase("html", func(_ testing.TB, s *scenario) {
			s.setHeader("Content-Type", "text/html")
			s.body = []byte("<h1>Bad Request</h1>")
		}, fails(ErrMediaType, "Content-Type")),
		errCase("html reports the body too", func(_ testing.TB, s *scenario) {
			s.setHeader("Content-Type", "text/html")
			s.body = []byte("<h1>Bad Request</h1>")
		}, fails(ErrNotObject, "body")),
		errCase("error a number", member("error", 400), fails(ErrType, "error")),
		errCase("no error", func(_ testing.TB, s *scenario) { delete(s.members, "error") }, fails(ErrMissing, "error")),
		errCase("no response", func(_ testing.TB, s *scenario) { s.noResponse = true }, skipIt),
	})
}

func TestErrCodeCharset(t *testing.T) {
	t.Parallel()
	runTable(t, "ERR-CODE-CHARSET", []tcase{
		errCase("invalid_grant", nil, pass),
		errCase("IANA use_dpop_nonce", member("error", "use_dpop_nonce"), pass),
		errCase("IANA invalid_target", member("error", "invalid_target"), pass),
		errCase("a profile's own code", func(_ testing.TB, s *scenario) {
			s.members["error"] = "login_required_again"
			p := *s.ctx.Profile
			p.Errors.Codes = []string{"login_required_again"}
			s.ctx.Profile = &p
		}, pass),
		errCase("unregistered", member("error", "bad_code"), fails(ErrErrorCode, "error")),
		errCase("case matters", member("error", "Invalid_Grant"), fails(ErrErrorCode, "error")),
		errCase("quote", member("error", `invalid"grant`), fails(ErrCharset, "error")),
		errCase("non-ascii", member("error", "ugyldig_forespørsel"), fails(ErrCharset, "error")),
		errCase("empty", member("error", ""), fails(ErrEmpty, "error")),
		errCase("no error", func(_ testing.TB, s *scenario) { delete(s.members, "error") }, skipIt),
	})
}

func TestErrDescriptionCharset(t *testing.T) {
	t.Parallel()
	runTable(t, "ERR-DESCRIPTION-CHARSET", []tcase{
		errCase("ascii", nil, pass),
		errCase("absent", func(_ testing.TB, s *scenario) { delete(s.members, "error_description") }, pass),
		errCase("newline is a warning", member("error_description", "line one\nline two"),
			expect{err: ErrCharset, field: "error_description", warning: true}),
		errCase("tab is a warning", member("error_description", "a\tb"),
			expect{err: ErrCharset, field: "error_description", warning: true}),
		errCase("quote", member("error_description", `code "abc" unknown`), fails(ErrCharset, "error_description")),
		errCase("backslash after newline", member("error_description", "a\nb\\c"), fails(ErrCharset, "error_description")),
		errCase("non-ascii", member("error_description", "Ugyldig forespørsel"), fails(ErrCharset, "error_description")),
		errCase("echoed code not shown", member("error_description", "code \""+testAccessToken+"\" unknown"), fails(ErrCharset, "error_description")),
		errCase("number", member("error_description", 1), fails(ErrType, "error_description")),
		errCase("empty", member("error_description", ""), fails(ErrEmpty, "error_description")),
	})
}

func TestErrURI(t *testing.T) {
	t.Parallel()
	runTable(t, "ERR-URI", []tcase{
		errCase("absent", nil, pass),
		errCase("absolute", member("error_uri", "https://op.example.com/errors#invalid_grant"), pass),
		errCase("relative reference", member("error_uri", "/docs/errors?code=invalid_grant"), pass),
		errCase("space", member("error_uri", "https://op.example.com/a b"), fails(ErrCharset, "error_uri")),
		errCase("bad escape", member("error_uri", "https://op.example.com/%zz"), fails(ErrErrorURI, "error_uri")),
		errCase("empty", member("error_uri", ""), fails(ErrEmpty, "error_uri")),
		errCase("array", member("error_uri", []string{"https://x"}), fails(ErrType, "error_uri")),
	})
}

func TestErrNoStore(t *testing.T) {
	t.Parallel()
	runTable(t, "ERR-NO-STORE", []tcase{
		errCase("no-store", nil, pass),
		errCase("absent", func(_ testing.TB, s *scenario) { s.setHeader("Cache-Control") }, fails(ErrNoStore, "Cache-Control")),
	})
}

func TestErrNo5xx(t *testing.T) {
	t.Parallel()
	runTable(t, "ERR-NO-5XX", []tcase{
		errCase("400", nil, pass),
		errCase("401", func(_ testing.TB, s *scenario) { s.status = 401 }, pass),
		errCase("503", func(_ testing.TB, s *scenario) { s.status = 503 }, fails(ErrServerError, "status")),
		errCase("no response", func(_ testing.TB, s *scenario) { s.noResponse = true }, fails(ErrNoResponse, "status")),
	})
}

// TestErrorResponsePasses: a minimal correct error (no description, no
// Pragma, no charset) passes every error check.
func TestErrorResponsePasses(t *testing.T) {
	t.Parallel()
	s := newScenario(t, "oidc")
	errScenario(t, s)
	delete(s.members, "error_description")
	for _, r := range Validate(t.Context(), s.build(t), &s.ctx, ErrorResponse()) {
		assertResult(t, r, pass, s.secrets())
	}
}

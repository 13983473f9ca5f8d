package reports

import (
	"fmt"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/types"
)

// Helpers that build Ginkgo spec reports the way the suites produce them.

var t0 = time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)

func rowEntry(v any) types.ReportEntry {
	return types.ReportEntry{Name: EntryRow, Value: types.WrapEntryValue(v)}
}

func exchangeEntry(x ExchangeEntry) types.ReportEntry {
	return types.ReportEntry{Name: EntryExchange, Value: types.WrapEntryValue(x)}
}

func findingEntry(kind, msg, expected, observed string) types.ReportEntry {
	return types.ReportEntry{Name: EntryFinding, Value: types.WrapEntryValue(FindingEntry{Kind: kind, Message: msg, Expected: expected, Observed: observed})}
}

// spec is a spec report for row id at level in area, with the suites'
// labels and a RowEntry first.
func spec(id, level, area, text string, state types.SpecState, entries ...types.ReportEntry) types.SpecReport {
	return types.SpecReport{
		LeafNodeType:   types.NodeTypeIt,
		LeafNodeText:   text,
		LeafNodeLabels: []string{"TE:" + id, level, "area:" + area},
		State:          state,
		RunTime:        12 * time.Millisecond,
		StartTime:      t0,
		EndTime:        t0.Add(12 * time.Millisecond),
		ReportEntries:  append(types.ReportEntries{rowEntry(RowEntry{ID: id, Level: level, Area: area})}, entries...),
	}
}

func failed(sr types.SpecReport, state types.SpecState, msg string) types.SpecReport {
	sr.State = state
	sr.Failure = types.Failure{Message: msg, Location: types.CodeLocation{FileName: "/work/main/suites/code.go", LineNumber: 42}}
	return sr
}

func withEntry(sr types.SpecReport, entry string) types.SpecReport {
	var re RowEntry
	if err := decodeEntry(sr.ReportEntries[0].Value, &re); err != nil {
		panic(err)
	}
	re.Entry = entry
	sr.ReportEntries[0] = rowEntry(re)
	return sr
}

func report(specs ...types.SpecReport) types.Report {
	return types.Report{
		SuitePath:        "/work/main/suites",
		SuiteDescription: "tokenbench conformance",
		SuiteSucceeded:   true,
		StartTime:        t0,
		EndTime:          t0.Add(4200 * time.Millisecond),
		RunTime:          4200 * time.Millisecond,
		SpecReports:      specs,
	}
}

var sampleMeta = Meta{
	Version:       "v0.3.0",
	Target:        "examples/preprod.yaml",
	Issuer:        "https://preprod.bankid.example/oidc",
	TokenEndpoint: "https://preprod.bankid.example/oidc/token",
	Profile:       "bankid",
	ProfileChain:  []string{"bankid", "oidc"},
	LabelFilter:   "!slow",
}

// httpEntry is e with its request and response as HTTP/1.1 text, as the
// exchange client formats them.
func httpEntry(e ExchangeEntry, reqLine, reqHeaders, reqBody, status, respHeaders, respBody string) ExchangeEntry {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\nHost: preprod.bankid.example\n%s", reqLine, reqHeaders)
	if reqBody != "" {
		fmt.Fprintf(&b, "\n%s\n", reqBody)
	}
	e.Request = b.String()
	b.Reset()
	fmt.Fprintf(&b, "%s\n%s", status, respHeaders)
	if respBody != "" {
		fmt.Fprintf(&b, "\n%s\n", respBody)
	}
	e.Response = b.String()
	return e
}

const (
	formHeaders = "Authorization: Basic [REDACTED]\nContent-Length: 131\nContent-Type: application/x-www-form-urlencoded\n"
	okHeaders   = "Content-Type: application/json;charset=utf-8\nCache-Control: no-store\nPragma: no-cache\nDate: Sat, 14 Mar 2026 09:26:54 GMT\n"
	okBody      = `{"access_token":"[REDACTED]","token_type":"Bearer","expires_in":3600,"scope":"openid profile","id_token":"[REDACTED]"}`
	form        = "grant_type=authorization_code&code=[REDACTED]&redirect_uri=https%3A%2F%2Fapp.example%2Fcallback"
)

// reuseSecond is the evidence of the sample's failing CODE-SINGLE-USE row.
var reuseSecond = httpEntry(ExchangeEntry{Probe: "redeem the same code again", Method: "POST", URL: "https://preprod.bankid.example/oidc/token", Status: 200, DurationMS: 31.7},
	"POST /oidc/token HTTP/1.1", formHeaders, form, "HTTP/1.1 200 OK", okHeaders, okBody)

// sampleReport is a realistic run: passes, MUST failures with exchanges,
// a warning, a known deviation, an unexpected pass, INFO, skips and a row
// the label filter deselected.
func sampleReport() types.Report {
	first := httpEntry(ExchangeEntry{Probe: "redeem a fresh code", Method: "POST", URL: "https://preprod.bankid.example/oidc/token", Status: 200, DurationMS: 48.2}, "POST /oidc/token HTTP/1.1", formHeaders, form, "HTTP/1.1 200 OK", okHeaders, okBody)
	second := reuseSecond
	errHeaders := "Content-Type: application/json\nCache-Control: no-store\n"
	grantErr := httpEntry(ExchangeEntry{Probe: "grant_type=password", Method: "POST", URL: "https://preprod.bankid.example/oidc/token", Status: 400, DurationMS: 9.4}, "POST /oidc/token HTTP/1.1", formHeaders, "grant_type=password&username=alice&password=[REDACTED]", "HTTP/1.1 400 Bad Request", errHeaders, `{"error":"invalid_grant","error_description":"Grant type 'password' is not allowed for this client"}`)
	fiveHundred := httpEntry(ExchangeEntry{Probe: "Authorization: Basic !!!", Method: "POST", URL: "https://preprod.bankid.example/oidc/token", Status: 500, DurationMS: 15.1}, "POST /oidc/token HTTP/1.1", "Authorization: Basic !!!\nContent-Length: 131\nContent-Type: application/x-www-form-urlencoded\n", form,
		"HTTP/1.1 500 Internal Server Error", "Content-Type: text/html\nContent-Length: 92\n", "<html><body><h1>500 Internal Server Error</h1>java.lang.IllegalArgumentException: Illegal base64 character 21</body></html>")
	pragma := httpEntry(ExchangeEntry{Probe: "valid exchange", Method: "POST", URL: "https://preprod.bankid.example/oidc/token", Status: 200, DurationMS: 52.0}, "POST /oidc/token HTTP/1.1", formHeaders, form, "HTTP/1.1 200 OK", "Content-Type: application/json;charset=utf-8\nCache-Control: no-store\n", okBody)
	noStore := httpEntry(ExchangeEntry{Probe: "random code", Method: "POST", URL: "https://preprod.bankid.example/oidc/token", Status: 400, DurationMS: 7.9}, "POST /oidc/token HTTP/1.1", formHeaders, form, "HTTP/1.1 400 Bad Request", "Content-Type: application/json\n", `{"error":"invalid_grant"}`)
	ok := func(probe string) ExchangeEntry {
		return httpEntry(ExchangeEntry{Probe: probe, Method: "POST", URL: "https://preprod.bankid.example/oidc/token", Status: 200, DurationMS: 40}, "POST /oidc/token HTTP/1.1", formHeaders, form, "HTTP/1.1 200 OK", okHeaders, okBody)
	}

	notSelected := types.SpecReport{
		LeafNodeType:   types.NodeTypeIt,
		LeafNodeText:   "rejects a code redeemed after its lifetime with invalid_grant",
		LeafNodeLabels: []string{"TE:CODE-EXPIRES", "MUST", "area:code", "slow"},
		State:          types.SpecStateSkipped,
	}
	return report(
		types.SpecReport{LeafNodeType: types.NodeTypeBeforeSuite, State: types.SpecStatePassed},
		spec("REQ-METHOD-POST", "MUST", "request", "rejects a token request sent as GET", types.SpecStatePassed),
		failed(spec("REQ-GRANT-ONLY-CODE", "MUST", "request", "rejects every grant type but authorization_code with unsupported_grant_type", 0,
			findingEntry(FindingFailure, "grant_type=password was refused with the wrong error code", `400 {"error":"unsupported_grant_type"}`, `400 {"error":"invalid_grant"}`),
			exchangeEntry(grantErr)), types.SpecStateFailed,
			"Expected an OAuth error response with error \"unsupported_grant_type\"\n    got status 400, error \"invalid_grant\""),
		withEntry(spec("REQ-GRANT-ONLY-CODE", "MUST", "request", "rejects every grant type but authorization_code with unsupported_grant_type", types.SpecStatePassed), "client_credentials"),
		spec("AUTH-BASIC-OK", "MUST", "auth", "issues tokens for a valid exchange with HTTP Basic authentication", types.SpecStatePassed, exchangeEntry(ok("valid exchange, Basic"))),
		failed(spec("AUTH-MALFORMED", "MUST", "auth", "answers a malformed Authorization header with 400 or 401, never 5xx", 0,
			findingEntry(FindingFailure, "the provider failed with a server error", "400 or 401", "500 Internal Server Error (text/html)"),
			exchangeEntry(fiveHundred)), types.SpecStateFailed, "Expected status 400 or 401, got 500 Internal Server Error"),
		failed(spec("CODE-SINGLE-USE", "MUST", "code", "rejects a reused authorization code with invalid_grant", 0,
			findingEntry(FindingFailure, "the second redemption of the same code succeeded", `400 {"error":"invalid_grant"}`, "200 with a new access token and id_token"),
			exchangeEntry(first), exchangeEntry(second)), types.SpecStateFailed,
			"Expected the second redemption to fail with invalid_grant\n    got 200 OK with tokens"),
		spec("CODE-REUSE-REVOKES", "SHOULD", "code", "revokes the tokens of a code that was redeemed twice", types.SpecStatePassed,
			findingEntry(FindingWarning, "userinfo still accepts the first access token after the code was reused", "401 at userinfo", "200 at userinfo")),
		spec("CODE-FAILED-AUTH-BURN", "INFO", "code", "records whether a failed authentication burns the code", types.SpecStatePassed,
			findingEntry(FindingObservation, "the code stays valid after a redemption with a wrong secret", "", "")),
		notSelected,
		failed(spec("CODE-BOUND-TO-CLIENT", "MUST", "code", "rejects a code redeemed by another client", 0), types.SpecStateSkipped, "no second client configured in the target"),
		failed(spec("RESP-PRAGMA", "MUST", "response", "sends Pragma: no-cache with the tokens", 0, exchangeEntry(pragma)), types.SpecStateFailed,
			"Expected header \"Pragma\" to be \"no-cache\", but it is absent"),
		spec("RESP-TOKEN-TYPE", "MUST", "response", "returns token_type Bearer", types.SpecStatePassed, exchangeEntry(ok("valid exchange"))),
		spec("RESP-NO-REFRESH", "MUST", "response", "does not issue a refresh token", types.SpecStatePassed),
		failed(spec("ERR-NO-STORE", "SHOULD", "error", "sends Cache-Control: no-store with error responses", 0, exchangeEntry(noStore)), types.SpecStateFailed,
			"Expected Cache-Control to contain no-store, but the header is absent"),
		spec("ERR-NO-5XX", "MUST", "error", "never answers a negative probe with a 5xx status", types.SpecStatePassed),
		failed(spec("IDT-NONCE-ABSENT", "SHOULD", "id_token", "omits nonce when none was sent", 0), types.SpecStateFailed,
			"Expected no nonce claim, got \"nonce\": null"),
		spec("IDT-ALG", "MUST", "id_token", "signs ID tokens with RS256", types.SpecStatePassed),
		spec("IDT-AZP", "MUST", "id_token", "sets azp to the client id", types.SpecStatePassed),
	)
}

// sampleExpected lists the sample's known deviations.
var sampleExpected = map[string]string{
	"IDT-NONCE-ABSENT": "BankID sends \"nonce\": null (documented in the seed)",
	"IDT-AZP":          "azp was missing in 2025.3, tracked in BANKID-1234",
}

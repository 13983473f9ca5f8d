package suites

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/onsi/gomega/types"

	"github.com/tokenbench/tokenbench/internal/checks"
	"github.com/tokenbench/tokenbench/internal/exchange"
	"github.com/tokenbench/tokenbench/profiles"
)

// resp builds an exchange that received status, raw header lines and body.
func resp(status int, body string, header ...string) *exchange.Exchange {
	h := http.Header{}
	var raw []exchange.HeaderLine
	for i := 0; i+1 < len(header); i += 2 {
		h.Add(header[i], header[i+1])
		raw = append(raw, exchange.HeaderLine{Name: header[i], Value: header[i+1]})
	}
	return &exchange.Exchange{
		Request:  exchange.Request{Method: "POST", URL: "https://idp.example/token", Header: http.Header{}},
		Response: &exchange.Response{Status: status, Proto: "HTTP/1.1", Header: h, RawHeader: raw, Body: []byte(body)},
	}
}

// probed names the probe of x.
func probed(name string, x *exchange.Exchange) *exchange.Exchange { x.Probe = name; return x }

const tokens = `{"access_token":"AT-secret-value","token_type":"Bearer","id_token":"eyJ.secret.sig"}`

func TestMatcherFailureText(t *testing.T) {
	json := []string{"Content-Type", "application/json"}
	tests := []struct {
		name    string
		m       types.GomegaMatcher
		x       *exchange.Exchange
		match   bool
		message string // the whole failure message, or "" when it matches
	}{
		{"oauth error matches", HaveOAuthError("invalid_grant"), resp(400, `{"error":"invalid_grant"}`, json...), true, ""},
		{"oauth error on a success", HaveOAuthError("invalid_grant"), resp(200, tokens, json...), false,
			"the provider answered 200 OK with tokens; the row expects status 400 with error invalid_grant and no tokens\n" +
				`response: Content-Type application/json, body {"access_token":"[REDACTED] (15 chars)","token_type":"Bearer","id_token":"[REDACTED] (14 chars)"}`},
		{"invalid_client may be 401", HaveOAuthError("invalid_client"), resp(401, `{"error":"invalid_client"}`, json...), true, ""},
		{"other errors may not be 401", HaveOAuthError("invalid_grant"), resp(401, `{"error":"invalid_grant"}`, json...), false,
			"the provider answered 401 Unauthorized with error \"invalid_grant\"; the row expects status 400 with error invalid_grant and no tokens\nresponse: Content-Type application/json, body {\"error\":\"invalid_grant\"}"},
		{"explicit statuses", HaveOAuthErrorWithStatus([]int{401}, "invalid_client"), resp(400, `{"error":"invalid_client"}`, json...), false,
			"the provider answered 400 Bad Request with error \"invalid_client\"; the row expects status 401 with error invalid_client and no tokens\nresponse: Content-Type application/json, body {\"error\":\"invalid_client\"}"},
		{"no-store among directives", HaveNoStoreCacheControl(), resp(200, "{}", "Cache-Control", "no-cache, No-Store"), true, ""},
		{"no-cache is not no-store", HaveNoStoreCacheControl(), resp(200, "{}", "Cache-Control", "no-cache"), false,
			"the provider answered 200 OK, Cache-Control: no-cache; the row expects Cache-Control: no-store"},
		{"absent cache-control", HaveNoStoreCacheControl(), resp(200, "{}", "Pragma", "no-cache"), false,
			"the provider answered 200 OK, no Cache-Control header line; the row expects Cache-Control: no-store"},
		{"status", HaveStatus(400, 401), resp(500, "", "Content-Type", "text/plain"), false,
			"the provider answered 500 Internal Server Error, not a JSON object; the row expects status 400 or 401\nresponse: Content-Type text/plain, body (empty body)"},
		{"no tokens", HaveNoTokens(), resp(400, tokens, json...), false,
			"the provider answered 400 Bad Request with tokens; the row expects a response without tokens\n" +
				`response: Content-Type application/json, body {"access_token":"[REDACTED] (15 chars)","token_type":"Bearer","id_token":"[REDACTED] (14 chars)"}`},
		{"no response has no tokens but fails", HaveNoTokens(), &exchange.Exchange{Err: errors.New("connection refused")}, false,
			"the provider gave no response (connection refused); the row expects a response without tokens"},
		{"issue tokens", IssueTokens(), resp(201, tokens, json...), true, ""},
		{"probe first, rule last", HaveOAuthError("invalid_grant").Because("the code is single-use (RFC 6749 §%s)", "4.1.2"),
			probed("second redemption", resp(403, `{"error":"invalid_code"}`, json...)), false,
			"second redemption: the provider answered 403 Forbidden with error \"invalid_code\"; the row expects status 400 with error invalid_grant and no tokens\n" +
				"response: Content-Type application/json, body {\"error\":\"invalid_code\"}\nthe code is single-use (RFC 6749 §4.1.2)"},
		{"media type with charset", HaveMediaType("application/json"), resp(200, "{}", "Content-Type", "Application/JSON; charset=utf-8"), true, ""},
		{"media type", HaveMediaType("application/json"), resp(200, "x", "Content-Type", "text/plain"), false,
			"the provider answered 200 OK, Content-Type text/plain; the row expects media type application/json"},
	}
	for _, tt := range tests {
		ok, err := tt.m.Match(tt.x)
		if err != nil || ok != tt.match {
			t.Errorf("%s: Match = %v, %v; want %v", tt.name, ok, err, tt.match)
			continue
		}
		if !ok {
			if got := tt.m.FailureMessage(tt.x); got != tt.message {
				t.Errorf("%s: failure message\n%s\nwant\n%s", tt.name, got, tt.message)
			}
		}
		if strings.Contains(tt.m.FailureMessage(tt.x), "secret") {
			t.Errorf("%s: failure message leaks a token", tt.name)
		}
	}
	if _, err := HaveStatus(200).Match("not an exchange"); err == nil {
		t.Error("HaveStatus accepted a string")
	}
}

func TestBeValidIDTokenListsEveryRow(t *testing.T) {
	p, err := profiles.Load("bankid")
	if err != nil {
		t.Fatal(err)
	}
	cc := &checks.Context{Profile: p, Issuer: "https://idp.example", ClientID: "c"}
	m := BeValidIDToken(cc)
	x := resp(200, `{"access_token":"a","token_type":"Bearer","id_token":"not-a-jwt"}`, "Content-Type", "application/json")
	ok, err := m.Match(x)
	if err != nil || ok {
		t.Fatalf("Match = %v, %v", ok, err)
	}
	msg := m.FailureMessage(x)
	if !strings.HasPrefix(msg, "the provider answered 200 OK, an ID token that fails IDT-JWS: ") {
		t.Errorf("message:\n%s", msg)
	}
}

func TestPassCheck(t *testing.T) {
	m := PassCheck()
	if ok, err := m.Match(nil); !ok || err != nil {
		t.Errorf("nil: %v %v", ok, err)
	}
	f := &checks.Failure{ID: "RESP-PRAGMA", Field: "Pragma", Got: "no header line", Want: "no-cache"}
	if ok, _ := m.Match(f); ok {
		t.Error("a failure passed")
	}
	if got, want := m.FailureMessage(f), f.Error(); got != want {
		t.Errorf("message %q, want %q", got, want)
	}
	if _, err := m.Match(42); err == nil {
		t.Error("PassCheck accepted an int")
	}
}

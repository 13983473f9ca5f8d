package suites

import (
	"context"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strings"

	"github.com/onsi/gomega/types"

	"github.com/tokenbench/tokenbench/internal/checks"
	"github.com/tokenbench/tokenbench/internal/exchange"
)

// Matchers over *exchange.Exchange for the recurring assertions. Their
// failure messages show the response redacted: they never go through
// Gomega's default formatting, which would print secrets.

// exchangeMatcher is a matcher over an exchange whose failure message
// starts with what the provider did, then what the row expects, then the
// rule (RFC section) when one was given with Because.
type exchangeMatcher struct {
	want  string                          // "status 400 with error invalid_grant"
	match func(*exchange.Exchange) bool   // the rule
	show  func(*exchange.Exchange) string // what was observed (default: answered)
	rule  string                          // why, with its source
}

// Because adds the requirement the expectation comes from to the failure
// message, after what was observed.
func (m *exchangeMatcher) Because(format string, args ...any) *exchangeMatcher {
	c := *m
	c.rule = fmt.Sprintf(format, args...)
	return &c
}

func (m *exchangeMatcher) Match(actual any) (bool, error) {
	x, ok := actual.(*exchange.Exchange)
	if !ok || x == nil {
		return false, fmt.Errorf("expected an *exchange.Exchange, got %T", actual)
	}
	return m.match(x), nil
}

func (m *exchangeMatcher) observed(x *exchange.Exchange) string {
	if m.show != nil && x != nil && x.Response != nil {
		return "answered " + statusText(x) + ", " + m.show(x)
	}
	return answered(x)
}

func (m *exchangeMatcher) FailureMessage(actual any) string {
	x, _ := actual.(*exchange.Exchange)
	faulty(x)
	return m.message(x, "the row expects "+m.want)
}

func (m *exchangeMatcher) NegatedFailureMessage(actual any) string {
	x, _ := actual.(*exchange.Exchange)
	faulty(x)
	return m.message(x, "the row expects anything but "+m.want)
}

// message is "PROBE: the provider answered ...; EXPECTS", then the
// response's body on its own line, then the rule.
func (m *exchangeMatcher) message(x *exchange.Exchange, expects string) string {
	var b strings.Builder
	if x != nil && x.Probe != "" {
		b.WriteString(x.Probe + ": ")
	}
	b.WriteString("the provider " + m.observed(x) + "; " + expects)
	if body := bodyLine(x); body != "" && m.show == nil {
		b.WriteString("\n" + body)
	}
	if m.rule != "" {
		b.WriteString("\n" + m.rule)
	}
	return b.String()
}

// answered says what came back in a few words: the status, the OAuth error
// code or the tokens, and the Content-Type when the body is not JSON.
func answered(x *exchange.Exchange) string {
	if x == nil {
		return "made no exchange"
	}
	if x.Response == nil {
		return "gave no response (" + redacted(errText(x.Err)) + ")"
	}
	s := "answered " + statusText(x)
	_, jsonErr := x.Members()
	switch {
	case x.HasTokens():
		s += " with tokens"
	case x.Has("error"):
		if code, ok := x.StringMember("error"); ok {
			s += fmt.Sprintf(" with error %q", code)
		} else {
			s += " with a non-string error member"
		}
	case jsonErr != nil:
		s += ", not a JSON object"
	}
	return s
}

// statusText is "400 Bad Request".
func statusText(x *exchange.Exchange) string {
	return strings.TrimSpace(fmt.Sprintf("%d %s", x.Status(), http.StatusText(x.Status())))
}

// bodyLine shows the response's Content-Type and body, redacted, on one
// line ("" without a response).
func bodyLine(x *exchange.Exchange) string {
	if x == nil || x.Response == nil {
		return ""
	}
	r := x.Redacted(redactor())
	body := strings.Join(strings.Fields(string(r.Response.Body)), " ")
	if len(body) > 600 {
		body = body[:600] + "..."
	}
	ct := x.Header("Content-Type")
	if ct == "" {
		ct = "none"
	}
	if body == "" {
		body = "(empty body)"
	}
	return "response: Content-Type " + ct + ", body " + body
}

func errText(err error) string {
	if err == nil {
		return "no error"
	}
	return err.Error()
}

// HaveStatus succeeds when the response status is one of statuses.
func HaveStatus(statuses ...int) *exchangeMatcher {
	return &exchangeMatcher{
		want:  "status " + joinInts(statuses, " or "),
		match: func(x *exchange.Exchange) bool { return slices.Contains(statuses, x.Status()) },
	}
}

// HaveClientErrorStatus succeeds on a 4xx response.
func HaveClientErrorStatus() *exchangeMatcher {
	return &exchangeMatcher{
		want:  "a 4xx status",
		match: func(x *exchange.Exchange) bool { return x.Status() >= 400 && x.Status() < 500 },
	}
}

// HaveNoTokens succeeds when there is a response and it carries no access,
// ID or refresh token: what every negative probe must get.
func HaveNoTokens() *exchangeMatcher {
	return &exchangeMatcher{
		want:  "a response without tokens",
		match: func(x *exchange.Exchange) bool { return x.Response != nil && !x.HasTokens() },
	}
}

// IssueTokens succeeds on a 2xx response with an access token. The exact
// status is RESP-STATUS-200's business, so that a 201 fails that row alone.
func IssueTokens() *exchangeMatcher {
	return &exchangeMatcher{
		want:  "a 2xx response with an access_token",
		match: issuedTokens,
	}
}

// issuedTokens reports whether x is a success that carries an access token.
func issuedTokens(x *exchange.Exchange) bool {
	at, _ := x.StringMember("access_token")
	return x.Status() >= 200 && x.Status() < 300 && at != ""
}

// HaveOAuthError succeeds on an RFC 6749 §5.2 error response: status 400
// (401 allowed for invalid_client), a JSON body whose error member is one
// of codes, and no tokens.
//
// https://www.rfc-editor.org/rfc/rfc6749#section-5.2
func HaveOAuthError(codes ...string) *exchangeMatcher {
	return HaveOAuthErrorWithStatus(nil, codes...)
}

// HaveOAuthErrorWithStatus is HaveOAuthError with explicit statuses (nil:
// 400, and 401 too when invalid_client is one of codes).
func HaveOAuthErrorWithStatus(statuses []int, codes ...string) *exchangeMatcher {
	st := statuses
	if st == nil {
		st = []int{http.StatusBadRequest}
		if slices.Contains(codes, "invalid_client") {
			st = append(st, http.StatusUnauthorized)
		}
	}
	return &exchangeMatcher{
		want: fmt.Sprintf("status %s with error %s and no tokens", joinInts(st, " or "), strings.Join(codes, " or ")),
		match: func(x *exchange.Exchange) bool {
			return slices.Contains(st, x.Status()) && slices.Contains(codes, x.OAuthError()) && !x.HasTokens()
		},
	}
}

// HaveNoStoreCacheControl succeeds when a Cache-Control header line, as
// received on the wire, carries the no-store directive.
//
// https://www.rfc-editor.org/rfc/rfc6749#section-5.1
func HaveNoStoreCacheControl() *exchangeMatcher {
	return &exchangeMatcher{
		want: "Cache-Control: no-store",
		match: func(x *exchange.Exchange) bool {
			for _, v := range x.RawHeaderValues("Cache-Control") {
				for _, d := range strings.Split(v, ",") {
					name, _, _ := strings.Cut(strings.TrimSpace(d), "=")
					if strings.EqualFold(name, "no-store") {
						return true
					}
				}
			}
			return false
		},
		show: func(x *exchange.Exchange) string {
			vs := x.RawHeaderValues("Cache-Control")
			if len(vs) == 0 {
				return "no Cache-Control header line"
			}
			return fmt.Sprintf("Cache-Control: %s", strings.Join(vs, ", "))
		},
	}
}

// HaveMediaType succeeds when the response's media type, parameters
// ignored, is mt.
func HaveMediaType(mt string) *exchangeMatcher {
	return &exchangeMatcher{
		want: "media type " + mt,
		match: func(x *exchange.Exchange) bool {
			got, _, err := mime.ParseMediaType(x.Header("Content-Type"))
			return err == nil && strings.EqualFold(got, mt)
		},
		show: func(x *exchange.Exchange) string {
			if ct := x.Header("Content-Type"); ct != "" {
				return "Content-Type " + ct
			}
			return "no Content-Type"
		},
	}
}

// BeValidIDToken succeeds when every ID token check passes for the
// response (rows the profile skips and checks that do not apply are left
// out); its failure lists each failing row.
func BeValidIDToken(c *checks.Context) *exchangeMatcher {
	var idt []checks.Check
	for _, ch := range checks.Success() {
		if strings.HasPrefix(ch.ID, "IDT-") {
			idt = append(idt, ch)
		}
	}
	failures := func(x *exchange.Exchange) []string {
		var out []string
		for _, r := range checks.Validate(context.Background(), x, c, idt) {
			if r.Failed() {
				out = append(out, redacted(r.Err.Error()))
			}
		}
		return out
	}
	return &exchangeMatcher{
		want:  "a valid ID token",
		match: func(x *exchange.Exchange) bool { return len(failures(x)) == 0 },
		show: func(x *exchange.Exchange) string {
			return "an ID token that fails " + strings.Join(failures(x), "; ")
		},
	}
}

// PassCheck succeeds on the nil error of a check that passed; its failure
// message is the check's findings, one per line. Checks never put secrets
// in their findings; the message is redacted all the same.
func PassCheck() types.GomegaMatcher { return passCheck{} }

type passCheck struct{}

func (passCheck) Match(actual any) (bool, error) {
	if actual == nil {
		return true, nil
	}
	if _, ok := actual.(error); !ok {
		return false, fmt.Errorf("PassCheck expects an error, got %T", actual)
	}
	return false, nil
}

func (passCheck) FailureMessage(actual any) string {
	err, _ := actual.(error)
	return redacted(errText(err))
}

func (passCheck) NegatedFailureMessage(actual any) string {
	return "expected the check to fail, but it passed"
}

func joinInts(ns []int, sep string) string {
	parts := make([]string, len(ns))
	for i, n := range ns {
		parts[i] = fmt.Sprint(n)
	}
	return strings.Join(parts, sep)
}

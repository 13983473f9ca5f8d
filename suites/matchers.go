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

// exchangeMatcher is a matcher over an exchange with a redacted message.
type exchangeMatcher struct {
	want  string                          // "status 400 with error invalid_grant"
	match func(*exchange.Exchange) bool   // the rule
	show  func(*exchange.Exchange) string // what was observed (default: describe)
}

func (m *exchangeMatcher) Match(actual any) (bool, error) {
	x, ok := actual.(*exchange.Exchange)
	if !ok || x == nil {
		return false, fmt.Errorf("expected an *exchange.Exchange, got %T", actual)
	}
	return m.match(x), nil
}

func (m *exchangeMatcher) observed(actual any) string {
	x, _ := actual.(*exchange.Exchange)
	if m.show != nil {
		return m.show(x)
	}
	return describe(x)
}

func (m *exchangeMatcher) FailureMessage(actual any) string {
	return fmt.Sprintf("expected %s\n observed %s", m.want, m.observed(actual))
}

func (m *exchangeMatcher) NegatedFailureMessage(actual any) string {
	return fmt.Sprintf("expected anything but %s\n observed %s", m.want, m.observed(actual))
}

// describe renders what came back, redacted, on one or two lines.
func describe(x *exchange.Exchange) string {
	if x == nil {
		return "no exchange"
	}
	if x.Response == nil {
		return "no response: " + redacted(errText(x.Err))
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
	return fmt.Sprintf("%d %s, Content-Type %s: %s", x.Status(), http.StatusText(x.Status()), ct, body)
}

func errText(err error) string {
	if err == nil {
		return "no error"
	}
	return err.Error()
}

// HaveStatus succeeds when the response status is one of statuses.
func HaveStatus(statuses ...int) types.GomegaMatcher {
	return &exchangeMatcher{
		want:  "status " + joinInts(statuses, " or "),
		match: func(x *exchange.Exchange) bool { return slices.Contains(statuses, x.Status()) },
	}
}

// HaveClientErrorStatus succeeds on a 4xx response.
func HaveClientErrorStatus() types.GomegaMatcher {
	return &exchangeMatcher{
		want:  "a 4xx status",
		match: func(x *exchange.Exchange) bool { return x.Status() >= 400 && x.Status() < 500 },
	}
}

// HaveNoTokens succeeds when there is a response and it carries no access,
// ID or refresh token: what every negative probe must get.
func HaveNoTokens() types.GomegaMatcher {
	return &exchangeMatcher{
		want:  "a response without tokens",
		match: func(x *exchange.Exchange) bool { return x.Response != nil && !x.HasTokens() },
	}
}

// IssueTokens succeeds on a 2xx response with an access token. The exact
// status is RESP-STATUS-200's business, so that a 201 fails that row alone.
func IssueTokens() types.GomegaMatcher {
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
func HaveOAuthError(codes ...string) types.GomegaMatcher {
	return HaveOAuthErrorWithStatus(nil, codes...)
}

// HaveOAuthErrorWithStatus is HaveOAuthError with explicit statuses (nil:
// 400, and 401 too when invalid_client is one of codes).
func HaveOAuthErrorWithStatus(statuses []int, codes ...string) types.GomegaMatcher {
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
func HaveNoStoreCacheControl() types.GomegaMatcher {
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
			if x == nil || x.Response == nil {
				return describe(x)
			}
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
func HaveMediaType(mt string) types.GomegaMatcher {
	return &exchangeMatcher{
		want: "media type " + mt,
		match: func(x *exchange.Exchange) bool {
			got, _, err := mime.ParseMediaType(x.Header("Content-Type"))
			return err == nil && strings.EqualFold(got, mt)
		},
	}
}

// BeValidIDToken succeeds when every ID token check passes for the
// response (rows the profile skips and checks that do not apply are left
// out); its failure lists each failing row.
func BeValidIDToken(c *checks.Context) types.GomegaMatcher {
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
			if x == nil {
				return describe(x)
			}
			return strings.Join(failures(x), "\n  ")
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

package codes

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// shownParams are the authorization request parameters whose values a
// message shows; the others (state, nonce and code_challenge, random per
// request, and any of codes.params) are shown by name.
var shownParams = []string{"response_type", "client_id", "redirect_uri", "scope", "code_challenge_method", "prompt", "response_mode", "acr_values", "ui_locales"}

// hasSession reports whether the source was given what should carry a
// logged-in session: cookies, or a Cookie or Authorization header.
func (a *Authorize) hasSession() bool {
	if len(a.cfg.Cookies) > 0 {
		return true
	}
	for k := range a.cfg.Header {
		if strings.EqualFold(k, "Cookie") || strings.EqualFold(k, "Authorization") {
			return true
		}
	}
	return false
}

// sessionGiven says what session the source sent, by cookie and header
// names (values are secrets).
func (a *Authorize) sessionGiven() string {
	var names []string
	for _, c := range a.cfg.Cookies {
		names = append(names, c.Name)
	}
	var headers []string
	for k := range a.cfg.Header {
		headers = append(headers, k)
	}
	slices.Sort(headers)
	var parts []string
	if len(names) > 0 {
		parts = append(parts, "codes.cookies gave a session (cookies "+strings.Join(names, ", ")+")")
	}
	if len(headers) > 0 {
		parts = append(parts, "codes.headers sent "+strings.Join(headers, ", "))
	}
	return strings.Join(parts, " and ")
}

// sessionHint shows the authorization request that was sent (its
// parameters, the random ones by name) and what makes a provider ignore a
// session it was given.
func sessionHint(req *url.URL) string {
	q := req.Query()
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	shown := make([]string, 0, len(keys))
	for _, k := range keys {
		if !slices.Contains(shownParams, k) {
			shown = append(shown, k+"=…")
			continue
		}
		shown = append(shown, k+"="+strings.Join(q[k], ","))
	}
	return fmt.Sprintf("the authorization request to %s sent %s. A provider may honour an existing session only when the request carries parameters its own login app adds "+
		"(compare with the authorization request your browser sends after logging in: prompt, acr_values, ui_locales, a tenant or a client-specific parameter) — add them under codes.params — "+
		"and the session may need more cookies than those given (every cookie the browser sends to this host, for the path of the authorization endpoint)",
		withoutQuery(req), strings.Join(shown, " "))
}

// paramNames is " (query parameters a, b)" for a redirect's query, names
// only (a login redirect's values can be one-time secrets), or "".
func paramNames(q url.Values) string {
	if len(q) == 0 {
		return ""
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return " (query parameters " + strings.Join(keys, ", ") + ")"
}

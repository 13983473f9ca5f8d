package exchange

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/tokenbench/tokenbench/internal/redact"
)

// A Spec and an Exchange hold codes, verifiers, client credentials and
// tokens. Their String, GoString, GomegaString and LogValue say what was
// sent and what came back without any of them: no parameter value, header
// value or body, and the URL's secret query parameters masked. Evidence is
// printed from a Redacted copy with Format instead.

// String shows the method, URL, parameter names and who authenticates.
func (s Spec) String() string {
	names := make([]string, len(s.Params))
	for i, p := range s.Params {
		names[i] = p.Name
	}
	auth := "no Basic"
	switch {
	case s.Authorization != nil && *s.Authorization != noAuth:
		auth = "an Authorization header given verbatim"
	case s.Auth != nil:
		auth = "Basic as " + s.Auth.String()
	case s.Authn != nil:
		auth = "authenticated by " + s.Authn.ClientID() + " with " + s.Authn.Method()
	}
	if s.Cert != nil {
		auth += ", a TLS client certificate"
	}
	return fmt.Sprintf("%s %s (probe %q, %s parameters [%s], %s)", s.Method, maskURL(s.URL), s.Probe, first(s.Body, BodyForm), strings.Join(names, " "), auth)
}

// GoString is String, so that %#v shows no secret either.
func (s Spec) GoString() string { return "exchange.Spec{" + s.String() + "}" }

// GomegaString is String, for Gomega's failure messages.
func (s Spec) GomegaString() string { return s.String() }

// LogValue implements slog.LogValuer without the parameters' values.
func (s Spec) LogValue() slog.Value { return slog.StringValue(s.String()) }

// String shows the probe, the request line and the status (or the
// transport error), without headers or bodies.
func (x *Exchange) String() string {
	if x == nil {
		return "no exchange"
	}
	head := fmt.Sprintf("probe %q: %s %s", x.Probe, x.Request.Method, maskURL(x.Request.URL))
	switch {
	case x.Response != nil:
		return fmt.Sprintf("%s -> %d %s, %s, %d-byte body", head, x.Response.Status, http.StatusText(x.Response.Status),
			first(x.Response.Header.Get("Content-Type"), "no Content-Type"), len(x.Response.Body))
	case x.Err != nil:
		return head + " -> no response: " + transportError(x.Err)
	}
	return head + " -> no response"
}

// GoString is String, so that %#v shows no secret either.
func (x *Exchange) GoString() string { return "&exchange.Exchange{" + x.String() + "}" }

// GomegaString is String, for Gomega's failure messages.
func (x *Exchange) GomegaString() string { return x.String() }

// LogValue implements slog.LogValuer without header values or bodies.
func (x *Exchange) LogValue() slog.Value {
	if x == nil {
		return slog.StringValue("no exchange")
	}
	attrs := []slog.Attr{slog.String("probe", x.Probe), slog.String("method", x.Request.Method), slog.String("url", maskURL(x.Request.URL))}
	if x.Response != nil {
		attrs = append(attrs, slog.Int("status", x.Response.Status), slog.Int("body_bytes", len(x.Response.Body)))
	}
	if x.Err != nil {
		attrs = append(attrs, slog.String("error", transportError(x.Err)))
	}
	return slog.GroupValue(attrs...)
}

// maskURL masks the secret parameters of u's query.
func maskURL(u string) string { return redact.New().URL(u) }

// transportError is err without the URL a *url.Error repeats (its query
// may hold a secret).
func transportError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Op + " " + maskURL(ue.URL) + ": " + ue.Err.Error()
	}
	return err.Error()
}

func first(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

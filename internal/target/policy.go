package target

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
)

// Notice is something about a target that every report of a run made
// with it says in its header, not only a warning on stderr: a check of
// the provider's identity that was weakened or failed.
type Notice struct {
	Kind NoticeKind
	Text string // in words, for the reader of a report
}

// NoticeKind says what a Notice is about.
type NoticeKind string

// Notice kinds.
const (
	// NoticeTLSUnverified: tls.insecure_skip_verify is set.
	NoticeTLSUnverified NoticeKind = "tls_unverified"
	// NoticeIssuerMismatch: discovery's issuer is not the configured one.
	NoticeIssuerMismatch NoticeKind = "issuer_mismatch"
	// NoticeInsecureHTTP: allow_insecure_http let plain http reach a host
	// that is not loopback.
	NoticeInsecureHTTP NoticeKind = "insecure_http"
	// NoticeOtherHosts: allow_endpoints_on_other_hosts let discovery name
	// endpoints on hosts other than the issuer's.
	NoticeOtherHosts NoticeKind = "endpoints_on_other_hosts"
)

// notice records a Notice, and says it on stderr too (as a warning).
func (t *Target) notice(kind NoticeKind, format string, args ...any) {
	text := fmt.Sprintf(format, args...)
	t.Notices = append(t.Notices, Notice{Kind: kind, Text: text})
	t.Warnings = append(t.Warnings, text)
}

// endpointFields are the endpoints a target resolves: each from the target
// file when it gives one, else from discovery.
func endpointFields(f *File, d *Discovery) []struct{ field, file, found string } {
	return []struct{ field, file, found string }{
		{"authorization_endpoint", f.AuthorizationEndpoint, d.AuthorizationEndpoint},
		{"token_endpoint", f.TokenEndpoint, d.TokenEndpoint},
		{"jwks_uri", f.JWKSURI, d.JWKSURI},
		{"userinfo_endpoint", f.UserinfoEndpoint, d.UserinfoEndpoint},
		{"mtls_token_endpoint", f.MTLSTokenEndpoint, d.MTLSEndpointAliases.TokenEndpoint},
	}
}

// checkDiscovered holds every endpoint discovery named, and the target file
// did not override, to the issuer's policy: an http:// endpoint of an
// https:// issuer, or an endpoint on another host than the issuer's, is
// refused (the client secret, codes and tokens would go where the user did
// not point tokenbench), unless the target file names that endpoint itself
// or sets the switch for it (allow_insecure_http for plain http,
// allow_endpoints_on_other_hosts for another host), which is then a
// notice. It runs before anything is sent to an endpoint. Endpoints the
// file gives were checked with the issuer.
func (t *Target) checkDiscovered(f *File, d *Discovery) error {
	iss, err := url.Parse(f.Issuer)
	if err != nil || f.Issuer == "" {
		return nil // no discovery without an issuer
	}
	var others, plain []string
	for _, e := range endpointFields(f, d) {
		if e.file != "" || e.found == "" {
			continue
		}
		if err := t.checkURL("discovered "+e.field, e.found, f.AllowInsecureHTTP); err != nil {
			return err
		}
		u, _ := url.Parse(e.found) // checkURL parsed it
		switch {
		case iss.Scheme == "https" && u.Scheme != "https" && !f.AllowInsecureHTTP:
			return fmt.Errorf("target: %s: discovered %s %q is plain http while the issuer %q uses https: the client secret, codes or tokens would cross the network unencrypted. Set %s in the target file, or allow_insecure_http: true, to use it anyway",
				t.Source, e.field, e.found, f.Issuer, e.field)
		case !sameHost(u, iss) && !f.AllowEndpointsOnOtherHosts:
			return fmt.Errorf("target: %s: discovered %s %q is on host %q, not the issuer's host %q: the client secret, codes or tokens would go to another host than the issuer. Set %s in the target file, or allow_endpoints_on_other_hosts: true, to use it anyway",
				t.Source, e.field, e.found, u.Hostname(), iss.Hostname(), e.field)
		case !sameHost(u, iss):
			others = append(others, fmt.Sprintf("%s %s", e.field, e.found))
		}
		if iss.Scheme == "https" && u.Scheme != "https" {
			plain = append(plain, fmt.Sprintf("%s %s", e.field, e.found))
		}
	}
	if len(plain) > 0 {
		t.notice(NoticeInsecureHTTP, "INSECURE: allow_insecure_http is set and discovery names plain http endpoints under the https issuer %s: %s",
			f.Issuer, strings.Join(plain, ", "))
	}
	if len(others) > 0 {
		t.notice(NoticeOtherHosts, "INSECURE: allow_endpoints_on_other_hosts is set and discovery names endpoints on hosts other than the issuer %s: %s",
			f.Issuer, strings.Join(others, ", "))
	}
	return nil
}

// sameHost reports whether two URLs name the same host (the port aside).
func sameHost(a, b *url.URL) bool {
	return strings.EqualFold(strings.TrimSuffix(a.Hostname(), "."), strings.TrimSuffix(b.Hostname(), "."))
}

// lookupTimeout bounds resolving a name under .localhost.
const lookupTimeout = 3 * time.Second

// isLoopback reports whether host is a loopback IP, or a name (localhost or
// under .localhost) whose every address, looked up with lookup, is
// loopback: a name under .localhost is not loopback by its name alone, as
// a DNS server may answer anything for it.
//
// https://www.rfc-editor.org/rfc/rfc6761#section-6.3
func isLoopback(ctx context.Context, lookup func(context.Context, string) ([]net.IPAddr, error), host string) bool {
	if ip := net.ParseIP(strings.Trim(host, "[]")); ip != nil {
		return ip.IsLoopback()
	}
	name := strings.ToLower(strings.TrimSuffix(host, "."))
	if name != "localhost" && !strings.HasSuffix(name, ".localhost") {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	addrs, err := lookup(ctx, name)
	if err != nil || len(addrs) == 0 {
		return false
	}
	for _, a := range addrs {
		if !a.IP.IsLoopback() {
			return false
		}
	}
	return true
}

package provider

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
)

// Secret kinds reported to Config.OnSecret.
const (
	SecretClient   = "client secret"
	SecretCode     = "authorization code"
	SecretVerifier = "code verifier"
	SecretAccess   = "access token"
	SecretRefresh  = "refresh token"
	SecretID       = "ID token"
	SecretOther    = "credential" // a client assertion, password or other secret parameter
)

// secretParams are the request parameters OnSecret reports, by kind.
var secretParams = map[string]string{
	"client_secret": SecretClient, "code": SecretCode, "code_verifier": SecretVerifier,
	"refresh_token": SecretRefresh, "access_token": SecretAccess, "id_token": SecretID,
	"client_assertion": SecretOther, "password": SecretOther, "assertion": SecretOther,
}

// witness wraps the authorization endpoint so that OnSecret sees the codes
// it issues. Without OnSecret it returns next.
func (p *Provider) witness(next http.Handler) http.Handler {
	if p.cfg.OnSecret == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := &captured{header: http.Header{}}
		next.ServeHTTP(c, r)
		if loc, err := url.Parse(c.header.Get("Location")); err == nil {
			p.report(SecretCode, loc.Query().Get("code"))
		}
		c.writeTo(w)
	})
}

// witnessRequest reports the credentials a token or userinfo request
// presented: the Basic secret (decoded as the provider decodes it, and as
// sent), a Bearer token, and the secret parameters of the body and query.
func (p *Provider) witnessRequest(in request) {
	if p.cfg.OnSecret == nil {
		return
	}
	scheme, cred, _ := strings.Cut(strings.TrimSpace(in.auth), " ")
	switch {
	case strings.EqualFold(scheme, "Basic"):
		if raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cred)); err == nil {
			if _, secret, ok := strings.Cut(string(raw), ":"); ok {
				p.report(SecretClient, secret)
				if dec, err := url.QueryUnescape(secret); err == nil {
					p.report(SecretClient, dec)
				}
			}
		}
	case strings.EqualFold(scheme, "Bearer"):
		p.report(SecretAccess, strings.TrimSpace(cred))
	}
	for name, kind := range secretParams {
		for _, v := range in.params[name] {
			p.report(kind, v)
		}
	}
}

// witnessResponse reports the tokens a response issued.
func (p *Provider) witnessResponse(body []byte) {
	if p.cfg.OnSecret == nil {
		return
	}
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		return
	}
	for name, kind := range map[string]string{"access_token": SecretAccess, "refresh_token": SecretRefresh, "id_token": SecretID} {
		if s, ok := m[name].(string); ok {
			p.report(kind, s)
		}
	}
}

func (p *Provider) report(kind, value string) {
	if value != "" {
		p.cfg.OnSecret(kind, value)
	}
}

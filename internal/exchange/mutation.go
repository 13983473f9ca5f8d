package exchange

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
)

// Mutation changes a Spec. Mutations are the vocabulary of negative probes:
// every probe in the requirement catalogue is a valid request plus one or
// two of these.
type Mutation func(*Spec)

// Probe names the request in reports.
func Probe(name string) Mutation { return func(s *Spec) { s.Probe = name } }

// Drop removes every parameter named name.
func Drop(name string) Mutation {
	return func(s *Spec) {
		out := s.Params[:0]
		for _, p := range s.Params {
			if p.Name != name {
				out = append(out, p)
			}
		}
		s.Params = out
	}
}

// Set sets parameter name to value, replacing every existing one, or adds it.
func Set(name, value string) Mutation {
	return func(s *Spec) {
		found := false
		out := s.Params[:0]
		for _, p := range s.Params {
			if p.Name == name {
				if found {
					continue
				}
				p.Value, found = value, true
			}
			out = append(out, p)
		}
		s.Params = out
		if !found {
			s.Params = append(s.Params, Param{name, value})
		}
	}
}

// Add appends a parameter, even when one of the same name exists.
func Add(name, value string) Mutation {
	return func(s *Spec) { s.Params = append(s.Params, Param{name, value}) }
}

// Empty sets parameter name to the empty string ("redirect_uri=").
func Empty(name string) Mutation { return Set(name, "") }

// Duplicate sends parameter name a second time with the same value.
func Duplicate(name string) Mutation {
	return func(s *Spec) {
		if v, ok := s.Get(name); ok {
			s.Params = append(s.Params, Param{name, v})
		}
	}
}

// Method changes the HTTP method. With GET (or any method but POST) the
// parameters move to the URL query and no body is sent.
func Method(m string) Mutation {
	return func(s *Spec) {
		s.Method = m
		if m != http.MethodPost && s.Body == BodyForm {
			s.Body = BodyNone
		}
	}
}

// JSONBody sends the parameters as a JSON object with Content-Type
// application/json.
func JSONBody() Mutation { return func(s *Spec) { s.Body = BodyJSON } }

// ContentType overrides the Content-Type header, keeping the body encoding.
func ContentType(ct string) Mutation { return func(s *Spec) { s.ContentType = ct } }

// Header sets a request header.
func Header(name, value string) Mutation {
	return func(s *Spec) {
		if s.Header == nil {
			s.Header = http.Header{}
		}
		s.Header.Set(name, value)
	}
}

// authParams are the body parameters of client authentication.
var authParams = []string{ParamClientID, ParamClientSecret, ParamClientAssertion, ParamClientAssertionType}

// NoAuth sends no client authentication at all: no Authorization header,
// none of client_id, client_secret, client_assertion and
// client_assertion_type, and no TLS client certificate of the
// authenticator's.
func NoAuth() Mutation {
	return func(s *Spec) {
		a := noAuth
		s.Auth, s.Authorization, s.Cert = nil, &a, nil
		for _, p := range authParams {
			Drop(p)(s)
		}
	}
}

// As authenticates the request as a, instead of its own authentication.
func As(a Authenticator) Mutation {
	return func(s *Spec) {
		NoAuth()(s)
		s.Authorization = nil
		a.Authenticate(s)
	}
}

// AlsoBasic adds HTTP Basic with c to the request's own authentication: a
// request that authenticates two ways.
func AlsoBasic(c Credentials) Mutation {
	return func(s *Spec) { s.Auth, s.Authorization = &c, nil }
}

// BasicAs authenticates with other credentials.
func BasicAs(c Credentials) Mutation { return As(Basic{c}) }

// WrongSecret keeps the client id and sends a fresh random secret (the
// Basic password, or client_secret in the body), never one derived from the
// real secret: a provider that echoes the request must not hand any part of
// the real one back.
func WrongSecret() Mutation {
	return func(s *Spec) {
		if s.Auth != nil {
			s.Auth.Secret = Random("wrong-")
		}
		if _, ok := s.Get(ParamClientSecret); ok {
			Set(ParamClientSecret, Random("wrong-"))(s)
		}
	}
}

// WrongCredentials makes the request's own client authentication fail:
// a wrong secret (Basic, client_secret_post), a flipped signature byte
// (client assertions) or a foreign certificate (mTLS).
func WrongCredentials() Mutation {
	return func(s *Spec) {
		switch {
		case s.Auth != nil:
			WrongSecret()(s)
		case s.Cert != nil:
			ForeignCertificate()(s)
		default:
			if _, ok := s.Get(ParamClientAssertion); ok {
				FlipSignatureByte()(s)
				return
			}
			WrongSecret()(s)
		}
	}
}

// UnknownClient authenticates with HTTP Basic, instead of the request's
// own authentication, as a client that does not exist: a fresh random id
// and secret.
func UnknownClient() Mutation {
	return func(s *Spec) {
		As(Basic{Credentials{ID: Random("tokenbench-unknown-"), Secret: Random("")}})(s)
	}
}

// WrongVerifier sends a fresh random, well-formed code_verifier (43
// unreserved characters, RFC 7636 §4.1).
//
// https://www.rfc-editor.org/rfc/rfc7636#section-4.1
func WrongVerifier() Mutation {
	return func(s *Spec) { Set("code_verifier", Random(""))(s) }
}

// Random returns prefix followed by 32 bytes from crypto/rand, base64url
// without padding: a value no provider can have seen or derive, for the
// probes that need a wrong secret, verifier or code.
func Random(prefix string) string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// RawBasic sends Basic credentials without form-urlencoding them first.
func RawBasic() Mutation { return func(s *Spec) { s.RawBasic = true } }

// Authorization sends the header value verbatim ("Basic !!!", "Bearer x", "").
func Authorization(value string) Mutation {
	return func(s *Spec) { s.Authorization = &value }
}

// CredentialsInBody moves the client credentials from Basic into the body
// (client_secret_post) and sends no Authorization header.
func CredentialsInBody() Mutation {
	return func(s *Spec) {
		if s.Auth == nil {
			return
		}
		c := *s.Auth
		NoAuth()(s)
		Set("client_id", c.ID)(s)
		Set("client_secret", c.Secret)(s)
	}
}

// SecretInBody adds client_secret to the body and keeps Basic (two methods).
func SecretInBody() Mutation {
	return func(s *Spec) {
		if s.Auth != nil {
			Set("client_secret", s.Auth.Secret)(s)
		}
	}
}

// ClientIDInBody adds the client_id parameter, keeping the authentication.
func ClientIDInBody() Mutation {
	return func(s *Spec) {
		if id := clientID(s); id != "" {
			Set("client_id", id)(s)
		}
	}
}

// clientID is the client the request authenticates as, "" when none.
func clientID(s *Spec) string {
	switch {
	case s.Auth != nil:
		return s.Auth.ID
	case s.Authn != nil:
		return s.Authn.ClientID()
	}
	v, _ := s.Get(ParamClientID)
	return v
}

// PublicClient sends client_id in the body and no authentication at all.
func PublicClient() Mutation {
	return func(s *Spec) {
		id := clientID(s)
		if id == "" {
			return
		}
		NoAuth()(s)
		Set("client_id", id)(s)
	}
}

// CredentialsInQuery moves the client's secret credentials into the URL
// query and sends no other authentication: Basic's id and secret, or the
// body's client_id, client_secret and client assertion.
func CredentialsInQuery() Mutation {
	return func(s *Spec) {
		var q []Param
		if s.Auth != nil {
			q = append(q, Param{"client_id", s.Auth.ID}, Param{"client_secret", s.Auth.Secret})
		}
		for _, name := range authParams {
			if v, ok := s.Get(name); ok && s.Auth == nil {
				q = append(q, Param{name, v})
			}
		}
		NoAuth()(s)
		s.Query = append(s.Query, q...)
	}
}

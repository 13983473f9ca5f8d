package exchange

import "net/http"

// IntrospectionRequest returns a token introspection request: POST form
// with the token, authenticated by a (RFC 7662 §2.1 leaves the method to
// the server) and sent to introspectionURL whatever endpoint a would use.
//
// https://www.rfc-editor.org/rfc/rfc7662#section-2.1
func IntrospectionRequest(introspectionURL string, a Authenticator, token string) Spec {
	s := Spec{
		Probe:  "introspection",
		Method: http.MethodPost,
		URL:    introspectionURL,
		Body:   BodyForm,
		Params: []Param{{"token", token}},
	}
	a.Authenticate(&s)
	s.URL = introspectionURL
	return s
}

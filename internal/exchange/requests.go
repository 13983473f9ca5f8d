package exchange

import "net/http"

// RefreshRequest returns the refresh token request: POST form with
// grant_type=refresh_token and refresh_token, authenticated by a as a code
// redemption is (a TLS method's request goes to its mTLS endpoint).
//
// https://www.rfc-editor.org/rfc/rfc6749#section-6
func RefreshRequest(tokenURL string, a Authenticator, refreshToken string) Spec {
	s := Spec{
		Probe:  "refresh",
		Method: http.MethodPost,
		URL:    tokenURL,
		Body:   BodyForm,
		Params: []Param{{"grant_type", "refresh_token"}, {"refresh_token", refreshToken}},
	}
	a.Authenticate(&s)
	return s
}

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

package exchange

import "net/http"

// RefreshRequest returns the refresh token request: POST form with
// grant_type=refresh_token and refresh_token, and HTTP Basic client
// authentication.
//
// https://www.rfc-editor.org/rfc/rfc6749#section-6
func RefreshRequest(tokenURL string, client Credentials, refreshToken string) Spec {
	return Spec{
		Probe:  "refresh",
		Method: http.MethodPost,
		URL:    tokenURL,
		Body:   BodyForm,
		Params: []Param{{"grant_type", "refresh_token"}, {"refresh_token", refreshToken}},
		Auth:   &client,
	}
}

// IntrospectionRequest returns a token introspection request: POST form
// with the token, and HTTP Basic client authentication.
//
// https://www.rfc-editor.org/rfc/rfc7662#section-2.1
func IntrospectionRequest(introspectionURL string, client Credentials, token string) Spec {
	return Spec{
		Probe:  "introspection",
		Method: http.MethodPost,
		URL:    introspectionURL,
		Body:   BodyForm,
		Params: []Param{{"token", token}},
		Auth:   &client,
	}
}

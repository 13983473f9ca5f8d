package exchange

import "net/http"

// Grant types a token request can carry (RFC 6749 §4.1.3, §6, §4.4.2).
const (
	GrantAuthorizationCode = "authorization_code"
	GrantRefreshToken      = "refresh_token"
	GrantClientCredentials = "client_credentials"
)

// RefreshGrant returns the refresh token grant's token request without
// client authentication: POST form with grant_type, refresh_token and, when
// given, scope.
//
// https://www.rfc-editor.org/rfc/rfc6749#section-6
func RefreshGrant(tokenURL, refreshToken, scope string) Spec {
	s := Spec{Probe: "refresh", Method: http.MethodPost, URL: tokenURL, Body: BodyForm,
		Params: make([]Param, 2, 7)}
	s.Params[0], s.Params[1] = Param{"grant_type", GrantRefreshToken}, Param{"refresh_token", refreshToken}
	if scope != "" {
		s.Params = append(s.Params, Param{"scope", scope})
	}
	return s
}

// ClientCredentialsGrant returns the client credentials grant's token
// request without client authentication: POST form with grant_type and,
// when given, scope.
//
// https://www.rfc-editor.org/rfc/rfc6749#section-4.4.2
func ClientCredentialsGrant(tokenURL, scope string) Spec {
	s := Spec{Probe: "client credentials", Method: http.MethodPost, URL: tokenURL, Body: BodyForm,
		Params: make([]Param, 1, 6)}
	s.Params[0] = Param{"grant_type", GrantClientCredentials}
	if scope != "" {
		s.Params = append(s.Params, Param{"scope", scope})
	}
	return s
}

// RefreshRequest returns the valid refresh token request, authenticated by a.
func RefreshRequest(tokenURL string, a Authenticator, refreshToken, scope string) Spec {
	s := RefreshGrant(tokenURL, refreshToken, scope)
	a.Authenticate(&s)
	return s
}

// ClientCredentialsRequest returns the valid client credentials request,
// authenticated by a.
func ClientCredentialsRequest(tokenURL string, a Authenticator, scope string) Spec {
	s := ClientCredentialsGrant(tokenURL, scope)
	a.Authenticate(&s)
	return s
}

package jsonscan

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// StringBytes decodes a raw JSON string, without a copy when it has no
// escapes and is valid UTF-8: the result aliases raw and must not be
// modified.
func StringBytes(raw []byte) ([]byte, bool) {
	if (len(raw) == 0 || raw[0] != '"') || len(raw) < 2 {
		return nil, false
	}
	body := raw[1 : len(raw)-1]
	if bytes.IndexByte(body, '\\') < 0 && utf8.Valid(body) {
		return body, true
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return nil, false
	}
	return []byte(s), true
}

// Intern returns the string of b, without allocating for the member names
// and algs the token endpoint's JSON is made of.
func Intern(b []byte) string {
	switch string(b) {
	case "access_token":
		return "access_token"
	case "token_type":
		return "token_type"
	case "expires_in":
		return "expires_in"
	case "refresh_token":
		return "refresh_token"
	case "id_token":
		return "id_token"
	case "scope":
		return "scope"
	case "error":
		return "error"
	case "error_description":
		return "error_description"
	case "error_uri":
		return "error_uri"
	case "alg":
		return "alg"
	case "kid":
		return "kid"
	case "typ":
		return "typ"
	case "iss":
		return "iss"
	case "sub":
		return "sub"
	case "aud":
		return "aud"
	case "azp":
		return "azp"
	case "exp":
		return "exp"
	case "iat":
		return "iat"
	case "nbf":
		return "nbf"
	case "auth_time":
		return "auth_time"
	case "nonce":
		return "nonce"
	case "acr":
		return "acr"
	case "amr":
		return "amr"
	case "at_hash":
		return "at_hash"
	case "c_hash":
		return "c_hash"
	case "sid":
		return "sid"
	case "jti":
		return "jti"
	case "name":
		return "name"
	case "given_name":
		return "given_name"
	case "family_name":
		return "family_name"
	case "preferred_username":
		return "preferred_username"
	case "birthdate":
		return "birthdate"
	case "email":
		return "email"
	case "RS256":
		return "RS256"
	case "RS384":
		return "RS384"
	case "RS512":
		return "RS512"
	case "PS256":
		return "PS256"
	case "ES256":
		return "ES256"
	case "ES384":
		return "ES384"
	case "EdDSA":
		return "EdDSA"
	case "JWT":
		return "JWT"
	}
	return string(b)
}

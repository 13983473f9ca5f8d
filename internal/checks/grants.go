package checks

import "strings"

// GrantRows are the success and ID token rows every refresh and client
// credentials response is held to, the same checks as the code exchange's:
// IDT-NONCE and IDT-NONCE-ABSENT are left out (a refreshed ID token need
// not repeat the nonce), RESP-SCOPE too (RT-SCOPE-* own it), and
// RESP-NO-REFRESH and RESP-ID-TOKEN (the grants' own rows judge them).
//
// https://www.rfc-editor.org/rfc/rfc6749#section-5.1
// https://openid.net/specs/openid-connect-core-1_0.html#RefreshTokenResponse
var GrantRows = []string{"RESP-STATUS-200", "RESP-CONTENT-TYPE", "RESP-NO-STORE", "RESP-PRAGMA", "RESP-ACCESS-TOKEN",
	"RESP-TOKEN-TYPE", "RESP-EXPIRES-IN", "RESP-EXTRA-MEMBERS", "IDT-JWS", "IDT-ALG", "IDT-KID", "IDT-SIGNATURE",
	"IDT-HEADER-KEYS", "IDT-ISS", "IDT-AUD", "IDT-AZP", "IDT-EXP", "IDT-IAT", "IDT-LIFETIME", "IDT-AUTH-TIME", "IDT-AT-HASH",
	"IDT-AMR", "IDT-CLAIMS"}

// GrantResponse returns the checks of GrantRows, the ID token ones only
// with idToken (the response carries an ID token), in GrantRows' order.
// The slice is new on every call.
func GrantResponse(idToken bool) []Check {
	var list []Check
	for _, id := range GrantRows {
		if strings.HasPrefix(id, "IDT-") && !idToken {
			continue
		}
		if ch, ok := Lookup(id); ok {
			list = append(list, ch)
		}
	}
	return list
}

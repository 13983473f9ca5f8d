package checks

import (
	"strconv"
	"strings"

	"github.com/tokenbench/tokenbench/internal/exchange"
)

// UserinfoSub is IDT-USERINFO-SUB: the userinfo response to the access
// token is a 200 JSON object whose sub equals the ID token's sub. It is not
// in Success because it needs a second exchange. Signed or encrypted
// (application/jwt) userinfo responses are not validated: they fail the
// media type. The suite must not call it concurrently with other users of
// the same userinfo Exchange.
//
// https://openid.net/specs/openid-connect-core-1_0.html#UserInfoResponse
func UserinfoSub(idTokenSub string, userinfo *exchange.Exchange) error {
	const id = "IDT-USERINFO-SUB"
	if !hasResponse(userinfo) {
		return noResponse(id, userinfo)
	}
	var fs []error
	if s := userinfo.Status(); s != 200 {
		fs = append(fs, &Failure{ID: id, Field: "status", Got: strconv.Itoa(s), Want: "200", Err: ErrStatus})
	}
	if err := mediaTypeFailure(id, userinfo, "application/json"); err != nil {
		fs = append(fs, err)
	}
	m, err := userinfo.Members()
	switch raw, ok := m["sub"]; {
	case m == nil:
		fs = append(fs, &Failure{ID: id, Field: "body", Got: bodyShape(userinfo), Want: "a JSON object",
			Msg: strings.TrimPrefix(err.Error(), "exchange: "), Err: ErrNotObject})
	case !ok:
		fs = append(fs, &Failure{ID: id, Field: "sub", Got: "absent", Want: quote(idTokenSub), Err: ErrMissing})
	case !isJSONString(raw):
		fs = append(fs, &Failure{ID: id, Field: "sub", Got: jsonKind(raw), Want: "a string", Err: ErrType})
	default:
		if sub, _ := jsonString(raw); sub != idTokenSub {
			fs = append(fs, &Failure{ID: id, Field: "sub", Got: quote(sub), Want: quote(idTokenSub) + " (the ID token's sub)", Err: ErrSubjectChanged})
		}
	}
	return joinFailures(fs)
}

package checks

import (
	"net/http"
	"testing"

	"github.com/tokenbench/tokenbench/internal/exchange"
)

func userinfo(status int, contentType, body string) *exchange.Exchange {
	h := http.Header{}
	raw := []exchange.HeaderLine{}
	if contentType != "" {
		h.Set("Content-Type", contentType)
		raw = append(raw, exchange.HeaderLine{Name: "Content-Type", Value: contentType})
	}
	return &exchange.Exchange{Response: &exchange.Response{Status: status, Header: h, RawHeader: raw, Body: []byte(body)}}
}

func TestUserinfoSub(t *testing.T) {
	t.Parallel()
	const sub = "9578-6000-4-30799"
	cases := []struct {
		name  string
		x     *exchange.Exchange
		want  error
		field string
	}{
		{"equal", userinfo(200, "application/json;charset=UTF-8", `{"sub":"`+sub+`","name":"Frode Beckmann Nilsen"}`), nil, ""},
		{"other sub", userinfo(200, "application/json", `{"sub":"someone"}`), ErrSubjectChanged, "sub"},
		{"no sub", userinfo(200, "application/json", `{"name":"x"}`), ErrMissing, "sub"},
		{"numeric sub", userinfo(200, "application/json", `{"sub":9578}`), ErrType, "sub"},
		{"401", userinfo(401, "application/json", `{"error":"invalid_token"}`), ErrStatus, "status"},
		{"signed userinfo", userinfo(200, "application/jwt", "eyJ.eyJ.sig"), ErrMediaType, "Content-Type"},
		{"no response", &exchange.Exchange{}, ErrNoResponse, "status"},
		{"nil", nil, ErrNoResponse, "status"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := UserinfoSub(sub, tc.x)
			want := pass
			if tc.want != nil {
				want = fails(tc.want, tc.field)
			}
			assertResult(t, Result{ID: "IDT-USERINFO-SUB", Err: err}, want, []string{"Nilsen"})
		})
	}
}

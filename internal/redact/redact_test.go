package redact

import (
	"strings"
	"testing"
)

func TestRedactor(t *testing.T) {
	t.Parallel()
	r := New("name", "birthdate")
	r.AddClient("cli", "S3cr3t-Value-42")
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"value anywhere", r.String("the secret is S3cr3t-Value-42."), "the secret is [REDACTED]."},
		{"basic header", r.Header("Authorization", "Basic Y2xpOlMzY3IzdC1WYWx1ZS00Mg=="), "Basic [REDACTED]"},
		{"bearer header", r.Header("authorization", "Bearer abc"), "Bearer [REDACTED]"},
		{"schemeless header", r.Header("Authorization", "garbage"), "[REDACTED]"},
		{"empty header", r.Header("Authorization", ""), ""},
		{"cookie", r.Header("Cookie", "a=1; sid=xyz"), "a=[REDACTED]; sid=[REDACTED]"},
		{"set-cookie", r.Header("Set-Cookie", "sid=xyz; Path=/"), "sid=[REDACTED]"},
		{"other header", r.Header("Content-Type", "application/json"), "application/json"},
		{"form", r.Query("grant_type=authorization_code&code=abc&code=def&client_secret=x&redirect_uri=https%3A%2F%2Fc"),
			"grant_type=authorization_code&code=%5BREDACTED%5D&code=%5BREDACTED%5D&client_secret=%5BREDACTED%5D&redirect_uri=https%3A%2F%2Fc"},
		{"url", r.URL("https://h/cb?code=abc&state=s"), "https://h/cb?code=%5BREDACTED%5D&state=s"},
		{"json", string(r.JSON([]byte(`{"access_token":"abc","expires_in":3600,"nested":{"id_token":"x.y.z","name":"Frode"},"list":[{"birthdate":"1966-12-18"}],"amr":["BankID"]}`))),
			`{"access_token":"[REDACTED] (3 chars)","expires_in":3600,"nested":{"id_token":"[REDACTED] (5 chars)","name":"[REDACTED] (5 chars)"},"list":[{"birthdate":"[REDACTED] (10 chars)"}],"amr":["BankID"]}`},
		{"json object secret", string(r.JSON([]byte(`{"name":{"given":"F"},"a":1}`))), `{"name":"[REDACTED]","a":1}`},
		{"not json", string(r.JSON([]byte(`{"broken": S3cr3t-Value-42`))), `{"broken": [REDACTED]`},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, tt.got, tt.want)
		}
	}
}

func TestNilRedactorReveals(t *testing.T) {
	t.Parallel()
	var r *Redactor
	r.AddSecret("x")
	if got := r.Header("Authorization", "Basic abc"); got != "Basic abc" {
		t.Errorf("nil Header = %q", got)
	}
	if got := string(r.JSON([]byte(`{"access_token":"a"}`))); !strings.Contains(got, `"a"`) {
		t.Errorf("nil JSON = %q", got)
	}
}

func TestShortSecretsIgnored(t *testing.T) {
	t.Parallel()
	r := New()
	r.AddSecret("ab")
	if got := r.String("abc"); got != "abc" {
		t.Errorf("a 2-byte secret masked text: %q", got)
	}
}

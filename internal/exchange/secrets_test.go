package exchange

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/tokenbench/tokenbench/internal/redact"
)

const (
	testAT  = "AT-0123456789abcdef0123456789abcdef"
	testRT  = "RT-0123456789abcdef0123456789abcdef"
	testJWS = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzdWJqZWN0LTEiLCJuYW1lIjoiRnJvZGUgTmlsc2VuIn0.c2lnbmF0dXJl"
)

// TestSecretsFromAnyBody finds the tokens of a token response however the
// body is wrapped.
func TestSecretsFromAnyBody(t *testing.T) {
	t.Parallel()
	js := `{"access_token":"` + testAT + `","id_token":"` + testJWS + `","refresh_token":"` + testRT + `","token_type":"Bearer"}`
	tests := []struct{ name, body string }{
		{"json", js},
		{"utf-8 bom", "\ufeff" + js},
		{"xssi prefix", ")]}'\n" + js},
		{"trailing bytes", js + "\n\x00garbage"},
		{"spaced json", strings.ReplaceAll(js, `":"`, `" : "`)},
		{"form-encoded text/plain", "access_token=" + testAT + "&id_token=" + testJWS + "&refresh_token=" + testRT + "&token_type=Bearer"},
		{"html form", `<html><form><input type="hidden" name="access_token" value="` + testAT + `"><input name='refresh_token' value='` + testRT + `'></form><p>` + testJWS + `</p></html>`},
		{"escaped json in html", `<pre>{&#34;access_token&#34;:&#34;` + testAT + `&#34;,&#34;refresh_token&#34;:&#34;` + testRT + `&#34;} ` + testJWS + `</pre>`},
	}
	for _, tt := range tests {
		x := &Exchange{Response: &Response{Status: 200, Body: []byte(tt.body)}}
		got := x.Secrets()
		for _, want := range []string{testAT, testJWS, testRT} {
			if !slices.Contains(got, want) {
				t.Errorf("%s: Secrets() = %q, lacks %q", tt.name, got, want)
			}
		}
		for _, junk := range []string{"Bearer", "null"} {
			if slices.Contains(got, junk) {
				t.Errorf("%s: Secrets() took %q", tt.name, junk)
			}
		}
	}
}

func TestSecretsOfRequest(t *testing.T) {
	t.Parallel()
	s := TokenRequest("https://op/token?client_secret=in-query-secret", Basic{Credentials{ID: "cli", Secret: "a+b:c/d e"}}, "the-code-value", "https://c/cb", "the-verifier-value")
	x := &Exchange{}
	if _, err := (&Client{}).build(context.Background(), s.With(Add("refresh_token", "rt-in-body")), x); err != nil {
		t.Fatal(err)
	}
	x.Request.Header.Set("Authorization", BasicAuthorization("cli", "a+b:c/d e"))
	got := x.Secrets()
	for _, want := range []string{"the-code-value", "the-verifier-value", "rt-in-body", "in-query-secret", "a+b:c/d e", "a%2Bb%3Ac%2Fd+e"} {
		if !slices.Contains(got, want) {
			t.Errorf("Secrets() = %q, lacks %q", got, want)
		}
	}
	bearer := &Exchange{Request: Request{Header: http.Header{"Authorization": {"Bearer the-bearer-token"}}}}
	if got := bearer.Secrets(); !slices.Contains(got, "the-bearer-token") {
		t.Errorf("bearer: %q", got)
	}
}

// TestSecretsBounded: a body full of token members registers a bounded
// number of values.
func TestSecretsBounded(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	for i := range 10000 {
		fmt.Fprintf(&b, "access_token=value-%d&", i)
	}
	x := &Exchange{Response: &Response{Body: []byte(b.String())}}
	if n := len(x.Secrets()); n > maxBodySecrets {
		t.Errorf("%d values from one body, want at most %d", n, maxBodySecrets)
	}
}

func TestTokenNamesAreSecretMembers(t *testing.T) {
	t.Parallel()
	for _, n := range tokenNames {
		if !redact.SecretMember(n) {
			t.Errorf("%s is taken from bodies but is not a redact.SecretMember", n)
		}
	}
}

// TestRegisterPersonalClaims: the personal claims of an ID token and of a
// UserInfo body are registered by value.
func TestRegisterPersonalClaims(t *testing.T) {
	t.Parallel()
	r := redact.New("name", "birthdate")
	(&Exchange{Response: &Response{Body: []byte(")]}'\n{\"id_token\":\"" + testJWS + "\"}")}}).Register(r)
	(&Exchange{Response: &Response{Body: []byte("\ufeff{\"sub\":\"s\",\"birthdate\":\"1966-12-18\"}")}}).Register(r)
	got := r.String("Frode Nilsen 1966-12-18 subject-1 " + testJWS)
	if want := "[REDACTED] [REDACTED] subject-1 [REDACTED]"; got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

// TestClientRegistry: a Registering client registers what it sent and got;
// Registering(nil) does not.
func TestClientRegistry(t *testing.T) {
	t.Parallel()
	srv, _ := echoServer(t, false, func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte("\ufeffaccess_token=" + testAT))
	})
	r := redact.New()
	c := NewClient().Registering(r)
	c.Do(context.Background(), TokenRequest(srv.URL, Basic{Credentials{ID: "cli", Secret: "client-secret-1"}}, "code-value-1", "https://c/cb", ""))
	c.Registering(nil).Do(context.Background(), TokenRequest(srv.URL, Basic{Credentials{ID: "cli", Secret: "client-secret-2"}}, "code-value-2", "https://c/cb", ""))
	got := r.String("client-secret-1 code-value-1 " + testAT + " client-secret-2 code-value-2")
	if want := "[REDACTED] [REDACTED] [REDACTED] client-secret-2 code-value-2"; got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

// TestWrongValuesAreFresh: the probes' wrong secret, unknown client and
// wrong verifier are random, never derived from the real values.
func TestWrongValuesAreFresh(t *testing.T) {
	t.Parallel()
	const secret, verifier = "the-real-secret", "the-real-verifier-0123456789012345678901234567"
	base := TokenRequest("https://op/token", Basic{Credentials{ID: "cli", Secret: secret}}, "code", "https://c/cb", verifier)
	a, b := base.With(WrongSecret()), base.With(WrongSecret())
	if a.Auth.ID != "cli" || a.Auth.Secret == b.Auth.Secret || strings.Contains(a.Auth.Secret, secret) || len(a.Auth.Secret) < 40 {
		t.Errorf("WrongSecret: %q and %q", a.Auth.Secret, b.Auth.Secret)
	}
	u := base.With(UnknownClient())
	if u.Auth.ID == "cli" || strings.Contains(u.Auth.Secret, secret) || u.Auth.ID == base.With(UnknownClient()).Auth.ID {
		t.Errorf("UnknownClient: %+v", *u.Auth)
	}
	sv, sw := base.With(WrongVerifier()), base.With(WrongVerifier())
	v, _ := sv.Get("code_verifier")
	w, _ := sw.Get("code_verifier")
	if v == verifier || v == w || len(v) != 43 || strings.Trim(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
		t.Errorf("WrongVerifier: %q, %q", v, w)
	}
	if base.Auth.Secret != secret {
		t.Error("a mutation changed the base spec")
	}
}

// TestFormatCapsEvidence: a huge body and many headers are cut in the
// printed evidence, which says how much was left out; the exchange keeps
// everything.
func TestFormatCapsEvidence(t *testing.T) {
	t.Parallel()
	body := []byte(strings.Repeat("é", MaxFormatBody)) // 2 bytes a rune: the cut must not split one
	var raw []HeaderLine
	h := http.Header{}
	for i := range 2000 {
		raw = append(raw, HeaderLine{fmt.Sprintf("X-H-%d", i), "v"})
		h.Add(fmt.Sprintf("X-H-%d", i), "v")
	}
	x := &Exchange{Request: Request{Method: "POST", URL: "https://op/token", Header: h},
		Response: &Response{Status: 200, Proto: "HTTP/1.1", Header: h, RawHeader: raw, Body: body}}
	out := x.Format()
	for _, want := range []string{fmt.Sprintf("[... %d more bytes]", len(body)-MaxFormatBody), fmt.Sprintf("[... %d more headers]", 2000-MaxFormatHeaders)} {
		if strings.Count(out, want) < 1 {
			t.Errorf("output lacks %q", want)
		}
	}
	if len(out) > 3*MaxFormatBody {
		t.Errorf("output is %d bytes", len(out))
	}
	if !strings.Contains(out, "é\n[...") {
		t.Error("the body was cut inside a rune")
	}
	if len(x.Response.Body) != len(body) {
		t.Error("Format changed the exchange")
	}
}

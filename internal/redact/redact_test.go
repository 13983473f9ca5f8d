package redact

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"sync"
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
		{"echoed basic in another header", r.Header("X-Echo", "Basic Y2xpOlMzY3IzdC1WYWx1ZS00Mg=="), "Basic [REDACTED]"},
		{"form", r.Query("grant_type=authorization_code&code=abc&code=def&client_secret=x&redirect_uri=https%3A%2F%2Fc"),
			"grant_type=authorization_code&code=%5BREDACTED%5D&code=%5BREDACTED%5D&client_secret=%5BREDACTED%5D&redirect_uri=https%3A%2F%2Fc"},
		{"url", r.URL("https://h/cb?code=abc&state=s"), "https://h/cb?code=%5BREDACTED%5D&state=s"},
		{"json", string(r.JSON([]byte(`{"access_token":"abc","expires_in":3600,"nested":{"id_token":"x.y.z","name":"Frode"},"list":[{"birthdate":"1966-12-18"}],"amr":["BankID"]}`))),
			`{"access_token":"[REDACTED] (3 chars)","expires_in":3600,"nested":{"id_token":"[REDACTED] (5 chars)","name":"[REDACTED] (5 chars)"},"list":[{"birthdate":"[REDACTED] (10 chars)"}],"amr":["BankID"]}`},
		{"json object secret", string(r.JSON([]byte(`{"name":{"given":"F"},"a":1}`))), `{"name":"[REDACTED]","a":1}`},
		{"not json", string(r.JSON([]byte(`{"broken": S3cr3t-Value-42`))), `{"broken": [REDACTED]`},
		{"overlapping forms mask as one", r.String("xS3cr3t-Value-42S3cr3t-Value-42y"), "x[REDACTED][REDACTED]y"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, tt.got, tt.want)
		}
	}
}

// TestEveryForm registers a secret with reserved characters and checks that
// each of its forms, embedded in text, is masked.
func TestEveryForm(t *testing.T) {
	t.Parallel()
	const secret = `s3cret:with/reserved+chars&=%<"'>`
	r := New()
	r.AddSecret(secret)
	basic := func(id string) string {
		return base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id) + ":" + url.QueryEscape(secret)))
	}
	jsonNoHTML := func(s string) string {
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.Encode(s)
		return strings.TrimSpace(b.String())
	}
	jsonHTML, _ := json.Marshal(secret)
	tests := map[string]string{
		"raw":                      secret,
		"query":                    url.QueryEscape(secret),
		"path":                     url.PathEscape(secret),
		"json html":                string(jsonHTML),
		"json":                     jsonNoHTML(secret),
		"base64":                   base64.StdEncoding.EncodeToString([]byte(secret)),
		"base64url raw":            base64.RawURLEncoding.EncodeToString([]byte(secret)),
		"basic, id of 1 byte":      basic("a"),
		"basic, id of 2 bytes":     basic("ab"),
		"basic, id of 3 bytes":     basic("abc"),
		"raw basic":                base64.StdEncoding.EncodeToString([]byte("cli:" + secret)),
		"json of the query":        jsonNoHTML("code=x&client_secret=" + url.QueryEscape(secret)),
		"html":                     strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(secret),
		"json inside html":         strings.NewReplacer("&", "&amp;", `"`, "&#34;").Replace(string(jsonHTML)),
		"lower-case percent hex":   strings.ToLower(url.QueryEscape(secret)),
		"base64 through html/tmpl": strings.NewReplacer("+", "&#43;", "=", "&#61;").Replace(basic("abc")),
	}
	for name, form := range tests {
		got := r.String("<<" + form + ">>")
		if strings.Contains(got, form) || !strings.Contains(got, Mask) {
			t.Errorf("%s: %q -> %q", name, form, got)
		}
	}
}

func TestNilRedactorReveals(t *testing.T) {
	t.Parallel()
	var r *Redactor
	r.AddSecret("xxxxxxxx")
	r.AddClient("id", "xxxxxxxx")
	if got := r.Header("Authorization", "Basic abc"); got != "Basic abc" {
		t.Errorf("nil Header = %q", got)
	}
	if got := string(r.JSON([]byte(`{"access_token":"a"}`))); !strings.Contains(got, `"a"`) {
		t.Errorf("nil JSON = %q", got)
	}
	if r.With("xxxxxxxx") != nil || r.String("xxxxxxxx") != "xxxxxxxx" {
		t.Error("a nil Redactor masked something")
	}
	err := errors.New("xxxxxxxx")
	if r.Error(err) != err {
		t.Error("nil Error wrapped")
	}
}

func TestShortSecretsIgnored(t *testing.T) {
	t.Parallel()
	r := New()
	r.AddSecret("abc")
	if got := r.String("abcd"); got != "abcd" {
		t.Errorf("a 3-byte secret masked text: %q", got)
	}
}

func TestWithMasksOwnValuesOnly(t *testing.T) {
	t.Parallel()
	r := New()
	r.AddClient("cli", "client-secret-1")
	local := r.With("exchange-code-1")
	if got := local.String("client-secret-1 exchange-code-1"); got != "[REDACTED] [REDACTED]" {
		t.Errorf("With: %q", got)
	}
	if got := r.String("exchange-code-1"); got != "exchange-code-1" {
		t.Errorf("With registered its value with the parent: %q", got)
	}
}

func TestLimitForgetsOldestButNotClients(t *testing.T) {
	t.Parallel()
	r := New()
	r.limit = 3
	r.AddClient("cli", "client-secret-1")
	r.AddSecret("value-number-1")
	r.String("") // index value-number-1 before it is evicted
	r.String("warm up the index")
	for i := 2; i <= 5; i++ {
		r.AddSecret(fmt.Sprintf("value-number-%d", i))
	}
	got := r.String("client-secret-1 value-number-1 value-number-2 value-number-3 value-number-5")
	if want := "[REDACTED] value-number-1 value-number-2 [REDACTED] [REDACTED]"; got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestAddClaims(t *testing.T) {
	t.Parallel()
	r := New("name", "birthdate", "address")
	r.AddClaims(map[string]json.RawMessage{
		"sub":       json.RawMessage(`"subject-1234"`),
		"name":      json.RawMessage(`"Frode Nilsen"`),
		"birthdate": json.RawMessage(`"1966-12-18"`),
		"address":   json.RawMessage(`{"street_address":"Storgata 1","postal_code":"0155"}`),
	})
	got := r.String("subject-1234 Frode Nilsen 1966-12-18 Storgata 1 0155")
	if want := "subject-1234 [REDACTED] [REDACTED] [REDACTED] [REDACTED]"; got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestError(t *testing.T) {
	t.Parallel()
	r := New()
	r.AddSecret("code-value-9")
	cause := io.ErrUnexpectedEOF
	err := r.Error(fmt.Errorf("reading code-value-9: %w", cause))
	if err.Error() != "reading [REDACTED]: unexpected EOF" || !errors.Is(err, cause) {
		t.Errorf("Error = %q, Is = %v", err, errors.Is(err, cause))
	}
	plain := errors.New("nothing here")
	if r.Error(plain) != plain {
		t.Error("an error without secrets was wrapped")
	}
}

func TestWalk(t *testing.T) {
	t.Parallel()
	type inner struct {
		Text   string
		Bytes  []byte
		hidden string
	}
	type result struct {
		Name     string
		Outcomes map[string]int64
		Inners   []inner
		Ptr      *inner
		Any      any
		Values   map[string]inner
	}
	r := New()
	r.AddSecret("secret-code-1", "secret-code-2")
	res := &result{
		Name:     "run secret-code-1",
		Outcomes: map[string]int64{"secret-code-1": 2, "secret-code-2": 3, "ok": 5},
		Inners:   []inner{{Text: "a secret-code-2", Bytes: []byte("b secret-code-1"), hidden: "secret-code-1"}},
		Ptr:      &inner{Text: "secret-code-2"},
		Any:      inner{Text: "secret-code-1"},
		Values:   map[string]inner{"k": {Text: "secret-code-2"}},
	}
	r.Walk(res)
	want := &result{
		Name:     "run [REDACTED]",
		Outcomes: map[string]int64{"[REDACTED]": 5, "ok": 5},
		Inners:   []inner{{Text: "a [REDACTED]", Bytes: []byte("b [REDACTED]"), hidden: "secret-code-1"}},
		Ptr:      &inner{Text: "[REDACTED]"},
		Any:      inner{Text: "[REDACTED]"},
		Values:   map[string]inner{"k": {Text: "[REDACTED]"}},
	}
	gotPtr, wantPtr := *res.Ptr, *want.Ptr
	res.Ptr, want.Ptr = nil, nil
	if g, w := fmt.Sprintf("%+v %+v", *res, gotPtr), fmt.Sprintf("%+v %+v", *want, wantPtr); g != w {
		t.Errorf("Walk:\n got %s\nwant %s", g, w)
	}
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	r := New()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 200 {
				v := fmt.Sprintf("value-%d-%d", i, j)
				r.AddSecret(v)
				if got := r.String("x " + v); got != "x [REDACTED]" {
					t.Errorf("%s: %q", v, got)
					return
				}
			}
		}()
	}
	wg.Wait()
}

package browser

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func TestStepsYAML(t *testing.T) {
	src := `
- wait: "#user"
- fill: {"#user": "env:LOGIN_USER", "#b": "literal", "#a": ""}
- click: "button[type=submit]"
- frame: "iframe#bankid"
- top: true
- sleep: 250ms
- expect_url: "https://login.example/*"
- timeout: 1m
`
	var got []Step
	if err := yaml.Unmarshal([]byte(src), &got); err != nil {
		t.Fatal(err)
	}
	want := []Step{
		{Kind: Wait, Selector: "#user"},
		{Kind: Fill, Fields: []Field{{"#user", "env:LOGIN_USER"}, {"#b", "literal"}, {"#a", ""}}}, // the file's order
		{Kind: Click, Selector: "button[type=submit]"},
		{Kind: Frame, Selector: "iframe#bankid"},
		{Kind: Top},
		{Kind: Sleep, Duration: 250 * time.Millisecond},
		{Kind: ExpectURL, Pattern: "https://login.example/*"},
		{Kind: Timeout, Duration: time.Minute},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d steps, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i].String() != want[i].String() || len(got[i].Fields) != len(want[i].Fields) {
			t.Errorf("step %d: got %+v, want %+v", i+1, got[i], want[i])
		}
		for j, f := range want[i].Fields {
			if got[i].Fields[j] != f {
				t.Errorf("step %d field %d: got %+v, want %+v", i+1, j, got[i].Fields[j], f)
			}
		}
	}
	if err := Validate(got); err != nil {
		t.Errorf("Validate: %v", err)
	}
	// Marshalled and read back, the steps are the same.
	out, err := yaml.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	var again []Step
	if err := yaml.Unmarshal(out, &again); err != nil {
		t.Fatalf("%v in\n%s", err, out)
	}
	for i := range got {
		if again[i].String() != got[i].String() {
			t.Errorf("round trip of step %d: %v, want %v", i+1, again[i], got[i])
		}
	}
	if s := got[1].String(); strings.Contains(s, "env:") || strings.Contains(s, "literal") {
		t.Errorf("String shows a value: %s", s)
	}
}

func TestStepsYAMLErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{`[{wait: "#a", click: "#b"}]`, "a step is a mapping with one key"},
		{`["#a"]`, "a step is a mapping with one key"},
		{`[{press: "#a"}]`, `"press" is not a step; steps are wait, fill, click, frame, top, sleep, expect_url, timeout`},
		{`[{wait: ""}]`, "step wait: wants a non-empty string"},
		{`[{click: {a: b}}]`, "step click: wants a non-empty string"},
		{`[{sleep: 5}]`, `step sleep: "5" is not a positive duration`},
		{`[{timeout: -1s}]`, `step timeout: "-1s" is not a positive duration`},
		{`[{top: false}]`, "step top: wants true"},
		{`[{fill: "#a"}]`, "step fill: wants a mapping of CSS selector to value"},
		{`[{fill: {"#a": [1]}}]`, "step fill: wants a mapping of CSS selector to value"},
	}
	for _, tt := range tests {
		var got []Step
		err := yaml.Unmarshal([]byte(tt.src), &got)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want %q", tt.src, err, tt.want)
		}
	}
	if err := Validate(nil); err == nil || !strings.Contains(err.Error(), "no steps") {
		t.Errorf("Validate(nil) = %v", err)
	}
	if err := Validate([]Step{{Kind: Wait}, {Kind: Fill}, {Kind: "press"}}); err == nil ||
		!strings.Contains(err.Error(), "step 1 (wait): the selector is empty") ||
		!strings.Contains(err.Error(), "step 2 (fill): no field to fill") ||
		!strings.Contains(err.Error(), "step 3 (press): unknown step") {
		t.Errorf("Validate = %v", err)
	}
}

func TestMatchURL(t *testing.T) {
	tests := []struct {
		pattern, u string
		want       bool
	}{
		{"https://a/b", "https://a/b", true},
		{"https://a/b", "https://a/b?x", false},
		{"https://a/*", "https://a/b?c=d", true},
		{"*", "anything", true},
		{"https://*/login*", "https://idp.example/login?x=1", true},
		{"https://*/login*", "https://idp.example/logout", false},
		{"*/cb", "https://a/cb", true},
		{"a*b*b", "ab", false}, // the parts may not overlap
		{"a*b*b", "abb", true},
		{"a*b*c", "axbyc", true},
		{"a*b*c", "axcyb", false},
	}
	for _, tt := range tests {
		if got := matchURL(tt.pattern, tt.u); got != tt.want {
			t.Errorf("matchURL(%q, %q) = %v, want %v", tt.pattern, tt.u, got, tt.want)
		}
	}
}

func TestStopPattern(t *testing.T) {
	tests := []struct{ stop, want string }{
		{"http://127.0.0.1:9/callback", "http://127.0.0.1:9/callback*"},
		{"HTTPS://Client.Example:443/cb?x=1", "https://client.example/cb*"},
		{"http://localhost", "http://localhost/*"},
		{"http://[::1]:8080/a*b?", `http://[::1]:8080/a\*b*`},
		{"http://h/a%3Fb", `http://h/a%3Fb*`},
	}
	for _, tt := range tests {
		u, _ := url.Parse(tt.stop)
		if got := stopPattern(u); got != tt.want {
			t.Errorf("stopPattern(%q) = %q, want %q", tt.stop, got, tt.want)
		}
	}
	a, _ := url.Parse("http://LOCALHOST:80/cb?code=x")
	b, _ := url.Parse("http://localhost/cb")
	c, _ := url.Parse("http://localhost/cb2")
	if !sameURL(a, b) || sameURL(b, c) {
		t.Errorf("sameURL: %v %v", sameURL(a, b), sameURL(b, c))
	}
}

func TestWalkBound(t *testing.T) {
	w := Walk{StepTimeout: 10 * time.Second, Steps: []Step{
		{Kind: Wait, Selector: "a"},               // 10s
		{Kind: Sleep, Duration: 3 * time.Second},  // 3s
		{Kind: Timeout, Duration: time.Minute},    // 0
		{Kind: Click, Selector: "b"},              // 1m
		{Kind: Fill, Fields: []Field{{"c", "v"}}}, // 1m
	}}
	// open 10s + margin 10s + steps + the final wait at 1m
	if got, want := w.bound(), 10*time.Second+10*time.Second+10*time.Second+3*time.Second+2*time.Minute+time.Minute; got != want {
		t.Errorf("bound = %s, want %s", got, want)
	}
}

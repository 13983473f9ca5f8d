package format

import (
	"strings"
	"testing"
)

func TestTextEscapes(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want string }{
		{"invalid_grant", "invalid_grant"},
		{"Bearer réalm ✓", "Bearer réalm ✓"},
		{"\x1b[31mred\x1b[0m", `\x1b[31mred\x1b[0m`},
		{"a\r\nb\tc\a", `a\r\nb\tc\x07`},
		{"\x1b]8;;https://evil\x07click\x1b]8;;\x07", `\x1b]8;;https://evil\x07click\x1b]8;;\x07`},
		{"c1 \u0085 \u009b2J", `c1 \u0085 \u009b2J`},
		{"bidi \u202egnp.exe", `bidi \u202egnp.exe`},
		{"zero\u200bwidth\u00a0nbsp", `zero\u200bwidth\u00a0nbsp`},
		{"bad \xff\xfe utf-8", `bad \xff\xfe utf-8`},
		{"::error file=x::pwned", `\x3a:error file=x::pwned`},
		{"  ::add-mask::x", `  \x3a:add-mask::x`},
		{"##vso[task.setvariable variable=x]1", `\x23#vso[task.setvariable variable=x]1`},
		{"##[group]x", `\x23#[group]x`},
		{"##teamcity[buildStatus text='x']", `\x23#teamcity[buildStatus text='x']`},
		{"## a Markdown heading", "## a Markdown heading"},
		{"invalid ##VSO[task.complete result=Succeeded] ##vso[x]", `invalid \x23#VSO[task.complete result=Succeeded] \x23#vso[x]`},
		{"\n::error::x", `\n::error::x`}, // escaped LF: the command is no longer at a line start
		{"a ::error::x", "a ::error::x"},
	} {
		if got := Text(tt.in); got != tt.want {
			t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestLines(t *testing.T) {
	t.Parallel()
	in := "HTTP/1.1 400 Bad Request\r\nX-Evil: \x1b[2J\r\n\r\n{\"error\":\"x\"}\n::error::injected\n  ##vso[task.complete result=Succeeded]\nend\r"
	want := "HTTP/1.1 400 Bad Request\nX-Evil: \\x1b[2J\n\n{\"error\":\"x\"}\n\\x3a:error::injected\n  \\x23#vso[task.complete result=Succeeded]\nend\\r"
	if got := Lines(in); got != want {
		t.Errorf("Lines = %q, want %q", got, want)
	}
	for _, line := range strings.Split(Lines(in), "\n") {
		if commandStart(line) || strings.ContainsAny(line, "\x1b\r\a") {
			t.Errorf("line %q can act", line)
		}
	}
}

func TestMarkdownEscapes(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ got, want string }{
		{MDCell("[click](https://evil.example/x)"), `\[click\](https:` + zwsp + `//evil.example/x)`},
		{MDCell("![img](http://evil.example/i.png)"), `!\[img\](http:` + zwsp + `//evil.example/i.png)`},
		{MDCell("<https://evil.example>"), "&lt;https:" + zwsp + "//evil.example&gt;"},
		{MDCell("see www.evil.example or WWW.x.y"), "see www" + zwsp + ".evil.example or WWW" + zwsp + ".x.y"},
		{MDCell("mail admin@evil.example, ping @octocat"), "mail admin@" + zwsp + "evil.example, ping @" + zwsp + "octocat"},
		{MDCell("10s@100,10s@200"), "10s@100,10s@200"},
		{MDCell("[ref]: https://evil"), `\[ref\]: https:` + zwsp + "//evil"},
		{MDCell("a\x1b[31mb\x07"), `a\\x1b\[31mb\\x07`},
		{MDCell("`code` *bold* ~strike~ a|b"), "\\`code\\` \\*bold\\* \\~strike\\~ a\\|b"},
		{MDCell("_em_ invalid_grant"), `\_em\_ invalid_grant`},
		{MDCell("# heading"), `\# heading`},
		{MDCell("::error::x"), `\::error::x`},
		{MDCell("two\nlines\r\n::error::x"), "two lines ::error::x"},
		{MDCell("&lt;script&gt; <script>"), "&amp;lt;script&amp;gt; &lt;script&gt;"},
		{MDCode("a`b\x1b|c"), `a'b\x1b\|c`},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

// TestLinesWriter: a stream cut anywhere comes out as Lines writes it whole.
func TestLinesWriter(t *testing.T) {
	t.Parallel()
	in := "• [FAILED] provider said \x1b[31mno\x1b[0m\n::error::injected\n  ##vso[x]\n: not a command\n#1 ✓ é done\r\nmid ##vso[y] ## end #\n"
	want := Lines(in)
	for size := 1; size <= len(in); size++ {
		var out strings.Builder
		w := NewLinesWriter(&out)
		for i := 0; i < len(in); i += size {
			w.Write([]byte(in[i:min(i+size, len(in))]))
		}
		w.Flush()
		if out.String() != want {
			t.Fatalf("cut every %d bytes: %q, want %q", size, out.String(), want)
		}
	}
	// a progress dot is written at once, not held for the line's end
	var out strings.Builder
	w := NewLinesWriter(&out)
	w.Write([]byte("•"))
	if out.String() != "•" {
		t.Errorf("a progress dot was held back: %q", out.String())
	}
}

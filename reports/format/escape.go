package format

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Provider text (error codes and descriptions, header values, member
// names, claim values, token_type) is data: printed, it must not act. Each
// kind of output has one function here that makes text safe in it:
//
//   - Text (one line) and Lines (several) for a terminal and a CI log;
//   - MDCell, MDInline and MDCode for Markdown (markdown.go);
//   - HTML is escaped by html/template, and the pages' Content-Security-
//     Policy allows no script and no remote load (reports' layout).

// Text makes s safe as part of one line on a terminal and in a CI log.
// Every control character (C0 and DEL: ESC, CR, LF, BEL, ...; C1), every
// other character that is not printable (format and bidi controls,
// zero-width and non-ASCII spaces, line and paragraph separators) and every
// byte that is not UTF-8 is written as an escape (\n, \r, \t, \xHH,
// \uHHHH), so the text can neither move the cursor, change colours, set a
// title or a link, ring a bell nor end the line. A value that begins, after
// spaces, like a CI log command (GitHub's ::command, Azure Pipelines' ##vso[
// and ##[) has that first character escaped, so that it cannot become one
// where it starts a line.
func Text(s string) string {
	if safeText(s) && !commandStart(s) && !hasAnywhereCommand(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	writeEscaped(&b, s)
	return neutralizeAnywhere(neutralizeCommand(b.String()))
}

// Lines is Text for text of several lines (a body, a failure message):
// each line is escaped by Text and kept on its own line; a line ending in
// CR LF keeps its line end without the CR. No line can start a CI log
// command.
func Lines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if i < len(lines)-1 {
			l = strings.TrimSuffix(l, "\r")
		}
		lines[i] = Text(l)
	}
	return strings.Join(lines, "\n")
}

// safeText reports whether s has nothing Text escapes.
func safeText(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == 0x7f {
			return false
		}
		if c >= utf8.RuneSelf {
			return safeUnicode(s[i:])
		}
	}
	return true
}

func safeUnicode(s string) bool {
	for _, r := range s {
		if r == utf8.RuneError || (r != ' ' && !unicode.IsPrint(r)) {
			return false
		}
	}
	return utf8.ValidString(s)
}

// writeEscaped writes s with every character Text escapes escaped.
func writeEscaped(b *strings.Builder, s string) {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(b, `\x%02x`, s[i])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(b, `\x%02x`, r)
		case r != ' ' && !unicode.IsPrint(r):
			fmt.Fprintf(b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
}

// commandPrefixes start a CI log command at the start of a line (after
// spaces): GitHub Actions' workflow commands (::error ...), Azure
// Pipelines' formatting and logging commands (##[group], ##vso[...]) and
// TeamCity's service messages (##teamcity[...]). A Markdown heading
// ("## Results") is none of them.
var commandPrefixes = []string{"::", "##[", "##vso[", "##teamcity["}

// anywhereCommand is a CI log command found anywhere in a line: Azure
// Pipelines' agent looks for ##vso[ in the whole line.
const anywhereCommand = "##vso["

// commandStart reports whether s, after spaces, starts like a CI log
// command.
func commandStart(s string) bool {
	t := strings.TrimLeft(s, " ")
	for _, p := range commandPrefixes {
		if len(t) >= len(p) && strings.EqualFold(t[:len(p)], p) {
			return true
		}
	}
	return false
}

func hasAnywhereCommand(s string) bool {
	return strings.Contains(strings.ToLower(s), anywhereCommand)
}

// neutralizeAnywhere escapes the first character of every ##vso[ in s.
func neutralizeAnywhere(s string) string {
	if !hasAnywhereCommand(s) {
		return s
	}
	var b strings.Builder
	lower := strings.ToLower(s)
	for {
		i := strings.Index(lower, anywhereCommand)
		if i < 0 {
			break
		}
		b.WriteString(s[:i] + `\x23`)
		s, lower = s[i+1:], lower[i+1:]
	}
	b.WriteString(s)
	return b.String()
}

// neutralizeCommand escapes the first character of a CI log command at
// the start of s.
func neutralizeCommand(s string) string {
	if !commandStart(s) {
		return s
	}
	lead := len(s) - len(strings.TrimLeft(s, " "))
	return s[:lead] + fmt.Sprintf(`\x%02x`, s[lead]) + s[lead+1:]
}

// LinesWriter is Lines for a stream (Ginkgo's console output): what is
// written through it reaches w escaped as Lines escapes it, whatever way
// the stream is cut into writes. Safe for concurrent use.
type LinesWriter struct {
	mu      sync.Mutex
	w       io.Writer
	pending []byte // the start of a line not yet known to be safe, or an incomplete character
	started bool   // part of the current line is written
}

// NewLinesWriter returns a LinesWriter writing to w.
func NewLinesWriter(w io.Writer) *LinesWriter { return &LinesWriter{w: w} }

// Write escapes p and writes what of it is decided to the underlying
// writer; it reports len(p) written unless that writer fails.
func (lw *LinesWriter) Write(p []byte) (int, error) {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	lw.pending = append(lw.pending, p...)
	var out strings.Builder
	for {
		i := bytes.IndexByte(lw.pending, '\n')
		if i < 0 {
			break
		}
		lw.emit(&out, strings.TrimSuffix(string(lw.pending[:i]), "\r"))
		out.WriteByte('\n')
		lw.pending, lw.started = lw.pending[i+1:], false
	}
	// the rest of the line: written once its start is decided, but for a
	// character cut in two
	keep := max(incompleteTail(lw.pending), partialCommand(lw.pending))
	if keep == 0 && len(lw.pending) > 0 && lw.pending[len(lw.pending)-1] == '\r' {
		keep = 1 // a CR that may end the line
	}
	head := string(lw.pending[:len(lw.pending)-keep])
	if lw.started || decided(head) {
		lw.emit(&out, head)
		lw.started = head != "" || lw.started
		lw.pending = append(lw.pending[:0], lw.pending[len(lw.pending)-keep:]...)
	}
	if _, err := io.WriteString(lw.w, out.String()); err != nil {
		return 0, err
	}
	return len(p), nil
}

// WriteLines runs write with a LinesWriter to w, and flushes it: what
// write writes reaches w escaped for a terminal and a CI log.
func WriteLines(w io.Writer, write func(io.Writer) error) error {
	lw := NewLinesWriter(w)
	err := write(lw)
	if ferr := lw.Flush(); err == nil {
		err = ferr
	}
	return err
}

// Flush writes what is pending (at the end of the stream).
func (lw *LinesWriter) Flush() error {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	var out strings.Builder
	lw.emit(&out, string(lw.pending))
	lw.pending, lw.started = lw.pending[:0], false
	_, err := io.WriteString(lw.w, out.String())
	return err
}

// emit writes part of a line: escaped, its start neutralized when it
// starts the line.
func (lw *LinesWriter) emit(out *strings.Builder, s string) {
	if lw.started {
		if safeText(s) && !hasAnywhereCommand(s) {
			out.WriteString(s)
			return
		}
		var b strings.Builder
		writeEscaped(&b, s)
		out.WriteString(neutralizeAnywhere(b.String()))
		return
	}
	out.WriteString(Text(s))
}

// partialCommand is how many bytes at the end of b may be the start of a
// ##vso[ that the next write completes.
func partialCommand(b []byte) int {
	for n := min(len(anywhereCommand)-1, len(b)); n > 0; n-- {
		if strings.EqualFold(string(b[len(b)-n:]), anywhereCommand[:n]) {
			return n
		}
	}
	return 0
}

// decided reports whether the start of a line is long enough to tell
// whether it starts a CI log command.
func decided(s string) bool {
	t := strings.TrimLeft(s, " ")
	if t == "" {
		return false
	}
	for _, p := range commandPrefixes {
		if n := min(len(t), len(p)); strings.EqualFold(t[:n], p[:n]) && len(t) < len(p) {
			return false // could still become p
		}
	}
	return true
}

// incompleteTail is how many bytes at the end of b are the start of a
// UTF-8 character that is not complete yet.
func incompleteTail(b []byte) int {
	for n := 1; n <= 3 && n <= len(b); n++ {
		c := b[len(b)-n]
		if c < utf8.RuneSelf {
			return 0
		}
		if utf8.RuneStart(c) {
			if !utf8.FullRune(b[len(b)-n:]) {
				return n
			}
			return 0
		}
	}
	return 0
}

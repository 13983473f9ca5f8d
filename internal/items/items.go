// Package items splits the comma-separated expressions of the command line
// (--stages, --slo) into items, and names the item that does not parse.
package items

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Item is one item of an expression.
type Item struct {
	Text   string // trimmed
	Index  int    // 1-based
	Column int    // 1-based, in characters, where the item starts in the expression
}

// Split splits a comma-separated expression into trimmed items.
func Split(expr string) []Item {
	var out []Item
	off := 0
	for part := range strings.SplitSeq(expr, ",") {
		lead := len(part) - len(strings.TrimLeft(part, " \t"))
		out = append(out, Item{Text: strings.TrimSpace(part), Index: len(out) + 1, Column: utf8.RuneCountInString(expr[:off+lead]) + 1})
		off += len(part) + 1
	}
	return out
}

// Error is an item of an expression that does not parse, or an expression
// that is wrong as a whole (Index 0).
type Error struct {
	What   string // the expression's name: "stages", "slo"
	Item   string // the item as written
	Index  int    // 1-based; 0 when the whole expression is at fault
	Column int
	Reason string
	Want   string // the expected form
}

// At is the error of item it.
func At(what string, it Item, reason, want string) *Error {
	return &Error{What: what, Item: it.Text, Index: it.Index, Column: it.Column, Reason: reason, Want: want}
}

func (e *Error) Error() string {
	if e.Index == 0 {
		return fmt.Sprintf("%s: %s; want %s", e.What, e.Reason, e.Want)
	}
	return fmt.Sprintf("%s item %d %q at column %d: %s; want %s", e.What, e.Index, e.Item, e.Column, e.Reason, e.Want)
}

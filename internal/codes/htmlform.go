package codes

import (
	"bytes"
	"cmp"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// htmlPage is what the form source reads from an HTML page: its title, the
// base URL its relative URLs resolve against, its forms and an excerpt of
// its visible text (for error messages).
type htmlPage struct {
	url   *url.URL // where the page was fetched
	base  *url.URL // <base href> resolved against url, else url
	title string
	forms []*htmlForm
	text  string
}

// htmlForm is one <form> and its controls in tree order.
type htmlForm struct {
	index    int // 1-based position on the page
	id       string
	action   string // the attribute as written; "" means the page itself
	method   string // get, post or dialog (lower case; default get)
	enctype  string // lower case; default application/x-www-form-urlencoded
	controls []*formControl
}

// formControl is an input, button, select or textarea of a form.
type formControl struct {
	tag      atom.Atom // atom.Input, atom.Button, atom.Select, atom.Textarea
	typ      string    // lower case: the input's type (default text), the button's (default submit); "select", "textarea"
	name     string
	value    string // the value attribute (input, button) or the text (textarea)
	label    string // a button's text, for error messages
	checked  bool   // checkbox and radio
	disabled bool
	required bool
	options  []selectOption // select

	// Submitter overrides (formaction, formmethod, formenctype).
	formAction, formMethod, formEnctype *string
}

type selectOption struct {
	value    string
	selected bool
	disabled bool
}

const (
	enctypeURLEncoded = "application/x-www-form-urlencoded"
	enctypeMultipart  = "multipart/form-data"
)

// pageTitle returns an HTML page's title, whitespace collapsed, at most 80
// characters, or "".
func pageTitle(body []byte) string {
	doc, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		return ""
	}
	return titleOf(doc)
}

func titleOf(doc *html.Node) string {
	for n := range doc.Descendants() {
		if n.Type == html.ElementNode && n.DataAtom == atom.Title && n.Namespace == "" {
			return excerpt([]byte(textOf(n)), 80)
		}
	}
	return ""
}

// parsePage parses an HTML page fetched from u.
func parsePage(body []byte, u *url.URL) (*htmlPage, error) {
	doc, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	p := &htmlPage{url: u, base: u, title: titleOf(doc)}
	var text strings.Builder
	byID := map[string]*htmlForm{}
	type pending struct {
		c      *formControl
		formID string
	}
	var owned []pending // controls with a form attribute, resolved at the end
	var walk func(n *html.Node, form *htmlForm, disabled bool)
	walk = func(n *html.Node, form *htmlForm, disabled bool) {
		switch n.Type {
		case html.TextNode:
			if text.Len() < 2048 {
				text.WriteString(n.Data)
				text.WriteByte(' ')
			}
			return
		case html.ElementNode, html.DocumentNode:
		default:
			return
		}
		if n.Type == html.ElementNode && n.Namespace == "" {
			switch n.DataAtom {
			case atom.Script, atom.Style, atom.Template, atom.Noscript, atom.Title:
				return // not visible, or (template) not part of the document
			case atom.Base:
				if href, ok := attr(n, "href"); ok && p.base == u {
					if b, err := u.Parse(strings.TrimSpace(href)); err == nil {
						p.base = b
					}
				}
			case atom.Form:
				f := &htmlForm{index: len(p.forms) + 1, method: "get", enctype: enctypeURLEncoded}
				f.id, _ = attr(n, "id")
				f.action, _ = attr(n, "action")
				f.action = strings.TrimSpace(f.action)
				if m, ok := attr(n, "method"); ok {
					f.method = strings.ToLower(strings.TrimSpace(m))
				}
				if e, ok := attr(n, "enctype"); ok {
					f.enctype = strings.ToLower(strings.TrimSpace(e))
				}
				p.forms = append(p.forms, f)
				if f.id != "" && byID[f.id] == nil {
					byID[f.id] = f
				}
				form = f
			case atom.Fieldset:
				if _, ok := attr(n, "disabled"); ok {
					disabled = true
				}
			case atom.Input, atom.Button, atom.Select, atom.Textarea:
				c := newControl(n, disabled)
				if id, ok := attr(n, "form"); ok {
					owned = append(owned, pending{c, id})
				} else if form != nil {
					form.controls = append(form.controls, c)
				}
				if n.DataAtom != atom.Select {
					return // a textarea's text is its value, not page text
				}
			}
		}
		for ch := range n.ChildNodes() {
			walk(ch, form, disabled)
		}
	}
	walk(doc, nil, false)
	for _, o := range owned {
		if f := byID[o.formID]; f != nil {
			f.controls = append(f.controls, o.c)
		}
	}
	// Controls that name their form by id join it at the end rather than in
	// tree order; good enough for the entry list, whose order servers ignore.
	p.text = excerpt([]byte(text.String()), 200)
	return p, nil
}

func newControl(n *html.Node, disabled bool) *formControl {
	c := &formControl{tag: n.DataAtom}
	c.name, _ = attr(n, "name")
	_, c.disabled = attr(n, "disabled")
	c.disabled = c.disabled || disabled
	_, c.required = attr(n, "required")
	switch n.DataAtom {
	case atom.Input:
		c.typ = "text"
		if t, ok := attr(n, "type"); ok && strings.TrimSpace(t) != "" {
			c.typ = strings.ToLower(strings.TrimSpace(t))
		}
		c.value, _ = attr(n, "value")
		_, c.checked = attr(n, "checked")
		if (c.typ == "checkbox" || c.typ == "radio") && !hasAttr(n, "value") {
			c.value = "on"
		}
	case atom.Button:
		c.typ = "submit"
		if t, ok := attr(n, "type"); ok {
			switch t := strings.ToLower(strings.TrimSpace(t)); t {
			case "reset", "button":
				c.typ = t
			}
		}
		c.value, _ = attr(n, "value")
		c.label = strings.Join(strings.Fields(textOf(n)), " ")
	case atom.Textarea:
		c.typ = "textarea"
		c.value = textOf(n)
		// HTML drops one newline right after <textarea>; the parser does too.
	case atom.Select:
		c.typ = "select"
		for o := range n.Descendants() {
			if o.Type != html.ElementNode || o.DataAtom != atom.Option {
				continue
			}
			opt := selectOption{}
			if v, ok := attr(o, "value"); ok {
				opt.value = v
			} else {
				opt.value = strings.Join(strings.Fields(textOf(o)), " ")
			}
			_, opt.selected = attr(o, "selected")
			_, opt.disabled = attr(o, "disabled")
			c.options = append(c.options, opt)
		}
		if _, multiple := attr(n, "multiple"); !multiple {
			// A single select shows one option: the last one marked selected,
			// else the first enabled one.
			sel := -1
			for i, o := range c.options {
				if o.selected {
					sel = i
				}
				c.options[i].selected = false
			}
			if sel < 0 {
				sel = slices.IndexFunc(c.options, func(o selectOption) bool { return !o.disabled })
			}
			if sel >= 0 {
				c.options[sel].selected = true
			}
		}
	}
	for _, k := range []string{"formaction", "formmethod", "formenctype"} {
		if v, ok := attr(n, k); ok {
			v = strings.TrimSpace(v)
			switch k {
			case "formaction":
				c.formAction = &v
			case "formmethod":
				v = strings.ToLower(v)
				c.formMethod = &v
			case "formenctype":
				v = strings.ToLower(v)
				c.formEnctype = &v
			}
		}
	}
	return c
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func hasAttr(n *html.Node, key string) bool { _, ok := attr(n, key); return ok }

// textOf returns the text inside n.
func textOf(n *html.Node) string {
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
		}
	}
	return b.String()
}

// isSubmit reports whether c is a submit button.
func (c *formControl) isSubmit() bool {
	return c.typ == "submit" || (c.tag == atom.Input && c.typ == "image")
}

// fillable reports whether c takes a typed value: a text-like input, a
// password, a textarea.
func (c *formControl) fillable() bool {
	if c.tag == atom.Textarea {
		return true
	}
	if c.tag != atom.Input {
		return false
	}
	switch c.typ {
	case "hidden", "checkbox", "radio", "submit", "image", "reset", "button", "file":
		return false
	}
	return true
}

// describe names c for an error message: name (type).
func (c *formControl) describe() string {
	name := c.name
	if name == "" {
		name = "(no name)"
	}
	switch {
	case c.isSubmit() && cmp.Or(c.label, c.value) != "":
		return fmt.Sprintf("%s (%s %q)", name, c.typ, excerpt([]byte(cmp.Or(c.label, c.value)), 40))
	case c.disabled:
		return fmt.Sprintf("%s (%s, disabled)", name, c.typ)
	}
	return fmt.Sprintf("%s (%s)", name, c.typ)
}

package codes

import (
	"bytes"
	"errors"
	"fmt"
	"mime/multipart"
	"net/url"
	"slices"
	"strings"

	"golang.org/x/net/html/atom"
)

// Choosing the login form and filling it as a browser would submit it.
//
// https://html.spec.whatwg.org/multipage/form-control-infrastructure.html#form-submission-algorithm

// hasPassword reports whether the form has a password input.
func (f *htmlForm) hasPassword() bool {
	return slices.ContainsFunc(f.controls, func(c *formControl) bool { return c.tag == atom.Input && c.typ == "password" })
}

// matches counts the distinct configured field names the form has.
func (f *htmlForm) matches(values map[string]string) int {
	seen := map[string]bool{}
	for _, c := range f.controls {
		if _, ok := values[c.name]; ok && c.name != "" && !c.isSubmit() {
			seen[c.name] = true
		}
	}
	return len(seen)
}

// fieldList describes the form's controls: "id (hidden), login (text), …".
func (f *htmlForm) fieldList() string {
	if len(f.controls) == 0 {
		return "no fields"
	}
	parts := make([]string, 0, len(f.controls))
	for _, c := range f.controls {
		parts = append(parts, c.describe())
	}
	return strings.Join(parts, ", ")
}

// describe names the form for an error message.
func (f *htmlForm) describe() string {
	s := fmt.Sprintf("form #%d", f.index)
	if f.id != "" {
		s += fmt.Sprintf(" (id %q)", f.id)
	}
	return s
}

// chooseForm picks the form to submit: the one with a password field (the
// one matching most configured names when several have one), else the one
// matching most configured names, else the only form.
func chooseForm(forms []*htmlForm, values map[string]string) (*htmlForm, error) {
	if len(forms) == 0 {
		return nil, errors.New("the page has no form")
	}
	best := func(ok func(*htmlForm) bool) *htmlForm {
		var b *htmlForm
		for _, f := range forms {
			if ok(f) && (b == nil || f.matches(values) > b.matches(values)) {
				b = f
			}
		}
		return b
	}
	if f := best((*htmlForm).hasPassword); f != nil {
		return f, nil
	}
	if f := best(func(f *htmlForm) bool { return f.matches(values) > 0 }); f != nil {
		return f, nil
	}
	if len(forms) == 1 {
		return forms[0], nil
	}
	list := make([]string, 0, len(forms))
	for _, f := range forms {
		list = append(list, fmt.Sprintf("%s: %s", f.describe(), f.fieldList()))
	}
	return nil, fmt.Errorf("the page has %d forms, none with a password field or a configured field: %s", len(forms), strings.Join(list, "; "))
}

// submitSpec is FormConfig.Submit parsed: a name, and a value when given as
// name=value.
type submitSpec struct {
	name, value string
	hasValue    bool
}

func parseSubmit(s string) (submitSpec, error) {
	if s == "" {
		return submitSpec{}, nil
	}
	name, value, has := strings.Cut(s, "=")
	if name == "" {
		return submitSpec{}, fmt.Errorf("%q has no name (want name or name=value)", s)
	}
	return submitSpec{name: name, value: value, hasValue: has}, nil
}

// submitter picks the submit control to press: the one spec names when the
// form has it, else the first (the form's default button, as pressing Enter
// would). nil when the form has no enabled submit control.
func (f *htmlForm) submitter(spec submitSpec) *formControl {
	var first *formControl
	for _, c := range f.controls {
		if !c.isSubmit() || c.disabled {
			continue
		}
		if spec.name != "" && c.name == spec.name && (!spec.hasValue || c.value == spec.value) {
			return c
		}
		if first == nil {
			first = c
		}
	}
	return first
}

// formEntry is one name/value pair of a form submission.
type formEntry struct{ name, value string }

// submission is a filled form, ready to send.
type submission struct {
	method  string // GET or POST
	action  *url.URL
	enctype string
	entries []formEntry
}

// unfilledError is a form with required fields that no configured value
// fills.
type unfilledError struct{ names []string }

func (e *unfilledError) Error() string {
	return fmt.Sprintf("no configured value for %s", strings.Join(e.names, ", "))
}

// fill builds the submission of f as a browser would (the HTML "constructing
// the entry list" algorithm) after the user typed the configured values:
// configured values replace the controls' own (hidden ones included), other
// controls keep theirs, checkboxes and radios count when checked, and only
// the chosen submit button is sent. Required fields left empty are an
// *unfilledError naming them; a password field and, in a form with one,
// every empty text field count as required.
//
// https://html.spec.whatwg.org/multipage/form-control-infrastructure.html#constructing-the-form-data-set
func (f *htmlForm) fill(p *htmlPage, values map[string]string, spec submitSpec) (*submission, error) {
	sub := f.submitter(spec)
	method, action, enctype := f.method, f.action, f.enctype
	if sub != nil {
		if sub.formMethod != nil {
			method = *sub.formMethod
		}
		if sub.formAction != nil {
			action = *sub.formAction
		}
		if sub.formEnctype != nil {
			enctype = *sub.formEnctype
		}
	}
	s := &submission{}
	switch method {
	case "post":
		s.method = "POST"
	case "get", "":
		s.method = "GET"
	default:
		return nil, fmt.Errorf("method %q is not get or post", method)
	}
	switch enctype {
	case enctypeURLEncoded, enctypeMultipart:
		s.enctype = enctype
	case "":
		s.enctype = enctypeURLEncoded
	default:
		return nil, fmt.Errorf("enctype %q is not supported (only %s and %s)", enctype, enctypeURLEncoded, enctypeMultipart)
	}
	if s.method == "GET" {
		s.enctype = enctypeURLEncoded
	}
	var err error
	if s.action, err = p.base.Parse(action); err != nil {
		return nil, fmt.Errorf("action %q is not a URL", action)
	}
	s.action.Fragment, s.action.RawFragment = "", ""
	if s.action.Scheme != "http" && s.action.Scheme != "https" {
		return nil, fmt.Errorf("action %q is not an http(s) URL", action)
	}

	password := f.hasPassword()
	var missing []string
	add := func(name, value string) { s.entries = append(s.entries, formEntry{name, value}) }
	for _, c := range f.controls {
		if c.disabled {
			continue
		}
		v, configured := values[c.name]
		configured = configured && c.name != ""
		switch {
		case c.isSubmit():
			if c != sub {
				continue
			}
			if c.typ == "image" {
				prefix := ""
				if c.name != "" {
					prefix = c.name + "."
				}
				add(prefix+"x", "0")
				add(prefix+"y", "0")
			} else if c.name != "" {
				add(c.name, c.value)
			}
		case c.tag == atom.Button || c.typ == "reset" || c.typ == "button" || c.name == "":
			// Buttons that do not submit, and nameless controls, send nothing.
		case c.typ == "checkbox" || c.typ == "radio":
			checked := c.checked
			if configured {
				checked = v == c.value
			}
			if checked {
				add(c.name, c.value)
			} else if c.required && c.typ == "checkbox" {
				missing = append(missing, c.name)
			}
		case c.typ == "select":
			var chosen []string
			for _, o := range c.options {
				if configured && o.value == v || !configured && o.selected {
					chosen = append(chosen, o.value)
				}
			}
			if configured && len(chosen) == 0 {
				return nil, fmt.Errorf("select %q has no option with the configured value", c.name)
			}
			if len(chosen) == 0 && c.required {
				missing = append(missing, c.name)
			}
			for _, o := range chosen {
				add(c.name, o)
			}
		case c.typ == "file":
			add(c.name, "")
		default: // text-like inputs, password, hidden, textarea
			value := c.value
			if configured {
				value = v
			} else if c.typ == "hidden" && c.name == "_charset_" {
				value = "UTF-8"
			}
			if !configured && value == "" && c.fillable() && (c.required || c.typ == "password" || password) {
				missing = append(missing, c.name)
			}
			add(c.name, value)
		}
	}
	if len(missing) > 0 {
		return nil, &unfilledError{names: missing}
	}
	return s, nil
}

// body encodes the entries for a POST: its bytes and Content-Type.
func (s *submission) body() ([]byte, string, error) {
	if s.enctype == enctypeMultipart {
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		for _, e := range s.entries {
			if err := w.WriteField(e.name, e.value); err != nil {
				return nil, "", err
			}
		}
		if err := w.Close(); err != nil {
			return nil, "", err
		}
		return b.Bytes(), w.FormDataContentType(), nil
	}
	return []byte(s.query()), enctypeURLEncoded, nil
}

// query encodes the entries as application/x-www-form-urlencoded, in order.
func (s *submission) query() string {
	var b strings.Builder
	for i, e := range s.entries {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(e.name))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(e.value))
	}
	return b.String()
}

package browser

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Kind names what a Step does.
type Kind string

// Step kinds, the keys of a step in a target file.
const (
	Wait      Kind = "wait"       // wait until an element matching Selector is visible
	Fill      Kind = "fill"       // type each Field's value into its element, in order
	Click     Kind = "click"      // click the element matching Selector
	Frame     Kind = "frame"      // enter the iframe matching Selector: later steps act inside it
	Top       Kind = "top"        // leave every iframe entered: later steps act on the page
	Sleep     Kind = "sleep"      // wait Duration
	ExpectURL Kind = "expect_url" // wait until the page's URL matches Pattern
	Timeout   Kind = "timeout"    // the later steps each wait up to Duration
)

var kinds = []Kind{Wait, Fill, Click, Frame, Top, Sleep, ExpectURL, Timeout}

// Step is one step of a login script. In a YAML file it is a mapping with
// one key, its Kind:
//
//   - wait: "#username"
//   - fill: {"#username": "env:LOGIN_USER", "#password": "env:LOGIN_PASSWORD"}
//   - click: "button[type=submit]"
//   - frame: "iframe#bankid"
//   - top: true
//   - sleep: 500ms
//   - expect_url: "https://login.example/*"
//
// Fill keeps its fields in the file's order. Values are as written
// ("env:NAME" included): the caller resolves them.
type Step struct {
	Kind     Kind
	Selector string        // wait, click, frame: a CSS selector
	Fields   []Field       // fill
	Duration time.Duration // sleep, timeout
	Pattern  string        // expect_url: the URL with * matching any run of characters
}

// Field is one element to fill and the value to type.
type Field struct {
	Selector string
	Value    string
}

// String describes the step for a message, never a value it types.
func (s Step) String() string {
	switch s.Kind {
	case Fill:
		sels := make([]string, len(s.Fields))
		for i, f := range s.Fields {
			sels[i] = strconv.Quote(f.Selector)
		}
		return "fill " + strings.Join(sels, ", ")
	case Top:
		return "top"
	case Sleep, Timeout:
		return string(s.Kind) + " " + s.Duration.String()
	case ExpectURL:
		return "expect_url " + strconv.Quote(s.Pattern)
	}
	return string(s.Kind) + " " + strconv.Quote(s.Selector)
}

// UnmarshalYAML decodes a step from its one-key mapping.
func (s *Step) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode || len(n.Content) != 2 {
		return fmt.Errorf("line %d: a step is a mapping with one key, one of %s", n.Line, kindList())
	}
	key, val := n.Content[0], n.Content[1]
	*s = Step{Kind: Kind(key.Value)}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("line %d: step %s: %s", val.Line, key.Value, fmt.Sprintf(format, args...))
	}
	scalar := func() (string, error) {
		if val.Kind != yaml.ScalarNode || val.Value == "" {
			return "", bad("wants a non-empty string")
		}
		return val.Value, nil
	}
	var err error
	switch s.Kind {
	case Wait, Click, Frame:
		s.Selector, err = scalar()
	case ExpectURL:
		s.Pattern, err = scalar()
	case Sleep, Timeout:
		var v string
		if v, err = scalar(); err == nil {
			if s.Duration, err = time.ParseDuration(v); err != nil || s.Duration <= 0 {
				err = bad("%q is not a positive duration such as 500ms", v)
			}
		}
	case Top:
		var on bool
		if val.Decode(&on) != nil || !on {
			err = bad("wants true")
		}
	case Fill:
		if val.Kind != yaml.MappingNode || len(val.Content) == 0 {
			return bad("wants a mapping of CSS selector to value")
		}
		for i := 0; i < len(val.Content); i += 2 {
			k, v := val.Content[i], val.Content[i+1]
			if k.Kind != yaml.ScalarNode || k.Value == "" || v.Kind != yaml.ScalarNode {
				return bad("wants a mapping of CSS selector to value")
			}
			s.Fields = append(s.Fields, Field{Selector: k.Value, Value: v.Value})
		}
	default:
		return fmt.Errorf("line %d: %q is not a step; steps are %s", key.Line, key.Value, kindList())
	}
	return err
}

// MarshalYAML encodes a step as its one-key mapping.
func (s Step) MarshalYAML() (any, error) {
	var v any
	switch s.Kind {
	case Wait, Click, Frame:
		v = s.Selector
	case ExpectURL:
		v = s.Pattern
	case Sleep, Timeout:
		v = s.Duration.String()
	case Top:
		v = true
	case Fill:
		m := &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle}
		for _, f := range s.Fields {
			m.Content = append(m.Content,
				&yaml.Node{Kind: yaml.ScalarNode, Value: f.Selector, Style: yaml.DoubleQuotedStyle},
				&yaml.Node{Kind: yaml.ScalarNode, Value: f.Value, Style: yaml.DoubleQuotedStyle})
		}
		v = m
	default:
		return nil, fmt.Errorf("browser: %q is not a step", s.Kind)
	}
	return map[string]any{string(s.Kind): v}, nil
}

// Validate checks steps on their own: every step complete, at least one.
func Validate(steps []Step) error {
	if len(steps) == 0 {
		return errors.New("no steps: the login needs at least one (" + kindList() + ")")
	}
	var errs []error
	for i, s := range steps {
		bad := func(what string) { errs = append(errs, fmt.Errorf("step %d (%s): %s", i+1, s.Kind, what)) }
		switch s.Kind {
		case Wait, Click, Frame:
			if s.Selector == "" {
				bad("the selector is empty")
			}
		case ExpectURL:
			if s.Pattern == "" {
				bad("the pattern is empty")
			}
		case Sleep, Timeout:
			if s.Duration <= 0 {
				bad("the duration is not positive")
			}
		case Fill:
			if len(s.Fields) == 0 {
				bad("no field to fill")
			}
			for _, f := range s.Fields {
				if f.Selector == "" {
					bad("a selector is empty")
				}
			}
		case Top:
		default:
			bad("unknown step; steps are " + kindList())
		}
	}
	return errors.Join(errs...)
}

func kindList() string {
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}

// matchURL reports whether u matches pattern, where * matches any run of
// characters (none included) and every other character itself.
func matchURL(pattern, u string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return u == pattern
	}
	first, last := parts[0], parts[len(parts)-1]
	if len(u) < len(first)+len(last) || !strings.HasPrefix(u, first) || !strings.HasSuffix(u, last) {
		return false
	}
	u = u[len(first) : len(u)-len(last)]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(u, p)
		if i < 0 {
			return false
		}
		u = u[i+len(p):]
	}
	return true
}

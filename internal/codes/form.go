package codes

import (
	"fmt"
	"time"
)

// FormConfig configures the form source: the values to fill into the login
// and consent forms met on the way from the authorization endpoint to the
// redirect URI.
type FormConfig struct {
	// Fields are form field values by name; a value "env:NAME" is read from
	// the environment. A key ending in _env names the variable directly
	// (password_env: OP_PASSWORD fills the field password).
	Fields map[string]string `yaml:"fields,omitempty"`
	// Submit says which submit control to press when a form has several:
	// its name, or name=value.
	Submit string `yaml:"submit,omitempty"`
	// MaxSteps bounds the pages followed per code (default 10).
	MaxSteps int `yaml:"max_steps,omitempty"`
}

// newFormSource builds the form source (see form.go's FormSource).
func newFormSource(cfg Config, d Deps, now func() time.Time) (Source, error) {
	return nil, fmt.Errorf("codes: source form is not implemented yet")
}

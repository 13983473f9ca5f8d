package codes

import (
	"fmt"
	"time"
)

// HydraConfig configures the hydra source: tokenbench acts as Ory Hydra's
// login and consent app through Hydra's admin API.
type HydraConfig struct {
	AdminURL string   `yaml:"admin_url"`         // e.g. http://127.0.0.1:4445
	Subject  string   `yaml:"subject,omitempty"` // the user to log in (default "tokenbench-user")
	Scopes   []string `yaml:"scopes,flow,omitempty"`
}

// newHydraSource builds the hydra source.
func newHydraSource(cfg Config, d Deps, now func() time.Time) (Source, error) {
	return nil, fmt.Errorf("codes: source hydra is not implemented yet")
}

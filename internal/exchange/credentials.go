package exchange

import (
	"fmt"
	"log/slog"

	"github.com/tokenbench/tokenbench/internal/redact"
)

// Credentials are a client's id and secret.
//
// String, GoString, GomegaString and LogValue show the id and mask the
// secret, so that no printer, test failure or log line reveals it.
type Credentials struct {
	ID, Secret string
}

// String shows the id and masks the secret.
func (c Credentials) String() string {
	return fmt.Sprintf("client %q (secret %s)", c.ID, maskSecret(c.Secret))
}

// GoString is the Go syntax of c with the secret masked.
func (c Credentials) GoString() string {
	return fmt.Sprintf("exchange.Credentials{ID:%q, Secret:%q}", c.ID, maskSecret(c.Secret))
}

// GomegaString is String, for Gomega's failure messages.
func (c Credentials) GomegaString() string { return c.String() }

// LogValue implements slog.LogValuer with the secret masked.
func (c Credentials) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", c.ID), slog.String("secret", maskSecret(c.Secret)))
}

// maskSecret is the mask for a secret, or "none" when there is none.
func maskSecret(s string) string {
	if s == "" {
		return "none"
	}
	return redact.Mask
}

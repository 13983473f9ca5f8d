package target

import (
	"fmt"
	"log/slog"
	"strings"

	"github.com/tokenbench/tokenbench/internal/redact"
)

// A Client may hold a literal secret, a File its clients and code source
// settings, a Target the resolved credentials. Their String, GoString,
// GomegaString and LogValue show where secrets come from, never a secret.

// String shows the id, the method and where the credentials come from.
func (c Client) String() string {
	var from []string
	if c.AuthMethod != "" {
		from = append(from, c.AuthMethod)
	}
	switch {
	case c.Secret != "":
		from = append(from, "secret "+redact.Mask+", written in the file")
	case c.SecretEnv != "":
		from = append(from, "secret from $"+c.SecretEnv)
	default:
		from = append(from, "no secret")
	}
	if c.KeyFile != "" {
		from = append(from, "private key from "+c.KeyFile)
	}
	if c.CertFile != "" {
		from = append(from, "certificate from "+c.CertFile)
	}
	return fmt.Sprintf("client %q (%s)", c.ID, strings.Join(from, ", "))
}

// GoString is String, so that %#v shows no secret either.
func (c Client) GoString() string { return "target.Client{" + c.String() + "}" }

// GomegaString is String, for Gomega's failure messages.
func (c Client) GomegaString() string { return c.String() }

// LogValue implements slog.LogValuer with the secret masked.
func (c Client) LogValue() slog.Value { return slog.StringValue(c.String()) }

// String shows where the file points and as whom, no secret.
func (f File) String() string {
	second := ""
	if f.SecondClient != nil {
		second = ", second " + f.SecondClient.String()
	}
	return fmt.Sprintf("target file{issuer %q, token endpoint %q, %v%s, redirect URI %q, profile %q, %v}",
		f.Issuer, f.TokenEndpoint, f.Client, second, f.RedirectURI, f.Profile, f.Codes)
}

// GoString is String, so that %#v shows no secret either.
func (f File) GoString() string { return f.String() }

// GomegaString is String, for Gomega's failure messages.
func (f File) GomegaString() string { return f.String() }

// LogValue implements slog.LogValuer with no secret.
func (f File) LogValue() slog.Value { return slog.StringValue(f.String()) }

// String shows where the target is, its client and profile, no secret.
func (t *Target) String() string {
	if t == nil {
		return "no target"
	}
	profile := ""
	if t.Profile != nil {
		profile = t.Profile.Name
	}
	return fmt.Sprintf("target %s{issuer %q, token endpoint %q, %v, profile %q}", t.Source, t.Issuer, t.TokenEndpoint, t.Client, profile)
}

// GoString is String, so that %#v shows no secret either.
func (t *Target) GoString() string { return t.String() }

// GomegaString is String, for Gomega's failure messages.
func (t *Target) GomegaString() string { return t.String() }

// LogValue implements slog.LogValuer with no secret.
func (t *Target) LogValue() slog.Value { return slog.StringValue(t.String()) }

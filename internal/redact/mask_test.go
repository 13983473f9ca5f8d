package redact

import (
	"testing"

	"github.com/tokenbench/tokenbench/internal/secrettest"
)

// TestRedactorMasks: a Redactor printed shows how many secrets it holds,
// never one of them.
func TestRedactorMasks(t *testing.T) {
	t.Parallel()
	r := New("name", "birthdate")
	r.AddClient("my-client", "S3cr3t-client-value")
	r.AddSecret("another-secret-value")
	secrettest.Masked(t, r, []string{"S3cr3t-client-value", "another-secret-value", "UzNjcjN0LWNsaWVudC12YWx1ZQ"}, "personal claims [birthdate name]")
}

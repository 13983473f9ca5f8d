package suites

import (
	"slices"
	"testing"
)

// TestWidenedScope: a refresh that asked for a wider scope widens the
// grant only when the response grants more than the original scope, by its
// scope member or, without one, as requested (RFC 6749 §3.3, §5.1).
func TestWidenedScope(t *testing.T) {
	t.Parallel()
	const original, requested = "openid offline_access", "openid offline_access profile"
	tests := []struct {
		name, body string
		want       []string
	}{
		{"the extra scope ignored, the original named", `{"access_token":"a","token_type":"Bearer","scope":"openid offline_access"}`, nil},
		{"narrower than the original", `{"access_token":"a","token_type":"Bearer","scope":"openid"}`, nil},
		{"in another order", `{"access_token":"a","token_type":"Bearer","scope":"offline_access openid"}`, nil},
		{"the wider scope granted", `{"access_token":"a","token_type":"Bearer","scope":"openid offline_access profile"}`, []string{"profile"}},
		{"no scope member: granted as requested", `{"access_token":"a","token_type":"Bearer"}`, []string{"profile"}},
		{"another scope granted", `{"access_token":"a","token_type":"Bearer","scope":"openid email"}`, []string{"email"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := widenedScope(resp(200, tt.body), requested, original); !slices.Equal(got, tt.want) {
				t.Errorf("widenedScope = %q, want %q", got, tt.want)
			}
		})
	}
}

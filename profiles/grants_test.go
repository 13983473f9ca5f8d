package profiles

import (
	"strings"
	"testing"

	"github.com/tokenbench/tokenbench/internal/catalog"
)

// TestGrantLevels: the refresh token and client credentials rows follow
// what the profile documents.
func TestGrantLevels(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		mutate  func(p *Profile)
		id      string
		want    catalog.Level
		skipWhy string // part of the skip reason
	}{
		{"bankid lists no refresh_token grant", nil, "RT-GRANT-OK", catalog.Skip, "does not serve the refresh_token grant"},
		{"refresh tokens forbidden", func(p *Profile) { p.Request.GrantTypes = nil }, "RT-GRANT-OK", catalog.Skip, "response.refresh_token: forbidden"},
		{"bankid lists no client credentials", nil, "CC-OK", catalog.Skip, "does not serve the client_credentials grant"},
		{"required refresh token", func(p *Profile) { p.Request.GrantTypes = nil; p.Response.RefreshToken = "required" }, "RT-ISSUED", catalog.Must, ""},
		{"optional refresh token", func(p *Profile) { p.Request.GrantTypes = nil; p.Response.RefreshToken = "optional" }, "RT-ISSUED", catalog.Info, ""},
		{"rotation required", func(p *Profile) {
			p.Request.GrantTypes = nil
			p.Response.RefreshToken = "optional"
			p.Refresh.Rotation = "required"
		}, "RT-ROTATION", catalog.Must, ""},
		{"rotation optional", func(p *Profile) {
			p.Request.GrantTypes = nil
			p.Response.RefreshToken = "optional"
			p.Refresh.Rotation = "optional"
		}, "RT-ROTATION", catalog.Info, ""},
		{"rotation none", func(p *Profile) {
			p.Request.GrantTypes = nil
			p.Response.RefreshToken = "optional"
			p.Refresh.Rotation = "none"
		}, "RT-REUSE-REJECTED", catalog.Skip, "rotation: none"},
		{"family revocation required", func(p *Profile) {
			p.Request.GrantTypes = nil
			p.Response.RefreshToken = "optional"
			p.Refresh.ReuseRevokesFamily = "required"
		}, "RT-REUSE-REVOKES-FAMILY", catalog.Must, ""},
		{"family revocation undocumented", func(p *Profile) { p.Request.GrantTypes = nil; p.Response.RefreshToken = "optional" }, "RT-REUSE-REVOKES-FAMILY", catalog.Should, ""},
		{"grants from discovery", func(p *Profile) { p.Request.GrantTypes = nil }, "CC-OK", catalog.Must, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := Load("bankid")
			if err != nil {
				t.Fatal(err)
			}
			if tt.mutate != nil {
				tt.mutate(p)
			}
			lvl, why := p.Level(tt.id)
			if lvl != tt.want || !strings.Contains(why, tt.skipWhy) {
				t.Errorf("%s: %s (%q), want %s (%q)", tt.id, lvl, why, tt.want, tt.skipWhy)
			}
		})
	}
	for _, name := range []string{"hydra", "node-oidc-provider", "zitadel", "oidc"} {
		if _, err := Load(name); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

package target

import "testing"

func TestCheckOptional(t *testing.T) {
	tests := []struct {
		issuer, raw string
		ok          bool
	}{
		{"https://idp.example", "https://idp.example/introspect", true},
		{"https://idp.example", "https://IDP.example./introspect", true},
		{"https://idp.example", "http://idp.example/introspect", false},
		{"https://idp.example", "https://other.example/introspect", false},
		{"http://127.0.0.1:1", "http://127.0.0.1:2/introspect", true},
		{"https://127.0.0.1:1", "http://127.0.0.1:1/introspect", false},
		{"https://idp.example", "ftp://idp.example/introspect", false},
	}
	for _, tt := range tests {
		tg := &Target{Source: "t.yaml"}
		err := tg.checkOptional(&File{Issuer: tt.issuer, AllowInsecureHTTP: true, AllowEndpointsOnOtherHosts: true}, "introspection_endpoint", tt.raw)
		if (err == nil) != tt.ok {
			t.Errorf("issuer %s, %s: error %v, want ok %v", tt.issuer, tt.raw, err, tt.ok)
		}
		if len(tg.Notices) > 0 {
			t.Errorf("issuer %s, %s: notices %v: an optional endpoint allows nothing", tt.issuer, tt.raw, tg.Notices)
		}
	}
}

package target

import (
	"context"
	"encoding/pem"
	"errors"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestIsLoopbackNames: a name under .localhost is loopback only when every
// address it resolves to is (RFC 6761 §6.3 asks resolvers for that, but a
// DNS server may answer anything).
func TestIsLoopbackNames(t *testing.T) {
	t.Parallel()
	dns := map[string][]net.IPAddr{
		"localhost":          {{IP: net.ParseIP("127.0.0.1")}, {IP: net.ParseIP("::1")}},
		"app.localhost":      {{IP: net.ParseIP("127.0.0.1")}},
		"evil.localhost":     {{IP: net.ParseIP("203.0.113.7")}},
		"mixed.localhost":    {{IP: net.ParseIP("127.0.0.1")}, {IP: net.ParseIP("203.0.113.7")}},
		"example.com":        {{IP: net.ParseIP("127.0.0.1")}}, // loopback, but not a localhost name
		"localhost.evil.com": {{IP: net.ParseIP("127.0.0.1")}},
	}
	lookup := func(_ context.Context, host string) ([]net.IPAddr, error) {
		if a, ok := dns[host]; ok {
			return a, nil
		}
		return nil, errors.New("no such host")
	}
	for host, want := range map[string]bool{
		"127.0.0.1": true, "[::1]": true, "10.0.0.1": false,
		"localhost": true, "LOCALHOST.": true, "app.localhost": true,
		"evil.localhost": false, "mixed.localhost": false, "unknown.localhost": false,
		"example.com": false, "localhost.evil.com": false,
	} {
		if got := isLoopback(context.Background(), lookup, host); got != want {
			t.Errorf("isLoopback(%q) = %v, want %v", host, got, want)
		}
	}
}

// TestDiscoveredEndpointPolicy: an endpoint discovery names is held to the
// issuer's policy (no http under an https issuer, no other host) unless the
// target file names it or allows other hosts; what weakens a check of the
// provider's identity is a typed Notice for every report.
func TestDiscoveredEndpointPolicy(t *testing.T) {
	t.Parallel()
	tlsIssuer := fakeIssuer(t, true, map[string]any{"token_endpoint": "http://127.0.0.1:9/token"})
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: tlsIssuer.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	otherHost := fakeIssuer(t, false, map[string]any{"jwks_uri": "http://127.0.0.2:9/jwks"})
	wrongIssuer := fakeIssuer(t, false, map[string]any{"issuer": "http://127.0.0.1:9/other"})
	for _, tt := range []struct {
		name    string
		file    func() *File
		wantErr string
		notices []NoticeKind
	}{
		{"http under an https issuer", func() *File {
			f := baseFile(tlsIssuer.URL)
			f.TLS.CAFile = ca
			return f
		}, `discovered token_endpoint "http://127.0.0.1:9/token" is plain http while the issuer "` + tlsIssuer.URL + `" uses https`, nil},
		{"http under an https issuer, allowed", func() *File {
			f := baseFile(tlsIssuer.URL)
			f.TLS.CAFile, f.AllowInsecureHTTP = ca, true
			return f
		}, "", []NoticeKind{NoticeInsecureHTTP}},
		{"http under an https issuer, named in the file", func() *File {
			f := baseFile(tlsIssuer.URL)
			f.TLS.CAFile, f.TokenEndpoint = ca, "http://127.0.0.1:9/token"
			return f
		}, "", nil},
		{"another host", func() *File { return baseFile(otherHost.URL) },
			`discovered jwks_uri "http://127.0.0.2:9/jwks" is on host "127.0.0.2", not the issuer's host "127.0.0.1"`, nil},
		{"another host, named in the file", func() *File {
			f := baseFile(otherHost.URL)
			f.JWKSURI = "http://127.0.0.2:9/jwks"
			return f
		}, "", nil},
		{"another host, allowed", func() *File {
			f := baseFile(otherHost.URL)
			f.AllowEndpointsOnOtherHosts = true
			return f
		}, "", []NoticeKind{NoticeOtherHosts}},
		{"tls verification off", func() *File {
			f := baseFile(tlsIssuer.URL)
			f.TLS.InsecureSkipVerify, f.TokenEndpoint = true, tlsIssuer.URL+"/token"
			return f
		}, "", []NoticeKind{NoticeTLSUnverified}},
		{"discovery's issuer differs", func() *File { return baseFile(wrongIssuer.URL) }, "", []NoticeKind{NoticeIssuerMismatch}},
	} {
		tg, err := Resolve(context.Background(), "t.yaml", tt.file(), Options{Env: env(map[string]string{"SECRET": "x"})})
		switch {
		case tt.wantErr != "":
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: %v, want %q", tt.name, err, tt.wantErr)
			}
			continue
		case err != nil:
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		var kinds []NoticeKind
		for _, n := range tg.Notices {
			kinds = append(kinds, n.Kind)
			if !slices.Contains(tg.Warnings, n.Text) {
				t.Errorf("%s: notice %q is not a warning too", tt.name, n.Text)
			}
		}
		if !slices.Equal(kinds, tt.notices) {
			t.Errorf("%s: notices %v, want %v: %+v", tt.name, kinds, tt.notices, tg.Notices)
		}
	}
}

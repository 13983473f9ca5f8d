package main

import (
	"encoding/json"
	"encoding/pem"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tokenbench/tokenbench/internal/provider"
)

// recorder is a listener that counts the connections that reach it.
type recorder struct {
	ln    net.Listener
	conns atomic.Int64
}

func listenRecorder(t *testing.T, addr string) *recorder {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	r := &recorder{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			r.conns.Add(1)
			c.Close()
		}
	}()
	return r
}

// discoveryServer is a reference provider (secret tokenbench-secret)
// whose discovery document names the endpoints in override instead of its
// own: its authorize endpoint hands out codes, so that a token request
// would follow if the policy let it.
func discoveryServer(t *testing.T, tls bool, override map[string]string) *httptest.Server {
	t.Helper()
	p, err := provider.New(provider.Config{Clients: provider.DefaultClients()})
	if err != nil {
		t.Fatal(err)
	}
	var srv *httptest.Server
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/openid-configuration" {
			p.Handler().ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		p.Handler().ServeHTTP(rec, r)
		var d map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &d); err != nil {
			t.Error(err)
		}
		for k, v := range override {
			d[k] = v
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(d)
	})
	if tls {
		srv = httptest.NewTLSServer(h)
	} else {
		srv = httptest.NewServer(h)
	}
	p.SetIssuer(srv.URL)
	t.Cleanup(srv.Close)
	return srv
}

// TestDiscoveredEndpointsHeldToPolicy: a discovery document that names a
// token endpoint on another host, or a plain http one under an https
// issuer, is refused with exit 2 naming the endpoint, by every command, and
// nothing (the client secret least of all) reaches that endpoint first.
func TestDiscoveredEndpointsHeldToPolicy(t *testing.T) {
	t.Parallel()
	foreign := listenRecorder(t, "127.0.0.2:0")
	plain := listenRecorder(t, "127.0.0.1:0")
	foreignURL := "http://" + foreign.ln.Addr().String() + "/token"
	plainURL := "http://" + plain.ln.Addr().String() + "/token"
	other := discoveryServer(t, false, map[string]string{"token_endpoint": foreignURL})
	secure := discoveryServer(t, true, map[string]string{"token_endpoint": plainURL})
	dir := t.TempDir()
	ca := writeFile(t, dir, "ca.pem", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: secure.Certificate().Raw})))
	targets := map[string]string{
		"other host":       writeFile(t, dir, "other.yaml", targetYAML(other.URL, "codes: {source: authorize}\n")),
		"http under https": writeFile(t, dir, "secure.yaml", targetYAML(secure.URL, "codes: {source: authorize}\ntls: {ca_file: "+ca+"}\n")),
	}
	wants := map[string]string{
		"other host":       `discovered token_endpoint "` + foreignURL + `" is on host "127.0.0.2", not the issuer's host "127.0.0.1"`,
		"http under https": `discovered token_endpoint "` + plainURL + `" is plain http while the issuer "` + secure.URL + `" uses https`,
	}
	env := map[string]string{"SECRET": "tokenbench-secret"}
	for name, tf := range targets {
		for _, args := range [][]string{
			{"target", "check", "-t", tf},
			{"conform", "-t", tf, "--out", t.TempDir()},
			{"load", "-t", tf, "--requests", "5", "--out", t.TempDir()},
			{"capacity", "-t", tf, "--slo", "p99<1s", "--out", t.TempDir()},
		} {
			code, out, errs := runCLI(t, env, args...)
			if code != exitBadInput || !strings.Contains(errs, wants[name]) {
				t.Errorf("%s: %s: exit %d, want 2 and %q\n%s\n%s", name, args[0], code, wants[name], out, errs)
			}
		}
	}
	if n, m := foreign.conns.Load(), plain.conns.Load(); n+m > 0 {
		t.Errorf("connections reached the refused endpoints: other host %d, plain http %d", n, m)
	}
}

package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"io"
	"log"

	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/internal/codes"
	"github.com/tokenbench/tokenbench/internal/exchange"
	"github.com/tokenbench/tokenbench/internal/provider"
	"github.com/tokenbench/tokenbench/internal/target"
)

// TestRaceDetection measures how often CODE-SINGLE-USE-RACE's technique
// catches the reference provider's code-race-narrow defect (300 µs between
// the check and the mark of a code) per round of 10 racers: last-byte
// synchronisation (exchange.Race), and the technique it replaced, N
// goroutines each sending its request when a channel closes, through a
// warm keep-alive pool (the old row's later rounds) and a cold one (its
// first round: every racer connects). Two set-ups: the provider in a
// process of its own over http, as make e2e's providers run, and over TLS
// (in-process), where a racer that connects first pays a handshake. A
// measurement of this machine: it runs with TOKENBENCH_TIMING=1 (make
// bench), TOKENBENCH_RACE_ROUNDS rounds per technique (default 200), and
// asserts only that last-byte synchronisation catches the defect over http
// in at least 90 % of rounds. With TOKENBENCH_RACE_TARGET=target.yaml it
// measures that target instead (a real provider of make e2e), asserting
// nothing.
func TestRaceDetection(t *testing.T) {
	if os.Getenv("TOKENBENCH_TIMING") != "1" {
		t.Skip("a measurement of this machine: run with TOKENBENCH_TIMING=1 (make bench)")
	}
	rounds := 200
	if n, err := strconv.Atoi(os.Getenv("TOKENBENCH_RACE_ROUNDS")); err == nil && n > 0 {
		rounds = n
	}
	ctx := context.Background()
	if tf := os.Getenv("TOKENBENCH_RACE_TARGET"); tf != "" {
		f, err := target.Load(tf)
		if err != nil {
			t.Fatal(err)
		}
		tg, err := target.Resolve(ctx, tf, f, target.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer tg.Close()
		src, err := tg.OpenCodes(target.CodeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		measureRace(t, tf, tg.HTTP, tg.TokenEndpoint, tg.Client, src, rounds)
		return
	}
	tg := serveProcess(t, "code-race-narrow")
	src, err := tg.OpenCodes(target.CodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if lastByte := measureRace(t, "code-race-narrow, own process, http", tg.HTTP, tg.TokenEndpoint, tg.Client, src, rounds); lastByte*100 < rounds*90 {
		t.Errorf("last-byte synchronisation caught code-race-narrow in %d of %d rounds, want at least 90%%", lastByte, rounds)
	}

	p, err := provider.New(provider.Config{Defects: map[string]float64{"code-race-narrow": 1}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(p.Handler())
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the cold pool's abandoned handshakes
	srv.StartTLS()
	defer srv.Close()
	p.SetIssuer(srv.URL)
	roots := srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	a, err := codes.NewAuthorize(codes.AuthorizeConfig{Endpoint: srv.URL + provider.PathAuthorize, ClientID: "tokenbench",
		RedirectURI: provider.DefaultClients()[0].RedirectURIs[0], Scope: "openid", HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	creds := exchange.Credentials{ID: "tokenbench", Secret: provider.DefaultClients()[0].Secret}
	measureRace(t, "code-race-narrow, in-process, https", exchange.NewClient(exchange.WithTLS(&tls.Config{RootCAs: roots})),
		srv.URL+provider.PathToken, creds, a, rounds)
}

// measureRace races rounds codes from src with each technique and logs how
// many rounds saw more than one success; it returns last-byte
// synchronisation's count.
func measureRace(t *testing.T, label string, hc *exchange.Client, tokenURL string, creds exchange.Credentials, src codes.Source, rounds int) int {
	t.Helper()
	ctx := context.Background()
	const racers = 10
	goroutines := func(cold bool) func([]exchange.Spec) []*exchange.Exchange {
		return func(specs []exchange.Spec) []*exchange.Exchange {
			if cold {
				hc.CloseIdle()
			}
			xs := make([]*exchange.Exchange, len(specs))
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i, s := range specs {
				wg.Go(func() {
					<-start
					xs[i] = hc.Do(ctx, s)
				})
			}
			close(start)
			wg.Wait()
			return xs
		}
	}
	lastByte := 0
	for _, tech := range []struct {
		name string
		send func([]exchange.Spec) []*exchange.Exchange
	}{
		{"last-byte synchronisation", func(s []exchange.Spec) []*exchange.Exchange { return hc.Race(ctx, s) }},
		{"goroutines, warm keep-alive pool", goroutines(false)},
		{"goroutines, cold pool", goroutines(true)},
	} {
		caught, server := 0, 0
		for range rounds {
			c, err := src.Next(ctx)
			if err != nil {
				t.Fatal(err)
			}
			spec := exchange.TokenRequest(tokenURL, exchange.Basic{Credentials: creds}, c.Value, c.RedirectURI, c.CodeVerifier)
			specs := make([]exchange.Spec, racers)
			for i := range specs {
				specs[i] = spec
			}
			won, fives := 0, 0
			for _, x := range tech.send(specs) {
				switch {
				case x.Status() == http.StatusOK:
					won++
				case x.Status() >= 500:
					fives++
				}
			}
			if won > 1 {
				caught++
			}
			if fives > 0 {
				server++
			}
		}
		if strings.HasPrefix(tech.name, "last-byte") {
			lastByte = caught
		}
		t.Logf("%s, %d racers: %s caught a double redemption in %d of %d rounds (%.1f%%), a 5xx in %d", label, racers, tech.name,
			caught, rounds, 100*float64(caught)/float64(rounds), server)
	}
	return lastByte
}

// serveProcess starts `tokenbench serve --defect defects` in a process of
// its own and returns a target for it; the process is killed at cleanup.
func serveProcess(t *testing.T, defects string) *target.Target {
	t.Helper()
	tf := filepath.Join(t.TempDir(), "target.yaml")
	cmd := exec.Command(os.Args[0], "serve", "--defect", defects, "--write-target", tf)
	cmd.Env = append(os.Environ(), "TOKENBENCH_TEST_AS_CLI=1", "TOKENBENCH_CLIENT_SECRET=tokenbench-secret")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		found := false
		for sc.Scan() {
			if !found && strings.HasPrefix(sc.Text(), "target ") {
				found = true
				ready <- true
			}
		}
		if !found {
			ready <- false
		}
	}()
	select {
	case ok := <-ready:
		if !ok {
			t.Fatal("serve exited before writing its target")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve wrote no target within 30 s")
	}
	f, err := target.Load(tf)
	if err != nil {
		t.Fatal(err)
	}
	tg, err := target.Resolve(context.Background(), tf, f, target.Options{Env: func(string) string { return "tokenbench-secret" }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tg.Close() })
	return tg
}

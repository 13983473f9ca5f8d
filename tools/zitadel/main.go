// Command zitadel-op runs the example OpenID Provider of the zitadel/oidc
// library (packages example/server/exampleop and example/server/storage,
// github.com/zitadel/oidc/v3) on the loopback interface, for tokenbench's
// end-to-end checks.
//
//	zitadel-op [-port N] [-redirect-uri URI]... [-client-id ID] [-client-b-id ID]
//
// It binds 127.0.0.1:PORT (0 picks a free port), takes the issuer
// http://127.0.0.1:PORT and prints `listening http://127.0.0.1:PORT` as its
// first line on stdout; everything else (the library's request log) goes to
// stderr. It registers two confidential web clients
// (storage.WebClient: client_secret_basic, refresh tokens, http redirect URIs
// allowed) with the secrets from $OP_CLIENT_SECRET and $OP_CLIENT_B_SECRET
// (or -client-secret-env / -client-b-secret-env naming other variables).
//
// The example's user store has the user test-user@127.0.0.1 with password
// verysecure; its login page is /login/username (form fields id, username,
// password). SIGINT and SIGTERM shut the server down.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
)

// uris is a repeatable string flag.
type uris []string

func (u *uris) String() string     { return strings.Join(*u, ",") }
func (u *uris) Set(s string) error { *u = append(*u, s); return nil }

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "zitadel-op: %v\n", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("zitadel-op", flag.ContinueOnError)
	fs.SetOutput(stderr)
	port := fs.Int("port", 0, "TCP port on 127.0.0.1 (0: a free one)")
	clientID := fs.String("client-id", "tokenbench", "id of the first client")
	clientBID := fs.String("client-b-id", "tokenbench-b", "id of the second client")
	secretEnv := fs.String("client-secret-env", "OP_CLIENT_SECRET", "environment variable holding the first client's secret")
	secretBEnv := fs.String("client-b-secret-env", "OP_CLIENT_B_SECRET", "environment variable holding the second client's secret")
	logLevel := fs.String("log", "warn", "log level on stderr: debug, info, warn, error")
	var redirects uris
	fs.Var(&redirects, "redirect-uri", "a redirect URI registered for both clients (repeatable; default http://127.0.0.1:9/callback)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *port < 0 || *port > 65535 {
		return fmt.Errorf("-port %d is not a TCP port", *port)
	}
	if len(redirects) == 0 {
		redirects = uris{"http://127.0.0.1:9/callback"}
	}
	secret, ok := os.LookupEnv(*secretEnv)
	if !ok || secret == "" {
		return fmt.Errorf("the first client's secret: $%s is not set", *secretEnv)
	}
	secretB, ok := os.LookupEnv(*secretBEnv)
	if !ok || secretB == "" {
		return fmt.Errorf("the second client's secret: $%s is not set", *secretBEnv)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("-log: %w", err)
	}

	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", *port))
	if err != nil {
		return err
	}
	issuer := "http://" + ln.Addr().String()

	storage.RegisterClients(
		storage.WebClient(*clientID, secret, redirects...),
		storage.WebClient(*clientBID, secretB, redirects...),
	)
	// The user store names its user after the issuer's host:
	// test-user@127.0.0.1, password verysecure.
	users := storage.NewUserStore(issuer)
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	router := exampleop.SetupServer(issuer, storage.NewStorage(users), logger, false)

	srv := &http.Server{Handler: router, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "listening %s\n", issuer)

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

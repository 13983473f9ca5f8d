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
// With -post-client-id and -jwt-client-id it registers two more web clients
// for the other client authentication methods the example server turns on
// (op.Config AuthMethodPost, AuthMethodPrivateKeyJWT), which the example
// storage has no client for: one registered for client_secret_post (its
// secret from $OP_CLIENT_POST_SECRET), one for private_key_jwt (the public
// key in -jwt-public-key, kid its RFC 7638 thumbprint; a secret from
// $OP_CLIENT_JWT_SECRET, never valid for it). The storage is the example's,
// wrapped: the registered method and the key are all it adds.
//
// The example's user store has the user test-user@127.0.0.1 with password
// verysecure; its login page is /login/username (form fields id, username,
// password). SIGINT and SIGTERM shut the server down.
package main

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
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

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
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
	postID := fs.String("post-client-id", "", "id of a client registered for client_secret_post (secret from $OP_CLIENT_POST_SECRET)")
	jwtID := fs.String("jwt-client-id", "", "id of a client registered for private_key_jwt (with -jwt-public-key)")
	jwtKey := fs.String("jwt-public-key", "", "PEM public key file of the private_key_jwt client")
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
	st := &methodStorage{Storage: storage.NewStorage(users), methods: map[string]oidc.AuthMethod{}, keys: map[string]*jose.JSONWebKey{}}
	if *postID != "" {
		if err := st.register(*postID, "OP_CLIENT_POST_SECRET", oidc.AuthMethodPost, nil, redirects); err != nil {
			return err
		}
	}
	if *jwtID != "" {
		key, err := readPublicKey(*jwtKey)
		if err != nil {
			return fmt.Errorf("-jwt-public-key: %w", err)
		}
		if err := st.register(*jwtID, "OP_CLIENT_JWT_SECRET", oidc.AuthMethodPrivateKeyJWT, key, redirects); err != nil {
			return err
		}
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	router := exampleop.SetupServer(issuer, st, logger, false)

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

// methodClient is an example web client registered for another
// token_endpoint_auth_method.
type methodClient struct {
	op.Client
	method oidc.AuthMethod
}

// AuthMethod is the method the client is registered for.
func (c methodClient) AuthMethod() oidc.AuthMethod { return c.method }

// methodStorage is the example storage with clients registered for other
// methods and the public keys of the private_key_jwt ones.
type methodStorage struct {
	*storage.Storage
	methods map[string]oidc.AuthMethod
	keys    map[string]*jose.JSONWebKey
}

// register adds a web client registered for method, its secret from the
// environment variable secretEnv, and its public key when it has one.
func (s *methodStorage) register(id, secretEnv string, method oidc.AuthMethod, key crypto.PublicKey, redirects []string) error {
	secret, ok := os.LookupEnv(secretEnv)
	if !ok || secret == "" {
		return fmt.Errorf("client %s: $%s is not set", id, secretEnv)
	}
	storage.RegisterClients(storage.WebClient(id, secret, redirects...))
	s.methods[id] = method
	if key != nil {
		jwk := jose.JSONWebKey{Key: key, Use: "sig"}
		sum, err := jwk.Thumbprint(crypto.SHA256)
		if err != nil {
			return fmt.Errorf("client %s: %w", id, err)
		}
		jwk.KeyID = base64.RawURLEncoding.EncodeToString(sum)
		s.keys[id] = &jwk
	}
	return nil
}

// GetClientByClientID returns the example's client, registered for the
// method register gave it.
func (s *methodStorage) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := s.Storage.GetClientByClientID(ctx, id)
	if err != nil {
		return nil, err
	}
	if m, ok := s.methods[id]; ok {
		return methodClient{Client: c, method: m}, nil
	}
	return c, nil
}

// GetKeyByIDAndClientID returns a private_key_jwt client's registered key
// by its kid, else what the example storage has (its service user's).
func (s *methodStorage) GetKeyByIDAndClientID(ctx context.Context, keyID, clientID string) (*jose.JSONWebKey, error) {
	if k, ok := s.keys[clientID]; ok {
		if keyID != k.KeyID {
			return nil, fmt.Errorf("key %q not found", keyID)
		}
		return k, nil
	}
	return s.Storage.GetKeyByIDAndClientID(ctx, keyID, clientID)
}

// readPublicKey reads a PEM PUBLIC KEY file.
func readPublicKey(path string) (crypto.PublicKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	b, _ := pem.Decode(data)
	if b == nil {
		return nil, errors.New("no PEM block")
	}
	return x509.ParsePKIXPublicKey(b.Bytes)
}

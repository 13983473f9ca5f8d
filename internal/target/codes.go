package target

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/tokenbench/tokenbench/internal/codes"
	"github.com/tokenbench/tokenbench/internal/redact"
)

// CodeOptions tune the code source for one use (a conformance run wants no
// prefetch; a load run prefetches and records every code's latency).
type CodeOptions struct {
	Prefetch   int // overrides codes.prefetch when > 0
	Parallel   int // overrides codes.parallel when > 0
	OnObtained func(codes.Code)
	Now        func() time.Time
}

// OpenCodes builds and starts the target's code source. Without codes.max_age,
// codes older than four fifths of the profile's code lifetime (when known)
// are dropped. The source is closed
// with the Target. Its errors are bad input: they name the field or the
// command that failed.
func (t *Target) OpenCodes(o CodeOptions) (codes.Source, error) {
	cfg := t.file.Codes
	if o.Prefetch > 0 {
		cfg.Prefetch = o.Prefetch
	}
	if o.Parallel > 0 {
		cfg.Parallel = o.Parallel
	}
	if cfg.MaxAge == 0 && t.Profile.Code.Lifetime > 0 {
		// Never hand out a code in the last fifth of its documented life.
		cfg.MaxAge = t.Profile.Code.Lifetime * 4 / 5
	}
	kind := cfg.Source
	switch kind {
	case "", codes.SourceAuthorize, codes.SourceEmbedded, codes.SourceForm, codes.SourceHydra, codes.SourceBrowser:
		if t.AuthorizationEndpoint == "" {
			return nil, fmt.Errorf("target: %s: codes.source %s needs an authorization endpoint (discovery or authorization_endpoint)", t.Source, first(kind, codes.SourceAuthorize))
		}
	}
	baseDir := ""
	if t.Source != "" && t.file != nil && !t.embedded {
		baseDir = filepath.Dir(t.Source)
	}
	src, err := codes.Open(cfg, codes.Deps{
		AuthorizationEndpoint: t.AuthorizationEndpoint,
		ClientID:              t.Client.ID,
		RedirectURI:           t.RedirectURI,
		Scope:                 t.Scope,
		PKCE:                  t.PKCE,
		HTTPClient:            t.HTTP.HTTPClient(),
		BaseDir:               baseDir,
		OutDir:                t.OutDir,
		Now:                   o.Now,
		LookupEnv:             t.lookupEnv,
		OnObtained:            o.OnObtained,
	})
	if err != nil {
		return nil, fmt.Errorf("target: %s: %w", t.Source, err)
	}
	t.OnClose(src.Close)
	return registering(src, t.Redactor), nil
}

// registering wraps src so that every code it yields, by Next or by an
// Authorizer's Authorize, is registered with r (its value and PKCE
// verifier) where it enters, and its errors are redacted. Registering costs
// a map insert, so a load run's codes can take this path too. A nil r
// returns src.
func registering(src codes.Source, r *redact.Redactor) codes.Source {
	if r == nil {
		return src
	}
	s := &registeringSource{Source: src, r: r}
	if a, ok := codes.AsAuthorizer(src); ok {
		return &registeringAuthorizer{registeringSource: s, a: a}
	}
	return s
}

type registeringSource struct {
	codes.Source
	r *redact.Redactor
}

func (s *registeringSource) Next(ctx context.Context) (*codes.Code, error) {
	return s.register(s.Source.Next(ctx))
}

// Unwrap lets codes.AsAuthorizer look through.
func (s *registeringSource) Unwrap() codes.Source { return s.Source }

func (s *registeringSource) register(c *codes.Code, err error) (*codes.Code, error) {
	if c != nil {
		s.r.AddSecret(c.Value, c.CodeVerifier)
	}
	return c, s.r.Error(err)
}

type registeringAuthorizer struct {
	*registeringSource
	a codes.Authorizer
}

func (s *registeringAuthorizer) Authorize(ctx context.Context, o codes.Options) (*codes.Code, error) {
	return s.register(s.a.Authorize(ctx, o))
}

func (s *registeringAuthorizer) Defaults() codes.Options { return s.a.Defaults() }

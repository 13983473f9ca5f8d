package target

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/tokenbench/tokenbench/internal/codes"
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
	return src, nil
}

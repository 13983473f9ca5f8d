package target

import (
	"context"

	"github.com/tokenbench/tokenbench/internal/provider"
)

// Open resolves the target of a run: the target file at path, or, when path
// is "", the embedded reference provider configured by embedded (which a
// target file must leave zero). It is the one way commands and tests open a
// target; every error is bad input.
func Open(ctx context.Context, path string, embedded provider.Config, o Options) (*Target, error) {
	if path == "" {
		return Embedded(ctx, embedded, o)
	}
	f, err := Load(path)
	if err != nil {
		return nil, err
	}
	return Resolve(ctx, path, f, o)
}

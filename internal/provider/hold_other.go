//go:build !linux

package provider

import (
	"context"
	"time"
)

// holdFor waits d (at least; a timer may fire later).
func holdFor(ctx context.Context, d time.Duration) { sleep(ctx, d) }

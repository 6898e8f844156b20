//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd)

package session

import (
	"context"
	"os"
)

// lockFile does nothing where flock is missing: only the goroutines of one
// File are serialised there (see [File]).
func lockFile(ctx context.Context, _ *os.File, _ bool) error { return ctx.Err() }

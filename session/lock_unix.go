//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package session

import (
	"context"
	"errors"
	"os"
	"syscall"
	"time"
)

// lockFile takes an flock on fd, exclusive or shared, waiting for it until
// ctx is done. It polls, so that waiting follows ctx; the lock is released
// when fd is closed.
func lockFile(ctx context.Context, fd *os.File, exclusive bool) error {
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	conn, err := fd.SyscallConn()
	if err != nil {
		return err
	}
	delay := 50 * time.Microsecond
	var timer *time.Timer
	for {
		var lerr error
		if err := conn.Control(func(h uintptr) {
			for {
				lerr = syscall.Flock(int(h), how|syscall.LOCK_NB)
				if !errors.Is(lerr, syscall.EINTR) {
					return
				}
			}
		}); err != nil {
			return err
		}
		if !errors.Is(lerr, syscall.EWOULDBLOCK) {
			return lerr
		}
		if timer == nil {
			timer = time.NewTimer(delay)
			defer timer.Stop()
		} else {
			timer.Reset(delay)
		}
		select {
		case <-timer.C:
		case <-ctx.Done():
			return ctx.Err()
		}
		delay = min(2*delay, 5*time.Millisecond)
	}
}

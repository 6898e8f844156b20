//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly || windows)

package vectorstore

import "os"

// tryLock does nothing on systems without flock(2) or LockFileEx (such as
// Solaris, Plan 9 and WebAssembly): there, nothing stops two writers, and
// the last to save wins.
func tryLock(*os.File) (held bool, err error) { return false, nil }

func unlock(*os.File) {}

package vectorstore

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"
)

// ErrLocked means the store file is open for writing in another [Memory] (in
// this process or another one). [Open] wraps it, naming the process that
// holds the lock when it can tell.
var ErrLocked = errors.New("vectorstore: store file locked by another writer")

// ErrReadOnly means a change was asked of a [Memory] opened with
// [Options].ReadOnly.
var ErrReadOnly = errors.New("vectorstore: store opened read-only")

// LockPath returns the lock file of the store file at path: path with
// ".lock" appended. [Open] creates it beside the store and leaves it there
// (removing a lock file races with the next writer); it holds the pid and
// program name of the last writer.
func LockPath(path string) string { return path + ".lock" }

// fileLock is the OS lock a writable persistent Memory holds on its lock
// file until Close.
type fileLock struct {
	f *os.File
}

// acquireLock takes the exclusive lock on path's lock file without
// waiting, and records this process in it. A lock held elsewhere is
// ErrLocked, with the holder's pid and program when the file says.
func acquireLock(path string) (*fileLock, error) {
	lp := LockPath(path)
	f, err := os.OpenFile(lp, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("vectorstore: open %s for writing: cannot create its lock file: %w", path, err)
	}
	held, err := tryLock(f)
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("vectorstore: open %s for writing: lock %s: %w", path, lp, err)
	}
	if held {
		holder := describeHolder(f)
		_ = f.Close()
		return nil, fmt.Errorf("%w: %s is open for writing by %s", ErrLocked, path, holder)
	}
	// The holder's identity is for others' error messages only: a failure
	// to write it is no reason to fail.
	if f.Truncate(0) == nil {
		_, _ = f.WriteAt([]byte(fmt.Sprintf("%d %s\n", os.Getpid(), filepath.Base(os.Args[0]))), 0)
	}
	return &fileLock{f: f}, nil
}

// describeHolder reads the pid and program recorded in a lock file.
func describeHolder(f *os.File) string {
	b := make([]byte, 256)
	n, _ := f.ReadAt(b, 0)
	pid, prog, _ := strings.Cut(strings.TrimSpace(string(b[:n])), " ")
	if _, err := strconv.Atoi(pid); err != nil {
		return "another process"
	}
	if p, _ := strconv.Atoi(pid); p == os.Getpid() {
		return fmt.Sprintf("this process (pid %s), through another Open", pid)
	}
	prog = strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return -1
	}, strings.TrimSpace(prog))
	if prog != "" {
		return fmt.Sprintf("process %s (%s)", pid, prog)
	}
	return "process " + pid
}

// release unlocks and closes the lock file (the lock goes with the file
// descriptor). The file stays.
func (l *fileLock) release() error {
	if l == nil || l.f == nil {
		return nil
	}
	unlock(l.f)
	err := l.f.Close()
	l.f = nil
	return err
}

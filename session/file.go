package session

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"

	"github.com/agentloop/agentloop/responses"
)

// File is a [Session] stored in a file of JSON lines, one item a line.
//
// # Format
//
// Each line of the file is one of:
//
//	{...}   an item: its bytes as they are, when they hold no line break
//	"..."   an item whose bytes hold a line break (an item of a
//	        pretty-printed response body), as a JSON string of its bytes
//	[N]     a commit line: the N items above it are stored
//
// Items keep their exact bytes either way. An append writes its items and
// a commit line in one write, then syncs the file, so a multi-item append is
// stored whole or not at all: what follows the last commit line (an append
// that a crash or a full disk cut short, even at a line boundary) is torn.
// A read ignores a torn end and reports it ([File.Torn], and a warning to
// FileOptions.Logger), and never fails for it; the next append truncates it
// first. A file written by hand needs a commit line at its end: "[3]" after
// three items.
//
// [File.Replace] and [File.Clear] write a temporary file in the same
// directory, sync it, rename it over the file and sync the directory, so the
// file always holds one history or the other. A missing file is an empty
// session; the first append creates it (mode 0600), in a directory that must
// exist.
//
// # Concurrency
//
// File is safe for concurrent use by goroutines and by processes: each
// operation opens the file and holds an OS lock on it (flock, shared for
// reads and exclusive for writes) while it checks the position and writes,
// so two processes appending to one file never interleave and the loser of
// a race gets [ErrConflict]. The lock is advisory: only writers that lock
// the file (this package) are kept out. On systems without flock (Windows,
// Plan 9, WebAssembly), only the goroutines of one File are serialised.
type File struct {
	path string
	log  *slog.Logger
	sem  chan struct{} // serialises this File's operations; cancellable
	torn atomic.Int64
}

// FileOptions configures a [File]. The zero value is valid.
type FileOptions struct {
	// Logger gets a warning when a read finds a torn append at the end of
	// the file. Nil is silent.
	Logger *slog.Logger
}

var _ Session = (*File)(nil)

// NewFile returns the session stored in the file at path. It does not touch
// the file: errors come from the first operation.
func NewFile(path string, opts *FileOptions) *File {
	if opts == nil {
		opts = &FileOptions{}
	}
	return &File{path: path, log: opts.Logger, sem: make(chan struct{}, 1)}
}

// Path returns the file's path.
func (f *File) Path() string { return f.path }

// Torn returns how many bytes at the end of the file the last read ignored:
// an append that a crash cut short (see [File]). It is zero when the file
// ended with a commit line, and after an append, which truncates them.
func (f *File) Torn() int64 { return f.torn.Load() }

// Items returns the stored items in order: those up to the last commit
// line.
func (f *File) Items(ctx context.Context) ([]responses.Item, error) {
	fd, release, err := f.open(ctx, false)
	if err != nil {
		return nil, err
	}
	defer release()
	if fd == nil {
		f.torn.Store(0)
		return nil, nil
	}
	sc, err := f.read(fd)
	if err != nil {
		return nil, err
	}
	items, err := decode(sc.items)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.path, err)
	}
	return items, nil
}

// Append adds items after the first after items; see [Session.Append]. It
// returns once the items are synced to disk.
func (f *File) Append(ctx context.Context, after int, items []responses.Item) error {
	enc, err := encode(items)
	if err != nil {
		return err
	}
	fd, release, err := f.open(ctx, true)
	if err != nil {
		return err
	}
	defer release()
	st, err := fd.Stat()
	if err != nil {
		return fmt.Errorf("session: %w", err)
	}
	size := st.Size()
	count, good, sc, err := f.head(fd, size)
	if err != nil {
		return err
	}
	write, err := position(count, after, enc, func(i int) ([]byte, error) {
		if sc == nil {
			var rerr error
			if sc, rerr = f.read(fd); rerr != nil {
				return nil, rerr
			}
		}
		return sc.items[i], nil
	})
	if err != nil || !write || len(enc) == 0 {
		return err
	}
	if good < size {
		if err := fd.Truncate(good); err != nil {
			return fmt.Errorf("session: truncating the torn end of %s: %w", f.path, err)
		}
		f.torn.Store(0)
	}
	buf := appendCommit(appendLines(nil, enc), count+len(enc))
	if _, err := fd.WriteAt(buf, good); err != nil {
		// Whatever was written lacks its commit line: it is torn.
		return fmt.Errorf("session: %w", err)
	}
	if err := fd.Sync(); err != nil {
		return fmt.Errorf("session: %w", err)
	}
	if good == 0 {
		syncDir(filepath.Dir(f.path)) // the file may be new
	}
	return nil
}

// Replace swaps the history for items if the session holds after items;
// see [Session.Replace].
func (f *File) Replace(ctx context.Context, after int, items []responses.Item) error {
	enc, err := encode(items)
	if err != nil {
		return err
	}
	fd, release, err := f.open(ctx, true)
	if err != nil {
		return err
	}
	defer release()
	st, err := fd.Stat()
	if err != nil {
		return fmt.Errorf("session: %w", err)
	}
	count, _, _, err := f.head(fd, st.Size())
	if err != nil {
		return err
	}
	if err := replaceable(count, after); err != nil {
		return err
	}
	return f.rewrite(st.Mode().Perm(), enc)
}

// Clear removes every item: the file is replaced by an empty one.
func (f *File) Clear(ctx context.Context) error {
	fd, release, err := f.open(ctx, true)
	if err != nil {
		return err
	}
	defer release()
	st, err := fd.Stat()
	if err != nil {
		return fmt.Errorf("session: %w", err)
	}
	f.torn.Store(0)
	if st.Size() == 0 {
		return nil
	}
	return f.rewrite(st.Mode().Perm(), nil)
}

// open waits for f's turn, opens the file and locks it (exclusively when
// write is set, creating the file then), and returns it with the function
// that unlocks and closes it. A reader gets a nil file when there is none.
func (f *File) open(ctx context.Context, write bool) (*os.File, func(), error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, fmt.Errorf("session: %w", err)
	}
	select {
	case f.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, nil, fmt.Errorf("session: %w", ctx.Err())
	}
	done := func() { <-f.sem }
	flag := os.O_RDONLY
	if write {
		flag = os.O_RDWR | os.O_CREATE
	}
	for {
		fd, err := os.OpenFile(f.path, flag, 0o600)
		if err != nil {
			done()
			if !write && errors.Is(err, fs.ErrNotExist) {
				return nil, func() {}, nil
			}
			return nil, nil, fmt.Errorf("session: %w", err)
		}
		if err := lockFile(ctx, fd, write); err != nil {
			_ = fd.Close()
			done()
			return nil, nil, fmt.Errorf("session: locking %s: %w", f.path, err)
		}
		// Another process may have renamed a new file over the path (a
		// Replace) while this one waited for the lock: lock that one.
		held, err1 := fd.Stat()
		now, err2 := os.Stat(f.path)
		if err1 == nil && err2 == nil && os.SameFile(held, now) {
			return fd, func() { _ = fd.Close(); done() }, nil // closing unlocks
		}
		_ = fd.Close()
		if err1 != nil || (err2 != nil && !errors.Is(err2, fs.ErrNotExist)) {
			done()
			return nil, nil, fmt.Errorf("session: %w", errors.Join(err1, err2))
		}
		if err := ctx.Err(); err != nil {
			done()
			return nil, nil, fmt.Errorf("session: %w", err)
		}
	}
}

// head returns the number of stored items of the locked file fd of size
// bytes and the offset just past its last commit line. When the file does
// not end with a commit line it reads the whole file (sc), which is then
// checked line by line, and reports the torn end.
func (f *File) head(fd *os.File, size int64) (count int, good int64, sc *scanned, err error) {
	if n, ok, err := lastCommit(fd, size); err != nil {
		return 0, 0, nil, fmt.Errorf("session: %w", err)
	} else if ok {
		f.torn.Store(0)
		return n, size, nil, nil
	}
	if sc, err = f.read(fd); err != nil {
		return 0, 0, nil, err
	}
	return len(sc.items), sc.good, sc, nil
}

// read reads and checks the whole locked file fd, and reports a torn end.
func (f *File) read(fd *os.File) (*scanned, error) {
	if _, err := fd.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("session: %w", err)
	}
	data, err := io.ReadAll(fd)
	if err != nil {
		return nil, fmt.Errorf("session: %w", err)
	}
	sc, err := scan(data)
	if err != nil {
		return nil, fmt.Errorf("session: %s: %w", f.path, err)
	}
	torn := int64(len(data)) - sc.good
	f.torn.Store(torn)
	if torn > 0 && f.log != nil {
		f.log.Warn("session: ignoring a torn append at the end of the file",
			"path", f.path, "offset", sc.good, "bytes", torn)
	}
	return sc, nil
}

// rewrite replaces the file with one holding enc, with mode perm.
func (f *File) rewrite(perm fs.FileMode, enc [][]byte) (err error) {
	dir := filepath.Dir(f.path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(f.path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("session: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
			err = fmt.Errorf("session: %w", err)
		}
	}()
	if err := tmp.Chmod(perm); err != nil {
		return err
	}
	if len(enc) > 0 {
		if _, err := tmp.Write(appendCommit(appendLines(nil, enc), len(enc))); err != nil {
			return err
		}
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), f.path); err != nil {
		return err
	}
	f.torn.Store(0)
	syncDir(dir)
	return nil
}

// syncDir makes a new directory entry durable, where the file system
// allows it (not all sync directories: best effort).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}

// appendLines appends the lines of the items encoded as enc.
func appendLines(b []byte, enc [][]byte) []byte {
	for _, it := range enc {
		if len(it) > 0 && it[0] == '{' && !bytes.ContainsAny(it, "\r\n") {
			b = append(b, it...)
		} else {
			b = appendQuoted(b, it)
		}
		b = append(b, '\n')
	}
	return b
}

// appendQuoted appends s as a JSON string.
func appendQuoted(b, s []byte) []byte {
	buf := bytes.NewBuffer(b)
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(string(s)) // a string always encodes
	b = buf.Bytes()
	return b[:len(b)-1] // Encode adds a newline
}

// appendCommit appends the commit line of a file holding count items.
func appendCommit(b []byte, count int) []byte {
	b = append(b, '[')
	b = strconv.AppendInt(b, int64(count), 10)
	return append(b, ']', '\n')
}

// maxCommit is the length of the longest commit line: "[" + 19 digits +
// "]\n".
const maxCommit = 22

// lastCommit returns the count of the commit line the file fd of size bytes
// ends with; ok is false when it does not end with one.
func lastCommit(fd *os.File, size int64) (count int, ok bool, err error) {
	if size == 0 {
		return 0, true, nil
	}
	n := min(size, maxCommit+1) // and the line break before it
	buf := make([]byte, n)
	if _, err := fd.ReadAt(buf, size-n); err != nil {
		return 0, false, err
	}
	if !bytes.HasSuffix(buf, []byte("]\n")) {
		return 0, false, nil
	}
	i := bytes.LastIndexByte(buf, '[')
	if i < 0 || (i > 0 && buf[i-1] != '\n') || (i == 0 && n < size) {
		return 0, false, nil
	}
	count, ok = parseCommit(buf[i : len(buf)-1])
	return count, ok, nil
}

// parseCommit parses a commit line without its line break.
func parseCommit(line []byte) (int, bool) {
	if len(line) < 3 || line[0] != '[' || line[len(line)-1] != ']' {
		return 0, false
	}
	digits := line[1 : len(line)-1]
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(string(digits))
	return n, err == nil
}

// scanned is a session file read whole.
type scanned struct {
	items [][]byte // the committed items' bytes
	good  int64    // the offset just past the last commit line
}

// scan reads the lines of a session file. What follows the last commit
// line is left out; any other line that is not an item or a commit line
// with the right count is an error.
func scan(data []byte) (*scanned, error) {
	sc := &scanned{}
	var pending [][]byte
	off, line := 0, 0
	for off < len(data) {
		nl := bytes.IndexByte(data[off:], '\n')
		if nl < 0 {
			break // a torn last line
		}
		b := data[off : off+nl]
		line++
		switch {
		case len(b) > 0 && b[0] == '{':
			pending = append(pending, b)
		case len(b) > 0 && b[0] == '"':
			var s string
			if err := json.Unmarshal(b, &s); err != nil {
				return nil, fmt.Errorf("line %d: %w", line, err)
			}
			pending = append(pending, []byte(s))
		case len(b) > 0 && b[0] == '[':
			n, ok := parseCommit(b)
			if !ok {
				return nil, fmt.Errorf("line %d: not a commit line: %.40q", line, b)
			}
			if n != len(sc.items)+len(pending) {
				return nil, fmt.Errorf("line %d: commit line [%d] after %d items", line, n, len(sc.items)+len(pending))
			}
			sc.items = append(sc.items, pending...)
			pending = nil
			sc.good = int64(off + nl + 1)
		default:
			return nil, fmt.Errorf("line %d: neither an item nor a commit line: %.40q", line, b)
		}
		off += nl + 1
	}
	return sc, nil
}

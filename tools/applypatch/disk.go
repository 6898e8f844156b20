package applypatch

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
)

// Disk is an [Editor] over a directory. Every access goes through an
// [os.Root], so a path cannot leave the directory: absolute paths, ".."
// and symbolic links that point out of it are refused (symbolic links
// within it are followed for reading; writing or deleting through one is
// refused, so a link is never replaced by a file). A file is written to a
// temporary file next to it, then renamed over it, keeping its mode.
type Disk struct {
	root *os.Root
}

// NewDisk returns an editor over the directory dir, which must exist.
// Close it when done.
func NewDisk(dir string) (*Disk, error) {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("applypatch: %w", err)
	}
	return &Disk{root: r}, nil
}

// Close releases the directory.
func (d *Disk) Close() error { return d.root.Close() }

// Dir returns the directory's name, as given to NewDisk.
func (d *Disk) Dir() string { return d.root.Name() }

// ReadFile returns the content of the file name.
func (d *Disk) ReadFile(_ context.Context, name string) ([]byte, error) {
	name, err := clean(name)
	if err != nil {
		return nil, err
	}
	b, err := d.root.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("applypatch: %w", err)
	}
	return b, nil
}

// WriteFile replaces the file name with data, atomically, creating its
// directories.
func (d *Disk) WriteFile(_ context.Context, name string, data []byte) error {
	name, err := clean(name)
	if err != nil {
		return err
	}
	mode := fs.FileMode(0o644)
	switch fi, err := d.root.Lstat(name); {
	case err == nil && fi.Mode()&fs.ModeSymlink != 0:
		return fmt.Errorf("applypatch: %s is a symbolic link; change the file it points to instead", name)
	case err == nil && !fi.Mode().IsRegular():
		return fmt.Errorf("applypatch: %s is not a regular file", name)
	case err == nil:
		mode = fi.Mode().Perm()
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("applypatch: %w", err)
	}
	if dir := path.Dir(name); dir != "." {
		if err := d.root.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("applypatch: %w", err)
		}
	}
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	tmp := path.Join(path.Dir(name), ".agentloop-"+hex.EncodeToString(rnd[:])+"-"+path.Base(name))
	f, err := d.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return fmt.Errorf("applypatch: %w", err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = d.root.Chmod(tmp, mode) // the umask may have narrowed it
	}
	if err == nil {
		err = d.root.Rename(tmp, name)
	}
	if err != nil {
		_ = d.root.Remove(tmp)
		return fmt.Errorf("applypatch: %w", err)
	}
	return nil
}

// DeleteFile removes the file name.
func (d *Disk) DeleteFile(_ context.Context, name string) error {
	name, err := clean(name)
	if err != nil {
		return err
	}
	fi, err := d.root.Lstat(name)
	if err != nil {
		return fmt.Errorf("applypatch: %w", err)
	}
	if fi.IsDir() {
		return fmt.Errorf("applypatch: %s is a directory", name)
	}
	if err := d.root.Remove(name); err != nil {
		return fmt.Errorf("applypatch: %w", err)
	}
	return nil
}

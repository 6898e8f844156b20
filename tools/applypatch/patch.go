package applypatch

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/agentloop/agentloop/responses"
)

// Editor reads and changes the files of a workspace, named by
// slash-separated paths relative to its root. [Disk] is one over a
// directory; a service can keep files elsewhere (a database, a remote
// checkout). Implementations must refuse paths outside their root and be
// safe for concurrent use.
type Editor interface {
	// ReadFile returns a file's content, or an error wrapping
	// fs.ErrNotExist when there is no such file.
	ReadFile(ctx context.Context, name string) ([]byte, error)
	// WriteFile creates or replaces a file, creating its directories. A
	// reader sees the old content or the new, never a part of it.
	WriteFile(ctx context.Context, name string, data []byte) error
	// DeleteFile deletes a file.
	DeleteFile(ctx context.Context, name string) error
}

// Change is one file change of a patch: an apply_patch_call's operation, or
// a section of a patch in the "*** Begin Patch" format (see [Parse]).
type Change struct {
	// Type is responses.PatchCreateFile, PatchUpdateFile or
	// PatchDeleteFile.
	Type string
	// Path is the file, relative to the workspace root.
	Path string
	// Diff is a create_file's content, every line prefixed with "+", or
	// an update_file's V4A diff (see [ApplyDiff]).
	Diff string
	// MoveTo, for an update, renames the file ("*** Move to:").
	MoveTo string
}

// ChangeOf returns the change an apply_patch_call's operation asks for.
func ChangeOf(op responses.PatchOperation) Change {
	return Change{Type: op.Type, Path: op.Path, Diff: op.Diff}
}

// ErrPath is wrapped by the errors for a path a patch may not touch:
// empty, absolute, with a ".." element, or leading out of the root.
var ErrPath = errors.New("applypatch: path outside the workspace")

// CheckPath reports whether name is a path a patch may touch: relative,
// slash-separated, without "..", "." or empty elements other than a
// leading "./", and without NUL or backslashes.
func CheckPath(name string) error {
	bad := func(why string) error { return fmt.Errorf("%w: %q %s", ErrPath, name, why) }
	switch {
	case name == "":
		return bad("is empty")
	case strings.HasPrefix(name, "/") || len(name) > 1 && name[1] == ':':
		return bad("is absolute; paths are relative to the workspace root")
	case strings.ContainsAny(name, "\x00\\"):
		return bad("holds a NUL or a backslash")
	}
	for _, el := range strings.Split(strings.TrimPrefix(name, "./"), "/") {
		switch el {
		case "..":
			return bad(`has a ".." element`)
		case "", ".":
			return bad("has an empty or \".\" element")
		}
	}
	return nil
}

// clean returns a checked path without its leading "./".
func clean(name string) (string, error) {
	if err := CheckPath(name); err != nil {
		return "", err
	}
	return path.Clean(name), nil
}

// file is a file's state while a patch is planned.
type file struct {
	orig    []byte
	existed bool
	data    []byte
	exists  bool
	touched bool
}

// Apply applies changes, in order, all or nothing: every change is worked
// out against the files first, and nothing is written when one of them
// does not apply (a path outside the root, a file that is missing or
// already there, a hunk whose context does not match); then the files are
// written, and if a write fails, the files written before it get their old
// content back. It returns one line per change saying what it did.
//
// A create_file replaces a file that exists already.
func Apply(ctx context.Context, ed Editor, changes ...Change) ([]string, error) {
	files := map[string]*file{}
	var order []string
	get := func(name string) (*file, error) {
		if f := files[name]; f != nil {
			return f, nil
		}
		data, err := ed.ReadFile(ctx, name)
		f := &file{}
		switch {
		case err == nil:
			f.orig, f.existed, f.data, f.exists = data, true, data, true
		case errors.Is(err, fs.ErrNotExist):
		default:
			return nil, err
		}
		files[name] = f
		order = append(order, name)
		return f, nil
	}
	done := make([]string, 0, len(changes))
	for i, c := range changes {
		what, err := plan(c, get)
		if err != nil {
			if len(changes) > 1 {
				return nil, fmt.Errorf("change %d of %d (%s %s): %w; no file was changed", i+1, len(changes), c.Type, c.Path, err)
			}
			return nil, fmt.Errorf("%s %s: %w", c.Type, c.Path, err)
		}
		done = append(done, what)
	}

	var written []string
	for _, name := range order {
		f := files[name]
		if !f.touched {
			continue
		}
		var err error
		switch {
		case f.exists:
			err = ed.WriteFile(ctx, name, f.data)
		case f.existed:
			err = ed.DeleteFile(ctx, name)
		default:
			continue // created, then deleted or moved away
		}
		if err != nil {
			if undo := rollback(context.WithoutCancel(ctx), ed, files, written); undo != nil {
				return nil, fmt.Errorf("%s: %w; restoring the files changed before it failed too: %w", name, err, undo)
			}
			return nil, fmt.Errorf("%s: %w; the files changed before it were restored", name, err)
		}
		written = append(written, name)
	}
	return done, nil
}

// plan works out one change on the files' planned state.
func plan(c Change, get func(string) (*file, error)) (string, error) {
	name, err := clean(c.Path)
	if err != nil {
		return "", err
	}
	f, err := get(name)
	if err != nil {
		return "", err
	}
	switch c.Type {
	case responses.PatchCreateFile:
		content, err := CreateContent(c.Diff)
		if err != nil {
			return "", err
		}
		what := "created " + name
		if f.exists {
			what = "replaced " + name
		}
		f.data, f.exists, f.touched = []byte(content), true, true
		return what, nil
	case responses.PatchUpdateFile:
		if !f.exists {
			return "", fmt.Errorf("there is no file %s to update (create it with create_file)", name)
		}
		data := f.data
		if strings.TrimSpace(c.Diff) != "" || c.MoveTo == "" {
			content, err := ApplyDiff(string(f.data), c.Diff)
			if err != nil {
				return "", err
			}
			data = []byte(content)
		}
		if c.MoveTo == "" {
			f.data, f.touched = data, true
			return "updated " + name, nil
		}
		to, err := clean(c.MoveTo)
		if err != nil {
			return "", err
		}
		if to == name {
			f.data, f.touched = data, true
			return "updated " + name, nil
		}
		t, err := get(to)
		if err != nil {
			return "", err
		}
		if t.exists {
			return "", fmt.Errorf("cannot move %s to %s: %s exists", name, to, to)
		}
		f.data, f.exists, f.touched = nil, false, true
		t.data, t.exists, t.touched = data, true, true
		return "moved " + name + " to " + to, nil
	case responses.PatchDeleteFile:
		if !f.exists {
			return "", fmt.Errorf("there is no file %s to delete", name)
		}
		f.data, f.exists, f.touched = nil, false, true
		return "deleted " + name, nil
	}
	return "", fmt.Errorf("unknown operation %q: want create_file, update_file or delete_file", c.Type)
}

// rollback gives the files written their old content back.
func rollback(ctx context.Context, ed Editor, files map[string]*file, written []string) error {
	var errs []error
	for i := len(written) - 1; i >= 0; i-- {
		name := written[i]
		f := files[name]
		var err error
		if f.existed {
			err = ed.WriteFile(ctx, name, f.orig)
		} else {
			err = ed.DeleteFile(ctx, name)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Parse reads a patch in the "*** Begin Patch" format Codex and the
// apply_patch prompts use:
//
//	*** Begin Patch
//	*** Add File: hello.txt
//	+Hello world
//	*** Update File: src/app.py
//	*** Move to: src/main.py
//	@@ def greet():
//	-print("Hi")
//	+print("Hello, world!")
//	*** Delete File: obsolete.txt
//	*** End Patch
//
// and returns its changes, for [Apply].
func Parse(patch string) ([]Change, error) {
	lines := diffLines(strings.TrimSpace(patch))
	if len(lines) == 0 || strings.TrimSpace(lines[0]) != "*** Begin Patch" {
		return nil, errors.New(`applypatch: a patch starts with "*** Begin Patch"`)
	}
	if strings.TrimSpace(lines[len(lines)-1]) != "*** End Patch" {
		return nil, errors.New(`applypatch: a patch ends with "*** End Patch"`)
	}
	lines = lines[1 : len(lines)-1]
	var changes []Change
	for i := 0; i < len(lines); {
		l := lines[i]
		var c Change
		switch {
		case strings.HasPrefix(l, "*** Add File: "):
			c = Change{Type: responses.PatchCreateFile, Path: strings.TrimSpace(l[len("*** Add File: "):])}
		case strings.HasPrefix(l, "*** Update File: "):
			c = Change{Type: responses.PatchUpdateFile, Path: strings.TrimSpace(l[len("*** Update File: "):])}
		case strings.HasPrefix(l, "*** Delete File: "):
			c = Change{Type: responses.PatchDeleteFile, Path: strings.TrimSpace(l[len("*** Delete File: "):])}
		case strings.TrimSpace(l) == "":
			i++
			continue
		default:
			return nil, fmt.Errorf(`applypatch: line %d, %q: want a line starting "*** Add File: ", "*** Update File: " or "*** Delete File: "`, i+2, clip(l))
		}
		i++
		if c.Type == responses.PatchUpdateFile && i < len(lines) && strings.HasPrefix(lines[i], "*** Move to: ") {
			c.MoveTo = strings.TrimSpace(lines[i][len("*** Move to: "):])
			i++
		}
		start := i
		for i < len(lines) && !isSectionHeader(lines[i]) {
			i++
		}
		if c.Type == responses.PatchDeleteFile {
			for _, b := range lines[start:i] {
				if strings.TrimSpace(b) != "" {
					return nil, fmt.Errorf("applypatch: *** Delete File: %s is followed by %q; a deletion has no body", c.Path, clip(b))
				}
			}
		} else if i > start {
			c.Diff = strings.Join(lines[start:i], "\n") + "\n"
		}
		changes = append(changes, c)
	}
	return changes, nil
}

func isSectionHeader(l string) bool {
	return strings.HasPrefix(l, "*** Add File: ") || strings.HasPrefix(l, "*** Update File: ") ||
		strings.HasPrefix(l, "*** Delete File: ")
}

package applypatch_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/tools"
	"github.com/agentloop/agentloop/tools/applypatch"
	"github.com/google/go-cmp/cmp"
)

// Interfaces the runner looks for.
var (
	_ tools.Tool           = (*applypatch.Tool)(nil)
	_ tools.ItemTyper      = (*applypatch.Tool)(nil)
	_ tools.ItemCaller     = (*applypatch.Tool)(nil)
	_ tools.ApprovalPolicy = (*applypatch.Tool)(nil)
	_ tools.Rejecter       = (*applypatch.Tool)(nil)
	_ applypatch.Editor    = (*applypatch.Disk)(nil)
)

func TestApplyDiff(t *testing.T) {
	tests := []struct {
		name, original, diff string
		want                 string
		wantErr              string
	}{
		{"CRLF kept", "one\r\ntwo\r\nthree\r\n", " one\n-two\n+2\n three\n", "one\r\n2\r\nthree\r\n", ""},
		{"no final newline kept", "a\nb", "-b\n+c\n", "a\nc", ""},
		{"insertion after an anchor", "func a() {\n}\nfunc b() {\n}\n", "@@ func b() {\n+\tprintln()\n", "func a() {\n}\nfunc b() {\n\tprintln()\n}\n", ""},
		{"stacked anchors narrow the search", "class A:\n    def run(self):\n        pass\nclass B:\n    def run(self):\n        pass\n",
			"@@ class B:\n@@     def run(self):\n-        pass\n+        return 1\n",
			"class A:\n    def run(self):\n        pass\nclass B:\n    def run(self):\n        return 1\n", ""},
		{"an anchor that starts the line", "def greet(name, greeting='Hi'):\n    return greeting\n", "@@ def greet\n-    return greeting\n+    return greeting + name\n",
			"def greet(name, greeting='Hi'):\n    return greeting + name\n", ""},
		{"append at the end of the file", "a\nb\n", "@@\n+c\n*** End of File\n", "a\nb\nc\n", ""},
		{"indentation differs", "if x:\n\ty = 1\n", "-    y = 1\n+    y = 2\n", "if x:\n    y = 2\n", ""},
		{"an added line before a removed one", "a\nb\nc\n", " a\n+B\n-b\n c\n", "a\nB\nc\n", ""},
		{"empty lines as context", "a\n\nb\n", " a\n\n-b\n+c\n", "a\n\nc\n", ""},
		{"closest match", "x = 1\ny = 2\nz = 3\n", " x = 1\n-y = 3\n+y = 4\n",
			"", `hunk 1: its context and removed lines do not match the file: the closest match starts at line 1, where line 2 is "y = 2" but the hunk expects "y = 3"`},
		{"past the end", "x = 1\n", "@@\n x = 1\n-y = 2\n",
			"", `hunk 1 (@@): its context and removed lines do not match the file: the closest match starts at line 1, and the file ends after 1 of its 2 lines`},
		{"a second hunk before the first", "a\nb\n", "@@\n-b\n+B\n@@\n-a\n+A\n",
			"", `hunk 2 (@@): its context and removed lines do not match the file after line 2: it has no line "a"`},
		{"not a diff line", "a\n", "@@\n a\n*b\n", "", `hunk 1 (@@): line 3 of the diff, "*b", does not start with ' ', '-' or '+'`},
		{"empty diff", "a\n", "", "", "hunk 1: the diff is empty"},
		{"empty hunk", "a\n", "@@\n@@ a\n", "", "hunk 1 (@@ @@ a): the hunk is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := applypatch.ApplyDiff(tt.original, tt.diff)
			if tt.wantErr != "" {
				var he *applypatch.HunkError
				if err == nil || err.Error() != tt.wantErr || !errors.As(err, &he) {
					t.Errorf("err = %v\nwant %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestCheckPath(t *testing.T) {
	for name, ok := range map[string]bool{
		"a.txt": true, "src/main.go": true, "./src/main.go": true, ".github/workflows/ci.yml": true,
		"": false, "/etc/passwd": false, "../a": false, "a/../../b": false, "a/../b": false, "a//b": false,
		"a/./b": false, `a\b`: false, "C:/x": false, "a\x00b": false, "a/": false,
	} {
		err := applypatch.CheckPath(name)
		if (err == nil) != ok || err != nil && !errors.Is(err, applypatch.ErrPath) {
			t.Errorf("CheckPath(%q) = %v", name, err)
		}
	}
}

// TestDiskSymlinks: links that lead out of the root are refused for reading
// and writing; links inside it are read through and never replaced.
func TestDiskSymlinks(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("creating symbolic links needs privileges on Windows")
	}
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret.txt"), []byte("secret\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(root, "real.txt"), []byte("real\n"), 0o644))
	must(os.Symlink(outside, filepath.Join(root, "out")))                              // a directory outside
	must(os.Symlink(filepath.Join(outside, "secret.txt"), filepath.Join(root, "abs"))) // an absolute link
	must(os.Symlink("../"+filepath.Base(outside)+"/secret.txt", filepath.Join(root, "rel")))
	must(os.Symlink("real.txt", filepath.Join(root, "inside.txt")))
	ed, err := applypatch.NewDisk(root)
	must(err)
	defer ed.Close()
	ctx := context.Background()

	for _, name := range []string{"out/secret.txt", "abs", "rel"} {
		if b, err := ed.ReadFile(ctx, name); err == nil {
			t.Errorf("read %s through a link out of the root: %q", name, b)
		}
	}
	for _, name := range []string{"out/new.txt", "out/secret.txt", "abs", "rel", "inside.txt"} {
		if _, err := applypatch.Apply(ctx, ed, applypatch.Change{Type: responses.PatchCreateFile, Path: name, Diff: "+pwned\n"}); err == nil {
			t.Errorf("wrote %s through a link", name)
		}
	}
	if b, err := ed.ReadFile(ctx, "inside.txt"); err != nil || string(b) != "real\n" {
		t.Errorf("a link inside the root: %q, %v", b, err)
	}
	if b, _ := os.ReadFile(filepath.Join(outside, "secret.txt")); string(b) != "secret\n" {
		t.Errorf("the file outside changed: %q", b)
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 1 {
		t.Errorf("files appeared outside the root: %v", entries)
	}
	if fi, err := os.Lstat(filepath.Join(root, "inside.txt")); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("the link inside the root was replaced: %v", err)
	}
}

// TestDiskWrite: a write keeps the file's mode and leaves no temporary file.
func TestDiskWrite(t *testing.T) {
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "run.sh"), []byte("#!/bin/sh\necho a\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	ed, err := applypatch.NewDisk(root)
	if err != nil {
		t.Fatal(err)
	}
	defer ed.Close()
	if _, err := applypatch.Apply(context.Background(), ed, applypatch.Change{Type: responses.PatchUpdateFile, Path: "run.sh", Diff: "-echo a\n+echo b\n"}); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(root, "run.sh"))
	if err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("mode %v, %v", fi.Mode(), err)
	}
	entries, _ := os.ReadDir(root)
	if len(entries) != 1 {
		t.Errorf("files: %v", entries)
	}
	if err := ed.DeleteFile(context.Background(), "."); err == nil {
		t.Error("deleted the root")
	}
}

// flaky is an Editor over a map that fails the nth write.
type flaky struct {
	mu     sync.Mutex
	files  map[string]string
	failAt int
	writes int
}

func (f *flaky) ReadFile(_ context.Context, name string) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.files[name]
	if !ok {
		return nil, fmt.Errorf("%s: %w", name, fs.ErrNotExist)
	}
	return []byte(s), nil
}

func (f *flaky) WriteFile(_ context.Context, name string, data []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.writes++
	if f.writes == f.failAt {
		return errors.New("disk full")
	}
	f.files[name] = string(data)
	return nil
}

func (f *flaky) DeleteFile(_ context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.files, name)
	return nil
}

// TestApplyRollback: when a write fails halfway through a patch, the files
// written before it get their old content back, and those created are
// removed.
func TestApplyRollback(t *testing.T) {
	ed := &flaky{files: map[string]string{"a.txt": "a\n", "gone.txt": "g\n"}, failAt: 3}
	changes, err := applypatch.Parse("*** Begin Patch\n*** Update File: a.txt\n-a\n+A\n*** Delete File: gone.txt\n*** Add File: new.txt\n+n\n*** Add File: z.txt\n+z\n*** End Patch\n")
	if err != nil {
		t.Fatal(err)
	}
	_, err = applypatch.Apply(context.Background(), ed, changes...)
	if err == nil || !strings.Contains(err.Error(), "disk full") || !strings.Contains(err.Error(), "restored") {
		t.Errorf("err = %v", err)
	}
	want := map[string]string{"a.txt": "a\n", "gone.txt": "g\n"}
	if diff := cmp.Diff(want, ed.files); diff != "" {
		t.Errorf("files after the rollback (-want +got):\n%s", diff)
	}
}

func TestParseErrors(t *testing.T) {
	for _, patch := range []string{
		"*** Update File: a\n-a\n+b\n*** End Patch",
		"*** Begin Patch\n*** Update File: a\n-a\n+b\n",
		"*** Begin Patch\n*** Rename File: a\n*** End Patch",
		"*** Begin Patch\n*** Delete File: a\n-a\n*** End Patch",
	} {
		if c, err := applypatch.Parse(patch); err == nil {
			t.Errorf("Parse(%q) = %+v", patch, c)
		}
	}
}

func TestApproval(t *testing.T) {
	call := &responses.Item{Type: responses.ItemApplyPatchCall, CallID: "c1",
		Operation: &responses.PatchOperation{Type: responses.PatchCreateFile, Path: "docs/a.md", Diff: "+a\n"}}
	if need, err := applypatch.New(&flaky{}, nil).NeedsApproval(context.Background(), call); !need || err != nil {
		t.Errorf("default: %v, %v", need, err)
	}
	docsOnly := applypatch.New(&flaky{}, &applypatch.Options{NeedsApproval: func(_ context.Context, c applypatch.Change) (bool, error) {
		return !strings.HasPrefix(c.Path, "docs/"), nil
	}})
	if need, _ := docsOnly.NeedsApproval(context.Background(), call); need {
		t.Error("a change under docs/ needed approval")
	}
	out, err := docsOnly.Reject(context.Background(), call)
	if err != nil || out.Type != responses.ItemApplyPatchCallOutput || out.Status != responses.StatusFailed ||
		out.CallID != "c1" || !strings.Contains(out.Output.Text, "Rejected") {
		t.Errorf("Reject: %+v, %v", out, err)
	}
	if b, err := docsOnly.Definition().MarshalJSON(); err != nil || string(b) != `{"type":"apply_patch"}` {
		t.Errorf("Definition: %s, %v", b, err)
	}
}

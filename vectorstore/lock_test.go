package vectorstore_test

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agentloop/agentloop/vectorstore"
)

// TestOpenLocks: a writable Open holds the store file's lock until Close;
// a second writable Open fails at once with ErrLocked naming this process,
// a read-only one succeeds and refuses changes.
func TestOpenLocks(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "s.vs")
	w, err := vectorstore.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.EnsureStore(ctx, vectorstore.StoreSpec{ID: "a"}); err != nil {
		t.Fatal(err)
	}
	if err := w.Upsert(ctx, []vectorstore.Chunk{{StoreID: "a", FileID: "f", Text: "giraffes"}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(ctx); err != nil {
		t.Fatal(err)
	}

	_, err = vectorstore.Open(path, nil)
	if !errors.Is(err, vectorstore.ErrLocked) {
		t.Fatalf("second writable Open: %v, want ErrLocked", err)
	}
	if want := fmt.Sprintf("is open for writing by this process (pid %d)", os.Getpid()); !strings.Contains(err.Error(), want) {
		t.Errorf("error %q lacks %q", err, want)
	}

	r, err := vectorstore.Open(path, &vectorstore.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("read-only Open beside a writer: %v", err)
	}
	hits, err := r.Search(ctx, vectorstore.SearchRequest{StoreIDs: []string{"a"}, Queries: []vectorstore.Query{{Text: "giraffes"}}})
	if err != nil || len(hits) != 1 {
		t.Errorf("read-only search: %d hits, %v", len(hits), err)
	}
	for name, change := range map[string]error{
		"EnsureStore":   r.EnsureStore(ctx, vectorstore.StoreSpec{ID: "b"}),
		"Upsert":        r.Upsert(ctx, []vectorstore.Chunk{{StoreID: "a", FileID: "g", Text: "x"}}),
		"DeleteFile":    r.DeleteFile(ctx, "a", "f"),
		"DeleteStore":   r.DeleteStore(ctx, "a"),
		"SetAttributes": r.SetAttributes(ctx, "a", "f", nil),
	} {
		if !errors.Is(change, vectorstore.ErrReadOnly) {
			t.Errorf("read-only %s: %v, want ErrReadOnly", name, change)
		}
	}
	if err := r.Close(); err != nil {
		t.Errorf("read-only Close: %v", err)
	}

	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := vectorstore.Open(path, nil)
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	closeStore(t, again)
	if _, err := os.Stat(vectorstore.LockPath(path)); err != nil {
		t.Errorf("lock file: %v", err)
	}
}

// TestOpenLockedByAnotherProcess runs a child process that opens the store
// and waits: Open here fails naming the child's pid, and succeeds once the
// child is killed (the OS drops the lock with the process).
func TestOpenLockedByAnotherProcess(t *testing.T) {
	if path := os.Getenv("VECTORSTORE_TEST_HOLD_LOCK"); path != "" {
		st, err := vectorstore.Open(path, nil)
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Println("locked")
		_, _ = bufio.NewReader(os.Stdin).ReadString('\n') // until the parent closes stdin or kills us
		_ = st.Close()
		os.Exit(0)
	}
	path := filepath.Join(t.TempDir(), "s.vs")
	cmd := exec.Command(os.Args[0], "-test.run=^TestOpenLockedByAnotherProcess$")
	cmd.Env = append(os.Environ(), "VECTORSTORE_TEST_HOLD_LOCK="+path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = stdin.Close()
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	if line != "locked\n" {
		t.Fatalf("child: %q", line)
	}
	_, err = vectorstore.Open(path, nil)
	if !errors.Is(err, vectorstore.ErrLocked) {
		t.Fatalf("Open while the child holds the lock: %v, want ErrLocked", err)
	}
	prog := filepath.Base(os.Args[0])
	if want := fmt.Sprintf("%s is open for writing by process %d (%s)", path, cmd.Process.Pid, prog); !strings.Contains(err.Error(), want) {
		t.Errorf("error %q lacks %q", err, want)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	st, err := vectorstore.Open(path, nil)
	if err != nil {
		t.Fatalf("Open after the holder died: %v", err)
	}
	closeStore(t, st)
}

// TestOpenUnwritableFolder: a writer that could not save fails at Open,
// before any work, saying it cannot create the lock file.
func TestOpenUnwritableFolder(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("requires a user other than root, for whom folder permissions do not apply (the CLI's process tests cover this as an unprivileged user)")
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(dir, 0o755)
	_, err := vectorstore.Open(filepath.Join(dir, "s.vs"), nil)
	if err == nil || !strings.Contains(err.Error(), "cannot create its lock file") || !errors.Is(err, os.ErrPermission) {
		t.Errorf("Open in a read-only folder: %v", err)
	}
}

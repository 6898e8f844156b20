//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// These tests run the agentloop binary as a process, on real files with
// real permissions, and check what a user sees on stdout and stderr and
// what ends up in the store. Run as root (as in CI), the commands run as
// the unprivileged user nobody (uid 65534), for whom permissions apply.

var (
	buildOnce sync.Once
	binDir    string // the folder of the binary built, removed by TestMain
	binPath   string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// agentloopBin builds the binary once per test run, into a folder every
// user may read.
func agentloopBin(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		gobin, err := exec.LookPath("go")
		if err != nil {
			buildErr = fmt.Errorf("no go tool to build the binary: %w", err)
			return
		}
		dir, err := os.MkdirTemp("", "agentloop-bin-")
		if err == nil {
			binDir = dir
			err = os.Chmod(dir, 0o755)
		}
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "agentloop")
		out, err := exec.Command(gobin, "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %w\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// workDir returns a folder every user may write, removed at the end.
func workDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "agentloop-test-")
	if err == nil {
		err = os.Chmod(dir, 0o777)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
			if err == nil && info.IsDir() {
				_ = os.Chmod(p, 0o777)
			}
			return nil
		})
		_ = os.RemoveAll(dir)
	})
	return dir
}

// write writes files (slash path -> content) under dir, readable by all.
func write(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o777); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o666); err != nil {
			t.Fatal(err)
		}
		for d := filepath.Dir(p); d != dir && strings.HasPrefix(d, dir); d = filepath.Dir(d) {
			_ = os.Chmod(d, 0o777)
		}
	}
}

type result struct {
	code           int
	stdout, stderr string
}

// command returns the command running the binary with args in dir, as
// nobody when the test runs as root.
func command(t *testing.T, dir string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(agentloopBin(t), args...)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + dir}
	if os.Geteuid() == 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	}
	return cmd
}

// run runs the binary to the end.
func run(t *testing.T, dir string, args ...string) result {
	t.Helper()
	cmd := command(t, dir, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	case err != nil:
		if os.Geteuid() == 0 {
			t.Skipf("requires running the binary as the unprivileged user nobody (for permissions to apply to a root test run), unavailable here: %v", err)
		}
		t.Fatal(err)
	}
	return r
}

// TestIngestUnreadableFolder: a sub-folder that cannot be read is reported
// and the files beside it are stored and found (issue 17, item 1).
func TestIngestUnreadableFolder(t *testing.T) {
	dir := workDir(t)
	write(t, dir, map[string]string{"d/ok.txt": "giraffes", "d/locked/secret.txt": "okapis", "d/sub/more.md": "# More\n\nzebras"})
	if err := os.Chmod(filepath.Join(dir, "d", "locked"), 0); err != nil {
		t.Fatal(err)
	}
	r := run(t, dir, "ingest", "--store", "s.vs", "d")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	wantOut := `2 files into the store "docs" in s.vs: 2 new or changed, 0 unchanged, 0 skipped, 0 failed, 1 folder unreadable; 2 chunks, `
	if !strings.HasPrefix(r.stdout, wantOut) || strings.Count(r.stdout, "\n") != 1 {
		t.Errorf("stdout %q, want one line starting %q", r.stdout, wantOut)
	}
	for _, want := range []string{
		"  ✓ d/ok.txt  1 chunk\n",
		"  ✓ d/sub/more.md  1 chunk\n",
		"  ✗ d/locked/  folder not read: permission denied\n",
		"agentloop ingest: 1 folder could not be read (listed above); the other files were stored\n",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	r = run(t, dir, "search", "--store", "s.vs", "giraffes")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "1. d/ok.txt  relevance 1.00  chunk 0  file-") || !strings.Contains(r.stdout, "\n   **giraffes**\n") || r.stderr != "" {
		t.Errorf("search: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
}

// waitLock waits until the lock file of store names process pid, which
// writes it once it holds the lock.
func waitLock(t *testing.T, store string, pid int) {
	t.Helper()
	want := strconv.Itoa(pid) + " agentloop\n"
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		if b, _ := os.ReadFile(store + ".lock"); string(b) == want {
			return
		}
	}
	t.Fatalf("process %d never took the lock of %s", pid, store)
}

// bigFolder writes a folder of text long enough to take a while to ingest.
func bigFolder(t *testing.T, dir, name string) {
	t.Helper()
	var b strings.Builder
	for i := 0; b.Len() < 2<<20; i++ {
		fmt.Fprintf(&b, "Paragraph %d about the migration of wildebeest across the Serengeti plains.\n\n", i)
	}
	write(t, dir, map[string]string{name + "/big.txt": b.String()})
}

// TestConcurrentIngests: a second ingest into a store being written fails
// at once naming the first (its pid), and the first completes with all its
// files (issue 17, item 2).
func TestConcurrentIngests(t *testing.T) {
	dir := workDir(t)
	bigFolder(t, dir, "big")
	write(t, dir, map[string]string{"small/notes.md": "Notes on okapis.", "more/tapirs.md": "Notes on tapirs."})
	if r := run(t, dir, "ingest", "--store", "r.vs", "small"); r.code != 0 {
		t.Fatalf("first small ingest: exit %d\n%s", r.code, r.stderr)
	}
	first := command(t, dir, "ingest", "--store", "r.vs", "big")
	var out1, err1 bytes.Buffer
	first.Stdout, first.Stderr = &out1, &err1
	if err := first.Start(); err != nil {
		t.Skipf("requires starting the binary as the user nobody when root, unavailable here: %v", err)
	}
	defer func() { _ = first.Process.Kill() }()
	pid := first.Process.Pid
	waitLock(t, filepath.Join(dir, "r.vs"), pid)
	// The big ingest is stopped while it holds the lock, so the second
	// surely meets it.
	if err := first.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	r := run(t, dir, "ingest", "--store", "r.vs", "more")
	took := time.Since(start)
	search := run(t, dir, "search", "--store", "r.vs", "okapis")
	if err := first.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("agentloop ingest: r.vs is open for writing by process %d (agentloop); wait for it to finish, or pass another --store\n", pid)
	if r.code != 1 || r.stderr != want || r.stdout != "" {
		t.Errorf("second ingest: exit %d\nstdout:\n%s\nstderr:\n%q\nwant stderr %q", r.code, r.stdout, r.stderr, want)
	}
	if took > 20*time.Second {
		t.Errorf("the second ingest took %v to fail; it should not wait", took)
	}
	if search.code != 0 || !strings.Contains(search.stdout, "small/notes.md") {
		t.Errorf("search during the ingest (read-only): exit %d\n%s%s", search.code, search.stdout, search.stderr)
	}
	done := make(chan error, 1)
	go func() { done <- first.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("big ingest: %v\n%s%s", err, out1.String(), err1.String())
		}
	case <-time.After(5 * time.Minute):
		t.Fatal("the big ingest did not finish")
	}
	if !strings.HasPrefix(out1.String(), `1 file into the store "docs" in r.vs: 1 new or changed`) {
		t.Errorf("big ingest stdout:\n%s", out1.String())
	}
	for q, file := range map[string]string{"wildebeest": "big/big.txt", "okapis": "small/notes.md"} {
		r = run(t, dir, "search", "--store", "r.vs", q)
		if r.code != 0 || !strings.Contains(r.stdout, file) {
			t.Errorf("search %q after: exit %d\n%s%s", q, r.code, r.stdout, r.stderr)
		}
	}
	if r = run(t, dir, "ingest", "--store", "r.vs", "more"); r.code != 0 {
		t.Errorf("the second ingest, once the first is done: exit %d\n%s", r.code, r.stderr)
	}
}

// TestIngestSaveFails: when the store cannot be saved, no summary claims
// success; the error says nothing was stored (issue 17, item 3). And a
// folder that is not writable from the start fails before any work.
func TestIngestSaveFails(t *testing.T) {
	dir := workDir(t)
	bigFolder(t, dir, "big")
	if err := os.Mkdir(filepath.Join(dir, "ro"), 0o777); err != nil {
		t.Fatal(err)
	}
	_ = os.Chmod(filepath.Join(dir, "ro"), 0o777)

	cmd := command(t, dir, "ingest", "--store", "ro/s.vs", "big")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Skipf("requires starting the binary as the user nobody when root, unavailable here: %v", err)
	}
	defer func() { _ = cmd.Process.Kill() }()
	waitLock(t, filepath.Join(dir, "ro", "s.vs"), cmd.Process.Pid)
	// The folder becomes read-only while the ingest runs.
	if err := cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(dir, "ro"), 0o555); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("exit %v, want 1\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	if stdout.String() != "" {
		t.Errorf("a summary was printed though nothing was saved:\n%s", stdout.String())
	}
	if want := `agentloop ingest: saving the store "docs" in ro/s.vs failed: vectorstore: save ro/s.vs: open ro/.s.vs.`; !strings.Contains(stderr.String(), want) ||
		!strings.HasSuffix(stderr.String(), "permission denied; the 1 file read were not stored (make its folder writable, or pass another --store)\n") {
		t.Errorf("stderr:\n%s", stderr.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "ro", "s.vs")); err == nil {
		t.Error("a store file was written")
	}

	// Not writable from the start: refused before reading anything.
	r := run(t, dir, "ingest", "--store", "ro/t.vs", "big")
	if r.code != 1 || r.stdout != "" || !strings.HasPrefix(r.stderr, "agentloop ingest: cannot write the store ro/t.vs (") ||
		!strings.HasSuffix(r.stderr, "permission denied): pass --store with a path in a folder you can write\n") || strings.Contains(r.stderr, "big.txt") {
		t.Errorf("unwritable folder: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
}

// TestIngestMessages: an empty folder, a folder of unsupported files, the
// size limit and its flag, singular counts.
func TestIngestMessages(t *testing.T) {
	dir := workDir(t)
	write(t, dir, map[string]string{"empty/.hidden": "x", "pdfs/a.pdf": "%PDF", "pdfs/b.pdf": "%PDF", "one/a.md": "# A\n\nAlpha.",
		"large/big.txt": strings.Repeat("word ", 300<<10)})
	r := run(t, dir, "ingest", "--store", "s.vs", "empty")
	if r.code != 1 || r.stdout != "" || r.stderr != "agentloop ingest: no files found in empty (hidden files and folders are skipped): nothing to store\n" {
		t.Errorf("empty folder: exit %d\nstdout:\n%s\nstderr:\n%q", r.code, r.stdout, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "s.vs")); err == nil {
		t.Error("an empty folder made a store file")
	}
	r = run(t, dir, "ingest", "--store", "s.vs", "pdfs")
	if r.code != 1 || !strings.Contains(r.stdout, "0 new or changed, 0 unchanged, 2 skipped (unsupported: 2 .pdf)") ||
		!strings.HasSuffix(r.stderr, "agentloop ingest: none of the 2 files could be stored: convert them to text, Markdown, HTML or .docx first (PDF: pdftotext)\n") {
		t.Errorf("unsupported files: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	r = run(t, dir, "ingest", "--store", "s.vs", "one")
	if r.code != 0 || !strings.HasPrefix(r.stdout, `1 file into the store "docs" in s.vs: 1 new or changed, 0 unchanged, 0 skipped, 0 failed; 1 chunk, `) {
		t.Errorf("one file: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	r = run(t, dir, "ingest", "--store", "s.vs", "--max-file-size", "1MB", "large")
	if r.code != 1 || !strings.Contains(r.stderr, "large/big.txt  invalid_file: file too large: 1536000 bytes, over the 1000000-byte limit") {
		t.Errorf("over --max-file-size: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	r = run(t, dir, "ingest", "--store", "s.vs", "--max-file-size", "2MB", "large")
	if r.code != 0 {
		t.Errorf("under --max-file-size: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	r = run(t, dir, "ingest", "--store", "s.vs", "--max-file-size", "lots", "large")
	if r.code != 2 || !strings.Contains(r.stderr, `--max-file-size: "lots" is not a size`) {
		t.Errorf("bad --max-file-size: exit %d %q", r.code, r.stderr)
	}
}

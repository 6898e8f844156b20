package session_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/session"
	"github.com/agentloop/agentloop/session/sessiontest"
)

// TestMain runs the child processes of the multi-process tests: the test
// binary, re-executed with SESSION_TEST_CHILD set.
func TestMain(m *testing.M) {
	if mode := os.Getenv("SESSION_TEST_CHILD"); mode != "" {
		if err := child(mode, os.Getenv("SESSION_TEST_FILE")); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	code := m.Run()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goroutines outlived the tests:", err)
			code = 1
		}
	}
	os.Exit(code)
}

func TestFile(t *testing.T) {
	sessiontest.Run(t, func(t *testing.T) session.Session {
		return session.NewFile(filepath.Join(t.TempDir(), "session.jsonl"), nil)
	}, &sessiontest.Options{
		Reopen: func(t *testing.T, s session.Session) session.Session {
			return session.NewFile(s.(*session.File).Path(), nil)
		},
	})
}

// item returns a message item decoded from s, which keeps s as its bytes.
func item(t *testing.T, s string) responses.Item {
	t.Helper()
	var it responses.Item
	if err := it.UnmarshalJSON([]byte(s)); err != nil {
		t.Fatal(err)
	}
	return it
}

func TestFileFormat(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.jsonl")
	s := session.NewFile(path, nil)
	steps := []struct {
		name  string
		op    func() error
		after string // the file's bytes after op
	}{
		{"missing file", func() error { return nil }, ""},
		{"one item", func() error {
			return s.Append(ctx, 0, []responses.Item{item(t, `{"type":"message","role":"user","content":"<a & b>"}`)})
		}, `{"type":"message","role":"user","content":"<a & b>"}` + "\n[1]\n"},
		{"two items, one with line breaks", func() error {
			return s.Append(ctx, 1, []responses.Item{
				item(t, "{\n  \"type\": \"message\",\n  \"role\": \"assistant\",\n  \"content\": \"<hi>\"\n}"),
				responses.UserMessage("built"),
			})
		}, `{"type":"message","role":"user","content":"<a & b>"}` + "\n[1]\n" +
			`"{\n  \"type\": \"message\",\n  \"role\": \"assistant\",\n  \"content\": \"<hi>\"\n}"` + "\n" +
			`{"type":"message","role":"user","content":"built"}` + "\n[3]\n"},
		{"replace", func() error {
			return s.Replace(ctx, 3, []responses.Item{responses.UserMessage("x"), responses.UserMessage("y")})
		}, `{"type":"message","role":"user","content":"x"}` + "\n" + `{"type":"message","role":"user","content":"y"}` + "\n[2]\n"},
		{"clear", func() error { return s.Clear(ctx) }, ""},
	}
	for _, st := range steps {
		if err := st.op(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		b, err := os.ReadFile(path)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		if diff := cmp.Diff(st.after, string(b)); diff != "" {
			t.Errorf("%s: file (-want +got):\n%s", st.name, diff)
		}
	}
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("the directory holds %d files, want the session alone: %v", len(entries), entries)
	}
}

func TestFileMissing(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := session.NewFile(filepath.Join(dir, "none.jsonl"), nil)
	items, err := s.Items(ctx)
	if err != nil || len(items) != 0 {
		t.Errorf("Items of a missing file: %d items, %v", len(items), err)
	}
	if _, err := os.Stat(s.Path()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Items created the file: %v", err)
	}
	s = session.NewFile(filepath.Join(dir, "no", "dir.jsonl"), nil)
	if err := s.Append(ctx, 0, []responses.Item{responses.UserMessage("a")}); err == nil {
		t.Error("Append in a missing directory succeeded")
	}
}

func TestFileKeepsMode(t *testing.T) {
	ctx := context.Background()
	s := session.NewFile(filepath.Join(t.TempDir(), "s.jsonl"), nil)
	if err := s.Append(ctx, 0, []responses.Item{responses.UserMessage("a")}); err != nil {
		t.Fatal(err)
	}
	mode := func() os.FileMode {
		st, err := os.Stat(s.Path())
		if err != nil {
			t.Fatal(err)
		}
		return st.Mode().Perm()
	}
	if m := mode(); m != 0o600 {
		t.Errorf("new file's mode %v, want 0600", m)
	}
	if err := os.Chmod(s.Path(), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := s.Replace(ctx, 1, []responses.Item{responses.UserMessage("b")}); err != nil {
		t.Fatal(err)
	}
	if m := mode(); m != 0o640 {
		t.Errorf("mode after Replace %v, want 0640 kept", m)
	}
}

// TestFileTorn cuts an append short at every byte and checks that reads
// keep the stored items, report the torn end and never fail, and that the
// next append truncates it.
func TestFileTorn(t *testing.T) {
	ctx := context.Background()
	stored := []responses.Item{responses.UserMessage("stored 1"), responses.UserMessage("stored 2")}
	batch := []responses.Item{
		responses.UserMessage("torn 1"),
		item(t, "{\"type\":\"message\",\n\"role\":\"user\",\"content\":\"torn 2\"}"),
		responses.UserMessage("torn 3"),
	}
	next := []responses.Item{responses.UserMessage("next")}

	// The bytes an append of batch writes after stored.
	dir := t.TempDir()
	ref := session.NewFile(filepath.Join(dir, "ref.jsonl"), nil)
	if err := ref.Append(ctx, 0, stored); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(ref.Path())
	if err != nil {
		t.Fatal(err)
	}
	if err := ref.Append(ctx, len(stored), batch); err != nil {
		t.Fatal(err)
	}
	after, err := os.ReadFile(ref.Path())
	if err != nil {
		t.Fatal(err)
	}
	tail := after[len(before):]

	for cut := 1; cut < len(tail); cut++ {
		path := filepath.Join(dir, fmt.Sprintf("cut%d.jsonl", cut))
		if err := os.WriteFile(path, append(bytes.Clone(before), tail[:cut]...), 0o600); err != nil {
			t.Fatal(err)
		}
		var logged bytes.Buffer
		s := session.NewFile(path, &session.FileOptions{Logger: slog.New(slog.NewTextHandler(&logged, nil))})
		items, err := s.Items(ctx)
		if err != nil {
			t.Fatalf("cut at %d of %d: Items: %v", cut, len(tail), err)
		}
		if diff := cmp.Diff(texts(stored), texts(items)); diff != "" {
			t.Errorf("cut at %d: items (-want +got):\n%s", cut, diff)
		}
		if s.Torn() != int64(cut) {
			t.Errorf("cut at %d: Torn() = %d", cut, s.Torn())
		}
		if !strings.Contains(logged.String(), "torn") || !strings.Contains(logged.String(), "bytes="+strconv.Itoa(cut)) {
			t.Errorf("cut at %d: logged %q, want a warning about %d torn bytes", cut, logged.String(), cut)
		}
		// A stale position still conflicts; the right one truncates and appends.
		if err := s.Append(ctx, 3, next); !errors.Is(err, session.ErrConflict) {
			t.Errorf("cut at %d: Append(3): %v, want ErrConflict", cut, err)
		}
		if err := s.Append(ctx, len(stored), next); err != nil {
			t.Fatalf("cut at %d: Append: %v", cut, err)
		}
		if s.Torn() != 0 {
			t.Errorf("cut at %d: Torn() = %d after the append", cut, s.Torn())
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if want := string(before) + `{"type":"message","role":"user","content":"next"}` + "\n[3]\n"; string(b) != want {
			t.Errorf("cut at %d: file after the append:\n%s\nwant:\n%s", cut, b, want)
		}
	}
}

// TestFileCorrupt: a line that a crash cannot leave (anything but a torn
// end) fails the read, and appends write nothing.
func TestFileCorrupt(t *testing.T) {
	ctx := context.Background()
	ok := `{"type":"message","role":"user","content":"a"}` + "\n"
	for _, tc := range []struct{ name, content, want string }{
		{"garbage line", ok + "[1]\nnot json\n" + ok + "[3]\n", "line 3"},
		{"wrong count", ok + ok + "[3]\n", "commit line [3] after 2 items"},
		{"blank line", ok + "\n[1]\n", "line 2"},
		{"bad commit line", ok + "[1x]\n", "not a commit line"},
		{"bad string line", ok + "\"unterminated\n[2]\n", "line 2"},
		{"bad item", "{\"type\":\n" + "[1]\n", "item"},
		{"bad item at the end", ok + "[1]\n" + `{"type":[]}` + "\n[2]\n", "item"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "s.jsonl")
			if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			s := session.NewFile(path, nil)
			if _, err := s.Items(ctx); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Items: %v, want an error with %q", err, tc.want)
			}
			_ = s.Append(ctx, 1, []responses.Item{responses.UserMessage("b")})
			if b, _ := os.ReadFile(path); len(b) < len(tc.content) {
				t.Errorf("Append on a corrupt file truncated it:\n%s", b)
			}
		})
	}
}

// texts returns the texts of items.
func texts(items []responses.Item) []string {
	out := make([]string, len(items))
	for i := range items {
		out[i] = items[i].Text()
	}
	return out
}

// child is what a child process does:
//
//	crash   append batches of 3 large items until killed
//	writerN append 15 call/output pairs, reloading on conflict
func child(mode, path string) error {
	ctx := context.Background()
	s := session.NewFile(path, nil)
	switch {
	case mode == "crash":
		// Items decoded from bytes encode as those bytes: Append spends
		// its time writing and syncing. Each append is announced on
		// stdout just before it starts.
		n, err := strconv.Atoi(os.Getenv("SESSION_TEST_COUNT"))
		if err != nil {
			return err
		}
		pad := strings.Repeat("x", 64<<10)
		for ; ; n += 3 {
			batch := make([]responses.Item, 3)
			for i := range batch {
				if err := batch[i].UnmarshalJSON(fmt.Appendf(nil, `{"type":"message","role":"user","content":"item %d %s"}`, n+i, pad)); err != nil {
					return err
				}
			}
			fmt.Println(n)
			if err := s.Append(ctx, n, batch); err != nil {
				return err
			}
		}
	case strings.HasPrefix(mode, "writer"):
		for p := range 15 {
			id := fmt.Sprintf("%s-p%02d", mode, p)
			for {
				items, err := s.Items(ctx)
				if err != nil {
					return err
				}
				err = s.Append(ctx, len(items), []responses.Item{
					{Type: responses.ItemFunctionCall, CallID: id, Name: "f", Arguments: "{}"},
					responses.FunctionCallOutput(id, "ok"),
				})
				if err == nil {
					break
				}
				if !errors.Is(err, session.ErrConflict) {
					return err
				}
			}
		}
		return nil
	}
	return fmt.Errorf("unknown mode %q", mode)
}

// start starts a child process in mode on path.
func start(t *testing.T, mode, path string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "SESSION_TEST_CHILD="+mode, "SESSION_TEST_FILE="+path)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

// TestFileCrash kills a process appending to a file with SIGKILL, again and
// again, at random moments of an append: every load keeps every whole
// append (batches of three, in order) and never fails, a torn append is
// reported, and the next process goes on from there.
func TestFileCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the crash test needs processes started and killed")
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "crash.jsonl")
	const rounds = 8
	torn, count := 0, 0
	var stored, torn0 int64 // the file's committed bytes, and the torn ones after them
	for round := range rounds {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "SESSION_TEST_CHILD=crash", "SESSION_TEST_FILE="+path,
			"SESSION_TEST_COUNT="+strconv.Itoa(count))
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Once it announces its first or second append, kill it when the
		// file is caught mid-write (it may append a few times before).
		lines := bufio.NewScanner(out)
		for range 1 + rand.IntN(2) {
			if !lines.Scan() {
				t.Fatalf("round %d: the child stopped: %v", round, lines.Err())
			}
		}
		end := make([]byte, 2)
		var f *os.File // the child appends in place: one open file will do
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); runtime.Gosched() {
			if f == nil {
				if f, err = os.Open(path); err != nil {
					f = nil
					continue
				}
			}
			st, err := f.Stat()
			if err != nil {
				t.Fatal(err)
			}
			if n := st.Size(); n > stored+2 && n != stored+torn0 {
				if _, err := f.ReadAt(end, n-2); err == nil && string(end) != "]\n" {
					break
				}
			}
		}
		if f != nil {
			_ = f.Close()
		}
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Wait(); err == nil {
			t.Fatalf("round %d: the child exited cleanly", round)
		}

		s := session.NewFile(path, nil)
		items, err := s.Items(ctx)
		if err != nil {
			t.Fatalf("round %d: load after the crash: %v", round, err)
		}
		if len(items)%3 != 0 || len(items) < count {
			t.Errorf("round %d: %d items after %d: an append was stored in part, or lost", round, len(items), count)
		}
		for i := range items {
			if want := fmt.Sprintf("item %d ", i); !strings.HasPrefix(items[i].Text(), want) {
				t.Fatalf("round %d: item %d reads %.20q", round, i, items[i].Text())
			}
		}
		if s.Torn() > 0 {
			torn++
		}
		t.Logf("round %d: %d items kept, %d torn bytes ignored", round, len(items), s.Torn())
		count = len(items)
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		stored, torn0 = st.Size()-s.Torn(), s.Torn()
	}
	t.Logf("%d of %d kills left a torn append", torn, rounds)
}

// TestFileProcesses has three processes append to one file at once: the
// lock keeps their pairs whole and each process's pairs in order.
func TestFileProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the test needs processes started")
	}
	path := filepath.Join(t.TempDir(), "shared.jsonl")
	var cmds []*exec.Cmd
	for w := range 3 {
		cmds = append(cmds, start(t, fmt.Sprintf("writer%d", w), path))
	}
	for w, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("writer %d: %v", w, err)
		}
	}
	items, err := session.NewFile(path, nil).Items(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 3*15*2 {
		t.Fatalf("%d items, want %d", len(items), 3*15*2)
	}
	next := map[string]int{}
	for i := 0; i < len(items); i += 2 {
		call, out := items[i], items[i+1]
		if call.Type != responses.ItemFunctionCall || out.CallID != call.CallID {
			t.Fatalf("items %d, %d: %s %s, %s %s: pairs interleaved", i, i+1, call.Type, call.CallID, out.Type, out.CallID)
		}
		w, p, _ := strings.Cut(call.CallID, "-p")
		if n, _ := strconv.Atoi(p); n != next[w] {
			t.Errorf("%s: pair %d where %d was due", w, n, next[w])
		}
		next[w]++
	}
}

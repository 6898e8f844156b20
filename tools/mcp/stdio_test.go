package mcp_test

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/agentloop/agentloop/tools/mcp"
)

// fake returns the stdio transport of the hand-written fake server.
func fake(t *testing.T) *mcp.Stdio {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return &mcp.Stdio{Command: exe, Env: []string{envFake + "=1"}, TerminateDuration: 200 * time.Millisecond}
}

// TestStdioFailures: a server that never answers, answers nonsense, or
// dies mid-call gives the call an error for the model, with the server's
// stderr; the call after a death starts the server again.
func TestStdioFailures(t *testing.T) {
	t.Cleanup(func() { checkNoLeaks(t) })
	s := open(t, "fake", fake(t), nil)
	l := list(t, s)
	call := func(name string, timeout time.Duration) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		out, err := toolNamed(t, l, "fake_"+name).Call(ctx, "{}")
		return out.Text, err
	}
	errType := func(err error) string {
		var ce *mcp.CallError
		if errors.As(err, &ce) {
			return ce.Type
		}
		return ""
	}

	if out, err := call("ok", 5*time.Second); err != nil || out != "fine" {
		t.Fatalf("ok: %q, %v", out, err)
	}
	start := time.Now()
	_, err := call("hang", 300*time.Millisecond)
	if errType(err) != mcp.ErrorTimeout || time.Since(start) > 3*time.Second {
		t.Errorf("hang: %v after %v", err, time.Since(start))
	}
	if _, err := call("malformed", 5*time.Second); errType(err) != mcp.ErrorMalformed {
		t.Errorf("malformed: %v (%s)", err, errType(err))
	}
	// The connection survives those.
	if out, err := call("ok", 5*time.Second); err != nil || out != "fine" {
		t.Fatalf("ok after failures: %q, %v", out, err)
	}
	_, err = call("die", 5*time.Second)
	if errType(err) != mcp.ErrorConnection || !strings.Contains(err.Error(), "out of cheese") || !strings.Contains(err.Error(), "whether the tool ran is unknown") {
		t.Errorf("die: %v (%s)", err, errType(err))
	}
	// The next call starts the server again.
	if out, err := call("ok", 10*time.Second); err != nil || out != "fine" {
		t.Fatalf("ok after the server died: %q, %v", out, err)
	}
}

// TestStdioClose: Close ends the server and the children it started.
func TestStdioClose(t *testing.T) {
	t.Cleanup(func() { checkNoLeaks(t) })
	s, err := mcp.New("fake", fake(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := toolNamed(t, list(t, s), "fake_spawn").Call(context.Background(), "{}")
	if err != nil {
		t.Fatal(err)
	}
	child, err := strconv.Atoi(out.Text)
	if err != nil {
		t.Fatalf("spawn: %q", out.Text)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for alive(child) {
		if time.Now().After(deadline) {
			t.Fatalf("the server's child %d outlived Close", child)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// alive reports whether a process runs (a zombie does not count).
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	f := strings.Fields(string(b))
	return len(f) < 3 || f[2] != "Z"
}

// TestStdioStartFailure: a command that does not start, or exits before
// initializing, is an error naming the server, with its stderr.
func TestStdioStartFailure(t *testing.T) {
	t.Cleanup(func() { checkNoLeaks(t) })
	s := open(t, "nope", &mcp.Stdio{Command: "agentloop-no-such-command"}, nil)
	if err := s.Connect(context.Background()); err == nil || !strings.Contains(err.Error(), "mcp server nope") {
		t.Errorf("missing command: %v", err)
	}
	s2 := open(t, "sh", &mcp.Stdio{Command: "sh", Args: []string{"-c", "echo 'bad config' >&2; exit 2"}}, nil)
	if err := s2.Connect(context.Background()); err == nil || !strings.Contains(err.Error(), "bad config") {
		t.Errorf("exiting command: %v", err)
	}
}

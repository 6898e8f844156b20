package mcp_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/agentloop/agentloop/internal/mcptest"
	"github.com/agentloop/agentloop/tools/mcp"
)

// TestEverything runs the reference server everything (which nobody on
// this project wrote) over stdio and over streamable HTTP: text, image and
// error results, a slow tool cut short by its timeout, and the list change
// it announces once initialized.
func TestEverything(t *testing.T) {
	bin := mcptest.Bin(t, "mcp-server-everything")
	t.Run("stdio", func(t *testing.T) {
		t.Cleanup(func() { checkNoLeaks(t) })
		everything(t, open(t, "ev", &mcp.Stdio{Command: bin, Args: []string{"stdio"}}, nil))
	})
	t.Run("http", func(t *testing.T) {
		t.Cleanup(func() { checkNoLeaks(t) })
		port := freePort(t)
		stop := startHTTP(t, bin, port)
		s := open(t, "ev", &mcp.HTTP{URL: fmt.Sprintf("http://127.0.0.1:%d/mcp", port)}, nil)
		everything(t, s)

		// The server restarts: it forgot the session, and the next call
		// makes a new one.
		stop()
		startHTTP(t, bin, port)
		out, err := callEv(t, s, "ev_echo", `{"message":"again"}`, 30*time.Second)
		if err != nil || out != "Echo: again" {
			t.Fatalf("after the server restarted: %q, %v", out, err)
		}
	})
}

func callEv(t *testing.T, s *mcp.Server, name, args string, timeout time.Duration) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	out, err := toolNamed(t, list(t, s), name).Call(ctx, args)
	if out.Parts != nil {
		var kinds []string
		for _, p := range out.Parts {
			kinds = append(kinds, p.Type)
		}
		return strings.Join(kinds, ","), err
	}
	return out.Text, err
}

func everything(t *testing.T, s *mcp.Server) {
	t.Helper()
	if err := s.Connect(context.Background()); err != nil {
		t.Fatal(err)
	}
	// The server registers more tools once initialized, and says so.
	deadline := time.Now().Add(10 * time.Second)
	for {
		var names []string
		for _, tl := range list(t, s) {
			names = append(names, tl.Definition().Name)
		}
		if strings.Contains(strings.Join(names, " "), "ev_simulate-research-query") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the tools registered after initialize never showed: %v", names)
		}
		time.Sleep(20 * time.Millisecond)
	}
	tests := []struct {
		tool, args string
		want       string
		errType    string
	}{
		{"ev_echo", `{"message":"hi"}`, "Echo: hi", ""},
		{"ev_get-sum", `{"a":2,"b":3}`, "The sum of 2 and 3 is 5.", ""},
		{"ev_get-tiny-image", `{}`, "input_text,input_image,input_text", ""},
		{"ev_get-structured-content", `{"location":"Chicago"}`, `{"conditions":`, ""},
		{"ev_get-annotated-message", `{"messageType":"error"}`, "Error: Operation failed", ""},
		// An argument the schema allows but the tool refuses: an error result.
		{"ev_get-resource-reference", `{"resourceId":-1}`, "", mcp.ErrorTool},
		{"ev_trigger-long-running-operation", `{"duration":1,"steps":2}`, "Long running operation completed", ""},
	}
	for _, tt := range tests {
		out, err := callEv(t, s, tt.tool, tt.args, 30*time.Second)
		var ce *mcp.CallError
		switch {
		case tt.errType != "":
			if !errors.As(err, &ce) || ce.Type != tt.errType {
				t.Errorf("%s: %q, %v; want a %s", tt.tool, out, err, tt.errType)
			}
		case err != nil || !strings.HasPrefix(out, tt.want):
			t.Errorf("%s: %q, %v; want %q", tt.tool, out, err, tt.want)
		}
	}
	start := time.Now()
	_, err := callEv(t, s, "ev_trigger-long-running-operation", `{"duration":5,"steps":5}`, 500*time.Millisecond)
	var ce *mcp.CallError
	if !errors.As(err, &ce) || ce.Type != mcp.ErrorTimeout || time.Since(start) > 5*time.Second {
		t.Errorf("slow tool: %v after %v", err, time.Since(start))
	}
	// The connection survives the timeout.
	if out, err := callEv(t, s, "ev_echo", `{"message":"still"}`, 30*time.Second); err != nil || out != "Echo: still" {
		t.Errorf("after the timeout: %q, %v", out, err)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startHTTP starts the everything server over HTTP on port, waits until it
// listens, and stops it (its process group, by its pid) when the test
// ends; stop stops it sooner.
func startHTTP(t *testing.T, bin string, port int) (stop func()) {
	t.Helper()
	cmd := exec.Command(bin, "streamableHttp")
	cmd.Env = append(cmd.Environ(), fmt.Sprintf("PORT=%d", port))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
	}
	t.Cleanup(stop)
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		ok := false
		for sc.Scan() {
			if strings.Contains(sc.Text(), "listening on port") && !ok {
				ok = true
				ready <- true
			}
		}
		if !ok {
			ready <- false
		}
	}()
	select {
	case ok := <-ready:
		if !ok {
			t.Fatal("the everything server exited before listening")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the everything server did not start listening")
	}
	return stop
}

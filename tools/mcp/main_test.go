package mcp_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// envFake makes the test binary act as a stdio MCP server (fakeServer)
// instead of running the tests.
const envFake = "AGENTLOOP_MCP_FAKE_SERVER"

// TestMain fails the package's tests when a goroutine outlives them (each
// test also checks its own with checkNoLeaks).
func TestMain(m *testing.M) {
	if os.Getenv(envFake) != "" {
		fakeServer()
		os.Exit(0)
	}
	goleak.VerifyTestMain(m)
}

// fakeServer is a stdio MCP server written by hand, to misbehave on
// purpose: its tools answer well (ok), never (hang), with a result that
// is not one (malformed), by exiting mid-call (die), or after starting a
// child that outlives it (spawn).
func fakeServer() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(nil, 1<<20)
	out := json.NewEncoder(os.Stdout)
	fmt.Fprintln(os.Stderr, "fake server: ready")
	for in.Scan() {
		var req struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
			Params struct {
				Name string `json:"name"`
			} `json:"params"`
		}
		if json.Unmarshal(in.Bytes(), &req) != nil || req.ID == nil {
			continue // a notification
		}
		reply := func(result string) {
			_ = out.Encode(map[string]any{"jsonrpc": "2.0", "id": req.ID, "result": json.RawMessage(result)})
		}
		switch req.Method {
		case "initialize":
			reply(`{"protocolVersion":"2025-06-18","capabilities":{"tools":{}},"serverInfo":{"name":"fake","version":"1"}}`)
		case "tools/list":
			var list []string
			for _, n := range []string{"ok", "hang", "malformed", "die", "spawn"} {
				list = append(list, fmt.Sprintf(`{"name":%q,"inputSchema":{"type":"object"}}`, n))
			}
			reply(`{"tools":[` + strings.Join(list, ",") + `]}`)
		case "tools/call":
			switch req.Params.Name {
			case "ok":
				reply(`{"content":[{"type":"text","text":"fine"}]}`)
			case "hang":
			case "malformed":
				reply(`{"content":[{"type":"hologram","text":"?"}]}`)
			case "die":
				fmt.Fprintln(os.Stderr, "fake server: fatal: out of cheese")
				os.Exit(3)
			case "spawn":
				child := exec.Command("sleep", "300")
				if err := child.Start(); err == nil {
					reply(fmt.Sprintf(`{"content":[{"type":"text","text":"%d"}]}`, child.Process.Pid))
				}
			}
		default:
			_ = out.Encode(map[string]any{"jsonrpc": "2.0", "id": req.ID, "error": map[string]any{"code": -32601, "message": "method not found"}})
		}
	}
}

// leftGoroutines returns the stacks of goroutines of the go-sdk, of this
// package or of HTTP client connections still running, after waiting a
// little for them to end.
func leftGoroutines(t *testing.T) string {
	t.Helper()
	var stacks string
	for range 100 {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		var left []string
		for _, g := range strings.Split(string(buf), "\n\n") {
			if strings.Contains(g, "modelcontextprotocol/go-sdk") || strings.Contains(g, "agentloop/tools/mcp.") ||
				strings.Contains(g, "net/http.(*persistConn)") {
				if !strings.Contains(g, "leftGoroutines") && !strings.Contains(g, "testing.tRunner") {
					left = append(left, g)
				}
			}
		}
		if len(left) == 0 {
			return ""
		}
		stacks = strings.Join(left, "\n\n")
		time.Sleep(20 * time.Millisecond)
	}
	return stacks
}

// checkNoLeaks fails t when goroutines of the go-sdk or of this package
// outlive the test.
func checkNoLeaks(t *testing.T) {
	t.Helper()
	if left := leftGoroutines(t); left != "" {
		t.Errorf("goroutines left behind:\n%s", left)
	}
}

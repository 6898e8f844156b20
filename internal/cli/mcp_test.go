package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	mcpsdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/agentloop/agentloop/internal/mcptest"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
	"github.com/agentloop/agentloop/tools/mcp"
)

func TestSplitCommand(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"npx -y @modelcontextprotocol/server-filesystem /tmp", []string{"npx", "-y", "@modelcontextprotocol/server-filesystem", "/tmp"}},
		{`srv --dir '/a b' "c \"d\"" e\ f`, []string{"srv", "--dir", "/a b", `c "d"`, "e f"}},
		{`  x  ''  `, []string{"x", ""}},
	}
	for _, tt := range tests {
		got, err := splitCommand(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%q (-want +got):\n%s", tt.in, diff)
		}
	}
	if _, err := splitCommand(`a 'b`); err == nil {
		t.Error("an unclosed quote was accepted")
	}
}

func TestNameOfCommand(t *testing.T) {
	tests := map[string]string{
		"npx -y @modelcontextprotocol/server-filesystem /tmp": "filesystem",
		"npx -y @modelcontextprotocol/server-everything@1.2":  "everything",
		"uvx mcp-server-fetch":                                "fetch",
		"/usr/local/bin/github-mcp-server stdio":              "github",
		"python3 -m weather.py":                               "weather",
		"./my.tool":                                           "my",
	}
	for line, want := range tests {
		words, _ := splitCommand(line)
		if got := nameOfCommand(&mcp.Stdio{Command: words[0], Args: words[1:]}); got != want {
			t.Errorf("%q: %q, want %q", line, got, want)
		}
	}
	for in, want := range map[string][2]string{"fs=npx x": {"fs", "npx x"}, "npx a=b": {"", "npx a=b"}, "docs=https://x/mcp?a=b": {"docs", "https://x/mcp?a=b"}} {
		if n, rest := splitName(in); n != want[0] || rest != want[1] {
			t.Errorf("splitName(%q) = %q, %q", in, n, rest)
		}
	}
}

// mcpHTTPServer serves one go-sdk MCP server with a "note" tool over
// streamable HTTP, recording the headers of the requests.
func mcpHTTPServer(t *testing.T) (*httptest.Server, func() []http.Header) {
	t.Helper()
	srv := mcpsdk.NewServer(&mcpsdk.Implementation{Name: "notes", Version: "1"}, nil)
	srv.AddTool(&mcpsdk.Tool{Name: "note", Description: "Reads the note.", InputSchema: json.RawMessage(`{"type":"object"}`),
		Annotations: &mcpsdk.ToolAnnotations{ReadOnlyHint: true}},
		func(context.Context, *mcpsdk.CallToolRequest) (*mcpsdk.CallToolResult, error) {
			return &mcpsdk.CallToolResult{Content: []mcpsdk.Content{&mcpsdk.TextContent{Text: "buy milk"}}}, nil
		})
	h := mcpsdk.NewStreamableHTTPHandler(func(*http.Request) *mcpsdk.Server { return srv }, &mcpsdk.StreamableHTTPOptions{Stateless: true})
	var mu sync.Mutex
	var seen []http.Header
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Clone())
		mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	return ts, func() []http.Header {
		mu.Lock()
		defer mu.Unlock()
		return append([]http.Header(nil), seen...)
	}
}

// TestRunMCPURL: run --mcp-url uses an HTTP server's tools with the
// headers given; a ${VAR} in a header is read from the environment, so the
// state file keeps the reference, not the secret.
func TestRunMCPURL(t *testing.T) {
	mcpSrv, headers := mcpHTTPServer(t)
	srv := responsestest.Start(t,
		responsestest.Reply(responsestest.FunctionCall("c1", "notes_note", `{}`)),
		responsestest.Func(func(r *responsestest.Received) responsestest.Step {
			for _, it := range r.Request.Input.Items {
				if it.Type == responses.ItemFunctionCallOutput {
					return responsestest.Reply(responsestest.Message("The note says: " + it.Output.String()))
				}
			}
			return responsestest.Reply(responsestest.Message("no note"))
		}))
	state := filepath.Join(t.TempDir(), "state.json")
	env := map[string]string{"OPENAI_API_KEY": "k", "OPENAI_BASE_URL": srv.URL(), "NOTES_TOKEN": "s3cret-token"}
	r := runCLI(t, env, "run", "--tools", "", "--state", state, "--approve", "pause",
		"--mcp-url", "notes="+mcpSrv.URL, "--mcp-header", "Authorization=Bearer ${NOTES_TOKEN}", "What does my note say?")
	if r.code != 0 || !strings.Contains(r.stdout, "The note says: buy milk") {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	for _, h := range headers() {
		if h.Get("Authorization") != "Bearer s3cret-token" {
			t.Errorf("a request went without the header: %v", h)
		}
	}
	if len(headers()) == 0 {
		t.Error("the MCP server got no request")
	}
	if b, err := os.ReadFile(state); err == nil && bytes.Contains(b, []byte("s3cret")) {
		t.Error("the state file holds the secret")
	}
	req := srv.Requests()[0].Request
	if len(req.Tools) != 1 || req.Tools[0].Name != "notes_note" {
		t.Errorf("tools %+v", req.Tools)
	}
}

// TestRunMCPResume: a write through the filesystem server needs approval;
// the run pauses, and resume starts the server again from the run's
// flags and goes on.
func TestRunMCPResume(t *testing.T) {
	bin := mcptest.Bin(t, "mcp-server-filesystem")
	dir := t.TempDir()
	dir, _ = filepath.EvalSymlinks(dir)
	args, _ := json.Marshal(map[string]string{"path": filepath.Join(dir, "todo.txt"), "content": "milk"})
	srv := responsestest.Start(t,
		responsestest.Reply(responsestest.FunctionCall("c1", "fs_write_file", string(args))),
		responsestest.Reply(responsestest.Message("Saved.")))
	state := filepath.Join(t.TempDir(), "state.json")
	env := map[string]string{"OPENAI_API_KEY": "k", "OPENAI_BASE_URL": srv.URL()}
	r := runCLI(t, env, "run", "--tools", "", "--state", state, "--mcp", "fs="+bin+" "+dir, "Save milk to my todo list.")
	if r.code != ExitPaused || !strings.Contains(r.stderr, "c1  fs_write_file") {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "todo.txt")); !os.IsNotExist(err) {
		t.Fatal("the file was written before approval")
	}
	r = runCLI(t, env, "resume", "--approve-call", "c1", state)
	if r.code != 0 || !strings.Contains(r.stdout, "Saved.") {
		t.Fatalf("resume: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "todo.txt")); err != nil || string(b) != "milk" {
		t.Errorf("todo.txt: %q, %v", b, err)
	}
}

// TestMCPList: agentloop mcp list prints a server's tools, by command or
// by URL.
func TestMCPList(t *testing.T) {
	mcpSrv, _ := mcpHTTPServer(t)
	r := runCLI(t, nil, "mcp", "list", mcpSrv.URL)
	if r.code != 0 || !strings.Contains(r.stdout, "note  (read-only)") || !strings.Contains(r.stdout, `input: {"type":"object"}`) {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, nil, "mcp", "list", "--json", mcpSrv.URL)
	var listed []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &listed); err != nil || len(listed) != 1 || listed[0]["name"] != "note" {
		t.Errorf("--json: %v\n%s", err, r.stdout)
	}
	if r := runCLI(t, nil, "mcp", "list"); r.code != 2 {
		t.Errorf("no server: exit %d", r.code)
	}
	if r := runCLI(t, nil, "mcp", "list", "agentloop-no-such-server"); r.code != 1 || !strings.Contains(r.stderr, "agentloop-no-such-server") {
		t.Errorf("a missing command: exit %d: %s", r.code, r.stderr)
	}

	bin := mcptest.Bin(t, "mcp-server-everything")
	r = runCLI(t, nil, "mcp", "list", bin, "stdio")
	if r.code != 0 || !strings.Contains(r.stdout, "\necho  (read-only)\n  Echoes back the input") {
		t.Fatalf("everything: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
}

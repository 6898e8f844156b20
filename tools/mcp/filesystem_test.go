package mcp_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/internal/mcptest"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/tools"
	"github.com/agentloop/agentloop/tools/mcp"
)

// TestFilesystem runs an agent against the reference filesystem server
// (which nobody on this project wrote) on a temporary folder, with a
// scripted model: it lists the folder, reads a file, writes another
// through MCP, and answers with what it read.
func TestFilesystem(t *testing.T) {
	bin := mcptest.Bin(t, "mcp-server-filesystem")
	t.Cleanup(func() { checkNoLeaks(t) })
	dir := t.TempDir()
	dir, _ = filepath.EvalSymlinks(dir)
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("The launch code is 4217."), 0o644); err != nil {
		t.Fatal(err)
	}
	s := open(t, "fs", &mcp.Stdio{Command: bin, Args: []string{dir}}, &mcp.Options{Allow: []string{"list_directory", "read_text_file", "write_file"}})
	arg := func(v map[string]string) string {
		b, _ := json.Marshal(v)
		return string(b)
	}
	lastOutput := func(r *responsestest.Received) string {
		items := r.Request.Input.Items
		for i := len(items) - 1; i >= 0; i-- {
			if items[i].Type == responses.ItemFunctionCallOutput {
				return items[i].Output.String()
			}
		}
		return ""
	}
	var listed, read string
	srv := responsestest.Start(t,
		responsestest.Reply(responsestest.FunctionCall("c1", "fs_list_directory", arg(map[string]string{"path": dir}))),
		responsestest.Func(func(r *responsestest.Received) responsestest.Step {
			listed = lastOutput(r)
			return responsestest.Reply(responsestest.FunctionCall("c2", "fs_read_text_file", arg(map[string]string{"path": filepath.Join(dir, "notes.txt")})))
		}),
		responsestest.Func(func(r *responsestest.Received) responsestest.Step {
			read = lastOutput(r)
			return responsestest.Reply(responsestest.FunctionCall("c3", "fs_write_file",
				arg(map[string]string{"path": filepath.Join(dir, "answer.txt"), "content": "4217"})))
		}),
		responsestest.Reply(responsestest.Message("The launch code is 4217; I saved it in answer.txt.")),
	)
	a := &agent.Agent{Name: "files", Model: "gpt-5", Toolsets: []tools.Toolset{s}}
	res, err := newRunner(srv, nil).Run(context.Background(), a, runner.Text("What is the launch code? Save it."))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(listed, "notes.txt") {
		t.Errorf("listing: %q", listed)
	}
	if read != "The launch code is 4217." {
		t.Errorf("read: %q", read)
	}
	if got, err := os.ReadFile(filepath.Join(dir, "answer.txt")); err != nil || string(got) != "4217" {
		t.Errorf("answer.txt: %q, %v", got, err)
	}
	if res.Output != "The launch code is 4217; I saved it in answer.txt." {
		t.Errorf("output %q", res.Output)
	}
}

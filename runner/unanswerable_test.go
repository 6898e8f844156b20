package runner_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/tools"
)

// TestUnanswerableCalls: a response holding a call no tool of the agent
// answers ends the run with an error naming the item type and what to
// configure, before any call of that turn runs; hosted calls the server
// ran are kept and never answered, and do not stop the run.
func TestUnanswerableCalls(t *testing.T) {
	ids := 0
	raw := func(typ, extra string) responses.Item {
		ids++
		var it responses.Item
		if err := it.UnmarshalJSON([]byte(fmt.Sprintf(`{"type":"%s","id":"x_%d","call_id":"call_%d","status":"completed"%s}`, typ, ids, ids, extra))); err != nil {
			t.Fatal(err)
		}
		return it
	}
	cases := []struct {
		item responses.Item
		want string
	}{
		{raw("shell_call", `,"action":{"commands":["ls"]},"environment":{"type":"local"}`), "shell tool"},
		{raw("shell_call", `,"action":{"commands":["ls"]},"environment":null`), "shell tool"},
		{raw("local_shell_call", `,"action":{"type":"exec","command":["ls"]}`), "shell tool"},
		{raw("apply_patch_call", `,"operation":{"type":"delete_file","path":"a.txt"}`), "apply_patch tool"},
		{raw("tool_search_call", `,"execution":"client","arguments":{}`), "tool search"},
		{raw("mcp_approval_request", `,"server_label":"s","name":"t","arguments":"{}"`), "mcp.NewHosted"},
		{raw("teleport_call", ``), "does not know this kind of call"},
		{responsestest.ComputerCall("call_c", responses.ComputerAction{Type: "screenshot"}), "computer tool"},
	}
	for _, c := range cases {
		for _, stream := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/stream=%v", c.item.Type, stream), func(t *testing.T) {
				var n atomic.Int64
				srv := responsestest.Start(t, responsestest.Reply(
					responsestest.FunctionCall("c1", "get_weather", `{"city":"Paris"}`), c.item))
				a := &agent.Agent{Name: "a", Model: "gpt-5", Tools: []tools.Tool{weatherTool(t, &n)}}
				_, err := newRunner(srv, &runner.Options{DisableStreaming: !stream}).Run(context.Background(), a, runner.Text("go"))
				if !errors.Is(err, runner.ErrUnanswerable) || !strings.Contains(err.Error(), c.item.Type) || !strings.Contains(err.Error(), c.want) {
					t.Errorf("err = %v, want one naming %s and %q", err, c.item.Type, c.want)
				}
				if n.Load() != 0 {
					t.Errorf("a call of the turn ran")
				}
			})
		}
	}

	// Hosted calls are not answered and do not end the run on their own.
	hosted := []responses.Item{
		raw("code_interpreter_call", `,"code":"1+1","outputs":[]`),
		raw("shell_call", `,"action":{"commands":["ls"]},"environment":{"type":"container_auto"}`),
		raw("tool_search_call", `,"execution":"server","arguments":{}`),
		raw("mcp_call", `,"server_label":"s","name":"t","arguments":"{}","output":"ok"`),
		responsestest.WebSearchCall("agentloop"),
	}
	var n atomic.Int64
	srv := responsestest.Start(t,
		responsestest.Reply(append(hosted, responsestest.FunctionCall("c1", "get_weather", `{"city":"Paris"}`))...),
		responsestest.Reply(append(hosted[:0:0], responsestest.Message("done"))...))
	a := &agent.Agent{Name: "a", Model: "gpt-5", Tools: []tools.Tool{weatherTool(t, &n)}}
	res, err := newRunner(srv, nil).Run(context.Background(), a, runner.Text("go"))
	if err != nil || res.Output != "done" || n.Load() != 1 {
		t.Fatalf("err %v, %d calls", err, n.Load())
	}
	for _, it := range srv.Requests()[1].Request.Input.Items {
		if strings.HasSuffix(it.Type, "_output") && it.CallID != "c1" {
			t.Errorf("a hosted call was answered: %s", it.Type)
		}
	}
}

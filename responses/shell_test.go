package responses_test

import (
	stdcmp "cmp"
	"encoding/json"
	"testing"

	"github.com/agentloop/agentloop/responses"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func ptr[T any](v T) *T { return &v }

// TestBuiltinItemEncode checks the JSON of the built-in tools' items built
// in code against the shapes of the spec (FunctionShellCall(OutputItemParam),
// LocalShellToolCall(Output), ApplyPatchToolCall(OutputItemParam),
// ToolSearchCall, ToolSearchOutputItemParam), and that they decode back to
// the same fields.
func TestBuiltinItemEncode(t *testing.T) {
	fn := responses.Tool{Type: responses.ToolFunction, Name: "eta", Description: "ETA of an order.",
		Parameters: json.RawMessage(`{"type":"object","properties":{},"additionalProperties":false}`), Strict: ptr(true), DeferLoading: true}
	tests := []struct {
		name string
		item responses.Item
		want string
	}{
		{"shell_call", responses.Item{Type: responses.ItemShellCall, ID: "sh_1", CallID: "call_1", Status: "completed", EnvironmentType: "local",
			ShellAction: &responses.ShellAction{Commands: []string{"ls", "pwd"}, TimeoutMS: ptr[int64](5000), MaxOutputLength: ptr[int64](100)}},
			`{"type":"shell_call","id":"sh_1","call_id":"call_1","action":{"commands":["ls","pwd"],"timeout_ms":5000,"max_output_length":100},"status":"completed","environment":{"type":"local"}}`},
		{"shell_call bare", responses.Item{Type: responses.ItemShellCall, CallID: "call_1"},
			`{"type":"shell_call","call_id":"call_1","action":{"commands":[],"timeout_ms":null,"max_output_length":null},"environment":null}`},
		{"shell_call_output", responses.Item{Type: responses.ItemShellCallOutput, CallID: "call_1", MaxOutputLength: ptr[int64](100),
			ShellOutput: []responses.ShellCommandOutput{
				{Stdout: "a <b>\n", Outcome: responses.ShellOutcome{Type: responses.OutcomeExit}},
				{Stderr: "boom", Outcome: responses.ShellOutcome{ExitCode: 2}},
				{Stdout: "part", Outcome: responses.ShellOutcome{Type: responses.OutcomeTimeout}},
			}},
			`{"type":"shell_call_output","call_id":"call_1","output":[{"stdout":"a \u003cb\u003e\n","stderr":"","outcome":{"type":"exit","exit_code":0}},{"stdout":"","stderr":"boom","outcome":{"type":"exit","exit_code":2}},{"stdout":"part","stderr":"","outcome":{"type":"timeout"}}],"max_output_length":100}`},
		{"shell_call_output empty", responses.Item{Type: responses.ItemShellCallOutput, CallID: "call_1"},
			`{"type":"shell_call_output","call_id":"call_1","output":[]}`},
		{"local_shell_call", responses.Item{Type: responses.ItemLocalShellCall, ID: "lsh_1", CallID: "call_2", Status: "completed",
			LocalShellAction: &responses.LocalShellAction{Command: []string{"ls", "-la"}}},
			`{"type":"local_shell_call","id":"lsh_1","call_id":"call_2","action":{"type":"exec","command":["ls","-la"],"env":{}},"status":"completed"}`},
		{"local_shell_call_output", responses.Item{Type: responses.ItemLocalShellCallOutput, CallID: "call_2",
			Output: &responses.ToolOutput{Text: responses.LocalShellOutputText("a\n", 0, false, 0.123)}},
			`{"type":"local_shell_call_output","call_id":"call_2","output":"{\"output\":\"a\\n\",\"metadata\":{\"exit_code\":0,\"duration_seconds\":0.1}}"}`},
		{"apply_patch_call", responses.Item{Type: responses.ItemApplyPatchCall, ID: "apc_1", CallID: "call_3",
			Operation: &responses.PatchOperation{Type: responses.PatchCreateFile, Path: "a.txt", Diff: ""}},
			`{"type":"apply_patch_call","id":"apc_1","call_id":"call_3","status":"completed","operation":{"type":"create_file","path":"a.txt","diff":""}}`},
		{"apply_patch_call delete", responses.Item{Type: responses.ItemApplyPatchCall, CallID: "call_3", Status: "in_progress",
			Operation: &responses.PatchOperation{Type: responses.PatchDeleteFile, Path: "a.txt"}},
			`{"type":"apply_patch_call","call_id":"call_3","status":"in_progress","operation":{"type":"delete_file","path":"a.txt"}}`},
		{"apply_patch_call_output", responses.Item{Type: responses.ItemApplyPatchCallOutput, CallID: "call_3", Output: &responses.ToolOutput{Text: "Created a.txt"}},
			`{"type":"apply_patch_call_output","call_id":"call_3","status":"completed","output":"Created a.txt"}`},
		{"apply_patch_call_output failed", responses.Item{Type: responses.ItemApplyPatchCallOutput, CallID: "call_3", Status: responses.StatusFailed},
			`{"type":"apply_patch_call_output","call_id":"call_3","status":"failed"}`},
		{"tool_search_call", responses.Item{Type: responses.ItemToolSearchCall, CallID: "call_4", Execution: responses.ExecutionClient,
			Arguments: `{"query":"eta"}`, Status: "completed"},
			`{"type":"tool_search_call","call_id":"call_4","execution":"client","arguments":{"query":"eta"},"status":"completed"}`},
		{"tool_search_call no arguments", responses.Item{Type: responses.ItemToolSearchCall},
			`{"type":"tool_search_call","call_id":null,"execution":"server","arguments":{}}`},
		{"tool_search_output", responses.Item{Type: responses.ItemToolSearchOutput, CallID: "call_4", Execution: responses.ExecutionClient,
			Status: "completed", Tools: []responses.Tool{fn}},
			`{"type":"tool_search_output","call_id":"call_4","execution":"client","tools":[{"type":"function","name":"eta","description":"ETA of an order.","parameters":{"type":"object","properties":{},"additionalProperties":false},"strict":true,"defer_loading":true}],"status":"completed"}`},
		{"tool_search_output empty", responses.Item{Type: responses.ItemToolSearchOutput, CallID: "call_4", Execution: responses.ExecutionClient},
			`{"type":"tool_search_output","call_id":"call_4","execution":"client","tools":[]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.item.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, string(got)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			var back responses.Item
			if err := json.Unmarshal(got, &back); err != nil {
				t.Fatal(err)
			}
			want := tt.item
			if want.Type == responses.ItemApplyPatchCall || want.Type == responses.ItemApplyPatchCallOutput {
				if want.Status == "" {
					want.Status = "completed" // required: sent as completed
				}
			}
			if want.Type == responses.ItemToolSearchCall {
				want.Execution = stdcmp.Or(want.Execution, responses.ExecutionServer)
				want.Arguments = stdcmp.Or(want.Arguments, "{}")
			}
			if want.Type == responses.ItemShellCall && want.ShellAction == nil {
				want.ShellAction = &responses.ShellAction{} // required: sent empty
			}
			if want.ShellOutput != nil {
				want.ShellOutput = append([]responses.ShellCommandOutput(nil), want.ShellOutput...)
				for i := range want.ShellOutput {
					o := &want.ShellOutput[i].Outcome
					o.Type = stdcmp.Or(o.Type, responses.OutcomeExit)
				}
			}
			if want.Type == responses.ItemLocalShellCall {
				a := *want.LocalShellAction
				a.Type, a.Env = "exec", map[string]string{}
				want.LocalShellAction = &a
			}
			if diff := cmp.Diff(want, back, itemView, cmpopts.IgnoreFields(responses.Tool{}, "Raw")); diff != "" {
				t.Errorf("decoded back (-built +decoded):\n%s", diff)
			}
		})
	}
	t.Run("tool_search_call bad arguments", func(t *testing.T) {
		it := responses.Item{Type: responses.ItemToolSearchCall, CallID: "c", Arguments: "{nope"}
		if _, err := it.MarshalJSON(); err == nil {
			t.Error("arguments that are not JSON encoded")
		}
	})
}

// TestErrorOutputBuiltin checks the output ErrorOutput gives each call type
// of the built-in tools: the output type the call wants, its call_id, and
// the message where the type has room for text.
func TestErrorOutputBuiltin(t *testing.T) {
	var shell responses.Item
	if err := json.Unmarshal([]byte(`{"type":"shell_call","id":"sh_1","call_id":"c1","action":{"commands":["ls"],"timeout_ms":null,"max_output_length":50},"status":"completed","environment":{"type":"local"}}`), &shell); err != nil {
		t.Fatal(err)
	}
	calls := []responses.Item{
		shell,
		{Type: responses.ItemLocalShellCall, CallID: "c2", LocalShellAction: &responses.LocalShellAction{Command: []string{"ls"}}},
		{Type: responses.ItemApplyPatchCall, CallID: "c3", Operation: &responses.PatchOperation{Type: responses.PatchDeleteFile, Path: "a"}},
		{Type: responses.ItemToolSearchCall, CallID: "c4", Execution: responses.ExecutionClient, Arguments: `{}`},
	}
	want := []string{
		`{"type":"shell_call_output","call_id":"c1","output":[{"stdout":"","stderr":"Error: it broke","outcome":{"type":"exit","exit_code":-1}}],"max_output_length":50}`,
		`{"type":"local_shell_call_output","call_id":"c2","output":"{\"output\":\"Error: it broke\",\"metadata\":{\"exit_code\":-1,\"duration_seconds\":0}}"}`,
		`{"type":"apply_patch_call_output","call_id":"c3","status":"failed","output":"Error: it broke"}`,
		`{"type":"tool_search_output","call_id":"c4","execution":"client","tools":[],"status":"completed"}`,
	}
	for i := range calls {
		out := responses.ErrorOutput(&calls[i], "Error: it broke")
		if out.Type != responses.OutputType(calls[i].Type) || out.CallID != calls[i].CallID {
			t.Errorf("%s: output %s for %s", calls[i].Type, out.Type, out.CallID)
		}
		got, err := out.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want[i], string(got)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", calls[i].Type, diff)
		}
		if !calls[i].IsCall() {
			t.Errorf("%s is not a call", calls[i].Type)
		}
	}
}

// TestBuiltinToolDefinitions checks the tool declarations against the spec
// (FunctionShellToolParam, LocalShellToolParam, ApplyPatchToolParam,
// ToolSearchToolParam, defer_loading on functions and custom tools) and
// that a decoded request reads them back.
func TestBuiltinToolDefinitions(t *testing.T) {
	tests := []struct {
		tool responses.Tool
		want string
	}{
		{responses.Tool{Type: responses.ToolShell, Environment: "local"}, `{"type":"shell","environment":{"type":"local"}}`},
		{responses.Tool{Type: responses.ToolShell}, `{"type":"shell"}`},
		{responses.Tool{Type: responses.ToolLocalShell}, `{"type":"local_shell"}`},
		{responses.Tool{Type: responses.ToolApplyPatch}, `{"type":"apply_patch"}`},
		{responses.Tool{Type: responses.ToolToolSearch, Execution: responses.ExecutionClient, Description: "Find tools.",
			Parameters: json.RawMessage(`{"type":"object","properties":{"query":{"type":"string"}},"required":["query"],"additionalProperties":false}`)},
			`{"type":"tool_search","execution":"client","description":"Find tools.","parameters":{"type":"object","properties":{"query":{"type":"string"}},"required":["query"],"additionalProperties":false}}`},
		{responses.Tool{Type: responses.ToolToolSearch}, `{"type":"tool_search"}`},
		{responses.Tool{Type: responses.ToolCustom, Name: "sql", DeferLoading: true, Format: json.RawMessage(`{"type":"text"}`)},
			`{"type":"custom","name":"sql","format":{"type":"text"},"defer_loading":true}`},
	}
	for _, tt := range tests {
		got, err := tt.tool.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != tt.want {
			t.Errorf("got  %s\nwant %s", got, tt.want)
		}
		var back responses.Tool
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatal(err)
		}
		back.Raw = nil
		if diff := cmp.Diff(tt.tool, back); diff != "" {
			t.Errorf("%s decoded back (-built +decoded):\n%s", tt.want, diff)
		}
	}
}

// TestAccumulateShellCall rebuilds a shell_call whose stream carries its
// commands in response.shell_call_command.* events and lacks
// response.output_item.done.
func TestAccumulateShellCall(t *testing.T) {
	events := []string{
		`{"type":"response.output_item.added","output_index":0,"item":{"type":"shell_call","id":"sh_1","call_id":"call_1","action":{"commands":[],"timeout_ms":1000,"max_output_length":null},"status":"in_progress","environment":{"type":"local"}},"sequence_number":1}`,
		`{"type":"response.shell_call_command.added","output_index":0,"command_index":0,"command":"","sequence_number":2}`,
		`{"type":"response.shell_call_command.delta","output_index":0,"command_index":0,"delta":"ls ","sequence_number":3}`,
		`{"type":"response.shell_call_command.delta","output_index":0,"command_index":0,"delta":"-la","sequence_number":4}`,
		`{"type":"response.shell_call_command.added","output_index":0,"command_index":1,"command":"pw","sequence_number":5}`,
		`{"type":"response.shell_call_command.done","output_index":0,"command_index":1,"command":"pwd","sequence_number":6}`,
		`{"type":"response.shell_call_output_content.delta","item_id":"sh_1","output_index":0,"command_index":0,"delta":{"stdout":"x"},"sequence_number":7}`,
	}
	var acc responses.Accumulator
	for _, e := range events {
		var ev responses.Event
		if err := json.Unmarshal([]byte(e), &ev); err != nil {
			t.Fatal(err)
		}
		if err := acc.Add(&ev); err != nil {
			t.Fatal(err)
		}
	}
	items := acc.Items()
	if len(items) != 1 || items[0].ShellAction == nil {
		t.Fatalf("items %+v", items)
	}
	a := items[0].ShellAction
	if diff := cmp.Diff([]string{"ls -la", "pwd"}, a.Commands); diff != "" || a.TimeoutMS == nil || *a.TimeoutMS != 1000 {
		t.Errorf("commands (-want +got):\n%s timeout %v", diff, a.TimeoutMS)
	}
	if !items[0].IsCall() {
		t.Error("a local shell_call is not a call")
	}
}

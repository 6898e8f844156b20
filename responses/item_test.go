package responses_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/agentloop/agentloop/responses"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// itemSamples are items as the API and clients write them, one per shape
// the runtime meets, in the key orders and formatting found on the wire.
var itemSamples = []struct {
	name string
	json string
}{
	{"easy message", `{"role":"user","content":"Book a flight"}`},
	{"developer message", `{"type":"message","role":"developer","content":[{"type":"input_text","text":"Be terse"}]}`},
	{"user parts", `{"type":"message","role":"user","content":[{"type":"input_text","text":"What is this?"},{"type":"input_image","image_url":"data:image/png;base64,iVBORw0KGgo=","detail":"auto"},{"type":"input_file","file_id":"file-1"},{"type":"input_file","filename":"a.pdf","file_data":"data:application/pdf;base64,JVBER"}]}`},
	{"assistant message", `{"type":"message","id":"msg_1","role":"assistant","status":"completed","phase":"final_answer","content":[{"type":"output_text","text":"Done.","annotations":[],"logprobs":[]},{"type":"refusal","refusal":"No."}]}`},
	{"annotations", `{"id":"msg_2","type":"message","status":"completed","content":[{"type":"output_text","annotations":[{"type":"file_citation","file_id":"file-1","filename":"policy.pdf","index":12},{"type":"url_citation","url":"https://example.com/a?b=1&c=2","title":"A <b>","start_index":10,"end_index":42},{"type":"container_file_citation","container_id":"cntr_1","file_id":"cfile_1","filename":"out.csv","start_index":0,"end_index":5},{"type":"file_path","file_id":"file-2","index":3}],"logprobs":[],"text":"See policy."}],"role":"assistant"}`},
	{"function_call", `{"type":"function_call","id":"fc_1","call_id":"call_1","name":"get_weather","arguments":"{\"city\":\"Paris\"}","status":"completed"}`},
	{"function_call recorded order", `{"id":"fc_0967","type":"function_call","status":"completed","arguments":"{\"location\":\"Florence, Italy\"}","call_id":"call_nYgM","name":"weather"}`},
	{"function_call namespace and unknown fields", `{"type":"function_call","call_id":"call_1","name":"lookup","namespace":"crm","arguments":"{}","caller":{"type":"program","id":"p1"},"status":null}`},
	{"function_call_output string", `{"type":"function_call_output","call_id":"call_1","output":"{\"temp_c\":18}"}`},
	{"function_call_output parts", `{"type":"function_call_output","call_id":"call_1","output":[{"type":"input_text","text":"chart:"},{"type":"input_image","image_url":"data:image/png;base64,AAAA"}]}`},
	{"custom_tool_call", `{"type":"custom_tool_call","id":"ctc_1","call_id":"call_3","name":"run_sql","input":"SELECT 1","status":"completed"}`},
	{"custom_tool_call_output", `{"type":"custom_tool_call_output","call_id":"call_3","output":"1 row"}`},
	{"computer_call single", `{"type":"computer_call","id":"cu_1","call_id":"call_2","action":{"type":"click","button":"left","x":405,"y":157},"pending_safety_checks":[],"status":"completed"}`},
	{"computer_call batched", `{"type":"computer_call","id":"cu_2","call_id":"call_4","actions":[{"type":"click","button":"left","x":405,"y":157},{"type":"type","text":"penguin"}],"pending_safety_checks":[{"id":"cu_sc_1","code":"malicious_instructions","message":"Check the page."}],"status":"completed"}`},
	{"computer_call every action", `{"type":"computer_call","id":"cu_3","call_id":"call_5","actions":[{"type":"double_click","x":1.6,"y":2,"keys":null},{"type":"drag","path":[{"x":1,"y":2},{"x":3.4,"y":4}]},{"type":"keypress","keys":["CTRL","L"]},{"type":"move","x":5,"y":6,"keys":["SHIFT"]},{"type":"screenshot"},{"type":"scroll","x":7,"y":8,"scroll_x":0,"scroll_y":-300},{"type":"wait"},{"type":"zoom","factor":2}],"pending_safety_checks":[],"status":"completed"}`},
	{"computer_call_output", `{"type":"computer_call_output","call_id":"call_2","acknowledged_safety_checks":[{"id":"cu_sc_1","code":"malicious_instructions","message":"Check the page."}],"output":{"type":"computer_screenshot","image_url":"data:image/png;base64,AAAA","current_url":"https://example.com"}}`},
	{"computer_call_output file", `{"type":"computer_call_output","call_id":"call_2","output":{"type":"computer_screenshot","file_id":"file-9"}}`},
	{"reasoning", `{"type":"reasoning","id":"rs_1","summary":[{"type":"summary_text","text":"**Plan**\n\nLook it up."}],"content":[{"type":"reasoning_text","text":"…"}],"encrypted_content":"gAAAAB-x_y==","status":"completed"}`},
	{"reasoning empty", `{"id":"rs_0967","type":"reasoning","content":[],"summary":[]}`},
	{"file_search_call", `{"type":"file_search_call","id":"fs_1","status":"completed","queries":["refund policy"],"results":[{"file_id":"file-1","filename":"policy.pdf","score":0.91,"text":"Refunds within 30 days…","attributes":{"region":"eu","year":2025}}]}`},
	{"file_search_call no results", `{"id":"fs_2","type":"file_search_call","status":"completed","queries":["capital of France"],"results":null}`},
	{"web_search_call", `{"id":"ws_1","type":"web_search_call","status":"completed","action":{"type":"search","queries":["tokyo population"],"query":"tokyo population","sources":[{"type":"url","url":"https://www.metro.tokyo.lg.jp"}]}}`},
	{"web_search_call open_page", `{"type":"web_search_call","id":"ws_2","status":"completed","action":{"type":"open_page","url":"https://example.com"}}`},
	{"item_reference", `{"type":"item_reference","id":"msg_1"}`},
	{"mcp_call", `{"type":"mcp_call","id":"mcp_1","server_label":"s","name":"t","arguments":"{}","output":"42","error":null}`},
	{"mcp_call failed", `{"type":"mcp_call","id":"mcp_2","status":"failed","approval_request_id":null,"server_label":"s","name":"t","arguments":"{\"a\":1}","output":null,"error":{"type":"mcp_tool_execution_error","content":[{"type":"text","text":"boom"}]}}`},
	{"mcp_list_tools", `{"type":"mcp_list_tools","id":"mcpl_1","server_label":"deepwiki","tools":[{"name":"ask_question","input_schema":{"type":"object"},"annotations":{"read_only":false},"description":null}],"error":null}`},
	{"mcp_approval_request", `{"type":"mcp_approval_request","id":"mcpr_1","server_label":"deepwiki","name":"ask_question","arguments":"{\"repoName\":\"a/b\"}"}`},
	{"mcp_approval_response", `{"type":"mcp_approval_response","approval_request_id":"mcpr_1","approve":false,"reason":"no","id":null}`},
	{"shell_call partial action", `{"type":"shell_call","id":"sh_1","call_id":"call_9","action":{"commands":["ls -la"],"timeout_ms":1000},"status":"completed"}`},
	{"unknown image_generation_call", `{"type":"image_generation_call","id":"ig_1","status":"completed","result":"iVBORw0KGgo="}`},
	{"whitespace and escapes", "{\n  \"type\" : \"message\",\n  \"role\": \"assistant\",\n  \"content\": [ {\"type\":\"output_text\",\"text\":\"caf\\u00e9 \\\"<ok>\\\" \\ud83d\\ude00\",\"annotations\":[ ]} ],\n  \"status\": \"completed\"\n}"},
	{"null fields", `{"type":"function_call","id":null,"call_id":"call_1","name":"f","arguments":"{}","status":null,"namespace":null}`},
	// The client-executed built-in tools, as FunctionShellCall,
	// LocalShellToolCall, ApplyPatchToolCall, ToolSearchCall and their
	// outputs define them.
	{"shell_call", `{"type":"shell_call","id":"sh_2","call_id":"call_20","action":{"commands":["ls -la","cat go.mod"],"timeout_ms":120000,"max_output_length":4096},"status":"completed","environment":{"type":"local"},"created_by":"resp_1"}`},
	{"shell_call nulls", `{"id":"sh_3","type":"shell_call","call_id":"call_21","action":{"commands":["pwd"],"timeout_ms":null,"max_output_length":null},"status":"in_progress","environment":null}`},
	{"shell_call_output", `{"type":"shell_call_output","call_id":"call_20","output":[{"stdout":"a.txt\n","stderr":"","outcome":{"type":"exit","exit_code":0}},{"stdout":"","stderr":"slow","outcome":{"type":"timeout"}}],"max_output_length":4096}`},
	{"shell_call_output as sent back", `{"type":"shell_call_output","id":"sho_1","call_id":"call_21","status":"completed","output":[{"stdout":"/w\n","stderr":"","outcome":{"type":"exit","exit_code":2},"created_by":"x"}],"max_output_length":null}`},
	{"local_shell_call", `{"type":"local_shell_call","id":"lsh_1","call_id":"call_22","action":{"type":"exec","command":["ls","-la"],"timeout_ms":1000,"working_directory":"src","env":{"A":"1"},"user":null},"status":"completed"}`},
	{"local_shell_call_output", `{"type":"local_shell_call_output","call_id":"call_22","output":"{\"output\":\"a\\n\",\"metadata\":{\"exit_code\":0,\"duration_seconds\":0.1}}"}`},
	{"apply_patch_call create", `{"type":"apply_patch_call","id":"apc_1","call_id":"call_23","status":"completed","operation":{"type":"create_file","path":"hello.txt","diff":"+Hello\n+world\n"},"created_by":"resp_1"}`},
	{"apply_patch_call update", `{"id":"apc_2","type":"apply_patch_call","call_id":"call_24","status":"in_progress","operation":{"type":"update_file","path":"src/app.py","diff":"@@ def greet():\n-    print(\"Hi\")\n+    print(\"Hello\")\n"}}`},
	{"apply_patch_call delete", `{"type":"apply_patch_call","id":"apc_3","call_id":"call_25","status":"completed","operation":{"type":"delete_file","path":"old.txt"}}`},
	{"apply_patch_call_output", `{"type":"apply_patch_call_output","call_id":"call_23","status":"completed","output":"Created hello.txt"}`},
	{"apply_patch_call_output failed", `{"type":"apply_patch_call_output","id":"apco_1","call_id":"call_24","status":"failed","output":null}`},
	{"tool_search_call client", `{"type":"tool_search_call","id":"tsc_1","call_id":"call_26","execution":"client","arguments":{"goal":"Find the shipping ETA tool for order_42."},"status":"completed"}`},
	{"tool_search_call server", `{"type":"tool_search_call","execution":"server","call_id":null,"status":"completed","arguments":{"paths":["crm"]}}`},
	{"tool_search_output", `{"type":"tool_search_output","execution":"client","call_id":"call_26","status":"completed","tools":[{"type":"function","name":"get_shipping_eta","description":"Look up shipping ETA details for an order.","defer_loading":true,"parameters":{"type":"object","properties":{"order_id":{"type":"string"}},"required":["order_id"],"additionalProperties":false}}]}`},
}

// TestItemRoundTrip decodes every sample and checks it encodes back to the
// exact bytes, alone and inside a request.
func TestItemRoundTrip(t *testing.T) {
	for _, s := range itemSamples {
		t.Run(s.name, func(t *testing.T) {
			var it responses.Item
			if err := json.Unmarshal([]byte(s.json), &it); err != nil {
				t.Fatal(err)
			}
			got, err := it.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != s.json {
				t.Errorf("MarshalJSON:\n got %s\nwant %s", got, s.json)
			}
			if string(it.Raw()) != s.json {
				t.Errorf("Raw() = %s", it.Raw())
			}
			req := &responses.Request{Model: "m", Input: responses.InputItems(responses.UserMessage("hi"), it)}
			body, err := req.AppendJSON([]byte("prefix:"))
			if err != nil {
				t.Fatal(err)
			}
			want := `prefix:{"model":"m","input":[{"type":"message","role":"user","content":"hi"},` + s.json + `]}`
			if string(body) != want {
				t.Errorf("AppendJSON:\n got %s\nwant %s", body, want)
			}
			// The same through the decoded request: what a test server sees.
			var back responses.Request
			if err := json.Unmarshal(body[len("prefix:"):], &back); err != nil {
				t.Fatal(err)
			}
			if raw := back.Input.Items[1].Raw(); string(raw) != s.json {
				t.Errorf("item in a decoded request:\n got %s\nwant %s", raw, s.json)
			}
		})
	}
}

// itemView compares items by their typed fields.
var itemView = cmp.Options{
	cmpopts.IgnoreUnexported(responses.Item{}, responses.ContentPart{}, responses.Annotation{}),
	cmpopts.IgnoreFields(responses.ComputerAction{}, "Raw"),
	cmp.FilterValues(func(x, _ any) bool { _, raw := x.(json.RawMessage); return !raw }, cmpopts.EquateEmpty()),
	cmp.Comparer(func(a, b json.RawMessage) bool {
		var x, y any
		return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && cmp.Equal(x, y) ||
			bytes.Equal(a, b)
	}),
}

// TestItemReencode checks the encoder from fields: an item decoded, cleared
// of its bytes and encoded again keeps every typed field.
func TestItemReencode(t *testing.T) {
	for _, s := range itemSamples {
		t.Run(s.name, func(t *testing.T) {
			var it responses.Item
			if err := json.Unmarshal([]byte(s.json), &it); err != nil {
				t.Fatal(err)
			}
			fresh := it
			fresh.ClearRaw()
			enc, err := fresh.MarshalJSON()
			if strings.HasPrefix(s.name, "unknown") {
				if err == nil {
					t.Errorf("an unknown item without bytes encoded as %s", enc)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var back responses.Item
			if err := json.Unmarshal(enc, &back); err != nil {
				t.Fatalf("%v: %s", err, enc)
			}
			if it.Type == "" {
				it.Type = responses.ItemMessage // an easy message is sent typed
			}
			if diff := cmp.Diff(it, back, itemView); diff != "" {
				t.Errorf("re-encoded as %s\n(-decoded +re-decoded):\n%s", enc, diff)
			}
		})
	}
}

// TestItemEncode checks the JSON of items built in code.
func TestItemEncode(t *testing.T) {
	click := responses.ComputerAction{Type: responses.ActionClick, Button: "left", X: 10, Y: 20}
	check := responses.SafetyCheck{ID: "cu_sc_1", Code: "malicious_instructions", Message: "Careful."}
	tests := []struct {
		name string
		item responses.Item
		want string
	}{
		{"user message", responses.UserMessage("hi <b>"),
			`{"type":"message","role":"user","content":"hi \u003cb\u003e"}`},
		{"easy message", responses.Item{Role: responses.RoleDeveloper, ContentText: "Be terse"},
			`{"type":"message","role":"developer","content":"Be terse"}`},
		{"message parts", responses.Item{Type: responses.ItemMessage, Role: responses.RoleUser, Content: []responses.ContentPart{
			{Type: responses.ContentInputText, Text: "What is this?"},
			{Type: responses.ContentInputImage, ImageURL: "data:image/png;base64,AAAA", Detail: "low"},
			{Type: responses.ContentInputFile, FileID: "file-1"},
		}}, `{"type":"message","role":"user","content":[{"type":"input_text","text":"What is this?"},{"type":"input_image","image_url":"data:image/png;base64,AAAA","detail":"low"},{"type":"input_file","file_id":"file-1"}]}`},
		{"assistant message", responses.Item{Type: responses.ItemMessage, ID: "msg_1", Role: responses.RoleAssistant,
			Status: "completed", Phase: responses.PhaseCommentary, Content: []responses.ContentPart{
				{Type: responses.ContentOutputText, Text: "Checking."}, {Type: responses.ContentRefusal, Refusal: "No."}}},
			`{"type":"message","id":"msg_1","role":"assistant","content":[{"type":"output_text","text":"Checking.","annotations":[]},{"type":"refusal","refusal":"No."}],"status":"completed","phase":"commentary"}`},
		{"function_call", responses.Item{Type: responses.ItemFunctionCall, ID: "fc_1", CallID: "call_1", Name: "get_weather",
			Arguments: `{"city":"Paris"}`, Status: "completed"},
			`{"type":"function_call","id":"fc_1","call_id":"call_1","name":"get_weather","arguments":"{\"city\":\"Paris\"}","status":"completed"}`},
		{"function_call_output", responses.FunctionCallOutput("call_1", `{"temp_c":18}`),
			`{"type":"function_call_output","call_id":"call_1","output":"{\"temp_c\":18}"}`},
		{"function_call_output empty", responses.Item{Type: responses.ItemFunctionCallOutput, CallID: "call_1"},
			`{"type":"function_call_output","call_id":"call_1","output":""}`},
		{"function_call_output parts", responses.Item{Type: responses.ItemFunctionCallOutput, CallID: "call_1",
			Output: &responses.ToolOutput{Parts: []responses.ContentPart{{Type: responses.ContentInputText, Text: "chart:"},
				{Type: responses.ContentInputImage, ImageURL: "data:image/png;base64,AAAA"}}}},
			`{"type":"function_call_output","call_id":"call_1","output":[{"type":"input_text","text":"chart:"},{"type":"input_image","image_url":"data:image/png;base64,AAAA"}]}`},
		{"custom_tool_call", responses.Item{Type: responses.ItemCustomToolCall, ID: "ctc_1", CallID: "call_3", Name: "run_sql", Input: "SELECT 1"},
			`{"type":"custom_tool_call","id":"ctc_1","call_id":"call_3","name":"run_sql","input":"SELECT 1"}`},
		{"custom_tool_call_output", responses.Item{Type: responses.ItemCustomToolCallOutput, CallID: "call_3", Output: &responses.ToolOutput{Text: "1 row"}},
			`{"type":"custom_tool_call_output","call_id":"call_3","output":"1 row"}`},
		{"computer_call single", responses.Item{Type: responses.ItemComputerCall, ID: "cu_1", CallID: "call_2", Action: &click, Status: "completed"},
			`{"type":"computer_call","id":"cu_1","call_id":"call_2","action":{"type":"click","button":"left","x":10,"y":20},"pending_safety_checks":[],"status":"completed"}`},
		{"computer_call batched", responses.Item{Type: responses.ItemComputerCall, ID: "cu_2", CallID: "call_4", Actions: []responses.ComputerAction{
			click,
			{Type: responses.ActionDoubleClick, X: 1, Y: 2},
			{Type: responses.ActionDrag, Path: []responses.Point{{X: 1, Y: 2}, {X: 3, Y: 4}}},
			{Type: responses.ActionKeypress, Keys: []string{"CTRL", "L"}},
			{Type: responses.ActionMove, X: 5, Y: 6},
			{Type: responses.ActionScreenshot},
			{Type: responses.ActionScroll, X: 7, Y: 8, ScrollY: -300},
			{Type: responses.ActionType, Text: "penguin"},
			{Type: responses.ActionWait},
		}, PendingSafetyChecks: []responses.SafetyCheck{check}},
			`{"type":"computer_call","id":"cu_2","call_id":"call_4","actions":[{"type":"click","button":"left","x":10,"y":20},{"type":"double_click","x":1,"y":2,"keys":null},{"type":"drag","path":[{"x":1,"y":2},{"x":3,"y":4}]},{"type":"keypress","keys":["CTRL","L"]},{"type":"move","x":5,"y":6},{"type":"screenshot"},{"type":"scroll","x":7,"y":8,"scroll_x":0,"scroll_y":-300},{"type":"type","text":"penguin"},{"type":"wait"}],"pending_safety_checks":[{"id":"cu_sc_1","code":"malicious_instructions","message":"Careful."}]}`},
		{"computer_call_output", responses.Item{Type: responses.ItemComputerCallOutput, CallID: "call_2",
			AcknowledgedSafetyChecks: []responses.SafetyCheck{check},
			Screenshot:               &responses.ComputerScreenshot{ImageURL: "data:image/png;base64,AAAA", CurrentURL: "https://example.com"}},
			`{"type":"computer_call_output","call_id":"call_2","acknowledged_safety_checks":[{"id":"cu_sc_1","code":"malicious_instructions","message":"Careful."}],"output":{"type":"computer_screenshot","image_url":"data:image/png;base64,AAAA","current_url":"https://example.com"}}`},
		{"reasoning", responses.Item{Type: responses.ItemReasoning, ID: "rs_1", EncryptedContent: "gAAAA"},
			`{"type":"reasoning","id":"rs_1","summary":[],"encrypted_content":"gAAAA"}`},
		{"reasoning summary", responses.Item{Type: responses.ItemReasoning, ID: "rs_1",
			Summary: []responses.ContentPart{{Type: responses.ContentSummaryText, Text: "Plan."}}},
			`{"type":"reasoning","id":"rs_1","summary":[{"type":"summary_text","text":"Plan."}]}`},
		{"file_search_call", responses.Item{Type: responses.ItemFileSearchCall, ID: "fs_1", Status: "completed",
			Queries: []string{"refunds"}, Results: []responses.FileSearchResult{{FileID: "file-1", Filename: "p.pdf", Score: 0.5, Text: "30 days",
				Attributes: map[string]any{"region": "eu"}}}},
			`{"type":"file_search_call","id":"fs_1","status":"completed","queries":["refunds"],"results":[{"file_id":"file-1","filename":"p.pdf","score":0.5,"text":"30 days","attributes":{"region":"eu"}}]}`},
		{"file_search_call no results", responses.Item{Type: responses.ItemFileSearchCall, ID: "fs_1"},
			`{"type":"file_search_call","id":"fs_1","queries":[],"results":null}`},
		{"web_search_call", responses.Item{Type: responses.ItemWebSearchCall, ID: "ws_1", Status: "completed",
			SearchAction: json.RawMessage(`{"type":"search","query":"q"}`)},
			`{"type":"web_search_call","id":"ws_1","status":"completed","action":{"type":"search","query":"q"}}`},
		{"item_reference", responses.Item{Type: responses.ItemReference, ID: "msg_1"},
			`{"type":"item_reference","id":"msg_1"}`},
		{"mcp_approval_request", responses.Item{Type: responses.ItemMCPApprovalRequest, ID: "mcpr_1", ServerLabel: "wiki", Name: "ask",
			Arguments: `{"q":"x"}`}, `{"type":"mcp_approval_request","id":"mcpr_1","server_label":"wiki","name":"ask","arguments":"{\"q\":\"x\"}"}`},
		{"mcp_approval_response approve", responses.MCPApprovalResponse("mcpr_1", true, ""),
			`{"type":"mcp_approval_response","approval_request_id":"mcpr_1","approve":true}`},
		{"mcp_approval_response reject", responses.MCPApprovalResponse("mcpr_1", false, "not <now>"),
			`{"type":"mcp_approval_response","approval_request_id":"mcpr_1","approve":false,"reason":"not \u003cnow\u003e"}`},
		{"mcp_call", responses.Item{Type: responses.ItemMCPCall, ID: "mcp_1", Status: "completed", ServerLabel: "wiki", Name: "ask",
			Arguments: "{}", Output: &responses.ToolOutput{Text: "42"}},
			`{"type":"mcp_call","id":"mcp_1","status":"completed","server_label":"wiki","name":"ask","arguments":"{}","output":"42","error":null}`},
		{"mcp_call error", responses.Item{Type: responses.ItemMCPCall, ID: "mcp_1", ServerLabel: "wiki", Name: "ask", Arguments: "{}",
			ApprovalRequestID: "mcpr_1", MCPError: json.RawMessage(`"boom"`)},
			`{"type":"mcp_call","id":"mcp_1","approval_request_id":"mcpr_1","server_label":"wiki","name":"ask","arguments":"{}","output":null,"error":"boom"}`},
		{"mcp_list_tools", responses.Item{Type: responses.ItemMCPListTools, ID: "mcpl_1", ServerLabel: "wiki",
			MCPTools: json.RawMessage(`[{"name":"ask","input_schema":{}}]`)},
			`{"type":"mcp_list_tools","id":"mcpl_1","server_label":"wiki","tools":[{"name":"ask","input_schema":{}}]}`},
		{"mcp_list_tools empty", responses.Item{Type: responses.ItemMCPListTools, ID: "mcpl_1", ServerLabel: "wiki"},
			`{"type":"mcp_list_tools","id":"mcpl_1","server_label":"wiki","tools":[]}`},
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
			if !json.Valid(got) {
				t.Errorf("invalid JSON %s", got)
			}
			// json.Marshal goes through MarshalJSON too.
			if viaJSON, err := json.Marshal(tt.item); err != nil || string(viaJSON) != tt.want {
				t.Errorf("json.Marshal = %s, %v", viaJSON, err)
			}
		})
	}
	t.Run("unknown type", func(t *testing.T) {
		_, err := responses.Item{Type: "code_interpreter_call", ID: "x"}.MarshalJSON()
		if err == nil || !strings.Contains(err.Error(), `"code_interpreter_call"`) {
			t.Errorf("err = %v", err)
		}
		req := &responses.Request{Model: "m", Input: responses.InputItems(responses.Item{Type: "code_interpreter_call"})}
		if _, err := req.MarshalJSON(); err == nil || !strings.HasPrefix(err.Error(), "responses: encode request: input[0]") {
			t.Errorf("request err = %v", err)
		}
	})
}

func TestItemHelpers(t *testing.T) {
	var it responses.Item
	if err := json.Unmarshal([]byte(itemSamples[3].json), &it); err != nil {
		t.Fatal(err)
	}
	if it.Text() != "Done." || it.Refusal() != "No." || !it.IsMessage() || it.IsCall() {
		t.Errorf("Text %q Refusal %q IsMessage %v IsCall %v", it.Text(), it.Refusal(), it.IsMessage(), it.IsCall())
	}
	var out responses.Item
	if err := json.Unmarshal([]byte(itemSamples[9].json), &out); err != nil {
		t.Fatal(err)
	}
	if out.Output.String() != "chart:" || len(out.Output.Parts) != 2 {
		t.Errorf("output %+v", out.Output)
	}
	for _, typ := range []string{responses.ItemFunctionCall, responses.ItemCustomToolCall, responses.ItemComputerCall} {
		if !(&responses.Item{Type: typ}).IsCall() {
			t.Errorf("%s is not a call", typ)
		}
	}
}

// TestRequestEncode checks the request body for each setting, and that a
// decoded body encodes to the same bytes.
func TestRequestEncode(t *testing.T) {
	fn := responses.Tool{Type: responses.ToolFunction, Name: "get_weather", Description: "Weather",
		Parameters: json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"}},"required":["city"],"additionalProperties":false}`),
		Strict:     responses.Ptr(true)}
	tests := []struct {
		name string
		req  responses.Request
		want string
	}{
		{"string input", responses.Request{Model: "gpt-5", Input: responses.InputText("hi")},
			`{"model":"gpt-5","input":"hi"}`},
		{"empty items", responses.Request{Model: "gpt-5", Input: responses.InputItems()},
			`{"model":"gpt-5","input":[]}`},
		{"items", responses.Request{Model: "gpt-5", Input: responses.InputItems(responses.UserMessage("hi"),
			responses.FunctionCallOutput("call_1", "ok"))},
			`{"model":"gpt-5","input":[{"type":"message","role":"user","content":"hi"},{"type":"function_call_output","call_id":"call_1","output":"ok"}]}`},
		{"meaningful zeros", responses.Request{Model: "m", Temperature: responses.Ptr(0.0), TopP: responses.Ptr(1.0),
			Store: responses.Ptr(false), ParallelToolCalls: responses.Ptr(false), MaxOutputTokens: responses.Ptr(16), MaxToolCalls: responses.Ptr(0)},
			`{"model":"m","parallel_tool_calls":false,"max_output_tokens":16,"max_tool_calls":0,"store":false,"temperature":0,"top_p":1}`},
		{"fractions", responses.Request{Temperature: responses.Ptr(0.7), TopP: responses.Ptr(1e-7)},
			`{"temperature":0.7,"top_p":1e-07}`},
		{"tool_choice none", responses.Request{ToolChoice: &responses.ToolChoice{Mode: responses.ToolChoiceNone}}, `{"tool_choice":"none"}`},
		{"tool_choice auto", responses.Request{ToolChoice: &responses.ToolChoice{Mode: responses.ToolChoiceAuto}}, `{"tool_choice":"auto"}`},
		{"tool_choice required", responses.Request{ToolChoice: &responses.ToolChoice{Mode: responses.ToolChoiceRequired}}, `{"tool_choice":"required"}`},
		{"tool_choice function", responses.Request{ToolChoice: &responses.ToolChoice{Type: "function", Name: "get_weather"}},
			`{"tool_choice":{"type":"function","name":"get_weather"}}`},
		{"tool_choice custom", responses.Request{ToolChoice: &responses.ToolChoice{Type: "custom", Name: "run_sql"}},
			`{"tool_choice":{"type":"custom","name":"run_sql"}}`},
		{"tool_choice allowed_tools", responses.Request{ToolChoice: &responses.ToolChoice{Type: "allowed_tools", Mode: "required",
			Tools: []json.RawMessage{json.RawMessage(`{"type":"function","name":"x"}`), json.RawMessage(`{"type":"file_search"}`)}}},
			`{"tool_choice":{"type":"allowed_tools","mode":"required","tools":[{"type":"function","name":"x"},{"type":"file_search"}]}}`},
		{"tool_choice allowed_tools empty", responses.Request{ToolChoice: &responses.ToolChoice{Type: "allowed_tools", Mode: "auto"}},
			`{"tool_choice":{"type":"allowed_tools","mode":"auto","tools":[]}}`},
		{"tool_choice hosted", responses.Request{ToolChoice: &responses.ToolChoice{Type: "file_search"}},
			`{"tool_choice":{"type":"file_search"}}`},
		{"tool_choice computer", responses.Request{ToolChoice: &responses.ToolChoice{Type: "computer_use_preview"}},
			`{"tool_choice":{"type":"computer_use_preview"}}`},
		{"tool_choice mcp", responses.Request{ToolChoice: &responses.ToolChoice{Type: "mcp", ServerLabel: "s", Name: "t"}},
			`{"tool_choice":{"type":"mcp","server_label":"s","name":"t"}}`},
		{"tools", responses.Request{Tools: []responses.Tool{
			fn,
			{Type: responses.ToolFunction, Name: "noargs", Strict: responses.Ptr(false)},
			{Type: responses.ToolCustom, Name: "run_sql", Description: "SQL", Format: json.RawMessage(`{"type":"grammar","syntax":"lark","definition":"start: /.+/"}`)},
			{Type: responses.ToolComputerUsePreview, DisplayWidth: 1024, DisplayHeight: 768, Environment: "browser"},
			{Type: responses.ToolComputer},
			{Type: responses.ToolFileSearch, Raw: json.RawMessage(`{"type":"file_search","vector_store_ids":["vs_1"],"max_num_results":5}`)},
		}}, `{"tools":[` +
			`{"type":"function","name":"get_weather","description":"Weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"],"additionalProperties":false},"strict":true},` +
			`{"type":"function","name":"noargs","parameters":{"type":"object","properties":{},"additionalProperties":false},"strict":false},` +
			`{"type":"custom","name":"run_sql","description":"SQL","format":{"type":"grammar","syntax":"lark","definition":"start: /.+/"}},` +
			`{"type":"computer_use_preview","display_width":1024,"display_height":768,"environment":"browser"},` +
			`{"type":"computer"},` +
			`{"type":"file_search","vector_store_ids":["vs_1"],"max_num_results":5}]}`},
		{"json_schema", responses.Request{Text: &responses.TextConfig{Format: &responses.TextFormat{Type: "json_schema", Name: "answer",
			Strict: responses.Ptr(true), Schema: json.RawMessage(`{"type":"object","properties":{"a":{"type":"string"}},"required":["a"],"additionalProperties":false}`)},
			Verbosity: "low"}},
			`{"text":{"format":{"type":"json_schema","name":"answer","schema":{"type":"object","properties":{"a":{"type":"string"}},"required":["a"],"additionalProperties":false},"strict":true},"verbosity":"low"}}`},
		{"json_object", responses.Request{Text: &responses.TextConfig{Format: &responses.TextFormat{Type: "json_object"}}},
			`{"text":{"format":{"type":"json_object"}}}`},
		{"everything else", responses.Request{Model: "gpt-5", Instructions: "Be brief.", PreviousResponseID: "resp_1",
			Conversation: "conv_1", Include: []string{responses.IncludeReasoningEncryptedContent},
			Reasoning: &responses.Reasoning{Effort: "low", Summary: "auto"}, Truncation: "auto",
			Metadata: map[string]string{"b": "2", "a": "1"}, ServiceTier: "flex", PromptCacheKey: "k", SafetyIdentifier: "u1",
			User: "u", Stream: true},
			`{"model":"gpt-5","instructions":"Be brief.","previous_response_id":"resp_1","conversation":"conv_1",` +
				`"include":["reasoning.encrypted_content"],"reasoning":{"effort":"low","summary":"auto"},"truncation":"auto",` +
				`"metadata":{"a":"1","b":"2"},"service_tier":"flex","prompt_cache_key":"k","safety_identifier":"u1","user":"u","stream":true}`},
		{"extra adds and overrides", responses.Request{Model: "gpt-5", Input: responses.InputText("hi"), Store: responses.Ptr(true),
			Extra: map[string]json.RawMessage{
				"store":      json.RawMessage(`false`),
				"background": json.RawMessage(`true`),
				"reasoning":  json.RawMessage(`{"effort":"high","context":"all_turns"}`),
			}, Reasoning: &responses.Reasoning{Effort: "low"}},
			`{"model":"gpt-5","input":"hi","background":true,"reasoning":{"effort":"high","context":"all_turns"},"store":false}`},
		{"extra replaces input", responses.Request{Model: "m", Input: responses.InputText("ignored"),
			Extra: map[string]json.RawMessage{"input": json.RawMessage(`[{"role":"user","content":"x"}]`)}},
			`{"model":"m","input":[{"role":"user","content":"x"}]}`},
		{"empty", responses.Request{}, `{}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.req.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, string(got)); diff != "" {
				t.Fatalf("(-want +got):\n%s", diff)
			}
			if !json.Valid(got) {
				t.Fatalf("invalid JSON")
			}
			var back responses.Request
			if err := json.Unmarshal(got, &back); err != nil {
				t.Fatal(err)
			}
			again, err := back.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			// Decoding moves nothing but unknown fields into Extra, and
			// Extra is written last, sorted: compare as JSON values.
			if !jsonEqual(got, again) {
				t.Errorf("decoded and encoded again:\n got %s\nwant %s", again, got)
			}
		})
	}
}

// TestRequestJSONMarshal checks that encoding/json uses the request's
// encoding, for a value as for a pointer.
func TestRequestJSONMarshal(t *testing.T) {
	req := responses.Request{Model: "m", Store: responses.Ptr(false)}
	for _, v := range []any{req, &req} {
		b, err := json.Marshal(v)
		if err != nil || string(b) != `{"model":"m","store":false}` {
			t.Errorf("json.Marshal(%T) = %s, %v", v, b, err)
		}
	}
}

func jsonEqual(a, b []byte) bool {
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && cmp.Equal(x, y)
}

func TestRequestDecode(t *testing.T) {
	body := `{"model":"m","input":"hi","conversation":{"id":"conv_9"},"stream":true,"temperature":0,` +
		`"tool_choice":{"type":"function","name":"f"},"background":true,"prompt_cache_retention":"24h"}`
	var r responses.Request
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatal(err)
	}
	want := responses.Request{Model: "m", Input: responses.InputText("hi"), Conversation: "conv_9", Stream: true,
		Temperature: responses.Ptr(0.0), ToolChoice: &responses.ToolChoice{Type: "function", Name: "f"},
		Extra: map[string]json.RawMessage{"background": json.RawMessage("true"), "prompt_cache_retention": json.RawMessage(`"24h"`)}}
	if diff := cmp.Diff(want, r, itemView); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// eventSamples has a payload for every event type the package names.
var eventSamples = map[string]string{
	responses.EventResponseCreated:                 `{"type":"response.created","sequence_number":0,"response":{"id":"resp_1","object":"response","status":"in_progress","output":[],"usage":null}}`,
	responses.EventResponseInProgress:              `{"type":"response.in_progress","sequence_number":1,"response":{"id":"resp_1","status":"in_progress","output":[]}}`,
	responses.EventResponseQueued:                  `{"type":"response.queued","sequence_number":0,"response":{"id":"resp_1","status":"queued"}}`,
	responses.EventResponseCompleted:               `{"type":"response.completed","sequence_number":9,"response":{"id":"resp_1","status":"completed","output":[{"type":"message","id":"msg_1","role":"assistant","content":[{"type":"output_text","text":"Hi","annotations":[]}]}],"usage":{"input_tokens":3,"output_tokens":1,"total_tokens":4}}}`,
	responses.EventResponseIncomplete:              `{"type":"response.incomplete","sequence_number":9,"response":{"status":"incomplete","incomplete_details":{"reason":"max_output_tokens"}}}`,
	responses.EventResponseFailed:                  `{"type":"response.failed","sequence_number":3,"response":{"id":"resp_1","status":"failed","error":{"code":"rate_limit_exceeded","message":"Please try again in 11.054s."},"usage":null}}`,
	responses.EventError:                           `{"type":"error","code":"server_error","message":"boom","param":null,"sequence_number":4}`,
	responses.EventOutputItemAdded:                 `{"type":"response.output_item.added","sequence_number":2,"output_index":1,"item":{"type":"function_call","id":"fc_1","call_id":"call_1","name":"f","arguments":"","status":"in_progress"}}`,
	responses.EventOutputItemDone:                  `{"type":"response.output_item.done","sequence_number":6,"output_index":1,"item":{"type":"function_call","id":"fc_1","call_id":"call_1","name":"f","arguments":"{}","status":"completed"}}`,
	responses.EventContentPartAdded:                `{"type":"response.content_part.added","content_index":0,"item_id":"msg_1","output_index":1,"part":{"type":"output_text","annotations":[],"logprobs":[],"text":""},"sequence_number":5}`,
	responses.EventContentPartDone:                 `{"type":"response.content_part.done","content_index":0,"item_id":"msg_1","output_index":1,"part":{"type":"output_text","annotations":[],"logprobs":[],"text":"Hi"},"sequence_number":8}`,
	responses.EventOutputTextDelta:                 `{"type":"response.output_text.delta","content_index":0,"delta":"Flor","item_id":"msg_1","logprobs":[],"obfuscation":"wBGy3C8mfsnh","output_index":1,"sequence_number":6}`,
	responses.EventOutputTextDone:                  `{"type":"response.output_text.done","content_index":0,"item_id":"msg_1","logprobs":[],"output_index":1,"sequence_number":7,"text":"Florence"}`,
	responses.EventOutputTextAnnotationAdded:       `{"type":"response.output_text.annotation.added","annotation":{"type":"url_citation","end_index":42,"start_index":10,"title":"T","url":"https://e.com"},"annotation_index":2,"content_index":0,"item_id":"msg_1","output_index":1,"sequence_number":9}`,
	responses.EventRefusalDelta:                    `{"type":"response.refusal.delta","item_id":"msg_1","output_index":0,"content_index":1,"delta":"No","sequence_number":3}`,
	responses.EventRefusalDone:                     `{"type":"response.refusal.done","item_id":"msg_1","output_index":0,"content_index":1,"refusal":"No.","sequence_number":4}`,
	responses.EventFunctionCallArgumentsDelta:      `{"type":"response.function_call_arguments.delta","delta":"{\"","item_id":"fc_1","obfuscation":"FnURDVCa1ru0qa","output_index":1,"sequence_number":5}`,
	responses.EventFunctionCallArgumentsDone:       `{"type":"response.function_call_arguments.done","arguments":"{\"a\":1}","item_id":"fc_1","name":"f","output_index":1,"sequence_number":9}`,
	responses.EventCustomToolCallInputDelta:        `{"type":"response.custom_tool_call_input.delta","item_id":"ctc_1","output_index":0,"delta":"SELECT","sequence_number":3}`,
	responses.EventCustomToolCallInputDone:         `{"type":"response.custom_tool_call_input.done","item_id":"ctc_1","output_index":0,"input":"SELECT 1","sequence_number":4}`,
	responses.EventReasoningSummaryPartAdded:       `{"type":"response.reasoning_summary_part.added","item_id":"rs_1","output_index":0,"part":{"type":"summary_text","text":""},"sequence_number":3,"summary_index":1}`,
	responses.EventReasoningSummaryPartDone:        `{"type":"response.reasoning_summary_part.done","item_id":"rs_1","output_index":0,"part":{"type":"summary_text","text":"Plan."},"sequence_number":6,"summary_index":1,"status":"completed"}`,
	responses.EventReasoningSummaryTextDelta:       `{"type":"response.reasoning_summary_text.delta","delta":"**Plan**","item_id":"rs_1","obfuscation":"xgdyp","output_index":0,"sequence_number":4,"summary_index":1}`,
	responses.EventReasoningSummaryTextDone:        `{"type":"response.reasoning_summary_text.done","item_id":"rs_1","output_index":0,"sequence_number":5,"summary_index":1,"text":"Plan."}`,
	responses.EventReasoningTextDelta:              `{"type":"response.reasoning_text.delta","item_id":"rs_1","output_index":0,"content_index":0,"delta":"Think","sequence_number":3}`,
	responses.EventReasoningTextDone:               `{"type":"response.reasoning_text.done","item_id":"rs_1","output_index":0,"content_index":0,"text":"Think.","sequence_number":4}`,
	responses.EventFileSearchCallInProgress:        `{"type":"response.file_search_call.in_progress","item_id":"fs_1","output_index":0,"sequence_number":3}`,
	responses.EventFileSearchCallSearching:         `{"type":"response.file_search_call.searching","item_id":"fs_1","output_index":0,"sequence_number":4}`,
	responses.EventFileSearchCallCompleted:         `{"type":"response.file_search_call.completed","item_id":"fs_1","output_index":0,"sequence_number":5}`,
	responses.EventWebSearchCallInProgress:         `{"type":"response.web_search_call.in_progress","item_id":"ws_1","output_index":0,"sequence_number":3}`,
	responses.EventWebSearchCallSearching:          `{"type":"response.web_search_call.searching","item_id":"ws_1","output_index":0,"sequence_number":4}`,
	responses.EventWebSearchCallCompleted:          `{"type":"response.web_search_call.completed","item_id":"ws_1","output_index":0,"sequence_number":5}`,
	responses.EventCodeInterpreterCallInProgress:   `{"type":"response.code_interpreter_call.in_progress","item_id":"ci_1","output_index":0,"sequence_number":3}`,
	responses.EventCodeInterpreterCallInterpreting: `{"type":"response.code_interpreter_call.interpreting","item_id":"ci_1","output_index":0,"sequence_number":4}`,
	responses.EventCodeInterpreterCallCompleted:    `{"type":"response.code_interpreter_call.completed","item_id":"ci_1","output_index":0,"sequence_number":5}`,
	responses.EventCodeInterpreterCallCodeDelta:    `{"type":"response.code_interpreter_call_code.delta","item_id":"ci_1","output_index":0,"delta":"print(","sequence_number":6}`,
	responses.EventCodeInterpreterCallCodeDone:     `{"type":"response.code_interpreter_call_code.done","item_id":"ci_1","output_index":0,"code":"print(1)","sequence_number":7}`,
	responses.EventImageGenerationCallInProgress:   `{"type":"response.image_generation_call.in_progress","item_id":"ig_1","output_index":0,"sequence_number":3}`,
	responses.EventImageGenerationCallGenerating:   `{"type":"response.image_generation_call.generating","item_id":"ig_1","output_index":0,"sequence_number":4}`,
	responses.EventImageGenerationCallCompleted:    `{"type":"response.image_generation_call.completed","item_id":"ig_1","output_index":0,"sequence_number":6}`,
	responses.EventImageGenerationCallPartialImage: `{"type":"response.image_generation_call.partial_image","item_id":"ig_1","output_index":0,"partial_image_index":0,"partial_image_b64":"iVBOR","size":"1024x1024","sequence_number":5}`,
	responses.EventMCPCallInProgress:               `{"type":"response.mcp_call.in_progress","item_id":"mcp_1","output_index":0,"sequence_number":3}`,
	responses.EventMCPCallCompleted:                `{"type":"response.mcp_call.completed","item_id":"mcp_1","output_index":0,"sequence_number":6}`,
	responses.EventMCPCallFailed:                   `{"type":"response.mcp_call.failed","item_id":"mcp_1","output_index":0,"sequence_number":6}`,
	responses.EventMCPCallArgumentsDelta:           `{"type":"response.mcp_call_arguments.delta","item_id":"mcp_1","output_index":0,"delta":"{","sequence_number":4}`,
	responses.EventMCPCallArgumentsDone:            `{"type":"response.mcp_call_arguments.done","item_id":"mcp_1","output_index":0,"arguments":"{}","sequence_number":5}`,
	responses.EventMCPListToolsInProgress:          `{"type":"response.mcp_list_tools.in_progress","item_id":"mcpl_1","output_index":0,"sequence_number":2}`,
	responses.EventMCPListToolsCompleted:           `{"type":"response.mcp_list_tools.completed","item_id":"mcpl_1","output_index":0,"sequence_number":3}`,
	responses.EventMCPListToolsFailed:              `{"type":"response.mcp_list_tools.failed","item_id":"mcpl_1","output_index":0,"sequence_number":3}`,
	responses.EventShellCallCommandAdded:           `{"type":"response.shell_call_command.added","output_index":0,"command_index":0,"command":"ls","sequence_number":3}`,
	responses.EventShellCallCommandDelta:           `{"type":"response.shell_call_command.delta","output_index":0,"command_index":0,"delta":" -la","sequence_number":4}`,
	responses.EventShellCallCommandDone:            `{"type":"response.shell_call_command.done","output_index":0,"command_index":1,"command":"ls -la","sequence_number":5}`,
	responses.EventShellCallOutputDelta:            `{"type":"response.shell_call_output_content.delta","item_id":"sh_1","output_index":0,"command_index":0,"delta":{"stdout":"a\n","stderr":""},"sequence_number":6}`,
	responses.EventShellCallOutputDone:             `{"type":"response.shell_call_output_content.done","item_id":"sh_1","output_index":0,"command_index":0,"output":[{"stdout":"a\n","stderr":"","outcome":{"type":"exit","exit_code":0}}],"sequence_number":7}`,
	responses.EventAudioDelta:                      `{"type":"response.audio.delta","delta":"UklGR","sequence_number":3}`,
	responses.EventAudioDone:                       `{"type":"response.audio.done","sequence_number":4}`,
	responses.EventAudioTranscriptDelta:            `{"type":"response.audio.transcript.delta","delta":"Hel","sequence_number":3}`,
	responses.EventAudioTranscriptDone:             `{"type":"response.audio.transcript.done","sequence_number":4}`,
}

// eventView is what an event's typed fields say, for comparison.
type eventView struct {
	Type                                                      string
	Seq                                                       int64
	OutputIndex, ContentIndex, SummaryIndex, AnnotationIndex  int
	ItemID, Delta, Text, Refusal, Arguments, Name, Input      string
	Code, Message, Param                                      string
	Item, Part, Annotation, ResponseStatus, ResponseOutputLen string
	CommandIndex                                              int
	Command, Shell                                            string
}

func viewOf(e *responses.Event) eventView {
	v := eventView{Type: e.Type, Seq: e.SequenceNumber, OutputIndex: e.OutputIndex, ContentIndex: e.ContentIndex,
		SummaryIndex: e.SummaryIndex, AnnotationIndex: e.AnnotationIndex, ItemID: e.ItemID, Delta: e.Delta,
		Text: e.Text, Refusal: e.Refusal, Arguments: e.Arguments, Name: e.Name, Input: e.Input,
		Code: e.Code, Message: e.Message, Param: e.Param, CommandIndex: e.CommandIndex, Command: e.Command}
	if d := e.ShellDelta; d != nil {
		v.Shell = fmt.Sprintf("stdout %q stderr %q", d.Stdout, d.Stderr)
	}
	for _, o := range e.ShellOutput {
		v.Shell += fmt.Sprintf("stdout %q stderr %q %s %d", o.Stdout, o.Stderr, o.Outcome.Type, o.Outcome.ExitCode)
	}
	if e.Item != nil {
		v.Item = e.Item.Type + " " + e.Item.ID
	}
	if e.Part != nil {
		v.Part = e.Part.Type + " " + e.Part.Text
	}
	if e.Annotation != nil {
		v.Annotation = e.Annotation.Type + " " + e.Annotation.URL
	}
	if e.Response != nil {
		v.ResponseStatus = e.Response.Status
		v.ResponseOutputLen = strconv.Itoa(len(e.Response.Output))
	}
	return v
}

// TestEventDecode decodes a sample of every event type the package names
// (the test fails when a constant has no sample).
func TestEventDecode(t *testing.T) {
	want := map[string]eventView{
		responses.EventResponseCreated:             {Seq: 0, ResponseStatus: "in_progress", ResponseOutputLen: "0"},
		responses.EventResponseCompleted:           {Seq: 9, ResponseStatus: "completed", ResponseOutputLen: "1"},
		responses.EventResponseIncomplete:          {Seq: 9, ResponseStatus: "incomplete", ResponseOutputLen: "0"},
		responses.EventResponseFailed:              {Seq: 3, ResponseStatus: "failed", ResponseOutputLen: "0"},
		responses.EventError:                       {Seq: 4, Code: "server_error", Message: "boom"},
		responses.EventOutputItemAdded:             {Seq: 2, OutputIndex: 1, Item: "function_call fc_1"},
		responses.EventContentPartDone:             {Seq: 8, OutputIndex: 1, ItemID: "msg_1", Part: "output_text Hi"},
		responses.EventOutputTextDelta:             {Seq: 6, OutputIndex: 1, ItemID: "msg_1", Delta: "Flor"},
		responses.EventOutputTextDone:              {Seq: 7, OutputIndex: 1, ItemID: "msg_1", Text: "Florence"},
		responses.EventOutputTextAnnotationAdded:   {Seq: 9, OutputIndex: 1, ItemID: "msg_1", AnnotationIndex: 2, Annotation: "url_citation https://e.com"},
		responses.EventRefusalDone:                 {Seq: 4, ContentIndex: 1, ItemID: "msg_1", Refusal: "No."},
		responses.EventFunctionCallArgumentsDone:   {Seq: 9, OutputIndex: 1, ItemID: "fc_1", Arguments: `{"a":1}`, Name: "f"},
		responses.EventCustomToolCallInputDone:     {Seq: 4, ItemID: "ctc_1", Input: "SELECT 1"},
		responses.EventReasoningSummaryPartDone:    {Seq: 6, ItemID: "rs_1", SummaryIndex: 1, Part: "summary_text Plan."},
		responses.EventReasoningSummaryTextDelta:   {Seq: 4, ItemID: "rs_1", SummaryIndex: 1, Delta: "**Plan**"},
		responses.EventCodeInterpreterCallCodeDone: {Seq: 7, ItemID: "ci_1", Code: "print(1)"},
		responses.EventShellCallCommandAdded:       {Seq: 3, Command: "ls"},
		responses.EventShellCallCommandDelta:       {Seq: 4, Delta: " -la"},
		responses.EventShellCallCommandDone:        {Seq: 5, CommandIndex: 1, Command: "ls -la"},
		responses.EventShellCallOutputDelta:        {Seq: 6, ItemID: "sh_1", Shell: `stdout "a\n" stderr ""`},
		responses.EventShellCallOutputDone:         {Seq: 7, ItemID: "sh_1", Shell: `stdout "a\n" stderr "" exit 0`},
	}
	for _, name := range eventConstants(t) {
		if name == "EventRetry" {
			continue
		}
		typ := eventConstantValues[name]
		sample, ok := eventSamples[typ]
		if !ok {
			t.Errorf("no sample for %s (%q)", name, typ)
			continue
		}
		t.Run(typ, func(t *testing.T) {
			var e responses.Event
			if err := json.Unmarshal([]byte(sample), &e); err != nil {
				t.Fatal(err)
			}
			if e.Type != typ || string(e.Raw) != sample {
				t.Errorf("Type %q, Raw %s", e.Type, e.Raw)
			}
			if w, ok := want[typ]; ok {
				w.Type = typ
				if diff := cmp.Diff(w, viewOf(&e)); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			}
			if e.IsTerminal() != slices.Contains([]string{responses.EventResponseCompleted, responses.EventResponseIncomplete,
				responses.EventResponseFailed, responses.EventError}, typ) {
				t.Errorf("IsTerminal() = %v", e.IsTerminal())
			}
		})
	}
}

// eventConstantValues maps the names of the Event* constants to their values.
var eventConstantValues = map[string]string{}

// eventConstants lists the Event* constants declared in event.go.
func eventConstants(t *testing.T) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "event.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			for i, n := range vs.Names {
				if !strings.HasPrefix(n.Name, "Event") || i >= len(vs.Values) {
					continue
				}
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok {
					continue
				}
				v, err := strconv.Unquote(lit.Value)
				if err != nil {
					t.Fatal(err)
				}
				names = append(names, n.Name)
				eventConstantValues[n.Name] = v
			}
		}
	}
	if len(names) < 50 {
		t.Fatalf("found only %d Event constants in event.go", len(names))
	}
	return names
}

// TestEventErrorForms decodes the three shapes of a stream error.
func TestEventErrorForms(t *testing.T) {
	tests := []struct {
		name, json string
		want       eventView
	}{
		{"top level", `{"type":"error","code":"server_error","message":"The server had an error.","param":null,"sequence_number":4}`,
			eventView{Type: "error", Seq: 4, Code: "server_error", Message: "The server had an error."}},
		{"nested", `{"type":"error","sequence_number":2,"error":{"type":"invalid_request_error","code":"context_length_exceeded","message":"Too long.","param":"input"}}`,
			eventView{Type: "error", Seq: 2, Code: "context_length_exceeded", Message: "Too long.", Param: "input"}},
		{"bare", `{"error":{"message":"quota","type":"insufficient_quota","param":null,"code":null}}`,
			eventView{Type: "error", Code: "insufficient_quota", Message: "quota"}},
		{"numeric code", `{"type":"error","code":429,"message":"slow"}`,
			eventView{Type: "error", Code: "429", Message: "slow"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e responses.Event
			if err := json.Unmarshal([]byte(tt.json), &e); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, viewOf(&e)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if !e.IsTerminal() {
				t.Error("not terminal")
			}
		})
	}
}

func TestResponseDecode(t *testing.T) {
	body := `{"id":"resp_1","object":"response","created_at":"1741476777","status":"completed","model":"gpt-5",` +
		`"output":[{"type":"message","role":"assistant","content":[{"type":"output_text","text":"A"}]},{"type":"message","role":"assistant","content":[{"type":"output_text","text":"B"}]}],` +
		`"usage":{"input_tokens":"12","input_tokens_details":null,"output_tokens":5.0,"output_tokens_details":{"reasoning_tokens":2},"total_tokens":17},` +
		`"moderation":null,"billing":{"payer":"developer"}}`
	var r responses.Response
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatal(err)
	}
	if r.CreatedAt != 1741476777 || r.OutputText() != "B" || string(r.Raw) != body {
		t.Errorf("CreatedAt %d OutputText %q", r.CreatedAt, r.OutputText())
	}
	want := &responses.Usage{InputTokens: 12, OutputTokens: 5, TotalTokens: 17,
		OutputTokensDetails: responses.OutputTokensDetails{ReasoningTokens: 2}}
	if diff := cmp.Diff(want, r.Usage); diff != "" {
		t.Errorf("usage (-want +got):\n%s", diff)
	}
	var sum responses.Usage
	sum.Add(r.Usage)
	sum.Add(r.Usage)
	sum.Add(nil)
	if sum.TotalTokens != 34 || sum.OutputTokensDetails.ReasoningTokens != 4 {
		t.Errorf("Add: %+v", sum)
	}
	if err := json.Unmarshal([]byte(`{"usage":{"input_tokens":"x"}}`), &r); err == nil {
		t.Error("a non-number count decoded")
	}
	var ue *json.UnmarshalTypeError
	if err := json.Unmarshal([]byte(`{"created_at":{}}`), &r); !errors.As(err, &ue) && err == nil {
		t.Errorf("err = %v", err)
	}
}

// FuzzItem decodes arbitrary bytes as an item. Decoding never panics; a
// decoded item encodes back to exactly the bytes it came from (alone and
// inside a request), with any invalid UTF-8 replaced by U+FFFD; and its
// encoding from fields, when it has one, is valid JSON that decodes and
// encodes to itself again.
func FuzzItem(f *testing.F) {
	for _, s := range itemSamples {
		f.Add([]byte(s.json))
	}
	for _, s := range eventSamples {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var it responses.Item
		if json.Unmarshal(data, &it) != nil {
			return
		}
		want := bytes.ToValidUTF8(bytes.Trim(data, " \t\r\n"), []byte("\uFFFD"))
		got, err := it.MarshalJSON()
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("MarshalJSON = %q, %v; want %q", got, err, want)
		}
		req := &responses.Request{Input: responses.InputItems(it)}
		body, err := req.AppendJSON(nil)
		if err != nil || !bytes.Equal(body, []byte(`{"input":[`+string(want)+`]}`)) {
			t.Fatalf("AppendJSON = %q, %v", body, err)
		}

		it.ClearRaw()
		enc, err := it.MarshalJSON()
		if err != nil {
			return // a kind that needs its bytes
		}
		if !json.Valid(enc) {
			t.Fatalf("invalid JSON from fields: %q", enc)
		}
		var back responses.Item
		if err := json.Unmarshal(enc, &back); err != nil {
			t.Fatalf("re-decoding %q: %v", enc, err)
		}
		back.ClearRaw()
		again, err := back.MarshalJSON()
		if err != nil || !bytes.Equal(again, enc) {
			t.Fatalf("not a fixpoint:\n first %q\nsecond %q (%v)", enc, again, err)
		}
	})
}

// TestItemMCPFields checks the decoded fields of hosted MCP items, and how
// their calls and answers pair.
func TestItemMCPFields(t *testing.T) {
	decode := func(s string) responses.Item {
		t.Helper()
		var it responses.Item
		if err := json.Unmarshal([]byte(s), &it); err != nil {
			t.Fatal(err)
		}
		return it
	}
	type fields struct {
		Type, ID, PairID, ServerLabel, Name, Arguments, ApprovalRequestID, Reason, Output, MCPTools, MCPError string
		Approve, IsCall, IsHosted                                                                             bool
	}
	view := func(it responses.Item) fields {
		return fields{Type: it.Type, ID: it.ID, PairID: it.PairID(), ServerLabel: it.ServerLabel, Name: it.Name,
			Arguments: it.Arguments, ApprovalRequestID: it.ApprovalRequestID, Reason: it.Reason, Output: it.Output.String(),
			MCPTools: string(it.MCPTools), MCPError: string(it.MCPError), Approve: it.Approve, IsCall: it.IsCall(), IsHosted: it.IsHostedCall()}
	}
	tests := []struct {
		json string
		want fields
	}{
		{`{"type":"mcp_approval_request","id":"mcpr_1","server_label":"wiki","name":"ask","arguments":"{\"q\":1}"}`,
			fields{Type: "mcp_approval_request", ID: "mcpr_1", PairID: "mcpr_1", ServerLabel: "wiki", Name: "ask", Arguments: `{"q":1}`, IsCall: true}},
		{`{"type":"mcp_approval_response","id":"mcpa_1","approval_request_id":"mcpr_1","approve":true,"reason":null}`,
			fields{Type: "mcp_approval_response", ID: "mcpa_1", PairID: "mcpr_1", ApprovalRequestID: "mcpr_1", Approve: true}},
		{`{"type":"mcp_call","id":"mcp_1","server_label":"wiki","name":"ask","arguments":"{}","output":"42","error":null,"status":"completed"}`,
			fields{Type: "mcp_call", ID: "mcp_1", ServerLabel: "wiki", Name: "ask", Arguments: "{}", Output: "42", IsHosted: true}},
		{`{"type":"mcp_call","id":"mcp_2","server_label":"wiki","name":"ask","arguments":"{}","output":null,"error":{"type":"http_error","code":500}}`,
			fields{Type: "mcp_call", ID: "mcp_2", ServerLabel: "wiki", Name: "ask", Arguments: "{}", MCPError: `{"type":"http_error","code":500}`, IsHosted: true}},
		{`{"type":"mcp_list_tools","id":"mcpl_1","server_label":"wiki","tools":[{"name":"ask"}],"error":"unreachable"}`,
			fields{Type: "mcp_list_tools", ID: "mcpl_1", ServerLabel: "wiki", MCPTools: `[{"name":"ask"}]`, MCPError: `"unreachable"`, IsHosted: true}},
	}
	for _, tt := range tests {
		it := decode(tt.json)
		if diff := cmp.Diff(tt.want, view(it)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.json, diff)
		}
		// Built again from the fields, the item decodes to the same view.
		built := it
		built.ClearRaw()
		b, err := built.MarshalJSON()
		if err != nil {
			t.Fatalf("%s: encode from fields: %v", tt.json, err)
		}
		if diff := cmp.Diff(tt.want, view(decode(string(b)))); diff != "" {
			t.Errorf("%s re-encoded as %s (-want +got):\n%s", tt.json, b, diff)
		}
	}

	req := decode(tests[0].json)
	out := responses.ErrorOutput(&req, "the user said no")
	if diff := cmp.Diff(responses.MCPApprovalResponse("mcpr_1", false, "the user said no"), out, cmpopts.IgnoreUnexported(responses.Item{})); diff != "" {
		t.Errorf("ErrorOutput (-want +got):\n%s", diff)
	}
	if got := responses.OutputType(req.Type); got != out.Type {
		t.Errorf("OutputType = %q, want %q", got, out.Type)
	}
	if out.PairID() != req.PairID() {
		t.Errorf("the answer pairs with %q, the request with %q", out.PairID(), req.PairID())
	}
}

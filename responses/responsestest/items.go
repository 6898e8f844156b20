package responsestest

import (
	"encoding/json"

	"github.com/agentloop/agentloop/responses"
)

// The helpers below build output items as the API sends them. They leave ID
// empty: a [Server] gives each item a server-like id (msg_…, fc_…, rs_…)
// when it sends it, and a call its call_id when callID is "".

// Message returns a completed assistant message with one output_text part.
// Set its Phase for a commentary (preamble) or final_answer message.
func Message(text string) responses.Item {
	return responses.Item{Type: responses.ItemMessage, Role: responses.RoleAssistant,
		Status: responses.StatusCompleted, Content: []responses.ContentPart{{
			Type: responses.ContentOutputText, Text: text, Logprobs: json.RawMessage("[]")}}}
}

// Refusal returns a completed assistant message with one refusal part.
func Refusal(text string) responses.Item {
	return responses.Item{Type: responses.ItemMessage, Role: responses.RoleAssistant,
		Status: responses.StatusCompleted, Content: []responses.ContentPart{{
			Type: responses.ContentRefusal, Refusal: text}}}
}

// FunctionCall returns a completed function_call. arguments is the JSON
// document the model wrote, as a string.
func FunctionCall(callID, name, arguments string) responses.Item {
	return responses.Item{Type: responses.ItemFunctionCall, CallID: callID, Name: name,
		Arguments: arguments, Status: responses.StatusCompleted}
}

// CustomToolCall returns a completed custom_tool_call with free-form input.
func CustomToolCall(callID, name, input string) responses.Item {
	return responses.Item{Type: responses.ItemCustomToolCall, CallID: callID, Name: name,
		Input: input, Status: responses.StatusCompleted}
}

// ComputerCall returns a completed computer_call of the GA computer tool,
// with batched actions and no pending safety checks (set
// PendingSafetyChecks on the result to ask for an acknowledgement).
func ComputerCall(callID string, actions ...responses.ComputerAction) responses.Item {
	if actions == nil {
		actions = []responses.ComputerAction{}
	}
	return responses.Item{Type: responses.ItemComputerCall, CallID: callID, Actions: actions,
		Status: responses.StatusCompleted}
}

// ComputerCallPreview returns a completed computer_call of the
// computer_use_preview tool, with a single action.
func ComputerCallPreview(callID string, action responses.ComputerAction) responses.Item {
	return responses.Item{Type: responses.ItemComputerCall, CallID: callID, Action: &action,
		Status: responses.StatusCompleted}
}

// Reasoning returns a reasoning item: summary, when not empty, is its one
// summary_text part (the summary is [] otherwise); encrypted, when not
// empty, is its encrypted_content.
func Reasoning(summary, encrypted string) responses.Item {
	it := responses.Item{Type: responses.ItemReasoning, Summary: []responses.ContentPart{},
		EncryptedContent: encrypted}
	if summary != "" {
		it.Summary = []responses.ContentPart{{Type: responses.ContentSummaryText, Text: summary}}
	}
	return it
}

// FileSearchCall returns a completed hosted file_search_call with these
// queries and results (nil results are sent as null, as the API does unless
// asked to include them).
func FileSearchCall(queries []string, results []responses.FileSearchResult) responses.Item {
	return responses.Item{Type: responses.ItemFileSearchCall, Status: responses.StatusCompleted,
		Queries: queries, Results: results}
}

// WebSearchCall returns a completed hosted web_search_call whose action
// searched for query.
func WebSearchCall(query string) responses.Item {
	action := appendString([]byte(`{"type":"search","query":`), query)
	action = append(action, '}')
	return responses.Item{Type: responses.ItemWebSearchCall, Status: responses.StatusCompleted,
		SearchAction: action}
}

// ShellCall returns a completed shell_call in the local environment (one
// the client runs) with these commands and no limits; set
// ShellAction.TimeoutMS and MaxOutputLength on the result to add them.
func ShellCall(callID string, commands ...string) responses.Item {
	if commands == nil {
		commands = []string{}
	}
	return responses.Item{Type: responses.ItemShellCall, CallID: callID, Status: responses.StatusCompleted,
		EnvironmentType: "local", ShellAction: &responses.ShellAction{Commands: commands}}
}

// LocalShellCall returns a completed local_shell_call running argv.
func LocalShellCall(callID string, argv ...string) responses.Item {
	return responses.Item{Type: responses.ItemLocalShellCall, CallID: callID, Status: responses.StatusCompleted,
		LocalShellAction: &responses.LocalShellAction{Type: "exec", Command: argv, Env: map[string]string{}}}
}

// ApplyPatchCall returns a completed apply_patch_call with one operation.
func ApplyPatchCall(callID string, op responses.PatchOperation) responses.Item {
	return responses.Item{Type: responses.ItemApplyPatchCall, CallID: callID, Status: responses.StatusCompleted,
		Operation: &op}
}

// ToolSearchCall returns a completed tool_search_call the client executes,
// with arguments (a JSON object, such as {"query":"shipping"}).
func ToolSearchCall(callID, arguments string) responses.Item {
	return responses.Item{Type: responses.ItemToolSearchCall, CallID: callID, Status: responses.StatusCompleted,
		Execution: responses.ExecutionClient, Arguments: arguments}
}

// MCPListTools returns an mcp_list_tools item of the hosted MCP tool: the
// tools (a JSON array, kept as it is; nil sends []) the server labelled
// label offers.
func MCPListTools(label string, tools json.RawMessage) responses.Item {
	return responses.Item{Type: responses.ItemMCPListTools, ServerLabel: label, MCPTools: tools}
}

// MCPApprovalRequest returns an mcp_approval_request of the hosted MCP
// tool: the server labelled label asks to run its tool name with
// arguments (a JSON document as a string). It has no call_id: the
// mcp_approval_response answering it names its id (given when it is sent)
// in approval_request_id.
func MCPApprovalRequest(label, name, arguments string) responses.Item {
	return responses.Item{Type: responses.ItemMCPApprovalRequest, ServerLabel: label, Name: name, Arguments: arguments}
}

// MCPCall returns a completed mcp_call of the hosted MCP tool, which the
// server ran: output is the tool's output; approvalRequestID, when not
// empty, names the approval request that allowed it.
func MCPCall(label, name, arguments, output, approvalRequestID string) responses.Item {
	return responses.Item{Type: responses.ItemMCPCall, Status: responses.StatusCompleted, ServerLabel: label, Name: name,
		Arguments: arguments, Output: &responses.ToolOutput{Text: output}, ApprovalRequestID: approvalRequestID}
}

package responses

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Item types, the values of [Item.Type].
const (
	ItemMessage               = "message"
	ItemFunctionCall          = "function_call"
	ItemFunctionCallOutput    = "function_call_output"
	ItemCustomToolCall        = "custom_tool_call"
	ItemCustomToolCallOutput  = "custom_tool_call_output"
	ItemComputerCall          = "computer_call"
	ItemComputerCallOutput    = "computer_call_output"
	ItemReasoning             = "reasoning"
	ItemFileSearchCall        = "file_search_call"
	ItemWebSearchCall         = "web_search_call"
	ItemReference             = "item_reference"
	ItemShellCall             = "shell_call"
	ItemShellCallOutput       = "shell_call_output"
	ItemLocalShellCall        = "local_shell_call"
	ItemLocalShellCallOutput  = "local_shell_call_output"
	ItemApplyPatchCall        = "apply_patch_call"
	ItemApplyPatchCallOutput  = "apply_patch_call_output"
	ItemToolSearchCall        = "tool_search_call"
	ItemToolSearchOutput      = "tool_search_output"
	ItemMCPApprovalRequest    = "mcp_approval_request"
	ItemMCPApprovalResponse   = "mcp_approval_response"
	ItemMCPCall               = "mcp_call"
	ItemMCPListTools          = "mcp_list_tools"
	ItemCodeInterpreterCall   = "code_interpreter_call"
	ItemImageGenerationCall   = "image_generation_call"
	ContentInputText          = "input_text"
	ContentInputImage         = "input_image"
	ContentInputFile          = "input_file"
	ContentOutputText         = "output_text"
	ContentRefusal            = "refusal"
	ContentSummaryText        = "summary_text"
	ContentReasoningText      = "reasoning_text"
	ContentComputerScreenshot = "computer_screenshot"
)

// Message roles and phases.
const (
	RoleUser      = "user"
	RoleAssistant = "assistant"
	RoleSystem    = "system"
	RoleDeveloper = "developer"

	PhaseCommentary  = "commentary"
	PhaseFinalAnswer = "final_answer"
)

// Item is one input or output item of a conversation: a message, a tool call,
// a tool call's output, a reasoning item, a hosted tool's result, or any kind
// this package does not know.
//
// An item decoded from JSON keeps its bytes, and encodes as exactly those
// bytes: items read from a response go back to the model byte for byte, and
// unknown item kinds and unknown fields survive untouched. The typed fields are
// a read-only view of those bytes; to send a changed item, build a new one (or
// call [Item.ClearRaw] after changing it).
//
// Which fields are set depends on Type; the comments name the item types that
// use each.
type Item struct {
	Type   string // see the Item* constants; "" with a Role is an "easy" message
	ID     string
	Status string

	// message
	Role        string
	Phase       string        // commentary or final_answer, on newer models
	Content     []ContentPart // message parts; reasoning_text parts of a reasoning item
	ContentText string        // message content sent as a plain string

	// function_call, custom_tool_call, computer_call and their outputs
	CallID    string
	Name      string
	Namespace string
	Arguments string      // function_call: a JSON document as a string; tool_search_call, mcp_approval_request: the arguments as JSON text
	Input     string      // custom_tool_call: free-form input
	Output    *ToolOutput // function_call_output, custom_tool_call_output; the text of apply_patch_call_output and local_shell_call_output

	// computer_call and computer_call_output
	Action                   *ComputerAction  // computer_use_preview: a single action
	Actions                  []ComputerAction // computer (GA): batched actions
	PendingSafetyChecks      []SafetyCheck
	AcknowledgedSafetyChecks []SafetyCheck
	Screenshot               *ComputerScreenshot // computer_call_output's output

	// reasoning
	Summary          []ContentPart // summary_text parts
	EncryptedContent string

	// file_search_call
	Queries []string
	Results []FileSearchResult

	// web_search_call: its action object, kept as it came
	SearchAction json.RawMessage

	// tool_search_call and tool_search_output: "server" or "client";
	// shell_call: the type of its environment ("local", "container_auto",
	// "container_reference"; empty when absent), which says who runs it
	Execution       string
	EnvironmentType string

	// shell_call: its commands and limits; local_shell_call: its program
	ShellAction      *ShellAction
	LocalShellAction *LocalShellAction
	// shell_call_output: the output of each command, and the
	// max_output_length of the call it answers. (apply_patch_call_output
	// and local_shell_call_output carry their text in Output.)
	ShellOutput     []ShellCommandOutput
	MaxOutputLength *int64

	// apply_patch_call: the file operation
	Operation *PatchOperation

	// tool_search_output: the tool definitions it loads
	Tools []Tool

	// mcp_approval_request, mcp_approval_response, mcp_call, mcp_list_tools
	// (hosted MCP): Name and Arguments name the tool and hold its arguments;
	// an mcp_call's output, when it has one, is in Output as text.
	ServerLabel       string          // the label of the MCP server
	ApprovalRequestID string          // mcp_approval_response: the request it answers; mcp_call: the request that approved it
	Approve           bool            // mcp_approval_response: whether the request was approved
	Reason            string          // mcp_approval_response: why, optionally
	MCPTools          json.RawMessage // mcp_list_tools: the tools, kept as they came
	MCPError          json.RawMessage // mcp_call, mcp_list_tools: the error, kept as it came (a string or an object)

	raw json.RawMessage
}

// ToolOutput is the output of a function or custom tool call: a string, or,
// when Parts is not nil, an array of input_text / input_image / input_file
// parts.
type ToolOutput struct {
	Text  string
	Parts []ContentPart
}

// MarshalJSON writes a string, or the parts array when Parts is not nil.
func (o ToolOutput) MarshalJSON() ([]byte, error) {
	if o.Parts != nil {
		return json.Marshal(o.Parts)
	}
	return appendString(nil, o.Text), nil
}

// UnmarshalJSON reads a string or an array of content parts.
func (o *ToolOutput) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	*o = ToolOutput{}
	if len(b) > 0 && b[0] == '[' {
		o.Parts = []ContentPart{}
		return json.Unmarshal(b, &o.Parts)
	}
	if string(b) == "null" {
		return nil
	}
	return json.Unmarshal(b, &o.Text)
}

// String returns the text of the output: Text, or the text parts joined.
func (o *ToolOutput) String() string {
	if o == nil {
		return ""
	}
	if o.Parts == nil {
		return o.Text
	}
	var s string
	for _, p := range o.Parts {
		s += p.Text
	}
	return s
}

// ContentPart is one part of a message's content (input_text, input_image,
// input_file, output_text, refusal), of a reasoning item's summary
// (summary_text) or content (reasoning_text), or of a tool output.
type ContentPart struct {
	Type        string          `json:"type"`
	Text        string          `json:"text,omitempty"`
	Refusal     string          `json:"refusal,omitempty"`
	ImageURL    string          `json:"image_url,omitempty"`
	FileID      string          `json:"file_id,omitempty"`
	FileURL     string          `json:"file_url,omitempty"`
	FileData    string          `json:"file_data,omitempty"`
	Filename    string          `json:"filename,omitempty"`
	Detail      string          `json:"detail,omitempty"`
	Annotations []Annotation    `json:"annotations,omitempty"`
	Logprobs    json.RawMessage `json:"logprobs,omitempty"`
	raw         json.RawMessage
}

// UnmarshalJSON decodes a part and keeps its bytes.
func (p *ContentPart) UnmarshalJSON(b []byte) error { return p.decode(cloneBytes(b)) }

// decode decodes a part from b and keeps b as its raw bytes.
func (p *ContentPart) decode(b []byte) error {
	var w ContentPart
	err := scanObject(b, func(key []byte, val []byte) error {
		var err error
		switch string(key) {
		case "type":
			w.Type, err = str(val)
		case "text":
			w.Text, err = str(val)
		case "refusal":
			w.Refusal, err = str(val)
		case "image_url":
			w.ImageURL, err = str(val)
		case "file_id":
			w.FileID, err = str(val)
		case "file_url":
			w.FileURL, err = str(val)
		case "file_data":
			w.FileData, err = str(val)
		case "filename":
			w.Filename, err = str(val)
		case "detail":
			w.Detail, err = str(val)
		case "annotations":
			err = json.Unmarshal(val, &w.Annotations)
		case "logprobs":
			if !isNull(val) {
				w.Logprobs = val
			}
		}
		if err != nil {
			return fmt.Errorf("content part field %q: %w", key, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	w.raw = b
	*p = w
	return nil
}

// MarshalJSON writes the bytes a decoded part came with, or its fields. An
// output_text part built in code always carries "annotations" (an empty
// array when there are none), as the API sends it.
func (p ContentPart) MarshalJSON() ([]byte, error) {
	if p.raw != nil {
		return p.raw, nil
	}
	o := newObject()
	o.str("type", p.Type)
	switch p.Type {
	case ContentOutputText:
		o.str("text", p.Text)
		if p.Annotations == nil {
			o.raw("annotations", json.RawMessage("[]"))
		} else {
			o.val("annotations", p.Annotations)
		}
		o.raw("logprobs", p.Logprobs)
		return o.bytes()
	case ContentInputText, ContentSummaryText, ContentReasoningText:
		o.str("text", p.Text)
		return o.bytes()
	case ContentRefusal:
		o.str("refusal", p.Refusal)
		return o.bytes()
	}
	o.strOmit("text", p.Text)
	o.strOmit("image_url", p.ImageURL)
	o.strOmit("file_id", p.FileID)
	o.strOmit("file_url", p.FileURL)
	o.strOmit("file_data", p.FileData)
	o.strOmit("filename", p.Filename)
	o.strOmit("detail", p.Detail)
	return o.bytes()
}

// Annotation types, the values of [Annotation.Type].
const (
	AnnotationFileCitation          = "file_citation"
	AnnotationURLCitation           = "url_citation"
	AnnotationContainerFileCitation = "container_file_citation"
	AnnotationFilePath              = "file_path"
)

// Annotation is a citation or file path attached to output text.
type Annotation struct {
	Type        string `json:"type"`
	FileID      string `json:"file_id,omitempty"`
	Filename    string `json:"filename,omitempty"`
	Index       *int   `json:"index,omitempty"` // file_citation, file_path
	URL         string `json:"url,omitempty"`
	Title       string `json:"title,omitempty"`
	StartIndex  *int   `json:"start_index,omitempty"`
	EndIndex    *int   `json:"end_index,omitempty"`
	ContainerID string `json:"container_id,omitempty"`
	raw         json.RawMessage
}

// UnmarshalJSON decodes an annotation and keeps its bytes.
func (a *Annotation) UnmarshalJSON(b []byte) error {
	type plain Annotation
	var w plain
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*a = Annotation(w)
	a.raw = cloneBytes(b)
	return nil
}

// MarshalJSON writes the bytes a decoded annotation came with, or its fields.
func (a Annotation) MarshalJSON() ([]byte, error) {
	if a.raw != nil {
		return a.raw, nil
	}
	type plain Annotation
	return json.Marshal(plain(a))
}

// FileSearchResult is one result of a file_search_call.
type FileSearchResult struct {
	FileID     string         `json:"file_id"`
	Filename   string         `json:"filename"`
	Score      float64        `json:"score"`
	Text       string         `json:"text"`
	Attributes map[string]any `json:"attributes,omitempty"`
}

// itemWire is every field an item may carry; the fields whose shape depends
// on the item type are kept raw and decoded afterwards.
type itemWire struct {
	Type                     string             `json:"type"`
	ID                       string             `json:"id"`
	Status                   string             `json:"status"`
	Role                     string             `json:"role"`
	Phase                    string             `json:"phase"`
	Content                  json.RawMessage    `json:"content"`
	CallID                   string             `json:"call_id"`
	Name                     string             `json:"name"`
	Namespace                string             `json:"namespace"`
	Arguments                string             `json:"arguments"`
	Input                    json.RawMessage    `json:"input"`
	Output                   json.RawMessage    `json:"output"`
	Action                   json.RawMessage    `json:"action"`
	Actions                  []ComputerAction   `json:"actions"`
	PendingSafetyChecks      []SafetyCheck      `json:"pending_safety_checks"`
	AcknowledgedSafetyChecks []SafetyCheck      `json:"acknowledged_safety_checks"`
	Summary                  []ContentPart      `json:"summary"`
	EncryptedContent         string             `json:"encrypted_content"`
	Queries                  []string           `json:"queries"`
	Results                  []FileSearchResult `json:"results"`
	Execution                string             `json:"execution"`
	EnvironmentType          string             `json:"-"`
	Operation                json.RawMessage    `json:"operation"`
	Tools                    json.RawMessage    `json:"tools"`
	MaxOutputLength          *int64             `json:"max_output_length"`
	ServerLabel              string             `json:"server_label"`
	ApprovalRequestID        string             `json:"approval_request_id"`
	Approve                  bool               `json:"approve"`
	Reason                   string             `json:"reason"`
	MCPError                 json.RawMessage    `json:"error"`
}

// UnmarshalJSON decodes an item of any type and keeps its bytes.
func (it *Item) UnmarshalJSON(b []byte) error { return it.decode(cloneBytes(b)) }

// decode decodes an item from b and keeps b as its raw bytes (and slices of
// it for nested raw values), so the caller must not modify b.
//
// Invalid UTF-8 (which a JSON text may not hold, but a faulty server or
// gateway may send inside a string) is replaced with U+FFFD first, in the
// kept bytes too, so an item never carries invalid UTF-8 upstream.
func (it *Item) decode(b []byte) error {
	if !utf8.Valid(b) {
		b = bytes.ToValidUTF8(b, []byte("\uFFFD"))
	}
	var w itemWire
	err := scanObject(b, func(key []byte, val []byte) error {
		var err error
		switch string(key) {
		case "type":
			w.Type, err = str(val)
		case "id":
			w.ID, err = str(val)
		case "status":
			w.Status, err = str(val)
		case "role":
			w.Role, err = str(val)
		case "phase":
			w.Phase, err = str(val)
		case "content":
			w.Content = val
		case "call_id":
			w.CallID, err = str(val)
		case "name":
			w.Name, err = str(val)
		case "namespace":
			w.Namespace, err = str(val)
		case "arguments":
			if len(val) > 0 && val[0] != '"' {
				// An object (tool_search_call): kept as its JSON text.
				if !isNull(val) {
					w.Arguments = string(val)
				}
				break
			}
			w.Arguments, err = str(val)
		case "input":
			w.Input = val
		case "output":
			w.Output = val
		case "action":
			w.Action = val
		case "actions":
			err = json.Unmarshal(val, &w.Actions)
		case "pending_safety_checks":
			err = json.Unmarshal(val, &w.PendingSafetyChecks)
		case "acknowledged_safety_checks":
			err = json.Unmarshal(val, &w.AcknowledgedSafetyChecks)
		case "summary":
			err = json.Unmarshal(val, &w.Summary)
		case "execution":
			w.Execution, err = str(val)
		case "environment":
			if !isNull(val) {
				var env struct {
					Type string `json:"type"`
				}
				err = json.Unmarshal(val, &env)
				w.EnvironmentType = env.Type
			}
		case "encrypted_content":
			w.EncryptedContent, err = str(val)
		case "queries":
			err = json.Unmarshal(val, &w.Queries)
		case "results":
			err = json.Unmarshal(val, &w.Results)
		case "operation":
			w.Operation = val
		case "tools":
			w.Tools = val
		case "server_label":
			w.ServerLabel, err = str(val)
		case "approval_request_id":
			if !isNull(val) {
				w.ApprovalRequestID, err = str(val)
			}
		case "approve":
			if !isNull(val) {
				err = json.Unmarshal(val, &w.Approve)
			}
		case "reason":
			if !isNull(val) {
				w.Reason, err = str(val)
			}
		case "error":
			if !isNull(val) {
				w.MCPError = val
			}
		case "max_output_length":
			if !isNull(val) {
				w.MaxOutputLength = new(int64)
				err = json.Unmarshal(val, w.MaxOutputLength)
			}
		}
		if err != nil {
			return fmt.Errorf("field %q: %w", key, err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("item: %w", err)
	}
	*it = Item{
		Type: w.Type, ID: w.ID, Status: w.Status, Role: w.Role, Phase: w.Phase,
		CallID: w.CallID, Name: w.Name, Namespace: w.Namespace, Arguments: w.Arguments,
		Actions: w.Actions, PendingSafetyChecks: w.PendingSafetyChecks,
		AcknowledgedSafetyChecks: w.AcknowledgedSafetyChecks, Summary: w.Summary,
		EncryptedContent: w.EncryptedContent, Queries: w.Queries, Results: w.Results,
		Execution: w.Execution, EnvironmentType: w.EnvironmentType, MaxOutputLength: w.MaxOutputLength,
		ServerLabel: w.ServerLabel, ApprovalRequestID: w.ApprovalRequestID, Approve: w.Approve, Reason: w.Reason,
		MCPError: w.MCPError, raw: b,
	}
	if isNull(w.Content) {
		w.Content = nil
	}
	if w.Content != nil {
		if w.Content[0] == '"' {
			if err := json.Unmarshal(w.Content, &it.ContentText); err != nil {
				return fmt.Errorf("item %s: content: %w", w.Type, err)
			}
		} else {
			it.Content = []ContentPart{}
			err := scanArray(w.Content, func(elem []byte) error {
				var p ContentPart
				if err := p.decode(elem); err != nil {
					return err
				}
				it.Content = append(it.Content, p)
				return nil
			})
			if err != nil {
				return fmt.Errorf("item %s: content: %w", w.Type, err)
			}
		}
	}
	if len(w.Input) > 0 && w.Input[0] == '"' {
		if err := json.Unmarshal(w.Input, &it.Input); err != nil {
			return fmt.Errorf("item %s: input: %w", w.Type, err)
		}
	}
	if !isNull(w.Output) {
		switch w.Type {
		case ItemComputerCallOutput:
			it.Screenshot = new(ComputerScreenshot)
			if err := json.Unmarshal(w.Output, it.Screenshot); err != nil {
				return fmt.Errorf("item %s: output: %w", w.Type, err)
			}
		case ItemFunctionCallOutput, ItemCustomToolCallOutput, ItemMCPCall:
			it.Output = new(ToolOutput)
			if err := it.Output.UnmarshalJSON(w.Output); err != nil {
				return fmt.Errorf("item %s: output: %w", w.Type, err)
			}
		}
	}
	if !isNull(w.Action) {
		switch w.Type {
		case ItemComputerCall:
			it.Action = new(ComputerAction)
			if err := it.Action.UnmarshalJSON(w.Action); err != nil {
				return fmt.Errorf("item %s: action: %w", w.Type, err)
			}
		case ItemShellCall, ItemLocalShellCall:
		default:
			it.SearchAction = w.Action
		}
	}
	if w.Type == ItemMCPListTools && !isNull(w.Tools) {
		it.MCPTools = w.Tools
	}
	return it.decodeBuiltin(w.Action, w.Output, w.Operation, w.Tools)
}

func isNull(b json.RawMessage) bool {
	return len(b) == 0 || string(b) == "null"
}

// Raw returns the bytes the item was decoded from, or nil for an item built
// in code. The slice must not be modified.
func (it *Item) Raw() json.RawMessage { return it.raw }

// ClearRaw forgets the bytes the item was decoded from, so that it encodes
// from its fields.
func (it *Item) ClearRaw() { it.raw = nil }

// IsMessage reports whether the item is a message (typed or "easy").
func (it *Item) IsMessage() bool {
	return it.Type == ItemMessage || (it.Type == "" && it.Role != "")
}

// Text returns the concatenated output_text (or input_text) of a message.
func (it *Item) Text() string {
	if it.ContentText != "" {
		return it.ContentText
	}
	var n int
	for i := range it.Content {
		n += len(it.Content[i].Text)
	}
	buf := make([]byte, 0, n)
	for i := range it.Content {
		switch it.Content[i].Type {
		case ContentOutputText, ContentInputText:
			buf = append(buf, it.Content[i].Text...)
		}
	}
	return string(buf)
}

// Refusal returns the refusal text of an assistant message, if any.
func (it *Item) Refusal() string {
	for i := range it.Content {
		if it.Content[i].Type == ContentRefusal {
			return it.Content[i].Refusal
		}
	}
	return ""
}

// errUnknownItem is returned when encoding an item built in code whose type
// this package cannot encode from fields.
var errUnknownItem = errors.New("responses: cannot encode an item of this type without raw bytes")

// MarshalJSON writes the bytes a decoded item came with, or, for an item
// built in code, the fields that belong to its type.
func (it Item) MarshalJSON() ([]byte, error) {
	if it.raw != nil {
		return it.raw, nil
	}
	o := newObject()
	typ := it.Type
	if typ == "" && it.Role != "" {
		typ = ItemMessage
	}
	o.str("type", typ)
	switch typ {
	case ItemMessage:
		o.strOmit("id", it.ID)
		o.str("role", it.Role)
		if it.Content != nil {
			o.val("content", it.Content)
		} else {
			o.str("content", it.ContentText)
		}
		o.strOmit("status", it.Status)
		o.strOmit("phase", it.Phase)
	case ItemFunctionCall:
		o.strOmit("id", it.ID)
		o.str("call_id", it.CallID)
		o.str("name", it.Name)
		o.strOmit("namespace", it.Namespace)
		o.str("arguments", it.Arguments)
		o.strOmit("status", it.Status)
	case ItemCustomToolCall:
		o.strOmit("id", it.ID)
		o.str("call_id", it.CallID)
		o.str("name", it.Name)
		o.str("input", it.Input)
		o.strOmit("status", it.Status)
	case ItemFunctionCallOutput, ItemCustomToolCallOutput:
		o.strOmit("id", it.ID)
		o.str("call_id", it.CallID)
		out := it.Output
		if out == nil {
			out = &ToolOutput{}
		}
		o.marshal("output", out)
		o.strOmit("status", it.Status)
	case ItemComputerCall:
		o.strOmit("id", it.ID)
		o.str("call_id", it.CallID)
		if it.Action != nil {
			o.val("action", it.Action)
		}
		if it.Actions != nil {
			o.val("actions", it.Actions)
		}
		o.val("pending_safety_checks", nonNil(it.PendingSafetyChecks))
		o.strOmit("status", it.Status)
	case ItemComputerCallOutput:
		o.strOmit("id", it.ID)
		o.str("call_id", it.CallID)
		if it.AcknowledgedSafetyChecks != nil {
			o.val("acknowledged_safety_checks", it.AcknowledgedSafetyChecks)
		}
		shot := it.Screenshot
		if shot == nil {
			shot = &ComputerScreenshot{}
		}
		if shot.Type == "" {
			s := *shot
			s.Type = ContentComputerScreenshot
			shot = &s
		}
		o.val("output", shot)
		o.strOmit("status", it.Status)
	case ItemReasoning:
		o.strOmit("id", it.ID)
		o.val("summary", nonNil(it.Summary))
		if it.Content != nil {
			o.val("content", it.Content)
		}
		o.strOmit("encrypted_content", it.EncryptedContent)
		o.strOmit("status", it.Status)
	case ItemReference:
		o.str("id", it.ID)
	case ItemFileSearchCall:
		o.strOmit("id", it.ID)
		o.strOmit("status", it.Status)
		o.val("queries", nonNil(it.Queries))
		if it.Results != nil {
			o.val("results", it.Results)
		} else {
			o.raw("results", json.RawMessage("null"))
		}
	case ItemWebSearchCall:
		o.strOmit("id", it.ID)
		o.strOmit("status", it.Status)
		o.raw("action", it.SearchAction)
	case ItemMCPApprovalRequest:
		o.str("id", it.ID)
		o.str("server_label", it.ServerLabel)
		o.str("name", it.Name)
		o.str("arguments", it.Arguments)
	case ItemMCPApprovalResponse:
		o.strOmit("id", it.ID)
		o.str("approval_request_id", it.ApprovalRequestID)
		o.val("approve", it.Approve)
		o.strOmit("reason", it.Reason)
	case ItemMCPCall:
		o.str("id", it.ID)
		o.strOmit("status", it.Status)
		o.strOmit("approval_request_id", it.ApprovalRequestID)
		o.str("server_label", it.ServerLabel)
		o.str("name", it.Name)
		o.str("arguments", it.Arguments)
		if it.Output != nil {
			o.str("output", it.Output.String())
		} else {
			o.raw("output", json.RawMessage("null"))
		}
		if it.MCPError != nil {
			o.raw("error", it.MCPError)
		} else {
			o.raw("error", json.RawMessage("null"))
		}
	case ItemMCPListTools:
		o.str("id", it.ID)
		o.str("server_label", it.ServerLabel)
		if it.MCPTools != nil {
			o.raw("tools", it.MCPTools)
		} else {
			o.raw("tools", json.RawMessage("[]"))
		}
		if it.MCPError != nil {
			o.raw("error", it.MCPError)
		}
	default:
		if !it.encodeBuiltin(o) {
			return nil, fmt.Errorf("%w: %q", errUnknownItem, it.Type)
		}
	}
	return o.bytes()
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// IsCall reports whether the item is a call the client must execute and
// answer: a function_call, custom_tool_call, computer_call, apply_patch_call,
// local_shell_call, mcp_approval_request, a shell_call in a local
// environment, a tool_search_call with execution "client", or a call of a
// kind this package does not know (see [Item.IsUnknownCall]).
func (it *Item) IsCall() bool {
	switch it.Type {
	case ItemFunctionCall, ItemCustomToolCall, ItemComputerCall, ItemApplyPatchCall, ItemLocalShellCall, ItemMCPApprovalRequest:
		return true
	case ItemShellCall:
		return it.EnvironmentType == "" || it.EnvironmentType == "local"
	case ItemToolSearchCall:
		return it.Execution == "client"
	}
	return it.IsUnknownCall()
}

// IsHostedCall reports whether the item is a call the server ran itself and
// reports done: web, file and tool search, code interpreter, image
// generation, MCP calls and listings, a shell_call in a hosted container.
// Such items are kept in the history and never answered.
func (it *Item) IsHostedCall() bool {
	switch it.Type {
	case ItemWebSearchCall, ItemFileSearchCall, ItemCodeInterpreterCall, ItemImageGenerationCall, ItemMCPCall, ItemMCPListTools:
		return true
	case ItemShellCall:
		return !it.IsCall()
	case ItemToolSearchCall:
		return it.Execution != "client"
	}
	return false
}

// IsUnknownCall reports whether the item looks like a call ("…_call" or
// "…_request") of a kind this package does not know: a client cannot tell
// whether it must answer it, so a runner should stop and say so rather than
// take the response as final.
func (it *Item) IsUnknownCall() bool {
	if !strings.HasSuffix(it.Type, "_call") && !strings.HasSuffix(it.Type, "_request") {
		return false
	}
	switch it.Type {
	case ItemFunctionCall, ItemCustomToolCall, ItemComputerCall, ItemApplyPatchCall, ItemLocalShellCall, ItemMCPApprovalRequest,
		ItemShellCall, ItemToolSearchCall, ItemWebSearchCall, ItemFileSearchCall, ItemCodeInterpreterCall, ItemImageGenerationCall, ItemMCPCall:
		return false
	}
	return true
}

// OutputType returns the type of the item that answers a call of this
// item's type ("function_call_output" for a "function_call"), or "".
func OutputType(callType string) string {
	switch callType {
	case ItemFunctionCall:
		return ItemFunctionCallOutput
	case ItemCustomToolCall:
		return ItemCustomToolCallOutput
	case ItemComputerCall:
		return ItemComputerCallOutput
	case ItemShellCall:
		return ItemShellCallOutput
	case ItemLocalShellCall:
		return ItemLocalShellCallOutput
	case ItemApplyPatchCall:
		return ItemApplyPatchCallOutput
	case ItemToolSearchCall:
		return ItemToolSearchOutput
	case ItemMCPApprovalRequest:
		return ItemMCPApprovalResponse
	}
	return ""
}

// PairID returns the id that pairs a call with the item answering it, and
// an answer with its call: the call_id of a call or an output, the id of an
// mcp_approval_request (which has no call_id), and the
// approval_request_id of the mcp_approval_response answering it.
func (it *Item) PairID() string {
	switch it.Type {
	case ItemMCPApprovalRequest:
		if it.CallID == "" {
			return it.ID
		}
	case ItemMCPApprovalResponse:
		return it.ApprovalRequestID
	}
	return it.CallID
}

// MCPApprovalResponse returns an mcp_approval_response answering the
// mcp_approval_request whose id is requestID; reason may be empty.
func MCPApprovalResponse(requestID string, approve bool, reason string) Item {
	return Item{Type: ItemMCPApprovalResponse, ApprovalRequestID: requestID, Approve: approve, Reason: reason}
}

// UserMessage returns an easy user message with plain-text content.
func UserMessage(text string) Item {
	return Item{Type: ItemMessage, Role: RoleUser, ContentText: text}
}

// FunctionCallOutput returns a function_call_output answering callID.
func FunctionCallOutput(callID, output string) Item {
	return Item{Type: ItemFunctionCallOutput, CallID: callID, Output: &ToolOutput{Text: output}}
}

// PlaceholderScreenshot is a 1×1 grey PNG as a data URL: the screenshot of a
// computer_call_output when none can be taken.
const PlaceholderScreenshot = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNoAAAAggCBd81ytgAAAABJRU5ErkJggg=="

// ErrorOutput returns an item answering call that says it failed, or did not
// run, with message:
//
//   - function and custom tool calls: an output with the message as its
//     text;
//   - shell_call: a shell_call_output with one entry, the message as its
//     stderr and exit code -1 (no process exits with it);
//   - local_shell_call: a local_shell_call_output in the JSON form
//     {"output":message,"metadata":{"exit_code":-1}};
//   - apply_patch_call: an apply_patch_call_output with status "failed" and
//     the message as its output;
//   - tool_search_call: a tool_search_output that loads no tool;
//   - mcp_approval_request: an mcp_approval_response that does not
//     approve it, with the message as its reason;
//   - computer_call: a computer_call_output with [PlaceholderScreenshot].
//
// Only function and custom tool outputs are sure to reach the model as
// text (see [TakesText]): the caller should send the message beside the
// others too. It returns an item with an empty Type for a call it cannot
// answer.
func ErrorOutput(call *Item, message string) Item {
	switch call.Type {
	case ItemFunctionCall:
		return Item{Type: ItemFunctionCallOutput, CallID: call.CallID, Output: &ToolOutput{Text: message}}
	case ItemCustomToolCall:
		return Item{Type: ItemCustomToolCallOutput, CallID: call.CallID, Output: &ToolOutput{Text: message}}
	case ItemComputerCall:
		return Item{Type: ItemComputerCallOutput, CallID: call.CallID, AcknowledgedSafetyChecks: call.PendingSafetyChecks,
			Screenshot: &ComputerScreenshot{Type: ContentComputerScreenshot, ImageURL: PlaceholderScreenshot}}
	case ItemShellCall:
		return ShellCallOutput(call, []ShellCommandOutput{{Stderr: message, Outcome: ShellOutcome{Type: OutcomeExit, ExitCode: -1}}})
	case ItemLocalShellCall:
		return Item{Type: ItemLocalShellCallOutput, CallID: call.CallID, Output: &ToolOutput{Text: LocalShellOutputText(message, -1, false, 0)}}
	case ItemApplyPatchCall:
		return Item{Type: ItemApplyPatchCallOutput, CallID: call.CallID, Status: StatusFailed, Output: &ToolOutput{Text: message}}
	case ItemToolSearchCall:
		return Item{Type: ItemToolSearchOutput, CallID: call.CallID, Execution: ExecutionClient, Status: StatusCompleted, Tools: []Tool{}}
	case ItemMCPApprovalRequest:
		return MCPApprovalResponse(call.PairID(), false, message)
	}
	return Item{}
}

// LocalShellOutputText returns the output of a local_shell_call_output: a
// JSON string {"output":…,"metadata":{"exit_code":…,"duration_seconds":…}}
// as Codex sends it, with "timed_out":true in the metadata for a command
// that ran out of time.
func LocalShellOutputText(output string, exitCode int, timedOut bool, durationSeconds float64) string {
	o := newObject()
	o.str("output", output)
	m := newObject()
	m.val("exit_code", exitCode)
	m.val("duration_seconds", float64(int64(durationSeconds*10+0.5))/10)
	if timedOut {
		m.val("timed_out", true)
	}
	meta, _ := m.bytes()
	o.raw("metadata", meta)
	b, _ := o.bytes()
	return string(b)
}

// TakesText reports whether a call's output carries text (function and
// custom tool calls), so that a message for the model can go in it; the
// outputs of the other calls cannot say why a call failed.
func TakesText(callType string) bool {
	return callType == ItemFunctionCall || callType == ItemCustomToolCall
}

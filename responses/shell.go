package responses

import (
	"encoding/json"
	"fmt"
)

// This file holds the wire types of the client-executed built-in tools:
// shell (and the older local_shell), apply_patch and tool_search.

// ShellAction is the action of a shell_call: the commands to run, in order,
// and the limits the model asks for.
type ShellAction struct {
	// Commands are the command lines to run, one after the other.
	Commands []string `json:"commands"`
	// TimeoutMS is the wall-clock time the model allows for the commands,
	// in milliseconds; nil when it sets none.
	TimeoutMS *int64 `json:"timeout_ms"`
	// MaxOutputLength is the number of characters of each command's
	// output (stdout and stderr together) the model wants at most; nil
	// when it sets none. The shell_call_output carries it back.
	MaxOutputLength *int64 `json:"max_output_length"`
}

// LocalShellAction is the action of a local_shell_call: one program and its
// arguments (Type "exec").
type LocalShellAction struct {
	Type             string            `json:"type"`
	Command          []string          `json:"command"` // argv: the program, then its arguments
	TimeoutMS        *int64            `json:"timeout_ms,omitempty"`
	WorkingDirectory string            `json:"working_directory,omitempty"`
	Env              map[string]string `json:"env"` // variables to set for the command
	User             string            `json:"user,omitempty"`
}

// MarshalJSON writes the action with "type" "exec" when Type is empty and
// "env" as an object even when Env is nil, as the API requires.
func (a LocalShellAction) MarshalJSON() ([]byte, error) {
	type plain LocalShellAction
	p := plain(a)
	if p.Type == "" {
		p.Type = "exec"
	}
	if p.Env == nil {
		p.Env = map[string]string{}
	}
	return json.Marshal(p)
}

// Outcome types of a shell command, the values of [ShellOutcome.Type].
const (
	OutcomeExit    = "exit"
	OutcomeTimeout = "timeout"
)

// ShellOutcome is how one command of a shell_call ended: it exited with
// ExitCode (Type "exit"), or ran out of time (Type "timeout").
type ShellOutcome struct {
	Type     string
	ExitCode int
}

// MarshalJSON writes {"type":"exit","exit_code":N} or {"type":"timeout"}.
func (o ShellOutcome) MarshalJSON() ([]byte, error) {
	ob := newObject()
	typ := o.Type
	if typ == "" {
		typ = OutcomeExit
	}
	ob.str("type", typ)
	if typ == OutcomeExit {
		ob.val("exit_code", o.ExitCode)
	}
	return ob.bytes()
}

// UnmarshalJSON reads an outcome; one with an exit_code and no type is an
// exit.
func (o *ShellOutcome) UnmarshalJSON(b []byte) error {
	var w struct {
		Type     string `json:"type"`
		ExitCode *int   `json:"exit_code"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*o = ShellOutcome{Type: w.Type}
	if w.ExitCode != nil {
		o.ExitCode = *w.ExitCode
		if o.Type == "" {
			o.Type = OutcomeExit
		}
	}
	return nil
}

// ShellCommandOutput is the output of one command of a shell_call: an entry
// of a shell_call_output's "output".
type ShellCommandOutput struct {
	Stdout  string       `json:"stdout"`
	Stderr  string       `json:"stderr"`
	Outcome ShellOutcome `json:"outcome"`
}

// ShellOutputDelta is the delta of a response.shell_call_output_content.delta
// event: output a hosted shell command wrote.
type ShellOutputDelta struct {
	Stdout string `json:"stdout,omitempty"`
	Stderr string `json:"stderr,omitempty"`
}

// Operation types of an apply_patch_call, the values of [PatchOperation.Type].
const (
	PatchCreateFile = "create_file"
	PatchUpdateFile = "update_file"
	PatchDeleteFile = "delete_file"
)

// PatchOperation is the operation of an apply_patch_call: create the file
// at Path from Diff (every line prefixed with "+"), update it with Diff (a
// V4A diff: "@@" sections of " " context, "-" removed and "+" added lines),
// or delete it. Path is relative to the workspace root.
type PatchOperation struct {
	Type string
	Path string
	Diff string // create_file, update_file
}

// MarshalJSON writes type, path and, except for delete_file, diff.
func (p PatchOperation) MarshalJSON() ([]byte, error) {
	o := newObject()
	o.str("type", p.Type)
	o.str("path", p.Path)
	if p.Type != PatchDeleteFile {
		o.str("diff", p.Diff)
	}
	return o.bytes()
}

// UnmarshalJSON reads an operation.
func (p *PatchOperation) UnmarshalJSON(b []byte) error {
	var w struct {
		Type string `json:"type"`
		Path string `json:"path"`
		Diff string `json:"diff"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*p = PatchOperation(w)
	return nil
}

// Tool search executions, the values of [Item.Execution] and
// [Tool.Execution].
const (
	ExecutionServer = "server"
	ExecutionClient = "client"
)

// ShellCallOutput returns a shell_call_output answering call with the output
// of each command it ran, carrying back the call's max_output_length.
func ShellCallOutput(call *Item, outputs []ShellCommandOutput) Item {
	out := Item{Type: ItemShellCallOutput, CallID: call.CallID, ShellOutput: nonNil(outputs)}
	if call.ShellAction != nil {
		out.MaxOutputLength = call.ShellAction.MaxOutputLength
	}
	return out
}

// decodeBuiltin decodes the fields of the built-in tools' items that
// depend on the item type: a shell or local_shell action, an apply_patch
// operation, a shell_call_output's entries, the text output of
// apply_patch_call_output and local_shell_call_output, and a
// tool_search_output's tools.
func (it *Item) decodeBuiltin(action, output, operation, tools json.RawMessage) error {
	var err error
	switch it.Type {
	case ItemShellCall:
		if !isNull(action) {
			it.ShellAction = new(ShellAction)
			err = json.Unmarshal(action, it.ShellAction)
		}
	case ItemLocalShellCall:
		if !isNull(action) {
			it.LocalShellAction = new(LocalShellAction)
			err = json.Unmarshal(action, it.LocalShellAction)
		}
	case ItemShellCallOutput:
		if !isNull(output) && output[0] == '[' {
			it.ShellOutput = []ShellCommandOutput{}
			err = json.Unmarshal(output, &it.ShellOutput)
		}
	case ItemApplyPatchCall:
		if !isNull(operation) {
			it.Operation = new(PatchOperation)
			err = json.Unmarshal(operation, it.Operation)
		}
	case ItemApplyPatchCallOutput, ItemLocalShellCallOutput:
		if !isNull(output) && output[0] == '"' {
			it.Output = new(ToolOutput)
			err = json.Unmarshal(output, &it.Output.Text)
		}
	case ItemToolSearchOutput:
		if !isNull(tools) {
			it.Tools = []Tool{}
			err = json.Unmarshal(tools, &it.Tools)
		}
	}
	if err != nil {
		return fmt.Errorf("item %s: %w", it.Type, err)
	}
	return nil
}

// encodeBuiltin writes the fields of the built-in tools' items, and reports
// false for another type.
func (it *Item) encodeBuiltin(o *object) bool {
	switch it.Type {
	case ItemShellCall:
		o.strOmit("id", it.ID)
		o.str("call_id", it.CallID)
		action := it.ShellAction
		if action == nil {
			action = &ShellAction{}
		}
		a := *action
		a.Commands = nonNil(a.Commands)
		o.val("action", a)
		o.strOmit("status", it.Status)
		if it.EnvironmentType != "" {
			o.val("environment", struct {
				Type string `json:"type"`
			}{it.EnvironmentType})
		} else {
			o.raw("environment", json.RawMessage("null"))
		}
	case ItemShellCallOutput:
		o.strOmit("id", it.ID)
		o.str("call_id", it.CallID)
		o.val("output", nonNil(it.ShellOutput))
		if it.MaxOutputLength != nil {
			o.val("max_output_length", *it.MaxOutputLength)
		}
		o.strOmit("status", it.Status)
	case ItemLocalShellCall:
		o.strOmit("id", it.ID)
		o.str("call_id", it.CallID)
		action := it.LocalShellAction
		if action == nil {
			action = &LocalShellAction{}
		}
		o.val("action", action)
		o.strOmit("status", it.Status)
	case ItemLocalShellCallOutput:
		o.strOmit("id", it.ID)
		o.str("call_id", it.CallID)
		o.str("output", it.Output.String())
		o.strOmit("status", it.Status)
	case ItemApplyPatchCall:
		o.strOmit("id", it.ID)
		o.str("call_id", it.CallID)
		o.str("status", orDefault(it.Status, StatusCompleted))
		op := it.Operation
		if op == nil {
			op = &PatchOperation{}
		}
		o.val("operation", op)
	case ItemApplyPatchCallOutput:
		o.strOmit("id", it.ID)
		o.str("call_id", it.CallID)
		o.str("status", orDefault(it.Status, StatusCompleted))
		if it.Output != nil {
			o.str("output", it.Output.String())
		}
	case ItemToolSearchCall:
		o.strOmit("id", it.ID)
		if it.CallID != "" {
			o.str("call_id", it.CallID)
		} else {
			o.raw("call_id", json.RawMessage("null"))
		}
		o.str("execution", orDefault(it.Execution, ExecutionServer))
		args := json.RawMessage(it.Arguments)
		if len(args) == 0 {
			args = json.RawMessage("{}")
		} else if !json.Valid(args) {
			o.err = fmt.Errorf("responses: tool_search_call %s: arguments are not JSON: %.40q", it.CallID, it.Arguments)
		}
		o.raw("arguments", args)
		o.strOmit("status", it.Status)
	case ItemToolSearchOutput:
		o.strOmit("id", it.ID)
		if it.CallID != "" {
			o.str("call_id", it.CallID)
		} else {
			o.raw("call_id", json.RawMessage("null"))
		}
		o.str("execution", orDefault(it.Execution, ExecutionServer))
		o.val("tools", nonNil(it.Tools))
		o.strOmit("status", it.Status)
	default:
		return false
	}
	return true
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

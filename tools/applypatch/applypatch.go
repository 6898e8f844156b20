// Package applypatch is the apply_patch tool: it declares the Responses
// API's apply_patch tool and answers the model's apply_patch_call items
// (create, update or delete one file) through an [Editor], by default
// [Disk], which keeps every change inside one directory.
//
//	ed, err := applypatch.NewDisk("/path/to/project")
//	if err != nil {
//		return err
//	}
//	defer ed.Close()
//	a := &agent.Agent{Name: "coder", Model: "gpt-5.1",
//		Tools: []tools.Tool{applypatch.New(ed, nil)}}
//
// Updates are V4A diffs ([ApplyDiff]). A change that does not apply (a
// context mismatch, a missing file, a path outside the root) is refused
// with a "failed" output that says which hunk failed and why, and leaves
// the files as they were. Every call needs a person's approval unless
// Options.NeedsApproval says otherwise.
//
// [Parse] and [Apply] also apply whole patches in the "*** Begin Patch"
// format, with renames, all or nothing.
package applypatch

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/agentloop/agentloop/responses"
)

// Options configures a [Tool]. The zero value is valid.
type Options struct {
	// NeedsApproval decides whether a call needs a person's approval,
	// seeing its change. Nil means every call does.
	NeedsApproval func(ctx context.Context, c Change) (bool, error)
}

// Tool is the apply_patch tool. It implements [tools.Tool],
// [tools.ItemTyper], [tools.ItemCaller], [tools.ApprovalPolicy] and
// [tools.Rejecter]. It is safe for concurrent use; the runner runs its calls
// one at a time, in order.
type Tool struct {
	ed   Editor
	opts Options
}

// New returns the apply_patch tool changing files through ed. Options may
// be nil.
func New(ed Editor, opts *Options) *Tool {
	t := &Tool{ed: ed}
	if opts != nil {
		t.opts = *opts
	}
	return t
}

// Definition returns {"type":"apply_patch"}.
func (t *Tool) Definition() responses.Tool { return responses.Tool{Type: responses.ToolApplyPatch} }

// ItemTypes returns the call type the tool answers: apply_patch_call.
func (t *Tool) ItemTypes() []string { return []string{responses.ItemApplyPatchCall} }

var errNotFunction = errors.New("applypatch: apply_patch calls arrive as apply_patch_call items; the runner must use CallItem")

// Call returns an error: apply_patch calls are items, answered by
// [Tool.CallItem].
func (t *Tool) Call(context.Context, string) (responses.ToolOutput, error) {
	return responses.ToolOutput{}, errNotFunction
}

// NeedsApproval reports whether a call needs approval: what
// Options.NeedsApproval says, and true when it is nil.
func (t *Tool) NeedsApproval(ctx context.Context, call *responses.Item) (bool, error) {
	if t.opts.NeedsApproval == nil || call.Operation == nil {
		return true, nil
	}
	return t.opts.NeedsApproval(ctx, ChangeOf(*call.Operation))
}

// Reject answers a call a person rejected, without changing anything.
func (t *Tool) Reject(_ context.Context, call *responses.Item) (responses.Item, error) {
	return output(call, responses.StatusFailed, "Rejected: the user did not approve this change, so no file was changed."), nil
}

// CallItem applies the call's operation and returns an
// apply_patch_call_output: "completed" with what it did, or "failed" with
// why, the files unchanged. It returns an error only for a call that is
// not an apply_patch_call.
func (t *Tool) CallItem(ctx context.Context, call *responses.Item) (responses.Item, error) {
	if call.Type != responses.ItemApplyPatchCall {
		return responses.Item{}, fmt.Errorf("applypatch: cannot answer a %s", call.Type)
	}
	if call.Operation == nil {
		return output(call, responses.StatusFailed, "Error: the apply_patch_call has no operation."), nil
	}
	done, err := Apply(ctx, t.ed, ChangeOf(*call.Operation))
	if err != nil {
		return output(call, responses.StatusFailed, "Error: "+err.Error()), nil
	}
	return output(call, responses.StatusCompleted, capitalize(strings.Join(done, "\n"))+"."), nil
}

func output(call *responses.Item, status, text string) responses.Item {
	return responses.Item{Type: responses.ItemApplyPatchCallOutput, CallID: call.CallID, Status: status,
		Output: &responses.ToolOutput{Text: text}}
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

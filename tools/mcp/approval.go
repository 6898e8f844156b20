package mcp

import (
	"context"
	"slices"

	mcpsdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/tools"
)

// ToolInfo is what an approval rule knows of the tool a call is for.
type ToolInfo struct {
	// Server is the server's name.
	Server string
	// Name is the tool's name as the model calls it (with the prefix).
	Name string
	// Tool is the tool as the server listed it: its name on the server,
	// description, schemas and annotations. The annotations are the
	// server's word: a server you do not trust can mark any tool
	// read-only.
	Tool *mcpsdk.Tool
}

// ReadOnly reports whether the server marks the tool read-only
// (readOnlyHint).
func (ti ToolInfo) ReadOnly() bool {
	a := ti.Tool.Annotations
	return a != nil && a.ReadOnlyHint
}

// Destructive reports whether the tool may destroy data: not read-only,
// and destructiveHint true or absent (the protocol's default).
func (ti ToolInfo) Destructive() bool {
	if ti.ReadOnly() {
		return false
	}
	a := ti.Tool.Annotations
	return a == nil || a.DestructiveHint == nil || *a.DestructiveHint
}

// Idempotent reports whether the server marks the tool idempotent
// (idempotentHint) or read-only.
func (ti ToolInfo) Idempotent() bool {
	a := ti.Tool.Annotations
	return a != nil && (a.IdempotentHint || a.ReadOnlyHint)
}

// ApprovalFunc decides whether a call of an MCP tool needs a person's
// approval before it runs, seeing the tool's annotations; the runner asks
// it once, when the call arrives (see tools.ApprovalPolicy). An error
// fails closed: the call does not run, and the model is told.
type ApprovalFunc func(ctx context.Context, tool ToolInfo, call *responses.Item) (bool, error)

// AskAlways returns a rule under which every call needs approval.
func AskAlways() ApprovalFunc {
	return func(context.Context, ToolInfo, *responses.Item) (bool, error) { return true, nil }
}

// AskUnlessReadOnly returns a rule under which every call needs approval
// unless the server marks the tool read-only.
func AskUnlessReadOnly() ApprovalFunc {
	return func(_ context.Context, t ToolInfo, _ *responses.Item) (bool, error) { return !t.ReadOnly(), nil }
}

// AskIfDestructive returns a rule under which calls of tools that may
// destroy data (see [ToolInfo.Destructive]) need approval.
func AskIfDestructive() ApprovalFunc {
	return func(_ context.Context, t ToolInfo, _ *responses.Item) (bool, error) { return t.Destructive(), nil }
}

// AskFor returns a rule under which calls of the named tools (their names
// on the server) need approval.
func AskFor(names ...string) ApprovalFunc {
	return func(_ context.Context, t ToolInfo, _ *responses.Item) (bool, error) {
		return slices.Contains(names, t.Tool.Name), nil
	}
}

// InfoOf returns what is known of a tool a [Server] listed, and false for
// any other tool.
func InfoOf(t tools.Tool) (ToolInfo, bool) {
	if w, ok := t.(*tool); ok {
		return w.info(), true
	}
	return ToolInfo{}, false
}

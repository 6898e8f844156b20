package tools

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/agentloop/agentloop/responses"
)

// ApprovalPolicy decides whether a call needs a person's approval before it
// runs. The runner asks every policy that applies to a call (the tool's own,
// when the tool implements ApprovalPolicy; the agent's; the runner's), once,
// when the call arrives, and the call needs approval when any of them says
// so. A decided call is never asked about again, also after a resume.
//
// An error fails closed: the call does not run and the model is told the
// error as the call's output.
type ApprovalPolicy interface {
	NeedsApproval(ctx context.Context, call *responses.Item) (bool, error)
}

// ApprovalFunc is an [ApprovalPolicy] as a function.
type ApprovalFunc func(ctx context.Context, call *responses.Item) (bool, error)

// NeedsApproval returns f(ctx, call).
func (f ApprovalFunc) NeedsApproval(ctx context.Context, call *responses.Item) (bool, error) {
	return f(ctx, call)
}

// AlwaysAsk returns a policy under which every call needs approval.
func AlwaysAsk() ApprovalPolicy {
	return ApprovalFunc(func(context.Context, *responses.Item) (bool, error) { return true, nil })
}

// AskIf returns a policy that decodes a function call's arguments into an In
// and asks fn whether the call needs approval:
//
//	tools.AskIf(func(_ context.Context, in TransferArgs) (bool, error) {
//		return in.Amount > 100, nil
//	})
//
// Arguments that do not decode into In are an error (the call does not run;
// the model is told). A call of another type (a custom tool's free-form input)
// always needs approval.
func AskIf[In any](fn func(ctx context.Context, in In) (bool, error)) ApprovalPolicy {
	return ApprovalFunc(func(ctx context.Context, call *responses.Item) (bool, error) {
		if call.Type != responses.ItemFunctionCall {
			return true, nil
		}
		var in In
		args := call.Arguments
		if args == "" {
			args = "{}"
		}
		if err := json.Unmarshal([]byte(args), &in); err != nil {
			return false, &ArgumentError{Tool: call.Name, Err: fmt.Errorf("deciding approval: %w", err)}
		}
		return fn(ctx, in)
	})
}

// WithApproval gives a function tool built by [NewFunc] its own approval
// policy: the tool then implements [ApprovalPolicy] with p.
func WithApproval(p ApprovalPolicy) FuncOption {
	return func(c *funcConfig) { c.approval = p }
}

// Idempotent is implemented by tools whose calls are safe to run again with
// the same call id, such as those built with [WithIdempotent]. When a run
// stopped while such a call was running (a crash, a kill), resuming the run
// runs it again; any other tool's call is not run again, and the model is
// told its outcome is unknown. An idempotent tool reads the call id from
// [CallInfoFrom] to deduplicate with the systems it calls.
type Idempotent interface {
	Idempotent() bool
}

// WithIdempotent marks a function tool built by [NewFunc] as idempotent (see
// [Idempotent]).
func WithIdempotent() FuncOption {
	return func(c *funcConfig) { c.idempotent = true }
}

// Rejecter is implemented by tools that must answer a call a person rejected
// with an output of their own, such as the computer tool: a
// computer_call_output has to carry a screenshot. The runner calls Reject
// instead of running the call; the message is told to the model beside the
// output. Tools that do not implement it get an output saying the call was
// rejected.
type Rejecter interface {
	Reject(ctx context.Context, call *responses.Item) (responses.Item, error)
}

// CallInfo describes the call a tool is running. The runner puts it in the
// context of every call; read it with [CallInfoFrom].
type CallInfo struct {
	// RunID identifies the run. It stays the same when a paused or
	// interrupted run is resumed, in this process or another.
	RunID string
	// CallID is the call's call_id, unique within the run.
	CallID string
	// Attempt counts the times this call was started: 1, or more for an
	// [Idempotent] tool run again after the run stopped while it ran.
	Attempt int
	// Approved reports that a person (or a standing decision) approved this
	// call; false when no approval was needed.
	Approved bool
}

// IdempotencyKey returns RunID + "/" + CallID: the same for every attempt of
// a call, and different for every other call, also across runs. Pass it to
// the systems a tool changes so that a call run again has no second effect.
func (c CallInfo) IdempotencyKey() string { return c.RunID + "/" + c.CallID }

type callInfoKey struct{}

// WithCallInfo returns ctx carrying info. Runners call it; tools read it with
// [CallInfoFrom].
func WithCallInfo(ctx context.Context, info CallInfo) context.Context {
	return context.WithValue(ctx, callInfoKey{}, info)
}

// CallInfoFrom returns the call info in ctx, and false when ctx carries none
// (the tool is called outside a runner).
func CallInfoFrom(ctx context.Context) (CallInfo, bool) {
	info, ok := ctx.Value(callInfoKey{}).(CallInfo)
	return info, ok
}

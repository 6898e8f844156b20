package tools

import (
	"context"

	"github.com/agentloop/agentloop/responses"
)

// ModelDefiner is implemented by tools whose definition depends on the model
// they are sent to, such as the computer tool (the GA "computer" shape for
// newer models, "computer_use_preview" for computer-use-preview). The runner
// calls DefinitionFor instead of Definition when a tool implements it.
type ModelDefiner interface {
	DefinitionFor(model string) responses.Tool
}

// RequestEditor is implemented by tools that need to adjust each request
// before it is sent: the preview computer tool sets truncation "auto", and
// replaces old screenshots in the input with placeholders so long sessions do
// not grow without bound. EditRequest must not modify the items of
// req.Input in place: it replaces req.Input.Items with a new slice when it
// changes anything, since the slice is the run's history.
type RequestEditor interface {
	EditRequest(req *responses.Request)
}

// ExtraItemsCaller is implemented by function tools whose calls also produce
// items for the run's result and event stream that are never sent upstream,
// such as the synthetic file_search_call of the file_search tool. The runner
// calls CallWithItems instead of Call when a tool implements it.
type ExtraItemsCaller interface {
	CallWithItems(ctx context.Context, arguments string) (responses.ToolOutput, []responses.Item, error)
}

// FinalEditor is implemented by tools that post-process the final assistant
// message of a run, such as the file_search tool turning cited chunk numbers
// into file_citation annotations. extra holds the items every call of the
// tool returned through [ExtraItemsCaller]. EditFinal returns the message to
// report (a new item; msg must not be modified).
type FinalEditor interface {
	EditFinal(msg responses.Item, extra []responses.Item) responses.Item
}

// ItemTyper is implemented by tools that answer call items of their own
// types, such as a shell tool ("shell_call", "local_shell_call") or an
// apply_patch tool ("apply_patch_call"); they implement [ItemCaller] too,
// and the runner hands them every call item of those types. At most one
// tool of an agent answers each type. (The computer tool answers
// "computer_call" by its definition's type, without implementing this.)
type ItemTyper interface {
	ItemTypes() []string
}

// Toolset is a source of tools listed at run time, such as an MCP server
// (tools/mcp), whose list may change while a run goes on. The runner asks
// each toolset of an agent for its tools when a run starts or resumes, and
// again before every model call, so that a list that changed reaches the
// next request; Tools should therefore answer from a cache when nothing
// changed, and return its tools in a stable order (a stable request keeps
// the prompt cache). An error when the run starts (or at a handoff to the
// agent) fails the run; a later one keeps the tools the toolset gave
// before. (An engine stepping a runner.Machine lists them when the machine
// is made and at handoffs only.)
type Toolset interface {
	Tools(ctx context.Context) ([]Tool, error)
}

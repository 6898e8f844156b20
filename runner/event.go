package runner

import (
	"time"

	"github.com/agentloop/agentloop/responses"
)

// EventType says what an [Event] reports.
type EventType string

// Event types.
const (
	// EventTurnStarted: a request is about to be sent. Turn is set.
	EventTurnStarted EventType = "turn.started"
	// EventResponse carries one raw Responses streaming event in
	// ResponseEvent (streaming runs only), including the synthetic
	// responses.EventRetry.
	EventResponse EventType = "response.event"
	// EventTextDelta carries a piece of the assistant's text in Delta.
	EventTextDelta EventType = "text.delta"
	// EventReasoningDelta carries a piece of a reasoning summary in Delta.
	EventReasoningDelta EventType = "reasoning.delta"
	// EventArgumentsDelta carries a piece of a function call's arguments in
	// Delta; ItemID names the call item.
	EventArgumentsDelta EventType = "arguments.delta"
	// EventRetry: the model call failed in a retryable way after some events
	// had been reported, and is being sent again. Discard partial text.
	EventRetry EventType = "retry"
	// EventItem reports one output item of the model, complete, in Item:
	// messages, calls, reasoning, hosted-tool results. Synthetic items built
	// by tools (a file_search_call) come this way too.
	EventItem EventType = "item"
	// EventToolStarted: a call began running. Item is the call, Tool its name.
	EventToolStarted EventType = "tool.started"
	// EventToolFinished: a call ended. Item is the call, Output the item sent
	// back, Duration how long it ran, Err the tool's error (already shown to
	// the model) if it failed. A rejected call is reported too, when it is
	// answered, with Err wrapping ErrRejected and no Duration.
	EventToolFinished EventType = "tool.finished"
	// EventTurnEnded: a turn's response arrived and its calls ran. Usage is
	// the turn's, TotalUsage the run's so far; Response the full response.
	EventTurnEnded EventType = "turn.ended"
	// EventFinalOutput: the run is over. Result holds everything.
	EventFinalOutput EventType = "final.output"
	// EventInputTransformed: the server withheld items of the input (the
	// response's input_transformations, in Transformations), such as
	// reasoning items a gateway moved to another organization could not
	// read. The withheld items leave the history of later turns.
	EventInputTransformed EventType = "input.transformed"
	// EventCompacting: the server is compacting the context
	// (context_management), streaming runs only.
	EventCompacting EventType = "compacting"
	// EventCompacted: the run compacted its history before a request
	// (Options.Compaction), or trimmed it when the endpoint cannot compact;
	// Compaction says how.
	EventCompacted EventType = "compacted"
	// EventHandoff: the conversation passed from agent From to agent To.
	EventHandoff EventType = "handoff"
	// EventGuardrail: a guardrail gave its verdict (Guardrail).
	EventGuardrail EventType = "guardrail"
	// EventApprovalRequired: a call awaits a person's approval. Item is the
	// call, Tool its name. The run pauses once the turn's other calls are
	// done.
	EventApprovalRequired EventType = "approval.required"
	// EventPaused: the run paused for approvals; it is the last event.
	// Result holds the interruptions and the State to resume from.
	EventPaused EventType = "paused"
)

// Event is one thing that happened during a run. Type says which fields are
// set. Event is a struct so that new fields never break callers.
type Event struct {
	Type EventType
	Turn int // 1-based

	ResponseEvent *responses.Event // EventResponse
	Delta         string           // EventTextDelta, EventReasoningDelta, EventArgumentsDelta
	ItemID        string           // the item a delta belongs to

	Item     *responses.Item // EventItem; the call for EventToolStarted/Finished
	Tool     string          // the tool's name for EventToolStarted/Finished
	Output   *responses.Item // EventToolFinished: the output item sent back
	Duration time.Duration   // EventToolFinished: how long the call ran
	Err      error           // EventToolFinished: the tool's error; EventRetry: why
	// Retry describes a retry (EventRetry): attempt, delay, status, and the
	// fallback model when the request goes to another model.
	Retry *responses.RetryInfo
	// Transformations are the input items the server withheld
	// (EventInputTransformed).
	Transformations []responses.InputTransformation

	// Agent is the name of the agent whose run the event belongs to.
	Agent string
	// Path is empty for the events of the run itself; for the events of a
	// nested run (an agent called as a tool), it lists how they came:
	// "agent:call_id" for each call that started a nested run, outermost
	// first.
	Path []string
	// From and To name the agents of a handoff (EventHandoff).
	From, To string
	// Guardrail is a guardrail's verdict (EventGuardrail).
	Guardrail *GuardrailVerdict
	// Compaction reports a compaction (EventCompacted).
	Compaction *CompactionReport
	// Cost is what the turn's model call cost in US dollars
	// (EventTurnEnded, with Options.Prices; nil when unknown).
	Cost *float64

	Response   *responses.Response // EventTurnEnded
	Usage      *responses.Usage    // EventTurnEnded: this turn's usage
	TotalUsage *responses.Usage    // EventTurnEnded: the run's usage so far
	// Result is set on EventFinalOutput and EventPaused, and on the last
	// event of a failed run (the one with the error), where it holds what
	// the run produced.
	Result *Result
}

// Package runner runs agents: it sends POST /v1/responses requests, executes
// the calls that come back (function tools, custom tools, the computer tool)
// and feeds their outputs back until the model answers with a final message.
//
// # A run
//
// [Runner.Run] runs an [agent.Agent] to completion; [Runner.Stream] yields
// [Event] values as the run goes (text deltas, tool calls starting and
// finishing, usage per turn) and is what Run collects:
//
//	r := runner.New(client, &runner.Options{MaxTurns: 8})
//	for ev, err := range r.Stream(ctx, a, runner.Text("Weather in Paris?")) {
//		if err != nil {
//			return err
//		}
//		if ev.Type == runner.EventTextDelta {
//			fmt.Print(ev.Delta)
//		}
//	}
//
// Each turn sends the request (streaming unless [Options].DisableStreaming),
// keeps the output items exactly as received, and runs every call in it:
// function calls concurrently (bounded by MaxConcurrentTools, each under
// ToolTimeout), computer calls in order; outputs go back in call order.
//
// # What ends a run
//
// A turn with no call ends the run: its last assistant message is the final
// output, decoded into the agent's output type when it has one. A message
// with phase "commentary" beside a call is a preamble, not the end. Tool
// errors, bad arguments, unknown tools and panics are shown to the model as
// the call's output; they never end a run. A run fails only when its context
// ends, an API error survives the client's retries, the model keeps calling
// tools after MaxTurns turns ([ErrMaxTurns]), a response comes back
// incomplete ([ErrIncomplete]: its calls are never run), the final output
// cannot be decoded ([ErrOutput]), or a tool returns an error wrapping
// [tools.ErrAbort].
//
// # Approvals, pauses and resumes
//
// A call can need a person's approval: by its tool's own policy
// (tools.WithApproval), the agent's (agent.Agent.Approval) or the runner's
// ([Options].Approval). The calls of a turn that need none still run; then
// the run pauses: [Runner.Run] returns a [Result] whose Interruptions list
// the pending calls and whose [State] records everything, and [Runner.Stream]
// ends with [EventPaused]. Decide each call on the state ([State.Approve],
// [State.Reject], [State.Decide] with a [Scope] for the rest of the run) and
// call [Runner.Resume], here or in another process: a State encodes to JSON
// and back without losing a byte.
//
// [WithCheckpointer] saves the state whenever it changes durably;
// [FileCheckpointer] writes it to a file. A call is recorded as started
// before it runs, so after a crash, resuming from the last checkpoint never
// runs it again: the model is told its outcome is unknown, unless its tool is
// idempotent (tools.WithIdempotent), and then it runs again with the same
// call id. Tools read the run id and call id from tools.CallInfoFrom, to use
// as an idempotency key. docs/run-state.md documents the JSON format and its
// compatibility promise.
//
// # Several agents
//
// An agent hands the conversation to another through agent.Agent.Handoffs:
// the model sees a transfer_to_<name> tool per target; when it calls one,
// the call is answered, the turn closes, and the run goes on with the
// target (Result.Agent names the agent that answered; [EventHandoff] marks
// the moment). [AgentTool] offers an agent to another as a tool: each call
// is a nested run whose events carry [Event].Path. Guardrails
// (agent.Agent.Guardrails) and [Hooks] put checks and observers around a
// run; a tripped guardrail ends it with a [*GuardrailError].
//
// # History
//
// By default runs are stateless: every request carries the whole history
// with store:false, and reasoning items are replayed with their encrypted
// content, which is what works through OpenAI-compatible gateways.
// [Options].ChainResponses uses previous_response_id instead.
//
// # Telemetry
//
// Every run is traced with OpenTelemetry, in the GenAI semantic conventions
// (semconv v1.41.0): an invoke_agent span per run (a child of the caller's
// span), a chat span per model call (retries as span events, usage with
// cached and reasoning tokens, time to first chunk) and an execute_tool span
// per call (parallel calls are siblings; a tool error marks only its span).
// Each span carries openinference.span.kind for Phoenix and Langfuse, and
// gen_ai.conversation.id when [WithConversationID] or a request's
// conversation gives one. Metrics: gen_ai.client.operation.duration,
// gen_ai.client.token.usage, and counters of runs, turns, tool calls and tool
// errors.
//
// The runner uses the providers in [Options].Telemetry, or the global ones
// (no-ops unless the program installed an SDK); it installs nothing. Content
// (instructions, messages, tool arguments and results) stays off the spans
// unless [Telemetry].CaptureContent or the environment variable
// [EnvCaptureContent] turns it on; then it is truncated to valid JSON,
// screenshots become placeholders, and API keys are redacted everywhere.
// docs/observability.md shows how to read the traces in Jaeger, Langfuse,
// Phoenix and Datadog.
package runner

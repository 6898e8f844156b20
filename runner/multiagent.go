package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/tools"
)

// Hooks observe a run: they see what happens, and change nothing (to
// change requests or outputs, use guardrails, request editors or tools).
// Any field may be nil. The tool hooks are called from the goroutines
// running the calls, concurrently for calls of one turn; the others from
// the run's goroutine.
type Hooks struct {
	// BeforeModel is called before each model call, with the request.
	BeforeModel func(ctx context.Context, a *agent.Agent, req *responses.Request)
	// AfterModel is called after each model call, with its response or
	// error.
	AfterModel func(ctx context.Context, a *agent.Agent, resp *responses.Response, err error)
	// BeforeTool is called before each call runs.
	BeforeTool func(ctx context.Context, a *agent.Agent, call *responses.Item)
	// AfterTool is called after each call ran, with the output sent back
	// and the error the model was told, if any.
	AfterTool func(ctx context.Context, a *agent.Agent, call *responses.Item, output *responses.Item, err error)
	// Handoff is called when the conversation passes from one agent to
	// another.
	Handoff func(ctx context.Context, from, to *agent.Agent)
}

// GuardrailError is the error a run ends with when a guardrail trips. The
// run's result keeps what it produced.
type GuardrailError struct {
	// Guardrail is the guardrail's name.
	Guardrail string
	// Stage is "input", "output", "tool_before" or "tool_after".
	Stage string
	// Message says why it tripped.
	Message string
	// Err is the guardrail's own error, when it failed (a failed guardrail
	// trips).
	Err error
}

// Error returns "runner: guardrail NAME (STAGE) tripped: MESSAGE".
func (e *GuardrailError) Error() string {
	msg := e.Message
	if e.Err != nil {
		msg = joinNote(msg, e.Err.Error())
	}
	return fmt.Sprintf("runner: guardrail %q (%s) tripped: %s", e.Guardrail, e.Stage, msg)
}

// Unwrap returns the guardrail's own error.
func (e *GuardrailError) Unwrap() error { return e.Err }

// Guardrail stages.
const (
	stageInput      = "input"
	stageOutput     = "output"
	stageToolBefore = "tool_before"
	stageToolAfter  = "tool_after"
)

// verdict turns a guardrail's answer into an error when it trips: a
// guardrail that fails trips too (fail closed).
func verdict(name, stage string, v agent.Verdict, err error) error {
	switch {
	case err != nil:
		return &GuardrailError{Guardrail: name, Stage: stage, Message: "the guardrail failed", Err: err}
	case v.Action == agent.Trip:
		return &GuardrailError{Guardrail: name, Stage: stage, Message: v.Message}
	}
	return nil
}

// verdictAction names a guardrail's answer as GuardrailVerdict.Action does;
// a guardrail that failed tripped.
func verdictAction(v agent.Verdict, err error) string {
	switch {
	case err != nil || v.Action == agent.Trip:
		return "trip"
	case v.Action == agent.Reject:
		return "reject"
	case v.Action == agent.Replace:
		return "replace"
	}
	return "allow"
}

// guardrailEvent reports a guardrail's verdict.
func (st *run) guardrailEvent(ctx context.Context, name, stage string, v agent.Verdict, err error) {
	action := verdictAction(v, err)
	st.r.tel.guardrail(ctx, name, stage, action)
	st.yield(Event{Type: EventGuardrail, Turn: st.s.Turn, Guardrail: &GuardrailVerdict{Name: name, Stage: stage, Action: action, Message: v.Message}}, nil)
}

// GuardrailVerdict reports a guardrail's decision (EventGuardrail).
type GuardrailVerdict struct {
	Name, Stage string
	// Action is "allow", "trip", "reject" or "replace".
	Action  string
	Message string
}

// inputGuardrails runs the agent's input guardrails: the blocking ones now,
// the others in goroutines whose verdicts wait returns (joining them).
type inputGuardrails struct {
	done chan guardrailResult
	n    int
}

type guardrailResult struct {
	name string
	v    agent.Verdict
	err  error
}

func (st *run) startInputGuardrails(ctx context.Context, input []responses.Item) (*inputGuardrails, error) {
	gs := st.a.Guardrails.Input
	g := &inputGuardrails{done: make(chan guardrailResult, len(gs))}
	for _, gr := range gs {
		if !gr.Blocking {
			continue
		}
		v, err := gr.Check(ctx, input)
		st.guardrailEvent(ctx, gr.Name, stageInput, v, err)
		if err := verdict(gr.Name, stageInput, v, err); err != nil {
			return g, err
		}
	}
	for _, gr := range gs {
		if gr.Blocking {
			continue
		}
		g.n++
		go func() {
			v, err := gr.Check(ctx, input)
			g.done <- guardrailResult{gr.Name, v, err}
		}()
	}
	return g, nil
}

// wait joins the parallel input guardrails and returns the first trip.
func (g *inputGuardrails) wait(ctx context.Context, st *run) error {
	var first error
	for ; g.n > 0; g.n-- {
		r := <-g.done
		st.guardrailEvent(ctx, r.name, stageInput, r.v, r.err)
		if err := verdict(r.name, stageInput, r.v, r.err); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// outputGuardrails runs the agent's output guardrails on the final output.
func (st *run) outputGuardrails(ctx context.Context, res *Result) error {
	for _, gr := range st.a.Guardrails.Output {
		v, err := gr.Check(ctx, res.Output, res.Value)
		st.guardrailEvent(ctx, gr.Name, stageOutput, v, err)
		if err := verdict(gr.Name, stageOutput, v, err); err != nil {
			return err
		}
	}
	return nil
}

// toolBefore runs the tool guardrails before a call: a rejection answers
// the call with the guardrail's message; a trip aborts the run.
func (st *run) toolBefore(ctx context.Context, a *agent.Agent, c *responses.Item) (reject string, err error) {
	for _, gr := range a.Guardrails.Tool {
		if gr.Before == nil {
			continue
		}
		v, gerr := gr.Before(ctx, c)
		st.toolGuardrailEvent(ctx, gr.Name, stageToolBefore, v, gerr)
		if err := verdict(gr.Name, stageToolBefore, v, gerr); err != nil {
			return "", err
		}
		if v.Action == agent.Reject {
			msg := v.Message
			if msg == "" {
				msg = "a guardrail refused this call"
			}
			return msg, nil
		}
	}
	return "", nil
}

// toolAfter runs the tool guardrails after a call: a replacement changes
// its output; a trip aborts the run.
func (st *run) toolAfter(ctx context.Context, a *agent.Agent, c *responses.Item, res *callResult) error {
	for _, gr := range a.Guardrails.Tool {
		if gr.After == nil {
			continue
		}
		v, gerr := gr.After(ctx, c, &res.out)
		st.toolGuardrailEvent(ctx, gr.Name, stageToolAfter, v, gerr)
		if err := verdict(gr.Name, stageToolAfter, v, gerr); err != nil {
			return err
		}
		if v.Action == agent.Replace {
			out := v.Output
			if out == nil {
				out = &responses.ToolOutput{Text: v.Message}
			}
			if !responses.TakesText(c.Type) {
				return &GuardrailError{Guardrail: gr.Name, Stage: stageToolAfter, Message: "cannot replace the output of a " + c.Type}
			}
			res.out.Output = out
			res.out.ClearRaw()
		}
	}
	return nil
}

// toolGuardrailEvent reports a tool guardrail's verdict from a call's
// goroutine, through the run's goroutine (its span event is recorded
// here). Outside a local run (Runner.ExecuteCall) only the span event is.
func (st *run) toolGuardrailEvent(ctx context.Context, name, stage string, v agent.Verdict, err error) {
	action := verdictAction(v, err)
	st.r.tel.guardrail(ctx, name, stage, action)
	nc, _ := ctx.Value(nestedKey{}).(*nestedCtx)
	if nc == nil {
		return
	}
	ev := Event{Type: EventGuardrail, Turn: st.s.Turn, Guardrail: &GuardrailVerdict{Name: name, Stage: stage, Action: action, Message: v.Message}}
	select {
	case nc.events <- ev:
	case <-ctx.Done():
	}
}

// handoffTool is the tool the model calls to hand the conversation over.
type handoffTool struct {
	def    responses.Tool
	target *agent.Agent
}

func newHandoffTool(h agent.Handoff) *handoffTool {
	name := h.ToolName
	if name == "" {
		name = agent.HandoffToolName(h.Agent.Name)
	}
	desc := h.Description
	if desc == "" {
		desc = "Hand the conversation over to " + h.Agent.Name + "."
		if first, _, _ := strings.Cut(strings.TrimSpace(h.Agent.Instructions), "\n"); first != "" {
			desc += " " + first
		}
	}
	strict := true
	return &handoffTool{target: h.Agent, def: responses.Tool{Type: responses.ToolFunction, Name: name, Description: desc, Strict: &strict,
		Parameters: json.RawMessage(`{"type":"object","properties":{"reason":{"type":["string","null"],"description":"Why the conversation is handed over."}},"required":["reason"],"additionalProperties":false}`)}}
}

func (h *handoffTool) Definition() responses.Tool { return h.def }

func (h *handoffTool) Call(context.Context, string) (responses.ToolOutput, error) {
	b, _ := json.Marshal(map[string]string{"assistant": h.target.Name})
	return responses.ToolOutput{Text: string(b)}, nil
}

// findAgent returns the agent named name among root and the agents it can
// hand off to, transitively.
func findAgent(root *agent.Agent, name string) *agent.Agent {
	for a := range root.Reachable() {
		if a.Name == name {
			return a
		}
	}
	return nil
}

// anyFilter reports whether a handoff reachable from root has a filter.
func anyFilter(root *agent.Agent) bool {
	for a := range root.Reachable() {
		for _, h := range a.Handoffs {
			if h.Filter != nil {
				return true
			}
		}
	}
	return false
}

// handOff passes the conversation to the agent a handoff call of the turn
// named, after the turn's outputs joined the history.
func (st *run) handOff(ctx context.Context, to string) error {
	from := st.a
	var h *agent.Handoff
	for i := range from.Handoffs {
		if from.Handoffs[i].Agent.Name == to {
			h = &from.Handoffs[i]
			break
		}
	}
	if h == nil {
		return fmt.Errorf("runner: handoff to %q: %s has no such handoff", to, from.Name)
	}
	if err := h.Agent.Validate(); err != nil {
		return fmt.Errorf("runner: handoff to %q: %w", to, err)
	}
	ts, sets, err := st.r.toolsetOf(ctx, h.Agent, nil)
	if err != nil {
		return fmt.Errorf("runner: handoff to %q: %w", to, err)
	}
	s := st.s
	if h.Filter != nil {
		kept := h.Filter(s.History)
		s.History = kept
		s.SendFrom = 0
		st.rewrote()
		s.ServerItems = min(s.ServerItems, len(kept))
	}
	st.a, st.ts, st.sets, st.listed = h.Agent, ts, sets, true
	s.Agent, s.Tools = h.Agent.Name, toolFingerprints(ts.definitions)
	st.r.tel.handoff(ctx, from.Name, h.Agent.Name)
	if hk := st.r.hooks; hk != nil && hk.Handoff != nil {
		hk.Handoff(ctx, from, h.Agent)
	}
	st.yield(Event{Type: EventHandoff, Turn: s.Turn, From: from.Name, To: h.Agent.Name}, nil)
	return nil
}

// DropToolCalls is a handoff filter (agent.Handoff.Filter) that removes the
// tool calls and their outputs from a history, with the reasoning items
// that led to them, and strips the ids of the model's remaining items
// (which the API pairs with their reasoning): the next agent sees the
// messages only.
func DropToolCalls(history []responses.Item) []responses.Item {
	out := make([]responses.Item, 0, len(history))
	for _, it := range history {
		switch {
		case it.IsCall(), isOutput(it.Type), it.Type == responses.ItemReasoning:
			continue
		case it.ID != "" && it.Type != responses.ItemReference:
			it.ID = ""
			it.ClearRaw()
		}
		out = append(out, it)
	}
	return out
}

// isOutput reports whether items of this type answer a call.
func isOutput(typ string) bool {
	return strings.HasSuffix(typ, "_output") || typ == responses.ItemMCPApprovalResponse
}

// ErrNestedPause is wrapped by the error an agent tool returns when its
// nested run paused for approvals; the runner pauses the outer run with
// the nested calls among its interruptions.
var ErrNestedPause = errors.New("runner: the nested run paused for approvals")

// eventNestedUsage carries a nested run's usage to the outer run's
// goroutine; it is never yielded.
const eventNestedUsage EventType = "nested.usage"

// nestedPause carries a paused nested run's state out of its tool.
type nestedPause struct{ st *State }

func (e *nestedPause) Error() string { return ErrNestedPause.Error() }
func (e *nestedPause) Unwrap() error { return ErrNestedPause }

// nestedKey carries, in a call's context, what an agent tool needs from
// the outer run: where its events go and the nested state to resume.
type nestedKey struct{}

type nestedCtx struct {
	events chan<- Event // to the outer run's goroutine
	path   []string     // the path of the outer run, plus this call
	resume *State       // a paused nested run to resume
}

// AgentToolOptions configures a tool made by [AgentTool].
type AgentToolOptions struct {
	// Name is the tool's name; default the agent's name (invalid
	// characters replaced with "_").
	Name string
	// Description is the tool's description; default "Ask <name>: " and
	// the first line of its instructions.
	Description string
	// MaxTurns bounds the nested run (default: the runner's).
	MaxTurns int
}

// AgentTool offers a as a tool: the model calls it with an input, a nested
// run of a (its instructions, model, tools and output type) answers it, and
// its final output (the JSON of a typed value) is the call's output. The
// nested run is a real run of r: its events reach the outer stream with
// Event.Path set, its spans nest under the call's execute_tool span, its
// usage is added to the outer run's, and a call in it that needs approval
// pauses the outer run (the interruption carries the nested call; decide it
// on the outer state, which resumes the nested run). A failed nested run is
// an error the outer model reads.
func AgentTool(r *Runner, a *agent.Agent, opts *AgentToolOptions) (tools.Tool, error) {
	return AgentToolOf(r, a, opts, func(in agentInput) Input { return Text(in.Input) })
}

// agentInput is the input of an [AgentTool].
type agentInput struct {
	Input string `json:"input" jsonschema:"description=What to ask the agent."`
}

// AgentToolOf is [AgentTool] with a typed input: the tool's parameters are
// reflected from In like a function tool's, and toInput makes the nested
// run's input from the decoded arguments (nil: the arguments' JSON as the
// user's message).
func AgentToolOf[In any](r *Runner, a *agent.Agent, opts *AgentToolOptions, toInput func(In) Input) (tools.Tool, error) {
	if a == nil {
		return nil, errors.New("runner: AgentTool: nil agent")
	}
	var o AgentToolOptions
	if opts != nil {
		o = *opts
	}
	name := o.Name
	if name == "" {
		name = strings.TrimPrefix(agent.HandoffToolName(a.Name), "transfer_to_")
	}
	desc := o.Description
	if desc == "" {
		desc = "Ask " + a.Name + "."
		if first, _, _ := strings.Cut(strings.TrimSpace(a.Instructions), "\n"); first != "" {
			desc += " " + first
		}
	}
	inner := r
	if o.MaxTurns > 0 {
		cp := *r
		cp.maxTurns = o.MaxTurns
		inner = &cp
	}
	return tools.NewFunc(name, desc, func(ctx context.Context, in In) (string, error) {
		var input Input
		if toInput != nil {
			input = toInput(in)
		} else {
			b, err := json.Marshal(in)
			if err != nil {
				return "", err
			}
			input = Text(string(b))
		}
		nc, _ := ctx.Value(nestedKey{}).(*nestedCtx)
		var seq func(yield func(Event, error) bool)
		if nc != nil && nc.resume != nil {
			seq = inner.ResumeStream(ctx, a, nc.resume)
		} else {
			seq = inner.Stream(ctx, a, input)
		}
		var res *Result
		for ev, err := range seq {
			if ev.Result != nil && len(ev.Path) == 0 && ev.Type != EventPaused && nc != nil {
				// The nested run ended (done or failed): its usage joins
				// the outer run's. A paused one carries it in its state.
				u := ev.Result.Usage
				select {
				case nc.events <- Event{Type: eventNestedUsage, Usage: &u, Cost: ev.Result.Cost}:
				case <-ctx.Done():
				}
			}
			if err != nil {
				return "", fmt.Errorf("agent %s: %w", a.Name, err)
			}
			if nc != nil {
				ev.Path = append(append([]string(nil), nc.path...), ev.Path...)
				select {
				case nc.events <- ev:
				case <-ctx.Done():
					return "", ctx.Err()
				}
			}
			switch ev.Type {
			case EventPaused:
				return "", &nestedPause{st: ev.Result.State}
			case EventFinalOutput:
				res = ev.Result
			}
		}
		if res == nil {
			return "", fmt.Errorf("agent %s: the nested run ended without a result", a.Name)
		}
		if res.Value != nil {
			b, err := json.Marshal(res.Value)
			if err == nil {
				return string(b), nil
			}
		}
		return res.Output, nil
	})
}

// Package agent describes an agent as plain data: its instructions, model,
// tools, model settings and, optionally, a structured output type. It runs
// nothing; the runner package owns the loop and reads an [Agent] at the start
// of every run.
//
//	weather, err := tools.NewFunc("get_weather", "Current weather for a city", lookup)
//	out, err := agent.OutputOf[Forecast]("forecast")
//	a := &agent.Agent{
//		Name:         "assistant",
//		Instructions: "Answer briefly.",
//		Model:        "gpt-5",
//		Tools:        []tools.Tool{weather},
//		Settings:     agent.ModelSettings{ReasoningEffort: "low"},
//		Output:       out,
//	}
package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"strings"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/tools"
)

// Agent is an agent's configuration: what to tell the model, which model,
// which tools it may call and how its final answer is shaped.
//
// An Agent is plain data and safe to share between concurrent runs, but it
// must not be modified while a run uses it (tools included).
type Agent struct {
	// Name identifies the agent in traces and events.
	Name string
	// Instructions are sent as the request's instructions on every turn.
	Instructions string
	// Model is the model name, such as "gpt-5". Required.
	Model string
	// Tools are the tools the model may call. Function and custom tool
	// names must be unique.
	Tools []tools.Tool
	// Toolsets are sources of more tools, such as MCP servers
	// (tools/mcp): the runner lists their tools when a run starts or
	// resumes and again before every model call, after Tools (see
	// [tools.Toolset]). Their names must be unique too.
	Toolsets []tools.Toolset
	// Settings are the model settings sent with every request.
	Settings ModelSettings
	// Output, when set, asks for structured output (a JSON document matching
	// its schema) and is used to decode the final answer; nil means plain
	// text.
	Output *OutputType
	// Approval, when set, decides which calls of this agent's tools need a
	// person's approval before they run, beside each tool's own policy and
	// the runner's: a call needs approval when any of them says so. Nil
	// adds no requirement.
	Approval tools.ApprovalPolicy
	// Handoffs are the agents this agent may hand the conversation to: the
	// model sees a transfer_to_<name> tool per handoff, and the run goes on
	// with the target agent.
	Handoffs []Handoff
	// Guardrails check the run's input, its final output and each call of
	// this agent's tools; one that trips ends the run (see [Guardrails]).
	Guardrails Guardrails
}

// Handoff lets an agent hand the conversation over to another agent.
type Handoff struct {
	// Agent is the agent that takes over. Required.
	Agent *Agent
	// ToolName is the name of the tool the model calls to hand off;
	// default "transfer_to_" + the target's name (invalid characters
	// replaced with "_").
	ToolName string
	// Description is the tool's description; default "Hand the
	// conversation over to <name>." followed by the target's first line of
	// instructions.
	Description string
	// Filter, when set, changes the conversation the target agent sees
	// from the handoff on (for example runner.DropToolCalls, which removes
	// the previous agent's tool calls). It must keep every call with its
	// output. A run with ChainResponses refuses filters: the server holds
	// that history.
	Filter func(history []responses.Item) []responses.Item
}

// Reachable yields a and every agent it can hand off to, directly or
// through other agents, each once, nearest first.
func (a *Agent) Reachable() iter.Seq[*Agent] {
	return func(yield func(*Agent) bool) {
		seen := map[*Agent]bool{}
		queue := []*Agent{a}
		for len(queue) > 0 {
			x := queue[0]
			queue = queue[1:]
			if x == nil || seen[x] {
				continue
			}
			seen[x] = true
			if !yield(x) {
				return
			}
			for _, h := range x.Handoffs {
				queue = append(queue, h.Agent)
			}
		}
	}
}

// HandoffToolName returns the tool name of a handoff to an agent named
// name: "transfer_to_" + name, lower-cased, with every character a tool
// name may not hold replaced by "_".
func HandoffToolName(name string) string {
	b := []byte("transfer_to_" + strings.ToLower(name))
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			b[i] = '_'
		}
	}
	if len(b) > 64 {
		b = b[:64]
	}
	return string(b)
}

// Guardrails are the checks around an agent's run. Each runs as a function
// of its own; a tripped guardrail ends the run with an error naming it
// (runner.GuardrailError), and the run's result keeps what it produced.
type Guardrails struct {
	// Input checks the run's input. Unless Blocking is set, the input
	// guardrails run beside the first model call, and no call of that
	// turn starts before every one of them has passed.
	Input []InputGuardrail
	// Output checks the final output (with the decoded value when the
	// agent has an output type).
	Output []OutputGuardrail
	// Tool checks each call of the agent's tools, before it runs and after.
	Tool []ToolGuardrail
}

// Verdict is a guardrail's answer.
type Verdict struct {
	// Action says what to do; the zero value allows.
	Action VerdictAction
	// Message says why: the error of a tripped guardrail, or what the model
	// is told for a rejected call.
	Message string
	// Output replaces a call's output (ActionReplace, after a call).
	Output *responses.ToolOutput
}

// VerdictAction is what a guardrail decides.
type VerdictAction int

// Verdict actions.
const (
	// Allow lets the run go on.
	Allow VerdictAction = iota
	// Trip ends the run with a GuardrailError.
	Trip
	// Reject, before a call, answers the call with Message instead of
	// running it; the run goes on.
	Reject
	// Replace, after a call, sends Output (or Message as text) instead of
	// the call's output.
	Replace
)

// InputGuardrail checks a run's input before the model acts on it.
type InputGuardrail struct {
	Name string
	// Blocking runs the guardrail before the first model call instead of
	// beside it.
	Blocking bool
	Check    func(ctx context.Context, input []responses.Item) (Verdict, error)
}

// OutputGuardrail checks a run's final output: its text, and value the
// decoded output type (nil without one).
type OutputGuardrail struct {
	Name  string
	Check func(ctx context.Context, text string, value any) (Verdict, error)
}

// ToolGuardrail checks the calls of an agent's tools. Before sees a call
// before it runs (Allow, Reject or Trip); After sees its output (Allow,
// Replace or Trip). Either may be nil.
type ToolGuardrail struct {
	Name   string
	Before func(ctx context.Context, call *responses.Item) (Verdict, error)
	After  func(ctx context.Context, call *responses.Item, output *responses.Item) (Verdict, error)
}

// ModelSettings are the request settings of an agent. A nil pointer, an
// empty string or a nil map leaves the field out of the request, so the
// server's default applies (except where the runner documents its own
// default, such as store and include in stateless mode).
//
// Each field maps to one request field: Temperature to temperature, TopP to
// top_p, ReasoningEffort and ReasoningSummary to reasoning.effort and
// reasoning.summary, MaxOutputTokens to max_output_tokens,
// ParallelToolCalls to parallel_tool_calls, ToolChoice to tool_choice, Store
// to store, Truncation to truncation, Metadata to metadata and Verbosity to
// text.verbosity.
type ModelSettings struct {
	Temperature      *float64 // 0 to 2
	TopP             *float64 // 0 to 1
	ReasoningEffort  string   // none, minimal, low, medium, high, xhigh
	ReasoningSummary string   // auto, concise, detailed
	MaxOutputTokens  *int     // includes reasoning tokens
	// ParallelToolCalls false limits the model to one tool call per turn.
	ParallelToolCalls *bool
	ToolChoice        *responses.ToolChoice
	Store             *bool
	Truncation        string // auto or disabled
	Metadata          map[string]string
	Verbosity         string // low, medium, high
	// ContextManagement asks the server to compact the context past a
	// token threshold (context_management); the response then carries a
	// compaction item, and the runner sends nothing before it again.
	ContextManagement []responses.ContextManagement

	// Extra holds raw top-level request fields sent as they are, for
	// anything the fields above do not name; a key naming a field the runner
	// sets replaces it.
	Extra map[string]json.RawMessage
}

// Validate reports whether the agent can run: a model is set, every tool is
// non-nil with a definition the request can carry (for a
// [tools.ModelDefiner], the one for the agent's model), function and custom tool
// names are valid and unique, no toolset is nil, there is at most one computer tool, the
// settings are in range and the output type is well formed. The runner calls
// it at the start of every run.
func (a *Agent) Validate() error {
	if a == nil {
		return errors.New("agent: nil agent")
	}
	errorf := func(format string, args ...any) error {
		who := ""
		if a.Name != "" {
			who = fmt.Sprintf("%q: ", a.Name)
		}
		return fmt.Errorf("agent: "+who+format, args...)
	}
	if strings.TrimSpace(a.Model) == "" {
		return errorf("no model set")
	}
	for i, ts := range a.Toolsets {
		if ts == nil {
			return errorf("toolsets[%d] is nil", i)
		}
	}
	seen := map[string]int{}
	for i, t := range a.Tools {
		if t == nil {
			return errorf("tools[%d] is nil", i)
		}
		var def responses.Tool
		if md, ok := t.(tools.ModelDefiner); ok {
			def = md.DefinitionFor(a.Model)
		} else {
			def = t.Definition()
		}
		if def.Type == "" && def.Raw == nil {
			return errorf("tools[%d]: definition has no type", i)
		}
		if _, err := def.MarshalJSON(); err != nil {
			return errorf("tools[%d]: %w", i, err)
		}
		typ, name := def.Type, def.Name
		if def.Raw != nil {
			var w struct {
				Type string `json:"type"`
				Name string `json:"name"`
			}
			if err := json.Unmarshal(def.Raw, &w); err != nil || w.Type == "" {
				return errorf("tools[%d]: raw definition is not a JSON object with a type", i)
			}
			typ, name = w.Type, w.Name
		}
		key := ""
		switch typ {
		case "":
			return errorf("tools[%d]: definition has no type", i)
		case responses.ToolFunction, responses.ToolCustom:
			if err := tools.CheckName(name); err != nil {
				return errorf("tools[%d]: %w", i, err)
			}
			if typ == responses.ToolFunction && def.Raw == nil && def.Parameters != nil {
				var p map[string]any
				if err := json.Unmarshal(def.Parameters, &p); err != nil {
					return errorf("tool %q: parameters are not a JSON object: %w", name, err)
				}
			}
			key = name
		case responses.ToolComputer, responses.ToolComputerUsePreview:
			key = "computer tool"
		}
		if key == "" {
			continue
		}
		if j, dup := seen[key]; dup {
			if key == "computer tool" {
				return errorf("tools[%d] and tools[%d] are both computer tools; an agent has at most one", j, i)
			}
			return errorf("tools[%d] and tools[%d] are both named %q", j, i, key)
		}
		seen[key] = i
	}
	for i, h := range a.Handoffs {
		if h.Agent == nil {
			return errorf("handoffs[%d] has no agent", i)
		}
		name := h.ToolName
		if name == "" {
			name = HandoffToolName(h.Agent.Name)
		}
		if err := tools.CheckName(name); err != nil {
			return errorf("handoffs[%d]: %w", i, err)
		}
		if j, dup := seen[name]; dup {
			return errorf("handoffs[%d] is named %q like tools[%d]", i, name, j)
		}
		seen[name] = i
	}
	for i, g := range a.Guardrails.Input {
		if g.Check == nil {
			return errorf("input guardrail %d (%q) has no Check", i, g.Name)
		}
	}
	for i, g := range a.Guardrails.Output {
		if g.Check == nil {
			return errorf("output guardrail %d (%q) has no Check", i, g.Name)
		}
	}
	if err := a.Settings.validate(); err != nil {
		return errorf("%w", err)
	}
	if a.Output != nil {
		if err := a.Output.validate(); err != nil {
			return errorf("%w", err)
		}
	}
	return nil
}

func (s *ModelSettings) validate() error {
	if s.Temperature != nil && (*s.Temperature < 0 || *s.Temperature > 2) {
		return fmt.Errorf("temperature %v is outside [0, 2]", *s.Temperature)
	}
	if s.TopP != nil && (*s.TopP < 0 || *s.TopP > 1) {
		return fmt.Errorf("top_p %v is outside [0, 1]", *s.TopP)
	}
	if s.MaxOutputTokens != nil && *s.MaxOutputTokens < 1 {
		return fmt.Errorf("max_output_tokens %d is not positive", *s.MaxOutputTokens)
	}
	for k, v := range s.Extra {
		if !json.Valid(v) {
			return fmt.Errorf("extra field %q is not valid JSON", k)
		}
	}
	return nil
}

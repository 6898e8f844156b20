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
	"encoding/json"
	"errors"
	"fmt"
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

	// Extra holds raw top-level request fields sent as they are, for
	// anything the fields above do not name; a key naming a field the runner
	// sets replaces it.
	Extra map[string]json.RawMessage
}

// Validate reports whether the agent can run: a model is set, every tool is
// non-nil with a definition the request can carry (for a
// [tools.ModelDefiner], the one for the agent's model), function and custom tool
// names are valid and unique, there is at most one computer tool, the
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

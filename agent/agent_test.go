package agent

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/tools"
	"github.com/google/go-cmp/cmp"
)

// fakeTool is a tool with a fixed definition.
type fakeTool struct{ def responses.Tool }

func (f fakeTool) Definition() responses.Tool { return f.def }
func (f fakeTool) Call(context.Context, string) (responses.ToolOutput, error) {
	return responses.ToolOutput{}, nil
}

func fn(name string) tools.Tool {
	return fakeTool{responses.Tool{Type: responses.ToolFunction, Name: name}}
}

func TestValidate(t *testing.T) {
	weather, err := tools.NewFunc("get_weather", "", func(context.Context, struct {
		City string `json:"city"`
	}) (string, error) {
		return "", nil
	})
	if err != nil {
		t.Fatal(err)
	}
	computer := fakeTool{responses.Tool{Type: responses.ToolComputer}}
	out, err := OutputOf[answer]("answer")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		agent   *Agent
		wantErr string
	}{
		{"ok", &Agent{Name: "a", Model: "gpt-5", Tools: []tools.Tool{weather, fn("other"), computer}, Output: out}, ""},
		{"nil", nil, "agent: nil agent"},
		{"no model", &Agent{Name: "a"}, `agent: "a": no model set`},
		{"no model, no name", &Agent{}, `agent: no model set`},
		{"nil tool", &Agent{Model: "m", Tools: []tools.Tool{nil}}, "agent: tools[0] is nil"},
		{"duplicate", &Agent{Model: "m", Tools: []tools.Tool{weather, fn("x"), weather}}, `agent: tools[0] and tools[2] are both named "get_weather"`},
		{"function and custom share names", &Agent{Model: "m", Tools: []tools.Tool{fn("x"),
			fakeTool{responses.Tool{Type: responses.ToolCustom, Name: "x"}}}}, `both named "x"`},
		{"bad name", &Agent{Model: "m", Tools: []tools.Tool{fn("a b")}}, `agent: tools[0]: tools: tool name "a b" has ' ' at byte 1`},
		{"two computers", &Agent{Model: "m", Tools: []tools.Tool{computer,
			fakeTool{responses.Tool{Type: responses.ToolComputerUsePreview}}}}, "both computer tools"},
		{"no type", &Agent{Model: "m", Tools: []tools.Tool{fakeTool{}}}, "tools[0]: definition has no type"},
		{"unknown type without raw", &Agent{Model: "m", Tools: []tools.Tool{fakeTool{responses.Tool{Type: "web_search"}}}}, `tool type "web_search" needs Raw`},
		{"raw hosted tools", &Agent{Model: "m", Tools: []tools.Tool{
			fakeTool{responses.Tool{Type: "file_search", Raw: json.RawMessage(`{"type":"file_search","vector_store_ids":["vs"]}`)}},
			fakeTool{responses.Tool{Type: "file_search", Raw: json.RawMessage(`{"type":"web_search"}`)}},
		}}, ""},
		{"raw function duplicate", &Agent{Model: "m", Tools: []tools.Tool{fn("x"),
			fakeTool{responses.Tool{Raw: json.RawMessage(`{"type":"function","name":"x","parameters":{}}`)}}}}, `both named "x"`},
		{"bad parameters", &Agent{Model: "m", Tools: []tools.Tool{fakeTool{responses.Tool{Type: "function", Name: "f",
			Parameters: json.RawMessage(`[1]`)}}}}, `tool "f": parameters are not a JSON object`},
		{"temperature", &Agent{Model: "m", Settings: ModelSettings{Temperature: responses.Ptr(2.5)}}, "temperature 2.5 is outside [0, 2]"},
		{"top_p", &Agent{Model: "m", Settings: ModelSettings{TopP: responses.Ptr(-0.1)}}, "top_p -0.1 is outside [0, 1]"},
		{"max tokens", &Agent{Model: "m", Settings: ModelSettings{MaxOutputTokens: responses.Ptr(0)}}, "max_output_tokens 0 is not positive"},
		{"extra", &Agent{Model: "m", Settings: ModelSettings{Extra: map[string]json.RawMessage{"x": json.RawMessage("{")}}}, `extra field "x" is not valid JSON`},
		{"output name", &Agent{Model: "m", Output: &OutputType{Name: "a b", Schema: out.Schema}}, `output name "a b" has ' '`},
		{"output schema", &Agent{Model: "m", Output: &OutputType{Name: "x", Schema: json.RawMessage(`{"type":"string"}`)}}, `output "x": the schema must be a JSON object schema`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.agent.Validate()
			got := ""
			if err != nil {
				got = err.Error()
			}
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && !strings.Contains(got, tc.wantErr) {
				t.Errorf("Validate() = %q, want %q", got, tc.wantErr)
			}
		})
	}
}

type answer struct {
	City    string   `json:"city"`
	TempC   float64  `json:"temp_c"`
	Sources []string `json:"sources,omitempty"`
}

func TestOutputOf(t *testing.T) {
	out, err := OutputOf[answer]("")
	if err != nil {
		t.Fatal(err)
	}
	if out.Name != "answer" || !out.Strict {
		t.Errorf("OutputOf = %+v", out)
	}
	want, err := tools.SchemaFor[answer]()
	if err != nil {
		t.Fatal(err)
	}
	strict := true
	if diff := cmp.Diff(&responses.TextFormat{Type: "json_schema", Name: "answer", Schema: want, Strict: &strict}, out.Format()); diff != "" {
		t.Errorf("Format (-want +got):\n%s", diff)
	}
	if (*OutputType)(nil).Format() != nil {
		t.Error("nil OutputType has a format")
	}

	tests := []struct {
		text    string
		want    any
		wantErr string
	}{
		{`{"city":"Paris","temp_c":18.5,"sources":null}`, answer{City: "Paris", TempC: 18.5}, ""},
		{`{"city":"Paris","temp_c":18.5,"sources":["a"]}`, answer{City: "Paris", TempC: 18.5, Sources: []string{"a"}}, ""},
		{`{"city":"Paris"`, nil, `agent: output "answer" is not valid JSON: unexpected end of JSON input`},
		{`Paris, 18°C`, nil, `agent: output "answer" is not valid JSON: invalid character 'P'`},
		{`{"city":"Paris","temp_c":"hot","sources":null,"x":1}`, nil,
			`agent: output "answer" does not match its schema: 2 problems: $.temp_c: expected number, got string "hot"; $: unknown property "x" (allowed: city, sources, temp_c)`},
	}
	for _, tc := range tests {
		got, err := out.Decode(tc.text)
		if tc.wantErr != "" {
			if err == nil || !strings.HasPrefix(err.Error(), tc.wantErr) {
				t.Errorf("Decode(%q) error = %v, want %q", tc.text, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("Decode(%q): %v", tc.text, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("Decode(%q) (-want +got):\n%s", tc.text, diff)
		}
	}

	p, err := OutputOf[*answer]("")
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.Decode(`{"city":"Oslo","temp_c":-3,"sources":null}`)
	if a, ok := got.(*answer); err != nil || !ok || a.City != "Oslo" {
		t.Errorf("Decode into *answer = %#v, %v", got, err)
	}

	if _, err := OutputOf[int]("n"); err == nil || !strings.Contains(err.Error(), "int is not a struct") {
		t.Errorf("OutputOf[int] error = %v", err)
	}
	if _, err := OutputOf[answer]("a.b"); err == nil {
		t.Error("bad name accepted")
	}
	type pair[K, V any] struct {
		K K `json:"k"`
		V V `json:"v"`
	}
	if g, err := OutputOf[pair[string, int]](""); err != nil || g.Name != "pair" {
		t.Errorf("generic name = %v, %v", g, err)
	}
}

func TestHandBuiltOutputDecode(t *testing.T) {
	out := &OutputType{Name: "x", Strict: true,
		Schema: json.RawMessage(`{"type":"object","properties":{"n":{"type":"integer"}},"required":["n"],"additionalProperties":false}`)}
	got, err := out.Decode(`{"n":2}`)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]any{"n": 2.0}, got); diff != "" {
		t.Errorf("Decode (-want +got):\n%s", diff)
	}
	if _, err := out.Decode(`{"n":2.5}`); err == nil || err.Error() != `agent: output "x" does not match its schema: $.n: expected integer, got number 2.5` {
		t.Errorf("Decode error = %v", err)
	}
}

// modelTool changes its definition with the model.
type modelTool struct{ fakeTool }

func (modelTool) DefinitionFor(model string) responses.Tool {
	if model == "computer-use-preview" {
		return responses.Tool{Type: responses.ToolComputerUsePreview, DisplayWidth: 1024, DisplayHeight: 768, Environment: "browser"}
	}
	return responses.Tool{Type: responses.ToolComputer}
}

func TestValidateModelDefiner(t *testing.T) {
	// Definition alone has no type; DefinitionFor is what counts.
	a := &Agent{Model: "computer-use-preview", Tools: []tools.Tool{modelTool{}}}
	if err := a.Validate(); err != nil {
		t.Errorf("Validate() = %v", err)
	}
	a.Tools = append(a.Tools, fakeTool{responses.Tool{Type: responses.ToolComputer}})
	if err := a.Validate(); err == nil || !strings.Contains(err.Error(), "both computer tools") {
		t.Errorf("Validate() = %v, want two computer tools", err)
	}
}

// TestReachable: every agent reachable through handoffs comes once,
// nearest first, across cycles and nil targets, and breaking stops it.
func TestReachable(t *testing.T) {
	triage := &Agent{Name: "triage"}
	billing := &Agent{Name: "billing"}
	tech := &Agent{Name: "tech"}
	refunds := &Agent{Name: "refunds"}
	triage.Handoffs = []Handoff{{Agent: billing}, {Agent: tech}, {Agent: nil}}
	billing.Handoffs = []Handoff{{Agent: refunds}, {Agent: triage}}
	tech.Handoffs = []Handoff{{Agent: triage}, {Agent: refunds}}
	var names []string
	for a := range triage.Reachable() {
		names = append(names, a.Name)
	}
	if diff := cmp.Diff([]string{"triage", "billing", "tech", "refunds"}, names); diff != "" {
		t.Errorf("reachable (-want +got):\n%s", diff)
	}
	names = nil
	for a := range triage.Reachable() {
		names = append(names, a.Name)
		if a == billing {
			break
		}
	}
	if diff := cmp.Diff([]string{"triage", "billing"}, names); diff != "" {
		t.Errorf("after a break (-want +got):\n%s", diff)
	}
	for range (*Agent)(nil).Reachable() {
		t.Error("a nil agent reaches something")
	}
}

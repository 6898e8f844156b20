package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/agentloop/agentloop/responses"
	"github.com/google/go-cmp/cmp"
	"github.com/invopop/jsonschema"
)

type weatherArgs struct {
	City  string   `json:"city" jsonschema:"description=City name"`
	Unit  string   `json:"unit,omitempty" jsonschema:"enum=c,enum=f"`
	Days  *int     `json:"days"`
	Tags  []string `json:"tags,omitempty"`
	Where *place   `json:"where"`
}

func weatherTool(t *testing.T, fn func(context.Context, weatherArgs) (string, error)) Tool {
	t.Helper()
	tool, err := NewFunc("get_weather", "Current weather", fn)
	if err != nil {
		t.Fatal(err)
	}
	return tool
}

func TestFuncCallArguments(t *testing.T) {
	echo := func(_ context.Context, in weatherArgs) (string, error) {
		b, err := json.Marshal(in)
		return string(b), err
	}
	tool := weatherTool(t, echo)
	tests := []struct {
		name    string
		args    string
		want    string // output text when no error
		wantErr string // the ArgumentError's message
	}{
		{
			name: "ok",
			args: `{"city":"Paris","unit":"c","days":3,"tags":["a"],"where":{"name":"x","lat":1.5}}`,
			want: `{"city":"Paris","unit":"c","days":3,"tags":["a"],"where":{"name":"x","lat":1.5}}`,
		},
		{
			name: "nulls for optional fields",
			args: `{"city":"Paris","unit":null,"days":null,"tags":null,"where":null}`,
			want: `{"city":"Paris","days":null,"where":null}`,
		},
		{
			name:    "bad JSON",
			args:    `{"city": Paris, "unit":"c","days":null,"tags":null,"where":null}`,
			wantErr: `invalid arguments for tool get_weather: not valid JSON: invalid character 'P' looking for beginning of value at byte 9, near "{\"city\": Paris, \"unit\":\"c\",\"days\"…"`,
		},
		{
			name:    "truncated JSON",
			args:    `{"city":"Paris","unit":"c`,
			wantErr: `invalid arguments for tool get_weather: not valid JSON: unexpected end of JSON input (the document is truncated: "{\"city\":\"Paris\",\"unit\":\"c")`,
		},
		{
			name:    "trailing data",
			args:    `{"city":"Paris","unit":"c","days":null,"tags":null,"where":null} {}`,
			wantErr: `invalid arguments for tool get_weather: not valid JSON: invalid character '{' after top-level value at byte 65, near "…ags\":null,\"where\":null} {}"`,
		},
		{
			name:    "unknown field",
			args:    `{"city":"Paris","unit":"c","days":null,"tags":null,"where":null,"country":"FR"}`,
			wantErr: `invalid arguments for tool get_weather: $: unknown property "country" (allowed: city, days, tags, unit, where)`,
		},
		{
			name:    "case-folded field is unknown",
			args:    `{"City":"Paris","unit":"c","days":null,"tags":null,"where":null}`,
			wantErr: `invalid arguments for tool get_weather: 2 problems: $: missing required property "city"; $: unknown property "City" (allowed: city, days, tags, unit, where)`,
		},
		{
			name: "absent nullable fields count as null",
			args: `{"city":"Paris"}`,
			want: `{"city":"Paris","days":null,"where":null}`,
		},
		{
			name:    "missing required",
			args:    `{"unit":"c","where":{"lat":1}}`,
			wantErr: `invalid arguments for tool get_weather: 2 problems: $: missing required property "city"; $.where: missing required property "name"`,
		},
		{
			name:    "wrong type",
			args:    `{"city":42,"unit":"c","days":"3","tags":[1],"where":{"name":"x","lat":"north"}}`,
			wantErr: `invalid arguments for tool get_weather: 4 problems: $.city: expected string, got number 42; $.days: expected integer or null, got string "3"; $.tags[0]: expected string, got number 1; $.where.lat: expected number, got string "north"`,
		},
		{
			name:    "not an integer",
			args:    `{"city":"Paris","unit":"c","days":2.5,"tags":null,"where":null}`,
			wantErr: `invalid arguments for tool get_weather: $.days: expected integer or null, got number 2.5`,
		},
		{
			name:    "enum violation",
			args:    `{"city":"Paris","unit":"kelvin","days":null,"tags":null,"where":null}`,
			wantErr: `invalid arguments for tool get_weather: $.unit: "kelvin" is not one of "c", "f", null`,
		},
		{
			name:    "null for a non-nullable field",
			args:    `{"city":null,"unit":"c","days":null,"tags":null,"where":null}`,
			wantErr: `invalid arguments for tool get_weather: $.city: expected string, got null`,
		},
		{
			name:    "nested object problems through anyOf",
			args:    `{"city":"Paris","unit":"c","days":null,"tags":null,"where":{"name":"x"}}`,
			wantErr: `invalid arguments for tool get_weather: $.where: missing required property "lat"`,
		},
		{
			name:    "array instead of object",
			args:    `[1,2]`,
			wantErr: `invalid arguments for tool get_weather: $: expected object, got array [1,2]`,
		},
		{
			name:    "empty arguments with required fields",
			args:    ` `,
			wantErr: `invalid arguments for tool get_weather: the arguments are empty; send a JSON object with the properties city, days, tags, unit, where`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := tool.Call(t.Context(), tc.args)
			if tc.wantErr != "" {
				var ae *ArgumentError
				if !errors.As(err, &ae) {
					t.Fatalf("Call error = %v (%T), want an *ArgumentError", err, err)
				}
				if ae.Tool != "get_weather" {
					t.Errorf("ArgumentError.Tool = %q", ae.Tool)
				}
				if diff := cmp.Diff(tc.wantErr, err.Error()); diff != "" {
					t.Errorf("error (-want +got):\n%s", diff)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, out.Text); diff != "" {
				t.Errorf("output (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFuncEmptyArguments(t *testing.T) {
	tool, err := NewFunc("now", "", func(context.Context, struct{}) (string, error) { return "noon", nil })
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range []string{"", "  ", "{}"} {
		out, err := tool.Call(t.Context(), args)
		if err != nil || out.Text != "noon" {
			t.Errorf("Call(%q) = %q, %v", args, out.Text, err)
		}
	}
	type opt struct {
		N *int `json:"n,omitempty"`
	}
	loose, err := NewFunc("loose", "", func(_ context.Context, in opt) (*int, error) { return in.N, nil }, WithStrict(false))
	if err != nil {
		t.Fatal(err)
	}
	out, err := loose.Call(t.Context(), "")
	if err != nil || out.Text != "null" {
		t.Errorf("non-strict Call(\"\") = %q, %v", out.Text, err)
	}
}

func TestFuncErrors(t *testing.T) {
	abort := fmt.Errorf("quota: %w", ErrAbort)
	plain := errors.New("city not found")
	tests := []struct {
		name    string
		fn      func(context.Context, weatherArgs) (string, error)
		check   func(t *testing.T, err error)
		wantMsg string
	}{
		{
			name:    "error passes through",
			fn:      func(context.Context, weatherArgs) (string, error) { return "ignored", plain },
			check:   func(t *testing.T, err error) { requireIs(t, err, plain) },
			wantMsg: "city not found",
		},
		{
			name:    "abort passes through wrapped",
			fn:      func(context.Context, weatherArgs) (string, error) { return "", abort },
			check:   func(t *testing.T, err error) { requireIs(t, err, ErrAbort) },
			wantMsg: "quota: tools: run aborted by tool",
		},
		{
			name: "panic is recovered",
			fn:   func(context.Context, weatherArgs) (string, error) { panic("boom") },
			check: func(t *testing.T, err error) {
				var pe *PanicError
				if !errors.As(err, &pe) {
					t.Fatalf("error %T is not a *PanicError", err)
				}
				if pe.Value != "boom" || pe.Tool != "get_weather" {
					t.Errorf("PanicError = %+v", pe)
				}
				if !strings.Contains(string(pe.Stack), "TestFuncErrors") {
					t.Errorf("stack does not show the panicking function:\n%s", pe.Stack)
				}
			},
			wantMsg: "tools: get_weather panicked: boom",
		},
		{
			name: "panic with an error unwraps",
			fn: func(_ context.Context, in weatherArgs) (string, error) {
				return in.Where.Name, nil // nil pointer dereference
			},
			check: func(t *testing.T, err error) {
				var re interface{ RuntimeError() }
				if !errors.As(err, &re) {
					t.Errorf("error %v does not unwrap to a runtime.Error", err)
				}
			},
			wantMsg: "tools: get_weather panicked: runtime error: invalid memory address or nil pointer dereference",
		},
	}
	args := `{"city":"Paris","unit":"c","days":null,"tags":null,"where":null}`
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := weatherTool(t, tc.fn).Call(t.Context(), args)
			if err == nil {
				t.Fatalf("Call succeeded with %+v", out)
			}
			if diff := cmp.Diff(responses.ToolOutput{}, out); diff != "" {
				t.Errorf("output on error (-want +got):\n%s", diff)
			}
			if err.Error() != tc.wantMsg {
				t.Errorf("error = %q, want %q", err.Error(), tc.wantMsg)
			}
			tc.check(t, err)
		})
	}
}

func requireIs(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("errors.Is(%v, %v) = false", err, target)
	}
}

func TestNewFuncName(t *testing.T) {
	fn := func(context.Context, struct{}) (string, error) { return "", nil }
	tests := []struct {
		name    string
		wantErr string
	}{
		{"get_weather", ""},
		{"a", ""},
		{"Get-Weather_2", ""},
		{strings.Repeat("x", 128), ""},
		{"", "tools: empty tool name"},
		{strings.Repeat("x", 129), "at most 128 are allowed"},
		{"get weather", `tools: tool name "get weather" has ' ' at byte 3`},
		{"météo", `has 'Ã' at byte 1`},
		{"a.b", `has '.' at byte 1`},
	}
	for _, tc := range tests {
		_, err := NewFunc(tc.name, "", fn)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if tc.wantErr == "" && err != nil || tc.wantErr != "" && !strings.Contains(got, tc.wantErr) {
			t.Errorf("NewFunc(%q) error = %q, want %q", tc.name, got, tc.wantErr)
		}
	}
}

func TestNewFuncBuildErrors(t *testing.T) {
	type withMap struct {
		M map[string]int `json:"m"`
	}
	if _, err := NewFunc("m", "", func(context.Context, withMap) (string, error) { return "", nil }); err == nil ||
		!strings.Contains(err.Error(), "tools: m: arguments schema (strict mode) for tools.withMap: $.m: map type") {
		t.Errorf("map in strict mode: error = %v", err)
	}
	tool, err := NewFunc("m", "", func(_ context.Context, in withMap) (int, error) { return in.M["a"], nil }, WithStrict(false))
	if err != nil {
		t.Fatalf("map with WithStrict(false): %v", err)
	}
	if def := tool.Definition(); def.Strict == nil || *def.Strict {
		t.Errorf("Strict = %v, want explicit false", def.Strict)
	}
	out, err := tool.Call(t.Context(), `{"m":{"a":2}}`)
	if err != nil || out.Text != "2" {
		t.Errorf("Call = %q, %v", out.Text, err)
	}
	if _, err := tool.Call(t.Context(), `{"m":{"a":"x"}}`); err == nil || err.Error() != `invalid arguments for tool m: $.m.a: expected integer, got string "x"` {
		t.Errorf("bad map value: %v", err)
	}
	if _, err := NewFunc("n", "", func(context.Context, int) (string, error) { return "", nil }); err == nil ||
		!strings.Contains(err.Error(), "int is not a struct") {
		t.Errorf("int input: error = %v", err)
	}
	if _, err := NewFunc[struct{}, string]("n", "", nil); err == nil {
		t.Error("nil function accepted")
	}
}

func TestFuncOutputs(t *testing.T) {
	type result struct {
		HTML  string `json:"html"`
		Count int    `json:"count"`
	}
	parts := []responses.ContentPart{{Type: responses.ContentInputText, Text: "hi"}}
	tests := []struct {
		name string
		fn   func(context.Context, struct{}) (any, error)
		want responses.ToolOutput
	}{
		{"string", ret("plain"), responses.ToolOutput{Text: "plain"}},
		{"ToolOutput", ret(responses.ToolOutput{Parts: parts}), responses.ToolOutput{Parts: parts}},
		{"*ToolOutput", ret(&responses.ToolOutput{Text: "p"}), responses.ToolOutput{Text: "p"}},
		{"parts", ret(parts), responses.ToolOutput{Parts: parts}},
		{"struct as JSON without HTML escaping", ret(result{"<b>&</b>", 2}), responses.ToolOutput{Text: `{"html":"<b>&</b>","count":2}`}},
		{"raw JSON", ret(json.RawMessage(`{"a":1}`)), responses.ToolOutput{Text: `{"a":1}`}},
		{"nil", ret(nil), responses.ToolOutput{Text: "null"}},
		{"nil pointer", ret((*result)(nil)), responses.ToolOutput{Text: "null"}},
		{"nil slice", ret([]int(nil)), responses.ToolOutput{Text: "null"}},
		{"number", ret(3.5), responses.ToolOutput{Text: "3.5"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tool, err := NewFunc("f", "", tc.fn)
			if err != nil {
				t.Fatal(err)
			}
			got, err := tool.Call(t.Context(), "{}")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got, cmp.Comparer(func(a, b responses.ContentPart) bool { return a.Type == b.Type && a.Text == b.Text })); diff != "" {
				t.Errorf("output (-want +got):\n%s", diff)
			}
		})
	}
	// A typed nil-able Out.
	tool, err := NewFunc("p", "", func(context.Context, struct{}) (*result, error) { return nil, nil })
	if err != nil {
		t.Fatal(err)
	}
	if got, err := tool.Call(t.Context(), "{}"); err != nil || got.Text != "null" {
		t.Errorf("nil *result: %q, %v", got.Text, err)
	}
	// Output that cannot be encoded.
	tool, err = NewFunc("c", "", func(context.Context, struct{}) (chan int, error) { return make(chan int), nil })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tool.Call(t.Context(), "{}"); err == nil || !strings.HasPrefix(err.Error(), "tools: encode output:") {
		t.Errorf("chan output: %v", err)
	}
}

func ret(v any) func(context.Context, struct{}) (any, error) {
	return func(context.Context, struct{}) (any, error) { return v, nil }
}

func TestFuncDefinitionAndTimeout(t *testing.T) {
	tool, err := NewFunc("get_weather", "Current weather",
		func(context.Context, weatherArgs) (string, error) { return "", nil }, WithTimeout(3*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	def := tool.Definition()
	want, err := SchemaFor[weatherArgs]()
	if err != nil {
		t.Fatal(err)
	}
	if def.Type != "function" || def.Name != "get_weather" || def.Description != "Current weather" ||
		def.Strict == nil || !*def.Strict || string(def.Parameters) != string(want) {
		t.Errorf("Definition = %+v", def)
	}
	to, ok := tool.(Timeouter)
	if !ok || to.Timeout() != 3*time.Second {
		t.Errorf("Timeouter = %v, %v", to, ok)
	}
}

func TestNewFuncRaw(t *testing.T) {
	schema := json.RawMessage(`{"type":"object","properties":{"q":{"type":"string"},"n":{"type":["integer","null"],"minimum":1}},"required":["q","n"],"additionalProperties":false}`)
	var got string
	tool, err := NewFuncRaw("search", "Search", schema, true, func(_ context.Context, args string) (responses.ToolOutput, error) {
		got = args
		return responses.ToolOutput{Text: "ok"}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if def := tool.Definition(); string(def.Parameters) != string(schema) || !*def.Strict {
		t.Errorf("Definition = %+v", def)
	}
	args := `{"q":"go","n":null}`
	if out, err := tool.Call(t.Context(), args); err != nil || out.Text != "ok" || got != args {
		t.Errorf("Call = %q, %v; fn got %q", out.Text, err, got)
	}
	if _, err := tool.Call(t.Context(), `{"q":"go","n":0}`); err == nil || err.Error() != "invalid arguments for tool search: $.n: 0 is less than the minimum 1" {
		t.Errorf("minimum: %v", err)
	}

	tests := []struct {
		name    string
		schema  string
		strict  bool
		wantErr string
	}{
		{"not JSON", `{`, false, "parameters are not valid JSON"},
		{"not an object", `{"type":"string"}`, false, "must be an object schema"},
		{"strict without additionalProperties", `{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]}`, true, `$: an object needs "additionalProperties": false`},
		{"strict with optional", `{"type":"object","properties":{"a":{"type":"string"}},"required":[],"additionalProperties":false}`, true, `$: property "a" is not in "required"`},
		{"strict nested", `{"type":"object","properties":{"a":{"type":"object","properties":{}}},"required":["a"],"additionalProperties":false}`, true, `$.a: an object needs`},
		{"non-strict with optional", `{"type":"object","properties":{"a":{"type":"string"}}}`, false, ""},
		{"bad pattern", `{"type":"object","properties":{"a":{"type":"string","pattern":"("}}}`, false, "pattern"},
		{"bad ref", `{"type":"object","properties":{"a":{"$ref":"#/$defs/x"}}}`, false, `reference "#/$defs/x" does not resolve`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewFuncRaw("r", "", json.RawMessage(tc.schema), tc.strict, func(context.Context, string) (responses.ToolOutput, error) {
				return responses.ToolOutput{}, nil
			})
			if tc.wantErr == "" {
				if err != nil {
					t.Errorf("error = %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error = %v, want %q", err, tc.wantErr)
			}
		})
	}

	// nil parameters: no arguments; a panic is recovered.
	tool, err = NewFuncRaw("now", "", nil, true, func(context.Context, string) (responses.ToolOutput, error) { panic(errors.New("down")) })
	if err != nil {
		t.Fatal(err)
	}
	var pe *PanicError
	if _, err := tool.Call(t.Context(), ""); !errors.As(err, &pe) || err.Error() != "tools: now panicked: down" {
		t.Errorf("panic: %v", err)
	}
}

// openObject describes itself as an object that allows any property.
type openObject struct {
	A string `json:"a"`
}

func (openObject) JSONSchema() *jsonschema.Schema { return &jsonschema.Schema{Type: "object"} }

func TestFuncDecodeUnknownFields(t *testing.T) {
	type in struct {
		O openObject `json:"o"`
	}
	fn := func(_ context.Context, in in) (string, error) { return in.O.A, nil }
	if _, err := NewFunc("open", "", fn); err != nil {
		// Strict mode closes the object: an empty object only.
		t.Fatalf("strict: %v", err)
	}
	tool, err := NewFunc("open", "", fn, WithStrict(false))
	if err != nil {
		t.Fatal(err)
	}
	if tool.(*funcTool[in, string]).closed {
		t.Error("schema with an open object reported closed")
	}
	if out, err := tool.Call(t.Context(), `{"o":{"a":"x"}}`); err != nil || out.Text != "x" {
		t.Errorf("Call = %q, %v", out.Text, err)
	}
	_, err = tool.Call(t.Context(), `{"o":{"a":"x","b":1}}`)
	var ae *ArgumentError
	if !errors.As(err, &ae) || err.Error() != `invalid arguments for tool open: unknown field "b"` {
		t.Errorf("unknown field in an open object: %v", err)
	}

	w := weatherTool(t, func(context.Context, weatherArgs) (string, error) { return "", nil })
	if !w.(*funcTool[weatherArgs, string]).closed {
		t.Error("strict schema not reported closed")
	}
}

func TestFuncCustomTypes(t *testing.T) {
	tool, err := NewFunc("c", "", func(_ context.Context, in customArgs) (string, error) {
		return fmt.Sprintf("%x %d %s %d", in.ID, len(in.IDs), in.N, in.Level), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := tool.Call(t.Context(), `{"id":"0a0b0c0d","ids":[],"n":12.5,"level":"high","maybe":null,"ip":"10.0.0.1"}`)
	if err != nil || out.Text != "0a0b0c0d 0 12.5 2" {
		t.Errorf("Call = %q, %v", out.Text, err)
	}
	_, err = tool.Call(t.Context(), `{"id":"zz","ids":[],"n":1,"level":"high","maybe":null,"ip":"10.0.0.1"}`)
	if err == nil || !strings.HasPrefix(err.Error(), "invalid arguments for tool c: encoding/hex: invalid byte") {
		t.Errorf("bad hex: %v", err)
	}
}

func TestFuncConcurrentCalls(t *testing.T) {
	tool := weatherTool(t, func(_ context.Context, in weatherArgs) (string, error) { return in.City, nil })
	errs := make(chan error, 16)
	for i := range 16 {
		go func() {
			city := fmt.Sprint("c", i)
			out, err := tool.Call(context.Background(), `{"city":"`+city+`","unit":"c","days":1,"tags":null,"where":null}`)
			if err == nil && out.Text != city {
				err = fmt.Errorf("got %q, want %q", out.Text, city)
			}
			errs <- err
		}()
	}
	for range 16 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

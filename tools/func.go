package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"runtime/debug"
	"strings"
	"time"

	"github.com/agentloop/agentloop/responses"
)

// Timeouter is implemented by tools that carry their own time limit, such as
// those built with [WithTimeout]. The runner gives each call of the tool a
// context with that deadline; zero means the runner's default.
type Timeouter interface {
	Timeout() time.Duration
}

// FuncOption configures one function tool built by [NewFunc], or one custom
// tool built by [NewCustom].
type FuncOption func(*funcConfig)

type funcConfig struct {
	strict       bool
	timeout      time.Duration
	approval     ApprovalPolicy
	idempotent   bool
	deferLoading bool
	grammar      *grammar // custom tools only
}

// WithStrict sets whether the tool's schema is sent in strict mode (the
// default, true). With strict mode off, optional fields (see [Schema]) are
// left out of "required", and maps and keywords strict mode rejects, such as
// minLength, are allowed; the model is then not bound to the schema, but
// Call still checks its arguments against it.
func WithStrict(strict bool) FuncOption {
	return func(c *funcConfig) { c.strict = strict }
}

// WithTimeout sets the time limit for one call of the tool, reported by
// the tool's Timeout method (see [Timeouter]).
func WithTimeout(d time.Duration) FuncOption {
	return func(c *funcConfig) { c.timeout = d }
}

// PanicError is the error a function tool returns when its function panics.
// Its message names the tool and the panic value, without the stack, which
// is kept in Stack for logs.
type PanicError struct {
	Tool  string
	Value any    // the value passed to panic
	Stack []byte // the goroutine's stack where it panicked
}

// Error returns "tools: NAME panicked: " and the panic value.
func (e *PanicError) Error() string {
	return fmt.Sprintf("tools: %s panicked: %v", e.Tool, e.Value)
}

// Unwrap returns the panic value when it is an error.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// CheckName reports whether name is a valid function tool name: 1 to 128
// ASCII letters, digits, underscores and hyphens.
func CheckName(name string) error {
	if name == "" {
		return errors.New("tools: empty tool name")
	}
	if len(name) > 128 {
		return fmt.Errorf("tools: tool name %.20q… is %d characters long; at most 128 are allowed", name, len(name))
	}
	for i := range len(name) {
		c := name[i]
		if !isNameByte(c) {
			return fmt.Errorf("tools: tool name %q has %q at byte %d; only letters, digits, '_' and '-' are allowed", name, c, i)
		}
	}
	return nil
}

// isNameByte reports whether c may appear in a tool name.
func isNameByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-'
}

// NewFunc returns a function tool named name that calls fn.
//
// The tool's parameters are the JSON schema of In, which must be a struct
// (see [Schema] for the rules, such as which fields are optional), sent in
// strict mode unless [WithStrict](false) is given; a type strict mode cannot
// describe is an error here, not at call time.
//
// Call checks the arguments against the schema and decodes them into an In,
// rejecting unknown fields; invalid JSON or a mismatch returns an
// [*ArgumentError] listing every problem with its JSON path, for the model
// to correct its call. A property left out of the arguments counts as null
// when null is valid for it (an optional field, which strict mode lists in
// "required" but models behind gateways without strict mode often omit),
// so the field keeps its zero value; an empty arguments string counts as
// "{}" when the schema requires nothing else. A panic in fn is recovered and returned as a
// [*PanicError]. An error from fn is returned as it is (wrap [ErrAbort] in
// it to end the run); fn's output is then ignored.
//
// The output becomes the function_call_output: a string as it is, a
// [responses.ToolOutput] as it is, []responses.ContentPart as its parts, and
// anything else as its JSON encoding (without HTML escaping; a nil pointer,
// slice or map is "null").
//
// The tool is safe for concurrent use. Its Definition shares the schema's
// bytes and the Strict flag between calls: callers must not modify them.
func NewFunc[In, Out any](name, description string, fn func(context.Context, In) (Out, error), opts ...FuncOption) (Tool, error) {
	if err := CheckName(name); err != nil {
		return nil, err
	}
	if fn == nil {
		return nil, fmt.Errorf("tools: %s: nil function", name)
	}
	cfg := funcConfig{strict: true}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.grammar != nil {
		return nil, fmt.Errorf("tools: %s: WithGrammar applies to custom tools (NewCustom), not to function tools", name)
	}
	schema, err := buildSchema(reflect.TypeFor[In](), cfg.strict)
	if err != nil {
		hint := ""
		if cfg.strict {
			hint = " (strict mode)"
		}
		return nil, fmt.Errorf("tools: %s: arguments schema%s for %v: %w", name, hint, reflect.TypeFor[In](), err)
	}
	v, err := newArgs(name, schema)
	if err != nil {
		return nil, err
	}
	v.v.absentIsNull = true
	return &funcTool[In, Out]{
		def: responses.Tool{Type: responses.ToolFunction, Name: name, Description: description,
			Parameters: schema, Strict: &cfg.strict, DeferLoading: cfg.deferLoading},
		args:       v,
		timeout:    cfg.timeout,
		approval:   cfg.approval,
		idempotent: cfg.idempotent,
		closed:     v.v.root.closed(map[*vnode]bool{}),
		fn:         fn,
	}, nil
}

// NewFuncRaw returns a function tool with a hand-written JSON schema for its
// parameters (nil means an object with no properties). Call checks the
// arguments against the schema like a [NewFunc] tool and passes them to fn
// as they came (or "{}" for empty arguments when the schema requires no
// property), with panics recovered as a [*PanicError].
//
// When strict is set, the schema must follow strict mode's rules: its root
// and every object have "additionalProperties": false and list every
// property in "required".
func NewFuncRaw(name, description string, parameters json.RawMessage, strict bool, fn func(ctx context.Context, arguments string) (responses.ToolOutput, error)) (Tool, error) {
	if err := CheckName(name); err != nil {
		return nil, err
	}
	if fn == nil {
		return nil, fmt.Errorf("tools: %s: nil function", name)
	}
	if parameters == nil {
		parameters = json.RawMessage(`{"type":"object","properties":{},"required":[],"additionalProperties":false}`)
	}
	var doc any
	if err := json.Unmarshal(parameters, &doc); err != nil {
		return nil, fmt.Errorf("tools: %s: parameters are not valid JSON: %w", name, err)
	}
	root, _ := doc.(map[string]any)
	if root == nil || root["type"] != "object" {
		return nil, fmt.Errorf(`tools: %s: the parameters schema must be an object schema ({"type":"object",…})`, name)
	}
	if strict {
		if err := checkStrict(doc, "$"); err != nil {
			return nil, fmt.Errorf("tools: %s: parameters are not a strict-mode schema: %w", name, err)
		}
	}
	v, err := newArgs(name, parameters)
	if err != nil {
		return nil, err
	}
	return &rawTool{
		def: responses.Tool{Type: responses.ToolFunction, Name: name, Description: description,
			Parameters: bytes.Clone(parameters), Strict: &strict},
		args: v,
		fn:   fn,
	}, nil
}

// checkStrict checks the structural rules of strict mode on a decoded schema.
func checkStrict(s any, path string) error {
	m, ok := s.(map[string]any)
	if !ok {
		return nil
	}
	if _, ok := m["$ref"]; ok && len(m) > 1 {
		return fmt.Errorf("%s: $ref has sibling keywords", path)
	}
	if props, ok := m["properties"].(map[string]any); ok || m["type"] == "object" {
		if m["additionalProperties"] != false {
			return fmt.Errorf(`%s: an object needs "additionalProperties": false`, path)
		}
		req, _ := m["required"].([]any)
		for name := range props {
			found := false
			for _, r := range req {
				found = found || r == name
			}
			if !found {
				return fmt.Errorf(`%s: property %q is not in "required" (make it nullable instead)`, path, name)
			}
		}
		for name, p := range props {
			if err := checkStrict(p, path+"."+name); err != nil {
				return err
			}
		}
	}
	if err := checkStrict(m["items"], path+"[]"); err != nil {
		return err
	}
	for _, k := range []string{"anyOf", "$defs", "definitions"} {
		switch list := m[k].(type) {
		case []any:
			for _, b := range list {
				if err := checkStrict(b, path); err != nil {
					return err
				}
			}
		case map[string]any:
			for name, b := range list {
				if err := checkStrict(b, k+"."+name); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// args checks a function tool's arguments.
type args struct {
	tool   string
	v      *Validator
	wanted string // the root's property names, for messages
}

func newArgs(tool string, schema json.RawMessage) (*args, error) {
	v, err := NewValidator(schema)
	if err != nil {
		return nil, fmt.Errorf("tools: %s: %w", tool, err)
	}
	return &args{tool: tool, v: v, wanted: strings.Join(v.root.propNames, ", ")}, nil
}

// check validates arguments and returns them, with empty arguments
// replaced by "{}" when that is allowed.
func (a *args) check(arguments string) ([]byte, error) {
	if strings.TrimSpace(arguments) == "" {
		if a.v.check(map[string]any{}) == nil {
			return []byte("{}"), nil
		}
		return nil, &ArgumentError{Tool: a.tool, Err: fmt.Errorf("the arguments are empty; send a JSON object with the properties %s", a.wanted)}
	}
	doc := []byte(arguments)
	if a.v.fastValid(doc) {
		return doc, nil
	}
	// Invalid, or unusual: the full check decides and explains.
	x, err := parseJSON(doc)
	if err != nil {
		return nil, &ArgumentError{Tool: a.tool, Err: err}
	}
	if err := a.v.check(x); err != nil {
		return nil, &ArgumentError{Tool: a.tool, Err: err}
	}
	return doc, nil
}

type funcTool[In, Out any] struct {
	def        responses.Tool
	args       *args
	timeout    time.Duration
	approval   ApprovalPolicy
	idempotent bool
	closed     bool // every object in the schema rejects unknown properties
	fn         func(context.Context, In) (Out, error)
}

func (f *funcTool[In, Out]) Definition() responses.Tool { return f.def }

func (f *funcTool[In, Out]) Timeout() time.Duration { return f.timeout }

// NeedsApproval applies the policy given with WithApproval; without one no
// call needs approval on the tool's account.
func (f *funcTool[In, Out]) NeedsApproval(ctx context.Context, call *responses.Item) (bool, error) {
	if f.approval == nil {
		return false, nil
	}
	return f.approval.NeedsApproval(ctx, call)
}

// Idempotent reports whether WithIdempotent was given.
func (f *funcTool[In, Out]) Idempotent() bool { return f.idempotent }

func (f *funcTool[In, Out]) Call(ctx context.Context, arguments string) (responses.ToolOutput, error) {
	doc, err := f.args.check(arguments)
	if err != nil {
		return responses.ToolOutput{}, err
	}
	var in In
	if err := f.decode(doc, &in); err != nil {
		return responses.ToolOutput{}, &ArgumentError{Tool: f.def.Name, Err: errors.New(strings.TrimPrefix(err.Error(), "json: "))}
	}
	return f.invoke(ctx, in)
}

// decode decodes the checked arguments into in. When every object of the
// schema has "additionalProperties": false, the check has already rejected
// unknown fields, and more strictly than DisallowUnknownFields (names match
// case-sensitively, as the model must spell them), so the cheaper
// json.Unmarshal does; otherwise a Decoder with DisallowUnknownFields does.
func (f *funcTool[In, Out]) decode(doc []byte, in *In) error {
	if f.closed {
		return json.Unmarshal(doc, in)
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.DisallowUnknownFields()
	return dec.Decode(in)
}

func (f *funcTool[In, Out]) invoke(ctx context.Context, in In) (out responses.ToolOutput, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = responses.ToolOutput{}, &PanicError{Tool: f.def.Name, Value: r, Stack: debug.Stack()}
		}
	}()
	o, err := f.fn(ctx, in)
	if err != nil {
		return responses.ToolOutput{}, err
	}
	return toOutput(o)
}

// toOutput converts a function's result into a tool output.
func toOutput(v any) (responses.ToolOutput, error) {
	switch o := v.(type) {
	case string:
		return responses.ToolOutput{Text: o}, nil
	case responses.ToolOutput:
		return o, nil
	case *responses.ToolOutput:
		if o != nil {
			return *o, nil
		}
	case []responses.ContentPart:
		return responses.ToolOutput{Parts: o}, nil
	case json.RawMessage:
		if o != nil {
			return responses.ToolOutput{Text: string(o)}, nil
		}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return responses.ToolOutput{}, fmt.Errorf("tools: encode output: %w", err)
	}
	return responses.ToolOutput{Text: strings.TrimSuffix(b.String(), "\n")}, nil
}

type rawTool struct {
	def  responses.Tool
	args *args
	fn   func(context.Context, string) (responses.ToolOutput, error)
}

func (r *rawTool) Definition() responses.Tool { return r.def }

func (r *rawTool) Call(ctx context.Context, arguments string) (out responses.ToolOutput, err error) {
	if _, err := r.args.check(arguments); err != nil {
		return responses.ToolOutput{}, err
	}
	if strings.TrimSpace(arguments) == "" {
		arguments = "{}"
	}
	defer func() {
		if p := recover(); p != nil {
			out, err = responses.ToolOutput{}, &PanicError{Tool: r.def.Name, Value: p, Stack: debug.Stack()}
		}
	}()
	return r.fn(ctx, arguments)
}

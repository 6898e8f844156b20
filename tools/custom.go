package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"runtime/debug"
	"time"

	"github.com/agentloop/agentloop/responses"
)

// Grammar syntaxes of a custom tool's input, for [WithGrammar].
const (
	GrammarLark  = "lark"
	GrammarRegex = "regex"
)

// WithGrammar constrains the input of a custom tool built by [NewCustom]
// with a grammar: syntax is [GrammarLark] (a Lark grammar) or
// [GrammarRegex] (a regular expression the whole input matches), and the
// model's sampling follows it. [NewFunc] refuses it.
//
// A regex grammar is also checked here, with Go's regexp package, whose RE2
// syntax differs from the API's for some constructs (no lookaround, no
// backreferences, no possessive quantifiers): NewCustom refuses a
// definition Go cannot compile, and an input that does not match is
// answered with an error the model reads. A Lark grammar is only sent.
func WithGrammar(syntax, definition string) FuncOption {
	return func(c *funcConfig) { c.grammar = &grammar{syntax: syntax, definition: definition} }
}

// WithDeferLoading marks a tool built by [NewFunc] or [NewCustom] as
// deferred ("defer_loading": true): the API leaves its parameters out of
// the model's context until a tool search loads it (the hosted
// {"type":"tool_search"}, or a client one such as tools/toolsearch).
func WithDeferLoading() FuncOption {
	return func(c *funcConfig) { c.deferLoading = true }
}

type grammar struct {
	syntax, definition string
}

// NewCustom returns a custom tool named name: the model calls it with
// free-form text (a custom_tool_call's input) rather than JSON arguments,
// and fn's output becomes the custom_tool_call_output. The input is
// unconstrained text, or follows the grammar given with [WithGrammar]:
//
//	sql, err := tools.NewCustom("run_sql", "Runs one read-only SQL query",
//		func(ctx context.Context, query string) (string, error) { return db.Query(ctx, query) },
//		tools.WithGrammar(tools.GrammarRegex, `SELECT [^;]+`))
//
// The tool is declared as {"type":"custom","name":…,"description":…,
// "format":{"type":"text"}} or, with a grammar, "format":{"type":"grammar",
// "syntax":…,"definition":…}. [WithTimeout], [WithApproval],
// [WithIdempotent] and [WithDeferLoading] apply as to function tools. A
// panic in fn is recovered and returned as a [*PanicError]; an error from
// fn is returned as it is (the model reads it, unless it wraps
// [ErrAbort]). The tool is safe for concurrent use when fn is.
func NewCustom[Out string | responses.ToolOutput](name, description string, fn func(ctx context.Context, input string) (Out, error), opts ...FuncOption) (Tool, error) {
	if err := CheckName(name); err != nil {
		return nil, err
	}
	if fn == nil {
		return nil, fmt.Errorf("tools: %s: nil function", name)
	}
	var cfg funcConfig
	for _, o := range opts {
		o(&cfg)
	}
	format := json.RawMessage(`{"type":"text"}`)
	var re *regexp.Regexp
	if g := cfg.grammar; g != nil {
		switch g.syntax {
		case GrammarLark:
		case GrammarRegex:
			var err error
			re, err = regexp.Compile(`\A(?:` + g.definition + `)\z`)
			if err != nil {
				return nil, fmt.Errorf("tools: %s: the regex grammar does not compile with Go's regexp (RE2 syntax: no lookaround or backreferences): %w", name, err)
			}
		default:
			return nil, fmt.Errorf("tools: %s: grammar syntax %q: want %q or %q", name, g.syntax, GrammarLark, GrammarRegex)
		}
		if g.definition == "" {
			return nil, fmt.Errorf("tools: %s: empty grammar definition", name)
		}
		b, err := json.Marshal(struct {
			Type       string `json:"type"`
			Syntax     string `json:"syntax"`
			Definition string `json:"definition"`
		}{"grammar", g.syntax, g.definition})
		if err != nil {
			return nil, fmt.Errorf("tools: %s: %w", name, err)
		}
		format = b
	}
	return &customTool[Out]{
		def: responses.Tool{Type: responses.ToolCustom, Name: name, Description: description, Format: format,
			DeferLoading: cfg.deferLoading},
		re:         re,
		pattern:    pattern(cfg.grammar),
		timeout:    cfg.timeout,
		approval:   cfg.approval,
		idempotent: cfg.idempotent,
		fn:         fn,
	}, nil
}

type customTool[Out string | responses.ToolOutput] struct {
	def        responses.Tool
	re         *regexp.Regexp
	pattern    string
	timeout    time.Duration
	approval   ApprovalPolicy
	idempotent bool
	fn         func(context.Context, string) (Out, error)
}

func (c *customTool[Out]) Definition() responses.Tool { return c.def }

func (c *customTool[Out]) Timeout() time.Duration { return c.timeout }

// NeedsApproval applies the policy given with WithApproval; without one no
// call needs approval on the tool's account.
func (c *customTool[Out]) NeedsApproval(ctx context.Context, call *responses.Item) (bool, error) {
	if c.approval == nil {
		return false, nil
	}
	return c.approval.NeedsApproval(ctx, call)
}

// Idempotent reports whether WithIdempotent was given.
func (c *customTool[Out]) Idempotent() bool { return c.idempotent }

// Call checks the input against a regex grammar, then runs the function.
func (c *customTool[Out]) Call(ctx context.Context, input string) (out responses.ToolOutput, err error) {
	if c.re != nil && !c.re.MatchString(input) {
		return responses.ToolOutput{}, &ArgumentError{Tool: c.def.Name,
			Err: fmt.Errorf("the input does not match the tool's grammar, the regular expression %s", clipText(c.pattern, 300))}
	}
	defer func() {
		if p := recover(); p != nil {
			out, err = responses.ToolOutput{}, &PanicError{Tool: c.def.Name, Value: p, Stack: debug.Stack()}
		}
	}()
	o, err := c.fn(ctx, input)
	if err != nil {
		return responses.ToolOutput{}, err
	}
	switch v := any(o).(type) {
	case string:
		return responses.ToolOutput{Text: v}, nil
	case responses.ToolOutput:
		return v, nil
	}
	return responses.ToolOutput{}, fmt.Errorf("tools: %s: unexpected output type %T", c.def.Name, o)
}

func pattern(g *grammar) string {
	if g == nil {
		return ""
	}
	return g.definition
}

func clipText(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

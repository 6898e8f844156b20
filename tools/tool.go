// Package tools defines the Tool interface the runner executes and builds
// function tools from typed Go functions, with JSON schemas reflected from
// their argument types.
//
// # Function tools
//
// [NewFunc] turns a func(ctx, In) (Out, error) into a [Tool]. The
// parameters' schema is reflected from In's struct tags and made safe for
// OpenAI strict mode ([Schema] lists the rules), and every call's arguments
// are checked against it before fn runs:
//
//	type WeatherArgs struct {
//		City string `json:"city" jsonschema:"description=City name"`
//		Unit string `json:"unit,omitempty" jsonschema:"enum=c,enum=f"` // optional: nullable
//	}
//	weather, err := tools.NewFunc("get_weather", "Current weather for a city",
//		func(ctx context.Context, in WeatherArgs) (string, error) { return lookup(ctx, in.City) })
//
// [NewFuncRaw] takes a hand-written schema instead, and [Validator] checks
// any JSON document against a schema.
//
// # Errors
//
// What a tool returns as an error goes back to the model as the call's
// output, and the run goes on: bad arguments ([*ArgumentError], which lists
// each problem with its JSON path), a panic ([*PanicError]) or the
// function's own error. Only an error wrapping [ErrAbort] ends the run.
package tools

import (
	"context"
	"errors"

	"github.com/agentloop/agentloop/responses"
)

// Tool is a tool the model may call. Definition describes it to the model;
// Call runs one call of it.
//
// For a function tool, Call receives the call's arguments (a JSON document)
// and returns the output sent back in a function_call_output; for a custom
// tool it receives the free-form input. An error returned by Call is shown to
// the model as the call's output and the run goes on, unless it wraps
// [ErrAbort]. Implementations must be safe for concurrent use: calls of one
// turn run in parallel.
type Tool interface {
	Definition() responses.Tool
	Call(ctx context.Context, arguments string) (responses.ToolOutput, error)
}

// ItemCaller is implemented by tools that answer a whole call item rather than
// a string of arguments, such as the computer tool: the runner hands it every
// computer_call and sends back the item it returns (a computer_call_output
// with the same call_id). Errors follow the rules of [Tool.Call].
type ItemCaller interface {
	CallItem(ctx context.Context, call *responses.Item) (responses.Item, error)
}

// ErrAbort ends the run when an error a tool returns wraps it: the run fails
// with that error instead of showing it to the model.
var ErrAbort = errors.New("tools: run aborted by tool")

// ArgumentError is returned by function tools when the model's arguments are
// not valid JSON or do not match the tool's schema. The runner shows it to the
// model, which can correct its call.
type ArgumentError struct {
	Tool string
	Err  error
}

// Error returns "invalid arguments for tool NAME: " and the problems.
func (e *ArgumentError) Error() string {
	return "invalid arguments for tool " + e.Tool + ": " + e.Err.Error()
}

// Unwrap returns Err.
func (e *ArgumentError) Unwrap() error { return e.Err }

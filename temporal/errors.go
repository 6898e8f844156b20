package temporal

import (
	"context"
	"errors"
	"time"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/tools"
)

// sentinels are the errors a run's error may wrap, by the name that
// crosses the workflow boundary.
var sentinels = []struct {
	name string
	err  error
}{
	{"max_turns", runner.ErrMaxTurns},
	{"incomplete", runner.ErrIncomplete},
	{"output", runner.ErrOutput},
	{"unanswerable", runner.ErrUnanswerable},
	{"abort", tools.ErrAbort},
	{"state_mismatch", runner.ErrStateMismatch},
	{"state_version", runner.ErrStateVersion},
	{"run_finished", runner.ErrRunFinished},
	{"not_pending", runner.ErrNotPending},
	{"canceled", context.Canceled},
}

// kindsOf names the sentinels err wraps.
func kindsOf(err error) []string {
	var kinds []string
	for _, s := range sentinels {
		if errors.Is(err, s.err) {
			kinds = append(kinds, s.name)
		}
	}
	return kinds
}

// sentinelsOf returns the sentinels named.
func sentinelsOf(kinds []string) []error {
	var out []error
	for _, k := range kinds {
		for _, s := range sentinels {
			if s.name == k {
				out = append(out, s.err)
			}
		}
	}
	return out
}

// apiError is a *responses.Error as it crosses an activity or workflow
// boundary. Its failed response, if any, travels as JSON text.
type apiError struct {
	StatusCode       int                     `json:"status_code"`
	Type             string                  `json:"type,omitempty"`
	Code             string                  `json:"code,omitempty"`
	Param            string                  `json:"param,omitempty"`
	Message          string                  `json:"message,omitempty"`
	RequestID        string                  `json:"request_id,omitempty"`
	GatewayRequestID string                  `json:"gateway_request_id,omitempty"`
	RetryAfter       time.Duration           `json:"retry_after,omitempty"`
	Body             string                  `json:"body,omitempty"`
	Misalignment     *responses.Misalignment `json:"misalignment,omitempty"`
	Response         string                  `json:"response,omitempty"`
}

func newAPIError(e *responses.Error) *apiError {
	d := &apiError{StatusCode: e.StatusCode, Type: e.Type, Code: e.Code, Param: e.Param, Message: e.Message,
		RequestID: e.RequestID, GatewayRequestID: e.GatewayRequestID, RetryAfter: e.RetryAfter, Body: e.Body,
		Misalignment: e.Misalignment}
	if e.Response != nil {
		if s, err := encodeResponse(e.Response); err == nil {
			d.Response = s
		}
	}
	return d
}

// error rebuilds the *responses.Error.
func (d *apiError) error() *responses.Error {
	e := &responses.Error{StatusCode: d.StatusCode, Type: d.Type, Code: d.Code, Param: d.Param, Message: d.Message,
		RequestID: d.RequestID, GatewayRequestID: d.GatewayRequestID, RetryAfter: d.RetryAfter, Body: d.Body,
		Misalignment: d.Misalignment}
	if d.Response != "" {
		if r, err := decodeResponse(d.Response); err == nil {
			e.Response = r
		}
	}
	return e
}

// RunError is the error of a run that failed or was cancelled, as
// [Run.Result] returns it: its text is the run's error, and it wraps the
// sentinels the run's error wrapped (runner.ErrMaxTurns, tools.ErrAbort,
// context.Canceled…), the *responses.Error it failed with, if any, and the
// Temporal error.
type RunError struct {
	msg  string
	errs []error
}

// Error returns the run's error text.
func (e *RunError) Error() string { return e.msg }

// Unwrap returns the errors it wraps, for errors.Is and errors.As.
func (e *RunError) Unwrap() []error { return e.errs }

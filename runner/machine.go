package runner

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/tools"
)

// StepKind says what a [Machine] needs next.
type StepKind int

// Step kinds.
const (
	// StepCallModel: send Step.Request to the model, then give the
	// response to [Machine.ApplyResponse] (or the error to
	// [Machine.ApplyModelError]).
	StepCallModel StepKind = iota + 1
	// StepRunCalls: run Step.Calls with [Runner.ExecuteCall] (function and
	// custom calls may run concurrently; the others one after the other,
	// in order), after recording their start with [Machine.Started], and
	// give each outcome to [Machine.ApplyOutcome].
	StepRunCalls
	// StepPause: the run waits for decisions on the calls awaiting
	// approval (Step.Result.Interruptions); decide them on the state and
	// call Next again.
	StepPause
	// StepDone: the run ended; Step.Result holds its result.
	StepDone
	// StepFailed: the run failed with Step.Err (the turn limit, a tool that
	// aborted, a call no tool answers).
	StepFailed
)

// Step is what a [Machine] needs next.
type Step struct {
	Kind    StepKind
	Turn    int                // the turn the step belongs to
	Request *responses.Request // StepCallModel
	Calls   []CallRecord       // StepRunCalls: copies of the records to run
	Result  *Result            // StepPause, StepDone
	Err     error              // StepFailed
}

// Machine is a run as a state machine over its [State], for engines that
// do the I/O themselves, such as a Temporal workflow (module
// github.com/agentloop/agentloop/temporal): [Machine.Next] says what is
// needed (a model call, calls to run, a pause, the end), the engine does it,
// and hands the outcome back. A Machine does no I/O, reads no clock and
// starts no goroutine of its own; the tools' approval policies run in
// ApplyResponse, so an engine that replays (Temporal) needs deterministic
// policies. The local loop of [Runner.Run] takes the same steps on the same
// State, so a run can move between the two.
//
// A Machine is not safe for concurrent use.
type Machine struct {
	st     *run
	events []Event
	result *Result
	err    error
}

// Machine returns a machine for a new run of a with input, or, when st is
// not nil, for resuming st (input is then ignored), with the checks of
// [Runner.Resume]. A call recorded as started without an output is settled
// as Resume settles it (its outcome is unknown, unless its tool is
// idempotent, and then it runs again).
func (r *Runner) Machine(ctx context.Context, a *agent.Agent, input Input, st *State) (*Machine, error) {
	m := &Machine{}
	run := &run{r: r, a: a, res: &Result{}, resume: st != nil, s: st}
	if run.s == nil {
		run.s = &State{Version: StateVersion, RunID: newRunID(), Status: StatusRunning,
			History: append(make([]responses.Item, 0, len(input)+16), input...)}
	}
	run.res.State = run.s
	run.yield = func(ev Event, _ error) bool {
		m.events = append(m.events, ev)
		return true
	}
	m.st = run
	if a == nil {
		return nil, errors.New("runner: nil agent")
	}
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("runner: %w", err)
	}
	if err := run.setup(ctx); err != nil {
		return nil, err
	}
	return m, nil
}

// State returns the run's state, which the machine updates in place.
func (m *Machine) State() *State { return m.st.s }

// Events returns the events of the steps taken since the last call, and
// forgets them.
func (m *Machine) Events() []Event {
	ev := m.events
	m.events = nil
	return ev
}

// Next returns what the run needs next. It closes a turn whose calls are
// all done and answers the calls rejected without a tool of their own (a
// function or custom call) on the way.
func (m *Machine) Next() Step {
	st, s := m.st, m.st.s
	switch {
	case m.err != nil:
		return Step{Kind: StepFailed, Turn: s.Turn, Err: m.err}
	case m.result != nil:
		return Step{Kind: StepDone, Turn: s.Turn, Result: m.result}
	}
	if len(s.Calls) > 0 {
		var run []CallRecord
		paused := false
		for i := range s.Calls {
			rec := &s.Calls[i]
			switch rec.Status {
			case CallRejected:
				if responses.TakesText(rec.Type) {
					// Nothing to run: answered here.
					_ = st.reject(context.Background(), rec)
					continue
				}
				run = append(run, *rec)
			case CallApproved:
				run = append(run, *rec)
			case CallAwaiting:
				paused = true
			case CallStarted:
				// Started and handed to the engine: its outcome comes.
				run = append(run, *rec)
			}
		}
		if len(run) > 0 {
			return Step{Kind: StepRunCalls, Turn: s.Turn, Calls: run}
		}
		if paused {
			s.Status = StatusPaused
			res := st.res
			res.History, res.Turns, res.Usage, res.Cost = s.History, s.Turn, s.Usage, st.cost()
			res.Interruptions = interruptions(s, nil)
			return Step{Kind: StepPause, Turn: s.Turn, Result: res}
		}
		s.Status = StatusRunning
		st.res.Interruptions = nil
		if err := st.closeTurn(context.Background()); err != nil { //nolint:contextcheck // the steps take no context: handoffs only report telemetry
			m.err = err
			return Step{Kind: StepFailed, Turn: s.Turn, Err: err}
		}
	}
	turn := s.Turn + 1
	if turn > st.r.maxTurns {
		m.err = fmt.Errorf("%w: %d turns ran and the model was still calling tools", ErrMaxTurns, st.r.maxTurns)
		return Step{Kind: StepFailed, Turn: s.Turn, Err: m.err}
	}
	st.yield(Event{Type: EventTurnStarted, Turn: turn}, nil)
	return Step{Kind: StepCallModel, Turn: turn, Request: st.request()}
}

// ApplyModelError takes the error of the model call of a StepCallModel. It
// reports true when the machine changed the request and Next should be
// asked again (the model refused include reasoning.encrypted_content, or
// encrypted reasoning it cannot read: each is retried once, as the local
// loop does); otherwise the run has failed with err.
func (m *Machine) ApplyModelError(err error) bool {
	st := m.st
	switch {
	case !st.s.Learned.NoInclude && includeRefused(err):
		st.s.Learned.NoInclude = true
		return true
	case !st.r.chain && !st.s.Learned.StrippedReasoning && invalidEncryptedContent(err):
		st.s.Learned.StrippedReasoning = true
		st.s.History = stripReasoning(st.s.History)
		return true
	}
	var apiErr *responses.Error
	if errors.As(err, &apiErr) && apiErr.Response != nil {
		st.s.Turn++
		st.s.Usage.Add(apiErr.Response.Usage)
	}
	m.err = fmt.Errorf("runner: turn %d: %w", st.s.Turn, err)
	return false
}

// ApplyResponse records the model's response: its items join the history,
// its calls are recorded (asking the approval policies), and a response
// with no call ends the run.
func (m *Machine) ApplyResponse(ctx context.Context, resp *responses.Response) error {
	st, s := m.st, m.st.s
	st.record(resp)
	turn := s.Turn
	for i := range resp.Output {
		st.yield(Event{Type: EventItem, Turn: turn, Item: &resp.Output[i]}, nil)
	}
	st.learn(ctx, resp)
	if resp.Truncated() {
		reason := "unknown reason"
		if resp.IncompleteDetails != nil && resp.IncompleteDetails.Reason != "" {
			reason = resp.IncompleteDetails.Reason
		}
		m.err = fmt.Errorf("%w at turn %d (%s): its output was cut off, so no call in it was run; raise max_output_tokens", ErrIncomplete, turn, reason)
		return m.err
	}
	if err := st.openTurn(ctx, resp, len(s.History)-len(resp.Output)); err != nil {
		m.err = fmt.Errorf("runner: turn %d: %w", turn, err)
		return m.err
	}
	if len(s.Calls) > 0 {
		return nil
	}
	s.Status = StatusDone
	total := s.Usage
	st.yield(Event{Type: EventTurnEnded, Turn: turn, Response: resp, Usage: resp.Usage, TotalUsage: &total}, nil)
	if err := st.finish(ctx, resp, turn); err != nil {
		m.err = err
		return err
	}
	m.result = st.res
	return nil
}

// Started records the calls as started, before the engine runs them: a
// call is recorded as started (and the state saved, by the engine) before
// it runs, so that it never runs twice.
func (m *Machine) Started(callIDs ...string) error {
	for _, id := range callIDs {
		rec := m.st.s.record(id)
		if rec == nil {
			return fmt.Errorf("runner: no call %q in the open turn", id)
		}
		switch rec.Status {
		case CallApproved:
			rec.Status = CallStarted
			rec.Attempt++
		case CallRejected, CallStarted:
			// Answered by its tool without running (rejected), or already
			// marked.
		default:
			return fmt.Errorf("runner: call %s is %s, not ready to start", id, rec.Status)
		}
	}
	return nil
}

// CallOutcome is the outcome of one call run by [Runner.ExecuteCall], as
// plain data an engine can carry between processes.
type CallOutcome struct {
	// Output is the item sent back; nil when the call has none (Unknown, or
	// an abort with no output).
	Output *responses.Item `json:"output,omitempty"`
	// Extra are the items the tool reported that are never sent upstream.
	Extra []responses.Item `json:"extra,omitempty"`
	// Error is the error the model is told, if the call failed.
	Error string `json:"error,omitempty"`
	// Note is told to the model beside the turn's outputs.
	Note string `json:"note,omitempty"`
	// Abort, when set, ends the run with this error (a tool's ErrAbort).
	Abort string `json:"abort,omitempty"`
	// Unknown: the call was cut short, so whether it had its effect is
	// unknown (it stays recorded as started).
	Unknown bool `json:"unknown,omitempty"`
	// Duration is how long the call ran.
	Duration time.Duration `json:"duration,omitempty"`
}

// ApplyOutcome records the outcome of a call of a StepRunCalls.
func (m *Machine) ApplyOutcome(callID string, out CallOutcome) error {
	st, s := m.st, m.st.s
	rec := s.record(callID)
	if rec == nil {
		return fmt.Errorf("runner: no call %q in the open turn", callID)
	}
	c := s.Call(rec)
	if rec.Status == CallDone {
		return nil // applied already (an engine replaying)
	}
	res := callResult{extra: out.Extra, dur: out.Duration, unknown: out.Unknown, note: out.Note}
	if out.Output != nil {
		res.out = *out.Output
	}
	if out.Error != "" {
		res.err = errors.New(out.Error)
	}
	if out.Abort != "" {
		m.err = fmt.Errorf("runner: turn %d: %w", s.Turn, errors.Join(errors.New(out.Abort), tools.ErrAbort))
	}
	if out.Unknown || res.out.Type == "" {
		if !out.Unknown && out.Abort == "" {
			return fmt.Errorf("runner: call %s: an outcome needs an output, or Unknown", callID)
		}
		st.settleUnknown(rec, c)
		return nil
	}
	st.settle(rec, c, res)
	st.yield(Event{Type: EventToolFinished, Turn: s.Turn, Item: c, Tool: rec.Tool, Output: rec.Output, Duration: out.Duration, Err: res.err}, nil)
	return nil
}

// ExecuteCall runs one call of a StepRunCalls for an engine: the tool of a
// that answers it runs with the runner's timeouts, panic recovery and
// CallInfo (run id, call id, attempt), or, for a rejected call, answers it
// without running. call is the call item (State.Call(&rec)).
func (r *Runner) ExecuteCall(ctx context.Context, a *agent.Agent, runID string, rec CallRecord, call *responses.Item) CallOutcome {
	ts, _, err := r.toolsetOf(ctx, a, nil)
	if err != nil {
		return CallOutcome{Abort: err.Error(), Unknown: true}
	}
	st := &run{r: r, a: a, ts: ts, s: &State{RunID: runID}, res: &Result{}, yield: func(Event, error) bool { return true }}
	if rec.Status == CallRejected {
		st.s.History = []responses.Item{*call}
		rec.Index = 0
		st.s.Calls = []CallRecord{rec}
		if err := st.reject(ctx, &st.s.Calls[0]); err != nil {
			return CallOutcome{Abort: err.Error(), Unknown: true}
		}
		done := st.s.Calls[0]
		return CallOutcome{Output: done.Output, Note: done.Note}
	}
	res := st.execute(ctx, &rec, call)
	if res.nested != nil {
		res.err = errors.New("the agent tool's nested run paused for approvals, which this engine does not support")
		res.out = errorOutput(call, res.err)
	}
	out := CallOutcome{Extra: res.extra, Unknown: res.unknown, Duration: res.dur, Note: res.note}
	if res.out.Type != "" {
		o := res.out
		out.Output = &o
	}
	if res.err != nil {
		out.Error = res.err.Error()
	}
	if res.abort != nil {
		out.Abort = res.abort.Error()
	}
	return out
}

// record returns the record of a call of the open turn, or nil.
func (s *State) record(callID string) *CallRecord {
	for i := range s.Calls {
		if s.Calls[i].CallID == callID {
			return &s.Calls[i]
		}
	}
	return nil
}

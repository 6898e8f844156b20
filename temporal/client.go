package temporal

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/sdk/client"
	sdktemporal "go.temporal.io/sdk/temporal"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/runner"
)

// Run is a handle on an agent run that runs as a workflow: its result,
// its progress, decisions on its calls, its cancellation. Messages go to
// the run's latest execution, so a handle stays valid across
// continue-as-new. A Run is safe for concurrent use.
type Run struct {
	c          client.Client
	id, runID  string
	outputType *agent.OutputType
}

// Start starts a run of a (its Name names the agent registered on the
// workers; its Output, if any, decodes the result's Value: the rest of a
// is not read, so a client may pass an Agent with only these set) with
// input, as the workflow opts describe (TaskQueue at least; an empty ID
// gets a random one).
func Start(ctx context.Context, c client.Client, opts client.StartWorkflowOptions, a *agent.Agent, input runner.Input) (*Run, error) {
	if a == nil {
		return nil, errors.New("temporal: nil agent")
	}
	in, err := NewRunInput(a.Name, input)
	if err != nil {
		return nil, err
	}
	return start(ctx, c, opts, a, in)
}

// Resume starts a run that goes on from st, such as the state of a run a
// local runner paused or was interrupted in.
func Resume(ctx context.Context, c client.Client, opts client.StartWorkflowOptions, a *agent.Agent, st *runner.State) (*Run, error) {
	if a == nil {
		return nil, errors.New("temporal: nil agent")
	}
	in, err := ResumeInput(a.Name, st)
	if err != nil {
		return nil, err
	}
	return start(ctx, c, opts, a, in)
}

func start(ctx context.Context, c client.Client, opts client.StartWorkflowOptions, a *agent.Agent, in RunInput) (*Run, error) {
	wr, err := c.ExecuteWorkflow(ctx, opts, WorkflowName, in)
	if err != nil {
		return nil, fmt.Errorf("temporal: starting the run of %s: %w", a.Name, err)
	}
	return &Run{c: c, id: wr.GetID(), runID: wr.GetRunID(), outputType: a.Output}, nil
}

// Attach returns a handle on the run with this workflow id (and first run
// id, or ""). a, when not nil, gives the output type that decodes the
// result's Value.
func Attach(c client.Client, workflowID, runID string, a *agent.Agent) *Run {
	r := &Run{c: c, id: workflowID, runID: runID}
	if a != nil {
		r.outputType = a.Output
	}
	return r
}

// ID returns the workflow id, which is also the run's id (State.RunID) for
// a run started with [Start].
func (r *Run) ID() string { return r.id }

// Result waits for the run to end and returns what a local run returns:
// the final output (decoded into the agent's output type when the handle
// has one), the history, usage and turns, and the final state. A run that
// failed or was cancelled returns a [*RunError] wrapping what the run's
// error wrapped (runner.ErrMaxTurns, tools.ErrAbort, a *responses.Error,
// context.Canceled…), together with a Result holding its State when the
// workflow kept it.
func (r *Run) Result(ctx context.Context) (*runner.Result, error) {
	var out RunResult
	err := r.c.GetWorkflow(ctx, r.id, r.runID).Get(ctx, &out)
	if err != nil {
		return r.failed(err)
	}
	res, err := r.build(out.State, out.InputItems)
	if err != nil {
		return nil, err
	}
	res.Output = out.Output
	if out.Final != "" {
		if res.Final, err = decodeItem(out.Final); err != nil {
			return nil, err
		}
	}
	if r.outputType != nil {
		v, err := r.outputType.Decode(res.Output)
		if err != nil {
			return res, fmt.Errorf("%w: %w", runner.ErrOutput, err)
		}
		res.Value = v
	}
	return res, nil
}

// build fills a Result from a state's JSON.
func (r *Run) build(state string, inputItems int) (*runner.Result, error) {
	res := &runner.Result{}
	if state == "" {
		return res, nil
	}
	st, err := decodeState(state)
	if err != nil {
		return nil, err
	}
	res.State, res.History, res.Turns, res.Usage = st, st.History, st.Turn, st.Usage
	if inputItems <= len(st.History) {
		res.NewItems = append(res.NewItems, st.History[inputItems:]...)
	}
	res.NewItems = append(res.NewItems, st.Extra...)
	return res, nil
}

// failed maps the workflow's error to the run's.
func (r *Run) failed(err error) (*runner.Result, error) {
	var appErr *sdktemporal.ApplicationError
	var canceled *sdktemporal.CanceledError
	var d runErrorDetails
	re := &RunError{msg: err.Error(), errs: []error{err}}
	switch {
	case errors.As(err, &appErr) && appErr.Type() == errRun:
		if appErr.HasDetails() {
			_ = appErr.Details(&d)
		}
		re.msg = appErr.Message()
		re.errs = append(re.errs, sentinelsOf(d.Kinds)...)
		if d.API != nil {
			re.errs = append(re.errs, d.API.error())
		}
	case errors.As(err, &canceled):
		if canceled.HasDetails() {
			_ = canceled.Details(&d)
		}
		re.msg = fmt.Sprintf("temporal: run %s cancelled", r.id)
		re.errs = append(re.errs, context.Canceled)
	}
	res, berr := r.build(d.State, d.InputItems)
	if berr != nil {
		res = nil
	}
	return res, re
}

// Progress returns where the run stands (see [Progress]), from its
// workflow; a run that ended is replayed to answer.
func (r *Run) Progress(ctx context.Context) (*Progress, error) {
	v, err := r.c.QueryWorkflow(ctx, r.id, "", ProgressQuery)
	if err != nil {
		return nil, fmt.Errorf("temporal: progress of run %s: %w", r.id, err)
	}
	var p Progress
	if err := v.Get(&p); err != nil {
		return nil, fmt.Errorf("temporal: progress of run %s: %w", r.id, err)
	}
	return &p, nil
}

// State returns the run's state as it stands.
func (r *Run) State(ctx context.Context) (*runner.State, error) {
	v, err := r.c.QueryWorkflow(ctx, r.id, "", StateQuery)
	if err != nil {
		return nil, fmt.Errorf("temporal: state of run %s: %w", r.id, err)
	}
	var s string
	if err := v.Get(&s); err != nil {
		return nil, fmt.Errorf("temporal: state of run %s: %w", r.id, err)
	}
	return decodeState(s)
}

// Decide decides a call awaiting approval, with an update: it returns once
// the run took the decision, or with an error wrapping
// runner.ErrNotPending when the run cannot take it (no such call awaits a
// decision, the decision was taken already, an unknown scope), in which
// case nothing was written to the run's history.
func (r *Run) Decide(ctx context.Context, callID string, d runner.Decision) error {
	return r.decide(ctx, CallDecision{CallID: callID, Decision: d})
}

// DecideBound is Decide for a decision bound to the arguments that were
// shown: the run refuses it when the call's fingerprint is not fingerprint
// (see [PendingCall]).
func (r *Run) DecideBound(ctx context.Context, callID, fingerprint string, d runner.Decision) error {
	return r.decide(ctx, CallDecision{CallID: callID, Fingerprint: fingerprint, Decision: d})
}

func (r *Run) decide(ctx context.Context, d CallDecision) error {
	h, err := r.c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: r.id, UpdateName: DecideUpdate,
		Args: []any{d}, WaitForStage: client.WorkflowUpdateStageCompleted})
	if err == nil {
		err = h.Get(ctx, nil)
	}
	if err == nil {
		return nil
	}
	var appErr *sdktemporal.ApplicationError
	if errors.As(err, &appErr) && appErr.Type() == errNotPending {
		return fmt.Errorf("%w: %s", runner.ErrNotPending, appErr.Message())
	}
	return fmt.Errorf("temporal: deciding call %s of run %s: %w", d.CallID, r.id, err)
}

// Approve approves a call awaiting approval (see [Run.Decide]).
func (r *Run) Approve(ctx context.Context, callID string) error {
	return r.Decide(ctx, callID, runner.Decision{Approve: true})
}

// Reject rejects a call awaiting approval; message is told to the model
// (see [Run.Decide]).
func (r *Run) Reject(ctx context.Context, callID, message string) error {
	return r.Decide(ctx, callID, runner.Decision{Message: message})
}

// Signal sends a decision as a signal instead of an update: it returns once
// the server recorded it, even when no worker runs; the run takes it when
// it can, or drops it (see [Progress].DroppedSignals).
func (r *Run) Signal(ctx context.Context, callID string, d runner.Decision) error {
	if err := r.c.SignalWorkflow(ctx, r.id, "", DecideSignal, CallDecision{CallID: callID, Decision: d}); err != nil {
		return fmt.Errorf("temporal: signalling run %s: %w", r.id, err)
	}
	return nil
}

// Cancel asks the run to stop: calls running are cancelled (they stay
// recorded as started, with an unknown outcome), and Result returns an
// error wrapping context.Canceled with the state.
func (r *Run) Cancel(ctx context.Context) error {
	if err := r.c.CancelWorkflow(ctx, r.id, ""); err != nil {
		return fmt.Errorf("temporal: cancelling run %s: %w", r.id, err)
	}
	return nil
}

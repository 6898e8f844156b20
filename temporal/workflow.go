package temporal

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	sdktemporal "go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/runner"
)

// RunInput is the workflow's input. Build it with [NewRunInput] or
// [ResumeInput]: items travel as JSON text, so that they keep their bytes.
type RunInput struct {
	// Agent names the agent, as registered on the workers.
	Agent string `json:"agent"`
	// Items is the run's input: a JSON array of items. Ignored when State
	// is set.
	Items string `json:"items,omitempty"`
	// State, when set, is the JSON of a [runner.State] to go on from (as
	// State.MarshalJSON writes it): a run that continued as new, or a run
	// paused by a local runner.
	State string `json:"state,omitempty"`
	// Continued counts the times the run continued as new.
	Continued int `json:"continued,omitempty"`
	// InputItems is how many items at the start of the history were the
	// run's input, so that the result's NewItems leaves them out.
	InputItems int `json:"input_items,omitempty"`
}

// RunResult is the workflow's result; [Run.Result] turns it into the
// [runner.Result] a local run returns.
type RunResult struct {
	// Output is the text of the final assistant message.
	Output string `json:"output"`
	// Final is the final assistant message's JSON, if any.
	Final string `json:"final,omitempty"`
	// State is the final state's JSON (history, usage, turns); empty when
	// it is larger than Options.MaxPayloadBytes (query [StateQuery] then).
	State string `json:"state,omitempty"`
	// InputItems is how many items at the start of the history were the
	// run's input.
	InputItems int `json:"input_items,omitempty"`
}

// NewRunInput returns the input of a new run of the agent named agentName.
func NewRunInput(agentName string, input runner.Input) (RunInput, error) {
	items, err := encodeItems(input)
	if err != nil {
		return RunInput{}, err
	}
	return RunInput{Agent: agentName, Items: items, InputItems: len(input)}, nil
}

// ResumeInput returns the input of a run that goes on from st, such as the
// state of a run a local runner paused (decide its calls first, or decide
// them with [Run.Decide] once it runs).
func ResumeInput(agentName string, st *runner.State) (RunInput, error) {
	s, err := encodeState(st)
	if err != nil {
		return RunInput{}, err
	}
	return RunInput{Agent: agentName, State: s}, nil
}

// CallDecision is the argument of [DecideUpdate] and [DecideSignal]: a
// person's decision on one call awaiting approval.
type CallDecision struct {
	// CallID is the call's call_id.
	CallID string `json:"call_id"`
	// Fingerprint, when set, must be the call's ([PendingCall].Fingerprint):
	// the decision is then bound to the arguments that were shown.
	Fingerprint string `json:"fingerprint,omitempty"`
	runner.Decision
}

// Progress is what [ProgressQuery] returns: where a run stands.
type Progress struct {
	// RunID is the run's id (the workflow id, unless the run was resumed
	// from a state of its own).
	RunID string `json:"run_id"`
	// Agent is the agent in charge.
	Agent string `json:"agent"`
	// Status is running, paused (waiting for decisions) or done.
	Status runner.RunStatus `json:"status"`
	// Turn is the number of model calls made.
	Turn int `json:"turn"`
	// Usage sums the usage of the model calls.
	Usage responses.Usage `json:"usage"`
	// Pending lists the calls awaiting a decision, in call order.
	Pending []PendingCall `json:"pending,omitempty"`
	// Running lists the call ids of the calls running now.
	Running []string `json:"running,omitempty"`
	// HistoryItems is the length of the conversation.
	HistoryItems int `json:"history_items"`
	// Continued counts the times the run continued as new.
	Continued int `json:"continued,omitempty"`
	// DroppedSignals counts the decisions that came as signals and could
	// not be taken (no such call awaiting approval, say).
	DroppedSignals int `json:"dropped_signals,omitempty"`
}

// PendingCall is a call awaiting a decision.
type PendingCall struct {
	CallID string `json:"call_id"`
	// Type is the call item's type (function_call, computer_call, …).
	Type string `json:"type"`
	// Tool is the tool's name ("computer" for a computer call).
	Tool string `json:"tool"`
	// Arguments is what the call asks for: a function call's arguments, a
	// custom call's input, a computer call's actions as JSON.
	Arguments string `json:"arguments"`
	// Fingerprint binds a decision to these arguments (see CallDecision).
	Fingerprint string `json:"fingerprint"`
}

// Error types of the application errors the workflow and activities
// return.
const (
	errRun        = "agentloop.RunError"   // the run failed; details: runErrorDetails
	errModel      = "agentloop.ModelError" // a model call failed, retryable or not
	errFinal      = "agentloop.ModelFinal" // a model call failed for good
	errNotPending = "agentloop.NotPending" // an update's decision the run cannot take
)

// runErrorDetails are the details of an errRun error.
type runErrorDetails struct {
	// Kinds names the sentinel errors the run's error wraps.
	Kinds []string `json:"kinds,omitempty"`
	// API is the API error the run failed with, if any.
	API *apiError `json:"api,omitempty"`
	// State is the state's JSON, when it fits.
	State string `json:"state,omitempty"`
	// InputItems: see RunResult.
	InputItems int `json:"input_items,omitempty"`
}

// wfRun is one execution of the workflow.
type wfRun struct {
	rt      *Runtime
	a       *agent.Agent // the agent the run started with, registered by name
	m       *runner.Machine
	in      RunInput
	log     interface{ Warn(string, ...any) }
	running []string
	dropped int
	// the model request passed by reference, while its activity runs
	pendingTurn, pendingCall int
	pending                  string
	modelCalls               map[int]int // model calls made per turn
	warnedState              bool
}

// run is the workflow: it drives a runner.Machine, with an activity for
// every model call and every call.
func (rt *Runtime) run(ctx workflow.Context, in RunInput) (*RunResult, error) {
	a := rt.agents[in.Agent]
	if a == nil {
		// A worker without the agent: fail the task, not the run, so that a
		// worker that has it takes the run.
		panic(fmt.Sprintf("temporal: no agent named %q is registered on this worker", in.Agent))
	}
	w := &wfRun{rt: rt, a: a, in: in, log: workflow.GetLogger(ctx), modelCalls: map[int]int{}}
	var st *runner.State
	if in.State != "" {
		var err error
		if st, err = decodeState(in.State); err != nil {
			return nil, w.fail(err)
		}
	}
	items, err := decodeItems(in.Items)
	if err != nil {
		return nil, w.fail(err)
	}
	m, err := rt.wfRunner.Machine(context.Background(), a, items, st)
	if err != nil {
		return nil, w.fail(err)
	}
	w.m = m
	if st == nil {
		// The run id is the workflow id: stable across replays, workers
		// and continue-as-new.
		m.State().RunID = workflow.GetInfo(ctx).WorkflowExecution.ID
	}
	if err := w.handlers(ctx); err != nil {
		return nil, err
	}
	for {
		step := m.Next()
		m.Events()
		switch step.Kind {
		case runner.StepCallModel:
			if w.shouldContinue(ctx) {
				if err := w.continueAsNew(ctx); err != nil {
					return nil, err
				}
			}
			resp, err := w.callModel(ctx, step)
			if ctx.Err() != nil {
				return nil, w.canceled()
			}
			if err != nil {
				m.ApplyModelError(err) // true: Next asks again; false: Next fails
				continue
			}
			_ = m.ApplyResponse(context.Background(), resp) // an error is Next's StepFailed
		case runner.StepRunCalls:
			w.runCalls(ctx, step)
			if ctx.Err() != nil {
				return nil, w.canceled()
			}
		case runner.StepPause:
			err := workflow.Await(ctx, func() bool { return len(m.State().Pending()) == 0 })
			if err != nil || ctx.Err() != nil {
				return nil, w.canceled()
			}
		case runner.StepDone:
			return w.result(step.Result)
		case runner.StepFailed:
			return nil, w.fail(step.Err)
		}
	}
}

// handlers sets the queries, the update and the signal.
func (w *wfRun) handlers(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, ProgressQuery, func() (*Progress, error) { return w.progress(), nil }); err != nil {
		return err
	}
	if err := workflow.SetQueryHandler(ctx, StateQuery, func() (string, error) { return encodeState(w.m.State()) }); err != nil {
		return err
	}
	if err := workflow.SetQueryHandler(ctx, requestQuery, func(turn, call int) (string, error) {
		if w.pending == "" || turn != w.pendingTurn || call != w.pendingCall {
			return "", fmt.Errorf("temporal: no model request pending for turn %d (call %d)", turn, call)
		}
		return w.pending, nil
	}); err != nil {
		return err
	}
	err := workflow.SetUpdateHandlerWithOptions(ctx, DecideUpdate,
		func(ctx workflow.Context, d CallDecision) error {
			return w.m.State().Decide(d.CallID, d.Decision)
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, d CallDecision) error {
			return w.validate(d)
		}})
	if err != nil {
		return err
	}
	ch := workflow.GetSignalChannel(ctx, DecideSignal)
	workflow.Go(ctx, func(ctx workflow.Context) {
		var d CallDecision
		for ch.Receive(ctx, &d) {
			w.signal(d)
			d = CallDecision{}
		}
	})
	return nil
}

// validate refuses a decision the run cannot take, before anything is
// written to the history.
func (w *wfRun) validate(d CallDecision) error {
	st := w.m.State()
	i := slices.IndexFunc(st.Calls, func(c runner.CallRecord) bool { return c.CallID == d.CallID })
	if i < 0 {
		return sdktemporal.NewApplicationError(fmt.Sprintf("no call %q in the open turn", d.CallID), errNotPending)
	}
	rec := &st.Calls[i]
	if rec.Status != runner.CallAwaiting {
		return sdktemporal.NewApplicationError(fmt.Sprintf("call %s is %s", d.CallID, rec.Status), errNotPending)
	}
	if d.Fingerprint != "" && d.Fingerprint != rec.Fingerprint {
		return sdktemporal.NewApplicationError(fmt.Sprintf("call %s: the fingerprint does not match the call's arguments", d.CallID), errNotPending)
	}
	switch d.Scope {
	case runner.ScopeCall, runner.ScopeTool, runner.ScopeArguments:
	default:
		return sdktemporal.NewApplicationError(fmt.Sprintf("call %s: unknown scope %q", d.CallID, d.Scope), errNotPending)
	}
	return nil
}

// signal takes a decision that came as a signal, or drops it.
func (w *wfRun) signal(d CallDecision) {
	err := w.validate(d)
	if err == nil {
		err = w.m.State().Decide(d.CallID, d.Decision)
	}
	if err != nil {
		w.dropped++
		w.log.Warn("agentloop: decision signal dropped", "call_id", d.CallID, "error", err)
	}
}

// drainSignals takes the decisions received but not read yet.
func (w *wfRun) drainSignals(ctx workflow.Context) {
	ch := workflow.GetSignalChannel(ctx, DecideSignal)
	for {
		var d CallDecision
		if !ch.ReceiveAsync(&d) {
			return
		}
		w.signal(d)
	}
}

func (w *wfRun) progress() *Progress {
	st := w.m.State()
	p := &Progress{RunID: st.RunID, Agent: st.Agent, Status: st.Status, Turn: st.Turn, Usage: st.Usage,
		Running: slices.Clone(w.running), HistoryItems: len(st.History), Continued: w.in.Continued, DroppedSignals: w.dropped}
	for _, rec := range st.Pending() {
		p.Pending = append(p.Pending, PendingCall{CallID: rec.CallID, Type: rec.Type, Tool: rec.Tool,
			Arguments: arguments(st.Call(&rec)), Fingerprint: rec.Fingerprint})
	}
	return p
}

// arguments is what a call asks for, as text.
func arguments(c *responses.Item) string {
	switch {
	case c == nil:
		return ""
	case c.Type == responses.ItemFunctionCall:
		return c.Arguments
	case c.Type == responses.ItemCustomToolCall:
		return c.Input
	}
	b, err := c.MarshalJSON()
	if err != nil {
		return ""
	}
	return string(b)
}

// shouldContinue reports whether the run should continue as new now.
func (w *wfRun) shouldContinue(ctx workflow.Context) bool {
	info := workflow.GetInfo(ctx)
	return info.GetContinueAsNewSuggested() || info.GetCurrentHistoryLength() >= w.rt.maxEvents ||
		info.GetCurrentHistorySize() >= w.rt.maxBytes
}

// continueAsNew ends this execution with a new one that carries the state,
// at a turn boundary: nothing runs, nothing awaits a decision. A state too
// large for one payload stays in this execution (the history then grows
// towards the server's limits), with a warning.
func (w *wfRun) continueAsNew(ctx workflow.Context) error {
	s, err := encodeState(w.m.State())
	if err == nil && len(s) > w.rt.maxPayload {
		err = fmt.Errorf("the state is %d bytes, over MaxPayloadBytes (%d)", len(s), w.rt.maxPayload)
	}
	if err != nil {
		if !w.warnedState {
			w.warnedState = true
			w.log.Warn("agentloop: cannot continue as new; the run goes on in this execution", "error", err)
		}
		return nil
	}
	w.drainSignals(ctx)
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return w.canceled()
	}
	next := RunInput{Agent: w.in.Agent, State: s, Continued: w.in.Continued + 1, InputItems: w.in.InputItems}
	return workflow.NewContinueAsNewError(ctx, WorkflowName, next)
}

// callModel runs the model activity for a StepCallModel.
func (w *wfRun) callModel(ctx workflow.Context, step runner.Step) (*responses.Response, error) {
	body, err := step.Request.AppendJSON(nil)
	if err != nil {
		return nil, err
	}
	req, err := text(body)
	if err != nil {
		return nil, err
	}
	w.modelCalls[step.Turn]++
	n := w.modelCalls[step.Turn]
	sum := sha256.Sum256(body)
	in := modelInput{Agent: w.m.State().Agent, Turn: step.Turn, Call: n, Size: len(body), SHA256: hex.EncodeToString(sum[:])}
	for k, v := range step.Request.Extra {
		if in.Extra == nil {
			in.Extra = make(map[string]string, len(step.Request.Extra))
		}
		if in.Extra[k], err = text(v); err != nil {
			return nil, err
		}
	}
	if w.rt.inline >= 0 && len(body) <= w.rt.inline {
		in.Request = req
	} else {
		w.pending, w.pendingTurn, w.pendingCall = req, step.Turn, n
		defer func() { w.pending = "" }()
	}
	id := "model/" + strconv.Itoa(step.Turn)
	if n > 1 {
		id += "/" + strconv.Itoa(n)
	}
	retry := w.rt.modelRetry
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		ActivityID:          id,
		StartToCloseTimeout: w.rt.modelTimeout,
		HeartbeatTimeout:    w.rt.heartbeat,
		RetryPolicy:         &retry,
		Summary:             fmt.Sprintf("turn %d: %s", step.Turn, step.Request.Model),
	})
	var out modelOutput
	if err := workflow.ExecuteActivity(actx, ModelActivity, in).Get(ctx, &out); err != nil {
		return nil, modelError(err)
	}
	return decodeResponse(out.Response)
}

// modelError rebuilds the error of a model call for Machine.ApplyModelError:
// the *responses.Error the API returned, when there was one, wrapped
// together with the activity's error.
func modelError(err error) error {
	var appErr *sdktemporal.ApplicationError
	if errors.As(err, &appErr) && appErr.HasDetails() {
		var d apiError
		if appErr.Details(&d) == nil && d.StatusCode != 0 {
			return fmt.Errorf("%w (%w)", d.error(), err)
		}
	}
	return err
}

// runCalls runs the calls of a StepRunCalls: function and custom calls
// concurrently (at most MaxConcurrentTools at once), the others one after
// the other, in order, beside them; each call is recorded as started when
// its activity is scheduled.
func (w *wfRun) runCalls(ctx workflow.Context, step runner.Step) {
	var fns, serial []runner.CallRecord
	for _, rec := range step.Calls {
		if rec.Type == responses.ItemFunctionCall || rec.Type == responses.ItemCustomToolCall {
			fns = append(fns, rec)
		} else {
			serial = append(serial, rec)
		}
	}
	cctx, cancel := workflow.WithCancel(ctx)
	defer cancel()
	sel := workflow.NewSelector(cctx)
	inflight, fnRunning, serialRunning, aborted := 0, 0, false, false
	start := func(rec runner.CallRecord, fn bool) {
		if rec.Status == runner.CallApproved {
			if err := w.m.Started(rec.CallID); err != nil {
				w.m.ApplyOutcome(rec.CallID, runner.CallOutcome{Abort: err.Error(), Unknown: true}) //nolint:errcheck // the record exists
				return
			}
			rec.Status, rec.Attempt = runner.CallStarted, rec.Attempt+1
		}
		f := w.startCall(cctx, step.Turn, rec)
		inflight++
		w.running = append(w.running, rec.CallID)
		sel.AddFuture(f, func(f workflow.Future) {
			inflight--
			if fn {
				fnRunning--
			} else {
				serialRunning = false
			}
			w.running = slices.DeleteFunc(w.running, func(id string) bool { return id == rec.CallID })
			var res toolOutput
			err := f.Get(cctx, &res)
			if ctx.Err() != nil {
				return // the run was cancelled: the call stays recorded as started
			}
			var out runner.CallOutcome
			if err == nil {
				out, err = decodeOutcome(res.Outcome)
			}
			if err != nil {
				w.log.Warn("agentloop: call failed after it started; its outcome is unknown", "call_id", rec.CallID, "error", err)
				out = runner.CallOutcome{Unknown: true}
			}
			if out.Abort != "" && !aborted {
				aborted = true
				cancel()
			}
			if err := w.m.ApplyOutcome(rec.CallID, out); err != nil {
				w.log.Warn("agentloop: outcome refused", "call_id", rec.CallID, "error", err)
			}
		})
	}
	for {
		if !aborted && ctx.Err() == nil {
			for len(fns) > 0 && fnRunning < w.rt.concurrency {
				fnRunning++
				rec := fns[0]
				fns = fns[1:]
				start(rec, true)
			}
			if !serialRunning && len(serial) > 0 {
				serialRunning = true
				rec := serial[0]
				serial = serial[1:]
				start(rec, false)
			}
		}
		if inflight == 0 {
			return
		}
		sel.Select(cctx)
	}
}

// startCall schedules the tool activity of one call.
func (w *wfRun) startCall(ctx workflow.Context, turn int, rec runner.CallRecord) workflow.Future {
	st := w.m.State()
	call, err := encodeItem(st.Call(&rec))
	if err != nil {
		f, set := workflow.NewFuture(ctx)
		set.SetError(err)
		return f
	}
	t := toolFor(inCharge(w.a, st.Agent), rec.Type, rec.Tool)
	policy := sdktemporal.RetryPolicy{MaximumAttempts: 1}
	if t != nil && idempotent(t) {
		policy = w.rt.idemRetry
	}
	timeout := w.rt.toolTimeoutFor(t)
	ao := workflow.ActivityOptions{
		ActivityID:          fmt.Sprintf("call/%d/%s", turn, rec.CallID),
		StartToCloseTimeout: timeout,
		HeartbeatTimeout:    w.rt.heartbeat,
		RetryPolicy:         &policy,
		WaitForCancellation: true,
		Summary:             rec.Tool + " " + rec.CallID,
	}
	if timeout == 0 {
		ao.StartToCloseTimeout = 0
		ao.ScheduleToCloseTimeout = 100 * 365 * 24 * time.Hour
	}
	in := toolInput{Agent: w.in.Agent, InCharge: st.Agent, RunID: st.RunID, Call: call, Record: rec}
	return workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, ao), ToolActivity, in)
}

// result is the workflow's result for a run that ended.
func (w *wfRun) result(res *runner.Result) (*RunResult, error) {
	out := &RunResult{Output: res.Output, InputItems: w.in.InputItems}
	if res.Final != nil {
		f, err := encodeItem(res.Final)
		if err != nil {
			return nil, w.fail(err)
		}
		out.Final = f
	}
	if s, err := encodeState(w.m.State()); err == nil && len(s) <= w.rt.maxPayload {
		out.State = s
	}
	return out, nil
}

// fail is the workflow's error for a run that failed: a non-retryable
// application error whose details name the sentinels it wraps and carry
// the state, when it fits.
func (w *wfRun) fail(err error) error {
	d := runErrorDetails{Kinds: kindsOf(err), InputItems: w.in.InputItems}
	var apiErr *responses.Error
	if errors.As(err, &apiErr) {
		d.API = newAPIError(apiErr)
	}
	if w.m != nil {
		if s, serr := encodeState(w.m.State()); serr == nil && len(s) <= w.rt.maxPayload {
			d.State = s
		}
	}
	return sdktemporal.NewNonRetryableApplicationError(err.Error(), errRun, nil, d)
}

// canceled is the workflow's error for a run that was cancelled: its
// details carry the state, when it fits; calls that were running stay
// recorded as started.
func (w *wfRun) canceled() error {
	if s, err := encodeState(w.m.State()); err == nil && len(s) <= w.rt.maxPayload {
		return sdktemporal.NewCanceledError(runErrorDetails{State: s, InputItems: w.in.InputItems})
	}
	return sdktemporal.NewCanceledError()
}

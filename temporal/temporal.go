package temporal

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.opentelemetry.io/otel"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"
	"go.temporal.io/sdk/activity"
	sdktemporal "go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/tools"
)

// The names the workflow, its messages and its activities are registered
// under. A client that does not use [Start] starts [WorkflowName] with a
// [RunInput] and reads a [RunResult].
const (
	// WorkflowName is the workflow that runs an agent.
	WorkflowName = "agentloop.Run"
	// ModelActivity calls the model once.
	ModelActivity = "agentloop.Model"
	// ToolActivity runs one call.
	ToolActivity = "agentloop.Tool"
	// DecideUpdate is the update that decides a call awaiting approval; its
	// argument is a [CallDecision]. The validator refuses a decision the run
	// cannot take (see [Run.Decide]).
	DecideUpdate = "agentloop.Decide"
	// DecideSignal is the signal that does the same; a decision the run
	// cannot take is dropped (and counted in [Progress].DroppedSignals).
	DecideSignal = "agentloop.Decide"
	// ProgressQuery returns a [Progress].
	ProgressQuery = "agentloop.Progress"
	// StateQuery returns the run's [runner.State] as its JSON text.
	StateQuery = "agentloop.State"
	// requestQuery returns the pending model request to the model activity
	// (a request passed by reference).
	requestQuery = "agentloop.request"
)

// Defaults of [Options].
const (
	DefaultModelTimeout       = 10 * time.Minute
	DefaultHeartbeatTimeout   = 30 * time.Second
	DefaultMaxPayloadBytes    = 1 << 20
	DefaultInlineRequestBytes = 16 << 10
	DefaultMaxHistoryEvents   = 10_000
	DefaultMaxHistoryBytes    = 10 << 20
)

// Options configure a [Runtime]. A nil *Options and zero fields mean the
// documented defaults.
//
// Every worker of a task queue must have the same agents and the same
// workflow settings (Runner's MaxTurns, Approval, ChainResponses,
// DisableStreaming and MaxConcurrentTools, and the fields below that shape
// the workflow's history): the workflow replays with them. Changing them
// for runs in flight is a change of workflow code (see docs/temporal.md).
type Options struct {
	// Runner configures the runs as for a local runner. MaxTurns, Approval,
	// ChainResponses, DisableStreaming and MaxConcurrentTools shape the
	// workflow; ToolTimeout, ToolGracePeriod, Logger and Telemetry apply in
	// the activities. Approval policies run in the workflow, so they must be
	// deterministic: no I/O, no clock, no randomness.
	Runner *runner.Options
	// Responses configures the client the model activity calls the model
	// through; the worker builds it, so API keys stay on the worker and
	// never enter the workflow's history. Its MaxRetries is ignored: each
	// activity attempt sends the request once, and ModelRetry retries it.
	// Its RetryPolicy, when set, classifies failures (retry or not, and the
	// delay) in place of the client's own rule. Fallback models are tried
	// within an attempt.
	Responses *responses.Options
	// ModelTimeout bounds one attempt of a model call (default 10 minutes).
	ModelTimeout time.Duration
	// ModelRetry is the retry policy of model calls. Default: 1 s doubling
	// up to 1 minute, 6 attempts. Failures the client classifies as final
	// (an invalid request, a quota used up) are never retried; a delay the
	// server asks for (Retry-After) replaces the backoff.
	ModelRetry *sdktemporal.RetryPolicy
	// IdempotentRetry is the retry policy of the calls of idempotent tools
	// (tools.Idempotent): they run again, with the same call id, when an
	// attempt fails (its worker died, say). Default: 1 s doubling up to 1
	// minute, 3 attempts. Calls of other tools are never retried: a call
	// whose attempt failed after it started has an unknown outcome, which
	// the model is told.
	IdempotentRetry *sdktemporal.RetryPolicy
	// HeartbeatTimeout is how soon a worker that died during a model or
	// tool call is noticed (default 30 s); the activities heartbeat at a
	// third of it.
	HeartbeatTimeout time.Duration
	// MaxPayloadBytes caps what one activity puts in the workflow's history
	// (default 1 MiB, below the server's 2 MiB limit of a payload): a tool
	// output larger than that is replaced by an error the model reads, and
	// a larger response fails the model call. The state carried across
	// continue-as-new and the run's result are bounded by it too.
	MaxPayloadBytes int
	// InlineRequestBytes: a model request up to this size is passed in the
	// activity's input; a larger one is passed by reference (the activity
	// reads it from the workflow with a query), so the history holds each
	// item once, not once per turn. Default 16 KiB; negative: always by
	// reference.
	InlineRequestBytes int
	// MaxHistoryEvents and MaxHistoryBytes: the run continues as new at the
	// next turn once its history holds this many events or bytes, or the
	// server suggests it (defaults 10,000 events and 10 MiB).
	MaxHistoryEvents int
	MaxHistoryBytes  int
}

// Runtime runs agents as Temporal workflows: [Runtime.Register] puts its
// workflow and activities on a worker. The agents are registered by name;
// a run's input names its agent. A Runtime is safe for concurrent use.
type Runtime struct {
	agents    map[string]*agent.Agent
	wfRunner  *runner.Runner // drives the workflow's machine: no telemetry
	actRunner *runner.Runner // runs the calls in the tool activity
	client    *responses.Client
	userRetry func(context.Context, responses.RetryInfo) (bool, time.Duration)

	maxTurns     int
	stream       bool
	concurrency  int
	toolTimeout  time.Duration
	grace        time.Duration
	modelTimeout time.Duration
	modelRetry   sdktemporal.RetryPolicy
	idemRetry    sdktemporal.RetryPolicy
	heartbeat    time.Duration
	maxPayload   int
	inline       int
	maxEvents    int
	maxBytes     int
	loadRequest  func(ctx context.Context, in modelInput) (string, error)
	tracer       trace.Tracer
}

// New returns a Runtime for these agents, registered by their names, which
// must be unique. It builds the model client and starts nothing; call
// [Runtime.Close] when done.
func New(agents []*agent.Agent, opts *Options) (*Runtime, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	rt := &Runtime{agents: make(map[string]*agent.Agent, len(agents))}
	for _, a := range agents {
		if a == nil {
			return nil, errors.New("temporal: nil agent")
		}
		if err := a.Validate(); err != nil {
			return nil, fmt.Errorf("temporal: agent %q: %w", a.Name, err)
		}
		if _, dup := rt.agents[a.Name]; dup {
			return nil, fmt.Errorf("temporal: two agents named %q", a.Name)
		}
		rt.agents[a.Name] = a
	}
	var ro runner.Options
	if o.Runner != nil {
		ro = *o.Runner
	}
	if err := supported(agents, &ro); err != nil {
		return nil, err
	}
	rt.actRunner = runner.New(nil, &ro)
	tp := otel.GetTracerProvider()
	if ro.Telemetry != nil && ro.Telemetry.TracerProvider != nil {
		tp = ro.Telemetry.TracerProvider
	}
	rt.tracer = tp.Tracer("github.com/agentloop/agentloop/temporal")
	wo := ro
	wo.Logger = nil
	wo.Telemetry = &runner.Telemetry{TracerProvider: tracenoop.NewTracerProvider(), MeterProvider: metricnoop.NewMeterProvider()}
	rt.wfRunner = runner.New(nil, &wo)

	rt.maxTurns = ro.MaxTurns
	if rt.maxTurns < 1 {
		rt.maxTurns = runner.DefaultMaxTurns
	}
	rt.stream = !ro.DisableStreaming
	rt.concurrency = ro.MaxConcurrentTools
	if rt.concurrency < 1 {
		rt.concurrency = runner.DefaultMaxConcurrentTools
	}
	rt.toolTimeout = ro.ToolTimeout
	if rt.toolTimeout == 0 {
		rt.toolTimeout = runner.DefaultToolTimeout
	}
	rt.grace = ro.ToolGracePeriod
	if rt.grace == 0 {
		rt.grace = runner.DefaultToolGracePeriod
	}

	var co responses.Options
	if o.Responses != nil {
		co = *o.Responses
	}
	rt.userRetry = co.RetryPolicy
	co.MaxRetries = 1 // each failure reaches classify, which says no
	co.RetryPolicy = rt.classify
	rt.client = responses.NewClient(&co)

	rt.modelTimeout = positive(o.ModelTimeout, DefaultModelTimeout)
	rt.heartbeat = positive(o.HeartbeatTimeout, DefaultHeartbeatTimeout)
	rt.maxPayload = positive(o.MaxPayloadBytes, DefaultMaxPayloadBytes)
	rt.inline = o.InlineRequestBytes
	if rt.inline == 0 {
		rt.inline = DefaultInlineRequestBytes
	}
	rt.maxEvents = positive(o.MaxHistoryEvents, DefaultMaxHistoryEvents)
	rt.maxBytes = positive(o.MaxHistoryBytes, DefaultMaxHistoryBytes)
	rt.modelRetry = sdktemporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2,
		MaximumInterval: time.Minute, MaximumAttempts: 6}
	if o.ModelRetry != nil {
		rt.modelRetry = *o.ModelRetry
	}
	rt.idemRetry = sdktemporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2,
		MaximumInterval: time.Minute, MaximumAttempts: 3}
	if o.IdempotentRetry != nil {
		rt.idemRetry = *o.IdempotentRetry
	}
	rt.modelRetry.NonRetryableErrorTypes = append(slices.Clip(rt.modelRetry.NonRetryableErrorTypes), errFinal)
	rt.loadRequest = queryRequest
	return rt, nil
}

func positive[T int | time.Duration](v, def T) T {
	if v > 0 {
		return v
	}
	return def
}

// Registry is where [Runtime.Register] registers: a worker.Worker, or a
// testsuite.TestWorkflowEnvironment.
type Registry interface {
	RegisterWorkflowWithOptions(w any, options workflow.RegisterOptions)
	RegisterActivityWithOptions(a any, options activity.RegisterOptions)
}

// Register registers the workflow ([WorkflowName]) and the activities
// ([ModelActivity], [ToolActivity]) on r.
func (rt *Runtime) Register(r Registry) {
	r.RegisterWorkflowWithOptions(rt.run, workflow.RegisterOptions{Name: WorkflowName})
	r.RegisterActivityWithOptions(rt.model, activity.RegisterOptions{Name: ModelActivity})
	r.RegisterActivityWithOptions(rt.tool, activity.RegisterOptions{Name: ToolActivity})
}

// Close closes the model client's idle connections. It returns nil.
func (rt *Runtime) Close() error { return rt.client.Close() }

// toolFor returns the tool of a that answers a call, or nil: by name for
// function and custom calls, by the item types it declares for the others.
func toolFor(a *agent.Agent, callType, name string) tools.Tool {
	byName := callType == responses.ItemFunctionCall || callType == responses.ItemCustomToolCall
	for _, t := range a.Tools {
		var def responses.Tool
		if md, ok := t.(tools.ModelDefiner); ok {
			def = md.DefinitionFor(a.Model)
		} else {
			def = t.Definition()
		}
		it, typed := t.(tools.ItemTyper)
		switch {
		case byName:
			if !typed && def.Name == name && def.Type != responses.ToolComputer && def.Type != responses.ToolComputerUsePreview {
				return t
			}
		case typed:
			if slices.Contains(it.ItemTypes(), callType) {
				return t
			}
		case callType == responses.ItemComputerCall && (def.Type == responses.ToolComputer || def.Type == responses.ToolComputerUsePreview):
			return t
		}
	}
	return nil
}

// idempotent reports whether a call's tool may run again.
func idempotent(t tools.Tool) bool {
	id, ok := t.(tools.Idempotent)
	return ok && id.Idempotent()
}

// toolTimeoutFor is the time one attempt of a call may take: the tool's
// timeout and the grace period, plus a margin for the activity.
func (rt *Runtime) toolTimeoutFor(t tools.Tool) time.Duration {
	d := rt.toolTimeout
	if tt, ok := t.(tools.Timeouter); ok && tt.Timeout() > 0 {
		d = tt.Timeout()
	}
	if d < 0 {
		return 0 // no limit: the heartbeat timeout notices a dead worker
	}
	return d + max(rt.grace, 0) + 30*time.Second
}

// inCharge returns the agent named name among root and the agents it can
// hand off to, transitively (as the runner finds the agent in charge of a
// state), or root when name is empty or not found.
func inCharge(root *agent.Agent, name string) *agent.Agent {
	if root == nil || name == "" || name == root.Name {
		return root
	}
	for a := range root.Reachable() {
		if a.Name == name {
			return a
		}
	}
	return root
}

// supported refuses what a run on Temporal would silently leave out: the
// steps of runner.Machine do not run input guardrails, compaction or
// budgets (the local loop does).
func supported(agents []*agent.Agent, ro *runner.Options) error {
	switch {
	case ro.Compaction != nil:
		return errors.New("temporal: runner.Options.Compaction is not supported: the workflow's steps (runner.Machine) do not compact; trim with runner.Options.Trim instead")
	case ro.Budget != nil:
		return errors.New("temporal: runner.Options.Budget is not supported: the workflow's steps (runner.Machine) do not check budgets; bound the run with MaxTurns")
	}
	for _, root := range agents {
		for a := range root.Reachable() {
			if len(a.Guardrails.Input) > 0 {
				return fmt.Errorf("temporal: agent %q has input guardrails, which runs on Temporal do not run (runner.Machine does not): check the input before starting the run", a.Name)
			}
		}
	}
	return nil
}

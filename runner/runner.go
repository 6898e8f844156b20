package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/pricing"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/tools"
)

// Errors a run ends with. Each is wrapped with details; test with errors.Is.
var (
	// ErrMaxTurns: the model was still calling tools when the turn limit
	// was reached.
	ErrMaxTurns = errors.New("runner: max turns exceeded")
	// ErrIncomplete: a response came back incomplete (max_output_tokens,
	// content_filter). No call in it was run.
	ErrIncomplete = errors.New("runner: response incomplete")
	// ErrOutput: the final message could not be decoded into the agent's
	// output type, or the model refused.
	ErrOutput = errors.New("runner: final output")
)

// Defaults of [Options].
const (
	DefaultMaxTurns           = 10
	DefaultMaxConcurrentTools = 8
	DefaultToolTimeout        = 5 * time.Minute
	DefaultToolGracePeriod    = time.Second
)

// Options configure a [Runner]. A nil *Options and zero fields mean the
// documented defaults.
type Options struct {
	// MaxTurns bounds the model calls of one run (default 10). A run is
	// never unlimited: values below 1 mean the default.
	MaxTurns int
	// DisableStreaming sends plain requests instead of streaming ones. Events
	// are still reported, but without deltas or raw Responses events.
	DisableStreaming bool
	// MaxConcurrentTools bounds the function calls of one turn that run at
	// once (default 8).
	MaxConcurrentTools int
	// ToolTimeout bounds each call (default 5 minutes; negative: none). A
	// tool implementing interface{ Timeout() time.Duration } with a positive
	// value overrides it.
	ToolTimeout time.Duration
	// ToolGracePeriod is how long a call may take to return once its
	// context has ended (its timeout passed, or the run was cancelled)
	// before the run stops waiting for it (default 1s; negative: no
	// grace). A tool that ignores its context is then abandoned: the run
	// goes on, or returns, on time, the call is reported with
	// [ErrToolAbandoned], and the goroutine running it stays behind until
	// the tool returns (counted by the agentloop.tool.abandoned metric).
	ToolGracePeriod time.Duration
	// Approval, when set, decides which calls need a person's approval
	// before they run, for every agent this runner runs, beside the agent's
	// and each tool's own policy: a call needs approval when any of them
	// says so. See [State.Decide] and [Runner.Resume].
	Approval tools.ApprovalPolicy
	// ChainResponses carries state with previous_response_id and store:true
	// instead of resending the whole history (the stateless default, with
	// store:false and encrypted reasoning, which works through gateways).
	ChainResponses bool
	// Hooks observe every run of this runner (see [Hooks]).
	Hooks *Hooks
	// Trim, when set, shortens the items of each request before it is sent
	// (package trim has policies that keep calls with their outputs); the
	// run's history is not changed. Stateless runs only: a chained or
	// conversation run sends new items only.
	Trim func(items []responses.Item) []responses.Item
	// Compaction, when set, compacts a stateless run's history through
	// POST /v1/responses/compact before a request whose input would pass
	// its budget (see [Compaction]).
	Compaction *Compaction
	// Prices, when set, prices every model call: Result.Cost, the turn
	// events' Cost and the agentloop.cost.usd span attribute (see package
	// pricing; pricing.Default() has OpenAI's prices).
	Prices *pricing.Table
	// Budget, when set, ends a run before a model call that would take it
	// past a number of tokens or dollars (see [Budget]).
	Budget *Budget
	// Logger receives debug logs. nil means silent.
	Logger *slog.Logger
	// Telemetry configures tracing and metrics (see [Telemetry]).
	Telemetry *Telemetry
}

// Runner runs agents: it sends requests, executes the calls that come back
// and loops until the model answers. A Runner is safe for concurrent use by
// multiple goroutines; each run has its own state.
type Runner struct {
	client      *responses.Client
	maxTurns    int
	stream      bool
	concurrency int
	toolTimeout time.Duration
	grace       time.Duration
	approval    tools.ApprovalPolicy
	hooks       *Hooks
	trim        func([]responses.Item) []responses.Item
	compaction  *Compaction
	prices      *pricing.Table
	budget      *Budget
	chain       bool
	log         *slog.Logger
	tel         *telemetry
}

// New returns a Runner that calls the model through client.
func New(client *responses.Client, opts *Options) *Runner {
	var o Options
	if opts != nil {
		o = *opts
	}
	r := &Runner{
		client:      client,
		maxTurns:    o.MaxTurns,
		stream:      !o.DisableStreaming,
		concurrency: o.MaxConcurrentTools,
		toolTimeout: o.ToolTimeout,
		grace:       o.ToolGracePeriod,
		approval:    o.Approval,
		hooks:       o.Hooks,
		trim:        o.Trim,
		compaction:  o.Compaction,
		prices:      o.Prices,
		budget:      o.Budget,
		chain:       o.ChainResponses,
		log:         o.Logger,
	}
	if r.maxTurns < 1 {
		r.maxTurns = DefaultMaxTurns
	}
	if r.concurrency < 1 {
		r.concurrency = DefaultMaxConcurrentTools
	}
	if r.toolTimeout == 0 {
		r.toolTimeout = DefaultToolTimeout
	}
	switch {
	case r.grace == 0:
		r.grace = DefaultToolGracePeriod
	case r.grace < 0:
		r.grace = 0
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	r.tel = newTelemetry(r, o.Telemetry)
	return r
}

// Input is the input of a run: the conversation so far, usually one user
// message.
type Input []responses.Item

// Text returns an Input holding one user message.
func Text(s string) Input { return Input{responses.UserMessage(s)} }

// Items returns an Input holding items, such as a previous run's History plus
// a new user message.
func Items(items ...responses.Item) Input { return Input(items) }

// Result is what a run produced.
type Result struct {
	// Output is the text of the final assistant message.
	Output string
	// Value is the final output decoded into the agent's output type: a T
	// for an output type from agent.OutputOf[T]. Nil when the agent has none.
	Value any
	// Final is the final assistant message as reported (citations added by
	// tools included).
	Final *responses.Item
	// NewItems are the items this call of Run, Stream or Resume produced, in
	// order: the model's output items, the outputs of the calls, and
	// synthetic items tools reported (never sent upstream).
	NewItems []responses.Item
	// History is the conversation to continue from: the input plus every
	// item sent to or received from the model, byte for byte. When a run
	// fails or is cancelled during a turn, History also answers every call
	// of that turn: with its output when it produced one, else with an
	// output saying it did not run or that its outcome is unknown, so a new
	// run can continue from it. When a run pauses, the calls of the open
	// turn are answered in State, not History: resume the run instead.
	History []responses.Item
	// Response is the last response received by this call.
	Response *responses.Response
	// Usage sums the usage of every turn of the run.
	Usage responses.Usage
	// Turns is the number of model calls the run made.
	Turns int
	// Agent is the name of the agent that answered: the last one handed
	// the conversation, or the one the run started with.
	Agent string
	// Mode says how the history reached the model: ModeStateless,
	// ModeChained or ModeConversation.
	Mode string
	// Cost is what the run's model calls cost in US dollars (nested runs
	// included), with Options.Prices; nil without a price table, or when a
	// model had no price: an unknown cost is never zero.
	Cost *float64
	// Interruptions lists the calls awaiting approval when the run paused,
	// in call order; empty when it did not pause.
	Interruptions []Interruption
	// State is the run's state: decide the interruptions on it and pass it
	// to [Runner.Resume] to go on, here or in another process (it encodes
	// to JSON). Set when the run paused, failed or was cancelled, and when
	// it ended.
	State *State
}

// Paused reports whether the run paused for approvals.
func (r *Result) Paused() bool { return r != nil && len(r.Interruptions) > 0 }

// Interruption is a call awaiting a person's approval.
type Interruption struct {
	// CallID is the call's call_id, which [State.Decide] takes.
	CallID string
	// Tool is the tool's name ("computer" for a computer call).
	Tool string
	// Call is the call item: its arguments, input, or actions.
	Call *responses.Item
	// Path is empty for a call of the run itself; for a call of a nested
	// run (an agent called as a tool), it lists the calls that led to it,
	// as "agent:call_id", outermost first.
	Path []string
}

// interruptions lists the calls of s awaiting approval, those of paused
// nested runs included.
func interruptions(s *State, path []string) []Interruption {
	var out []Interruption
	for i := range s.Calls {
		rec := &s.Calls[i]
		switch {
		case rec.Status != CallAwaiting:
		case rec.Nested != nil:
			out = append(out, interruptions(rec.Nested, append(append([]string(nil), path...), s.Agent+":"+rec.CallID))...)
		default:
			out = append(out, Interruption{CallID: rec.CallID, Tool: rec.Tool, Call: s.Call(rec), Path: path})
		}
	}
	return out
}

// RunOption configures one run: a call of Run, Stream, Resume or
// ResumeStream.
type RunOption func(*runConfig)

type runConfig struct {
	cp           Checkpointer
	meta         map[string]json.RawMessage
	conversation string
	previous     string
	session      Session
}

// WithPreviousResponseID continues, with [Options].ChainResponses, from a
// response of an earlier run: the input is the new items only, and the
// first request carries previous_response_id (the last Result.Response.ID).
func WithPreviousResponseID(id string) RunOption {
	return func(c *runConfig) { c.previous = id }
}

// WithConversation runs in a server-side conversation (the Responses API's
// conversation object, "conv_…", created with POST /v1/conversations):
// every request names it and carries only the items the server does not
// hold yet, and the server keeps the history. The input is the new items
// only (the user's next message). It excludes [Options].ChainResponses and
// history filters on handoffs. A resumed run keeps its conversation.
func WithConversation(id string) RunOption {
	return func(c *runConfig) { c.conversation = id }
}

// Modes of [Result].Mode: how the history reached the model.
const (
	ModeStateless    = "stateless"    // the whole history in every request, store:false
	ModeChained      = "chained"      // previous_response_id and the new items
	ModeConversation = "conversation" // a server-side conversation and the new items
)

// WithMeta sets the application data a new run's [State] carries in its
// Meta (see there). It has no effect on Resume, whose state has its own.
func WithMeta(meta map[string]json.RawMessage) RunOption {
	return func(c *runConfig) { c.meta = meta }
}

// WithCheckpointer saves the run's state with cp whenever it changes durably
// (see [Checkpointer]).
func WithCheckpointer(cp Checkpointer) RunOption {
	return func(c *runConfig) { c.cp = cp }
}

// Run runs a to completion and returns its result. It is [Runner.Stream],
// collected. On error the result holds what the run produced so far. A run
// that pauses for approvals returns its result with Interruptions and State
// set, and a nil error.
func (r *Runner) Run(ctx context.Context, a *agent.Agent, input Input, opts ...RunOption) (*Result, error) {
	return r.collect(r.stream1(ctx, a, input, nil, opts))
}

// Stream runs a and yields what happens as it happens. The last event of a
// successful run is EventFinalOutput; a run that pauses for approvals yields
// an EventApprovalRequired per pending call, then EventPaused, and ends
// without error; a failed run ends with a non-nil error. Breaking out of the
// loop cancels the calls in flight and waits for them before the iterator
// returns.
func (r *Runner) Stream(ctx context.Context, a *agent.Agent, input Input, opts ...RunOption) iter.Seq2[Event, error] {
	return r.stream1(ctx, a, input, nil, opts)
}

// Resume continues the run st describes (a paused run whose interruptions
// were decided, or one that stopped while it ran) with the same agent
// definition, and returns its result like [Runner.Run]. st is updated in
// place; the result's State is st.
//
// The agent must be the one the run started with: a different name, or
// tool definitions that changed, are refused with [ErrStateMismatch]. Calls
// still awaiting a decision pause the run again. A call recorded as started
// without an output (the process stopped while it ran) is not run again:
// the model is told its outcome is unknown. A tool that implements
// tools.Idempotent reporting true is run again instead, with the same call
// id.
func (r *Runner) Resume(ctx context.Context, a *agent.Agent, st *State, opts ...RunOption) (*Result, error) {
	if st == nil {
		return nil, errors.New("runner: resume: nil state")
	}
	return r.collect(r.stream1(ctx, a, nil, st, opts))
}

// ResumeStream is [Runner.Resume] as a stream of events, like
// [Runner.Stream]. The items and calls of the turns before the resume are
// not reported again.
func (r *Runner) ResumeStream(ctx context.Context, a *agent.Agent, st *State, opts ...RunOption) iter.Seq2[Event, error] {
	if st == nil {
		return func(yield func(Event, error) bool) { yield(Event{}, errors.New("runner: resume: nil state")) }
	}
	return r.stream1(ctx, a, nil, st, opts)
}

func (r *Runner) collect(events iter.Seq2[Event, error]) (*Result, error) {
	var res *Result
	for ev, err := range events {
		if ev.Result != nil && len(ev.Path) == 0 {
			res = ev.Result
		}
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

// run holds the state of one call of Run, Stream or Resume.
type run struct {
	r       *Runner
	a       *agent.Agent
	ts      *toolset
	s       *State
	res     *Result
	cp      Checkpointer
	session Session
	resume  bool
	last    *responses.Response // the last response of this call
	yield   func(Event, error) bool
	stopped bool
	// rewritten: the history was rewritten (compacted, trimmed, filtered,
	// reasoning dropped), not only appended to.
	rewritten bool
	// sets holds the tools each toolset of the agent in charge gave last;
	// listed: they were listed for the coming model call already.
	sets   [][]tools.Tool
	listed bool
}

// rewrote records that the history was rewritten.
func (st *run) rewrote() { st.rewritten = true }

// learn corrects the run's guesses from a response: a model that reasoned
// gets its encrypted reasoning asked for; reasoning items the server
// withheld (input_transformations) leave the history, and are reported.
func (st *run) learn(ctx context.Context, resp *responses.Response) {
	if resp.Reasoned() {
		st.s.Learned.Reasoned = true
	}
	if len(resp.InputTransformations) == 0 {
		return
	}
	removed := map[string]bool{}
	for _, tr := range resp.InputTransformations {
		if tr.Action == responses.TransformRemoved && tr.ID != "" {
			removed[tr.ID] = true
		}
	}
	if len(removed) > 0 && st.mode() == ModeStateless {
		// Withheld now, withheld later: sending them again costs tokens and
		// changes nothing. Stateless mode only; chained history is the
		// server's.
		kept := st.s.History[:0:0]
		for _, it := range st.s.History {
			if it.Type == responses.ItemReasoning && removed[it.ID] {
				continue
			}
			kept = append(kept, it)
		}
		st.dropped(kept)
		st.rewrote()
	}
	st.r.tel.inputTransformed(ctx, resp.InputTransformations)
	st.r.log.WarnContext(ctx, "runner: the server withheld input items", "count", len(resp.InputTransformations),
		"reason", resp.InputTransformations[0].Reason)
	st.yield(Event{Type: EventInputTransformed, Turn: st.s.Turn + 1, Response: resp, Transformations: resp.InputTransformations}, nil)
}

// dropped replaces the history with kept, a copy without some items,
// keeping the records of the open turn pointing at their calls.
func (st *run) dropped(kept []responses.Item) {
	s := st.s
	shift := len(s.History) - len(kept)
	s.History = kept
	s.ServerItems -= min(shift, s.ServerItems)
	s.SendFrom -= min(shift, s.SendFrom)
	s.TurnStart -= min(shift, s.TurnStart)
	for i := range s.Calls {
		s.Calls[i].Index -= shift
	}
}

func (r *Runner) stream1(ctx context.Context, a *agent.Agent, input Input, resume *State, opts []RunOption) iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		var cfg runConfig
		for _, o := range opts {
			o(&cfg)
		}
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		st := &run{r: r, a: a, res: &Result{}, cp: cfg.cp, session: cfg.session, resume: resume != nil, s: resume}
		if st.s == nil {
			st.s = &State{Version: StateVersion, RunID: newRunID(), Status: StatusRunning, Meta: cfg.meta,
				Conversation: cfg.conversation, PreviousResponseID: cfg.previous,
				History: append(make([]responses.Item, 0, len(input)+16), input...)}
		}
		st.res.State = st.s
		st.yield = func(ev Event, err error) bool {
			if st.stopped {
				return false
			}
			if ev.Agent == "" && st.a != nil {
				ev.Agent = st.a.Name
			}
			if !yield(ev, err) {
				st.stopped = true
				cancel()
			}
			return !st.stopped
		}
		ctx, span := r.tel.startRun(ctx, a, input)
		err := st.loop(ctx)
		if serr := st.saveSession(context.WithoutCancel(ctx)); serr != nil && err == nil && !st.stopped {
			err = serr
		}
		st.res.History = st.s.History
		if err != nil {
			st.interrupted(ctx)
		}
		st.res.Turns, st.res.Usage, st.res.Cost = st.s.Turn, st.s.Usage, st.cost()
		r.tel.endRun(ctx, span, st.res, err)
		if err != nil && !st.stopped {
			st.yield(Event{Result: st.res}, err)
		}
	}
}

func (st *run) loop(ctx context.Context) error {
	a, s := st.a, st.s
	if a == nil {
		return errors.New("runner: nil agent")
	}
	if err := a.Validate(); err != nil {
		return fmt.Errorf("runner: %w", err)
	}
	if err := st.setup(ctx); err != nil {
		return err
	}
	input := s.History
	if err := st.loadSession(ctx); err != nil {
		return err
	}
	var guard *inputGuardrails
	if !st.resume && s.Turn == 0 && len(st.a.Guardrails.Input) > 0 {
		var err error
		guard, err = st.startInputGuardrails(ctx, input)
		if err != nil {
			_ = guard.wait(ctx, st)
			return err
		}
	}
	for {
		if len(s.Calls) > 0 {
			paused, err := st.runCalls(ctx)
			if st.stopped {
				return nil
			}
			if err != nil {
				return fmt.Errorf("runner: turn %d: %w", s.Turn, err)
			}
			if paused {
				return st.pause(ctx)
			}
			if err := st.closeTurn(ctx); err != nil {
				return err
			}
			if st.stopped {
				return nil
			}
		}
		turn := s.Turn + 1
		if turn > st.r.maxTurns {
			return fmt.Errorf("%w: %d turns ran and the model was still calling tools", ErrMaxTurns, st.r.maxTurns)
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("runner: turn %d: %w", turn, err)
		}
		if st.listed {
			st.listed = false
		} else if len(st.a.Toolsets) > 0 {
			st.refreshTools(ctx)
		}
		if err := st.compact(ctx); err != nil {
			return fmt.Errorf("runner: turn %d: %w", turn, err)
		}
		if err := st.checkBudget(turn); err != nil {
			return err
		}
		req := st.request()
		if !st.yield(Event{Type: EventTurnStarted, Turn: turn}, nil) {
			return nil
		}
		resp, err := st.callModel(ctx, req, turn)
		if guard != nil {
			// No call of the first turn starts, and no answer is final,
			// before every input guardrail passed.
			gerr := guard.wait(ctx, st)
			guard = nil
			if gerr != nil {
				return gerr
			}
		}
		if st.stopped {
			return nil
		}
		if err != nil && req.Include != nil && !st.s.Learned.NoInclude && includeRefused(err) {
			// Not a reasoning model after all (or a gateway that refuses
			// the include): ask again without it, and from now on.
			st.r.log.InfoContext(ctx, "runner: the model refused include reasoning.encrypted_content; retrying without it", "turn", turn, "error", err)
			st.s.Learned.NoInclude = true
			req = st.request()
			resp, err = st.callModel(ctx, req, turn)
			if st.stopped {
				return nil
			}
		}
		if err != nil && st.mode() == ModeStateless && !st.s.Learned.StrippedReasoning && invalidEncryptedContent(err) {
			// Encrypted reasoning is tied to one organization: a gateway
			// that balanced this conversation over another channel cannot
			// read it. Retry once without reasoning items.
			st.r.log.WarnContext(ctx, "encrypted reasoning rejected; retrying without reasoning items", "turn", turn, "error", err)
			st.s.Learned.StrippedReasoning = true
			s.History = stripReasoning(s.History)
			st.rewrote()
			req = st.request()
			resp, err = st.callModel(ctx, req, turn)
			if st.stopped {
				return nil
			}
		}
		if err != nil {
			var apiErr *responses.Error
			if errors.As(err, &apiErr) && apiErr.Response != nil {
				// A failed response is billed too.
				s.Turn = turn
				s.Usage.Add(apiErr.Response.Usage)
			}
			return fmt.Errorf("runner: turn %d: %w", turn, err)
		}
		st.record(resp)
		for i := range resp.Output {
			if !st.yield(Event{Type: EventItem, Turn: turn, Item: &resp.Output[i]}, nil) {
				return nil
			}
		}
		st.learn(ctx, resp)
		if st.stopped {
			return nil
		}
		if resp.Truncated() {
			reason := "unknown reason"
			if resp.IncompleteDetails != nil && resp.IncompleteDetails.Reason != "" {
				reason = resp.IncompleteDetails.Reason
			}
			return fmt.Errorf("%w at turn %d (%s): its output was cut off, so no call in it was run; raise max_output_tokens", ErrIncomplete, turn, reason)
		}
		if err := st.openTurn(ctx, resp, len(s.History)-len(resp.Output)); err != nil {
			return fmt.Errorf("runner: turn %d: %w", turn, err)
		}
		if len(s.Calls) == 0 {
			s.Status = StatusDone
			if err := st.save(ctx); err != nil {
				return err
			}
			total := s.Usage
			if !st.yield(Event{Type: EventTurnEnded, Turn: turn, Response: resp, Usage: resp.Usage, TotalUsage: &total, Cost: st.turnCost(resp)}, nil) {
				return nil
			}
			return st.finish(ctx, resp, turn)
		}
		if err := st.save(ctx); err != nil {
			return err
		}
	}
}

// mode says how the history reaches the model.
func (st *run) mode() string {
	switch {
	case st.s.Conversation != "":
		return ModeConversation
	case st.r.chain:
		return ModeChained
	}
	return ModeStateless
}

// toolsetOf lists the tools of a: its Tools, then those of each of its
// Toolsets. With prev nil (a run starting or resuming, a handoff), a
// toolset that fails is an error; otherwise the tools it gave before
// (prev[i]) stay, and the failure is logged.
func (r *Runner) toolsetOf(ctx context.Context, a *agent.Agent, prev [][]tools.Tool) (*toolset, [][]tools.Tool, error) {
	sets := make([][]tools.Tool, len(a.Toolsets))
	list := append(make([]tools.Tool, 0, len(a.Tools)+8), a.Tools...)
	for i, set := range a.Toolsets {
		got, err := set.Tools(ctx)
		switch {
		case err != nil && prev == nil:
			return nil, nil, fmt.Errorf("runner: listing the tools of toolset %d: %w", i, err)
		case err != nil:
			r.log.WarnContext(ctx, "runner: listing a toolset's tools failed; its tools stay as they were", "toolset", i, "error", err)
			got = prev[i]
		}
		sets[i] = got
		list = append(list, got...)
	}
	ts, err := newToolset(a, list)
	if err != nil {
		return nil, nil, err
	}
	return ts, sets, nil
}

// refreshTools lists the toolsets of the agent in charge again before a
// model call: a list that changed reaches the request and the state's tool
// fingerprints (which a resume checks); a set that cannot run keeps the
// tools as they were.
func (st *run) refreshTools(ctx context.Context) {
	ts, sets, err := st.r.toolsetOf(ctx, st.a, st.sets)
	if err != nil {
		st.r.log.WarnContext(ctx, "runner: the toolsets' tools changed into a set that cannot run; the tools stay as they were", "error", err)
		return
	}
	st.ts, st.sets = ts, sets
	if prints := toolFingerprints(ts.definitions); !slices.Equal(prints, st.s.Tools) {
		st.r.log.DebugContext(ctx, "runner: the toolsets' tools changed", "tools", len(prints))
		st.s.Tools = prints
	}
}

// record adds a response to the state.
func (st *run) record(resp *responses.Response) {
	s := st.s
	s.Turn++
	s.Usage.Add(resp.Usage)
	base := len(s.History)
	s.TurnStart = base
	s.History = append(s.History, resp.Output...)
	for i := len(resp.Output) - 1; i >= 0; i-- {
		if resp.Output[i].Type == responses.ItemCompaction {
			// The server compacted the context (context_management):
			// nothing before this item is sent again.
			s.SendFrom = base + i
			break
		}
	}
	s.PreviousResponseID = resp.ID
	s.ServerItems = len(s.History)
	if resp.Usage != nil && resp.Usage.InputTokens > 0 {
		// What the next request costs is estimated from here.
		s.InputTokens = resp.Usage.InputTokens + resp.Usage.OutputTokens
		s.CountedItems = len(s.History)
	}
	st.last = resp
	st.res.Response = resp
	st.addCost(resp)
	st.res.NewItems = append(st.res.NewItems, resp.Output...)
}

// setup resolves the agent in charge and its tools, and checks a state to
// resume.
func (st *run) setup(ctx context.Context) error {
	s := st.s
	if (st.r.chain || s.Conversation != "") && anyFilter(st.a) {
		return errors.New("runner: a handoff has a history filter, which a chained or conversation run cannot apply: the server holds the history")
	}
	if st.r.chain && s.Conversation != "" {
		return errors.New("runner: ChainResponses and a conversation exclude each other")
	}
	if !st.r.chain && s.PreviousResponseID != "" && s.Turn == 0 {
		return errors.New("runner: WithPreviousResponseID needs Options.ChainResponses")
	}
	if st.resume {
		cur := findAgent(st.a, s.Agent)
		if cur == nil {
			return fmt.Errorf("%w: the state is of agent %q, which neither is %q nor can be reached from it by handoffs", ErrStateMismatch, s.Agent, st.a.Name)
		}
		st.a = cur
		if err := cur.Validate(); err != nil {
			return fmt.Errorf("runner: %w", err)
		}
	}
	ts, sets, err := st.r.toolsetOf(ctx, st.a, nil)
	if err != nil {
		return err
	}
	st.ts, st.sets, st.listed = ts, sets, true
	prints := toolFingerprints(ts.definitions)
	if !st.resume {
		s.Agent, s.Tools = st.a.Name, prints
		return nil
	}
	if err := st.checkResume(prints); err != nil {
		return err
	}
	return st.recover(ctx)
}

// checkResume refuses a state whose tools changed, or that is over.
func (st *run) checkResume(prints []ToolFingerprint) error {
	s := st.s
	if err := checkTools(s.Tools, prints); err != nil {
		return err
	}
	if s.Status == StatusDone {
		return fmt.Errorf("%w: run %s ended after %d turns", ErrRunFinished, s.RunID, s.Turn)
	}
	s.Status = StatusRunning
	return nil
}

// save checkpoints the state, when the run has a checkpointer.
func (st *run) save(ctx context.Context) error {
	if st.cp == nil {
		return nil
	}
	if err := st.cp.Save(ctx, st.s); err != nil {
		return fmt.Errorf("runner: checkpoint: %w", err)
	}
	return nil
}

// pause ends the call with the run paused.
func (st *run) pause(ctx context.Context) error {
	s := st.s
	s.Status = StatusPaused
	if err := st.save(ctx); err != nil {
		return err
	}
	res := st.res
	res.History = s.History
	res.Turns, res.Usage, res.Cost = s.Turn, s.Usage, st.cost()
	res.Interruptions = interruptions(s, nil)
	for _, in := range res.Interruptions {
		if len(in.Path) > 0 {
			continue // the nested run reported it
		}
		if !st.yield(Event{Type: EventApprovalRequired, Turn: s.Turn, Item: in.Call, Tool: in.Tool}, nil) {
			return nil
		}
	}
	st.yield(Event{Type: EventPaused, Turn: s.Turn, Result: res}, nil)
	return nil
}

// finish builds the result from the last response, which made no call.
func (st *run) finish(ctx context.Context, resp *responses.Response, turn int) error {
	res := st.res
	res.History = st.s.History
	res.Turns, res.Usage, res.Cost = st.s.Turn, st.s.Usage, st.cost()
	for i := len(resp.Output) - 1; i >= 0; i-- {
		if resp.Output[i].IsMessage() && resp.Output[i].Role == responses.RoleAssistant {
			msg := resp.Output[i]
			for _, fe := range st.ts.finalEditors {
				msg = fe.EditFinal(msg, st.s.Extra)
			}
			res.Final = &msg
			res.Output = msg.Text()
			break
		}
	}
	if out := st.a.Output; out != nil {
		if res.Final == nil {
			return fmt.Errorf("%w: turn %d ended without a message", ErrOutput, turn)
		}
		if refusal := res.Final.Refusal(); refusal != "" {
			return fmt.Errorf("%w: the model refused: %s", ErrOutput, refusal)
		}
		v, err := out.Decode(res.Output)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrOutput, err)
		}
		res.Value = v
	}
	res.Agent, res.Mode = st.a.Name, st.mode()
	if err := st.outputGuardrails(ctx, res); err != nil {
		return err
	}
	st.yield(Event{Type: EventFinalOutput, Turn: turn, Result: res}, nil)
	return nil
}

// request builds the next request from the agent and the history.
func (st *run) request() *responses.Request {
	a := st.a
	s := a.Settings
	req := &responses.Request{
		Model:             a.Model,
		Instructions:      a.Instructions,
		Tools:             st.ts.definitions,
		ToolChoice:        s.ToolChoice,
		ParallelToolCalls: s.ParallelToolCalls,
		MaxOutputTokens:   s.MaxOutputTokens,
		Temperature:       s.Temperature,
		TopP:              s.TopP,
		Truncation:        s.Truncation,
		Metadata:          s.Metadata,
		Store:             s.Store,
		ContextManagement: s.ContextManagement,
		Extra:             s.Extra,
	}
	if s.ReasoningEffort != "" || s.ReasoningSummary != "" {
		req.Reasoning = &responses.Reasoning{Effort: s.ReasoningEffort, Summary: s.ReasoningSummary}
	}
	if a.Output != nil || s.Verbosity != "" {
		req.Text = &responses.TextConfig{Verbosity: s.Verbosity}
		if a.Output != nil {
			req.Text.Format = a.Output.Format()
		}
	}
	history := st.s.History
	if st.s.Conversation != "" {
		req.Conversation = st.s.Conversation
		if req.Store == nil {
			req.Store = responses.Ptr(true)
		}
		// The server holds everything up to the last response's output.
		history = history[st.s.ServerItems:]
	} else if st.r.chain {
		if req.Store == nil {
			req.Store = responses.Ptr(true)
		}
		if st.s.PreviousResponseID != "" {
			// The server holds the history up to the previous response's
			// output.
			req.PreviousResponseID = st.s.PreviousResponseID
			history = history[st.s.ServerItems:]
		}
	} else {
		if req.Store == nil {
			req.Store = responses.Ptr(false)
		}
		if !*req.Store && !st.s.Learned.NoInclude && (st.s.Learned.Reasoned || reasons(a, history)) {
			req.Include = []string{responses.IncludeReasoningEncryptedContent}
		}
		if st.s.SendFrom > 0 && st.s.SendFrom <= len(history) {
			// A compaction item stands for everything before it.
			history = history[st.s.SendFrom:]
		}
		if st.r.trim != nil {
			history = st.r.trim(history)
		}
	}
	req.Input = responses.Input{Items: history}
	for _, ed := range st.ts.editors {
		ed.EditRequest(req)
	}
	return req
}

// reasons reports whether encrypted reasoning should be requested: reasoning
// is configured, the history holds reasoning items, or the model is not one
// of the families known not to reason. New model names are taken to reason
// (every family since o1 does); a guess that is wrong either way corrects
// itself from the server's answer (see run.learn and includeRefused).
func reasons(a *agent.Agent, history []responses.Item) bool {
	if a.Settings.ReasoningEffort != "" || a.Settings.ReasoningSummary != "" {
		return true
	}
	for i := range history {
		if history[i].Type == responses.ItemReasoning {
			return true
		}
	}
	m := strings.ToLower(a.Model)
	if i := strings.LastIndexByte(m, '/'); i >= 0 {
		m = m[i+1:]
	}
	for _, p := range nonReasoning {
		if strings.HasPrefix(m, p) {
			return false
		}
	}
	return true
}

// nonReasoning are the prefixes of model families that do not reason. The
// list only needs old names: it never has to grow.
var nonReasoning = [...]string{"gpt-4", "gpt-3", "chatgpt-4", "computer-use-preview", "gpt-35", "text-", "davinci", "babbage"}

// includeRefused reports whether err is the API refusing
// include:["reasoning.encrypted_content"], as it does for a model that does
// not reason (and some gateways do for any model).
func includeRefused(err error) bool {
	var apiErr *responses.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 {
		return false
	}
	msg := strings.ToLower(apiErr.Message)
	return apiErr.Param == "include" || strings.Contains(msg, "encrypted_content") && (strings.Contains(msg, "not supported") || strings.Contains(msg, "unsupported") || strings.Contains(msg, "not allowed"))
}

// callModel sends one request and returns the full response, reporting
// streaming events on the way.
func (st *run) callModel(ctx context.Context, req *responses.Request, turn int) (*responses.Response, error) {
	hk := st.r.hooks
	if hk != nil && hk.BeforeModel != nil {
		hk.BeforeModel(ctx, st.a, req)
	}
	ctx, span := st.r.tel.startChat(ctx, req)
	resp, err := st.callModel1(ctx, req, turn, span)
	st.r.tel.endChat(ctx, span, resp, err)
	if hk != nil && hk.AfterModel != nil {
		hk.AfterModel(ctx, st.a, resp, err)
	}
	return resp, err
}

func (st *run) callModel1(ctx context.Context, req *responses.Request, turn int, span *chatSpan) (*responses.Response, error) {
	if !st.r.stream {
		return st.r.client.Create(ctx, req)
	}
	var final *responses.Response
	for ev, err := range st.r.client.Stream(ctx, req) {
		if err != nil {
			return nil, err
		}
		span.chunk()
		if !st.yield(Event{Type: EventResponse, Turn: turn, ResponseEvent: ev}, nil) {
			return nil, nil
		}
		var e Event
		switch ev.Type {
		case responses.EventOutputTextDelta:
			e = Event{Type: EventTextDelta, Turn: turn, Delta: ev.Delta, ItemID: ev.ItemID}
		case responses.EventReasoningSummaryTextDelta:
			e = Event{Type: EventReasoningDelta, Turn: turn, Delta: ev.Delta, ItemID: ev.ItemID}
		case responses.EventFunctionCallArgumentsDelta:
			e = Event{Type: EventArgumentsDelta, Turn: turn, Delta: ev.Delta, ItemID: ev.ItemID}
		case responses.EventCompactionCompacting:
			e = Event{Type: EventCompacting, Turn: turn, ItemID: ev.ItemID}
		case responses.EventRetry:
			var why error
			if ev.Retry != nil {
				why = ev.Retry.Err
			}
			span.retry(ev.Retry)
			e = Event{Type: EventRetry, Turn: turn, Err: why, Retry: ev.Retry}
		case responses.EventResponseCompleted, responses.EventResponseIncomplete:
			final = ev.Response
			continue
		default:
			continue
		}
		if !st.yield(e, nil) {
			return nil, nil
		}
	}
	if final == nil {
		return nil, fmt.Errorf("runner: stream ended without a final response: %w", responses.ErrStreamTruncated)
	}
	return final, nil
}

// invalidEncryptedContent reports whether err is the API refusing encrypted
// reasoning it cannot verify.
func invalidEncryptedContent(err error) bool {
	var apiErr *responses.Error
	if !errors.As(err, &apiErr) {
		return false
	}
	return apiErr.Code == "invalid_encrypted_content" ||
		strings.Contains(apiErr.Message, "could not be verified") && strings.Contains(apiErr.Message, "encrypted")
}

// stripReasoning returns history without reasoning items. The ids of the
// model's other items are dropped too, since the API pairs an item id with
// the reasoning item that preceded it.
func stripReasoning(history []responses.Item) []responses.Item {
	out := make([]responses.Item, 0, len(history))
	for _, it := range history {
		switch {
		case it.Type == responses.ItemReasoning:
			continue
		case it.ID != "" && it.Type != responses.ItemReference:
			it.ID = ""
			it.ClearRaw()
		}
		out = append(out, it)
	}
	return out
}

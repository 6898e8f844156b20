package runner

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"strings"
	"time"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/responses"
)

// Errors a run ends with. Each is wrapped with details; test with errors.Is.
var (
	// ErrMaxTurns: the model was still calling tools when the turn limit
	// was reached.
	ErrMaxTurns = errors.New("runner: max turns exceeded")
	// ErrIncomplete: a response came back incomplete (max_output_tokens,
	// content_filter). No call in it was run.
	ErrIncomplete = errors.New("runner: response incomplete")
	// ErrNoComputer: the model sent a computer_call but the agent has no
	// computer tool.
	ErrNoComputer = errors.New("runner: computer_call without a computer tool")
	// ErrOutput: the final message could not be decoded into the agent's
	// output type, or the model refused.
	ErrOutput = errors.New("runner: final output")
)

// Defaults of [Options].
const (
	DefaultMaxTurns           = 10
	DefaultMaxConcurrentTools = 8
	DefaultToolTimeout        = 5 * time.Minute
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
	// ChainResponses carries state with previous_response_id and store:true
	// instead of resending the whole history (the stateless default, with
	// store:false and encrypted reasoning, which works through gateways).
	ChainResponses bool
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
	// NewItems are the items this run produced, in order: the model's output
	// items, the outputs of the calls, and synthetic items tools reported
	// (never sent upstream).
	NewItems []responses.Item
	// History is the conversation to continue from: the input plus every
	// item sent to or received from the model, byte for byte.
	History []responses.Item
	// Response is the last response.
	Response *responses.Response
	// Usage sums the usage of every turn.
	Usage responses.Usage
	// Turns is the number of model calls made.
	Turns int
}

// Run runs a to completion and returns its result. It is [Runner.Stream],
// collected. On error the result holds what the run produced so far.
func (r *Runner) Run(ctx context.Context, a *agent.Agent, input Input) (*Result, error) {
	var res *Result
	for ev, err := range r.stream1(ctx, a, input, &res) {
		if err != nil {
			return res, err
		}
		if ev.Type == EventFinalOutput {
			res = ev.Result
		}
	}
	return res, nil
}

// Stream runs a and yields what happens as it happens. The last event of a
// successful run is EventFinalOutput; a failed run ends with a non-nil error.
// Breaking out of the loop cancels the calls in flight and waits for them
// before the iterator returns.
func (r *Runner) Stream(ctx context.Context, a *agent.Agent, input Input) iter.Seq2[Event, error] {
	return r.stream1(ctx, a, input, nil)
}

// run holds the state of one run.
type run struct {
	r       *Runner
	a       *agent.Agent
	ts      *toolset
	res     *Result
	sent    int // history items already known to the server (chained mode)
	extra   []responses.Item
	yield   func(Event, error) bool
	stopped bool
}

func (r *Runner) stream1(ctx context.Context, a *agent.Agent, input Input, out **Result) iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		st := &run{r: r, a: a, res: &Result{}}
		if out != nil {
			*out = st.res
		}
		st.yield = func(ev Event, err error) bool {
			if st.stopped {
				return false
			}
			if !yield(ev, err) {
				st.stopped = true
				cancel()
			}
			return !st.stopped
		}
		ctx, span := r.tel.startRun(ctx, a, input)
		err := st.loop(ctx, input)
		r.tel.endRun(ctx, span, st.res, err)
		if err != nil && !st.stopped {
			st.yield(Event{}, err)
		}
	}
}

func (st *run) loop(ctx context.Context, input Input) error {
	a := st.a
	if a == nil {
		return errors.New("runner: nil agent")
	}
	if err := a.Validate(); err != nil {
		return fmt.Errorf("runner: %w", err)
	}
	ts, err := newToolset(a)
	if err != nil {
		return err
	}
	st.ts = ts
	st.res.History = append(make([]responses.Item, 0, len(input)+16), input...)
	var prevID string
	strippedReasoning := false
	for turn := 1; ; turn++ {
		if turn > st.r.maxTurns {
			return fmt.Errorf("%w: %d turns ran and the model was still calling tools", ErrMaxTurns, st.r.maxTurns)
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("runner: turn %d: %w", turn, err)
		}
		req := st.request(prevID)
		if !st.yield(Event{Type: EventTurnStarted, Turn: turn}, nil) {
			return nil
		}
		resp, err := st.callModel(ctx, req, turn)
		if st.stopped {
			return nil
		}
		if err != nil && !st.r.chain && !strippedReasoning && invalidEncryptedContent(err) {
			// Encrypted reasoning is tied to one organization: a gateway
			// that balanced this conversation over another channel cannot
			// read it. Retry once without reasoning items.
			st.r.log.WarnContext(ctx, "encrypted reasoning rejected; retrying without reasoning items", "turn", turn, "error", err)
			strippedReasoning = true
			st.res.History = stripReasoning(st.res.History)
			req = st.request(prevID)
			resp, err = st.callModel(ctx, req, turn)
			if st.stopped {
				return nil
			}
		}
		if err != nil {
			var apiErr *responses.Error
			if errors.As(err, &apiErr) && apiErr.Response != nil {
				// A failed response is billed too.
				st.res.Turns = turn
				st.res.Usage.Add(apiErr.Response.Usage)
			}
			return fmt.Errorf("runner: turn %d: %w", turn, err)
		}
		st.res.Turns = turn
		st.res.Response = resp
		st.res.Usage.Add(resp.Usage)
		st.sent = len(st.res.History)
		st.res.History = append(st.res.History, resp.Output...)
		st.res.NewItems = append(st.res.NewItems, resp.Output...)
		prevID = resp.ID
		for i := range resp.Output {
			if !st.yield(Event{Type: EventItem, Turn: turn, Item: &resp.Output[i]}, nil) {
				return nil
			}
		}
		if resp.Status == responses.StatusIncomplete {
			reason := "unknown reason"
			if resp.IncompleteDetails != nil && resp.IncompleteDetails.Reason != "" {
				reason = resp.IncompleteDetails.Reason
			}
			return fmt.Errorf("%w at turn %d (%s): its output was cut off, so no call in it was run; raise max_output_tokens", ErrIncomplete, turn, reason)
		}
		var calls []*responses.Item
		for i := range resp.Output {
			if resp.Output[i].IsCall() {
				calls = append(calls, &resp.Output[i])
			}
		}
		if len(calls) > 0 {
			outs, err := st.runCalls(ctx, calls, turn)
			if st.stopped {
				return nil
			}
			if err != nil {
				return fmt.Errorf("runner: turn %d: %w", turn, err)
			}
			st.res.History = append(st.res.History, outs...)
			st.res.NewItems = append(st.res.NewItems, outs...)
		}
		turnUsage := resp.Usage
		total := st.res.Usage
		if !st.yield(Event{Type: EventTurnEnded, Turn: turn, Response: resp, Usage: turnUsage, TotalUsage: &total}, nil) {
			return nil
		}
		if len(calls) == 0 {
			return st.finish(resp, turn)
		}
	}
}

// finish builds the result from the last response, which made no call.
func (st *run) finish(resp *responses.Response, turn int) error {
	res := st.res
	for i := len(resp.Output) - 1; i >= 0; i-- {
		if resp.Output[i].IsMessage() && resp.Output[i].Role == responses.RoleAssistant {
			msg := resp.Output[i]
			for _, fe := range st.ts.finalEditors {
				msg = fe.EditFinal(msg, st.extra)
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
	st.yield(Event{Type: EventFinalOutput, Turn: turn, Result: res}, nil)
	return nil
}

// request builds the next request from the agent and the history.
func (st *run) request(prevID string) *responses.Request {
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
	history := st.res.History
	if st.r.chain {
		if req.Store == nil {
			req.Store = responses.Ptr(true)
		}
		if prevID != "" {
			req.PreviousResponseID = prevID
			history = history[st.sent:]
			// Skip the previous response's own output: the server has it.
			history = history[len(st.res.Response.Output):]
		}
	} else {
		if req.Store == nil {
			req.Store = responses.Ptr(false)
		}
		if !*req.Store && reasons(a, history) {
			req.Include = []string{responses.IncludeReasoningEncryptedContent}
		}
	}
	req.Input = responses.Input{Items: history}
	for _, ed := range st.ts.editors {
		ed.EditRequest(req)
	}
	return req
}

// reasons reports whether encrypted reasoning should be requested: the model
// is a reasoning model, reasoning is configured, or the history holds
// reasoning items.
func reasons(a *agent.Agent, history []responses.Item) bool {
	if a.Settings.ReasoningEffort != "" || a.Settings.ReasoningSummary != "" {
		return true
	}
	m := strings.ToLower(a.Model)
	if i := strings.LastIndexByte(m, '/'); i >= 0 {
		m = m[i+1:]
	}
	if strings.HasPrefix(m, "gpt-5") || strings.HasPrefix(m, "codex") || strings.HasPrefix(m, "gpt-oss") ||
		(len(m) > 1 && m[0] == 'o' && m[1] >= '1' && m[1] <= '9') {
		return true
	}
	for i := range history {
		if history[i].Type == responses.ItemReasoning {
			return true
		}
	}
	return false
}

// callModel sends one request and returns the full response, reporting
// streaming events on the way.
func (st *run) callModel(ctx context.Context, req *responses.Request, turn int) (*responses.Response, error) {
	ctx, span := st.r.tel.startChat(ctx, req)
	resp, err := st.callModel1(ctx, req, turn, span)
	st.r.tel.endChat(ctx, span, resp, err)
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
		case responses.EventRetry:
			var why error
			if ev.Retry != nil {
				why = ev.Retry.Err
			}
			span.retry(ev.Retry)
			e = Event{Type: EventRetry, Turn: turn, Err: why}
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

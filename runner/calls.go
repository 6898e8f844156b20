package runner

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/tools"
)

// toolset is an agent's tools, resolved when a run starts, and again
// before every model call when the agent has toolsets.
type toolset struct {
	byName       map[string]tools.Tool // function and custom tools
	byType       map[string]tools.Tool // tools answering whole call items, by item type
	definitions  []responses.Tool
	editors      []tools.RequestEditor
	finalEditors []tools.FinalEditor
	names        string // for error messages
}

// newToolset indexes list, the agent's tools followed by those of its
// toolsets.
func newToolset(a *agent.Agent, list []tools.Tool) (*toolset, error) {
	ts := &toolset{byName: make(map[string]tools.Tool, len(list))}
	names := make([]string, 0, len(list))
	own := func(typ string, t tools.Tool, def responses.Tool) error {
		if _, ok := t.(tools.ItemCaller); !ok {
			return fmt.Errorf("runner: tool of type %q answers %s items but does not implement tools.ItemCaller", def.Type, typ)
		}
		if ts.byType == nil {
			ts.byType = map[string]tools.Tool{}
		}
		if _, dup := ts.byType[typ]; dup {
			return fmt.Errorf("runner: two tools answer %s items", typ)
		}
		ts.byType[typ] = t
		return nil
	}
	for _, t := range list {
		if t == nil {
			return nil, errors.New("runner: a toolset returned a nil tool")
		}
		var def responses.Tool
		if md, ok := t.(tools.ModelDefiner); ok {
			def = md.DefinitionFor(a.Model)
		} else {
			def = t.Definition()
		}
		ts.definitions = append(ts.definitions, def)
		switch it, ok := t.(tools.ItemTyper); {
		case ok:
			for _, typ := range it.ItemTypes() {
				if err := own(typ, t, def); err != nil {
					return nil, err
				}
			}
		case def.Type == responses.ToolComputer || def.Type == responses.ToolComputerUsePreview:
			if err := own(responses.ItemComputerCall, t, def); err != nil {
				return nil, err
			}
		default:
			if def.Name != "" {
				if _, dup := ts.byName[def.Name]; dup {
					return nil, fmt.Errorf("runner: two tools are named %q (tool names must be unique, across toolsets too)", def.Name)
				}
				ts.byName[def.Name] = t
				names = append(names, def.Name)
			}
		}
		if ed, ok := t.(tools.RequestEditor); ok {
			ts.editors = append(ts.editors, ed)
		}
		if fe, ok := t.(tools.FinalEditor); ok {
			ts.finalEditors = append(ts.finalEditors, fe)
		}
	}
	for _, h := range a.Handoffs {
		t := newHandoffTool(h)
		ts.definitions = append(ts.definitions, t.def)
		ts.byName[t.def.Name] = t
		names = append(names, t.def.Name)
	}
	sort.Strings(names)
	ts.names = strings.Join(names, ", ")
	return ts, nil
}

// lookup returns the tool that answers a call, or nil.
func (ts *toolset) lookup(c *responses.Item) tools.Tool {
	if byName(c.Type) {
		return ts.byName[c.Name]
	}
	return ts.byType[c.Type]
}

// byName reports whether calls of this type name their tool (function and
// custom tool calls), rather than being answered by the tool owning the
// type.
func byName(callType string) bool {
	return callType == responses.ItemFunctionCall || callType == responses.ItemCustomToolCall
}

// ErrUnanswerable means the model sent a call no tool of the agent answers, such
// as a shell_call without a shell tool. The run stops before any call of
// that turn runs: taking the response as final would end it silently.
var ErrUnanswerable = errors.New("runner: no tool answers this call")

// unanswerable returns the error for a call no tool answers, saying what to
// configure.
func unanswerable(c *responses.Item) error {
	hint := map[string]string{
		responses.ItemComputerCall:       "add a computer tool (tools/computer) to the agent",
		responses.ItemShellCall:          "add a shell tool (tools/shell) to the agent",
		responses.ItemLocalShellCall:     "add a shell tool (tools/shell) to the agent",
		responses.ItemApplyPatchCall:     "add an apply_patch tool (tools/applypatch) to the agent",
		responses.ItemToolSearchCall:     "add a client tool search (tools/toolsearch) to the agent",
		responses.ItemMCPApprovalRequest: "declare the hosted MCP servers with mcp.NewHosted (tools/mcp), whose first tool answers their approval requests",
	}[c.Type]
	if hint == "" {
		hint = "agentloop does not know this kind of call; it cannot tell whether it must answer it"
	}
	return fmt.Errorf("%w: the model sent a %s (call %s), and %s", ErrUnanswerable, c.Type, callKey(c), hint)
}

// callKey is what identifies a call in the ledger: its call_id, or the id
// of an mcp_approval_request, which has none.
func callKey(c *responses.Item) string {
	if c.CallID == "" && c.Type == responses.ItemMCPApprovalRequest {
		return c.ID
	}
	return c.CallID
}

// callResult is the outcome of one call.
type callResult struct {
	out   responses.Item
	extra []responses.Item
	err   error // shown to the model
	abort error // ends the run
	note  string
	dur   time.Duration
	// unknown: the run was cancelled while the call ran, so whether it had
	// its effect is unknown; the call stays recorded as started.
	unknown bool
	// nested: the state of an agent tool's nested run that paused.
	nested *State
}

// Errors told to the model and reported in EventToolFinished.
var (
	// ErrOutcomeUnknown: the run stopped (a crash, a kill, a cancellation)
	// while the call ran, so whether it had its effect is unknown. The call
	// is not run again (unless its tool is idempotent); the model is told.
	ErrOutcomeUnknown = errors.New("runner: the run stopped while this call ran, so its outcome is unknown; check before calling again")
	// ErrRejected: a person (or a standing decision) rejected the call, so
	// it was not run; the model is told, with the reason when one was
	// given.
	ErrRejected = errors.New("runner: the call was rejected, so it was not run")
	// ErrToolAbandoned: the tool did not return after its context ended
	// (its timeout, or the run's cancellation) and the grace period
	// ([Options].ToolGracePeriod). The run went on without it; the
	// goroutine running it is left behind until the tool returns.
	ErrToolAbandoned = errors.New("runner: the tool did not stop when asked, and was abandoned; its outcome is unknown")
)

// doneEvent is sent by a call's goroutine to the run's goroutine, which
// alone yields and checkpoints.
type doneEvent struct {
	idx int // into State.Calls
	res callResult
}

// openTurn records the calls of a response in the state, deciding which
// need approval. base is the position of the response's first item in the
// history.
func (st *run) openTurn(ctx context.Context, resp *responses.Response, base int) error {
	s := st.s
	for i := range resp.Output {
		c := &resp.Output[i]
		if c.IsCall() && !byName(c.Type) && st.ts.byType[c.Type] == nil {
			return unanswerable(c)
		}
	}
	var seen map[string]int
	handoff := ""
	for i := range resp.Output {
		c := &resp.Output[i]
		if !c.IsCall() {
			continue
		}
		key := callKey(c)
		if j, dup := seen[key]; dup {
			// Two calls with one call_id cannot both be answered: the first
			// runs, and the model is told about the others.
			rec := &s.Calls[j]
			rec.Note = joinNote(rec.Note, fmt.Sprintf("The response held more than one call with call_id %s; only the first (%s) was run and answered.", key, rec.Tool))
			continue
		}
		if seen == nil {
			seen = make(map[string]int, 4)
		}
		seen[key] = len(s.Calls)
		rec := CallRecord{CallID: key, Type: c.Type, Tool: callName(c), Index: base + i,
			Fingerprint: callFingerprint(c), Status: CallApproved}
		if h, ok := st.ts.lookup(c).(*handoffTool); ok {
			if handoff != "" {
				// One handoff per turn: the first wins.
				err := fmt.Errorf("only one handoff per turn: the conversation goes to %s, so this one was not done", handoff)
				out := errorOutput(c, err)
				rec.Status, rec.Output, rec.Error = CallDone, &out, err.Error()
				s.Calls = append(s.Calls, rec)
				continue
			}
			handoff, rec.Handoff = h.target.Name, h.target.Name
		}
		need, err := st.needsApproval(ctx, c)
		switch {
		case err != nil && responses.TakesText(c.Type):
			// Fail closed: the call does not run, and the model can fix it.
			err = fmt.Errorf("deciding whether the call needs approval: %w", err)
			rec.Status, rec.Error = CallDone, err.Error()
			out := errorOutput(c, err)
			rec.Output = &out
		case err != nil || need:
			rec.NeedsApproval = true
			if err != nil {
				rec.Note = joinNote(rec.Note, fmt.Sprintf("The %s %s needed approval: %v.", c.Type, key, err))
			}
			if sd := s.standing(&rec); sd != nil {
				decide(&rec, Decision{Approve: sd.Approve, Message: sd.Message})
			} else {
				rec.Status = CallAwaiting
			}
		}
		s.Calls = append(s.Calls, rec)
	}
	return nil
}

func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + " " + b
}

// needsApproval asks the policies that apply to a call: the tool's own, the
// agent's and the runner's.
func (st *run) needsApproval(ctx context.Context, c *responses.Item) (bool, error) {
	var own tools.ApprovalPolicy
	if p, ok := st.ts.lookup(c).(tools.ApprovalPolicy); ok {
		own = p
	}
	for _, p := range [...]tools.ApprovalPolicy{own, st.a.Approval, st.r.approval} {
		if p == nil {
			continue
		}
		need, err := p.NeedsApproval(ctx, c)
		if err != nil || need {
			return true, err
		}
	}
	return false, nil
}

// recover settles, at resume, the calls recorded as started that have no
// output: the run stopped while they ran.
func (st *run) recover(ctx context.Context) error {
	s := st.s
	changed := false
	for i := range s.Calls {
		rec := &s.Calls[i]
		if rec.Status != CallStarted {
			continue
		}
		c := s.Call(rec)
		if id, ok := st.ts.lookup(c).(tools.Idempotent); ok && id.Idempotent() {
			rec.Status = CallApproved // runs again, with the same call id
			continue
		}
		if !st.settleUnknown(rec, c) {
			return nil
		}
		changed = true
	}
	if changed {
		return st.save(ctx)
	}
	return nil
}

// settleUnknown records that a started call's outcome is unknown.
func (st *run) settleUnknown(rec *CallRecord, c *responses.Item) bool {
	out := responses.ErrorOutput(c, "Error: "+ErrOutcomeUnknown.Error())
	rec.Status, rec.Output, rec.Error = CallDone, &out, ErrOutcomeUnknown.Error()
	if !responses.TakesText(c.Type) {
		rec.Note = joinNote(rec.Note, fmt.Sprintf("The %s %s: %v.", c.Type, rec.CallID, ErrOutcomeUnknown))
	}
	return st.yield(Event{Type: EventToolFinished, Turn: st.s.Turn, Item: c, Tool: rec.Tool, Output: &out, Err: ErrOutcomeUnknown}, nil)
}

// runCalls runs the calls of the open turn that may run: it answers the
// rejected ones, runs the approved ones (function and custom calls
// concurrently, bounded; every other call, such as computer, shell and
// apply_patch calls, one after the other, in order),
// and reports whether calls still await approval. Each call is recorded as
// started, and checkpointed, before it starts, and its output is recorded
// when it ends. Every goroutine is joined before runCalls returns, also
// when the consumer stops, except those of tools that ignore their context
// (see ErrToolAbandoned).
func (st *run) runCalls(ctx context.Context) (paused bool, err error) {
	s := st.s
	turn := s.Turn
	var fns, serial []int
	rejected := false
	for i := range s.Calls {
		rec := &s.Calls[i]
		switch rec.Status {
		case CallRejected:
			if err := st.reject(ctx, rec); err != nil {
				return false, err
			}
			if st.stopped {
				return false, nil
			}
			rejected = true
			why := ErrRejected
			if rec.Decision != nil && rec.Decision.Message != "" {
				why = fmt.Errorf("%w: %s", ErrRejected, rec.Decision.Message)
			}
			if !st.yield(Event{Type: EventToolFinished, Turn: turn, Item: s.Call(rec), Tool: rec.Tool, Output: rec.Output, Err: why}, nil) {
				return false, nil
			}
		case CallApproved:
			if byName(rec.Type) {
				fns = append(fns, i)
			} else {
				serial = append(serial, i)
			}
		case CallAwaiting:
			paused = true
		}
	}
	if rejected {
		if err := st.save(ctx); err != nil {
			return false, err
		}
	}
	if len(fns)+len(serial) == 0 {
		return paused, nil
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	events := make(chan doneEvent, len(fns)+len(serial))
	side := make(chan Event) // events of nested runs and tool guardrails
	var wg sync.WaitGroup
	defer wg.Wait()
	inflight, fnRunning, serialRunning := 0, 0, false
	var abort error
	for {
		if abort == nil && ctx.Err() == nil {
			var batch []int
			for len(fns) > 0 && fnRunning < st.r.concurrency {
				batch = append(batch, fns[0])
				fns, fnRunning = fns[1:], fnRunning+1
			}
			if !serialRunning && len(serial) > 0 {
				batch = append(batch, serial[0])
				serial, serialRunning = serial[1:], true
			}
			if len(batch) > 0 {
				if err := st.start(ctx, batch); err != nil {
					abort = err
					cancel()
				} else {
					for _, i := range batch {
						rec := &s.Calls[i]
						c := s.Call(rec)
						inflight++
						wg.Add(1)
						cctx := context.WithValue(ctx, nestedKey{}, &nestedCtx{events: side,
							path: []string{st.a.Name + ":" + rec.CallID}, resume: rec.Nested})
						go func() {
							defer wg.Done()
							res := st.execute(cctx, rec, c)
							if res.err != nil && res.abort == nil && ctx.Err() != nil {
								res.unknown = true
							}
							events <- doneEvent{idx: i, res: res}
						}()
					}
					for _, i := range batch {
						rec := &s.Calls[i]
						if !st.yield(Event{Type: EventToolStarted, Turn: turn, Item: s.Call(rec), Tool: rec.Tool}, nil) {
							cancel()
						}
					}
				}
			}
		}
		if inflight == 0 {
			break
		}
		// Take every result that is ready, then save them in one
		// checkpoint: calls that end together cost one write.
		var ev doneEvent
		select {
		case ev = <-events:
		case se := <-side:
			if se.Type == eventNestedUsage {
				s.Usage.Add(se.Usage) // what a nested run cost, when it ended
				if st.r.prices != nil {
					if se.Cost != nil {
						s.CostUSD += *se.Cost
					} else {
						s.CostUnknown = true
					}
				}
				continue
			}
			if !st.yield(se, nil) {
				cancel()
			}
			continue
		}
		more, settled := true, false
		for more {
			inflight--
			rec := &s.Calls[ev.idx]
			c := s.Call(rec)
			if byName(rec.Type) {
				fnRunning--
			} else {
				serialRunning = false
			}
			if ev.res.abort != nil && abort == nil {
				abort = ev.res.abort
				cancel()
			}
			if ev.res.nested != nil {
				// An agent tool's nested run paused: so does this one.
				rec.Status, rec.Nested, rec.NeedsApproval = CallAwaiting, ev.res.nested, true
				paused, settled = true, true
			} else if ev.res.unknown {
				// Cut short by the run's end: it stays recorded as started.
				if !st.yield(Event{Type: EventToolFinished, Turn: turn, Item: c, Tool: rec.Tool, Duration: ev.res.dur,
					Err: fmt.Errorf("%w: %w", ErrOutcomeUnknown, ev.res.err)}, nil) {
					cancel()
				}
			} else {
				st.settle(rec, c, ev.res)
				settled = true
				if !st.yield(Event{Type: EventToolFinished, Turn: turn, Item: c, Tool: rec.Tool, Output: rec.Output,
					Duration: ev.res.dur, Err: ev.res.err}, nil) {
					cancel()
				}
			}
			select {
			case ev = <-events:
			default:
				more = false
			}
		}
		if settled {
			// Saved even when the run is ending: the outputs are known.
			if err := st.save(context.WithoutCancel(ctx)); err != nil && abort == nil {
				abort = err
				cancel()
			}
		}
	}
	if abort != nil {
		return false, abort
	}
	if st.stopped {
		return false, nil
	}
	if err := ctx.Err(); err != nil {
		// The caller's context ended while calls ran.
		return false, err
	}
	return paused, nil
}

// start records the calls of batch as started, in one checkpoint, before
// any of them starts. If the checkpoint fails, none starts.
func (st *run) start(ctx context.Context, batch []int) error {
	for _, i := range batch {
		rec := &st.s.Calls[i]
		rec.Status = CallStarted
		rec.Attempt++
	}
	if err := st.save(ctx); err != nil {
		for _, i := range batch {
			rec := &st.s.Calls[i]
			rec.Status = CallApproved
			rec.Attempt--
		}
		return err
	}
	return nil
}

// settle records a call's result.
func (st *run) settle(rec *CallRecord, c *responses.Item, res callResult) {
	out := res.out
	rec.Status, rec.Output, rec.Extra, rec.Nested = CallDone, &out, res.extra, nil
	if res.err != nil {
		rec.Error = res.err.Error()
		switch {
		case c.Type == responses.ItemComputerCall:
			// A computer_call_output holds a screenshot and nothing else:
			// the failure goes to the model as text beside it, and so
			// does whether the screenshot is one.
			note := fmt.Sprintf("Computer call %s: %v.", c.CallID, res.err)
			if s := out.Screenshot; s != nil && (s.ImageURL != "" && s.ImageURL != responses.PlaceholderScreenshot || s.FileID != "") {
				note += " The screenshot shows the screen as it is now."
			} else {
				note += " No screenshot could be taken: the image is a grey placeholder."
			}
			rec.Note = joinNote(rec.Note, note)
		case !responses.TakesText(c.Type):
			rec.Note = joinNote(rec.Note, fmt.Sprintf("The %s %s: %v.", c.Type, rec.CallID, res.err))
		}
	}
	if rec.Decision != nil && rec.Decision.Approve && rec.Decision.Message != "" {
		rec.Note = joinNote(rec.Note, fmt.Sprintf("About call %s, the user said: %s", c.CallID, rec.Decision.Message))
	}
	rec.Note = joinNote(rec.Note, res.note)
}

// reject answers a rejected call without running it.
func (st *run) reject(ctx context.Context, rec *CallRecord) error {
	c := st.s.Call(rec)
	why := "the user rejected this call, so it was not run"
	if rec.Decision != nil && rec.Decision.Message != "" {
		why += ": " + rec.Decision.Message
	}
	var out responses.Item
	switch rj, ok := st.ts.lookup(c).(tools.Rejecter); {
	case responses.TakesText(c.Type):
		out = responses.ErrorOutput(c, "Rejected: "+why+".")
	case ok:
		var err error
		out, err = rj.Reject(tools.WithCallInfo(ctx, st.callInfo(rec)), c)
		if err != nil {
			return fmt.Errorf("runner: answering rejected %s %s: %w", c.Type, rec.CallID, err)
		}
		rec.Note = joinNote(rec.Note, fmt.Sprintf("The %s %s: %s.", c.Type, rec.CallID, why))
	default:
		out = responses.ErrorOutput(c, "Rejected: "+why+".")
		if out.Type == "" {
			return fmt.Errorf("runner: the %s %s was rejected, but its tool cannot answer it without running it (it does not implement tools.Rejecter)", c.Type, rec.CallID)
		}
		rec.Note = joinNote(rec.Note, fmt.Sprintf("The %s %s: %s.", c.Type, rec.CallID, why))
	}
	rec.Status, rec.Output, rec.Error = CallDone, &out, "rejected"
	return nil
}

// closeTurn moves the outputs of the open turn, in call order, into the
// history, followed by a message holding the notes for the model, if any,
// then hands the conversation over when a call of the turn asked to.
func (st *run) closeTurn(ctx context.Context) error {
	s := st.s
	outs := make([]responses.Item, 0, len(s.Calls)+1)
	var notes []string
	handoff := ""
	for i := range s.Calls {
		rec := &s.Calls[i]
		outs = append(outs, *rec.Output)
		if rec.Handoff != "" {
			handoff = rec.Handoff
		}
		if rec.Note != "" {
			notes = append(notes, rec.Note)
		}
		for j := range rec.Extra {
			s.Extra = append(s.Extra, rec.Extra[j])
			st.res.NewItems = append(st.res.NewItems, rec.Extra[j])
			if !st.yield(Event{Type: EventItem, Turn: s.Turn, Item: &rec.Extra[j]}, nil) {
				return nil
			}
		}
	}
	if len(notes) > 0 {
		outs = append(outs, noteMessage(notes))
	}
	s.History = append(s.History, outs...)
	st.res.NewItems = append(st.res.NewItems, outs...)
	s.Calls = nil
	total := s.Usage
	var usage *responses.Usage
	if st.last != nil {
		usage = st.last.Usage
	}
	if !st.yield(Event{Type: EventTurnEnded, Turn: s.Turn, Response: st.last, Usage: usage, TotalUsage: &total, Cost: st.turnCost(st.last)}, nil) {
		return nil
	}
	if handoff != "" {
		return st.handOff(ctx, handoff)
	}
	return nil
}

func noteMessage(notes []string) responses.Item {
	return responses.Item{Type: responses.ItemMessage, Role: responses.RoleUser,
		Content: []responses.ContentPart{{Type: responses.ContentInputText, Text: strings.Join(notes, "\n")}}}
}

// interrupted completes the result of a run that failed or was cancelled
// during a turn: its History answers every call of the open turn (the
// State keeps the records as they are, to resume from), and the state is
// saved a last time.
func (st *run) interrupted(ctx context.Context) {
	s := st.s
	if s.Status == StatusRunning {
		_ = st.save(context.WithoutCancel(ctx))
	}
	if len(s.Calls) == 0 {
		return
	}
	hist := make([]responses.Item, 0, len(s.History)+len(s.Calls)+1)
	hist = append(hist, s.History...)
	var notes []string
	for i := range s.Calls {
		rec := &s.Calls[i]
		c := s.Call(rec)
		var out responses.Item
		note := rec.Note
		switch rec.Status {
		case CallDone:
			out = *rec.Output
		default:
			why := "the run stopped before this call ran"
			switch rec.Status {
			case CallAwaiting:
				why = "the run stopped while this call awaited approval; it was not run"
			case CallStarted:
				why = ErrOutcomeUnknown.Error()
			}
			out = responses.ErrorOutput(c, "Error: "+why)
			if !responses.TakesText(c.Type) {
				note = joinNote(note, fmt.Sprintf("The %s %s: %s.", c.Type, rec.CallID, why))
			}
		}
		if out.Type == "" {
			continue // a call of a kind with no defined output: the history stays unanswered
		}
		hist = append(hist, out)
		if note != "" {
			notes = append(notes, note)
		}
	}
	if len(notes) > 0 {
		hist = append(hist, noteMessage(notes))
	}
	st.res.History = hist
}

// callInfo is what a call's tool reads from its context.
func (st *run) callInfo(rec *CallRecord) tools.CallInfo {
	return tools.CallInfo{RunID: st.s.RunID, CallID: rec.CallID, Attempt: rec.Attempt,
		Approved: rec.Decision != nil && rec.Decision.Approve}
}

// callName names the tool a call is for: a function or custom tool's name,
// else the call's kind ("computer", "shell", "apply_patch", …).
func callName(c *responses.Item) string {
	if byName(c.Type) {
		return c.Name
	}
	name := strings.TrimSuffix(strings.TrimSuffix(c.Type, "_call"), "_request")
	return name
}

// execute runs one call and never panics: failures become the output the
// model reads.
func (st *run) execute(ctx context.Context, rec *CallRecord, c *responses.Item) (res callResult) {
	start := time.Now()
	ctx, span := st.r.tel.startTool(ctx, c, st.ts)
	defer func() {
		res.dur = time.Since(start)
		st.r.tel.endTool(ctx, span, c, res)
	}()
	tool := st.ts.lookup(c)
	if tool == nil {
		if !byName(c.Type) {
			// openTurn refuses these; a state edited by hand may hold one.
			return callResult{abort: unanswerable(c), unknown: true}
		}
		err := fmt.Errorf("unknown tool %q; the tools are: %s", c.Name, st.ts.names)
		return callResult{out: errorOutput(c, err), err: err}
	}
	timeout := st.r.toolTimeout
	if t, ok := tool.(tools.Timeouter); ok && t.Timeout() > 0 {
		timeout = t.Timeout()
	}
	cctx := ctx
	if timeout > 0 {
		var cancel context.CancelFunc
		cctx, cancel = context.WithTimeoutCause(ctx, timeout, fmt.Errorf("tool timed out after %v", timeout))
		defer cancel()
	}
	cctx = tools.WithCallInfo(cctx, st.callInfo(rec))
	if hk := st.r.hooks; hk != nil && hk.BeforeTool != nil {
		hk.BeforeTool(cctx, st.a, c)
	}
	if hk := st.r.hooks; hk != nil && hk.AfterTool != nil {
		defer func() { hk.AfterTool(cctx, st.a, c, &res.out, res.err) }()
	}
	reject, err := st.toolBefore(cctx, st.a, c)
	switch {
	case err != nil:
		if responses.TakesText(c.Type) {
			return callResult{out: errorOutput(c, err), err: err, abort: err}
		}
		return callResult{abort: err, unknown: true}
	case reject != "":
		err := fmt.Errorf("rejected by a guardrail: %s", reject)
		return callResult{out: responses.ErrorOutput(c, "Error: "+err.Error()+"; the call was not run."), err: err}
	}
	cctx, notes := tools.WithNotes(cctx)
	res = st.bounded(cctx, tool, c)
	for _, n := range notes() {
		res.note = joinNote(res.note, n)
	}
	var np *nestedPause
	if errors.As(res.err, &np) {
		return callResult{nested: np.st}
	}
	if res.abort == nil && res.err == nil || res.abort == nil && res.out.Type != "" {
		if err := st.toolAfter(cctx, st.a, c, &res); err != nil {
			out := res.out
			if responses.TakesText(c.Type) {
				out = errorOutput(c, err)
			}
			return callResult{out: out, err: err, abort: err}
		}
	}
	if !responses.TakesText(c.Type) {
		if res.err != nil && (res.out.Type == "" || c.Type == responses.ItemComputerCall && res.out.Screenshot == nil) {
			// Without an output there is nothing valid to send back.
			return callResult{abort: fmt.Errorf("runner: %s %s: %w", c.Type, rec.CallID, res.err), unknown: true}
		}
		if res.err == nil && res.out.Type == "" {
			return callResult{abort: fmt.Errorf("runner: %s %s: the tool returned no output item", c.Type, rec.CallID), unknown: true}
		}
		return res
	}
	if res.err != nil {
		if errors.Is(res.err, tools.ErrAbort) {
			err := fmt.Errorf("tool %s: %w", callName(c), res.err)
			return callResult{out: errorOutput(c, err), err: err, abort: err}
		}
		if cctx.Err() != nil && ctx.Err() == nil {
			res.err = fmt.Errorf("%w: %w", context.Cause(cctx), res.err)
		}
		res.out = errorOutput(c, res.err)
	}
	return res
}

// bounded calls the tool and waits for it until its context ends, then for
// the grace period; a tool still running after that is abandoned: its
// goroutine is left to finish on its own and counted.
func (st *run) bounded(ctx context.Context, tool tools.Tool, c *responses.Item) callResult {
	done := make(chan callResult, 1)
	go func() { done <- st.invoke(ctx, tool, c) }()
	select {
	case res := <-done:
		return res
	case <-ctx.Done():
	}
	grace := time.NewTimer(st.r.grace)
	defer grace.Stop()
	select {
	case res := <-done:
		return res
	case <-grace.C:
	}
	st.r.tel.abandoned(ctx, callName(c))
	st.r.log.WarnContext(ctx, "runner: tool abandoned: it did not return after its context ended",
		"tool", callName(c), "call_id", c.CallID, "cause", context.Cause(ctx), "grace", st.r.grace)
	return callResult{err: fmt.Errorf("%w (%w)", ErrToolAbandoned, context.Cause(ctx))}
}

// invoke calls the tool, recovering a panic into an error.
func (st *run) invoke(ctx context.Context, tool tools.Tool, c *responses.Item) (res callResult) {
	defer func() {
		if v := recover(); v != nil {
			st.r.log.ErrorContext(ctx, "tool panicked", "tool", callName(c), "call_id", c.CallID,
				"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			res = callResult{err: fmt.Errorf("tool panicked: %v", v)}
		}
	}()
	switch c.Type {
	case responses.ItemFunctionCall:
		var (
			out   responses.ToolOutput
			extra []responses.Item
			err   error
		)
		if ec, ok := tool.(tools.ExtraItemsCaller); ok {
			out, extra, err = ec.CallWithItems(ctx, c.Arguments)
		} else {
			out, err = tool.Call(ctx, c.Arguments)
		}
		return callResult{out: responses.Item{Type: responses.ItemFunctionCallOutput, CallID: c.CallID, Output: &out}, extra: extra, err: err}
	case responses.ItemCustomToolCall:
		out, err := tool.Call(ctx, c.Input)
		return callResult{out: responses.Item{Type: responses.ItemCustomToolCallOutput, CallID: c.CallID, Output: &out}, err: err}
	}
	out, err := tool.(tools.ItemCaller).CallItem(ctx, c)
	return callResult{out: out, err: err}
}

// errorOutput is the output item that tells the model a function or custom
// tool call failed.
func errorOutput(c *responses.Item, err error) responses.Item {
	return responses.ErrorOutput(c, "Error: "+err.Error())
}

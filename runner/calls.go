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

// toolset is an agent's tools, resolved once per run.
type toolset struct {
	byName       map[string]tools.Tool
	computer     tools.ItemCaller
	computerTool tools.Tool
	definitions  []responses.Tool
	editors      []tools.RequestEditor
	finalEditors []tools.FinalEditor
	names        string // for error messages
}

func newToolset(a *agent.Agent) (*toolset, error) {
	ts := &toolset{byName: make(map[string]tools.Tool, len(a.Tools))}
	names := make([]string, 0, len(a.Tools))
	for _, t := range a.Tools {
		var def responses.Tool
		if md, ok := t.(tools.ModelDefiner); ok {
			def = md.DefinitionFor(a.Model)
		} else {
			def = t.Definition()
		}
		ts.definitions = append(ts.definitions, def)
		switch def.Type {
		case responses.ToolComputer, responses.ToolComputerUsePreview:
			ic, ok := t.(tools.ItemCaller)
			if !ok {
				return nil, fmt.Errorf("runner: tool of type %q does not implement tools.ItemCaller", def.Type)
			}
			ts.computer, ts.computerTool = ic, t
		default:
			if def.Name != "" {
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
	sort.Strings(names)
	ts.names = strings.Join(names, ", ")
	return ts, nil
}

// callResult is the outcome of one call.
type callResult struct {
	out   responses.Item
	extra []responses.Item
	err   error // shown to the model
	abort error // ends the run
	dur   time.Duration
}

// toolEvent is sent by call goroutines to the run's goroutine, which alone
// yields.
type toolEvent struct {
	idx     int
	started bool
	res     callResult
}

// runCalls executes the calls of one turn and returns their outputs in call
// order. Function and custom calls run concurrently (bounded); computer calls
// run one after the other, in order, in their own goroutine. Every goroutine
// is joined before runCalls returns, also when the consumer stops.
func (st *run) runCalls(ctx context.Context, calls []*responses.Item, turn int) ([]responses.Item, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	events := make(chan toolEvent, 2*len(calls))
	sem := make(chan struct{}, st.r.concurrency)
	var wg sync.WaitGroup
	var computerIdx []int
	for i, c := range calls {
		if c.Type == responses.ItemComputerCall {
			computerIdx = append(computerIdx, i)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				events <- toolEvent{idx: i, res: st.cancelled(ctx, c)}
				return
			}
			defer func() { <-sem }()
			events <- toolEvent{idx: i, started: true}
			events <- toolEvent{idx: i, res: st.execute(ctx, c)}
		}()
	}
	if len(computerIdx) > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, i := range computerIdx {
				if ctx.Err() != nil {
					events <- toolEvent{idx: i, res: st.cancelled(ctx, calls[i])}
					continue
				}
				events <- toolEvent{idx: i, started: true}
				events <- toolEvent{idx: i, res: st.execute(ctx, calls[i])}
			}
		}()
	}
	defer wg.Wait()

	results := make([]callResult, len(calls))
	var abort error
	for done := 0; done < len(calls); {
		ev := <-events
		c := calls[ev.idx]
		if ev.started {
			if !st.yield(Event{Type: EventToolStarted, Turn: turn, Item: c, Tool: callName(c)}, nil) {
				cancel()
			}
			continue
		}
		done++
		results[ev.idx] = ev.res
		if ev.res.abort != nil && abort == nil {
			abort = ev.res.abort
			cancel()
		}
		out := ev.res.out
		if !st.yield(Event{Type: EventToolFinished, Turn: turn, Item: c, Tool: callName(c), Output: &out,
			Duration: ev.res.dur, Err: ev.res.err}, nil) {
			cancel()
		}
	}
	if abort != nil {
		return nil, abort
	}
	if err := ctx.Err(); err != nil && !st.stopped {
		// The caller's context ended while calls ran.
		return nil, err
	}
	outs := make([]responses.Item, 0, len(calls))
	var notes []string
	for i, r := range results {
		outs = append(outs, r.out)
		if calls[i].Type == responses.ItemComputerCall && r.err != nil {
			// A computer_call_output holds a screenshot and nothing else:
			// the failure goes to the model as text beside it.
			notes = append(notes, fmt.Sprintf("Computer call %s: %v. The screenshot shows the screen as it is now.", calls[i].CallID, r.err))
		}
		for i := range r.extra {
			st.extra = append(st.extra, r.extra[i])
			st.res.NewItems = append(st.res.NewItems, r.extra[i])
			if !st.yield(Event{Type: EventItem, Turn: turn, Item: &r.extra[i]}, nil) {
				return nil, nil
			}
		}
	}
	if len(notes) > 0 {
		outs = append(outs, responses.Item{Type: responses.ItemMessage, Role: responses.RoleUser,
			Content: []responses.ContentPart{{Type: responses.ContentInputText, Text: strings.Join(notes, "\n")}}})
	}
	return outs, nil
}

func callName(c *responses.Item) string {
	if c.Type == responses.ItemComputerCall {
		return "computer"
	}
	return c.Name
}

// cancelled is the result of a call that never started.
func (st *run) cancelled(ctx context.Context, c *responses.Item) callResult {
	err := fmt.Errorf("call not run: %w", context.Cause(ctx))
	return callResult{out: errorOutput(c, err), err: err}
}

// execute runs one call and never panics: failures become the output the
// model reads.
func (st *run) execute(ctx context.Context, c *responses.Item) (res callResult) {
	start := time.Now()
	ctx, span := st.r.tel.startTool(ctx, c, st.ts)
	defer func() {
		res.dur = time.Since(start)
		st.r.tel.endTool(ctx, span, c, res)
	}()
	var tool tools.Tool
	switch c.Type {
	case responses.ItemComputerCall:
		if st.ts.computer == nil {
			return callResult{abort: fmt.Errorf("%w (call %s)", ErrNoComputer, c.CallID)}
		}
		tool = st.ts.computerTool
	default:
		tool = st.ts.byName[c.Name]
		if tool == nil {
			err := fmt.Errorf("unknown tool %q; the tools are: %s", c.Name, st.ts.names)
			return callResult{out: errorOutput(c, err), err: err}
		}
	}
	timeout := st.r.toolTimeout
	if t, ok := tool.(interface{ Timeout() time.Duration }); ok && t.Timeout() > 0 {
		timeout = t.Timeout()
	}
	cctx := ctx
	if timeout > 0 {
		var cancel context.CancelFunc
		cctx, cancel = context.WithTimeoutCause(ctx, timeout, fmt.Errorf("tool timed out after %v", timeout))
		defer cancel()
	}
	res = st.invoke(cctx, tool, c)
	if res.err != nil && c.Type == responses.ItemComputerCall && res.out.Screenshot == nil {
		// Without a screenshot there is nothing valid to send back.
		return callResult{abort: fmt.Errorf("runner: computer call %s: %w", c.CallID, res.err)}
	}
	if res.err != nil && c.Type == responses.ItemComputerCall {
		return res
	}
	if res.err != nil {
		if errors.Is(res.err, tools.ErrAbort) {
			return callResult{abort: fmt.Errorf("tool %s: %w", callName(c), res.err)}
		}
		if cctx.Err() != nil && ctx.Err() == nil {
			res.err = fmt.Errorf("%w: %w", context.Cause(cctx), res.err)
		}
		res.out = errorOutput(c, res.err)
	}
	return res
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
	case responses.ItemComputerCall:
		out, err := st.ts.computer.CallItem(ctx, c)
		return callResult{out: out, err: err}
	case responses.ItemCustomToolCall:
		out, err := tool.Call(ctx, c.Input)
		return callResult{out: responses.Item{Type: responses.ItemCustomToolCallOutput, CallID: c.CallID, Output: &out}, err: err}
	}
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
}

// errorOutput is the output item that tells the model a call failed.
func errorOutput(c *responses.Item, err error) responses.Item {
	text := "Error: " + err.Error()
	switch c.Type {
	case responses.ItemCustomToolCall:
		return responses.Item{Type: responses.ItemCustomToolCallOutput, CallID: c.CallID, Output: &responses.ToolOutput{Text: text}}
	case responses.ItemComputerCall:
		// A computer call must be answered with a screenshot; the computer
		// tool does that itself for failed actions. This only happens when
		// the tool itself failed, which the tool reports through its item.
		return responses.Item{Type: responses.ItemComputerCallOutput, CallID: c.CallID}
	}
	return responses.Item{Type: responses.ItemFunctionCallOutput, CallID: c.CallID, Output: &responses.ToolOutput{Text: text}}
}

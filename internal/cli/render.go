package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/runner"
)

// renderer prints a run's events for a person: the model's text on out,
// progress (turns, tool calls with durations, usage) on progress.
type renderer struct {
	out, progress io.Writer
	indent        string
	// plain: the answer's text as it is, not indented (the run command);
	// buffer: nothing on out until final, which prints the final answer
	// alone (stdout is not a terminal).
	plain, buffer bool
	// record, when set, sees every event (--report).
	record      func(runner.Event, error)
	midLine     bool // text was printed without a newline yet
	streamed    bool // some text of the current turn was printed
	calls, errs int
}

// final prints the final answer, when stdout was held back for it.
func (r *renderer) final(res *runner.Result) {
	if r.buffer && res != nil {
		fmt.Fprintln(r.out, res.Output)
	}
}

func (r *renderer) endLine() {
	if r.midLine {
		fmt.Fprintln(r.out)
		r.midLine = false
	}
}

func (r *renderer) event(ev runner.Event) {
	switch ev.Type {
	case runner.EventTurnStarted:
		r.endLine()
		r.streamed = false
		fmt.Fprintf(r.progress, "%s· turn %d\n", r.indent, ev.Turn)
	case runner.EventTextDelta:
		if len(ev.Path) > 0 || r.buffer {
			return
		}
		if r.plain {
			fmt.Fprint(r.out, ev.Delta)
			r.midLine, r.streamed = !strings.HasSuffix(ev.Delta, "\n"), true
			return
		}
		if !r.midLine {
			fmt.Fprint(r.out, r.indent+"  ")
		}
		fmt.Fprint(r.out, strings.ReplaceAll(ev.Delta, "\n", "\n"+r.indent+"  "))
		r.midLine, r.streamed = true, true
	case runner.EventRetry:
		r.endLine()
		if r.streamed && r.plain {
			fmt.Fprintf(r.progress, "%s  (the text above is void: the answer is being written again)\n", r.indent)
		}
		fmt.Fprintf(r.progress, "%s  (the model call failed and is being retried: %v)\n", r.indent, ev.Err)
	case runner.EventItem:
		// Without streaming, show the assistant's messages when they arrive.
		if !r.streamed && !r.buffer && len(ev.Path) == 0 && ev.Item.IsMessage() && ev.Item.Role == responses.RoleAssistant {
			r.endLine()
			if r.plain {
				fmt.Fprintln(r.out, ev.Item.Text())
			} else {
				fmt.Fprintf(r.out, "%s  %s\n", r.indent, strings.ReplaceAll(ev.Item.Text(), "\n", "\n"+r.indent+"  "))
			}
		}
		if ev.Item.Type == responses.ItemFileSearchCall {
			r.endLine()
			fmt.Fprintf(r.progress, "%s  ↳ file_search_call: %s for %q\n", r.indent, plural(len(ev.Item.Results), "result"), ev.Item.Queries)
		}
	case runner.EventToolFinished:
		r.endLine()
		r.calls++
		status := "✓"
		var detail string
		if ev.Output != nil {
			detail = clip(ev.Output.Output.String(), 70)
		}
		switch ev.Item.Type {
		case responses.ItemComputerCall:
			detail = describeComputerCall(ev.Item, ev.Output)
		case responses.ItemShellCall, responses.ItemLocalShellCall:
			detail = describeShellCall(ev.Output)
		case responses.ItemApplyPatchCall:
			if ev.Output != nil {
				detail = ev.Output.Status + ": " + clip(ev.Output.Output.String(), 70)
			}
		case responses.ItemToolSearchCall:
			if ev.Output != nil {
				var names []string
				for _, d := range ev.Output.Tools {
					names = append(names, d.Name)
				}
				detail = "loaded [" + strings.Join(names, ", ") + "]"
			}
		}
		took := fmtDuration(ev.Duration)
		if ev.Err != nil {
			// Failed, refused or cut short: never a ✓.
			r.errs++
			status, detail = "✗", clip(ev.Err.Error(), 90)
			if errors.Is(ev.Err, runner.ErrRejected) {
				took = "not run"
			}
		}
		fmt.Fprintf(r.progress, "%s  %s %s %s → %s (%s)\n", r.indent, status, ev.Tool, clip(callArgs(ev.Item), 60), detail, took)
	case runner.EventHandoff:
		r.endLine()
		fmt.Fprintf(r.progress, "%s  ↪ %s hands the conversation to %s\n", r.indent, ev.From, ev.To)
	case runner.EventApprovalRequired:
		r.endLine()
		fmt.Fprintf(r.progress, "%s  ? %s %s needs approval\n", r.indent, ev.Tool, clip(callArgs(ev.Item), 60))
	case runner.EventTurnEnded:
		r.endLine()
	case runner.EventFinalOutput:
		r.endLine()
	}
}

func callArgs(it *responses.Item) string {
	switch it.Type {
	case responses.ItemCustomToolCall:
		return it.Input
	case responses.ItemShellCall:
		if it.ShellAction != nil {
			return strings.Join(it.ShellAction.Commands, " ; ")
		}
	case responses.ItemLocalShellCall:
		if it.LocalShellAction != nil {
			return shellQuoteArgs(it.LocalShellAction.Command)
		}
	case responses.ItemApplyPatchCall:
		if op := it.Operation; op != nil {
			s := op.Type + " " + op.Path
			if op.Diff != "" {
				s += fmt.Sprintf(" (%s)", plural(strings.Count(op.Diff, "\n"), "diff line"))
			}
			return s
		}
	case responses.ItemComputerCall:
		var names []string
		if it.Action != nil {
			names = append(names, it.Action.Type)
		}
		for _, a := range it.Actions {
			names = append(names, a.Type)
		}
		return "[" + strings.Join(names, ", ") + "]"
	}
	return it.Arguments
}

func shellQuoteArgs(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = shellQuote(a)
	}
	return strings.Join(q, " ")
}

func describeComputerCall(_ *responses.Item, out *responses.Item) string {
	if out == nil || out.Screenshot == nil {
		return "no screenshot"
	}
	s := fmt.Sprintf("screenshot %d KiB", len(out.Screenshot.ImageURL)*3/4/1024)
	if out.Screenshot.CurrentURL != "" {
		s += " of " + out.Screenshot.CurrentURL
	}
	return s
}

func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && (s[cut]&0xC0) == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}

func fmtDuration(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	case d < time.Second:
		return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000)
	}
	return d.Round(10 * time.Millisecond).String()
}

// jsonEvent is the --json form of an event: one object per line.
type jsonEvent struct {
	Type       string           `json:"type"`
	Turn       int              `json:"turn,omitempty"`
	Delta      string           `json:"delta,omitempty"`
	ItemID     string           `json:"item_id,omitempty"`
	Event      json.RawMessage  `json:"event,omitempty"`
	Item       *responses.Item  `json:"item,omitempty"`
	Tool       string           `json:"tool,omitempty"`
	Output     *responses.Item  `json:"output,omitempty"`
	DurationMS *float64         `json:"duration_ms,omitempty"`
	Error      string           `json:"error,omitempty"`
	Usage      *responses.Usage `json:"usage,omitempty"`
	TotalUsage *responses.Usage `json:"total_usage,omitempty"`
	OutputText *string          `json:"output_text,omitempty"`
	// Final is the final message, with its annotations (file citations).
	Final *responses.Item `json:"final,omitempty"`
	// Attempts counts the attempts of the model call that failed (error).
	Attempts int `json:"attempts,omitempty"`
	Value    any `json:"value,omitempty"`
	// Interruptions: the calls a paused run waits for.
	Interruptions []jsonInterruption `json:"interruptions,omitempty"`
	// RunID and Status identify a paused or finished run's state.
	RunID  string `json:"run_id,omitempty"`
	Status string `json:"status,omitempty"`
}

type jsonInterruption struct {
	CallID string          `json:"call_id"`
	Tool   string          `json:"tool"`
	Call   *responses.Item `json:"call"`
}

func toJSONEvent(ev runner.Event) jsonEvent {
	j := jsonEvent{Type: string(ev.Type), Turn: ev.Turn, Delta: ev.Delta, ItemID: ev.ItemID, Item: ev.Item,
		Tool: ev.Tool, Output: ev.Output, Usage: ev.Usage, TotalUsage: ev.TotalUsage}
	if ev.ResponseEvent != nil {
		j.Event = ev.ResponseEvent.Raw
	}
	if ev.Type == runner.EventToolFinished {
		ms := float64(ev.Duration.Microseconds()) / 1000
		j.DurationMS = &ms
	}
	if ev.Err != nil {
		j.Error = ev.Err.Error()
	}
	if ev.Result != nil && ev.Type == runner.EventFinalOutput {
		j.OutputText = &ev.Result.Output
		j.Value = ev.Result.Value
		j.Final = ev.Result.Final
	}
	if ev.Result != nil {
		u := ev.Result.Usage
		j.TotalUsage = &u
		for _, in := range ev.Result.Interruptions {
			j.Interruptions = append(j.Interruptions, jsonInterruption{CallID: in.CallID, Tool: in.Tool, Call: in.Call})
		}
		if st := ev.Result.State; st != nil && ev.Type == runner.EventPaused {
			j.RunID, j.Status = st.RunID, string(st.Status)
		}
	}
	return j
}

// plural returns "1 result", "2 results".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

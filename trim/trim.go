// Package trim shortens a conversation before it is sent, on any endpoint
// (gateways without compaction included), without breaking the rules the
// Responses API enforces: a call is never separated from its output, nor a
// reasoning item from the item that follows it.
//
// A [Func] takes the items a request is about to carry and returns the
// items to send instead; the run's own history is never changed. Pass one
// to runner.Options.Trim, or combine several with [Chain]:
//
//	r := runner.New(client, &runner.Options{Trim: trim.Chain(
//		trim.ToolOutputs(16<<10), // cut outputs over 16 KiB, head and tail kept
//		trim.KeepLastTurns(20),   // and send the last 20 user turns only
//	)})
package trim

import (
	"fmt"
	"strings"

	"github.com/agentloop/agentloop/responses"
)

// Func shortens the items of a request. It must not modify the items in
// place: it returns a new slice (or the same one, unchanged).
type Func func(items []responses.Item) []responses.Item

// Chain applies fs in order.
func Chain(fs ...Func) Func {
	return func(items []responses.Item) []responses.Item {
		for _, f := range fs {
			if f != nil {
				items = f(items)
			}
		}
		return items
	}
}

// ToolOutputs cuts the text of every function or custom tool output longer
// than max bytes to its head and tail, max/2 bytes each (on UTF-8
// boundaries), with a marker the model can read in between: "[… 12345
// bytes cut …]". Outputs made of parts (images) are left alone.
func ToolOutputs(max int) Func {
	return func(items []responses.Item) []responses.Item {
		var out []responses.Item
		for i := range items {
			it := &items[i]
			if (it.Type != responses.ItemFunctionCallOutput && it.Type != responses.ItemCustomToolCallOutput) ||
				it.Output == nil || it.Output.Parts != nil || len(it.Output.Text) <= max {
				continue
			}
			if out == nil {
				out = append([]responses.Item(nil), items...)
			}
			out[i] = responses.Item{Type: it.Type, CallID: it.CallID, Output: &responses.ToolOutput{Text: cut(it.Output.Text, max)}}
		}
		if out == nil {
			return items
		}
		return out
	}
}

// cut keeps the head and tail of s, max/2 bytes each.
func cut(s string, max int) string {
	half := max / 2
	head, tail := half, len(s)-half
	for head > 0 && !boundary(s, head) {
		head--
	}
	for tail < len(s) && !boundary(s, tail) {
		tail++
	}
	return s[:head] + fmt.Sprintf("\n[… %d bytes cut …]\n", tail-head) + s[tail:]
}

func boundary(s string, i int) bool { return i == 0 || i == len(s) || s[i]&0xC0 != 0x80 }

// KeepLastTurns keeps the last n user turns (a user message and what
// followed it) and drops the ones before, whole. Items before the first user
// message (a system or developer message) are kept.
func KeepLastTurns(n int) Func {
	return func(items []responses.Item) []responses.Item {
		starts := turnStarts(items)
		if len(starts) <= n || n < 1 {
			return items
		}
		from := starts[len(starts)-n]
		lead := leading(items, starts[0])
		return append(append(make([]responses.Item, 0, len(lead)+len(items)-from), lead...), items[from:]...)
	}
}

// ToBudget drops the oldest whole turns until estimate(items) is at most
// budget, keeping at least the last turn.
func ToBudget(budget int, estimate func([]responses.Item) int) Func {
	return func(items []responses.Item) []responses.Item {
		if estimate(items) <= budget {
			return items
		}
		starts := turnStarts(items)
		if len(starts) < 2 {
			return items
		}
		lead := leading(items, starts[0])
		for k := 1; k < len(starts); k++ {
			kept := append(append(make([]responses.Item, 0, len(lead)+len(items)-starts[k]), lead...), items[starts[k]:]...)
			if estimate(kept) <= budget || k == len(starts)-1 {
				return kept
			}
		}
		return items
	}
}

// EstimateTokens estimates the tokens items cost: a token per 4 bytes of
// their JSON.
func EstimateTokens(items []responses.Item) int {
	n := 0
	for i := range items {
		b, err := items[i].MarshalJSON()
		if err != nil {
			continue
		}
		n += len(b)
	}
	return n / 4
}

// leading returns the items before the first turn that are not part of a
// conversation turn: system and developer messages.
func leading(items []responses.Item, first int) []responses.Item {
	var lead []responses.Item
	for _, it := range items[:first] {
		if it.IsMessage() && (it.Role == responses.RoleSystem || it.Role == responses.RoleDeveloper) {
			lead = append(lead, it)
		}
	}
	return lead
}

// turnStarts returns the positions of the user messages that start a turn
// and where cutting is safe (see SafeCut).
func turnStarts(items []responses.Item) []int {
	var starts []int
	for i := range items {
		if isUserMessage(&items[i]) && SafeCut(items, i) {
			starts = append(starts, i)
		}
	}
	return starts
}

func isUserMessage(it *responses.Item) bool {
	return it.IsMessage() && it.Role == responses.RoleUser
}

// SafeCut reports whether items[i:] can be sent without items[:i]: no
// output in it answers a call before i, no call in it is answered before i,
// no reasoning item before i needs its follower at i, and it does not start
// with an item that only makes sense after a reasoning item.
func SafeCut(items []responses.Item, i int) bool {
	if i <= 0 || i >= len(items) {
		return i == 0 || i == len(items)
	}
	if items[i-1].Type == responses.ItemReasoning {
		return false
	}
	before := map[string]bool{}
	for _, it := range items[:i] {
		if it.IsCall() || isOutput(it.Type) {
			before[key(&it)] = true
		}
	}
	for _, it := range items[i:] {
		if (it.IsCall() || isOutput(it.Type)) && before[key(&it)] {
			return false
		}
	}
	return true
}

func key(it *responses.Item) string {
	if it.CallID != "" {
		return it.CallID
	}
	return it.ID
}

func isOutput(typ string) bool {
	return strings.HasSuffix(typ, "_output") || typ == responses.ItemMCPApprovalResponse
}

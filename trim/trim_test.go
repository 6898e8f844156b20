package trim_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/trim"
)

// history makes a random conversation: turns of a user message, then model
// steps of an optional reasoning item followed by calls (each answered
// after the step) or a message.
func history(r *rand.Rand) []responses.Item {
	var items []responses.Item
	if r.IntN(2) == 0 {
		items = append(items, responses.Item{Type: responses.ItemMessage, Role: responses.RoleDeveloper, ContentText: "be brief"})
	}
	call := 0
	for turn := range 1 + r.IntN(8) {
		items = append(items, responses.UserMessage(fmt.Sprintf("q%d", turn)))
		for range r.IntN(4) {
			if r.IntN(2) == 0 {
				items = append(items, responses.Item{Type: responses.ItemReasoning, ID: fmt.Sprintf("rs_%d", len(items)), EncryptedContent: "x"})
			}
			n := 1 + r.IntN(3)
			var outs []responses.Item
			for range n {
				call++
				id := fmt.Sprintf("c%d", call)
				items = append(items, responses.Item{Type: responses.ItemFunctionCall, ID: "fc_" + id, CallID: id, Name: "f", Arguments: "{}"})
				outs = append(outs, responses.FunctionCallOutput(id, strings.Repeat("o", r.IntN(200))))
			}
			items = append(items, outs...)
		}
		if r.IntN(2) == 0 {
			items = append(items, responses.Item{Type: responses.ItemReasoning, ID: fmt.Sprintf("rs_%d", len(items)), EncryptedContent: "x"})
		}
		items = append(items, responses.Item{Type: responses.ItemMessage, Role: responses.RoleAssistant, ID: fmt.Sprintf("msg_%d", len(items)),
			Content: []responses.ContentPart{{Type: responses.ContentOutputText, Text: "a"}}})
	}
	return items
}

// valid checks the API's pairing rules on items.
func valid(items []responses.Item) error {
	calls, outs := map[string]int{}, map[string]int{}
	for i, it := range items {
		switch it.Type {
		case responses.ItemFunctionCall:
			calls[it.CallID]++
		case responses.ItemFunctionCallOutput:
			outs[it.CallID]++
			if calls[it.CallID] == 0 {
				return fmt.Errorf("item %d: output %s before (or without) its call", i, it.CallID)
			}
		case responses.ItemReasoning:
			if i == len(items)-1 {
				return fmt.Errorf("item %d: reasoning without its following item", i)
			}
		}
	}
	for id := range calls {
		if outs[id] != 1 {
			return fmt.Errorf("call %s has %d outputs", id, outs[id])
		}
	}
	return nil
}

// TestNeverSplitsAPair: over random histories, every policy keeps every
// call with its output and every reasoning item with its follower, keeps
// the last turn, and never grows the history.
func TestNeverSplitsAPair(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 2000 {
		items := history(r)
		if err := valid(items); err != nil {
			t.Fatalf("generator: %v", err)
		}
		policies := map[string]trim.Func{
			"KeepLastTurns": trim.KeepLastTurns(1 + r.IntN(4)),
			"ToBudget":      trim.ToBudget(r.IntN(2000), trim.EstimateTokens),
			"ToolOutputs":   trim.ToolOutputs(r.IntN(100)),
			"Chain":         trim.Chain(trim.ToolOutputs(50), trim.KeepLastTurns(2)),
		}
		for name, f := range policies {
			got := f(items)
			if err := valid(got); err != nil {
				t.Fatalf("history %d, %s: %v", i, name, err)
			}
			if len(got) > len(items) || len(got) == 0 {
				t.Fatalf("history %d, %s: %d items from %d", i, name, len(got), len(items))
			}
			last := 0
			for j := range items {
				if items[j].IsMessage() && items[j].Role == responses.RoleUser {
					last = j
				}
			}
			if !cmp.Equal(items[len(items)-1].ID, got[len(got)-1].ID) || len(got) < len(items)-last {
				t.Fatalf("history %d, %s: the last turn was cut", i, name)
			}
		}
		for j := 0; j <= len(items); j++ {
			if trim.SafeCut(items, j) {
				if err := valid(items[j:]); err != nil {
					t.Fatalf("history %d: SafeCut(%d) but %v", i, j, err)
				}
			}
		}
	}
}

func TestToolOutputs(t *testing.T) {
	long := strings.Repeat("é", 100) // 200 bytes
	items := []responses.Item{responses.FunctionCallOutput("c1", long), responses.FunctionCallOutput("c2", "short")}
	got := trim.ToolOutputs(50)(items)
	text := got[0].Output.String()
	if !strings.HasPrefix(text, strings.Repeat("é", 12)) || !strings.Contains(text, "[… 152 bytes cut …]") || !strings.HasSuffix(text, strings.Repeat("é", 12)) {
		t.Errorf("cut output %q", text)
	}
	if got[1].Output.String() != "short" || items[0].Output.String() != long {
		t.Error("a short output changed, or the input was modified")
	}
}

func ExampleKeepLastTurns() {
	items := []responses.Item{
		responses.UserMessage("first"), responses.UserMessage("second"), responses.UserMessage("third"),
	}
	for _, it := range trim.KeepLastTurns(2)(items) {
		fmt.Println(it.ContentText)
	}
	// Output:
	// second
	// third
}

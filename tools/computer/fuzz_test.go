package computer_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/tools"
	"github.com/agentloop/agentloop/tools/computer"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// callSeeds are computer_call items as the models send them, and the
// mistakes a tool must refuse before anything runs.
var callSeeds = []string{
	`{"type":"computer_call","id":"cu_1","call_id":"call_2","action":{"type":"click","button":"left","x":405,"y":157},"pending_safety_checks":[],"status":"completed"}`,
	`{"type":"computer_call","id":"cu_2","call_id":"call_4","actions":[{"type":"click","button":"left","x":405,"y":157},{"type":"type","text":"penguin"}],"pending_safety_checks":[{"id":"cu_sc_1","code":"malicious_instructions","message":"Check the page."}],"status":"completed"}`,
	`{"type":"computer_call","id":"cu_3","call_id":"call_5","actions":[{"type":"double_click","x":1.6,"y":2,"keys":null},{"type":"drag","path":[{"x":1,"y":2},{"x":3.4,"y":4}]},{"type":"keypress","keys":["CTRL","L"]},{"type":"move","x":5,"y":6,"keys":["SHIFT"]},{"type":"screenshot"},{"type":"scroll","x":7,"y":8,"scroll_x":0,"scroll_y":-300},{"type":"wait"}]}`,
	`{"type":"computer_call","call_id":"c","actions":[{"type":"wait"},{"type":"zoom","factor":2}]}`,
	`{"type":"computer_call","call_id":"c","actions":[{"type":"click","button":"middle","x":1,"y":1}]}`,
	`{"type":"computer_call","call_id":"c","actions":[{"type":"keypress","keys":[]},{"type":"drag","path":[]}]}`,
	`{"type":"computer_call","call_id":"c","actions":[]}`,
	`{"type":"computer_call","call_id":"c","action":null,"actions":null}`,
	`{"type":"computer_call","call_id":"c","action":{"type":"screenshot"},"pending_safety_checks":[{"id":"sc_refuse"}]}`,
}

// FuzzCallItem answers arbitrary computer_call items with a fake computer
// (a safety check whose id ends in "refuse" is refused, others approved).
// CallItem never panics, and:
//
//   - a refused check ends the call with a *SafetyCheckError wrapping
//     tools.ErrAbort, before any action runs or any screenshot;
//   - an invalid or unknown action is an *ActionError, and no action runs;
//   - otherwise every action but the screenshots runs, in order, as it
//     came;
//   - either way, the output is one screenshot answering the call, with
//     the approved checks, and encodes to valid JSON.
func FuzzCallItem(f *testing.F) {
	for _, s := range callSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var call responses.Item
		if json.Unmarshal(data, &call) != nil {
			return
		}
		fc := &fakeComputer{}
		var did []responses.ComputerAction
		fc.onAction = func(a responses.ComputerAction) { did = append(did, a) }
		tool := computer.NewTool(fc, &computer.Options{
			ApproveSafetyCheck: func(_ context.Context, _ *responses.Item, c responses.SafetyCheck) (bool, error) {
				return !strings.HasSuffix(c.ID, "refuse"), nil
			},
		})
		out, err := tool.CallItem(context.Background(), &call)

		var approved []responses.SafetyCheck
		refused := false
		for _, c := range call.PendingSafetyChecks {
			if strings.HasSuffix(c.ID, "refuse") {
				refused = true
				break
			}
			approved = append(approved, c)
		}
		if refused {
			var sce *computer.SafetyCheckError
			if !errors.As(err, &sce) || !errors.Is(err, tools.ErrAbort) {
				t.Fatalf("refused check: error %v, want a *SafetyCheckError wrapping ErrAbort", err)
			}
			if len(fc.log) != 0 {
				t.Fatalf("refused check, yet the computer did %q", fc.log)
			}
			return
		}

		actions := call.Actions
		if actions == nil && call.Action != nil {
			actions = []responses.ComputerAction{*call.Action}
		}
		var ae *computer.ActionError
		switch {
		case errors.As(err, &ae):
			if len(did) != 0 {
				t.Fatalf("invalid action (%v), yet %d ran", err, len(did))
			}
			if ae.Index >= len(actions) {
				t.Fatalf("error names action %d of %d", ae.Index, len(actions))
			}
		case err != nil:
			t.Fatalf("CallItem: %v", err)
		default:
			var want []responses.ComputerAction
			for _, a := range actions {
				if a.Type != responses.ActionScreenshot {
					want = append(want, a)
				}
			}
			if diff := cmp.Diff(want, did, cmpopts.EquateEmpty()); diff != "" {
				t.Fatalf("actions run (-want +got):\n%s", diff)
			}
		}

		if fc.shots != 1 {
			t.Fatalf("%d screenshots, want 1", fc.shots)
		}
		want := responses.Item{Type: responses.ItemComputerCallOutput, CallID: call.CallID, AcknowledgedSafetyChecks: approved,
			Screenshot: &responses.ComputerScreenshot{Type: responses.ContentComputerScreenshot, ImageURL: shotURL}}
		if diff := cmp.Diff(want, out, cmpopts.EquateEmpty(), cmpopts.IgnoreUnexported(responses.Item{})); diff != "" {
			t.Fatalf("output (-want +got):\n%s", diff)
		}
		enc, err := json.Marshal(out)
		if err != nil || !json.Valid(enc) {
			t.Fatalf("output encodes as %q, %v", enc, err)
		}
	})
}

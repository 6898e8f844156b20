package runner_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/tools"
	"github.com/agentloop/agentloop/tools/computer"
)

// screen is a hand-written Computer that records the actions it runs and
// fails keypress actions.
type screen struct {
	mu   sync.Mutex
	done []string
}

func (s *screen) Display() computer.Display {
	return computer.Display{Width: 800, Height: 600, Environment: "browser"}
}

func (s *screen) Do(_ context.Context, a responses.ComputerAction) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a.Type == responses.ActionKeypress {
		return errors.New("no keyboard attached")
	}
	s.done = append(s.done, a.Type)
	return nil
}

func (s *screen) Screenshot(context.Context) (computer.Screenshot, error) {
	return computer.Screenshot{Data: []byte("\x89PNG fake"), MIME: "image/png"}, nil
}

func TestComputerCalls(t *testing.T) {
	click := responses.ComputerAction{Type: responses.ActionClick, Button: "left", X: 10, Y: 20}
	keys := responses.ComputerAction{Type: responses.ActionKeypress, Keys: []string{"CTRL", "L"}}
	typ := responses.ComputerAction{Type: responses.ActionType, Text: "hi"}
	srv := responsestest.Start(t,
		responsestest.Reply(responsestest.ComputerCall("cu_1", click, typ)),
		responsestest.Reply(responsestest.ComputerCall("cu_2", click, keys, typ)),
		responsestest.Reply(responsestest.Message("done")),
	)
	sc := &screen{}
	a := &agent.Agent{Model: "gpt-5.4", Tools: []tools.Tool{computer.NewTool(sc, nil)}}
	res, err := newRunner(srv, nil).Run(context.Background(), a, runner.Text("go"))
	if err != nil || res.Output != "done" {
		t.Fatalf("res %v err %v", res, err)
	}
	if got := strings.Join(sc.done, ","); got != "click,type,click" {
		t.Errorf("actions run: %s (a failed action skips the rest of its batch)", got)
	}
	reqs := srv.Requests()
	if def := reqs[0].Request.Tools[0]; def.Type != responses.ToolComputer {
		t.Errorf("tool = %s", def.Raw)
	}
	third := reqs[2].Request.Input.Items
	var shot, note bool
	for _, it := range third {
		if it.Type == responses.ItemComputerCallOutput && it.CallID == "cu_2" && strings.HasPrefix(it.Screenshot.ImageURL, "data:image/png;base64,") {
			shot = true
		}
		if it.IsMessage() && it.Role == responses.RoleUser && strings.Contains(it.Text(), "no keyboard attached") {
			note = true
		}
	}
	if !shot || !note {
		t.Errorf("failed action: screenshot sent %v, error shown to the model %v", shot, note)
	}
}

func TestComputerSafetyChecks(t *testing.T) {
	call := responsestest.ComputerCall("cu_1", responses.ComputerAction{Type: responses.ActionScreenshot})
	call.PendingSafetyChecks = []responses.SafetyCheck{{ID: "sc_1", Code: "malicious_instructions", Message: "The page asks for your password."}}

	// Refused (no callback): the run stops with an error naming the check.
	srv := responsestest.Start(t, responsestest.Reply(call))
	a := &agent.Agent{Model: "computer-use-preview", Tools: []tools.Tool{computer.NewTool(&screen{}, nil)}}
	_, err := newRunner(srv, nil).Run(context.Background(), a, runner.Text("go"))
	if !errors.Is(err, tools.ErrAbort) || !strings.Contains(err.Error(), "malicious_instructions") {
		t.Fatalf("err = %v", err)
	}
	req := srv.Requests()[0].Request
	if req.Truncation != "auto" || req.Tools[0].Type != responses.ToolComputerUsePreview {
		t.Errorf("preview model: truncation %q tool %s", req.Truncation, req.Tools[0].Raw)
	}

	// Accepted: the check is acknowledged in the output.
	srv2 := responsestest.Start(t, responsestest.Reply(call), responsestest.Reply(responsestest.Message("ok")))
	approve := func(context.Context, *responses.Item, responses.SafetyCheck) (bool, error) { return true, nil }
	a2 := &agent.Agent{Model: "gpt-5.4", Tools: []tools.Tool{computer.NewTool(&screen{}, &computer.Options{ApproveSafetyCheck: approve})}}
	if _, err := newRunner(srv2, nil).Run(context.Background(), a2, runner.Text("go")); err != nil {
		t.Fatal(err)
	}
	for _, it := range srv2.Requests()[1].Request.Input.Items {
		if it.Type == responses.ItemComputerCallOutput {
			if len(it.AcknowledgedSafetyChecks) != 1 || it.AcknowledgedSafetyChecks[0].ID != "sc_1" {
				t.Errorf("acknowledged = %+v", it.AcknowledgedSafetyChecks)
			}
		}
	}
}

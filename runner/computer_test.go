package runner_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

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

// TestComputerSafetyChecks: a pending safety check pauses the run for a
// person; approved, the call runs with the check acknowledged; rejected,
// nothing runs and the model is told why beside a fresh screenshot.
func TestComputerSafetyChecks(t *testing.T) {
	call := responsestest.ComputerCall("cu_1", responses.ComputerAction{Type: responses.ActionClick, Button: "left", X: 1, Y: 2})
	call.PendingSafetyChecks = []responses.SafetyCheck{{ID: "sc_1", Code: "malicious_instructions", Message: "The page asks for your password."}}

	for _, approve := range []bool{true, false} {
		srv := responsestest.Start(t, responsestest.Reply(call), responsestest.Reply(responsestest.Message("ok")))
		sc := &screen{}
		a := &agent.Agent{Model: "computer-use-preview", Tools: []tools.Tool{computer.NewTool(sc, nil)}}
		r := newRunner(srv, nil)
		res, err := r.Run(context.Background(), a, runner.Text("go"))
		if err != nil || !res.Paused() || res.Interruptions[0].CallID != "cu_1" {
			t.Fatalf("res %+v err %v", res, err)
		}
		req := srv.Requests()[0].Request
		if req.Truncation != "auto" || req.Tools[0].Type != responses.ToolComputerUsePreview {
			t.Errorf("preview model: truncation %q tool %s", req.Truncation, req.Tools[0].Raw)
		}
		if approve {
			err = res.State.Approve("cu_1")
		} else {
			err = res.State.Reject("cu_1", "not on my bank's page")
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.Resume(context.Background(), a, res.State); err != nil {
			t.Fatal(err)
		}
		var note string
		for _, it := range srv.Requests()[1].Request.Input.Items {
			if it.Type == responses.ItemComputerCallOutput {
				if len(it.AcknowledgedSafetyChecks) != 1 || it.AcknowledgedSafetyChecks[0].ID != "sc_1" {
					t.Errorf("acknowledged = %+v", it.AcknowledgedSafetyChecks)
				}
				if it.Screenshot == nil || !strings.HasPrefix(it.Screenshot.ImageURL, "data:image/png") {
					t.Errorf("screenshot %+v", it.Screenshot)
				}
			}
			if it.IsMessage() && it.Role == responses.RoleUser {
				note = it.Text()
			}
		}
		if approve {
			if strings.Join(sc.done, ",") != "click" {
				t.Errorf("approved: actions run %q", sc.done)
			}
			continue
		}
		if len(sc.done) != 0 || !strings.Contains(note, "rejected this call") || !strings.Contains(note, "not on my bank's page") {
			t.Errorf("rejected: actions run %q, note %q", sc.done, note)
		}
	}

	// Approved in code by ApproveSafetyCheck: no pause.
	srv2 := responsestest.Start(t, responsestest.Reply(call), responsestest.Reply(responsestest.Message("ok")))
	approve := func(context.Context, *responses.Item, responses.SafetyCheck) (bool, error) { return true, nil }
	a2 := &agent.Agent{Model: "gpt-5.4", Tools: []tools.Tool{computer.NewTool(&screen{}, &computer.Options{ApproveSafetyCheck: approve})}}
	if res, err := newRunner(srv2, nil).Run(context.Background(), a2, runner.Text("go")); err != nil || res.Paused() {
		t.Fatalf("paused %v err %v", res.Paused(), err)
	}
}

// urlScreen is a screen on a page at a URL.
type urlScreen struct {
	screen
	url string
}

func (s *urlScreen) CurrentURL(context.Context) (string, error) { return s.url, nil }

// TestComputerActionApproval: a per-action policy sees each action and the
// page's domain; only calls it flags pause.
func TestComputerActionApproval(t *testing.T) {
	typeOutside := func(_ context.Context, a computer.ActionInfo) (bool, error) {
		return a.Action.Type == responses.ActionType && a.Domain != "example.com", nil
	}
	click := responses.ComputerAction{Type: responses.ActionClick, Button: "left", X: 5, Y: 5}
	typ := responses.ComputerAction{Type: responses.ActionType, Text: "hunter2"}
	for _, c := range []struct {
		url   string
		pause bool
	}{{"https://example.com/login", false}, {"https://evil.test/login", true}} {
		steps := []responsestest.Step{responsestest.Reply(responsestest.ComputerCall("cu_1", click, typ))}
		if !c.pause {
			steps = append(steps, responsestest.Reply(responsestest.Message("ok")))
		}
		srv := responsestest.Start(t, steps...)
		sc := &urlScreen{url: c.url}
		a := &agent.Agent{Model: "gpt-5.4", Tools: []tools.Tool{computer.NewTool(sc, &computer.Options{NeedsApproval: typeOutside})}}
		res, err := newRunner(srv, nil).Run(context.Background(), a, runner.Text("go"))
		if err != nil || res.Paused() != c.pause {
			t.Errorf("%s: paused %v, err %v", c.url, res.Paused(), err)
		}
		if got := len(sc.done); (got == 0) != c.pause {
			t.Errorf("%s: %d actions ran", c.url, got)
		}
	}
}

// blindScreen cannot take screenshots, and has a notice for the model.
type blindScreen struct {
	screen
	notices []string
}

func (s *blindScreen) Screenshot(context.Context) (computer.Screenshot, error) {
	return computer.Screenshot{}, errors.New("the screen is gone")
}

func (s *blindScreen) Notices() []string {
	n := s.notices
	s.notices = nil
	return n
}

// TestComputerNotes: what the model reads beside computer call outputs says
// what really happened: a grey placeholder is not called a screenshot of the
// screen, a computer's notices reach the model without failing the call,
// and a rejected call is reported as one in EventToolFinished.
func TestComputerNotes(t *testing.T) {
	click := responses.ComputerAction{Type: responses.ActionClick, Button: "left", X: 10, Y: 20}
	srv := responsestest.Start(t,
		responsestest.Reply(responsestest.ComputerCall("cu_1", click)),
		responsestest.Reply(responsestest.ComputerCall("cu_2", click)),
		responsestest.Reply(responsestest.Message("done")),
	)
	notes := func(req *responses.Request) string {
		var s []string
		for _, it := range req.Input.Items[1:] { // after the prompt
			if it.IsMessage() && it.Role == responses.RoleUser {
				s = append(s, it.Text())
			}
		}
		return strings.Join(s, "\n")
	}
	blind := &blindScreen{notices: []string{`The page showed an alert: "hi". It was closed.`}}
	a := &agent.Agent{Model: "gpt-5.4", Tools: []tools.Tool{computer.NewTool(blind, nil)}}
	var errs []string
	for ev, err := range newRunner(srv, nil).Stream(context.Background(), a, runner.Text("go")) {
		if err != nil {
			t.Fatal(err)
		}
		if ev.Type == runner.EventToolFinished {
			errs = append(errs, fmt.Sprint(ev.Err))
		}
	}
	note := notes(srv.Requests()[1].Request)
	for _, want := range []string{"the screen is gone", "No screenshot could be taken: the image is a grey placeholder.", `The page showed an alert: "hi". It was closed.`} {
		if !strings.Contains(note, want) {
			t.Errorf("note %q lacks %q", note, want)
		}
	}
	if strings.Contains(note, "shows the screen as it is now") {
		t.Errorf("note %q calls the placeholder a screenshot", note)
	}
	if len(errs) != 2 || errs[0] == "<nil>" {
		t.Errorf("EventToolFinished errors %q", errs)
	}

	// A notice beside a call that worked: told, and the call did not fail.
	srv = responsestest.Start(t, responsestest.Reply(responsestest.ComputerCall("cu_1", click)), responsestest.Reply(responsestest.Message("done")))
	n := &noticeScreen{notices: []string{`The page opened a confirm dialog: "Sure?". It was dismissed (Cancel).`}}
	a = &agent.Agent{Model: "gpt-5.4", Tools: []tools.Tool{computer.NewTool(n, nil)}}
	errs = nil
	for ev, err := range newRunner(srv, nil).Stream(context.Background(), a, runner.Text("go")) {
		if err != nil {
			t.Fatal(err)
		}
		if ev.Type == runner.EventToolFinished {
			errs = append(errs, fmt.Sprint(ev.Err))
		}
	}
	if note := notes(srv.Requests()[1].Request); note != `The page opened a confirm dialog: "Sure?". It was dismissed (Cancel).` {
		t.Errorf("note %q", note)
	}
	if diff := cmp.Diff([]string{"<nil>"}, errs); diff != "" {
		t.Errorf("EventToolFinished errors (-want +got):\n%s", diff)
	}

	// A rejected call: EventToolFinished with ErrRejected and the reason.
	guarded := responsestest.ComputerCall("cu_1", click)
	guarded.PendingSafetyChecks = []responses.SafetyCheck{{ID: "sc_1", Code: "irrelevant_domain"}}
	srv = responsestest.Start(t, responsestest.Reply(guarded), responsestest.Reply(responsestest.Message("ok")))
	a = &agent.Agent{Model: "gpt-5.4", Tools: []tools.Tool{computer.NewTool(&screen{}, nil)}}
	r := newRunner(srv, nil)
	res, err := r.Run(context.Background(), a, runner.Text("go"))
	if err != nil || !res.Paused() {
		t.Fatalf("%+v %v", res, err)
	}
	if err := res.State.Reject("cu_1", "off task"); err != nil {
		t.Fatal(err)
	}
	var finished []error
	for ev, err := range r.ResumeStream(context.Background(), a, res.State) {
		if err != nil {
			t.Fatal(err)
		}
		if ev.Type == runner.EventToolFinished {
			finished = append(finished, ev.Err)
		}
	}
	if len(finished) != 1 || !errors.Is(finished[0], runner.ErrRejected) || !strings.Contains(finished[0].Error(), "off task") {
		t.Errorf("EventToolFinished errors %v, want one wrapping ErrRejected with the reason", finished)
	}
}

// noticeScreen works, and has a notice for the model.
type noticeScreen struct {
	screen
	notices []string
}

func (s *noticeScreen) Notices() []string {
	n := s.notices
	s.notices = nil
	return n
}

package browser

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/tools"
	"github.com/agentloop/agentloop/tools/computer"
)

// TestRunnerLoop drives whole runs against the fixture page: a scripted
// model sends computer calls of both shapes, a batch, and safety checks
// that are accepted or refused.
func TestRunnerLoop(t *testing.T) {
	b, ctx := fixturePageOpen(t)
	newRunner := func(srv *responsestest.Server) *runner.Runner {
		return runner.New(responses.NewClient(&responses.Options{BaseURL: srv.URL(), APIKey: "test", MaxRetries: -1}), nil)
	}
	check := responses.SafetyCheck{ID: "sc_1", Code: "irrelevant_domain", Message: "The page is off task."}

	// GA: a batch, then a call with a check the callback accepts.
	guarded := responsestest.ComputerCall("call_2", responses.ComputerAction{Type: "double_click", X: 30, Y: 560})
	guarded.PendingSafetyChecks = []responses.SafetyCheck{check}
	srv := responsestest.Start(t,
		responsestest.Reply(responsestest.ComputerCall("call_1",
			click(120, 395, "left"), responses.ComputerAction{Type: "type", Text: "penguin\n"})),
		responsestest.Reply(guarded),
		responsestest.Reply(responsestest.Message("done")),
	)
	var asked []string
	tool := computer.NewTool(b, &computer.Options{KeepScreenshots: 1,
		ApproveSafetyCheck: func(_ context.Context, _ *responses.Item, c responses.SafetyCheck) (bool, error) {
			asked = append(asked, c.Code)
			return true, nil
		}})
	a := &agent.Agent{Name: "browser", Model: "gpt-5.4", Tools: []tools.Tool{tool}}
	res, err := newRunner(srv).Run(ctx, a, runner.Text("Search for penguins"))
	if err != nil || res.Output != "done" {
		t.Fatalf("run: %v %v", res, err)
	}
	if got := pageLog(t, b); !slices.Contains(got, "submit:penguin") {
		t.Errorf("the page saw %v", got)
	}
	if got := eval[string](t, b, `getSelection().toString()`); got != "hello" {
		t.Errorf("the double click selected %q", got)
	}
	if !slices.Equal(asked, []string{"irrelevant_domain"}) {
		t.Errorf("checks asked: %v", asked)
	}
	reqs := srv.Requests()
	if def := reqs[0].Request.Tools[0]; def.Type != responses.ToolComputer || reqs[0].Request.Truncation != "" {
		t.Errorf("GA request: tool %s, truncation %q", def.Raw, reqs[0].Request.Truncation)
	}
	outputs := func(req *responses.Request) map[string]*responses.Item {
		m := map[string]*responses.Item{}
		for i, it := range req.Input.Items {
			if it.Type == responses.ItemComputerCallOutput {
				m[it.CallID] = &req.Input.Items[i]
			}
		}
		return m
	}
	out1 := outputs(reqs[1].Request)["call_1"]
	if out1 == nil || !strings.HasPrefix(out1.Screenshot.ImageURL, "data:image/png;base64,iVBOR") || out1.Screenshot.CurrentURL != fix.main.URL+"/" {
		t.Errorf("first output: %+v", out1)
	}
	last := outputs(reqs[2].Request)
	if o := last["call_1"]; o == nil || o.Screenshot.ImageURL != computer.PlaceholderImageURL {
		t.Errorf("the older screenshot was not trimmed: %+v", o)
	}
	if o := last["call_2"]; o == nil || len(o.AcknowledgedSafetyChecks) != 1 || o.AcknowledgedSafetyChecks[0].ID != "sc_1" ||
		!strings.HasPrefix(o.Screenshot.ImageURL, "data:image/png;base64,") {
		t.Errorf("second output: %+v", o)
	}

	// Preview: one action per call; a check with no callback pauses the run
	// before its action runs; rejected, the action never runs and the model
	// is told beside a fresh screenshot.
	refused := responsestest.ComputerCallPreview("call_4", click(70, 35, "left"))
	refused.PendingSafetyChecks = []responses.SafetyCheck{check}
	srv = responsestest.Start(t,
		responsestest.Reply(responsestest.ComputerCallPreview("call_3", click(71, 36, "left"))),
		responsestest.Reply(refused),
		responsestest.Reply(responsestest.Message("ok, I will not")),
	)
	a = &agent.Agent{Name: "browser", Model: "computer-use-preview", Tools: []tools.Tool{computer.NewTool(b, nil)}}
	r := newRunner(srv)
	res, err = r.Run(ctx, a, runner.Text("Click the button"))
	if err != nil || !res.Paused() || res.Interruptions[0].CallID != "call_4" {
		t.Fatalf("refused check: %+v, %v", res, err)
	}
	if err := res.State.Reject("call_4", "off task"); err != nil {
		t.Fatal(err)
	}
	if res, err = r.Resume(ctx, a, res.State); err != nil || res.Output != "ok, I will not" {
		t.Fatalf("resume: %+v, %v", res, err)
	}
	if got := pageLog(t, b); !slices.Equal(got, []string{"mousedown:0:71,36:", "click:0:71,36:"}) {
		t.Errorf("the page saw %v, want the first click only", got)
	}
	o := outputs(srv.Requests()[2].Request)["call_4"]
	if o == nil || !strings.HasPrefix(o.Screenshot.ImageURL, "data:image/png;base64,") || len(o.AcknowledgedSafetyChecks) != 1 {
		t.Errorf("rejected call's output: %+v", o)
	}
	req := srv.Requests()[0].Request
	if d := req.Tools[0]; d.Type != responses.ToolComputerUsePreview || d.DisplayWidth != 1024 || d.DisplayHeight != 768 ||
		d.Environment != "browser" || req.Truncation != "auto" {
		t.Errorf("preview request: tool %+v, truncation %q", d, req.Truncation)
	}
}

// TestRunnerActionApproval: a per-action policy sees the action and the
// page's domain in the real browser: typing outside example.com pauses the
// run, and the text reaches the page only once approved.
func TestRunnerActionApproval(t *testing.T) {
	b, ctx := fixturePageOpen(t)
	var seen []computer.ActionInfo
	policy := func(_ context.Context, a computer.ActionInfo) (bool, error) {
		seen = append(seen, a)
		return a.Action.Type == responses.ActionType && a.Domain != "example.com", nil
	}
	srv := responsestest.Start(t,
		responsestest.Reply(responsestest.ComputerCall("call_1", click(120, 395, "left"))),
		responsestest.Reply(responsestest.ComputerCall("call_2", responses.ComputerAction{Type: "type", Text: "walrus\n"})),
		responsestest.Reply(responsestest.Message("done")),
	)
	a := &agent.Agent{Name: "browser", Model: "gpt-5.4", Tools: []tools.Tool{computer.NewTool(b, &computer.Options{NeedsApproval: policy})}}
	r := runner.New(responses.NewClient(&responses.Options{BaseURL: srv.URL(), APIKey: "test", MaxRetries: -1}), nil)
	res, err := r.Run(ctx, a, runner.Text("Search for walruses"))
	if err != nil || !res.Paused() || res.Interruptions[0].CallID != "call_2" {
		t.Fatalf("run: %+v, %v", res, err)
	}
	if slices.Contains(pageLog(t, b), "submit:walrus") {
		t.Fatal("the text was typed before approval")
	}
	if len(seen) != 2 || seen[1].Domain != "127.0.0.1" || seen[1].Action.Text != "walrus\n" || !strings.HasPrefix(seen[1].URL, "http://127.0.0.1:") {
		t.Errorf("the policy saw %+v", seen)
	}
	if err := res.State.Approve("call_2"); err != nil {
		t.Fatal(err)
	}
	if res, err = r.Resume(ctx, a, res.State); err != nil || res.Output != "done" {
		t.Fatalf("resume: %+v, %v", res, err)
	}
	if got := pageLog(t, b); !slices.Contains(got, "submit:walrus") {
		t.Errorf("the page saw %v", got)
	}
}

// TestRunnerTellsTheModel: in a run, what a screenshot cannot show reaches
// the model beside the outputs: a dialog and its answer (without failing
// the call), an action off the screen (refused, nothing run).
func TestRunnerTellsTheModel(t *testing.T) {
	b, ctx := openPage(t, "/dialogs")
	srv := responsestest.Start(t,
		responsestest.Reply(responsestest.ComputerCall("call_1", click(190, 35, "left"))),
		responsestest.Reply(responsestest.ComputerCall("call_2", click(2000, 35, "left"))),
		responsestest.Reply(responsestest.Message("done")),
	)
	a := &agent.Agent{Name: "browser", Model: "gpt-5.4", Tools: []tools.Tool{computer.NewTool(b, nil)}}
	r := runner.New(responses.NewClient(&responses.Options{BaseURL: srv.URL(), APIKey: "test", MaxRetries: -1}), nil)
	var errs []string
	for ev, err := range r.Stream(ctx, a, runner.Text("Delete the file")) {
		if err != nil {
			t.Fatal(err)
		}
		if ev.Type == runner.EventToolFinished {
			errs = append(errs, fmt.Sprint(ev.Err))
		}
	}
	note := func(i int) string {
		items := srv.Requests()[i].Request.Input.Items
		if last := items[len(items)-1]; last.IsMessage() && last.Role == responses.RoleUser {
			return last.Text()
		}
		return ""
	}
	host := strings.TrimPrefix(fix.main.URL, "http://")
	if got, want := note(1), `The page at `+host+` asked to confirm: "Delete the file?". It was answered Cancel, by the policy (dismiss).`; got != want {
		t.Errorf("after the dialog, the model read %q, want %q", got, want)
	}
	if got := note(2); !strings.Contains(got, "(2000, 35) is outside the screen: the screen is 1024×768") || !strings.Contains(got, "The screenshot shows the screen as it is now.") {
		t.Errorf("after the click off the screen, the model read %q", got)
	}
	if len(errs) != 2 || errs[0] != "<nil>" || !strings.Contains(errs[1], "outside the screen") {
		t.Errorf("EventToolFinished errors %q", errs)
	}
	if got := pageLog(t, b); !slices.Equal(got, []string{"confirm:false"}) {
		t.Errorf("the page saw %q", got)
	}
}

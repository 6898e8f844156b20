package computer_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/tools"
	"github.com/agentloop/agentloop/tools/computer"
	"github.com/google/go-cmp/cmp"
)

// fakeComputer records what it is asked to do.
type fakeComputer struct {
	display  computer.Display
	log      []string
	shots    int
	failOn   string // action type whose Do fails
	shotErr  error
	url      string
	onAction func(a responses.ComputerAction)
}

func (f *fakeComputer) Display() computer.Display { return f.display }

func (f *fakeComputer) Do(ctx context.Context, a responses.ComputerAction) error {
	b, _ := json.Marshal(a)
	f.log = append(f.log, string(b))
	if f.onAction != nil {
		f.onAction(a)
	}
	if a.Type == f.failOn {
		return errors.New("boom")
	}
	return nil
}

func (f *fakeComputer) Screenshot(ctx context.Context) (computer.Screenshot, error) {
	f.shots++
	f.log = append(f.log, "screenshot")
	if f.shotErr != nil {
		return computer.Screenshot{}, f.shotErr
	}
	return computer.Screenshot{Data: []byte("png!"), MIME: "image/png"}, nil
}

// urlComputer adds the optional URLReporter.
type urlComputer struct{ *fakeComputer }

func (u urlComputer) CurrentURL(ctx context.Context) (string, error) { return u.url, nil }

func decodeItem(t *testing.T, s string) *responses.Item {
	t.Helper()
	var it responses.Item
	if err := json.Unmarshal([]byte(s), &it); err != nil {
		t.Fatal(err)
	}
	return &it
}

func marshal(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const shotURL = "data:image/png;base64,cG5nIQ=="

func TestDefinition(t *testing.T) {
	display := computer.Display{Width: 1024, Height: 768, Environment: "browser"}
	preview := `{"type":"computer_use_preview","display_width":1024,"display_height":768,"environment":"browser"}`
	tests := []struct {
		toolType, model string
		want, trunc     string
	}{
		{"", "computer-use-preview", preview, "auto"},
		{"", "computer-use-preview-2025-03-11", preview, "auto"},
		{"", "openai/computer-use-preview", preview, "auto"},
		{"", "gpt-5.4", `{"type":"computer"}`, ""},
		{"", "", `{"type":"computer"}`, ""},
		{responses.ToolComputer, "computer-use-preview", `{"type":"computer"}`, ""},
		{responses.ToolComputerUsePreview, "gpt-5.5", preview, "auto"},
	}
	for _, tt := range tests {
		tool := computer.NewTool(&fakeComputer{display: display}, &computer.Options{ToolType: tt.toolType})
		if got := marshal(t, tool.DefinitionFor(tt.model)); got != tt.want {
			t.Errorf("DefinitionFor(%q) with ToolType %q = %s, want %s", tt.model, tt.toolType, got, tt.want)
		}
		if got := tool.TruncationFor(tt.model); got != tt.trunc {
			t.Errorf("TruncationFor(%q) with ToolType %q = %q, want %q", tt.model, tt.toolType, got, tt.trunc)
		}
	}
	if got := marshal(t, computer.NewTool(&fakeComputer{display: display}, nil).Definition()); got != `{"type":"computer"}` {
		t.Errorf("default Definition = %s", got)
	}
	// An empty environment is declared as browser.
	tool := computer.NewTool(&fakeComputer{display: computer.Display{Width: 800, Height: 600}},
		&computer.Options{ToolType: responses.ToolComputerUsePreview})
	if got, want := marshal(t, tool.Definition()), `{"type":"computer_use_preview","display_width":800,"display_height":600,"environment":"browser"}`; got != want {
		t.Errorf("Definition = %s, want %s", got, want)
	}
}

func TestCallIsNotForFunctions(t *testing.T) {
	var tool tools.Tool = computer.NewTool(&fakeComputer{}, nil)
	if _, err := tool.Call(context.Background(), "{}"); err == nil || !strings.Contains(err.Error(), "computer_call") {
		t.Errorf("Call error = %v", err)
	}
	if _, ok := tool.(tools.ItemCaller); !ok {
		t.Error("the tool is not an ItemCaller")
	}
}

func TestCallItem(t *testing.T) {
	tests := []struct {
		name     string
		call     string
		url      bool
		failOn   string
		wantLog  []string
		wantOut  string
		wantErr  string // substring; "" means no error
		errIndex int
	}{
		{
			name:    "preview single action",
			call:    `{"type":"computer_call","id":"cu_1","call_id":"call_1","action":{"type":"click","button":"left","x":405,"y":157},"pending_safety_checks":[],"status":"completed"}`,
			wantLog: []string{`{"type":"click","button":"left","x":405,"y":157}`, "screenshot"},
			wantOut: `{"type":"computer_call_output","call_id":"call_1","output":{"type":"computer_screenshot","image_url":"` + shotURL + `"}}`,
		},
		{
			name: "GA batch in order, with the current URL",
			call: `{"type":"computer_call","id":"cu_2","call_id":"call_2","actions":[{"type":"move","x":1,"y":2},{"type":"screenshot"},{"type":"type","text":"hi"},{"type":"keypress","keys":["CTRL","A"]},{"type":"wait"}],"status":"completed"}`,
			url:  true,
			wantLog: []string{`{"type":"move","x":1,"y":2}`, `{"type":"type","text":"hi"}`,
				`{"type":"keypress","keys":["CTRL","A"]}`, `{"type":"wait"}`, "screenshot"},
			wantOut: `{"type":"computer_call_output","call_id":"call_2","output":{"type":"computer_screenshot","image_url":"` + shotURL + `","current_url":"http://example.test/"}}`,
		},
		{
			name:    "a final screenshot action is the screenshot",
			call:    `{"type":"computer_call","call_id":"call_3","actions":[{"type":"scroll","x":5,"y":6,"scroll_x":0,"scroll_y":300},{"type":"screenshot"}]}`,
			wantLog: []string{`{"type":"scroll","x":5,"y":6,"scroll_x":0,"scroll_y":300}`, "screenshot"},
			wantOut: `{"type":"computer_call_output","call_id":"call_3","output":{"type":"computer_screenshot","image_url":"` + shotURL + `"}}`,
		},
		{
			name:     "unknown action: nothing runs",
			call:     `{"type":"computer_call","call_id":"call_4","actions":[{"type":"move","x":1,"y":2},{"type":"teleport","x":1,"y":2}]}`,
			wantLog:  []string{"screenshot"},
			wantOut:  `{"type":"computer_call_output","call_id":"call_4","output":{"type":"computer_screenshot","image_url":"` + shotURL + `"}}`,
			wantErr:  `action 1 (teleport): computer: unsupported action "teleport"`,
			errIndex: 1,
		},
		{
			name:     "bad button",
			call:     `{"type":"computer_call","call_id":"call_5","action":{"type":"click","button":"middle","x":1,"y":2}}`,
			wantLog:  []string{"screenshot"},
			wantOut:  `{"type":"computer_call_output","call_id":"call_5","output":{"type":"computer_screenshot","image_url":"` + shotURL + `"}}`,
			wantErr:  `unknown button "middle"`,
			errIndex: 0,
		},
		{
			name:     "no action",
			call:     `{"type":"computer_call","call_id":"call_6","actions":[]}`,
			wantLog:  []string{"screenshot"},
			wantOut:  `{"type":"computer_call_output","call_id":"call_6","output":{"type":"computer_screenshot","image_url":"` + shotURL + `"}}`,
			wantErr:  "no action",
			errIndex: -1,
		},
		{
			name:     "a failure skips the rest of the batch",
			call:     `{"type":"computer_call","call_id":"call_7","actions":[{"type":"move","x":1,"y":2},{"type":"drag","path":[{"x":1,"y":2},{"x":3,"y":4}]},{"type":"type","text":"never"}]}`,
			failOn:   "drag",
			wantLog:  []string{`{"type":"move","x":1,"y":2}`, `{"type":"drag","path":[{"x":1,"y":2},{"x":3,"y":4}]}`, "screenshot"},
			wantOut:  `{"type":"computer_call_output","call_id":"call_7","output":{"type":"computer_screenshot","image_url":"` + shotURL + `"}}`,
			wantErr:  "computer: action 1 (drag): boom",
			errIndex: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeComputer{failOn: tt.failOn, url: "http://example.test/"}
			var c computer.Computer = f
			if tt.url {
				c = urlComputer{f}
			}
			tool := computer.NewTool(c, nil)
			out, err := tool.CallItem(context.Background(), decodeItem(t, tt.call))
			if diff := cmp.Diff(tt.wantLog, f.log); diff != "" {
				t.Errorf("actions (-want +got):\n%s", diff)
			}
			if got := marshal(t, out); got != tt.wantOut {
				t.Errorf("output\n got %s\nwant %s", got, tt.wantOut)
			}
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("error %v", err)
				}
				return
			}
			var ae *computer.ActionError
			if !errors.As(err, &ae) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want an ActionError with %q", err, tt.wantErr)
			}
			if ae.Index != tt.errIndex {
				t.Errorf("ActionError.Index = %d, want %d", ae.Index, tt.errIndex)
			}
			if errors.Is(err, tools.ErrAbort) {
				t.Error("an action error must not abort the run")
			}
		})
	}
}

func TestCallItemUnsupportedByBackend(t *testing.T) {
	f := &fakeComputer{}
	c := unsupported{f}
	out, err := computer.NewTool(c, nil).CallItem(context.Background(),
		decodeItem(t, `{"type":"computer_call","call_id":"c","action":{"type":"wait"}}`))
	if !errors.Is(err, computer.ErrUnsupportedAction) || out.Type != responses.ItemComputerCallOutput {
		t.Errorf("got %+v, %v", out, err)
	}
}

type unsupported struct{ *fakeComputer }

func (u unsupported) Do(ctx context.Context, a responses.ComputerAction) error {
	return fmt.Errorf("fake: %w: %s", computer.ErrUnsupportedAction, a.Type)
}

func TestSafetyChecks(t *testing.T) {
	const call = `{"type":"computer_call","call_id":"call_9","action":{"type":"type","text":"x"},"pending_safety_checks":[{"id":"cu_sc_1","code":"malicious_instructions","message":"Odd page."},{"id":"cu_sc_2","code":"irrelevant_domain","message":"Off topic."}]}`
	boom := errors.New("no person around")
	tests := []struct {
		name     string
		approve  func(ctx context.Context, call *responses.Item, check responses.SafetyCheck) (bool, error)
		wantLog  []string
		wantOut  string
		wantErr  string
		cause    error
		asked    []string
		checkErr string
	}{
		{
			name:    "no callback refuses",
			wantErr: "computer: safety check cu_sc_1 (malicious_instructions) refused: Odd page.",
		},
		{
			name:    "approved",
			approve: func(context.Context, *responses.Item, responses.SafetyCheck) (bool, error) { return true, nil },
			wantLog: []string{`{"type":"type","text":"x"}`, "screenshot"},
			wantOut: `{"type":"computer_call_output","call_id":"call_9","acknowledged_safety_checks":[{"id":"cu_sc_1","code":"malicious_instructions","message":"Odd page."},{"id":"cu_sc_2","code":"irrelevant_domain","message":"Off topic."}],"output":{"type":"computer_screenshot","image_url":"` + shotURL + `"}}`,
			asked:   []string{"cu_sc_1", "cu_sc_2"},
		},
		{
			name: "second refused",
			approve: func(_ context.Context, _ *responses.Item, c responses.SafetyCheck) (bool, error) {
				return c.ID == "cu_sc_1", nil
			},
			wantErr: "computer: safety check cu_sc_2 (irrelevant_domain) refused: Off topic.",
			asked:   []string{"cu_sc_1", "cu_sc_2"},
		},
		{
			name:    "callback error",
			approve: func(context.Context, *responses.Item, responses.SafetyCheck) (bool, error) { return false, boom },
			wantErr: "computer: safety check cu_sc_1 (malicious_instructions) not approved: no person around: Odd page.",
			cause:   boom,
			asked:   []string{"cu_sc_1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeComputer{}
			var asked []string
			opts := &computer.Options{}
			if tt.approve != nil {
				opts.ApproveSafetyCheck = func(ctx context.Context, call *responses.Item, c responses.SafetyCheck) (bool, error) {
					if call.CallID != "call_9" {
						t.Errorf("callback got call %q", call.CallID)
					}
					asked = append(asked, c.ID)
					return tt.approve(ctx, call, c)
				}
			}
			out, err := computer.NewTool(f, opts).CallItem(context.Background(), decodeItem(t, call))
			if diff := cmp.Diff(tt.wantLog, f.log); diff != "" {
				t.Errorf("actions (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.asked, asked); diff != "" {
				t.Errorf("checks asked (-want +got):\n%s", diff)
			}
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if got := marshal(t, out); got != tt.wantOut {
					t.Errorf("output\n got %s\nwant %s", got, tt.wantOut)
				}
				return
			}
			if err == nil || err.Error() != tt.wantErr {
				t.Fatalf("error %v, want %q", err, tt.wantErr)
			}
			if !errors.Is(err, tools.ErrAbort) {
				t.Error("a refused check must abort the run")
			}
			if tt.cause != nil && !errors.Is(err, tt.cause) {
				t.Error("the callback's error is not wrapped")
			}
			var se *computer.SafetyCheckError
			if !errors.As(err, &se) || se.Check.Code == "" {
				t.Errorf("not a SafetyCheckError with its check: %v", err)
			}
			if out.Type != "" {
				t.Errorf("output %+v on refusal, want none", out)
			}
		})
	}
}

func TestScreenshotFailure(t *testing.T) {
	f := &fakeComputer{shotErr: errors.New("no display")}
	out, err := computer.NewTool(f, nil).CallItem(context.Background(),
		decodeItem(t, `{"type":"computer_call","call_id":"c1","action":{"type":"move","x":1,"y":2}}`))
	if err == nil || !strings.Contains(err.Error(), "computer: screenshot: no display") {
		t.Fatalf("error %v", err)
	}
	want := `{"type":"computer_call_output","call_id":"c1","output":{"type":"computer_screenshot","image_url":"` + responses.PlaceholderScreenshot + `"}}`
	if got := marshal(t, out); got != want {
		t.Errorf("output\n got %s\nwant %s", got, want)
	}
}

func TestCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	f := &fakeComputer{}
	f.onAction = func(responses.ComputerAction) { cancel() }
	out, err := computer.NewTool(f, nil).CallItem(ctx,
		decodeItem(t, `{"type":"computer_call","call_id":"c1","actions":[{"type":"move","x":1,"y":2},{"type":"move","x":3,"y":4}]}`))
	if !errors.Is(err, context.Canceled) || out.Type != "" {
		t.Fatalf("got %+v, %v", out, err)
	}
	if len(f.log) != 1 {
		t.Errorf("ran %v after cancellation", f.log)
	}
}

func TestDataURL(t *testing.T) {
	tests := []struct {
		s    computer.Screenshot
		want string
	}{
		{computer.Screenshot{Data: []byte{0xff, 0xd8}, MIME: "image/jpeg"}, "data:image/jpeg;base64,/9g="},
		{computer.Screenshot{Data: []byte("png!")}, shotURL},
	}
	for _, tt := range tests {
		if got := tt.s.DataURL(); got != tt.want {
			t.Errorf("DataURL = %q, want %q", got, tt.want)
		}
	}
}

// The runner finds these capabilities by type assertion.
var (
	_ tools.Tool          = (*computer.Tool)(nil)
	_ tools.ItemCaller    = (*computer.Tool)(nil)
	_ tools.ModelDefiner  = (*computer.Tool)(nil)
	_ tools.RequestEditor = (*computer.Tool)(nil)
)

func TestTimedOut(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	ctx, cancel2 := context.WithDeadline(ctx, time.Now().Add(-time.Second))
	defer cancel2()
	f := &fakeComputer{}
	out, err := computer.NewTool(f, nil).CallItem(ctx,
		decodeItem(t, `{"type":"computer_call","call_id":"c1","actions":[{"type":"move","x":1,"y":2}]}`))
	var ae *computer.ActionError
	if !errors.As(err, &ae) || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "timed out") {
		t.Fatalf("error %v, want an ActionError for the timeout", err)
	}
	if out.Screenshot == nil || out.Screenshot.ImageURL != shotURL {
		t.Errorf("output %+v, want the screenshot", out)
	}
	if diff := cmp.Diff([]string{"screenshot"}, f.log); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestOffScreen: an action whose coordinates are off the screen is refused
// before anything of its call runs, and the model is told the screen's size.
func TestOffScreen(t *testing.T) {
	tests := []struct {
		action  string
		wantErr string // "" means valid
	}{
		{`{"type":"click","button":"left","x":799,"y":599}`, ""},
		{`{"type":"click","button":"left","x":0,"y":0}`, ""},
		{`{"type":"click","button":"left","x":800,"y":10}`, "(800, 10) is outside the screen: the screen is 800×600, so x must be 0–799 and y 0–599"},
		{`{"type":"double_click","x":-1,"y":5}`, "(-1, 5) is outside the screen"},
		{`{"type":"move","x":5,"y":600}`, "(5, 600) is outside the screen"},
		{`{"type":"scroll","x":5,"y":9000,"scroll_x":0,"scroll_y":100}`, "(5, 9000) is outside the screen"},
		{`{"type":"drag","path":[{"x":1,"y":2},{"x":1200,"y":4}]}`, "path point 1: (1200, 4) is outside the screen"},
		{`{"type":"type","text":"no coordinates"}`, ""},
	}
	for _, tt := range tests {
		f := &fakeComputer{display: computer.Display{Width: 800, Height: 600}}
		_, err := computer.NewTool(f, nil).CallItem(context.Background(),
			decodeItem(t, `{"type":"computer_call","call_id":"c","actions":[{"type":"move","x":1,"y":1},`+tt.action+`]}`))
		if tt.wantErr == "" {
			if err != nil || len(f.log) != 3 {
				t.Errorf("%s: %v, ran %q", tt.action, err, f.log)
			}
			continue
		}
		if !errors.Is(err, computer.ErrOffScreen) || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: %v, want %q", tt.action, err, tt.wantErr)
		}
		if diff := cmp.Diff([]string{"screenshot"}, f.log); diff != "" {
			t.Errorf("%s: ran (-want +got):\n%s", tt.action, diff)
		}
	}
}

// noticeComputer has things to tell the model.
type noticeComputer struct {
	*fakeComputer
	pending []string
}

func (n *noticeComputer) Notices() []string {
	p := n.pending
	n.pending = nil
	return p
}

// TestNotices: in a runner, a Notifier's notices go to the model beside the
// output, whether the call failed or not; outside one they stay with the
// computer.
func TestNotices(t *testing.T) {
	call := `{"type":"computer_call","call_id":"c","action":{"type":"click","button":"left","x":1,"y":1}}`
	for _, failOn := range []string{"", "click"} {
		n := &noticeComputer{fakeComputer: &fakeComputer{failOn: failOn}, pending: []string{`The page showed an alert: "hi". It was closed.`}}
		tool := computer.NewTool(n, nil)
		if _, err := tool.CallItem(context.Background(), decodeItem(t, call)); (err != nil) != (failOn != "") {
			t.Fatalf("outside a runner: %v", err)
		}
		if len(n.pending) != 1 {
			t.Fatalf("outside a runner the notices were taken: %q", n.pending)
		}
		ctx, notes := tools.WithNotes(tools.WithCallInfo(context.Background(), tools.CallInfo{RunID: "r", CallID: "c"}))
		if _, err := tool.CallItem(ctx, decodeItem(t, call)); (err != nil) != (failOn != "") {
			t.Fatalf("in a runner: %v", err)
		}
		if diff := cmp.Diff([]string{`The page showed an alert: "hi". It was closed.`}, notes()); diff != "" {
			t.Errorf("failOn %q: notes (-want +got):\n%s", failOn, diff)
		}
	}
}

package runner_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/responses/responsestest"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/tools"
)

// fakeToolset gives the tools of its current list; each call of Tools is
// counted, and err, when set, is returned instead.
type fakeToolset struct {
	mu    sync.Mutex
	list  []tools.Tool
	err   error
	calls int
}

func (f *fakeToolset) Tools(context.Context) ([]tools.Tool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.err != nil {
		return nil, f.err
	}
	return f.list, nil
}

func (f *fakeToolset) set(list []tools.Tool, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.list, f.err = list, err
}

func echoTool(t *testing.T, name string, calls *atomic.Int64) tools.Tool {
	t.Helper()
	tool, err := tools.NewFunc(name, "Echo", func(_ context.Context, in cityArgs) (string, error) {
		calls.Add(1)
		return name + ":" + in.City, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return tool
}

// TestToolsets: a toolset's tools are listed when the run starts and
// before every model call; a list that changed reaches the next request and
// the state's fingerprints (so a resume compares with the latest), a
// failed listing later in the run keeps the tools it gave, and one at the
// start fails the run.
func TestToolsets(t *testing.T) {
	var n atomic.Int64
	first, second := echoTool(t, "first", &n), echoTool(t, "second", &n)
	set := &fakeToolset{list: []tools.Tool{first}}
	srv := responsestest.Start(t,
		responsestest.Reply(responsestest.FunctionCall("c1", "first", `{"city":"a"}`)),
		responsestest.Func(func(*responsestest.Received) responsestest.Step {
			// The server's list changed while the first call ran.
			return responsestest.Reply(responsestest.FunctionCall("c2", "second", `{"city":"b"}`))
		}),
		responsestest.Reply(responsestest.FunctionCall("c3", "second", `{"city":"c"}`)),
		responsestest.Reply(responsestest.Message("done")),
	)
	a := &agent.Agent{Name: "a", Model: "gpt-5", Tools: []tools.Tool{weatherTool(t, nil)}, Toolsets: []tools.Toolset{set}}
	turn := 0
	var res *runner.Result
	for ev, err := range newRunner(srv, nil).Stream(context.Background(), a, runner.Text("go")) {
		if err != nil {
			t.Fatal(err)
		}
		if ev.Type == runner.EventTurnEnded {
			turn++
			switch turn {
			case 1:
				set.set([]tools.Tool{first, second}, nil)
			case 2:
				set.set(nil, errors.New("server gone"))
			}
		}
		if ev.Result != nil {
			res = ev.Result
		}
	}
	if res == nil || res.Output != "done" || n.Load() != 3 {
		t.Fatalf("result %+v, %d calls", res, n.Load())
	}
	var got [][]string
	for _, r := range srv.Requests() {
		got = append(got, toolNames(r.Request))
	}
	want := [][]string{
		{"get_weather", "first"},
		{"get_weather", "first", "second"},
		{"get_weather", "first", "second"}, // the listing failed: kept
		{"get_weather", "first", "second"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("tools per request (-want +got):\n%s", diff)
	}
	if set.calls != 4 {
		t.Errorf("Tools called %d times, want once per model call (4)", set.calls)
	}
	var names []string
	for _, p := range res.State.Tools {
		names = append(names, p.Name)
	}
	if !slices.Equal(names, []string{"get_weather", "first", "second"}) {
		t.Errorf("state tools %v", names)
	}

	t.Run("fails at start", func(t *testing.T) {
		srv := responsestest.Start(t)
		bad := &fakeToolset{err: errors.New("connection refused")}
		a := &agent.Agent{Name: "a", Model: "gpt-5", Toolsets: []tools.Toolset{bad}}
		_, err := newRunner(srv, nil).Run(context.Background(), a, runner.Text("go"))
		if err == nil || !strings.Contains(err.Error(), "connection refused") || !strings.Contains(err.Error(), "toolset 0") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("duplicate name", func(t *testing.T) {
		srv := responsestest.Start(t)
		dup := &fakeToolset{list: []tools.Tool{weatherTool(t, nil)}}
		a := &agent.Agent{Name: "a", Model: "gpt-5", Tools: []tools.Tool{weatherTool(t, nil)}, Toolsets: []tools.Toolset{dup}}
		_, err := newRunner(srv, nil).Run(context.Background(), a, runner.Text("go"))
		if err == nil || !strings.Contains(err.Error(), `two tools are named "get_weather"`) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("nil toolset", func(t *testing.T) {
		a := &agent.Agent{Name: "a", Model: "gpt-5", Toolsets: []tools.Toolset{nil}}
		if err := a.Validate(); err == nil || !strings.Contains(err.Error(), "toolsets[0] is nil") {
			t.Errorf("err = %v", err)
		}
	})
}

// typedError is a tool error that names its error.type.
type typedError struct{ typ string }

func (e *typedError) Error() string     { return "failed: " + e.typ }
func (e *typedError) ErrorType() string { return e.typ }

// TestToolErrorType: a tool error with an ErrorType method sets the
// error.type of its execute_tool span.
func TestToolErrorType(t *testing.T) {
	tool, err := tools.NewFunc("fails", "Fails", func(context.Context, cityArgs) (string, error) {
		return "", &typedError{typ: "tool_error"}
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := responsestest.Start(t,
		responsestest.Reply(responsestest.FunctionCall("c1", "fails", `{"city":"a"}`)),
		responsestest.Reply(responsestest.Message("done")))
	tr := newTraced()
	a := &agent.Agent{Name: "a", Model: "gpt-5", Tools: []tools.Tool{tool}}
	if _, err := tr.runner(srv, "k", nil, nil).Run(context.Background(), a, runner.Text("go")); err != nil {
		t.Fatal(err)
	}
	for _, s := range tr.spans() {
		if s.Name() == "execute_tool fails" {
			if got := str(s, "error.type"); got != "tool_error" {
				t.Errorf("error.type = %q", got)
			}
			return
		}
	}
	t.Error("no execute_tool span")
}

package temporal

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/responses/responsestest"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/tools"
)

// TestRequestByReference: requests larger than InlineRequestBytes stay out
// of the activity's input; the activity reads them from the workflow, and
// sends the same bytes.
func TestRequestByReference(t *testing.T) {
	var local, calls atomic.Int64
	ro := runner.Options{DisableStreaming: true}
	la := &agent.Agent{Name: "weather", Model: "gpt-5", Tools: []tools.Tool{weatherTool(t, &local)}}
	_, wantBodies := localRun(t, la, ro, runner.Text("Weather?"), nil, weatherSteps()...)

	srv := responsestest.Start(t, weatherSteps()...)
	a := &agent.Agent{Name: "weather", Model: "gpt-5", Tools: []tools.Tool{weatherTool(t, &calls)}}
	rt := newRuntime(t, srv, []*agent.Agent{a}, &Options{Runner: &ro, InlineRequestBytes: -1})
	env := newEnv(rt)
	var inline, queried atomic.Int64
	rt.loadRequest = func(_ context.Context, in modelInput) (string, error) {
		queried.Add(1)
		v, err := env.QueryWorkflow(requestQuery, in.Turn, in.Call)
		if err != nil {
			return "", err
		}
		var s string
		err = v.Get(&s)
		return s, err
	}
	env.SetOnActivityStartedListener(func(info *activityInfo, _ context.Context, args converterValues) {
		var in modelInput
		if info.ActivityType.Name == ModelActivity && args.Get(&in) == nil && in.Request != "" {
			inline.Add(1)
		}
	})
	in, _ := NewRunInput("weather", runner.Text("Weather?"))
	env.ExecuteWorkflow(WorkflowName, in)
	result(t, env)
	if diff := cmp.Diff(wantBodies, bodies(srv)); diff != "" {
		t.Errorf("requests differ from a local run's (-local +workflow):\n%s", diff)
	}
	if inline.Load() != 0 || queried.Load() != 3 {
		t.Errorf("%d requests inline, %d read from the workflow; want 0 and 3", inline.Load(), queried.Load())
	}
}

// TestRequestByReferenceMismatch: a request read back that is not the one
// the workflow sent is never sent.
func TestRequestByReferenceMismatch(t *testing.T) {
	srv := responsestest.Start(t)
	a := &agent.Agent{Name: "a", Model: "gpt-5"}
	rt := newRuntime(t, srv, []*agent.Agent{a}, &Options{InlineRequestBytes: -1})
	rt.loadRequest = func(context.Context, modelInput) (string, error) { return `{"model":"other"}`, nil }
	env := newEnv(rt)
	in, _ := NewRunInput("a", runner.Text("hi"))
	env.ExecuteWorkflow(WorkflowName, in)
	_, err := (&Run{id: "w"}).failed(env.GetWorkflowError())
	if err == nil || !strings.Contains(err.Error(), "is not the one the workflow sent") || len(srv.Requests()) != 0 {
		t.Errorf("error %v after %d requests", err, len(srv.Requests()))
	}
}

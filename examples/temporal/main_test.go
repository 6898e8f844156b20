package main

import (
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/testsuite"

	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/temporal"
)

// TestExample runs the example's agent as a workflow in the SDK's test
// environment, against the scripted model: the mail waits for an approval,
// which comes as an update a day later.
func TestExample(t *testing.T) {
	model := scriptedModel()
	defer model.Close()
	rt, err := newRuntime(model.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	rt.Register(env)
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(temporal.DecideUpdate, "approve", &testsuite.TestUpdateCallback{
			OnReject: func(err error) { t.Error(err) },
		}, temporal.CallDecision{CallID: "call_mail", Decision: runner.Decision{Approve: true}})
	}, 24*time.Hour)
	in, err := temporal.NewRunInput("mailer", runner.Text("Mail the weather in Paris to ann@example.com"))
	if err != nil {
		t.Fatal(err)
	}
	env.ExecuteWorkflow(temporal.WorkflowName, in)
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var out temporal.RunResult
	if err := env.GetWorkflowResult(&out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.Output, "sent to ann@example.com") || !strings.Contains(out.Output, `"city":"Paris"`) {
		t.Errorf("output %q", out.Output)
	}
}

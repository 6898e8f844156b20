package temporal

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/responses/responsestest"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/tools"
)

// triage returns an agent that hands off to "billing", whose tool is
// refund: only billing, not the agent the run started with, can run it.
func triage(t *testing.T, refunds *atomic.Int64) *agent.Agent {
	t.Helper()
	refund, err := tools.NewFunc("refund", "Refunds an order",
		func(_ context.Context, in struct {
			Order string `json:"order"`
		}) (string, error) {
			refunds.Add(1)
			return "refunded " + in.Order, nil
		})
	if err != nil {
		t.Fatal(err)
	}
	billing := &agent.Agent{Name: "billing", Model: "gpt-5", Instructions: "Refund orders.", Tools: []tools.Tool{refund}}
	return &agent.Agent{Name: "triage", Model: "gpt-5", Instructions: "Route.", Handoffs: []agent.Handoff{{Agent: billing}}}
}

func handoffSteps() []responsestest.Step {
	return []responsestest.Step{
		responsestest.Reply(responsestest.FunctionCall("c1", "transfer_to_billing", `{"reason":"a refund"}`)),
		responsestest.Reply(responsestest.FunctionCall("c2", "refund", `{"order":"A-1"}`)),
		responsestest.Reply(responsestest.Message("Refunded.")),
	}
}

// TestWorkflowHandoff: after a handoff, the calls run with the tools of
// the agent in charge, also in a new execution after continue-as-new, and
// the model sees what a local run sends.
func TestWorkflowHandoff(t *testing.T) {
	var local, refunds atomic.Int64
	ro := runner.Options{DisableStreaming: true}
	_, want := localRun(t, triage(t, &local), ro, runner.Text("Refund A-1"), nil, handoffSteps()...)

	srv := responsestest.Start(t, handoffSteps()...)
	rt := newRuntime(t, srv, []*agent.Agent{triage(t, &refunds)}, &Options{Runner: &ro})
	env := newEnv(rt)
	tools := 0
	env.SetOnActivityCompletedListener(func(info *activityInfo, _ converter.EncodedValue, _ error) {
		if info.ActivityType.Name == ToolActivity {
			if tools++; tools == 1 {
				env.SetContinueAsNewSuggested(true) // after the handoff
			}
		}
	})
	in, _ := NewRunInput("triage", runner.Text("Refund A-1"))
	env.ExecuteWorkflow(WorkflowName, in)
	var can *workflow.ContinueAsNewError
	if err := env.GetWorkflowError(); !errors.As(err, &can) {
		t.Fatalf("error %v, want a continue-as-new", err)
	}
	var next RunInput
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
		t.Fatal(err)
	}
	st, err := decodeState(next.State)
	if err != nil {
		t.Fatal(err)
	}
	if next.Agent != "triage" || st.Agent != "billing" {
		t.Errorf("carried agent %q, state's agent %q; want triage and billing", next.Agent, st.Agent)
	}
	env2 := newEnv(rt)
	env2.ExecuteWorkflow(WorkflowName, next)
	out := result(t, env2)
	if out.Output != "Refunded." || refunds.Load() != 1 {
		t.Errorf("output %q, %d refunds", out.Output, refunds.Load())
	}
	if diff := cmp.Diff(want, bodies(srv)); diff != "" {
		t.Errorf("requests differ from a local run's (-local +workflow):\n%s", diff)
	}
}

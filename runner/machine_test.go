package runner_test

import (
	"bytes"
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/tools"
)

// drive runs a machine to its end or pause, as an engine would, with the
// model called through client and every call run with ExecuteCall, the
// state carried through JSON between steps as across processes.
func drive(t *testing.T, ctx context.Context, r *runner.Runner, client *responses.Client, a *agent.Agent, m *runner.Machine) runner.Step {
	t.Helper()
	for {
		step := m.Next()
		switch step.Kind {
		case runner.StepCallModel:
			resp, err := client.Create(ctx, step.Request)
			if err != nil {
				if m.ApplyModelError(err) {
					continue
				}
				continue // Next reports the failure
			}
			if err := m.ApplyResponse(ctx, resp); err != nil {
				return m.Next()
			}
		case runner.StepRunCalls:
			for _, rec := range step.Calls {
				if err := m.Started(rec.CallID); err != nil {
					t.Fatal(err)
				}
			}
			st := roundTrip(t, m.State())
			for _, rec := range step.Calls {
				call := st.Call(&rec)
				if err := m.ApplyOutcome(rec.CallID, r.ExecuteCall(ctx, a, st.RunID, rec, call)); err != nil {
					t.Fatal(err)
				}
			}
		default:
			return step
		}
	}
}

// TestMachineMatchesRun: a run driven step by step through a Machine
// (state through JSON, calls run apart) pauses, resumes and sends the very
// requests Run sends.
func TestMachineMatchesRun(t *testing.T) {
	ctx := context.Background()
	var n atomic.Int64
	steps := func() []responsestest.Step {
		return []responsestest.Step{mailTurn(), responsestest.Reply(responsestest.Message("Done."))}
	}

	srv := responsestest.Start(t, steps()...)
	a := &agent.Agent{Name: "mailer", Model: "gpt-5", Tools: []tools.Tool{weatherTool(t, &n), mailTool(t, &n)}}
	r := newRunner(srv, &runner.Options{DisableStreaming: true})
	res, err := r.Run(ctx, a, runner.Text("Mail the weather"))
	if err != nil || !res.Paused() {
		t.Fatal(err)
	}
	for _, in := range res.Interruptions {
		if err := res.State.Approve(in.CallID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := r.Resume(ctx, a, res.State); err != nil {
		t.Fatal(err)
	}

	srv2 := responsestest.Start(t, steps()...)
	client := responses.NewClient(&responses.Options{BaseURL: srv2.URL(), APIKey: "test", MaxRetries: -1})
	defer client.Close()
	r2 := runner.New(client, &runner.Options{DisableStreaming: true})
	m, err := r2.Machine(ctx, a, runner.Text("Mail the weather"), nil)
	if err != nil {
		t.Fatal(err)
	}
	step := drive(t, ctx, r2, client, a, m)
	if step.Kind != runner.StepPause || len(step.Result.Interruptions) != 2 {
		t.Fatalf("step %+v", step)
	}
	st := roundTrip(t, m.State())
	for _, in := range st.Pending() {
		if err := st.Approve(in.CallID); err != nil {
			t.Fatal(err)
		}
	}
	m, err = r2.Machine(ctx, a, nil, st)
	if err != nil {
		t.Fatal(err)
	}
	step = drive(t, ctx, r2, client, a, m)
	if step.Kind != runner.StepDone || step.Result.Output != "Done." {
		t.Fatalf("step %+v (%v)", step, step.Err)
	}
	if n.Load() != 6 {
		t.Errorf("%d executions, want 3 per run", n.Load())
	}
	for i := range srv.Requests() {
		if !bytes.Equal(srv.Requests()[i].Body, srv2.Requests()[i].Body) {
			t.Errorf("request %d differs:\n%s\n%s", i, srv.Requests()[i].Body, srv2.Requests()[i].Body)
		}
	}
	var kinds []string
	for _, ev := range m.Events() {
		kinds = append(kinds, string(ev.Type))
	}
	if fmt.Sprint(kinds) == "[]" {
		t.Error("no events")
	}
}

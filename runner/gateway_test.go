package runner_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/tools"
)

// TestIncompleteAtBoundary: a response stopped at a safe boundary
// (max_messages, steered) is whole: its calls run and the run goes on;
// one cut by max_output_tokens still ends the run without running them.
func TestIncompleteAtBoundary(t *testing.T) {
	for _, reason := range []string{responses.IncompleteMaxMessages, responses.IncompleteSteered, responses.IncompleteMaxOutputTokens} {
		for _, stream := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/stream=%v", reason, stream), func(t *testing.T) {
				var n atomic.Int64
				steps := []responsestest.Step{responsestest.Reply(responsestest.FunctionCall("c1", "get_weather", `{"city":"Paris"}`)).Incomplete(reason)}
				cut := reason == responses.IncompleteMaxOutputTokens
				if !cut {
					steps = append(steps, responsestest.Reply(responsestest.Message("ok")))
				}
				srv := responsestest.Start(t, steps...)
				a := &agent.Agent{Name: "a", Model: "gpt-5", Tools: []tools.Tool{weatherTool(t, &n)}}
				res, err := newRunner(srv, &runner.Options{DisableStreaming: !stream}).Run(context.Background(), a, runner.Text("go"))
				if cut {
					if !errors.Is(err, runner.ErrIncomplete) || n.Load() != 0 {
						t.Errorf("err %v, %d calls ran", err, n.Load())
					}
					return
				}
				if err != nil || res.Output != "ok" || n.Load() != 1 {
					t.Errorf("res %v err %v, %d calls ran", res, err, n.Load())
				}
			})
		}
	}
}

// includes reports whether each request asked for encrypted reasoning.
func includes(srv *responsestest.Server) []bool {
	var out []bool
	for _, r := range srv.Requests() {
		out = append(out, len(r.Request.Include) > 0)
	}
	return out
}

// TestReasoningGuess: a model name the runner does not know is taken to
// reason; a model that refuses the include gets the request again without
// it, for the rest of the run; a model taken not to reason that shows
// reasoning gets it asked for from the next turn.
func TestReasoningGuess(t *testing.T) {
	call := func(id string) responsestest.Step {
		return responsestest.Reply(responsestest.FunctionCall(id, "get_weather", `{"city":"Paris"}`))
	}
	var n atomic.Int64
	cases := []struct {
		name, model string
		steps       []responsestest.Step
		want        []bool
	}{
		{"new family", "gpt-6-sol", []responsestest.Step{call("c1"), responsestest.Reply(responsestest.Message("ok"))}, []bool{true, true}},
		{"refused", "mystery-1", []responsestest.Step{
			responsestest.Raw(400, "application/json", []byte(`{"error":{"message":"Encrypted content is not supported with this model.","type":"invalid_request_error","param":"include","code":null}}`)),
			call("c1"), responsestest.Reply(responsestest.Message("ok"))}, []bool{true, false, false}},
		{"reasoned", "gpt-4.1", []responsestest.Step{
			responsestest.Reply(responsestest.Reasoning("", "enc"), responsestest.FunctionCall("c1", "get_weather", `{"city":"Paris"}`)).
				Usage(responses.Usage{OutputTokens: 9, OutputTokensDetails: responses.OutputTokensDetails{ReasoningTokens: 5}}),
			responsestest.Reply(responsestest.Message("ok"))}, []bool{false, true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := responsestest.Start(t, c.steps...)
			a := &agent.Agent{Name: "a", Model: c.model, Tools: []tools.Tool{weatherTool(t, &n)}}
			if _, err := newRunner(srv, nil).Run(context.Background(), a, runner.Text("go")); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(c.want, includes(srv)); diff != "" {
				t.Errorf("include per request (-want +got):\n%s", diff)
			}
		})
	}
}

// TestInputTransformations: reasoning the server reports withheld leaves
// the history of later turns, and is reported as an event.
func TestInputTransformations(t *testing.T) {
	var n atomic.Int64
	srv := responsestest.Start(t,
		responsestest.Reply(responsestest.Reasoning("", "enc-1"), responsestest.FunctionCall("c1", "get_weather", `{"city":"Paris"}`)),
		responsestest.Func(func(r *responsestest.Received) responsestest.Step {
			var id string
			for _, it := range r.Request.Input.Items {
				if it.Type == responses.ItemReasoning {
					id = it.ID
				}
			}
			return responsestest.Reply(responsestest.FunctionCall("c2", "get_weather", `{"city":"Oslo"}`)).
				InputTransformations(responses.InputTransformation{ID: id, Type: "reasoning", Action: responses.TransformRemoved,
					Reason: responses.TransformOrganizationMismatch})
		}),
		responsestest.Reply(responsestest.Message("ok")),
	)
	a := &agent.Agent{Name: "a", Model: "gpt-5", Tools: []tools.Tool{weatherTool(t, &n)}}
	var got []responses.InputTransformation
	for ev, err := range newRunner(srv, nil).Stream(context.Background(), a, runner.Text("go")) {
		if err != nil {
			t.Fatal(err)
		}
		if ev.Type == runner.EventInputTransformed {
			got = append(got, ev.Transformations...)
		}
	}
	if len(got) != 1 || got[0].Reason != responses.TransformOrganizationMismatch {
		t.Errorf("events: %+v", got)
	}
	for _, it := range srv.Requests()[2].Request.Input.Items {
		if it.Type == responses.ItemReasoning {
			t.Errorf("the withheld reasoning item %s was sent again", it.ID)
		}
	}
}

package runner_test

import (
	"context"
	"errors"
	"math"
	"sync/atomic"
	"testing"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/pricing"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/tools"
)

func usage(in, out int64) responses.Usage {
	return responses.Usage{InputTokens: in, OutputTokens: out, TotalTokens: in + out}
}

// TestCost: with a price table, every turn and the run have a cost; a
// model the table does not know makes it unknown, not zero.
func TestCost(t *testing.T) {
	var n atomic.Int64
	for _, model := range []string{"gpt-5-mini", "gpt-6-unknown"} {
		srv := responsestest.Start(t,
			responsestest.Reply(responsestest.FunctionCall("c1", "get_weather", `{"city":"Paris"}`)).Usage(usage(100_000, 1_000)),
			responsestest.Reply(responsestest.Message("sunny")).Usage(usage(200_000, 2_000)))
		a := &agent.Agent{Name: "a", Model: model, Tools: []tools.Tool{weatherTool(t, &n)}}
		var turnCosts []float64
		var res *runner.Result
		for ev, err := range newRunner(srv, &runner.Options{Prices: pricing.Default()}).Stream(context.Background(), a, runner.Text("go")) {
			if err != nil {
				t.Fatal(err)
			}
			if ev.Type == runner.EventTurnEnded && ev.Cost != nil {
				turnCosts = append(turnCosts, *ev.Cost)
			}
			if ev.Type == runner.EventFinalOutput {
				res = ev.Result
			}
		}
		if model == "gpt-6-unknown" {
			if res.Cost != nil || len(turnCosts) != 0 {
				t.Errorf("unknown model: cost %v, turns %v", res.Cost, turnCosts)
			}
			continue
		}
		want := (300_000*0.25 + 3_000*2.0) / 1e6
		if res.Cost == nil || math.Abs(*res.Cost-want) > 1e-12 || len(turnCosts) != 2 {
			t.Errorf("cost %v, want %v; turns %v", res.Cost, want, turnCosts)
		}
	}
}

// TestBudget: a run ends before the model call that would pass its token
// or dollar budget, keeping what it produced.
func TestBudget(t *testing.T) {
	var n atomic.Int64
	cases := []struct {
		name   string
		budget runner.Budget
	}{
		{"tokens", runner.Budget{Tokens: 150_000}},
		{"dollars", runner.Budget{USD: 0.04}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := responsestest.Start(t,
				responsestest.Reply(responsestest.FunctionCall("c1", "get_weather", `{"city":"Paris"}`)).Usage(usage(100_000, 1_000)))
			a := &agent.Agent{Name: "a", Model: "gpt-5-mini", Tools: []tools.Tool{weatherTool(t, &n)}}
			budget := c.budget
			res, err := newRunner(srv, &runner.Options{Prices: pricing.Default(), Budget: &budget}).Run(context.Background(), a, runner.Text("go"))
			if !errors.Is(err, runner.ErrBudget) {
				t.Fatalf("err = %v", err)
			}
			if res == nil || res.Turns != 1 || answered(res.History)["c1"] != "sunny in Paris" {
				t.Errorf("the result lost what the run produced: %+v", res)
			}
		})
	}
}

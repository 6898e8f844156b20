package toolsearch_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/tools"
)

// TestHostedToolSearch: a search the server ran (execution "server", no
// call_id) is replayed as it came and never answered; the function it
// loaded runs.
func TestHostedToolSearch(t *testing.T) {
	for _, stream := range []bool{false, true} {
		t.Run(fmt.Sprintf("stream=%v", stream), func(t *testing.T) {
			var calls int
			deferred := deferredTools(t, &calls, false)
			srv := responsestest.Start(t,
				responsestest.Reply(
					item(t, `{"type":"tool_search_call","id":"tsc_1","execution":"server","call_id":null,"status":"completed","arguments":{"paths":["get_weather"]}}`),
					item(t, `{"type":"tool_search_output","id":"tso_1","execution":"server","call_id":null,"status":"completed","tools":[{"type":"function","name":"get_weather","description":"Current weather forecast for a city.","defer_loading":true,"parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"],"additionalProperties":false}}]}`),
					item(t, `{"type":"function_call","id":"fc_1","call_id":"call_w1","name":"get_weather","arguments":"{\"city\":\"Paris\"}","status":"completed"}`),
				),
				responsestest.Reply(responsestest.Message("18°C in Paris.")),
			)
			hosted := &rawTool{def: responses.Tool{Type: responses.ToolToolSearch}}
			a := &agent.Agent{Name: "a", Model: "gpt-5.4", Tools: append(deferred, hosted)}
			res, err := newRunner(t, srv, &runner.Options{DisableStreaming: !stream}).Run(context.Background(), a, runner.Text("Weather in Paris?"))
			if err != nil || res.Output != "18°C in Paris." || calls != 1 {
				t.Fatalf("output %q, err %v, %d calls", res.Output, err, calls)
			}
		})
	}
}

// rawTool is a tool that is only declared (a hosted tool).
type rawTool struct{ def responses.Tool }

func (r *rawTool) Definition() responses.Tool { return r.def }
func (r *rawTool) Call(context.Context, string) (responses.ToolOutput, error) {
	return responses.ToolOutput{}, fmt.Errorf("hosted")
}

var _ tools.Tool = (*rawTool)(nil)

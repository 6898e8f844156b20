package runner_test

import (
	"context"
	"fmt"
	"slices"
	"strings"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/tools"
)

// ExampleTelemetry traces a run with an OpenTelemetry SDK provider (here one
// that records in memory; a program would use an exporter) and prints the
// spans it produced.
func ExampleTelemetry() {
	srv := responsestest.NewServer(&responsestest.Options{Steps: []responsestest.Step{
		responsestest.Reply(responsestest.FunctionCall("call_1", "get_weather", `{"city":"Paris"}`)),
		responsestest.Reply(responsestest.Message("Sunny in Paris.")),
	}})
	defer srv.Close()

	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	defer tp.Shutdown(context.Background())

	weather, _ := tools.NewFunc("get_weather", "Weather for a city",
		func(_ context.Context, in struct {
			City string `json:"city"`
		}) (string, error) {
			return "sunny", nil
		})
	client := responses.NewClient(&responses.Options{BaseURL: srv.URL(), APIKey: "sk-example"})
	r := runner.New(client, &runner.Options{Telemetry: &runner.Telemetry{TracerProvider: tp}})
	a := &agent.Agent{Name: "weather", Model: "gpt-5-mini", Tools: []tools.Tool{weather}}

	ctx := runner.WithConversationID(context.Background(), "session-42")
	if _, err := r.Run(ctx, a, runner.Text("Weather in Paris?")); err != nil {
		fmt.Println(err)
		return
	}
	var lines []string
	for _, s := range rec.Ended() {
		var kind, conv string
		for _, kv := range s.Attributes() {
			switch kv.Key {
			case "openinference.span.kind":
				kind = kv.Value.AsString()
			case "gen_ai.conversation.id":
				conv = kv.Value.AsString()
			}
		}
		lines = append(lines, fmt.Sprintf("%s (%s, %s, %s)", s.Name(), s.SpanKind(), kind, conv))
	}
	slices.Sort(lines)
	fmt.Println(strings.Join(lines, "\n"))
	// Output:
	// chat gpt-5-mini (client, LLM, session-42)
	// chat gpt-5-mini (client, LLM, session-42)
	// execute_tool get_weather (internal, TOOL, session-42)
	// invoke_agent weather (internal, AGENT, session-42)
}

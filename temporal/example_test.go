package temporal_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/temporal"
	"github.com/agentloop/agentloop/tools"
)

// A run of an agent as a workflow, in the SDK's test environment, against a
// scripted model.
func Example() {
	model := responsestest.NewServer(&responsestest.Options{Steps: []responsestest.Step{
		responsestest.Reply(responsestest.FunctionCall("call_1", "get_weather", `{"city":"Paris"}`)),
		responsestest.Reply(responsestest.Message("Sunny in Paris.")),
	}})
	defer model.Close()
	weather, err := tools.NewFunc("get_weather", "Current weather for a city",
		func(_ context.Context, in struct {
			City string `json:"city"`
		}) (string, error) {
			return "sunny in " + in.City, nil
		})
	if err != nil {
		log.Fatal(err)
	}
	a := &agent.Agent{Name: "weather", Model: "gpt-5", Tools: []tools.Tool{weather}}
	rt, err := temporal.New([]*agent.Agent{a}, &temporal.Options{
		Responses: &responses.Options{BaseURL: model.URL(), APIKey: "sk-test"},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer rt.Close()

	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	env := suite.NewTestWorkflowEnvironment()
	rt.Register(env)
	in, err := temporal.NewRunInput("weather", runner.Text("Weather in Paris?"))
	if err != nil {
		log.Fatal(err)
	}
	env.ExecuteWorkflow(temporal.WorkflowName, in)
	var out temporal.RunResult
	if err := env.GetWorkflowResult(&out); err != nil {
		log.Fatal(err)
	}
	fmt.Println(out.Output)
	// Output: Sunny in Paris.
}

// Starting a run on the workers of the task queue "agents", approving what
// it asks for, and waiting for its result.
func ExampleStart() {
	ctx := context.Background()
	c, err := client.Dial(client.Options{HostPort: "localhost:7233"})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	mailer := &agent.Agent{Name: "mailer"} // the name the workers registered it under
	run, err := temporal.Start(ctx, c, client.StartWorkflowOptions{TaskQueue: "agents"}, mailer, runner.Text("Mail the report to Ann"))
	if err != nil {
		log.Fatal(err)
	}
	p, err := run.Progress(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, call := range p.Pending {
		if err := run.Approve(ctx, call.CallID); err != nil {
			log.Fatal(err)
		}
	}
	res, err := run.Result(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Output)
}

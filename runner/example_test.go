package runner_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/tools"
)

type WeatherArgs struct {
	City string `json:"city" jsonschema:"description=City name"`
}

// A scripted server plays the model here; against OpenAI, use
// responses.NewClient(nil), which reads OPENAI_API_KEY and OPENAI_BASE_URL.
func ExampleRunner_Run() {
	srv := responsestest.NewServer(&responsestest.Options{Steps: []responsestest.Step{
		responsestest.Reply(responsestest.FunctionCall("call_1", "get_weather", `{"city":"Paris"}`)),
		responsestest.Reply(responsestest.Message("It is sunny in Paris.")),
	}})
	defer srv.Close()

	weather, err := tools.NewFunc("get_weather", "Current weather for a city",
		func(ctx context.Context, in WeatherArgs) (string, error) { return "sunny in " + in.City, nil })
	if err != nil {
		log.Fatal(err)
	}
	a := &agent.Agent{Name: "assistant", Instructions: "Answer briefly.", Model: "gpt-5-mini",
		Tools: []tools.Tool{weather}}
	client := responses.NewClient(&responses.Options{BaseURL: srv.URL(), APIKey: "test"})
	r := runner.New(client, &runner.Options{MaxTurns: 8})
	res, err := r.Run(context.Background(), a, runner.Text("Weather in Paris?"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Output)
	fmt.Println("turns:", res.Turns)
	// Output:
	// It is sunny in Paris.
	// turns: 2
}

func ExampleRunner_Stream() {
	srv := responsestest.NewServer(&responsestest.Options{Steps: []responsestest.Step{
		responsestest.Reply(responsestest.FunctionCall("call_1", "get_weather", `{"city":"Paris"}`)),
		responsestest.Reply(responsestest.Message("Sunny.")),
	}})
	defer srv.Close()

	weather, _ := tools.NewFunc("get_weather", "Current weather for a city",
		func(ctx context.Context, in WeatherArgs) (string, error) { return "sunny in " + in.City, nil })
	a := &agent.Agent{Model: "gpt-5-mini", Tools: []tools.Tool{weather}}
	client := responses.NewClient(&responses.Options{BaseURL: srv.URL(), APIKey: "test"})
	r := runner.New(client, nil)
	for ev, err := range r.Stream(context.Background(), a, runner.Text("Weather in Paris?")) {
		if err != nil {
			log.Fatal(err)
		}
		switch ev.Type {
		case runner.EventToolFinished:
			fmt.Printf("%s(%s) = %s\n", ev.Tool, ev.Item.Arguments, ev.Output.Output.String())
		case runner.EventTextDelta:
			fmt.Print(ev.Delta)
		case runner.EventFinalOutput:
			fmt.Println()
		}
	}
	// Output:
	// get_weather({"city":"Paris"}) = sunny in Paris
	// Sunny.
}

type TransferArgs struct {
	To     string `json:"to"`
	Amount int    `json:"amount"`
}

// A tool whose large calls need a person's approval: the run pauses, the
// state crosses to wherever the person answers (as JSON), and the run
// resumes there.
func ExampleRunner_Resume() {
	srv := responsestest.NewServer(&responsestest.Options{Steps: []responsestest.Step{
		responsestest.Reply(responsestest.FunctionCall("call_1", "transfer", `{"to":"Ann","amount":500}`)),
		responsestest.Reply(responsestest.Message("Transfer refused; nothing was sent.")),
	}})
	defer srv.Close()

	transfer, err := tools.NewFunc("transfer", "Sends money",
		func(ctx context.Context, in TransferArgs) (string, error) { return "sent", nil },
		tools.WithApproval(tools.AskIf(func(_ context.Context, in TransferArgs) (bool, error) {
			return in.Amount > 100, nil
		})))
	if err != nil {
		log.Fatal(err)
	}
	a := &agent.Agent{Name: "bank", Model: "gpt-5-mini", Tools: []tools.Tool{transfer}}
	r := runner.New(responses.NewClient(&responses.Options{BaseURL: srv.URL(), APIKey: "test"}), nil)
	res, err := r.Run(context.Background(), a, runner.Text("Send Ann 500"))
	if err != nil {
		log.Fatal(err)
	}
	for _, in := range res.Interruptions {
		fmt.Println("approval needed:", in.Tool, in.Call.Arguments)
	}
	saved, err := res.State.MarshalJSON() // to a database, a queue, a file
	if err != nil {
		log.Fatal(err)
	}

	var st runner.State
	if err := json.Unmarshal(saved, &st); err != nil {
		log.Fatal(err)
	}
	if err := st.Reject("call_1", "over the daily limit"); err != nil {
		log.Fatal(err)
	}
	res, err = r.Resume(context.Background(), a, &st)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Output)
	// Output:
	// approval needed: transfer {"to":"Ann","amount":500}
	// Transfer refused; nothing was sent.
}

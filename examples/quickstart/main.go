// Command quickstart is the README's example: one agent with one Go function
// as a tool, run to completion.
//
//	OPENAI_API_KEY=sk-... go run ./examples/quickstart
//
// Through an OpenAI-compatible gateway (New API, One API, …), also set
// OPENAI_BASE_URL=https://<gateway>/v1 and use the gateway's key.
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/tools"
)

// WeatherArgs are the arguments the model fills in; the JSON schema the
// model sees is reflected from this type.
type WeatherArgs struct {
	City string `json:"city" jsonschema:"description=City name"`
}

func main() {
	client := responses.NewClient(nil) // OPENAI_BASE_URL and OPENAI_API_KEY
	if err := run(context.Background(), client, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, client *responses.Client, w io.Writer) error {
	weather, err := tools.NewFunc("get_weather", "Current weather for a city",
		func(ctx context.Context, in WeatherArgs) (string, error) {
			return "Sunny and 21°C in " + in.City, nil // call a real weather API here
		})
	if err != nil {
		return err
	}
	a := &agent.Agent{
		Name:         "assistant",
		Instructions: "Answer briefly.",
		Model:        "gpt-5-mini",
		Tools:        []tools.Tool{weather},
	}
	r := runner.New(client, &runner.Options{MaxTurns: 8})
	res, err := r.Run(ctx, a, runner.Text("Weather in Paris?"))
	if err != nil {
		return err
	}
	fmt.Fprintln(w, res.Output)
	return nil
}

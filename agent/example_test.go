package agent_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/tools"
)

type Forecast struct {
	City    string  `json:"city"`
	TempC   float64 `json:"temp_c" jsonschema:"description=Temperature in degrees Celsius"`
	Summary string  `json:"summary"`
}

func ExampleOutputOf() {
	weather, err := tools.NewFunc("get_weather", "Current weather for a city",
		func(ctx context.Context, in struct {
			City string `json:"city"`
		}) (string, error) {
			return "18°C, sunny", nil
		})
	if err != nil {
		fmt.Println(err)
		return
	}
	out, err := agent.OutputOf[Forecast]("forecast")
	if err != nil {
		fmt.Println(err)
		return
	}
	a := &agent.Agent{
		Name:         "forecaster",
		Instructions: "Look up the weather and answer with a forecast.",
		Model:        "gpt-5",
		Tools:        []tools.Tool{weather},
		Output:       out,
	}
	fmt.Println(a.Validate())

	format, _ := json.Marshal(a.Output.Format())
	fmt.Println(string(format))

	// The runner decodes the final message with Decode.
	v, err := a.Output.Decode(`{"city":"Paris","temp_c":18,"summary":"Sunny"}`)
	fmt.Printf("%+v %v\n", v.(Forecast), err)
	// Output:
	// <nil>
	// {"type":"json_schema","name":"forecast","schema":{"type":"object","properties":{"city":{"type":"string"},"temp_c":{"type":"number","description":"Temperature in degrees Celsius"},"summary":{"type":"string"}},"required":["city","temp_c","summary"],"additionalProperties":false},"strict":true}
	// {City:Paris TempC:18 Summary:Sunny} <nil>
}

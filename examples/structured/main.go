// Command structured gets a typed answer: the agent's output type is a Go
// struct, sent to the model as a strict JSON schema (text.format), and the
// final message is decoded into it.
//
//	OPENAI_API_KEY=sk-... go run ./examples/structured [CITY]
//
// Through an OpenAI-compatible gateway, also set OPENAI_BASE_URL.
package main

import (
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"log"
	"os"
	"strings"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/tools"
)

// Advice is the answer's shape.
type Advice struct {
	City         string   `json:"city"`
	TempC        int      `json:"temp_c" jsonschema:"description=Current temperature in °C"`
	PackUmbrella bool     `json:"pack_umbrella"`
	Clothes      []string `json:"clothes" jsonschema:"description=What to wear, at most three items"`
	Note         *string  `json:"note,omitempty" jsonschema:"description=Anything else worth saying, or null"`
}

func main() {
	city := "Lisbon"
	if len(os.Args) > 1 {
		city = os.Args[1]
	}
	if err := run(context.Background(), responses.NewClient(nil), city, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, client *responses.Client, city string, w io.Writer) error {
	weather, err := newWeatherTool()
	if err != nil {
		return err
	}
	out, err := agent.OutputOf[Advice]("travel_advice")
	if err != nil {
		return err
	}
	a := &agent.Agent{
		Name:         "travel",
		Instructions: "Look up the weather, then advise what to pack.",
		Model:        "gpt-5-mini",
		Tools:        []tools.Tool{weather},
		Output:       out,
	}
	res, err := runner.New(client, nil).Run(ctx, a, runner.Text("I'm flying to "+city+" today. What should I pack?"))
	if err != nil {
		return err
	}
	adv := res.Value.(Advice)
	fmt.Fprintf(w, "%s, %d°C. Umbrella: %v. Wear: %v.\n", adv.City, adv.TempC, adv.PackUmbrella, adv.Clothes)
	if adv.Note != nil {
		fmt.Fprintln(w, *adv.Note)
	}
	return nil
}

// WeatherArgs are get_weather's arguments.
type WeatherArgs struct {
	City string `json:"city" jsonschema:"description=City name, such as Paris"`
}

// Weather is get_weather's result.
type Weather struct {
	City       string `json:"city"`
	TempC      int    `json:"temp_c"`
	Conditions string `json:"conditions"`
	Note       string `json:"note"`
}

// newWeatherTool returns get_weather. It answers with made-up, stable demo
// data (and says so to the model): replace lookupWeather with a call to a
// real weather API.
func newWeatherTool() (tools.Tool, error) {
	return tools.NewFunc("get_weather", "Weather for a city (demo data, not the real weather).",
		func(_ context.Context, in WeatherArgs) (Weather, error) { return lookupWeather(in.City), nil })
}

func lookupWeather(city string) Weather {
	h := fnv.New32a()
	h.Write([]byte(strings.ToLower(city)))
	n := h.Sum32()
	conditions := []string{"sunny", "partly cloudy", "overcast", "light rain", "windy", "clear"}
	return Weather{City: city, TempC: int(n%30) - 2, Conditions: conditions[n/30%uint32(len(conditions))],
		Note: "demo data, not the real weather"}
}

// Command weather asks about several cities at once: the model calls
// get_weather for each in parallel, the runner runs the calls concurrently,
// and the answer streams to the terminal as it is written.
//
//	OPENAI_API_KEY=sk-... go run ./examples/weather [QUESTION]
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
	"os/signal"
	"strings"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/tools"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	question := "What's the weather in Paris, Tokyo and Sydney? Which is warmest?"
	if len(os.Args) > 1 {
		question = strings.Join(os.Args[1:], " ")
	}
	if err := run(ctx, responses.NewClient(nil), question, os.Stdout, os.Stderr); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, client *responses.Client, question string, out, progress io.Writer) error {
	weather, err := newWeatherTool()
	if err != nil {
		return err
	}
	a := &agent.Agent{
		Name:         "weather",
		Instructions: "Answer weather questions. Call get_weather once per city, all in parallel.",
		Model:        "gpt-5-mini",
		Tools:        []tools.Tool{weather},
		Settings:     agent.ModelSettings{ParallelToolCalls: responses.Ptr(true)},
	}
	r := runner.New(client, nil)
	for ev, err := range r.Stream(ctx, a, runner.Text(question)) {
		if err != nil {
			return err
		}
		switch ev.Type {
		case runner.EventToolFinished:
			fmt.Fprintf(progress, "[%s %s → %s in %v]\n", ev.Tool, ev.Item.Arguments, ev.Output.Output.String(), ev.Duration.Round(100_000))
		case runner.EventTextDelta:
			fmt.Fprint(out, ev.Delta)
		case runner.EventFinalOutput:
			fmt.Fprintln(out)
			u := ev.Result.Usage
			fmt.Fprintf(progress, "[%d turns, %d input / %d output tokens]\n", ev.Result.Turns, u.InputTokens, u.OutputTokens)
		}
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

// Package exampletools holds the tools of the example agents, shared by
// examples/ and `agentloop demo`.
package exampletools

import (
	"context"
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"github.com/agentloop/agentloop/tools"
)

// WeatherArgs are the arguments of get_weather.
type WeatherArgs struct {
	City string `json:"city" jsonschema:"description=City name, such as Paris"`
}

// Weather is get_weather's result. Note tells the model (and whoever
// reads the output) that the data is made up.
type Weather struct {
	City       string `json:"city"`
	TempC      int    `json:"temp_c"`
	Conditions string `json:"conditions"`
	Note       string `json:"note"`
}

// DemoNote is the note every demo weather carries.
const DemoNote = "demo data, not the real weather"

var conditions = []string{"sunny", "partly cloudy", "overcast", "light rain", "windy", "clear"}

// LookupWeather returns made-up but stable weather for a city: the same city
// always gets the same answer. It stands in for a real weather API.
func LookupWeather(ctx context.Context, city string) (Weather, error) {
	city = strings.TrimSpace(city)
	if city == "" {
		return Weather{}, fmt.Errorf("no city given")
	}
	select { // a real lookup takes a moment
	case <-time.After(3 * time.Millisecond):
	case <-ctx.Done():
		return Weather{}, ctx.Err()
	}
	h := fnv.New32a()
	h.Write([]byte(strings.ToLower(city)))
	n := h.Sum32()
	return Weather{City: city, TempC: int(n%30) - 2, Conditions: conditions[n/30%uint32(len(conditions))], Note: DemoNote}, nil
}

// NewWeatherTool returns the get_weather function tool.
func NewWeatherTool() (tools.Tool, error) {
	return tools.NewFunc("get_weather", "Weather for a city (demo data, not the real weather: say so when you answer).",
		func(ctx context.Context, in WeatherArgs) (Weather, error) { return LookupWeather(ctx, in.City) })
}

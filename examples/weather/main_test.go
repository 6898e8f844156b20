package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
)

func TestWeather(t *testing.T) {
	srv := responsestest.Start(t,
		responsestest.Reply(
			responsestest.FunctionCall("call_1", "get_weather", `{"city":"Paris"}`),
			responsestest.FunctionCall("call_2", "get_weather", `{"city":"Tokyo"}`),
		),
		responsestest.Func(func(r *responsestest.Received) responsestest.Step {
			var parts []string
			for _, it := range r.Request.Input.Items {
				if it.Type == responses.ItemFunctionCallOutput {
					parts = append(parts, it.Output.String())
				}
			}
			return responsestest.Reply(responsestest.Message(strings.Join(parts, " | ")))
		}),
	)
	var out, progress bytes.Buffer
	client := responses.NewClient(&responses.Options{BaseURL: srv.URL(), APIKey: "test"})
	if err := run(context.Background(), client, "Paris and Tokyo?", &out, &progress); err != nil {
		t.Fatal(err)
	}
	for _, city := range []string{`"city":"Paris"`, `"city":"Tokyo"`} {
		if !strings.Contains(out.String(), city) {
			t.Errorf("answer %q lacks %s", out.String(), city)
		}
	}
	if strings.Count(progress.String(), "get_weather") != 2 {
		t.Errorf("progress = %q", progress.String())
	}
	if !srv.Requests()[0].Request.Stream {
		t.Error("the example should stream")
	}
}

package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
)

func TestQuickstart(t *testing.T) {
	srv := responsestest.Start(t,
		responsestest.Reply(responsestest.FunctionCall("call_1", "get_weather", `{"city":"Paris"}`)),
		responsestest.Func(func(r *responsestest.Received) responsestest.Step {
			// Answer with what the tool returned.
			for _, it := range r.Request.Input.Items {
				if it.Type == responses.ItemFunctionCallOutput {
					return responsestest.Reply(responsestest.Message("It is " + it.Output.String() + "."))
				}
			}
			return responsestest.Reply(responsestest.Message("no tool output"))
		}),
	)
	var out bytes.Buffer
	client := responses.NewClient(&responses.Options{BaseURL: srv.URL(), APIKey: "test"})
	if err := run(context.Background(), client, &out); err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), "It is Sunny and 21°C in Paris.\n"; got != want {
		t.Errorf("output = %q, want %q", got, want)
	}
}

// TestREADME keeps the README's quickstart identical to this program.
func TestREADME(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "```go\n"+string(src)+"```\n") {
		t.Error("README.md's quickstart differs from examples/quickstart/main.go: copy the file into the README's Go block")
	}
}

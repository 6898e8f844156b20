package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
)

// outputs returns the function outputs a request carries, by call id.
func outputs(r *responsestest.Received) map[string]string {
	m := map[string]string{}
	for _, it := range r.Request.Input.Items {
		if it.Type == responses.ItemFunctionCallOutput {
			m[it.CallID] = it.Output.String()
		}
	}
	return m
}

func TestResearch(t *testing.T) {
	srv := responsestest.NewServer(&responsestest.Options{Fallback: func(r *responsestest.Received) responsestest.Step {
		out := outputs(r)
		switch {
		case strings.HasPrefix(r.Request.Instructions, "Find the facts"):
			if out["s1"] == "" {
				return responsestest.Reply(responsestest.FunctionCall("s1", "file_search", `{"queries":["Q3 launch slip new date"]}`))
			}
			if !strings.Contains(out["s1"], "certification") {
				t.Errorf("the search found %q", out["s1"])
			}
			return responsestest.Reply(responsestest.Message("launch.md: certification took six weeks longer; new date 14 October."))
		case strings.HasPrefix(r.Request.Instructions, "Write a three-sentence"):
			return responsestest.Reply(responsestest.Message("The launch slipped: certification ran six weeks late. It now ships on 14 October. Budget follows."))
		}
		switch {
		case out["a1"] == "":
			return responsestest.Reply(responsestest.FunctionCall("a1", "searcher", `{"input":"Why did Q3 slip?"}`))
		case out["a2"] == "":
			return responsestest.Reply(responsestest.FunctionCall("a2", "writer", `{"input":"`+out["a1"]+`"}`))
		}
		return responsestest.Reply(responsestest.Message(out["a2"]))
	}})
	defer srv.Close()
	client := responses.NewClient(&responses.Options{BaseURL: srv.URL(), APIKey: "test"})
	defer client.Close()
	var out, progress bytes.Buffer
	if err := run(context.Background(), client, "Why did Q3 slip?", &out, &progress); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "14 October") {
		t.Errorf("answer %q", out.String())
	}
	for _, want := range []string{"[lead:a1 › searcher: file_search]", "[lead: searcher]", "[lead: writer]"} {
		if !strings.Contains(progress.String(), want) {
			t.Errorf("progress lacks %q:\n%s", want, progress.String())
		}
	}
	if err := srv.Err(); err != nil {
		t.Error(err)
	}
}

package session_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/session"
	"github.com/agentloop/agentloop/tools"
)

// The backends are what runner.WithSession takes.
var (
	_ runner.Session = (*session.Memory)(nil)
	_ runner.Session = (*session.File)(nil)
	_ runner.Session = session.Session(nil)
)

// TestFileWithRunner: two runs continue one conversation in a file, the
// second through another handle (as another process would): it sends the
// first run's items back byte for byte (the scripted server checks), and
// the file holds both runs, whole.
func TestFileWithRunner(t *testing.T) {
	ctx := context.Background()
	srv := responsestest.Start(t,
		responsestest.Reply(responsestest.Reasoning("", "enc-1"), responsestest.FunctionCall("c1", "get_weather", `{"city":"Paris"}`)),
		responsestest.Reply(responsestest.Message("Sunny in Paris.")),
		responsestest.Reply(responsestest.Message("You asked about Paris.")),
	)
	type cityArgs struct {
		City string `json:"city"`
	}
	weather, err := tools.NewFunc("get_weather", "Weather for a city",
		func(_ context.Context, in cityArgs) (string, error) { return "sunny in " + in.City, nil })
	if err != nil {
		t.Fatal(err)
	}
	a := &agent.Agent{Name: "a", Model: "gpt-5", Tools: []tools.Tool{weather}}
	r := runner.New(responses.NewClient(&responses.Options{BaseURL: srv.URL(), APIKey: "test", MaxRetries: -1}), nil)

	path := filepath.Join(t.TempDir(), "chat.jsonl")
	if _, err := r.Run(ctx, a, runner.Text("Weather in Paris?"), runner.WithSession(session.NewFile(path, nil))); err != nil {
		t.Fatal(err)
	}
	res, err := r.Run(ctx, a, runner.Text("What did I ask?"), runner.WithSession(session.NewFile(path, nil)))
	if err != nil || res.Output != "You asked about Paris." {
		t.Fatalf("second run: %v, %v", res, err)
	}
	items, err := session.NewFile(path, nil).Items(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range items {
		got = append(got, it.Type)
	}
	want := []string{"message", "reasoning", "function_call", "function_call_output", "message", "message", "message"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stored items (-want +got):\n%s", diff)
	}
	reqs := srv.Requests()
	if n := len(reqs[2].Request.Input.Items); n != 6 {
		t.Errorf("the second run's request carries %d items, want the 5 stored and the new message", n)
	}
}

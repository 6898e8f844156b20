package runner_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/tools"
)

// cassetteDir finds ../shared/data/responses-cassettes beside the module root.
func cassetteDir(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("module root not found")
		}
		dir = parent
	}
	d := filepath.Join(dir, "..", "shared", "data", "responses-cassettes")
	if _, err := os.Stat(d); err != nil {
		t.Skipf("recorded cassettes not found at %s (they come with the project's shared/ folder): %v", d, err)
	}
	return d
}

// TestCassetteToolLoops replays every single-question tool loop among the
// recorded cassettes: the runner executes the recorded calls with the
// recorded tool definitions, answers every call id, replays the history the
// server sent byte for byte (responsestest checks it), and ends with the
// recorded final text.
func TestCassetteToolLoops(t *testing.T) {
	dir := cassetteDir(t)
	for _, name := range []string{
		"fantasy_gpt5_tool_stream",
		"fantasy_gpt5_tool_nonstream",
		"fantasy_gpt5_parallel_tools_stream",
		"fantasy_gpt5_parallel_tools_nonstream",
		"fantasy_gpt4o_parallel_tools_stream",
		"fantasy_gpt4o_tool_nonstream",
		"fantasy_gpt5_reasoning_summary_tool_stream",
		"fantasy_gpt5_reasoning_summary_tool_nonstream",
		"fantasy_o4mini_reasoning_summary_tool_stream",
		"pai_gpt55_preamble_message_and_tool_stream",
		"pai_gpt55_preamble_message_and_tool_nonstream",
		"pai_gpt5_reasoning_encrypted_tool_nonstream",
		"pai_gpt4o_tool_stream_2025_03",
	} {
		t.Run(name, func(t *testing.T) {
			c, err := responsestest.LoadCassette(filepath.Join(dir, name+".json"))
			if err != nil {
				t.Fatal(err)
			}
			var first struct {
				Model        string           `json:"model"`
				Stream       bool             `json:"stream"`
				Instructions string           `json:"instructions"`
				Tools        []responses.Tool `json:"tools"`
				Input        responses.Input  `json:"input"`
			}
			if err := json.Unmarshal(c.Interactions[0].Request.Body, &first); err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			ran := map[string]int{}
			var ts []tools.Tool
			for _, def := range first.Tools {
				name := def.Name
				tool, err := tools.NewFuncRaw(def.Name, def.Description, def.Parameters, def.Strict != nil && *def.Strict,
					func(_ context.Context, args string) (responses.ToolOutput, error) {
						if !json.Valid([]byte(args)) {
							t.Errorf("%s called with invalid JSON %q", name, args)
						}
						mu.Lock()
						ran[name]++
						mu.Unlock()
						return responses.ToolOutput{Text: `{"result":"ok"}`}, nil
					})
				if err != nil {
					t.Fatal(err)
				}
				ts = append(ts, tool)
			}
			// The first user message of the recording is the question.
			var input runner.Input
			for _, it := range first.Input.Items {
				if it.IsMessage() && it.Role == responses.RoleUser {
					input = runner.Items(responses.UserMessage(it.Text()))
				}
			}
			if first.Input.Items == nil {
				input = runner.Text(first.Input.Text)
			}
			srv := responsestest.NewServer(&responsestest.Options{Steps: c.Steps()})
			defer srv.Close()
			a := &agent.Agent{Name: name, Model: first.Model, Instructions: first.Instructions, Tools: ts}
			client := responses.NewClient(&responses.Options{BaseURL: srv.URL(), APIKey: "test", MaxRetries: -1})
			r := runner.New(client, &runner.Options{DisableStreaming: !first.Stream})
			res, err := r.Run(context.Background(), a, input)
			if err != nil {
				t.Fatal(err)
			}
			if err := srv.Err(); err != nil {
				t.Fatal(err)
			}
			if res.Output != c.Summary.FinalText {
				t.Errorf("final text = %q\nwant %q", res.Output, c.Summary.FinalText)
			}
			var want int
			for _, turn := range c.Summary.Turns {
				want += len(turn.ToolCalls)
				for _, call := range turn.ToolCalls {
					if ran[call.Name] == 0 {
						t.Errorf("recorded call %s was not run", call.Name)
					}
				}
			}
			var got int
			for _, n := range ran {
				got += n
			}
			if got != want {
				t.Errorf("ran %d calls, recorded %d", got, want)
			}
			if srv.Pending() != 0 {
				t.Errorf("%d recorded interactions were not used", srv.Pending())
			}
			// Reasoning items come back in the next request, byte for byte.
			reqs := srv.Requests()
			if len(reqs) > 1 {
				last := len(res.History) - len(res.Response.Output)
				for _, it := range res.History[:last] {
					if it.Type == responses.ItemReasoning && it.Raw() != nil &&
						!strings.Contains(string(reqs[len(reqs)-1].Body), string(it.Raw())) {
						t.Errorf("reasoning item %s not replayed byte for byte", it.ID)
					}
				}
			}
		})
	}
}

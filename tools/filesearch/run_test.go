package filesearch_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/tools"
	"github.com/agentloop/agentloop/tools/filesearch"
	"github.com/agentloop/agentloop/vectorstore"
)

// TestRun runs an agent with the file_search tool through the runner
// against a scripted model that searches, then answers citing [1].
func TestRun(t *testing.T) {
	for _, stream := range []bool{false, true} {
		t.Run(fmt.Sprintf("stream=%v", stream), func(t *testing.T) {
			fs := newTool(t, newStore(t, nil), &filesearch.Options{MaxNumResults: 2})
			answer := "Customers may return an item within 30 days [1]."
			srv := responsestest.Start(t,
				responsestest.Reply(responsestest.FunctionCall("call_fs", "file_search", `{"queries":["refund window","return an item within days"]}`)),
				responsestest.Reply(responsestest.Message(answer)),
			)
			client := responses.NewClient(&responses.Options{BaseURL: srv.URL(), APIKey: "test", MaxRetries: -1})
			r := runner.New(client, &runner.Options{DisableStreaming: !stream})
			a := &agent.Agent{Name: "docs", Model: "gpt-5-mini", Instructions: "Answer from the files.", Tools: []tools.Tool{fs}}

			var streamed []responses.Item
			var res *runner.Result
			for ev, err := range r.Stream(context.Background(), a, runner.Text("How long do I have to return an item?")) {
				if err != nil {
					t.Fatal(err)
				}
				if ev.Type == runner.EventItem && ev.Item.Type == responses.ItemFileSearchCall {
					streamed = append(streamed, *ev.Item)
				}
				if ev.Type == runner.EventFinalOutput {
					res = ev.Result
				}
			}
			if res == nil {
				t.Fatal("no final output")
			}

			// The synthetic item is in NewItems (and the event stream), with
			// the results the model read.
			var synth []responses.Item
			for _, it := range res.NewItems {
				if it.Type == responses.ItemFileSearchCall {
					synth = append(synth, it)
				}
			}
			if len(synth) != 1 || len(streamed) != 1 || synth[0].ID != streamed[0].ID {
				t.Fatalf("file_search_call items: NewItems %d, events %d; want the same one in both", len(synth), len(streamed))
			}
			call := synth[0]
			if call.Status != responses.StatusCompleted || len(call.Results) == 0 || call.Results[0].FileID != "file-refunds" {
				t.Fatalf("file_search_call = %+v", call)
			}
			if diff := cmp.Diff([]string{"refund window", "return an item within days"}, call.Queries); diff != "" {
				t.Errorf("queries (-want +got):\n%s", diff)
			}

			// The model read the numbered results as the call's output,
			// and the synthetic item never went upstream.
			reqs := srv.Requests()
			if len(reqs) != 2 {
				t.Fatalf("%d requests, want 2", len(reqs))
			}
			outs := outputs(reqs[1].Request)
			if diff := cmp.Diff(map[string]string{"call_fs": filesearch.Format(call.Queries, call.Results)}, outs); diff != "" {
				t.Errorf("function_call_output (-want +got):\n%s", diff)
			}
			for i, rq := range reqs {
				if bytes.Contains(rq.Body, []byte("file_search_call")) || bytes.Contains(rq.Body, []byte(call.ID)) {
					t.Errorf("request %d carries the synthetic item:\n%s", i+1, rq.Body)
				}
			}
			for _, it := range res.History {
				if it.Type == responses.ItemFileSearchCall {
					t.Error("the synthetic item is in History")
				}
			}

			// The final message cites the first result.
			if res.Final == nil || res.Output != answer {
				t.Fatalf("final = %+v, output %q", res.Final, res.Output)
			}
			idx := len("Customers may return an item within 30 days ")
			want := []responses.Annotation{{Type: responses.AnnotationFileCitation, FileID: "file-refunds", Filename: "policies/refunds.md", Index: &idx}}
			if diff := cmp.Diff(want, res.Final.Content[0].Annotations, cmpopts.IgnoreUnexported(responses.Annotation{})); diff != "" {
				t.Errorf("annotations (-want +got):\n%s", diff)
			}
			// History keeps the message as the model sent it.
			last := res.History[len(res.History)-1]
			if last.Raw() == nil || len(last.Content[0].Annotations) != 0 {
				t.Errorf("the history's final message was changed: %s", last.Raw())
			}
		})
	}
}

// TestRunAbort: a tool over a missing store ends the run with an error
// instead of showing it to the model.
func TestRunAbort(t *testing.T) {
	fs, err := filesearch.New(vectorstore.NewMemory(nil), []string{"missing"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := responsestest.Start(t, responsestest.Reply(responsestest.FunctionCall("call_fs", "file_search", `{"queries":["x"]}`)))
	client := responses.NewClient(&responses.Options{BaseURL: srv.URL(), APIKey: "test", MaxRetries: -1})
	a := &agent.Agent{Name: "docs", Model: "gpt-5-mini", Tools: []tools.Tool{fs}}
	_, err = runner.New(client, nil).Run(context.Background(), a, runner.Text("x"))
	if !errors.Is(err, vectorstore.ErrNotFound) || !errors.Is(err, tools.ErrAbort) {
		t.Errorf("err = %v, want ErrNotFound and tools.ErrAbort", err)
	}
}

// outputs returns call_id -> output text of a request's function call
// outputs.
func outputs(req *responses.Request) map[string]string {
	m := map[string]string{}
	for _, it := range req.Input.Items {
		if it.Type == responses.ItemFunctionCallOutput {
			m[it.CallID] = it.Output.String()
		}
	}
	return m
}

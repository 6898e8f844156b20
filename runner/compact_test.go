package runner_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/tools"
	"github.com/agentloop/agentloop/trim"
)

// TestServerCompaction: with context_management, a response that starts
// with a compaction item makes the runner send nothing before it again, and
// the streaming compaction event is reported.
func TestServerCompaction(t *testing.T) {
	for _, stream := range []bool{false, true} {
		t.Run(fmt.Sprintf("stream=%v", stream), func(t *testing.T) {
			var n atomic.Int64
			srv := responsestest.Start(t,
				responsestest.Reply(responsestest.FunctionCall("c1", "get_weather", `{"city":"Paris"}`)),
				responsestest.Reply(responsestest.FunctionCall("c2", "get_weather", `{"city":"Oslo"}`)).Compaction(),
				responsestest.Reply(responsestest.Message("done")))
			a := &agent.Agent{Name: "a", Model: "gpt-5", Tools: []tools.Tool{weatherTool(t, &n)},
				Settings: agent.ModelSettings{ContextManagement: []responses.ContextManagement{{Type: "compaction", CompactThreshold: 2000}}}}
			compacting := 0
			for ev, err := range newRunner(srv, &runner.Options{DisableStreaming: !stream}).Stream(context.Background(), a, runner.Text("go")) {
				if err != nil {
					t.Fatal(err)
				}
				if ev.Type == runner.EventCompacting {
					compacting++
				}
			}
			if stream && compacting != 1 {
				t.Errorf("%d compacting events", compacting)
			}
			reqs := srv.Requests()
			if !strings.Contains(string(reqs[0].Body), `"context_management":[{"type":"compaction","compact_threshold":2000}]`) {
				t.Errorf("request: %s", reqs[0].Body)
			}
			third := reqs[2].Request.Input.Items
			if len(third) != 3 || third[0].Type != responses.ItemCompaction || third[1].CallID != "c2" || third[2].CallID != "c2" {
				var kinds []string
				for _, it := range third {
					kinds = append(kinds, it.Type)
				}
				t.Errorf("third request carries %v", kinds)
			}
		})
	}
}

// TestAutoCompaction: past the input budget, the history is compacted
// through /responses/compact before the request; a gateway without the
// route gets the oldest turns trimmed instead.
func TestAutoCompaction(t *testing.T) {
	for _, noCompact := range []bool{false, true} {
		t.Run(fmt.Sprintf("noCompact=%v", noCompact), func(t *testing.T) {
			var n atomic.Int64
			big := strings.Repeat("earlier talk ", 400)
			srv := responsestest.NewServer(&responsestest.Options{NoCompact: noCompact, Steps: []responsestest.Step{
				responsestest.Reply(responsestest.FunctionCall("c1", "get_weather", `{"city":"Paris"}`)).
					Usage(responses.Usage{InputTokens: 3000, OutputTokens: 10, TotalTokens: 3010}),
				responsestest.Reply(responsestest.Message("done")),
			}})
			t.Cleanup(func() { srv.Close(); srv.Check(t) })
			a := &agent.Agent{Name: "a", Model: "gpt-5", Tools: []tools.Tool{weatherTool(t, &n)}}
			r := newRunner(srv, &runner.Options{Compaction: &runner.Compaction{InputBudget: 2000}})
			input := runner.Items(responses.UserMessage("earlier: "+big), responses.Item{Type: responses.ItemMessage, Role: responses.RoleAssistant, ContentText: "ok"},
				responses.UserMessage("weather?"))
			var reports []*runner.CompactionReport
			var res *runner.Result
			for ev, err := range r.Stream(context.Background(), a, input) {
				if err != nil {
					t.Fatal(err)
				}
				if ev.Type == runner.EventCompacted {
					reports = append(reports, ev.Compaction)
				}
				if ev.Type == runner.EventFinalOutput {
					res = ev.Result
				}
			}
			if len(reports) != 1 || reports[0].Trimmed != noCompact || reports[0].EstimatedTokens <= 2000 {
				t.Fatalf("reports %+v", reports)
			}
			reqs := srv.Requests()
			last := reqs[len(reqs)-1]
			if noCompact {
				if strings.Contains(string(last.Body), "earlier talk") {
					t.Error("the oldest turn was sent after trimming")
				}
				return
			}
			if reqs[1].Path != "/v1/responses/compact" {
				t.Fatalf("request 2 went to %s", reqs[1].Path)
			}
			for i, rq := range reqs {
				t.Logf("req %d %s %s", i, rq.Path, rq.Body)
			}
			if len(last.Request.Input.Items) < 2 || last.Request.Input.Items[0].Type != responses.ItemMessage || last.Request.Input.Items[1].Type != responses.ItemCompaction {
				t.Errorf("after compaction the request starts with %s, %s", last.Request.Input.Items[0].Type, last.Request.Input.Items[1].Type)
			}
			if res.History[1].Type != responses.ItemCompaction {
				t.Errorf("the history was not replaced: %s", res.History[1].Type)
			}
		})
	}
}

// TestTrimOption: Options.Trim shortens what is sent, never the history.
func TestTrimOption(t *testing.T) {
	var n atomic.Int64
	srv := responsestest.NewServer(&responsestest.Options{NoHistoryCheck: true, Steps: []responsestest.Step{
		responsestest.Reply(responsestest.Message("third answer"))}})
	defer srv.Close()
	a := &agent.Agent{Name: "a", Model: "gpt-5", Tools: []tools.Tool{weatherTool(t, &n)}}
	r := newRunner(srv, &runner.Options{Trim: trim.KeepLastTurns(1)})
	input := runner.Items(responses.UserMessage("one"), responses.UserMessage("two"), responses.UserMessage("three"))
	res, err := r.Run(context.Background(), a, input)
	if err != nil {
		t.Fatal(err)
	}
	var sent []string
	for _, it := range srv.Requests()[0].Request.Input.Items {
		sent = append(sent, it.ContentText)
	}
	if b, _ := json.Marshal(sent); string(b) != `["three"]` || len(res.History) != 4 {
		t.Errorf("sent %s, history %d items", b, len(res.History))
	}
}

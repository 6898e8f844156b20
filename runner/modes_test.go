package runner_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/tools"
)

// TestConversationModes holds a three-message conversation, each message a
// run with a tool call, in each way of carrying the history: the scripted
// server applies the API's rules (pairing, byte-exact replay when
// stateless, no duplicate item when it holds the history), and every
// request after the first of a chained or conversation run carries only new
// items.
func TestConversationModes(t *testing.T) {
	for _, mode := range []string{runner.ModeStateless, runner.ModeChained, runner.ModeConversation} {
		for _, stream := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/stream=%v", mode, stream), func(t *testing.T) {
				var n atomic.Int64
				var steps []responsestest.Step
				for i := range 3 {
					steps = append(steps,
						responsestest.Reply(responsestest.Reasoning("", fmt.Sprintf("enc-%d", i)),
							responsestest.FunctionCall(fmt.Sprintf("c%d", i), "get_weather", `{"city":"Paris"}`)),
						responsestest.Reply(responsestest.Message(fmt.Sprintf("answer %d", i))))
				}
				srv := responsestest.Start(t, steps...)
				a := &agent.Agent{Name: "a", Model: "gpt-5", Tools: []tools.Tool{weatherTool(t, &n)}}
				r := newRunner(srv, &runner.Options{DisableStreaming: !stream, ChainResponses: mode == runner.ModeChained})
				var conv string
				if mode == runner.ModeConversation {
					conv = srv.NewConversation()
				}
				var history []responses.Item
				var last *runner.Result
				for i := range 3 {
					msg := responses.UserMessage(fmt.Sprintf("question %d", i))
					var res *runner.Result
					var err error
					switch mode {
					case runner.ModeStateless:
						res, err = r.Run(context.Background(), a, runner.Items(append(history, msg)...))
					case runner.ModeChained:
						var opts []runner.RunOption
						if last != nil {
							opts = append(opts, runner.WithPreviousResponseID(last.Response.ID))
						}
						res, err = r.Run(context.Background(), a, runner.Items(msg), opts...)
					case runner.ModeConversation:
						res, err = r.Run(context.Background(), a, runner.Items(msg), runner.WithConversation(conv))
					}
					if err != nil {
						t.Fatalf("message %d: %v", i, err)
					}
					if res.Mode != mode || res.Output != fmt.Sprintf("answer %d", i) {
						t.Fatalf("message %d: mode %q output %q", i, res.Mode, res.Output)
					}
					history, last = res.History, res
				}
				reqs := srv.Requests()
				if len(reqs) != 6 || n.Load() != 3 {
					t.Fatalf("%d requests, %d calls", len(reqs), n.Load())
				}
				if mode == runner.ModeStateless {
					return
				}
				for i, rq := range reqs {
					// New items only: the user's message, or the call's output.
					if len(rq.Request.Input.Items) != 1 {
						t.Errorf("request %d carries %d items", i, len(rq.Request.Input.Items))
					}
					if mode == runner.ModeConversation && (rq.Request.Conversation != conv || rq.Request.PreviousResponseID != "") {
						t.Errorf("request %d: conversation %q previous %q", i, rq.Request.Conversation, rq.Request.PreviousResponseID)
					}
				}
			})
		}
	}
}

// TestConversationDuplicate: the scripted server refuses an item it holds,
// as the API does ("Duplicate item found"), so the test above would catch
// a runner that sent one.
func TestConversationDuplicate(t *testing.T) {
	srv := responsestest.NewServer(&responsestest.Options{Steps: []responsestest.Step{
		responsestest.Reply(responsestest.Message("one")), responsestest.Reply(responsestest.Message("two"))}})
	defer srv.Close()
	conv := srv.NewConversation()
	var n atomic.Int64
	a := &agent.Agent{Name: "a", Model: "gpt-5", Tools: []tools.Tool{weatherTool(t, &n)}}
	r := newRunner(srv, nil)
	res, err := r.Run(context.Background(), a, runner.Text("hi"), runner.WithConversation(conv))
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.Run(context.Background(), a, runner.Items(append(res.History, responses.UserMessage("again"))...), runner.WithConversation(conv))
	if err == nil || !strings.Contains(err.Error(), "Duplicate item found") {
		t.Errorf("resending held items: err = %v", err)
	}
}

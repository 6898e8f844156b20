package runner_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/tools"
)

type cityArgs struct {
	City string `json:"city"`
}

func weatherTool(t *testing.T, calls *atomic.Int64) tools.Tool {
	t.Helper()
	tool, err := tools.NewFunc("get_weather", "Weather for a city",
		func(_ context.Context, in cityArgs) (string, error) {
			if calls != nil {
				calls.Add(1)
			}
			return "sunny in " + in.City, nil
		})
	if err != nil {
		t.Fatal(err)
	}
	return tool
}

func newRunner(srv *responsestest.Server, opts *runner.Options) *runner.Runner {
	client := responses.NewClient(&responses.Options{BaseURL: srv.URL(), APIKey: "test", MaxRetries: -1})
	return runner.New(client, opts)
}

// outputsOf returns the call_id → output text of every tool output in a
// request.
func outputsOf(req *responses.Request) map[string]string {
	m := map[string]string{}
	for _, it := range req.Input.Items {
		switch it.Type {
		case responses.ItemFunctionCallOutput, responses.ItemCustomToolCallOutput:
			m[it.CallID] = it.Output.String()
		}
	}
	return m
}

func TestRunLoop(t *testing.T) {
	for _, stream := range []bool{false, true} {
		t.Run(fmt.Sprintf("stream=%v", stream), func(t *testing.T) {
			var calls atomic.Int64
			srv := responsestest.Start(t,
				responsestest.Reply(
					responsestest.Reasoning("two cities", "enc-1"),
					responsestest.FunctionCall("call_a", "get_weather", `{"city":"Paris"}`),
					responsestest.FunctionCall("call_b", "get_weather", `{"city":"Tokyo"}`),
				).Usage(responses.Usage{InputTokens: 10, OutputTokens: 5, TotalTokens: 15,
					InputTokensDetails:  responses.InputTokensDetails{CachedTokens: 4},
					OutputTokensDetails: responses.OutputTokensDetails{ReasoningTokens: 3}}),
				responsestest.Reply(responsestest.FunctionCall("call_c", "get_weather", `{"city":"Oslo"}`)).
					Usage(responses.Usage{InputTokens: 20, OutputTokens: 5, TotalTokens: 25}),
				responsestest.Reply(responsestest.Message("All sunny.")).
					Usage(responses.Usage{InputTokens: 30, OutputTokens: 2, TotalTokens: 32}),
			)
			a := &agent.Agent{Name: "w", Model: "gpt-5", Instructions: "be brief", Tools: []tools.Tool{weatherTool(t, &calls)}}
			r := newRunner(srv, &runner.Options{DisableStreaming: !stream})
			var deltas strings.Builder
			var types []runner.EventType
			var res *runner.Result
			for ev, err := range r.Stream(context.Background(), a, runner.Text("Weather?")) {
				if err != nil {
					t.Fatal(err)
				}
				if ev.Type == runner.EventTextDelta {
					deltas.WriteString(ev.Delta)
				}
				if ev.Type != runner.EventResponse && ev.Type != runner.EventTextDelta && ev.Type != runner.EventArgumentsDelta && ev.Type != runner.EventReasoningDelta {
					types = append(types, ev.Type)
				}
				if ev.Type == runner.EventFinalOutput {
					res = ev.Result
				}
			}
			if res == nil {
				t.Fatal("no final output")
			}
			if res.Output != "All sunny." || res.Turns != 3 || calls.Load() != 3 {
				t.Errorf("output %q turns %d calls %d", res.Output, res.Turns, calls.Load())
			}
			if stream && deltas.String() != "All sunny." {
				t.Errorf("text deltas = %q", deltas.String())
			}
			wantUsage := responses.Usage{InputTokens: 60, OutputTokens: 12, TotalTokens: 72,
				InputTokensDetails:  responses.InputTokensDetails{CachedTokens: 4},
				OutputTokensDetails: responses.OutputTokensDetails{ReasoningTokens: 3}}
			if diff := cmp.Diff(wantUsage, res.Usage); diff != "" {
				t.Errorf("usage (-want +got):\n%s", diff)
			}
			reqs := srv.Requests()
			if len(reqs) != 3 {
				t.Fatalf("%d requests", len(reqs))
			}
			// Outputs in call order, right after the response's items.
			second := reqs[1].Request
			var order []string
			for _, it := range second.Input.Items {
				if it.Type == responses.ItemFunctionCallOutput {
					order = append(order, it.CallID+"="+it.Output.String())
				}
			}
			if diff := cmp.Diff([]string{"call_a=sunny in Paris", "call_b=sunny in Tokyo"}, order); diff != "" {
				t.Errorf("outputs (-want +got):\n%s", diff)
			}
			if second.Store == nil || *second.Store || len(second.Include) != 1 || second.Include[0] != responses.IncludeReasoningEncryptedContent {
				t.Errorf("stateless request: store %v include %v", second.Store, second.Include)
			}
			if second.Stream != stream {
				t.Errorf("stream = %v", second.Stream)
			}
			wantTypes := []runner.EventType{
				runner.EventTurnStarted, runner.EventItem, runner.EventItem, runner.EventItem,
				runner.EventToolStarted, runner.EventToolStarted, runner.EventToolFinished, runner.EventToolFinished, runner.EventTurnEnded,
				runner.EventTurnStarted, runner.EventItem, runner.EventToolStarted, runner.EventToolFinished, runner.EventTurnEnded,
				runner.EventTurnStarted, runner.EventItem, runner.EventTurnEnded, runner.EventFinalOutput,
			}
			// Started/finished of parallel calls may interleave; compare counts per turn.
			if diff := cmp.Diff(count(wantTypes), count(types)); diff != "" {
				t.Errorf("event counts (-want +got):\n%s", diff)
			}
			if got := len(res.History); got != 1+3+2+1+1+1 {
				t.Errorf("history has %d items", got)
			}
		})
	}
}

func count(ts []runner.EventType) map[runner.EventType]int {
	m := map[runner.EventType]int{}
	for _, t := range ts {
		m[t]++
	}
	return m
}

// TestToolFailuresReachModel checks that a tool error, a panic, bad
// arguments and an unknown tool each become the call's output and the run
// goes on.
func TestToolFailuresReachModel(t *testing.T) {
	boom, err := tools.NewFunc("boom", "fails", func(context.Context, cityArgs) (string, error) {
		return "", errors.New("the weather service is down")
	})
	if err != nil {
		t.Fatal(err)
	}
	panicky, err := tools.NewFuncRaw("panicky", "panics", nil, false, func(context.Context, string) (responses.ToolOutput, error) {
		panic("nil map write")
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := responsestest.Start(t,
		responsestest.Reply(
			responsestest.FunctionCall("c_err", "boom", `{"city":"Paris"}`),
			responsestest.FunctionCall("c_panic", "panicky", `{}`),
			responsestest.FunctionCall("c_badjson", "get_weather", `{"city":`),
			responsestest.FunctionCall("c_badargs", "get_weather", `{"town":"Paris"}`),
			responsestest.FunctionCall("c_unknown", "get_time", `{}`),
			responsestest.FunctionCall("c_ok", "get_weather", `{"city":"Oslo"}`),
		),
		responsestest.Reply(responsestest.Message("done")),
	)
	a := &agent.Agent{Model: "gpt-4.1", Tools: []tools.Tool{weatherTool(t, nil), boom, panicky}}
	var finished []string
	r := newRunner(srv, nil)
	var res *runner.Result
	for ev, err := range r.Stream(context.Background(), a, runner.Text("go")) {
		if err != nil {
			t.Fatal(err)
		}
		if ev.Type == runner.EventToolFinished {
			finished = append(finished, fmt.Sprintf("%s:%v", ev.Item.CallID, ev.Err != nil))
		}
		if ev.Type == runner.EventFinalOutput {
			res = ev.Result
		}
	}
	if res == nil || res.Output != "done" {
		t.Fatalf("result %+v", res)
	}
	outs := outputsOf(srv.Requests()[1].Request)
	for id, want := range map[string]string{
		"c_err":     "the weather service is down",
		"c_panic":   "panic",
		"c_badjson": "invalid arguments",
		"c_badargs": "town",
		"c_unknown": `unknown tool "get_time"`,
		"c_ok":      "sunny in Oslo",
	} {
		if !strings.Contains(outs[id], want) {
			t.Errorf("output of %s = %q, want it to contain %q", id, outs[id], want)
		}
	}
	if len(finished) != 6 {
		t.Errorf("finished events: %v", finished)
	}
}

func TestMaxTurns(t *testing.T) {
	srv := responsestest.NewServer(&responsestest.Options{Fallback: func(r *responsestest.Received) responsestest.Step {
		return responsestest.Reply(responsestest.FunctionCall("", "get_weather", `{"city":"Paris"}`))
	}})
	defer srv.Close()
	a := &agent.Agent{Model: "gpt-4.1", Tools: []tools.Tool{weatherTool(t, nil)}}
	res, err := newRunner(srv, &runner.Options{MaxTurns: 3}).Run(context.Background(), a, runner.Text("loop"))
	if !errors.Is(err, runner.ErrMaxTurns) || !strings.Contains(err.Error(), "3 turns") {
		t.Fatalf("err = %v", err)
	}
	if res == nil || res.Turns != 3 || len(srv.Requests()) != 3 {
		t.Errorf("turns %v, requests %d", res, len(srv.Requests()))
	}
}

// TestCancelMidTool breaks out of the stream while a tool runs: the tool's
// context is cancelled and the iterator waits for it.
func TestCancelMidTool(t *testing.T) {
	started := make(chan struct{})
	var exited atomic.Bool
	slow, err := tools.NewFunc("slow", "blocks", func(ctx context.Context, _ cityArgs) (string, error) {
		close(started)
		<-ctx.Done()
		time.Sleep(20 * time.Millisecond) // cleanup that must finish before Stream returns
		exited.Store(true)
		return "", ctx.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := responsestest.Start(t, responsestest.Reply(responsestest.FunctionCall("c1", "slow", `{"city":"x"}`)))
	a := &agent.Agent{Model: "gpt-4.1", Tools: []tools.Tool{slow}}
	r := newRunner(srv, nil)
	for ev, err := range r.Stream(context.Background(), a, runner.Text("go")) {
		if err != nil {
			t.Fatal(err)
		}
		if ev.Type == runner.EventToolStarted {
			<-started
			break
		}
	}
	if !exited.Load() {
		t.Fatal("Stream returned before the tool's goroutine finished")
	}

	// Cancelling the context of Run ends the run with the context's error.
	srv2 := responsestest.Start(t, responsestest.Reply(responsestest.FunctionCall("c1", "slow2", `{"city":"x"}`)))
	block, _ := tools.NewFunc("slow2", "blocks", func(ctx context.Context, _ cityArgs) (string, error) {
		<-ctx.Done()
		return "", ctx.Err()
	})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = newRunner(srv2, nil).Run(ctx, &agent.Agent{Model: "m", Tools: []tools.Tool{block}}, runner.Text("go"))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
}

func TestToolTimeoutAndAbort(t *testing.T) {
	hang, _ := tools.NewFunc("hang", "hangs", func(ctx context.Context, _ cityArgs) (string, error) {
		<-ctx.Done()
		return "", ctx.Err()
	})
	srv := responsestest.Start(t,
		responsestest.Reply(responsestest.FunctionCall("c1", "hang", `{"city":"x"}`)),
		responsestest.Reply(responsestest.Message("ok")),
	)
	res, err := newRunner(srv, &runner.Options{ToolTimeout: 20 * time.Millisecond}).
		Run(context.Background(), &agent.Agent{Model: "m", Tools: []tools.Tool{hang}}, runner.Text("go"))
	if err != nil || res.Output != "ok" {
		t.Fatalf("res %v err %v", res, err)
	}
	if out := outputsOf(srv.Requests()[1].Request)["c1"]; !strings.Contains(out, "timed out") {
		t.Errorf("timeout output = %q", out)
	}

	abort, _ := tools.NewFunc("stop", "aborts", func(context.Context, cityArgs) (string, error) {
		return "", fmt.Errorf("user said stop: %w", tools.ErrAbort)
	})
	srv2 := responsestest.Start(t, responsestest.Reply(responsestest.FunctionCall("c1", "stop", `{"city":"x"}`)))
	_, err = newRunner(srv2, nil).Run(context.Background(), &agent.Agent{Model: "m", Tools: []tools.Tool{abort}}, runner.Text("go"))
	if !errors.Is(err, tools.ErrAbort) || !strings.Contains(err.Error(), "user said stop") {
		t.Fatalf("err = %v", err)
	}
}

type verdict struct {
	City  string `json:"city"`
	Sunny bool   `json:"sunny"`
}

func TestStructuredOutput(t *testing.T) {
	srv := responsestest.Start(t, responsestest.Reply(responsestest.Message(`{"city":"Paris","sunny":true}`)))
	out, err := agent.OutputOf[verdict]("verdict")
	if err != nil {
		t.Fatal(err)
	}
	res, err := newRunner(srv, nil).Run(context.Background(), &agent.Agent{Model: "m", Output: out}, runner.Text("go"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(verdict{City: "Paris", Sunny: true}, res.Value); diff != "" {
		t.Errorf("value (-want +got):\n%s", diff)
	}
	req := srv.Requests()[0].Request
	if req.Text == nil || req.Text.Format == nil || req.Text.Format.Type != "json_schema" || req.Text.Format.Name != "verdict" {
		t.Errorf("text.format = %+v", req.Text)
	}

	bad := responsestest.Start(t, responsestest.Reply(responsestest.Message(`not json`)))
	_, err = newRunner(bad, nil).Run(context.Background(), &agent.Agent{Model: "m", Output: out}, runner.Text("go"))
	if !errors.Is(err, runner.ErrOutput) {
		t.Errorf("err = %v", err)
	}
}

func TestIncompleteNeverRunsCutCall(t *testing.T) {
	var calls atomic.Int64
	srv := responsestest.Start(t, responsestest.Reply(
		responsestest.FunctionCall("c1", "get_weather", `{"city":"Par`),
	).Incomplete("max_output_tokens"))
	for _, stream := range []bool{true, false} {
		srv.Add(responsestest.Reply(responsestest.FunctionCall("c1", "get_weather", `{"city":"Par`)).Incomplete("max_output_tokens"))
		_ = stream
	}
	for _, stream := range []bool{true, false, true} {
		_, err := newRunner(srv, &runner.Options{DisableStreaming: !stream}).
			Run(context.Background(), &agent.Agent{Model: "m", Tools: []tools.Tool{weatherTool(t, &calls)}}, runner.Text("go"))
		if !errors.Is(err, runner.ErrIncomplete) || !strings.Contains(err.Error(), "max_output_tokens") {
			t.Errorf("stream=%v: err = %v", stream, err)
		}
	}
	if calls.Load() != 0 {
		t.Errorf("a cut-off call ran %d times", calls.Load())
	}
}

func TestPreviousResponseID(t *testing.T) {
	srv := responsestest.Start(t,
		responsestest.Reply(responsestest.FunctionCall("c1", "get_weather", `{"city":"Paris"}`)),
		responsestest.Reply(responsestest.Message("sunny")),
	)
	res, err := newRunner(srv, &runner.Options{ChainResponses: true}).
		Run(context.Background(), &agent.Agent{Model: "m", Tools: []tools.Tool{weatherTool(t, nil)}}, runner.Text("go"))
	if err != nil || res.Output != "sunny" {
		t.Fatalf("res %v err %v", res, err)
	}
	reqs := srv.Requests()
	second := reqs[1].Request
	if second.PreviousResponseID == "" || second.PreviousResponseID != reqs[0].ResponseID {
		t.Errorf("previous_response_id = %q, first response %q", second.PreviousResponseID, reqs[0].ResponseID)
	}
	if len(second.Input.Items) != 1 || second.Input.Items[0].Type != responses.ItemFunctionCallOutput {
		t.Errorf("chained input = %d items", len(second.Input.Items))
	}
	if second.Store == nil || !*second.Store {
		t.Error("chained requests need store:true")
	}
}

// TestConcurrentRuns runs one Runner from many goroutines (run with -race).
func TestConcurrentRuns(t *testing.T) {
	srv := responsestest.NewServer(&responsestest.Options{Fallback: func(r *responsestest.Received) responsestest.Step {
		if len(outputsOf(r.Request)) == 0 {
			return responsestest.Reply(responsestest.FunctionCall("", "get_weather", `{"city":"Paris"}`))
		}
		return responsestest.Reply(responsestest.Message("done"))
	}})
	defer srv.Close()
	r := newRunner(srv, nil)
	a := &agent.Agent{Model: "m", Tools: []tools.Tool{weatherTool(t, nil)}}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := r.Run(context.Background(), a, runner.Text("go"))
			if err == nil && res.Output != "done" {
				err = fmt.Errorf("output %q", res.Output)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if err := srv.Err(); err != nil {
		t.Error(err)
	}
}

func TestAPIErrorEndsRun(t *testing.T) {
	srv := responsestest.Start(t, responsestest.APIError(401, "invalid_api_key", "Incorrect API key provided").
		Header("x-request-id", "req_123"))
	_, err := newRunner(srv, nil).Run(context.Background(), &agent.Agent{Model: "m"}, runner.Text("go"))
	var apiErr *responses.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 401 || apiErr.RequestID != "req_123" {
		t.Fatalf("err = %v", err)
	}
}

// TestCommentaryIsNotFinal: a preamble message beside a call does not end
// the loop.
func TestCommentaryIsNotFinal(t *testing.T) {
	pre := responsestest.Message("Let me check.")
	pre.Phase = responses.PhaseCommentary
	srv := responsestest.Start(t,
		responsestest.Reply(pre, responsestest.FunctionCall("c1", "get_weather", `{"city":"Paris"}`)),
		responsestest.Reply(responsestest.Message("Sunny.")),
	)
	res, err := newRunner(srv, nil).Run(context.Background(), &agent.Agent{Model: "m", Tools: []tools.Tool{weatherTool(t, nil)}}, runner.Text("go"))
	if err != nil || res.Output != "Sunny." || res.Turns != 2 {
		t.Fatalf("res %+v err %v", res, err)
	}
}

func TestResultJSON(t *testing.T) {
	// History must be sendable as-is in a new run.
	srv := responsestest.Start(t,
		responsestest.Reply(responsestest.Message("first")),
		responsestest.Reply(responsestest.Message("second")),
	)
	r := newRunner(srv, nil)
	a := &agent.Agent{Model: "m"}
	res, err := r.Run(context.Background(), a, runner.Text("one"))
	if err != nil {
		t.Fatal(err)
	}
	res2, err := r.Run(context.Background(), a, append(runner.Items(res.History...), responses.UserMessage("two")))
	if err != nil || res2.Output != "second" {
		t.Fatalf("%v %v", res2, err)
	}
	if _, err := json.Marshal(res2.History); err != nil {
		t.Fatal(err)
	}
}

// TestInvalidEncryptedContent: a gateway that moved the conversation to
// another channel cannot verify the encrypted reasoning; the runner retries
// once without reasoning items.
func TestInvalidEncryptedContent(t *testing.T) {
	srv := responsestest.NewServer(&responsestest.Options{NoHistoryCheck: true, Steps: []responsestest.Step{
		responsestest.Reply(responsestest.Reasoning("", "enc"), responsestest.FunctionCall("c1", "get_weather", `{"city":"Paris"}`)),
		responsestest.APIError(400, "invalid_encrypted_content", "The encrypted content for item rs_1 could not be verified."),
		responsestest.Reply(responsestest.Message("sunny")),
	}})
	defer srv.Close()
	res, err := newRunner(srv, nil).Run(context.Background(), &agent.Agent{Model: "gpt-5", Tools: []tools.Tool{weatherTool(t, nil)}}, runner.Text("go"))
	if err != nil || res.Output != "sunny" {
		t.Fatalf("res %v err %v", res, err)
	}
	if err := srv.Err(); err != nil {
		t.Fatal(err)
	}
	third := srv.Requests()[2]
	for _, it := range third.Request.Input.Items {
		if it.Type == responses.ItemReasoning {
			t.Error("reasoning item resent after invalid_encrypted_content")
		}
		if it.Type == responses.ItemFunctionCall && (it.ID != "" || it.CallID != "c1") {
			t.Errorf("function_call resent as %s", it.Raw())
		}
	}
}

// TestFailedResponseUsage: a response.failed that retries cannot fix ends
// the run with the API's error, and its usage still counts.
func TestFailedResponseUsage(t *testing.T) {
	srv := responsestest.Start(t, responsestest.Reply().Failed("invalid_prompt", "flagged").
		Usage(responses.Usage{InputTokens: 7, TotalTokens: 7}))
	res, err := newRunner(srv, nil).Run(context.Background(), &agent.Agent{Model: "m"}, runner.Text("go"))
	var apiErr *responses.Error
	if !errors.As(err, &apiErr) || apiErr.Code != "invalid_prompt" {
		t.Fatalf("err = %v", err)
	}
	if res == nil || res.Usage.InputTokens != 7 || res.Turns != 1 {
		t.Errorf("result = %+v", res)
	}
}

package runner_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/tools"
)

// TestFaultTable runs every fault of responses-protocol.md §3.8, and the
// gateway shapes of agents-anchors.md §4.4 and §5.2, at the second model
// call of a run, after a tool ran, over real HTTP, streaming and not. A
// transient fault is retried with the same request bytes and the run ends
// normally; a final one ends the run with a classified *responses.Error
// whose history still answers the call. In every case the tool ran exactly
// once.
func TestFaultTable(t *testing.T) {
	msg := responsestest.Message("partial answer that will be cut")
	cases := []struct {
		name  string
		fault responsestest.Step
		retry bool
		stall bool // the fault is a stall, ended by the client's timeouts
		// final faults: the status or code the error must carry
		status int
		code   string
	}{
		{name: "cut body or stream", fault: responsestest.Reply(msg).CutAfter(5), retry: true},
		{name: "stall (idle timeout)", fault: responsestest.Reply(msg).StallAfter(2), retry: true, stall: true},
		{name: "408", fault: responsestest.APIError(408, "", "Request timeout"), retry: true},
		{name: "409", fault: responsestest.APIError(409, "", "Conflict"), retry: true},
		{name: "429 rate limit", fault: responsestest.APIError(429, "rate_limit_exceeded", "Rate limit reached. Please try again in 1ms.").Header("retry-after-ms", "1"), retry: true},
		{name: "500", fault: responsestest.APIError(500, "", "The server had an error"), retry: true},
		{name: "502 HTML from a proxy", fault: responsestest.HTML(502), retry: true},
		{name: "503", fault: responsestest.APIError(503, "", "Service unavailable"), retry: true},
		{name: "504", fault: responsestest.APIError(504, "", "Gateway timeout"), retry: true},
		{name: "x-should-retry on a 400", fault: responsestest.APIError(400, "", "transient").Header("x-should-retry", "true"), retry: true},
		{name: "failed server_error", fault: responsestest.Reply().Failed("server_error", "The server had an error."), retry: true},
		{name: "failed rate_limit_exceeded", fault: responsestest.Reply().Failed("rate_limit_exceeded", "Rate limit reached. Please try again in 1ms."), retry: true},
		{name: "failed server_is_overloaded", fault: responsestest.Reply().Failed("server_is_overloaded", "Overloaded."), retry: true},
		{name: "failed slow_down", fault: responsestest.Reply().Failed("slow_down", "Slow down."), retry: true},
		{name: "at capacity, typed invalid_request_error", fault: responsestest.Reply().Failed("", "Selected model is at capacity. Please try a different model.").ErrorType("invalid_request_error"), retry: true},
		{name: "servers overloaded, typed invalid_request_error", fault: responsestest.Reply().Failed("", "Our servers are currently overloaded. Please try again later.").ErrorType("invalid_request_error"), retry: true},
		{name: "relay's in-band request_timeout", fault: responsestest.Reply(msg).CutAfter(3).ErrorEvent("request_timeout", "stream disconnected before completion: idle timeout").ErrorType("invalid_request_error"), retry: true},
		{name: "error event server_error", fault: responsestest.Reply(msg).CutAfter(3).ErrorEvent("server_error", "An error occurred."), retry: true},
		{name: "clean end without a terminal event", fault: responsestest.Reply(msg).CutAfter(4).Done(), retry: true},

		{name: "400", fault: responsestest.APIError(400, "", "Invalid value for 'input'."), status: 400},
		{name: "401", fault: responsestest.Fail(401, `{"error":"invalid api key"}`), status: 401},
		{name: "403", fault: responsestest.APIError(403, "unsupported_country_region_territory", "Country not supported."), status: 403},
		{name: "404", fault: responsestest.APIError(404, "model_not_found", "The model does not exist."), status: 404},
		{name: "413", fault: responsestest.APIError(413, "", "Request too large."), status: 413},
		{name: "422", fault: responsestest.APIError(422, "", "Unprocessable."), status: 422},
		{name: "429 insufficient_quota", fault: responsestest.APIError(429, "insufficient_quota", "You exceeded your current quota."), status: 429, code: "insufficient_quota"},
		{name: "failed context_length_exceeded", fault: responsestest.Reply().Failed("context_length_exceeded", "Your input exceeds the context window."), code: "context_length_exceeded"},
		{name: "failed invalid_prompt", fault: responsestest.Reply().Failed("invalid_prompt", "Invalid prompt."), code: "invalid_prompt"},
		{name: "failed misalignment_policy_violation", fault: responsestest.Reply().Failed(responses.CodeMisalignmentPolicyViolation, "The request was flagged."), code: responses.CodeMisalignmentPolicyViolation},
		{name: "plain invalid_request_error in a failed response", fault: responsestest.Reply().Failed("", "Unknown parameter: 'input[1].status'.").ErrorType("invalid_request_error"), code: "invalid_request_error"},
	}
	for _, c := range cases {
		for _, stream := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/stream=%v", c.name, stream), func(t *testing.T) {
				t.Parallel()
				var ran atomic.Int64
				steps := []responsestest.Step{
					responsestest.Reply(responsestest.FunctionCall("c1", "get_weather", `{"city":"Paris"}`)),
					c.fault,
				}
				if c.retry {
					steps = append(steps, responsestest.Reply(responsestest.Message("done")))
				}
				srv := responsestest.Start(t, steps...)
				// Short timeouts only where the fault is a stall: elsewhere a
				// slow turn on a loaded machine would be one more retry, and
				// a request count the test does not expect.
				idle, timeout := 30*time.Second, 30*time.Second
				if c.stall {
					idle, timeout = 200*time.Millisecond, 2*time.Second
				}
				client := responses.NewClient(&responses.Options{BaseURL: srv.URL(), APIKey: "sk-test-faults", MaxRetries: 2,
					RetryBaseDelay: time.Millisecond, MaxRetryDelay: 5 * time.Millisecond, StreamIdleTimeout: idle,
					RequestTimeout: timeout})
				defer client.Close()
				r := runner.New(client, &runner.Options{DisableStreaming: !stream})
				a := &agent.Agent{Name: "a", Model: "gpt-5", Tools: []tools.Tool{weatherTool(t, &ran)}}
				var res *runner.Result
				var err error
				for ev, e := range r.Stream(context.Background(), a, runner.Text("Weather?")) {
					if ev.Result != nil {
						res = ev.Result
					}
					if e != nil {
						err = e
					}
				}
				if ran.Load() != 1 {
					t.Errorf("the tool ran %d times", ran.Load())
				}
				reqs := srv.Requests()
				if c.retry {
					if err != nil || res == nil || res.Output != "done" {
						t.Fatalf("a transient fault ended the run: %v", err)
					}
					if len(reqs) != 3 || !bytes.Equal(reqs[1].Body, reqs[2].Body) {
						t.Errorf("%d requests; the retry sent the same bytes: %v", len(reqs), len(reqs) == 3 && bytes.Equal(reqs[1].Body, reqs[2].Body))
					}
					return
				}
				var apiErr *responses.Error
				if !errors.As(err, &apiErr) {
					t.Fatalf("err = %v, want a *responses.Error", err)
				}
				if c.status != 0 && apiErr.StatusCode != c.status {
					t.Errorf("status %d, want %d (%v)", apiErr.StatusCode, c.status, err)
				}
				if c.code != "" && apiErr.Code != c.code && apiErr.Type != c.code {
					t.Errorf("code %q type %q, want %q", apiErr.Code, apiErr.Type, c.code)
				}
				if len(reqs) != 2 {
					t.Errorf("%d requests: a final fault was retried", len(reqs))
				}
				if res == nil || answered(res.History)["c1"] != "sunny in Paris" {
					t.Errorf("the history lost the call's output")
				}
				if apiErr.StatusCode == http.StatusUnauthorized && bytes.Contains([]byte(err.Error()), []byte("sk-test-faults")) {
					t.Errorf("the key is in the error: %v", err)
				}
			})
		}
	}
}

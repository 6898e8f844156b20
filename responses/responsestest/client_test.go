package responsestest_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
	"github.com/google/go-cmp/cmp"
)

func newClient(srv *responsestest.Server, retries int) *responses.Client {
	return newClientIdle(srv, retries, 5*time.Second)
}

func newClientIdle(srv *responsestest.Server, retries int, idle time.Duration) *responses.Client {
	return responses.NewClient(&responses.Options{BaseURL: srv.URL(), APIKey: "test",
		MaxRetries: retries, RetryBaseDelay: time.Millisecond, StreamIdleTimeout: idle})
}

// TestClientLoop runs a tool loop with responses.Client, streaming or not:
// the items the client returns replay byte for byte.
func TestClientLoop(t *testing.T) {
	for _, stream := range []bool{false, true} {
		t.Run(map[bool]string{false: "create", true: "stream"}[stream], func(t *testing.T) {
			srv := responsestest.Start(t,
				responsestest.Reply(
					responsestest.Reasoning("Two cities, two calls.", "gAAAA-enc"),
					responsestest.FunctionCall("", "get_weather", `{"city":"Paris"}`),
					responsestest.FunctionCall("", "get_weather", `{"city":"Rome"}`)),
				responsestest.Reply(responsestest.Message("Paris: sunny. Rome: rainy.")),
			)
			c := newClient(srv, -1)
			ctx := context.Background()
			input := []responses.Item{responses.UserMessage("Weather in Paris and Rome?")}
			for turn := 0; ; turn++ {
				req := &responses.Request{Model: "gpt-test", Input: responses.InputItems(input...)}
				var r *responses.Response
				var err error
				if stream {
					r, err = responses.Collect(c.Stream(ctx, req))
				} else {
					r, err = c.Create(ctx, req)
				}
				if err != nil {
					t.Fatalf("turn %d: %v", turn, err)
				}
				input = append(input, r.Output...)
				var calls int
				for _, it := range r.Output {
					if it.IsCall() {
						calls++
						input = append(input, responses.FunctionCallOutput(it.CallID, "ok"))
					}
				}
				if calls == 0 {
					if got := r.OutputText(); got != "Paris: sunny. Rome: rainy." {
						t.Errorf("final text %q", got)
					}
					break
				}
				if turn > 2 {
					t.Fatal("the loop does not end")
				}
			}
			reqs := srv.Requests()
			if len(reqs) != 2 || !bytes.Contains(reqs[1].Body, []byte(`"encrypted_content":"gAAAA-enc"`)) {
				t.Errorf("%d requests; second: %s", len(reqs), reqs[len(reqs)-1].Body)
			}
		})
	}
}

func TestClientErrors(t *testing.T) {
	ctx := context.Background()
	req := &responses.Request{Model: "m", Input: responses.InputText("hi")}

	t.Run("retry after 429", func(t *testing.T) {
		srv := responsestest.Start(t,
			responsestest.APIError(429, "rate_limit_exceeded", "slow down").Header("retry-after-ms", "5"),
			responsestest.HTML(502),
			responsestest.Reply(responsestest.Message("ok")))
		r, err := newClient(srv, 2).Create(ctx, req)
		if err != nil || r.OutputText() != "ok" {
			t.Fatalf("Create = %v, %v", r, err)
		}
	})
	t.Run("html 502", func(t *testing.T) {
		srv := responsestest.Start(t, responsestest.HTML(502))
		_, err := newClient(srv, -1).Create(ctx, req)
		var e *responses.Error
		if !errors.As(err, &e) || e.StatusCode != http.StatusBadGateway {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("gateway string error", func(t *testing.T) {
		srv := responsestest.Start(t, responsestest.Fail(401, `{"error":"invalid api key"}`))
		_, err := newClient(srv, -1).Create(ctx, req)
		var e *responses.Error
		if !errors.As(err, &e) || e.StatusCode != 401 || e.Message != "invalid api key" {
			t.Fatalf("err = %#v", err)
		}
	})
	t.Run("cut stream", func(t *testing.T) {
		srv := responsestest.Start(t, responsestest.Reply(responsestest.Message("hello")).CutAfter(4))
		_, err := responses.Collect(newClient(srv, -1).Stream(ctx, req))
		if !errors.Is(err, responses.ErrStreamTruncated) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("stalled stream", func(t *testing.T) {
		srv := responsestest.Start(t, responsestest.Reply(responsestest.Message("hello")).StallAfter(3))
		_, err := responses.Collect(newClientIdle(srv, -1, 300*time.Millisecond).Stream(ctx, req))
		if !errors.Is(err, responses.ErrStreamTruncated) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("failed stream", func(t *testing.T) {
		srv := responsestest.Start(t, responsestest.Reply().Failed("invalid_prompt", "no"))
		_, err := responses.Collect(newClient(srv, -1).Stream(ctx, req))
		var e *responses.Error
		if !errors.As(err, &e) || e.Code != "invalid_prompt" {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("error event", func(t *testing.T) {
		srv := responsestest.Start(t, responsestest.Reply(responsestest.Message("x")).ErrorEvent("invalid_prompt", "bad"))
		_, err := responses.Collect(newClient(srv, -1).Stream(ctx, req))
		var e *responses.Error
		if !errors.As(err, &e) || e.Code != "invalid_prompt" || e.Message != "bad" {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("cut stream closed with [DONE]", func(t *testing.T) {
		srv := responsestest.Start(t, responsestest.Reply(responsestest.Message("hello")).CutAfter(4).Done())
		_, err := responses.Collect(newClient(srv, -1).Stream(ctx, req))
		if !errors.Is(err, responses.ErrStreamTruncated) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("bad parameter not retried", func(t *testing.T) {
		srv := responsestest.Start(t,
			responsestest.Reply().Failed("", "Invalid value: 'xhigh'.").ErrorType("invalid_request_error"))
		_, err := responses.Collect(newClient(srv, 2).Stream(ctx, req))
		var e *responses.Error
		if !errors.As(err, &e) || e.Type != "invalid_request_error" || e.Retryable() || len(srv.Requests()) != 1 {
			t.Fatalf("err = %v after %d requests", err, len(srv.Requests()))
		}
	})
	t.Run("incomplete", func(t *testing.T) {
		srv := responsestest.Start(t, responsestest.Reply(
			responsestest.FunctionCall("call_1", "f", `{"a":`)).Incomplete("max_output_tokens"))
		r, err := responses.Collect(newClient(srv, -1).Stream(ctx, req))
		if err != nil || r.Status != responses.StatusIncomplete || r.Output[0].Arguments != `{"a":` {
			t.Fatalf("Collect = %+v, %v", r, err)
		}
	})
}

// TestGatewayFailuresRetried: the failures gateways and relays send over
// HTTP 200 (a model at capacity, a cut stream closed cleanly, an in-band
// request_timeout) are retried, streaming or not.
func TestGatewayFailuresRetried(t *testing.T) {
	ctx := context.Background()
	req := &responses.Request{Model: "m", Input: responses.InputText("hi")}
	tests := []struct {
		name   string
		stream bool
		first  responsestest.Step
	}{
		{"capacity, failed response", false,
			responsestest.Reply().Failed("", "Selected model is at capacity. Please try a different model.").ErrorType("invalid_request_error")},
		{"capacity, failed event", true,
			responsestest.Reply().Failed("", "Selected model is at capacity. Please try a different model.").ErrorType("invalid_request_error")},
		{"overloaded, error event", true,
			responsestest.Reply().ErrorEvent("", "Our servers are currently overloaded. Please try again later.").ErrorType("invalid_request_error")},
		{"relay request_timeout mid-stream", true,
			responsestest.Reply(responsestest.Message("hel")).CutAfter(5).
				ErrorEvent("request_timeout", "stream disconnected before completion").ErrorType("invalid_request_error")},
		{"clean end without a terminal event", true, responsestest.Reply(responsestest.Message("hel")).CutAfter(5)},
		{"[DONE] without a terminal event", true, responsestest.Reply(responsestest.Message("hel")).CutAfter(5).Done()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := responsestest.Start(t, tt.first, responsestest.Reply(responsestest.Message("hello")))
			c := newClient(srv, 1)
			var r *responses.Response
			var err error
			if tt.stream {
				r, err = responses.Collect(c.Stream(ctx, req))
			} else {
				r, err = c.Create(ctx, req)
			}
			if err != nil || r.OutputText() != "hello" {
				t.Fatalf("got %+v, %v", r, err)
			}
			if n := len(srv.Requests()); n != 2 {
				t.Errorf("%d requests, want 2", n)
			}
		})
	}
}

// TestInputTransformationsReported: the final response of Create and of a
// stream carries the input_transformations the server reports.
func TestInputTransformationsReported(t *testing.T) {
	want := []responses.InputTransformation{{ID: "rs_1", Type: "reasoning",
		Action: responses.TransformRemoved, Reason: responses.TransformOrganizationMismatch}}
	step := responsestest.Reply(responsestest.Message("Hi.")).InputTransformations(want...)
	srv := responsestest.Start(t, step, step)
	c := newClient(srv, -1)
	req := &responses.Request{Model: "m", Input: responses.InputText("hi")}
	r1, err := c.Create(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := responses.Collect(c.Stream(context.Background(), req))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []*responses.Response{r1, r2} {
		if diff := cmp.Diff(want, r.InputTransformations); diff != "" || r.OutputText() != "Hi." {
			t.Errorf("InputTransformations (-want +got):\n%s", diff)
		}
	}
}

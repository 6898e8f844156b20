package responses_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// seen is what a retry policy or OnRetry saw of one retry.
type seen struct {
	Attempt       int
	Status        int
	Retryable     bool
	Delay         time.Duration
	FallbackModel string
}

func seenOf(info responses.RetryInfo) seen {
	return seen{info.Attempt, info.StatusCode, info.Retryable, info.Delay, info.FallbackModel}
}

const (
	capacityFailed = `{"id":"r","status":"failed","error":{"type":"invalid_request_error","code":null,"message":"Selected model is at capacity. Please try a different model."}}`
	badParam       = `{"error":{"message":"Invalid value: 'xhigh'.","type":"invalid_request_error","param":"reasoning.effort","code":null}}`
	misaligned     = `{"error":{"message":"Stopped for review.","type":"invalid_request_error","code":"misalignment_policy_violation","misalignment":{"error_type":"potentially_unintended_data_access"}}}`
	notFound       = `{"error":{"message":"The model 'm' does not exist or you do not have access to it.","type":"invalid_request_error","code":"model_not_found"}}`
)

// policyFunc is a retry policy that records what it is asked.
type policyFunc struct {
	asked  []seen
	decide func(info responses.RetryInfo) (bool, time.Duration)
}

func (p *policyFunc) policy(_ context.Context, info responses.RetryInfo) (bool, time.Duration) {
	p.asked = append(p.asked, seenOf(info))
	return p.decide(info)
}

func TestRetryPolicy(t *testing.T) {
	defaultRule := func(info responses.RetryInfo) (bool, time.Duration) { return info.Retryable, info.Delay }
	tests := []struct {
		name    string
		opts    responses.Options
		replies []reply
		decide  func(info responses.RetryInfo) (bool, time.Duration)
		asked   []seen // what the policy was asked
		retries []seen // what OnRetry saw
		gaps    []time.Duration
		wantErr int // the final error's status, 0 for success
	}{
		{
			name:    "retries a 400 the default rule would not",
			replies: []reply{{400, nil, badParam}, {200, nil, okBody}},
			decide:  func(info responses.RetryInfo) (bool, time.Duration) { return true, 3 * time.Second },
			asked:   []seen{{Attempt: 1, Status: 400, Delay: 500 * time.Millisecond}},
			retries: []seen{{Attempt: 1, Status: 400, Delay: 3 * time.Second}},
			gaps:    []time.Duration{3 * time.Second},
		},
		{
			name:    "declines a 503",
			replies: []reply{{503, nil, ""}},
			decide:  func(info responses.RetryInfo) (bool, time.Duration) { return false, 0 },
			asked:   []seen{{Attempt: 1, Status: 503, Retryable: true, Delay: 500 * time.Millisecond}},
			wantErr: 503,
		},
		{
			name:    "sees the server's delay",
			replies: []reply{{429, map[string]string{"Retry-After-Ms": "1500"}, rateLimit}, {200, nil, okBody}},
			decide:  defaultRule,
			asked:   []seen{{Attempt: 1, Status: 429, Retryable: true, Delay: 1500 * time.Millisecond}},
			retries: []seen{{Attempt: 1, Status: 429, Retryable: true, Delay: 1500 * time.Millisecond}},
			gaps:    []time.Duration{1500 * time.Millisecond},
		},
		{
			name:    "decides how many times",
			opts:    responses.Options{MaxRetries: 5, RetryBaseDelay: time.Second},
			replies: []reply{{500, nil, ""}},
			decide:  func(info responses.RetryInfo) (bool, time.Duration) { return info.Attempt <= 1, time.Second },
			asked: []seen{{Attempt: 1, Status: 500, Retryable: true, Delay: time.Second},
				{Attempt: 2, Status: 500, Retryable: true, Delay: 2 * time.Second}},
			retries: []seen{{Attempt: 1, Status: 500, Retryable: true, Delay: time.Second}},
			gaps:    []time.Duration{time.Second},
			wantErr: 500,
		},
		{
			name:    "capped by MaxRetries",
			opts:    responses.Options{MaxRetries: 2},
			replies: []reply{{400, nil, badParam}},
			decide:  func(info responses.RetryInfo) (bool, time.Duration) { return true, 0 },
			asked:   []seen{{Attempt: 1, Status: 400, Delay: 500 * time.Millisecond}, {Attempt: 2, Status: 400, Delay: time.Second}},
			retries: []seen{{Attempt: 1, Status: 400}, {Attempt: 2, Status: 400}},
			gaps:    []time.Duration{0, 0},
			wantErr: 400,
		},
		{
			name:    "not asked when retries are disabled",
			opts:    responses.Options{MaxRetries: -1},
			replies: []reply{{503, nil, ""}},
			decide:  func(info responses.RetryInfo) (bool, time.Duration) { return true, 0 },
			wantErr: 503,
		},
		{
			name:    "a negative delay is none",
			replies: []reply{{503, nil, ""}, {200, nil, okBody}},
			decide:  func(info responses.RetryInfo) (bool, time.Duration) { return true, -time.Hour },
			asked:   []seen{{Attempt: 1, Status: 503, Retryable: true, Delay: 500 * time.Millisecond}},
			retries: []seen{{Attempt: 1, Status: 503, Retryable: true}},
			gaps:    []time.Duration{0},
		},
		{
			name:    "never asked about a misalignment",
			replies: []reply{{403, nil, misaligned}},
			decide:  func(info responses.RetryInfo) (bool, time.Duration) { return true, 0 },
			wantErr: 403,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := &scripted{replies: tt.replies}
				srv, hc := newPipeServer(t, h)
				p := &policyFunc{decide: tt.decide}
				var retries []seen
				opts := tt.opts
				opts.RetryPolicy = p.policy
				opts.OnRetry = func(_ context.Context, info responses.RetryInfo) { retries = append(retries, seenOf(info)) }
				c := newTestClient(srv, hc, &opts)
				resp, err := c.Create(context.Background(), &responses.Request{Model: "m", Input: responses.InputText("hi")})
				if tt.wantErr == 0 {
					if err != nil || resp.OutputText() != "Hello, world" {
						t.Fatalf("got %+v, %v", resp, err)
					}
				} else {
					var apiErr *responses.Error
					if !errors.As(err, &apiErr) || apiErr.StatusCode != tt.wantErr {
						t.Fatalf("err = %v, want an *Error with status %d", err, tt.wantErr)
					}
				}
				// The default backoff is jittered: up to 25% less.
				jitter := cmp.Comparer(func(a, b time.Duration) bool { return min(a, b) >= max(a, b)-max(a, b)/4 })
				if diff := cmp.Diff(tt.asked, p.asked, jitter, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("policy asked (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(tt.retries, retries, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("OnRetry (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(tt.gaps, h.gaps(), cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("gaps between attempts (-want +got):\n%s", diff)
				}
			})
		})
	}
}

// TestRetryPolicyStream: a stream asks the policy too, but never after its
// consumer stopped.
func TestRetryPolicyStream(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := &streamScript{attempts: [][]string{{evCreated, evItemAdded, "<cut>"}, helloStream}}
		srv, hc := newPipeServer(t, h)
		p := &policyFunc{decide: func(info responses.RetryInfo) (bool, time.Duration) { return info.Retryable, time.Second }}
		c := newTestClient(srv, hc, &responses.Options{RetryPolicy: p.policy})
		var types []string
		for ev, err := range c.Stream(context.Background(), &responses.Request{Model: "m"}) {
			if err != nil {
				t.Fatal(err)
			}
			types = append(types, ev.Type)
		}
		if len(p.asked) != 1 || !p.asked[0].Retryable || types[2] != responses.EventRetry || types[len(types)-1] != responses.EventResponseCompleted {
			t.Errorf("asked %+v; events %q", p.asked, types)
		}

		// Stopped by its consumer: no retry, no question.
		p.asked = nil
		h = &streamScript{attempts: [][]string{{evCreated, evItemAdded, "<cut>"}}}
		srv, hc = newPipeServer(t, h)
		c = newTestClient(srv, hc, &responses.Options{RetryPolicy: p.policy})
		for range c.Stream(context.Background(), &responses.Request{Model: "m"}) {
			break
		}
		if len(p.asked) != 0 || h.count() != 1 {
			t.Errorf("asked %+v after %d attempts", p.asked, h.count())
		}
	})
}

// modelOf returns the "model" of a request body.
func modelOf(t *testing.T, body string) string {
	t.Helper()
	var r struct {
		Model string `json:"model"`
	}
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatalf("request body %s: %v", body, err)
	}
	return r.Model
}

func TestFallbackModels(t *testing.T) {
	tests := []struct {
		name    string
		opts    responses.Options
		ctx     func(context.Context) context.Context
		replies []reply
		decide  func(info responses.RetryInfo) (bool, time.Duration) // a retry policy, if any
		models  []string                                             // the model of each attempt
		retries []seen                                               // what OnRetry saw, delays left out
		wantErr int
	}{
		{
			name:    "after the retries at capacity",
			opts:    responses.Options{FallbackModels: []string{"fb1", "fb2"}},
			replies: []reply{{200, nil, capacityFailed}, {200, nil, capacityFailed}, {200, nil, capacityFailed}, {200, nil, okBody}},
			models:  []string{"m", "m", "m", "fb1"},
			retries: []seen{{Attempt: 1, Status: 200, Retryable: true}, {Attempt: 2, Status: 200, Retryable: true},
				{Attempt: 3, Status: 200, Retryable: true, FallbackModel: "fb1"}},
		},
		{
			name:    "model_not_found at once",
			opts:    responses.Options{FallbackModels: []string{"fb1"}},
			replies: []reply{{404, nil, notFound}, {200, nil, okBody}},
			models:  []string{"m", "fb1"},
			retries: []seen{{Attempt: 1, Status: 404, Retryable: true, FallbackModel: "fb1"}},
		},
		{
			name:    "each fallback once, while unavailable",
			opts:    responses.Options{MaxRetries: -1, FallbackModels: []string{"fb1", "fb2", "fb3"}},
			replies: []reply{{404, nil, notFound}, {200, nil, capacityFailed}, {503, nil, `{"error":{"message":"The engine is currently overloaded"}}`}},
			models:  []string{"m", "fb1", "fb2", "fb3"},
			retries: []seen{{Attempt: 1, Status: 404, Retryable: true, FallbackModel: "fb1"},
				{Attempt: 2, Status: 200, Retryable: true, FallbackModel: "fb2"},
				{Attempt: 3, Status: 503, Retryable: true, FallbackModel: "fb3"}},
			wantErr: 503,
		},
		{
			name:    "a fallback is not retried",
			opts:    responses.Options{FallbackModels: []string{"fb1", "fb2"}},
			replies: []reply{{404, nil, notFound}, {500, nil, ""}},
			models:  []string{"m", "fb1"},
			retries: []seen{{Attempt: 1, Status: 404, Retryable: true, FallbackModel: "fb1"}},
			wantErr: 500,
		},
		{
			name:    "not for another error",
			opts:    responses.Options{MaxRetries: -1, FallbackModels: []string{"fb1"}},
			replies: []reply{{400, nil, badParam}},
			models:  []string{"m"},
			wantErr: 400,
		},
		{
			name:    "not for a rate limit",
			opts:    responses.Options{MaxRetries: -1, FallbackModels: []string{"fb1"}},
			replies: []reply{{429, nil, rateLimit}},
			models:  []string{"m"},
			wantErr: 429,
		},
		{
			name:    "not for a misalignment",
			opts:    responses.Options{FallbackModels: []string{"fb1"}},
			replies: []reply{{403, nil, misaligned}},
			models:  []string{"m"},
			wantErr: 403,
		},
		{
			name:    "the request's model and repeats skipped",
			opts:    responses.Options{MaxRetries: -1, FallbackModels: []string{"m", "", "fb1", "fb1"}},
			replies: []reply{{404, nil, notFound}},
			models:  []string{"m", "fb1"},
			retries: []seen{{Attempt: 1, Status: 404, Retryable: true, FallbackModel: "fb1"}},
			wantErr: 404,
		},
		{
			name:    "per call",
			opts:    responses.Options{MaxRetries: -1, FallbackModels: []string{"fb1"}},
			ctx:     func(ctx context.Context) context.Context { return responses.WithFallbackModels(ctx, "fb9") },
			replies: []reply{{404, nil, notFound}, {200, nil, okBody}},
			models:  []string{"m", "fb9"},
			retries: []seen{{Attempt: 1, Status: 404, Retryable: true, FallbackModel: "fb9"}},
		},
		{
			name:    "disabled per call",
			opts:    responses.Options{MaxRetries: -1, FallbackModels: []string{"fb1"}},
			ctx:     func(ctx context.Context) context.Context { return responses.WithFallbackModels(ctx) },
			replies: []reply{{404, nil, notFound}},
			models:  []string{"m"},
			wantErr: 404,
		},
		{
			name:    "vetoed by the policy",
			opts:    responses.Options{FallbackModels: []string{"fb1"}},
			replies: []reply{{404, nil, notFound}},
			decide: func(info responses.RetryInfo) (bool, time.Duration) {
				return info.Retryable && info.FallbackModel == "", 0
			},
			models:  []string{"m"},
			wantErr: 404,
		},
		{
			name:    "delayed by the policy",
			opts:    responses.Options{FallbackModels: []string{"fb1"}},
			replies: []reply{{404, nil, notFound}, {200, nil, okBody}},
			decide:  func(info responses.RetryInfo) (bool, time.Duration) { return info.Retryable, 2 * time.Second },
			models:  []string{"m", "fb1"},
			retries: []seen{{Attempt: 1, Status: 404, Retryable: true, FallbackModel: "fb1"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := &scripted{replies: tt.replies}
				srv, hc := newPipeServer(t, h)
				var retries []seen
				var delays []time.Duration
				opts := tt.opts
				opts.OnRetry = func(_ context.Context, info responses.RetryInfo) {
					s := seenOf(info)
					delays = append(delays, s.Delay)
					s.Delay = 0
					retries = append(retries, s)
				}
				if tt.decide != nil {
					opts.RetryPolicy = (&policyFunc{decide: tt.decide}).policy
				}
				c := newTestClient(srv, hc, &opts)
				ctx := context.Background()
				if tt.ctx != nil {
					ctx = tt.ctx(ctx)
				}
				req := &responses.Request{Model: "m", Input: responses.InputText("hi"),
					Extra: map[string]json.RawMessage{"model": json.RawMessage(`"m"`), "x_gateway": json.RawMessage(`{"a":1}`)}}
				resp, err := c.Create(ctx, req)
				if tt.wantErr == 0 {
					if err != nil || resp.OutputText() != "Hello, world" {
						t.Fatalf("got %+v, %v", resp, err)
					}
				} else {
					var apiErr *responses.Error
					if !errors.As(err, &apiErr) || apiErr.StatusCode != tt.wantErr {
						t.Fatalf("err = %v, want an *Error with status %d", err, tt.wantErr)
					}
				}
				var models []string
				for _, b := range h.bodies {
					m := modelOf(t, b)
					models = append(models, m)
					// The same request but for "model".
					if same := strings.Replace(b, `"model":"`+m+`"`, `"model":"m"`, 1); same != h.bodies[0] {
						t.Errorf("attempt for %s sent\n%s\nwant, but for the model,\n%s", m, b, h.bodies[0])
					}
				}
				if diff := cmp.Diff(tt.models, models); diff != "" {
					t.Errorf("models (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(tt.retries, retries, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("OnRetry (-want +got):\n%s", diff)
				}
				// A fallback goes at once, unless the policy says otherwise.
				for i, r := range retries {
					if r.FallbackModel != "" && tt.decide == nil && delays[i] != 0 {
						t.Errorf("fallback %d after %v", i+1, delays[i])
					}
				}
			})
		})
	}
}

// TestFallbackStream: a stream that fails at capacity after some events
// yields an EventRetry naming the fallback model, then the fallback's
// events; the retry observer sees the switch too.
func TestFallbackStream(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		failed := `{"type":"response.failed","sequence_number":2,"response":{"id":"resp_x","status":"failed","error":{"type":"invalid_request_error","code":null,"message":"Selected model is at capacity. Please try a different model."}}}`
		h := &streamScript{attempts: [][]string{{evCreated, evItemAdded, failed}, helloStream}}
		srv, hc := newPipeServer(t, h)
		c := newTestClient(srv, hc, &responses.Options{MaxRetries: -1, FallbackModels: []string{"fb1"}})
		var observed []seen
		ctx := responses.WithRetryObserver(context.Background(), func(_ context.Context, info responses.RetryInfo) {
			observed = append(observed, seenOf(info))
		})
		var retry *responses.RetryInfo
		var final *responses.Response
		for ev, err := range c.Stream(ctx, &responses.Request{Model: "m"}) {
			if err != nil {
				t.Fatal(err)
			}
			switch ev.Type {
			case responses.EventRetry:
				retry = ev.Retry
			case responses.EventResponseCompleted:
				final = ev.Response
			}
		}
		want := seen{Attempt: 1, Status: 200, Retryable: true, FallbackModel: "fb1"}
		if retry == nil || seenOf(*retry) != want {
			t.Errorf("EventRetry %+v, want %+v", retry, want)
		}
		if diff := cmp.Diff([]seen{want}, observed); diff != "" {
			t.Errorf("observer (-want +got):\n%s", diff)
		}
		if final == nil || final.OutputText() != "Hello, world" {
			t.Errorf("final %+v", final)
		}
		if len(h.bodies) != 2 || modelOf(t, h.bodies[1]) != "fb1" ||
			strings.Replace(h.bodies[1], `"model":"fb1"`, `"model":"m"`, 1) != h.bodies[0] {
			t.Errorf("bodies %q", h.bodies)
		}
	})
}

// A service that retries rate limits for longer than the default, never
// retries anything else, and falls back to a smaller model when its model
// is at capacity.
func ExampleOptions_retryPolicy() {
	srv := responsestest.NewServer(&responsestest.Options{Steps: []responsestest.Step{
		responsestest.Reply().Failed("", "Selected model is at capacity. Please try a different model.").
			ErrorType("invalid_request_error"),
		responsestest.Reply(responsestest.Message("Paris.")),
	}})
	defer srv.Close()

	client := responses.NewClient(&responses.Options{
		BaseURL:    srv.URL(),
		APIKey:     "sk-example",
		MaxRetries: 6,
		RetryPolicy: func(ctx context.Context, info responses.RetryInfo) (bool, time.Duration) {
			var apiErr *responses.Error
			if errors.As(info.Err, &apiErr) && apiErr.Code == "rate_limit_exceeded" {
				return true, max(info.Delay, 2*time.Second)
			}
			return info.FallbackModel != "", info.Delay // fallbacks only
		},
		FallbackModels: []string{"gpt-5-mini"},
		OnRetry: func(ctx context.Context, info responses.RetryInfo) {
			fmt.Println("retry", info.Attempt, "with", info.FallbackModel)
		},
	})
	resp, err := client.Create(context.Background(), &responses.Request{
		Model: "gpt-5",
		Input: responses.InputText("Capital of France?"),
	})
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(resp.Model, resp.OutputText())
	// Output:
	// retry 1 with gpt-5-mini
	// gpt-5-mini Paris.
}

package responses_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
)

func TestWithRetryObserver(t *testing.T) {
	for _, stream := range []bool{false, true} {
		name := "create"
		if stream {
			name = "stream"
		}
		t.Run(name, func(t *testing.T) {
			srv := responsestest.Start(t,
				responsestest.Fail(500, `{"error":{"message":"boom","type":"server_error"}}`),
				responsestest.APIError(429, "rate_limit_exceeded", "slow down"),
				responsestest.Reply(responsestest.Message("ok")),
			)
			var fromOption, fromContext []int
			c := responses.NewClient(&responses.Options{BaseURL: srv.URL() + "/", APIKey: "k",
				RetryBaseDelay: time.Millisecond, MaxRetryDelay: time.Millisecond,
				OnRetry: func(_ context.Context, info responses.RetryInfo) { fromOption = append(fromOption, info.Attempt) }})
			ctx := responses.WithRetryObserver(context.Background(), func(_ context.Context, info responses.RetryInfo) {
				fromContext = append(fromContext, info.StatusCode)
			})
			req := &responses.Request{Model: "m", Input: responses.Input{Text: "hi"}}
			var err error
			if stream {
				_, err = responses.Collect(c.Stream(ctx, req))
			} else {
				_, err = c.Create(ctx, req)
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]int{1, 2}, fromOption); diff != "" {
				t.Errorf("OnRetry attempts (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]int{500, 429}, fromContext); diff != "" {
				t.Errorf("observer statuses (-want +got):\n%s", diff)
			}
			if got, want := c.BaseURL(), srv.URL(); got != want {
				t.Errorf("BaseURL() = %q, want %q", got, want)
			}
		})
	}
}

package runner_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/tools"
)

// answered returns call_id → output text of the function outputs in items.
func answered(items []responses.Item) map[string]string {
	m := map[string]string{}
	for _, it := range items {
		if it.Type == responses.ItemFunctionCallOutput {
			m[it.CallID] = it.Output.String()
		}
	}
	return m
}

// TestInterruptedTurnKeepsOutputs: when a run is cancelled, or a tool aborts
// it, while calls of a turn run, the result's history holds the output of
// every call that finished and a defined output for the others, so a new
// run continues from it without a pairing error and without running any
// tool again.
func TestInterruptedTurnKeepsOutputs(t *testing.T) {
	for _, how := range []string{"cancel", "abort"} {
		for _, stream := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/stream=%v", how, stream), func(t *testing.T) {
				var fastRuns, slowRuns atomic.Int64
				fastDone := make(chan struct{})
				fast, _ := tools.NewFunc("fast", "returns at once", func(context.Context, cityArgs) (string, error) {
					fastRuns.Add(1)
					close(fastDone)
					return "fast result", nil
				})
				slow, _ := tools.NewFunc("slow", "waits for its context", func(ctx context.Context, _ cityArgs) (string, error) {
					slowRuns.Add(1)
					<-ctx.Done()
					return "", ctx.Err()
				})
				stop, _ := tools.NewFunc("stop", "aborts the run", func(context.Context, cityArgs) (string, error) {
					<-fastDone
					return "", fmt.Errorf("operator said stop: %w", tools.ErrAbort)
				})
				calls := []responses.Item{
					responsestest.FunctionCall("c1", "fast", `{"city":"x"}`),
					responsestest.FunctionCall("c2", "slow", `{"city":"x"}`),
				}
				if how == "abort" {
					calls = append(calls, responsestest.FunctionCall("c3", "stop", `{"city":"x"}`))
				}
				srv := responsestest.Start(t, responsestest.Reply(calls...), responsestest.Reply(responsestest.Message("went on")))
				a := &agent.Agent{Name: "a", Model: "gpt-5", Tools: []tools.Tool{fast, slow, stop}}
				r := newRunner(srv, &runner.Options{DisableStreaming: !stream})
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				if how == "cancel" {
					go func() {
						<-fastDone
						cancel()
					}()
				}
				res, err := r.Run(ctx, a, runner.Text("go"))
				switch how {
				case "cancel":
					if !errors.Is(err, context.Canceled) {
						t.Fatalf("err = %v", err)
					}
				case "abort":
					if !errors.Is(err, tools.ErrAbort) {
						t.Fatalf("err = %v", err)
					}
				}
				outs := answered(res.History)
				if outs["c1"] != "fast result" {
					t.Errorf("c1's output was lost: %q", outs["c1"])
				}
				if !strings.Contains(outs["c2"], "outcome is unknown") {
					t.Errorf("c2 = %q", outs["c2"])
				}
				if how == "abort" && !strings.Contains(outs["c3"], "operator said stop") {
					t.Errorf("c3 = %q", outs["c3"])
				}
				// A new run from the history pairs every call.
				next, err := r.Run(context.Background(), a, runner.Items(append(res.History, responses.UserMessage("go on"))...))
				if err != nil || next.Output != "went on" {
					t.Fatalf("continuing: %v, %v", next, err)
				}
				if fastRuns.Load() != 1 || slowRuns.Load() != 1 {
					t.Errorf("fast ran %d times, slow %d", fastRuns.Load(), slowRuns.Load())
				}
			})
		}
	}
}

// TestToolIgnoresContext: a tool that ignores its context neither holds the
// run past its timeout nor past the caller's cancellation; the call is
// reported as abandoned and counted.
func TestToolIgnoresContext(t *testing.T) {
	release := make(chan struct{})
	var exited atomic.Int64
	stuck, _ := tools.NewFunc("stuck", "ignores its context", func(context.Context, cityArgs) (string, error) {
		defer exited.Add(1)
		<-release
		return "late", nil
	})
	defer func() {
		close(release)
		for exited.Load() < 2 {
			time.Sleep(time.Millisecond)
		}
	}()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	a := &agent.Agent{Name: "a", Model: "gpt-5", Tools: []tools.Tool{stuck}}

	// Its own timeout.
	srv := responsestest.Start(t,
		responsestest.Reply(responsestest.FunctionCall("c1", "stuck", `{"city":"x"}`)),
		responsestest.Reply(responsestest.Message("ok")))
	r := newRunner(srv, &runner.Options{ToolTimeout: 300 * time.Millisecond, ToolGracePeriod: 100 * time.Millisecond,
		Telemetry: &runner.Telemetry{MeterProvider: mp}})
	start := time.Now()
	res, err := r.Run(context.Background(), a, runner.Text("go"))
	if err != nil || res.Output != "ok" {
		t.Fatalf("res %v err %v", res, err)
	}
	if d := time.Since(start); d > 10*time.Second { // generous: the tool never returns by itself
		t.Errorf("the run took %v with a 300ms timeout and 100ms grace", d)
	}
	out := outputsOf(srv.Requests()[1].Request)["c1"]
	if !strings.Contains(out, "timed out after 300ms") || !strings.Contains(out, "abandoned") {
		t.Errorf("output %q", out)
	}

	// The caller's cancellation.
	srv2 := responsestest.Start(t, responsestest.Reply(responsestest.FunctionCall("c1", "stuck", `{"city":"x"}`)))
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start = time.Now()
	_, err = newRunner(srv2, &runner.Options{ToolGracePeriod: 100 * time.Millisecond,
		Telemetry: &runner.Telemetry{MeterProvider: mp}}).Run(ctx, a, runner.Text("go"))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v", err)
	}
	if d := time.Since(start); d > 10*time.Second { // generous: the tool never returns by itself
		t.Errorf("Run returned %v after a 200ms deadline", d)
	}

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	var abandoned int64
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == "agentloop.tool.abandoned" {
				for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
					abandoned += dp.Value
				}
			}
		}
	}
	if abandoned != 2 {
		t.Errorf("agentloop.tool.abandoned = %d, want 2", abandoned)
	}
}

// TestDuplicateCallID: two calls with one call_id in a response run once and
// are answered once, and the model is told.
func TestDuplicateCallID(t *testing.T) {
	for _, stream := range []bool{false, true} {
		t.Run(fmt.Sprintf("stream=%v", stream), func(t *testing.T) {
			var n atomic.Int64
			srv := responsestest.Start(t,
				responsestest.Reply(
					responsestest.FunctionCall("dup", "get_weather", `{"city":"Paris"}`),
					responsestest.FunctionCall("dup", "get_weather", `{"city":"Oslo"}`)),
				responsestest.Reply(responsestest.Message("ok")))
			a := &agent.Agent{Name: "a", Model: "gpt-5", Tools: []tools.Tool{weatherTool(t, &n)}}
			res, err := newRunner(srv, &runner.Options{DisableStreaming: !stream}).Run(context.Background(), a, runner.Text("go"))
			if err != nil || res.Output != "ok" {
				t.Fatalf("res %v err %v", res, err)
			}
			if n.Load() != 1 {
				t.Errorf("the tool ran %d times", n.Load())
			}
			var outputs, notes []string
			for _, it := range srv.Requests()[1].Request.Input.Items {
				switch {
				case it.Type == responses.ItemFunctionCallOutput:
					outputs = append(outputs, it.CallID+"="+it.Output.String())
				case it.IsMessage() && it.Role == responses.RoleUser:
					notes = append(notes, it.Text())
				}
			}
			if diff := cmp.Diff([]string{"dup=sunny in Paris"}, outputs); diff != "" {
				t.Errorf("outputs (-want +got):\n%s", diff)
			}
			if len(notes) != 2 || !strings.Contains(notes[1], "more than one call with call_id dup") {
				t.Errorf("user messages: %q", notes)
			}
		})
	}
}

// TestInvalidUTF8Arguments: arguments holding invalid UTF-8 reach the tool
// and go back upstream with U+FFFD in its place, so every request is valid
// JSON text.
func TestInvalidUTF8Arguments(t *testing.T) {
	body := "{\"id\":\"resp_1\",\"object\":\"response\",\"status\":\"completed\",\"model\":\"gpt-5\",\"output\":[" +
		"{\"type\":\"function_call\",\"id\":\"fc_1\",\"call_id\":\"c1\",\"name\":\"echo\",\"arguments\":\"{\\\"city\\\":\\\"Par\xffis\\\"}\",\"status\":\"completed\"}]}"
	for _, stream := range []bool{false, true} {
		t.Run(fmt.Sprintf("stream=%v", stream), func(t *testing.T) {
			var got string
			echo, _ := tools.NewFunc("echo", "echoes", func(_ context.Context, in cityArgs) (string, error) {
				got = in.City
				return in.City, nil
			})
			srv := responsestest.Start(t,
				responsestest.Raw(200, "application/json", []byte(body)),
				responsestest.Reply(responsestest.Message("ok")))
			a := &agent.Agent{Name: "a", Model: "gpt-5", Tools: []tools.Tool{echo}}
			res, err := newRunner(srv, &runner.Options{DisableStreaming: !stream}).Run(context.Background(), a, runner.Text("go"))
			if err != nil || res.Output != "ok" {
				t.Fatalf("res %v err %v", res, err)
			}
			if got != "Par\uFFFDis" {
				t.Errorf("the tool got %q", got)
			}
			for i, rq := range srv.Requests() {
				if !utf8.Valid(rq.Body) {
					t.Errorf("request %d is not valid UTF-8", i)
				}
			}
		})
	}
}

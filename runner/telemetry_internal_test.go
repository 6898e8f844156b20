package runner

import (
	"context"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/tools"
)

type discardSpans struct{}

func (discardSpans) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discardSpans) Shutdown(context.Context) error                             { return nil }

// BenchmarkTelemetryRun measures the telemetry hooks alone for the bench
// workload's run (4 model calls, 6 tool calls): no HTTP, no JSON, so the
// figure is what tracing adds to a run, to compare with the run's own cost.
func BenchmarkTelemetryRun(b *testing.B) {
	weather, err := tools.NewFunc("get_weather", "Get the current weather for a city.",
		func(_ context.Context, in struct {
			City string `json:"city"`
		}) (string, error) {
			return "", nil
		})
	if err != nil {
		b.Fatal(err)
	}
	a := &agent.Agent{Name: "weather", Model: "gpt-4.1-mock", Tools: []tools.Tool{weather}}
	ts, err := newToolset(a, a.Tools)
	if err != nil {
		b.Fatal(err)
	}
	client := responses.NewClient(&responses.Options{BaseURL: "http://127.0.0.1:8080/v1", APIKey: "k"})
	req := &responses.Request{Model: a.Model}
	call := &responses.Item{Type: responses.ItemFunctionCall, CallID: "call_1", Name: "get_weather", Arguments: `{"city":"Paris"}`}
	resp := &responses.Response{ID: "resp_1", Model: "gpt-4.1-mock", Status: responses.StatusCompleted,
		Output: []responses.Item{*call}, Usage: &responses.Usage{InputTokens: 80, OutputTokens: 12}}
	res := &Result{Turns: 4, Usage: responses.Usage{InputTokens: 320, OutputTokens: 48}}
	for _, tc := range []struct {
		name string
		tel  func() (*Telemetry, func())
	}{
		{"off", func() (*Telemetry, func()) { return nil, func() {} }},
		{"on", func() (*Telemetry, func()) {
			tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(discardSpans{}))
			mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
			return &Telemetry{TracerProvider: tp, MeterProvider: mp}, func() {
				_ = tp.Shutdown(context.Background())
				_ = mp.Shutdown(context.Background())
			}
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			tel, done := tc.tel()
			defer done()
			r := New(client, &Options{Telemetry: tel})
			t := r.tel
			b.ReportAllocs()
			for b.Loop() {
				ctx, rs := t.startRun(context.Background(), a, Text("What is the weather in Paris?"))
				for turn := range 4 {
					cctx, cs := t.startChat(ctx, req)
					cs.chunk()
					t.endChat(cctx, cs, resp, nil)
					if turn < 3 {
						for range 2 {
							tctx, s := t.startTool(ctx, call, ts)
							t.endTool(tctx, s, call, callResult{dur: time.Millisecond})
						}
					}
				}
				t.endRun(ctx, rs, res, nil)
			}
		})
	}
}

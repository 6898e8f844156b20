package runner_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/tools"
)

// discard is an exporter that drops what it gets: the cost measured is the
// SDK's (spans, attributes, batching), not an exporter's.
type discard struct{}

func (discard) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discard) Shutdown(context.Context) error                             { return nil }

// benchRun runs the bench workload (a get_weather call, then the answer:
// two turns) b.N times and reports the process CPU time per turn, the
// scripted server's included (the same in both variants).
func benchRun(b *testing.B, tel *runner.Telemetry, stream bool) {
	weather, err := tools.NewFunc("get_weather", "Get the current weather for a city.",
		func(_ context.Context, in cityArgs) (string, error) { return "Sunny, 22 C in " + in.City, nil })
	if err != nil {
		b.Fatal(err)
	}
	a := &agent.Agent{Name: "weather", Model: "gpt-4.1-mock", Instructions: "You answer weather questions using the get_weather tool.",
		Tools: []tools.Tool{weather}}
	srv := responsestest.NewServer(&responsestest.Options{NoHistoryCheck: true, Fallback: func(r *responsestest.Received) responsestest.Step {
		for _, it := range r.Request.Input.Items {
			if it.Type == responses.ItemFunctionCallOutput {
				return responsestest.Reply(responsestest.Message("It is sunny and 22 C in Paris.")).
					Usage(responses.Usage{InputTokens: 80, OutputTokens: 12, TotalTokens: 92})
			}
		}
		return responsestest.Reply(responsestest.FunctionCall("call_1", "get_weather", `{"city":"Paris"}`)).
			Usage(responses.Usage{InputTokens: 60, OutputTokens: 15, TotalTokens: 75})
	}})
	defer srv.Close()
	client := responses.NewClient(&responses.Options{BaseURL: srv.URL(), APIKey: "bench"})
	r := runner.New(client, &runner.Options{DisableStreaming: !stream, Telemetry: tel})
	ctx := context.Background()
	b.ReportAllocs()
	cpu0 := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		if _, err := r.Run(ctx, a, runner.Text("What's the weather in Paris?")); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(2*b.N), "cpu-µs/turn")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkRunTracingOff and BenchmarkRunTracingOn compare a run without
// telemetry (the global no-op providers) and with a real SDK: a tracer
// provider with a batch processor and a discarding exporter, a meter
// provider with a reader. Compare cpu-µs/turn (the bound: +10%).
func BenchmarkRunTracingOff(b *testing.B) {
	for _, stream := range []bool{false, true} {
		b.Run(streamName(stream), func(b *testing.B) { benchRun(b, nil, stream) })
	}
}

func BenchmarkRunTracingOn(b *testing.B) {
	for _, stream := range []bool{false, true} {
		b.Run(streamName(stream), func(b *testing.B) {
			tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(discard{}))
			mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
			defer func() {
				_ = tp.Shutdown(context.Background())
				_ = mp.Shutdown(context.Background())
			}()
			benchRun(b, &runner.Telemetry{TracerProvider: tp, MeterProvider: mp}, stream)
		})
	}
}

func streamName(stream bool) string {
	if stream {
		return "stream"
	}
	return "plain"
}

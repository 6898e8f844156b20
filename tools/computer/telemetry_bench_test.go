package computer_test

import (
	"context"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/tools/computer"
)

// BenchmarkCallItemTracing measures a call of three actions and its
// screenshot on a fake computer, untraced and in a recording span (a real
// SDK, no exporter): the cost of the four spans.
func BenchmarkCallItemTracing(b *testing.B) {
	c := newScreenComputer(b)
	tool := computer.NewTool(c, nil)
	call := &responses.Item{Type: responses.ItemComputerCall, CallID: "call_1", Actions: []responses.ComputerAction{
		{Type: "click", Button: "left", X: 1, Y: 2}, {Type: "type", Text: "hello"}, {Type: "keypress", Keys: []string{"ENTER"}}}}
	tp := sdktrace.NewTracerProvider()
	b.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	for _, traced := range []bool{false, true} {
		b.Run(map[bool]string{false: "off", true: "sdk"}[traced], func(b *testing.B) {
			ctx := context.Background()
			if traced {
				var span trace.Span
				ctx, span = tp.Tracer("bench").Start(ctx, "execute_tool computer")
				defer span.End()
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := tool.CallItem(ctx, call); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

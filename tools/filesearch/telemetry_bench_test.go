package filesearch_test

import (
	"context"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/agentloop/agentloop/internal/genai"
)

// BenchmarkSearchTracing measures a two-query search of the small corpus
// untraced, and in a recording span (a real SDK, no exporter) with content
// capture off and on.
func BenchmarkSearchTracing(b *testing.B) {
	fs := newTool(b, newStore(b, nil), nil)
	queries := []string{"refund window", "how long do refunds take"}
	tp := sdktrace.NewTracerProvider()
	b.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	for _, bc := range []struct {
		name   string
		traced bool
		run    *genai.Run
	}{
		{"off", false, nil},
		{"sdk", true, &genai.Run{}},
		{"sdk+capture", true, &genai.Run{CaptureContent: true}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			if bc.run != nil {
				ctx = genai.WithRun(ctx, bc.run)
			}
			if bc.traced {
				var span trace.Span
				ctx, span = tp.Tracer("bench").Start(ctx, "execute_tool file_search")
				defer span.End()
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := fs.Search(ctx, queries); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

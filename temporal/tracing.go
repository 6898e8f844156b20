package temporal

import (
	"fmt"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace"
	"go.temporal.io/sdk/contrib/opentelemetry"
	"go.temporal.io/sdk/interceptor"
)

// NewTracingInterceptor returns the interceptor that carries the
// OpenTelemetry context from the caller through the workflow to its
// activities, so that one trace shows a run across workers: the caller's
// span is the parent of the workflow's spans, which are the parents of the
// activities' spans, under which the model call ("chat MODEL") and each
// call ("execute_tool TOOL") are traced. Put it in the
// client.Options.Interceptors of the client that starts runs and of the
// client the workers are built from. A nil tp means
// otel.GetTracerProvider(). The workflow's spans are not emitted again when
// a worker replays it.
func NewTracingInterceptor(tp trace.TracerProvider) (interceptor.Interceptor, error) {
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	i, err := opentelemetry.NewTracingInterceptor(opentelemetry.TracerOptions{
		Tracer: tp.Tracer("github.com/agentloop/agentloop/temporal"),
	})
	if err != nil {
		return nil, fmt.Errorf("temporal: tracing interceptor: %w", err)
	}
	return i, nil
}

package runner

import (
	"context"
	"errors"
	"strconv"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/responses"
)

// Telemetry configures the OpenTelemetry spans a runner emits. The library
// installs no exporter and no global provider: it uses the providers given
// here, or the global ones (no-ops unless the program installed an SDK).
type Telemetry struct {
	// TracerProvider creates the runner's tracer. nil means
	// otel.GetTracerProvider().
	TracerProvider trace.TracerProvider
}

type telemetry struct {
	tracer trace.Tracer
}

func newTelemetry(t *Telemetry) *telemetry {
	var o Telemetry
	if t != nil {
		o = *t
	}
	tp := o.TracerProvider
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	return &telemetry{tracer: tp.Tracer(scopeName)}
}

func (t *telemetry) startRun(ctx context.Context, a *agent.Agent) (context.Context, trace.Span) {
	name := opInvokeAgent
	attrs := []attribute.KeyValue{keyOperation.String(opInvokeAgent), keyProvider.String(providerName), keyOIKind.String(oiKindAgent)}
	if a != nil {
		if a.Name != "" {
			name += " " + a.Name
			attrs = append(attrs, keyAgentName.String(a.Name))
		}
	}
	return t.tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindInternal), trace.WithAttributes(attrs...))
}

func (t *telemetry) endRun(_ context.Context, span trace.Span, res *Result, err error) {
	if res != nil {
		span.SetAttributes(keyTurns.Int(res.Turns), keyInputTokens.Int64(res.Usage.InputTokens),
			keyOutputTokens.Int64(res.Usage.OutputTokens))
	}
	if err != nil {
		setError(span, err)
	}
	span.End()
}

// chatSpan is the span of one model call.
type chatSpan struct {
	span    trace.Span
	start   time.Time
	firstAt time.Time
}

func (c *chatSpan) chunk() {
	if c.firstAt.IsZero() {
		c.firstAt = time.Now()
	}
}

func (c *chatSpan) retry(info *responses.RetryInfo) {
	attrs := []attribute.KeyValue{}
	if info != nil {
		attrs = append(attrs, keyRetryAttempt.Int(info.Attempt))
		if info.Err != nil {
			attrs = append(attrs, keyErrorType.String(errorType(info.Err)))
		}
	}
	c.span.AddEvent("retry", trace.WithAttributes(attrs...))
}

func (t *telemetry) startChat(ctx context.Context, req *responses.Request) (context.Context, *chatSpan) {
	attrs := []attribute.KeyValue{
		keyOperation.String(opChat), keyProvider.String(providerName), keyOIKind.String(oiKindLLM),
		keyOpenAIAPIType.String(apiType), keyRequestModel.String(req.Model),
	}
	if req.MaxOutputTokens != nil {
		attrs = append(attrs, keyRequestMaxTok.Int(*req.MaxOutputTokens))
	}
	if req.Temperature != nil {
		attrs = append(attrs, keyRequestTemp.Float64(*req.Temperature))
	}
	if req.TopP != nil {
		attrs = append(attrs, keyRequestTopP.Float64(*req.TopP))
	}
	if req.PreviousResponseID != "" {
		attrs = append(attrs, keyPreviousResponseID.String(req.PreviousResponseID))
	}
	ctx, span := t.tracer.Start(ctx, opChat+" "+req.Model, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	return ctx, &chatSpan{span: span, start: time.Now()}
}

func (t *telemetry) endChat(_ context.Context, c *chatSpan, resp *responses.Response, err error) {
	span := c.span
	if !c.firstAt.IsZero() {
		span.SetAttributes(keyRequestStream.Bool(true), keyTTFC.Float64(c.firstAt.Sub(c.start).Seconds()))
	}
	if resp != nil {
		span.SetAttributes(keyResponseID.String(resp.ID), keyResponseModel.String(resp.Model),
			keyFinishReasons.StringSlice([]string{finishReason(resp)}))
		if u := resp.Usage; u != nil {
			span.SetAttributes(keyInputTokens.Int64(u.InputTokens), keyOutputTokens.Int64(u.OutputTokens),
				keyCachedTokens.Int64(u.InputTokensDetails.CachedTokens),
				keyReasoningTokens.Int64(u.OutputTokensDetails.ReasoningTokens))
		}
		if resp.ServiceTier != "" {
			span.SetAttributes(keyServiceTier.String(resp.ServiceTier))
		}
	}
	if err != nil {
		setError(span, err)
	}
	span.End()
}

// finishReason derives a finish reason: Responses has none.
func finishReason(resp *responses.Response) string {
	switch resp.Status {
	case responses.StatusIncomplete:
		if resp.IncompleteDetails != nil && resp.IncompleteDetails.Reason == "content_filter" {
			return "content_filter"
		}
		return "length"
	case responses.StatusFailed:
		return "error"
	}
	for i := range resp.Output {
		if resp.Output[i].IsCall() {
			return "tool_calls"
		}
	}
	return "stop"
}

func (t *telemetry) startTool(ctx context.Context, c *responses.Item, _ *toolset) (context.Context, trace.Span) {
	name := callName(c)
	return t.tracer.Start(ctx, opExecuteTool+" "+name, trace.WithSpanKind(trace.SpanKindInternal),
		trace.WithAttributes(keyOperation.String(opExecuteTool), keyOIKind.String(oiKindTool),
			keyToolName.String(name), keyToolCallID.String(c.CallID), keyToolType.String("function")))
}

func (t *telemetry) endTool(_ context.Context, span trace.Span, _ *responses.Item, res callResult) {
	switch {
	case res.abort != nil:
		setError(span, res.abort)
	case res.err != nil:
		setError(span, res.err)
	}
	span.End()
}

func setError(span trace.Span, err error) {
	span.SetAttributes(keyErrorType.String(errorType(err)))
	span.SetStatus(codes.Error, err.Error())
}

// errorType is the error.type of an error: the API's code or status when it
// is an API error, else a short class.
func errorType(err error) string {
	var apiErr *responses.Error
	switch {
	case errors.As(err, &apiErr):
		if apiErr.Code != "" {
			return apiErr.Code
		}
		if apiErr.StatusCode != 0 {
			return strconv.Itoa(apiErr.StatusCode)
		}
		return "api_error"
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, ErrMaxTurns):
		return "max_turns"
	case errors.Is(err, responses.ErrStreamTruncated):
		return "stream_truncated"
	}
	return "_OTHER"
}

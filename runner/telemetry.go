package runner

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/internal/genai"
	"github.com/agentloop/agentloop/pricing"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/tools"
)

// EnvCaptureContent is the environment variable that turns content capture
// on, as in the OpenTelemetry GenAI instrumentations of other languages:
// "true" (or "SPAN_ONLY", "SPAN_AND_EVENT") captures content on spans. It is
// read once, by [New].
const EnvCaptureContent = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"

// DefaultMaxContentBytes bounds each captured content attribute when
// [Telemetry].MaxContentBytes is zero.
const DefaultMaxContentBytes = genai.DefaultMaxContentBytes

// Telemetry configures the OpenTelemetry spans and metrics a runner emits,
// following the GenAI semantic conventions (v1.41). The library installs no
// exporter and no global provider: it uses the providers given here, or the
// global ones (no-ops unless the program installed an SDK). A nil
// *Telemetry and zero fields mean the documented defaults.
//
// Spans: "invoke_agent {agent}" per run, a child of the span in the run's
// context; "chat {model}" (CLIENT) per model call, with retries as "retry"
// events; "execute_tool {tool}" per call, siblings under the run span, a
// failed call marking only its own span (its error.type is the tool
// error's ErrorType() when it has that method and it is not empty, such as
// "tool_error" for an MCP tool's error result; a tool adds attributes of
// its own to the span in its context). Each carries
// gen_ai.conversation.id when the run has one (see [WithConversationID])
// and openinference.span.kind.
//
// Metrics: gen_ai.client.operation.duration (s) and
// gen_ai.client.token.usage ({token}) per model call, with the buckets the
// conventions specify, and the counters agentloop.runs, agentloop.turns,
// agentloop.tool.calls and agentloop.tool.errors.
//
// Content (instructions, input and output messages, tool definitions,
// arguments and results) is captured only when CaptureContent is set or the
// environment variable [EnvCaptureContent] is "true"; each attribute is
// bounded to MaxContentBytes while staying valid JSON, and images are
// replaced by a placeholder giving their type, size and dimensions. API keys
// never appear: Secrets, "Bearer …" tokens and "sk-…" keys are redacted from
// content and error messages.
type Telemetry struct {
	// TracerProvider creates the runner's tracer. nil means
	// otel.GetTracerProvider().
	TracerProvider trace.TracerProvider
	// MeterProvider creates the runner's instruments. nil means
	// otel.GetMeterProvider().
	MeterProvider metric.MeterProvider
	// CaptureContent puts prompts, outputs, tool arguments and results on
	// spans. Off by default: they are likely to hold personal data.
	CaptureContent bool
	// MaxContentBytes bounds each content attribute (default
	// DefaultMaxContentBytes, 16 KiB).
	MaxContentBytes int
	// Secrets are strings, such as the API key, redacted wherever they
	// would appear in an attribute or an error message.
	Secrets []string
}

// TypedTool is implemented by tools that are not plain functions for the
// telemetry: ToolType returns the gen_ai.tool.type of their spans, such as
// "datastore" for file search ("function" when a tool does not implement it).
type TypedTool interface {
	ToolType() string
}

type convKey struct{}

// WithConversationID returns a context whose runs carry id as
// gen_ai.conversation.id on every span (Langfuse and Phoenix group traces
// into sessions by it). Without it, a request's conversation ("conv_…") is
// used when there is one.
func WithConversationID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, convKey{}, id)
}

type telemetry struct {
	tracer     trace.Tracer
	log        *slog.Logger
	capture    bool
	maxContent int
	secrets    []string
	stream     bool
	server     string
	port       int
	prices     *pricing.Table

	m    *genai.Instruments
	sets attrSets

	chatStatic []attribute.KeyValue // the attributes every chat span starts with
	attrBufs   sync.Pool            // of *[]attribute.KeyValue
	names      spanNames

	kindInternal, kindClient trace.SpanStartOption
}

// attrBuf returns an empty attribute slice to build a span's attributes in.
// The SDK copies the attributes it is given (span start options, and
// SetAttributes), so the slice goes back to the pool once the call returns.
func (t *telemetry) attrBuf() *[]attribute.KeyValue {
	if p, ok := t.attrBufs.Get().(*[]attribute.KeyValue); ok {
		return p
	}
	s := make([]attribute.KeyValue, 0, 24)
	return &s
}

func (t *telemetry) freeAttrBuf(p *[]attribute.KeyValue) {
	if cap(*p) > 64 {
		return // grown by content: let it go
	}
	clear(*p)
	*p = (*p)[:0]
	t.attrBufs.Put(p)
}

func newTelemetry(r *Runner, t *Telemetry) *telemetry {
	var o Telemetry
	if t != nil {
		o = *t
	}
	tp := o.TracerProvider
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	mp := o.MeterProvider
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	tel := &telemetry{
		tracer:     tp.Tracer(genai.ScopeName),
		log:        r.log,
		capture:    o.CaptureContent || captureFromEnv(os.Getenv(EnvCaptureContent)),
		maxContent: o.MaxContentBytes,
		secrets:    append([]string(nil), o.Secrets...),
		stream:     r.stream,
		prices:     r.prices,
	}
	if tel.maxContent <= 0 {
		tel.maxContent = DefaultMaxContentBytes
	}
	if r.client != nil {
		tel.server, tel.port = serverOf(r.client.BaseURL())
	}
	tel.kindInternal = trace.WithSpanKind(trace.SpanKindInternal)
	tel.kindClient = trace.WithSpanKind(trace.SpanKindClient)
	tel.chatStatic = []attribute.KeyValue{
		genai.KeyOperationName.String(genai.OpChat), genai.KeyProviderName.String(genai.ProviderOpenAI),
		genai.KeyOIKind.String(genai.OIKindLLM), genai.KeyOpenAIAPIType.String(genai.APITypeResp),
		genai.KeyRequestStream.Bool(tel.stream),
	}
	if tel.server != "" {
		tel.chatStatic = append(tel.chatStatic, genai.KeyServerAddress.String(tel.server), genai.KeyServerPort.Int(tel.port))
	}
	var err error
	tel.m, err = genai.NewInstruments(mp.Meter(genai.ScopeName))
	if err != nil {
		// The failed instruments are no-ops: telemetry never fails a run.
		tel.log.Warn("runner: creating metric instruments", "error", err)
	}
	return tel
}

// captureFromEnv reads EnvCaptureContent.
func captureFromEnv(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "1", "span_only", "span_and_event":
		return true
	}
	return false
}

// serverOf returns the host and port of a base URL, for server.address and
// server.port.
func serverOf(base string) (string, int) {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return "", 0
	}
	host, port := u.Hostname(), u.Port()
	if port == "" {
		switch u.Scheme {
		case "https":
			port = "443"
		case "http":
			port = "80"
		}
	}
	p, _ := strconv.Atoi(port)
	if ip := net.ParseIP(host); ip != nil {
		host = ip.String()
	}
	return host, p
}

// runSpan is the telemetry state of one run.
type runSpan struct {
	span  trace.Span
	run   *genai.Run
	agent string
	model string
	start time.Time
	conv  bool // the conversation id was known at start
}

func (t *telemetry) startRun(ctx context.Context, a *agent.Agent, input Input) (context.Context, *runSpan) {
	rs := &runSpan{start: time.Now(), run: &genai.Run{CaptureContent: t.capture, MaxContentBytes: t.maxContent, Secrets: t.secrets}}
	if id, ok := ctx.Value(convKey{}).(string); ok {
		rs.run.ConversationID = id
		rs.conv = id != ""
	}
	name := genai.OpInvokeAgent
	buf := t.attrBuf()
	defer t.freeAttrBuf(buf)
	attrs := append(*buf, genai.KeyOperationName.String(genai.OpInvokeAgent), genai.KeyProviderName.String(genai.ProviderOpenAI),
		genai.KeyOIKind.String(genai.OIKindAgent))
	if a != nil {
		rs.agent, rs.model = a.Name, a.Model
		if a.Name != "" {
			name += " " + a.Name
			attrs = append(attrs, genai.KeyAgentName.String(a.Name))
		}
	}
	attrs = append(attrs, rs.run.Common()...)
	*buf = attrs
	ctx, rs.span = t.tracer.Start(ctx, name, t.kindInternal, trace.WithAttributes(attrs...))
	if t.capture && rs.span.IsRecording() {
		v, mime := inputValue(rs.run, input)
		rs.span.SetAttributes(genai.KeyInputValue.String(v), genai.KeyInputMimeType.String(mime))
	}
	ctx = genai.WithRun(ctx, rs.run)
	if t.log.Enabled(ctx, slog.LevelDebug) {
		t.log.LogAttrs(ctx, slog.LevelDebug, "runner: run started", slog.String("agent", rs.agent),
			slog.String("model", rs.model), slog.String("conversation_id", rs.run.ConversationID))
	}
	return ctx, rs
}

func (t *telemetry) endRun(ctx context.Context, rs *runSpan, res *Result, err error) {
	span := rs.span
	outcome := "ok"
	var errType string
	switch {
	case err != nil:
		errType = errorType(err)
		outcome = "error"
	case ctx.Err() != nil:
		outcome = "stopped" // the consumer stopped iterating
	}
	if span.IsRecording() {
		buf := t.attrBuf()
		defer t.freeAttrBuf(buf)
		attrs := *buf
		if res != nil {
			u := res.Usage
			attrs = append(attrs, genai.KeyTurns.Int(res.Turns), genai.KeyInputTokens.Int64(u.InputTokens),
				genai.KeyOutputTokens.Int64(u.OutputTokens))
			if n := u.InputTokensDetails.CachedTokens; n != 0 {
				attrs = append(attrs, genai.KeyCachedInputTokens.Int64(n))
			}
			if n := u.InputTokensDetails.CacheWriteTokens; n != 0 {
				attrs = append(attrs, genai.KeyCacheWriteInputTokens.Int64(n))
			}
			if n := u.OutputTokensDetails.ReasoningTokens; n != 0 {
				attrs = append(attrs, genai.KeyReasoningTokens.Int64(n))
			}
			if res.Cost != nil {
				attrs = append(attrs, genai.KeyCostUSD.Float64(*res.Cost))
			}
			if t.capture && res.Final != nil {
				attrs = append(attrs, genai.KeyOutputValue.String(rs.run.Fit(res.Output)), genai.KeyOutputMimeType.String(mimeOf(res.Output)))
			}
		}
		if rs.run.ConversationID != "" && !rs.conv {
			// Learnt from a request after the span started.
			attrs = append(attrs, genai.KeyConversationID.String(rs.run.ConversationID))
		}
		*buf = attrs
		span.SetAttributes(attrs...)
		if err != nil {
			genai.SetError(span, err, errType, t.secrets)
		}
	}
	span.End()
	t.m.Runs.Add(ctx, 1, t.sets.get(setKey{metricRuns, rs.agent, outcome, errType, ""}, func() attribute.Set {
		attrs := []attribute.KeyValue{genai.KeyAgentName.String(rs.agent), genai.KeyOutcome.String(outcome)}
		if errType != "" {
			attrs = append(attrs, genai.KeyErrorType.String(errType))
		}
		return attribute.NewSet(attrs...)
	}).opt)
	lvl := slog.LevelInfo
	if err != nil {
		lvl = slog.LevelWarn
	}
	if t.log.Enabled(ctx, lvl) {
		la := []slog.Attr{slog.String("agent", rs.agent), slog.Duration("duration", time.Since(rs.start))}
		if res != nil {
			la = append(la, slog.Int("turns", res.Turns), slog.Int64("input_tokens", res.Usage.InputTokens),
				slog.Int64("output_tokens", res.Usage.OutputTokens))
		}
		if err != nil {
			la = append(la, slog.String("error.type", errType), slog.String("error", genai.Redact(err.Error(), t.secrets...)))
		}
		t.log.LogAttrs(ctx, lvl, "runner: run finished", la...)
	}
}

// chatSpan is the span of one model call.
type chatSpan struct {
	t         *telemetry
	span      trace.Span
	run       *genai.Run
	model     string
	turn      int
	start     time.Time
	firstAt   time.Time
	lastRetry int
}

func (c *chatSpan) chunk() {
	if c.firstAt.IsZero() {
		c.firstAt = time.Now()
	}
}

// retry records a retry as a span event. The client reports each retry
// through the context's observer and, for streams that already yielded
// events, as an EventRetry too: an attempt is recorded once.
func (c *chatSpan) retry(info *responses.RetryInfo) {
	if info == nil || info.Attempt <= c.lastRetry {
		return
	}
	c.lastRetry = info.Attempt
	if !c.span.IsRecording() {
		return
	}
	attrs := []attribute.KeyValue{genai.KeyRetryAttempt.Int(info.Attempt), genai.KeyRetryDelay.Float64(info.Delay.Seconds())}
	if info.StatusCode != 0 {
		attrs = append(attrs, genai.KeyRetryStatus.Int(info.StatusCode))
	}
	if info.FallbackModel != "" {
		attrs = append(attrs, genai.KeyRetryFallback.String(info.FallbackModel))
	}
	if info.Err != nil {
		attrs = append(attrs, genai.KeyErrorType.String(errorType(info.Err)),
			genai.KeyExceptionMessage.String(genai.Redact(info.Err.Error(), c.t.secrets...)))
	}
	c.span.AddEvent(genai.EventRetry, trace.WithAttributes(attrs...))
}

func (t *telemetry) startChat(ctx context.Context, req *responses.Request) (context.Context, *chatSpan) {
	run := genai.RunFrom(ctx)
	c := &chatSpan{t: t, run: run, model: req.Model, start: time.Now()}
	// Set before this turn's tool goroutines start, which read them.
	run.Turn++
	c.turn = run.Turn
	if run.ConversationID == "" {
		run.ConversationID = conversationOf(req)
	}
	buf := t.attrBuf()
	defer t.freeAttrBuf(buf)
	attrs := append(*buf, t.chatStatic...)
	attrs = append(attrs, genai.KeyRequestModel.String(req.Model), genai.KeyTurn.Int(c.turn))
	attrs = append(attrs, run.Common()...)
	if req.MaxOutputTokens != nil {
		attrs = append(attrs, genai.KeyRequestMaxTokens.Int(*req.MaxOutputTokens))
	}
	if req.Temperature != nil {
		attrs = append(attrs, genai.KeyRequestTemperature.Float64(*req.Temperature))
	}
	if req.TopP != nil {
		attrs = append(attrs, genai.KeyRequestTopP.Float64(*req.TopP))
	}
	if req.PreviousResponseID != "" {
		attrs = append(attrs, genai.KeyPreviousResponseID.String(req.PreviousResponseID))
	}
	if req.ServiceTier != "" && req.ServiceTier != "auto" {
		attrs = append(attrs, genai.KeyRequestServiceTier.String(req.ServiceTier))
	}
	if req.Text != nil && req.Text.Format != nil && req.Text.Format.Type != "" && req.Text.Format.Type != "text" {
		attrs = append(attrs, genai.KeyOutputType.String("json"))
	}
	*buf = attrs
	ctx, c.span = t.tracer.Start(ctx, t.spanName(genai.OpChat, req.Model), t.kindClient, trace.WithAttributes(attrs...))
	if t.capture && c.span.IsRecording() {
		c.span.SetAttributes(requestContent(run, req)...)
	}
	if c.span.IsRecording() {
		ctx = responses.WithRetryObserver(ctx, func(_ context.Context, info responses.RetryInfo) { c.retry(&info) })
	}
	return ctx, c
}

// conversationOf returns the conversation id a request names, if any.
func conversationOf(req *responses.Request) string {
	if req.Conversation != "" {
		return req.Conversation
	}
	if raw, ok := req.Extra["conversation"]; ok {
		var id string
		if jsonUnmarshal(raw, &id) == nil {
			return id
		}
		var obj struct {
			ID string `json:"id"`
		}
		if jsonUnmarshal(raw, &obj) == nil {
			return obj.ID
		}
	}
	return ""
}

func (t *telemetry) endChat(ctx context.Context, c *chatSpan, resp *responses.Response, err error) {
	span := c.span
	dur := time.Since(c.start)
	var errType string
	if err != nil {
		errType = errorType(err)
	}
	if span.IsRecording() {
		buf := t.attrBuf()
		defer t.freeAttrBuf(buf)
		attrs := *buf
		if !c.firstAt.IsZero() {
			attrs = append(attrs, genai.KeyTimeToFirstChunk.Float64(c.firstAt.Sub(c.start).Seconds()))
		}
		if resp != nil {
			attrs = append(attrs, genai.KeyResponseID.String(resp.ID), genai.KeyResponseModel.String(resp.Model),
				finishReasonsAttr(finishReason(resp)))
			if u := resp.Usage; u != nil {
				attrs = append(attrs, genai.KeyInputTokens.Int64(u.InputTokens), genai.KeyOutputTokens.Int64(u.OutputTokens))
				if n := u.InputTokensDetails.CachedTokens; n != 0 {
					attrs = append(attrs, genai.KeyCachedInputTokens.Int64(n))
				}
				if n := u.InputTokensDetails.CacheWriteTokens; n != 0 {
					attrs = append(attrs, genai.KeyCacheWriteInputTokens.Int64(n))
				}
				if n := u.OutputTokensDetails.ReasoningTokens; n != 0 {
					attrs = append(attrs, genai.KeyReasoningTokens.Int64(n))
				}
				if t.prices != nil {
					model := resp.Model
					if model == "" {
						model = c.model
					}
					if usd, ok := t.prices.Cost(model, u); ok {
						attrs = append(attrs, genai.KeyCostUSD.Float64(usd))
					}
				}
			}
			if resp.ServiceTier != "" {
				attrs = append(attrs, genai.KeyServiceTier.String(resp.ServiceTier))
			}
			if t.capture {
				attrs = append(attrs, genai.KeyOutputMessages.String(outputMessages(c.run, resp)))
			}
		}
		*buf = attrs
		span.SetAttributes(attrs...)
		if err != nil {
			genai.SetError(span, err, errType, t.secrets)
		}
	}
	span.End()

	// Metrics, with attribute sets computed once per model and outcome.
	respModel := ""
	if resp != nil {
		respModel = resp.Model
	}
	t.m.OperationDuration.RecordSet(ctx, dur.Seconds(), t.sets.get(setKey{metricDuration, c.model, respModel, errType, ""}, func() attribute.Set {
		return attribute.NewSet(t.chatMetricAttrs(c.model, respModel, errType, "")...)
	}).set)
	if resp != nil && resp.Usage != nil {
		for _, tt := range [...]struct {
			typ string
			n   int64
		}{{genai.TokenInput, resp.Usage.InputTokens}, {genai.TokenOutput, resp.Usage.OutputTokens}} {
			t.m.TokenUsage.RecordSet(ctx, tt.n, t.sets.get(setKey{metricTokens, c.model, respModel, errType, tt.typ}, func() attribute.Set {
				return attribute.NewSet(t.chatMetricAttrs(c.model, respModel, errType, tt.typ)...)
			}).set)
		}
	}
	t.m.Turns.Add(ctx, 1)
	if t.log.Enabled(ctx, slog.LevelDebug) {
		la := []slog.Attr{slog.Int("turn", c.turn), slog.String("model", c.model), slog.Duration("duration", dur)}
		if resp != nil {
			la = append(la, slog.String("response_id", resp.ID), slog.String("finish_reason", finishReason(resp)))
			if resp.Usage != nil {
				la = append(la, slog.Int64("input_tokens", resp.Usage.InputTokens), slog.Int64("output_tokens", resp.Usage.OutputTokens))
			}
		}
		if err != nil {
			la = append(la, slog.String("error.type", errType), slog.String("error", genai.Redact(err.Error(), t.secrets...)))
		}
		t.log.LogAttrs(ctx, slog.LevelDebug, "runner: model call", la...)
	}
}

// finishReasonAttrs are the gen_ai.response.finish_reasons values, built
// once: a string slice attribute costs a reflective copy.
var finishReasonAttrs = map[string]attribute.KeyValue{
	"stop":           genai.KeyFinishReasons.StringSlice([]string{"stop"}),
	"tool_calls":     genai.KeyFinishReasons.StringSlice([]string{"tool_calls"}),
	"length":         genai.KeyFinishReasons.StringSlice([]string{"length"}),
	"content_filter": genai.KeyFinishReasons.StringSlice([]string{"content_filter"}),
	"error":          genai.KeyFinishReasons.StringSlice([]string{"error"}),
}

func finishReasonsAttr(reason string) attribute.KeyValue {
	if kv, ok := finishReasonAttrs[reason]; ok {
		return kv
	}
	return genai.KeyFinishReasons.StringSlice([]string{reason})
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

// toolSpan is the span of one call.
type toolSpan struct {
	span  trace.Span
	run   *genai.Run
	name  string
	known bool
}

func (t *telemetry) startTool(ctx context.Context, c *responses.Item, ts *toolset) (context.Context, *toolSpan) {
	run := genai.RunFrom(ctx)
	name := callName(c)
	s := &toolSpan{run: run, name: name}
	toolType := genai.ToolTypeFunction
	var desc string
	tool := ts.lookup(c)
	s.known = tool != nil
	if tt, ok := tool.(TypedTool); ok {
		toolType = tt.ToolType()
	}
	if byName(c.Type) {
		for i := range ts.definitions {
			if ts.definitions[i].Name == c.Name {
				desc = ts.definitions[i].Description
				break
			}
		}
	}
	buf := t.attrBuf()
	defer t.freeAttrBuf(buf)
	attrs := append(*buf, genai.KeyOperationName.String(genai.OpExecuteTool), genai.KeyOIKind.String(genai.OIKindTool),
		genai.KeyToolName.String(name), genai.KeyToolCallID.String(c.CallID), genai.KeyToolType.String(toolType))
	if desc != "" {
		attrs = append(attrs, genai.KeyToolDescription.String(desc))
	}
	attrs = append(attrs, run.Common()...)
	*buf = attrs
	ctx, s.span = t.tracer.Start(ctx, t.spanName(genai.OpExecuteTool, name), t.kindInternal, trace.WithAttributes(attrs...))
	if t.capture && s.span.IsRecording() {
		s.span.SetAttributes(genai.KeyToolArguments.String(callArguments(run, c)))
	}
	return ctx, s
}

func (t *telemetry) endTool(ctx context.Context, s *toolSpan, c *responses.Item, res callResult) {
	err := res.abort
	if err == nil {
		err = res.err
	}
	var errType string
	if err != nil {
		errType = toolErrorType(err, s.known)
	}
	if s.span.IsRecording() {
		if t.capture && res.abort == nil {
			s.span.SetAttributes(genai.KeyToolResult.String(resultContent(s.run, &res.out)))
		}
		if err != nil {
			genai.SetError(s.span, err, errType, t.secrets)
		}
	}
	s.span.End()
	t.m.ToolCalls.Add(ctx, 1, t.sets.get(setKey{metricToolCalls, s.name, "", "", ""}, func() attribute.Set {
		return attribute.NewSet(genai.KeyToolName.String(s.name))
	}).opt)
	if err != nil {
		t.m.ToolErrors.Add(ctx, 1, t.sets.get(setKey{metricToolErrors, s.name, errType, "", ""}, func() attribute.Set {
			return attribute.NewSet(genai.KeyToolName.String(s.name), genai.KeyErrorType.String(errType))
		}).opt)
	}
	if t.log.Enabled(ctx, slog.LevelDebug) {
		la := []slog.Attr{slog.String("tool", s.name), slog.String("call_id", c.CallID), slog.Duration("duration", res.dur)}
		if err != nil {
			la = append(la, slog.String("error.type", errType), slog.String("error", genai.Redact(err.Error(), t.secrets...)))
		}
		t.log.LogAttrs(ctx, slog.LevelDebug, "runner: tool call", la...)
	}
}

// inputTransformed reports the input items the server withheld: an event
// on the run's span, and the count by reason.
func (t *telemetry) inputTransformed(ctx context.Context, trs []responses.InputTransformation) {
	byReason := map[string]int{}
	for _, tr := range trs {
		byReason[tr.Reason]++
	}
	span := trace.SpanFromContext(ctx)
	for reason, n := range byReason {
		if span.IsRecording() {
			span.AddEvent(genai.EventInputTransformed, trace.WithAttributes(genai.KeyTransformReason.String(reason), genai.KeyTransformCount.Int(n)))
		}
		t.m.InputTransformed.Add(ctx, int64(n), metric.WithAttributes(genai.KeyTransformReason.String(reason)))
	}
}

// startCompact starts the span of a compaction request.
func (t *telemetry) startCompact(ctx context.Context, model string) (context.Context, trace.Span) {
	run := genai.RunFrom(ctx)
	attrs := []attribute.KeyValue{genai.KeyOperationName.String("compact"), genai.KeyProviderName.String(genai.ProviderOpenAI),
		genai.KeyRequestModel.String(model)}
	if run != nil {
		attrs = append(attrs, run.Common()...)
	}
	return t.tracer.Start(ctx, t.spanName("compact", model), t.kindClient, trace.WithAttributes(attrs...))
}

// endCompact ends the span of a compaction request.
func (t *telemetry) endCompact(_ context.Context, span trace.Span, err error) {
	if err != nil && span.IsRecording() {
		genai.SetError(span, err, errorType(err), t.secrets)
	}
	span.End()
}

// guardrail records a guardrail's verdict as an event on the span in ctx.
func (t *telemetry) guardrail(ctx context.Context, name, stage, action string) {
	span := trace.SpanFromContext(ctx)
	if span.IsRecording() {
		span.AddEvent(genai.EventGuardrail, trace.WithAttributes(genai.KeyGuardrailName.String(name),
			genai.KeyGuardrailStage.String(stage), genai.KeyGuardrailAction.String(action)))
	}
}

// handoff records a handoff as an event on the run's span.
func (t *telemetry) handoff(ctx context.Context, from, to string) {
	span := trace.SpanFromContext(ctx)
	if span.IsRecording() {
		span.AddEvent(genai.EventHandoff, trace.WithAttributes(genai.KeyHandoffFrom.String(from), genai.KeyHandoffTo.String(to)))
	}
}

// abandoned counts a call whose tool did not return after its context ended.
func (t *telemetry) abandoned(ctx context.Context, tool string) {
	t.m.ToolAbandoned.Add(ctx, 1, t.sets.get(setKey{metricToolAbandoned, tool, "", "", ""}, func() attribute.Set {
		return attribute.NewSet(genai.KeyToolName.String(tool))
	}).opt)
}

// toolErrorType classifies a tool's error.
func toolErrorType(err error, known bool) string {
	var argErr *tools.ArgumentError
	var typed interface{ ErrorType() string }
	switch {
	case !known:
		return "unknown_tool"
	case errors.As(err, &typed) && typed.ErrorType() != "":
		return typed.ErrorType()
	case errors.As(err, &argErr):
		return "invalid_arguments"
	case errors.Is(err, tools.ErrAbort):
		return "tool_abort"
	case strings.HasPrefix(err.Error(), "tool panicked"):
		return "panic"
	}
	return errorType(err)
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
	case errors.Is(err, ErrIncomplete):
		return "incomplete"
	case errors.Is(err, ErrOutput):
		return "output"
	case errors.Is(err, ErrUnanswerable):
		return "unanswerable_call"
	case errors.Is(err, tools.ErrAbort):
		return "tool_abort"
	case errors.Is(err, responses.ErrStreamTruncated):
		return "stream_truncated"
	}
	return "_OTHER"
}

// chatMetricAttrs are the attributes of the model-call metrics; tokenType
// is set for gen_ai.client.token.usage.
func (t *telemetry) chatMetricAttrs(model, respModel, errType, tokenType string) []attribute.KeyValue {
	attrs := make([]attribute.KeyValue, 0, 8)
	attrs = append(attrs, genai.KeyOperationName.String(genai.OpChat), genai.KeyProviderName.String(genai.ProviderOpenAI),
		genai.KeyRequestModel.String(model))
	if respModel != "" {
		attrs = append(attrs, genai.KeyResponseModel.String(respModel))
	}
	if t.server != "" {
		attrs = append(attrs, genai.KeyServerAddress.String(t.server), genai.KeyServerPort.Int(t.port))
	}
	if errType != "" {
		attrs = append(attrs, genai.KeyErrorType.String(errType))
	}
	if tokenType != "" {
		attrs = append(attrs, genai.KeyTokenType.String(tokenType))
	}
	return attrs
}

// Metric kinds of setKey.
const (
	metricRuns = iota
	metricDuration
	metricTokens
	metricToolCalls
	metricToolErrors
	metricToolAbandoned
)

// setKey identifies the attribute set of one metric point.
type setKey struct {
	metric     int
	a, b, c, d string
}

// attrSets caches metric attribute sets: computing a set (sorting,
// hashing) costs more than recording the point. It holds at most
// maxAttrSets sets; beyond, sets are computed each time.
type attrSets struct {
	mu sync.RWMutex
	m  map[setKey]point
}

// point is a metric point's attributes, as a set (histograms) and as an
// option (counters).
type point struct {
	set attribute.Set
	opt metric.MeasurementOption
}

const maxAttrSets = 1024

func (c *attrSets) get(k setKey, build func() attribute.Set) point {
	c.mu.RLock()
	p, ok := c.m[k]
	c.mu.RUnlock()
	if ok {
		return p
	}
	set := build()
	p = point{set: set, opt: metric.WithAttributeSet(set)}
	c.mu.Lock()
	if c.m == nil {
		c.m = make(map[setKey]point)
	}
	if len(c.m) < maxAttrSets {
		c.m[k] = p
	}
	c.mu.Unlock()
	return p
}

// spanNames caches span names ("chat gpt-5", "execute_tool get_weather"),
// which would otherwise be concatenated for every span.
type spanNames struct {
	mu sync.RWMutex
	m  map[[2]string]string
}

func (t *telemetry) spanName(op, name string) string {
	k := [2]string{op, name}
	t.names.mu.RLock()
	s, ok := t.names.m[k]
	t.names.mu.RUnlock()
	if ok {
		return s
	}
	s = op + " " + name
	t.names.mu.Lock()
	if t.names.m == nil {
		t.names.m = make(map[[2]string]string)
	}
	if len(t.names.m) < maxAttrSets {
		t.names.m[k] = s
	}
	t.names.mu.Unlock()
	return s
}

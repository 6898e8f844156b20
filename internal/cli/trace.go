package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/agentloop/agentloop/internal/genai"
	"github.com/agentloop/agentloop/runner"
)

// The CLI is the one place (with cmd/ and examples/) that installs the
// OpenTelemetry SDK. It never sets a global provider: the runner gets the
// provider through runner.Telemetry.

// addTraceFlag registers --trace.
func addTraceFlag(fs *flag.FlagSet) *string {
	return fs.String("trace", "", "trace the run with OpenTelemetry: \"stdout\" prints the span tree when the run ends\n"+
		"(on stderr for run, chat and resume, so stdout holds the answer alone); \"otlp\" exports over OTLP/HTTP to $OTEL_EXPORTER_OTLP_ENDPOINT\n"+
		"(default http://localhost:4318); an http(s) URL exports to that OTLP endpoint.\n"+
		"TRACEPARENT parents the run on the caller's trace; "+runner.EnvCaptureContent+"=true adds prompts and outputs")
}

// tracing is the SDK set up for one command. A nil *tracing traces nothing.
type tracing struct {
	tp       *sdktrace.TracerProvider
	spans    *collector // --trace stdout
	endpoint string     // --trace otlp
	capture  bool
}

// startTracing sets up tracing for mode ("" for none) and returns ctx
// carrying the parent from TRACEPARENT, if any.
func startTracing(ctx context.Context, env *Env, mode string) (context.Context, *tracing, error) {
	mode = strings.TrimSpace(mode)
	if mode == "" || mode == "none" || mode == "off" {
		return ctx, nil, nil
	}
	t := &tracing{capture: captureContent(env.Getenv(runner.EnvCaptureContent))}
	opts := []sdktrace.TracerProviderOption{sdktrace.WithResource(serviceResource(env))}
	switch {
	case mode == "stdout" || mode == "console":
		t.spans = &collector{}
		opts = append(opts, sdktrace.WithSpanProcessor(t.spans))
	case mode == "otlp" || strings.HasPrefix(mode, "http://") || strings.HasPrefix(mode, "https://"):
		if p := env.Getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"); p == "" {
			if p = env.Getenv("OTEL_EXPORTER_OTLP_PROTOCOL"); p != "" && p != "http/protobuf" {
				return ctx, nil, fmt.Errorf("%w: OTEL_EXPORTER_OTLP_PROTOCOL=%s: agentloop exports OTLP over HTTP (http/protobuf) only; use the collector's port 4318", errUsage, p)
			}
		} else if p != "http/protobuf" {
			return ctx, nil, fmt.Errorf("%w: OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=%s: agentloop exports OTLP over HTTP (http/protobuf) only", errUsage, p)
		}
		endpoint, err := otlpEndpoint(env, mode)
		if err != nil {
			return ctx, nil, err
		}
		t.endpoint = endpoint
		// A CLI run ends soon: give up on an unreachable collector within
		// seconds instead of the exporter's default minute.
		eopts := []otlptracehttp.Option{otlptracehttp.WithEndpointURL(endpoint),
			otlptracehttp.WithRetry(otlptracehttp.RetryConfig{Enabled: true, InitialInterval: 250 * time.Millisecond,
				MaxInterval: time.Second, MaxElapsedTime: 3 * time.Second})}
		if h := otlpHeaders(env); len(h) > 0 {
			eopts = append(eopts, otlptracehttp.WithHeaders(h))
		}
		if c := firstEnv(env, "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "OTEL_EXPORTER_OTLP_COMPRESSION"); c == "gzip" {
			eopts = append(eopts, otlptracehttp.WithCompression(otlptracehttp.GzipCompression))
		}
		if ms, err := strconv.Atoi(firstEnv(env, "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT")); err == nil && ms > 0 {
			eopts = append(eopts, otlptracehttp.WithTimeout(time.Duration(ms)*time.Millisecond))
		}
		exp, err := otlptracehttp.New(ctx, eopts...)
		if err != nil {
			return ctx, nil, fmt.Errorf("setting up the OTLP exporter for %s: %w", endpoint, err)
		}
		opts = append(opts, sdktrace.WithBatcher(exp))
	default:
		return ctx, nil, fmt.Errorf("%w: --trace %q: use stdout, otlp, or an OTLP/HTTP URL such as http://localhost:4318", errUsage, mode)
	}
	t.tp = sdktrace.NewTracerProvider(opts...)
	return propagation.TraceContext{}.Extract(ctx, envCarrier{env}), t, nil
}

// telemetry returns the runner's telemetry options; secrets (the API key)
// are redacted from everything the spans carry.
func (t *tracing) telemetry(secrets ...string) *runner.Telemetry {
	if t == nil {
		return nil
	}
	return &runner.Telemetry{TracerProvider: t.tp, CaptureContent: t.capture, Secrets: secrets}
}

// finish ends tracing: it prints the span tree (stdout mode) on w, or
// flushes the exporter, reporting a failure on errw. It never fails the
// command: the run itself went fine.
func (t *tracing) finish(ctx context.Context, w, errw io.Writer) {
	if t == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	// ForceFlush reports export errors; Shutdown only hands them to the
	// global error handler.
	err := t.tp.ForceFlush(ctx)
	if serr := t.tp.Shutdown(ctx); err == nil {
		err = serr
	}
	if err != nil {
		fmt.Fprintf(errw, "agentloop: exporting the trace to %s failed: %s\n", t.endpoint, oneLine(err.Error()))
	}
	if t.spans != nil {
		printTree(w, t.spans.take())
	}
}

// flushTree prints the spans collected so far (stdout mode) and forgets
// them; the demo prints one tree per run.
func (t *tracing) flushTree(w io.Writer) {
	if t == nil || t.spans == nil {
		return
	}
	printTree(w, t.spans.take())
}

func captureContent(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "1", "span_only", "span_and_event":
		return true
	}
	return false
}

func firstEnv(env *Env, names ...string) string {
	for _, n := range names {
		if v := strings.TrimSpace(env.Getenv(n)); v != "" {
			return v
		}
	}
	return ""
}

// otlpEndpoint is the traces URL: --trace URL, else
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (used as is), else
// OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces, else localhost:4318.
func otlpEndpoint(env *Env, mode string) (string, error) {
	base, signal := "", false
	switch {
	case mode != "otlp":
		base = mode
	case env.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != "":
		base, signal = env.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"), true
	case env.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "":
		base = env.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT")
	default:
		base = "http://localhost:4318"
	}
	u, err := url.Parse(strings.TrimSpace(base))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("%w: OTLP endpoint %q is not an http(s) URL such as http://localhost:4318", errUsage, base)
	}
	if !signal && !strings.HasSuffix(u.Path, "/v1/traces") {
		u.Path = strings.TrimSuffix(u.Path, "/") + "/v1/traces"
	}
	return u.String(), nil
}

// otlpHeaders parses OTEL_EXPORTER_OTLP_HEADERS and
// OTEL_EXPORTER_OTLP_TRACES_HEADERS ("k1=v1,k2=v2", values URL-encoded).
func otlpHeaders(env *Env) map[string]string {
	h := map[string]string{}
	for _, name := range []string{"OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS"} {
		for _, kv := range strings.Split(env.Getenv(name), ",") {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || strings.TrimSpace(k) == "" {
				continue
			}
			if dv, err := url.PathUnescape(strings.TrimSpace(v)); err == nil {
				v = dv
			}
			h[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return h
}

// serviceResource names the service: OTEL_SERVICE_NAME or "agentloop".
func serviceResource(env *Env) *resource.Resource {
	name := firstEnv(env, "OTEL_SERVICE_NAME")
	if name == "" {
		name = "agentloop"
	}
	return resource.NewSchemaless(attribute.String("service.name", name), attribute.String("service.version", Version()))
}

// envCarrier reads TRACEPARENT and TRACESTATE from the environment, the
// convention for passing a trace context to a child process.
type envCarrier struct{ env *Env }

func (c envCarrier) Get(key string) string {
	switch strings.ToLower(key) {
	case "traceparent":
		return strings.TrimSpace(c.env.Getenv("TRACEPARENT"))
	case "tracestate":
		return strings.TrimSpace(c.env.Getenv("TRACESTATE"))
	}
	return ""
}
func (c envCarrier) Set(string, string) {}
func (c envCarrier) Keys() []string     { return []string{"traceparent", "tracestate"} }

// collector keeps the ended spans, for the tree.
type collector struct {
	mu    sync.Mutex
	spans []sdktrace.ReadOnlySpan
}

func (c *collector) OnStart(context.Context, sdktrace.ReadWriteSpan) {}
func (c *collector) OnEnd(s sdktrace.ReadOnlySpan) {
	c.mu.Lock()
	c.spans = append(c.spans, s)
	c.mu.Unlock()
}
func (c *collector) Shutdown(context.Context) error   { return nil }
func (c *collector) ForceFlush(context.Context) error { return nil }

func (c *collector) take() []sdktrace.ReadOnlySpan {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.spans
	c.spans = nil
	return s
}

// printTree prints spans as one tree per trace: name, duration, the
// attributes that matter for the operation, errors and retries.
//
//	trace 4bf92f3577b34da6a3ce929d0e0e4736
//	invoke_agent assistant  1.2s  turns=2 tokens=40/12
//	├─ chat gpt-5-mini  812.0ms  resp_1 stop tokens=10/5 cached=4 ttfc=120.0ms
//	├─ execute_tool get_weather  3.1ms  call_a
//	└─ chat gpt-5-mini  400.0ms  resp_2 stop tokens=30/7
func printTree(w io.Writer, spans []sdktrace.ReadOnlySpan) {
	if len(spans) == 0 {
		return
	}
	byID := map[trace.SpanID]bool{}
	children := map[trace.SpanID][]sdktrace.ReadOnlySpan{}
	for _, s := range spans {
		byID[s.SpanContext().SpanID()] = true
	}
	var roots []sdktrace.ReadOnlySpan
	for _, s := range spans {
		if p := s.Parent(); p.IsValid() && byID[p.SpanID()] {
			children[p.SpanID()] = append(children[p.SpanID()], s)
		} else {
			roots = append(roots, s)
		}
	}
	byStart := func(a, b sdktrace.ReadOnlySpan) int { return a.StartTime().Compare(b.StartTime()) }
	slices.SortFunc(roots, byStart)
	var walk func(s sdktrace.ReadOnlySpan, prefix, branch, next string)
	walk = func(s sdktrace.ReadOnlySpan, prefix, branch, next string) {
		fmt.Fprintf(w, "%s%s%s\n", prefix, branch, spanLine(s))
		for _, ev := range s.Events() {
			if line := eventLine(ev); line != "" {
				fmt.Fprintf(w, "%s%s   %s\n", prefix, next, line)
			}
		}
		kids := children[s.SpanContext().SpanID()]
		slices.SortFunc(kids, byStart)
		for i, k := range kids {
			if i == len(kids)-1 {
				walk(k, prefix+next, "└─ ", "   ")
			} else {
				walk(k, prefix+next, "├─ ", "│  ")
			}
		}
	}
	var lastTrace trace.TraceID
	for _, r := range roots {
		if tid := r.SpanContext().TraceID(); tid != lastTrace {
			lastTrace = tid
			fmt.Fprintf(w, "trace %s", tid)
			if r.Parent().IsRemote() {
				fmt.Fprintf(w, " (parent span %s from TRACEPARENT)", r.Parent().SpanID())
			}
			fmt.Fprintln(w)
		}
		walk(r, "", "", "")
	}
}

func spanLine(s sdktrace.ReadOnlySpan) string {
	a := map[attribute.Key]attribute.Value{}
	for _, kv := range s.Attributes() {
		a[kv.Key] = kv.Value
	}
	get := func(k attribute.Key) string {
		if v, ok := a[k]; ok {
			return v.String()
		}
		return ""
	}
	parts := []string{s.Name(), fmtDuration(s.EndTime().Sub(s.StartTime()))}
	var d []string
	tokens := func() {
		if in, out := get(genai.KeyInputTokens), get(genai.KeyOutputTokens); in != "" || out != "" {
			d = append(d, "tokens="+in+"/"+out)
		}
		if v := get(genai.KeyCachedInputTokens); v != "" && v != "0" {
			d = append(d, "cached="+v)
		}
		if v := get(genai.KeyReasoningTokens); v != "" && v != "0" {
			d = append(d, "reasoning="+v)
		}
	}
	switch get(genai.KeyOperationName) {
	case genai.OpInvokeAgent:
		if v := get(genai.KeyTurns); v != "" {
			d = append(d, "turns="+v)
		}
		tokens()
		if v := get(genai.KeyConversationID); v != "" {
			d = append(d, "conversation="+v)
		}
	case genai.OpChat:
		if v := get(genai.KeyResponseID); v != "" {
			d = append(d, v)
		}
		if v, ok := a[genai.KeyFinishReasons]; ok {
			d = append(d, strings.Join(v.AsStringSlice(), ","))
		}
		if rm := get(genai.KeyResponseModel); rm != "" && rm != get(genai.KeyRequestModel) {
			d = append(d, "model="+rm)
		}
		tokens()
		if v, ok := a[genai.KeyTimeToFirstChunk]; ok {
			d = append(d, "ttfc="+fmtDuration(time.Duration(v.AsFloat64()*float64(time.Second))))
		}
	case genai.OpExecuteTool:
		if v := get(genai.KeyToolCallID); v != "" {
			d = append(d, v)
		}
	case genai.OpRetrieval:
		if v := get(genai.KeyRequestTopK); v != "" {
			d = append(d, "top_k="+v)
		}
	}
	if len(d) > 0 {
		parts = append(parts, strings.Join(d, " "))
	}
	line := strings.Join(parts, "  ")
	if s.Status().Code == codes.Error {
		line += "  ✗ " + get(genai.KeyErrorType)
		if msg := s.Status().Description; msg != "" {
			line += ": " + clip(oneLine(msg), 120)
		}
	}
	return line
}

func eventLine(ev sdktrace.Event) string {
	if ev.Name != genai.EventRetry {
		return ""
	}
	a := map[attribute.Key]string{}
	for _, kv := range ev.Attributes {
		a[kv.Key] = kv.Value.String()
	}
	line := "↻ retry #" + a[genai.KeyRetryAttempt]
	if et := a[genai.KeyErrorType]; et != "" {
		line += " after " + et
	}
	if d, err := strconv.ParseFloat(a[genai.KeyRetryDelay], 64); err == nil {
		line += ", waited " + fmtDuration(time.Duration(d*float64(time.Second)))
	}
	return line
}
